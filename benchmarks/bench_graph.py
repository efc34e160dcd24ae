"""The portfolio graph on rustworkx against networkx (issue #16): which library holds it.

A synthetic portfolio (seeded; default 1,000 products × 500 components, 200 systems in 20
functions, 60 vendors in 12 countries, each product in 1–3 systems) is made as records in
memory, then `build_graph` runs with each library's topology in a fresh process of its own,
alternating, R times: the build's wall time (the garbage collector paused, as the CLI runs
it), the process's peak RSS over the records alone, and the median of N blast-radius
questions of each kind (a component in about a third of the products, a component in every
product, a vendor, a country), the collector running again as in a long-lived service. The
questions are the library's own (`portfolio.blast`); only the `Topology` differs, networkx's
written here as the baseline.
Prints medians, minimums and the rustworkx / networkx ratio; exits 0.

    python benchmarks/bench_graph.py [--products N] [--components N] [--repeat R] [--queries N]
"""

from __future__ import annotations

import argparse
import json
import random
import resource
import statistics
import subprocess
import sys
import time
from collections.abc import Callable, Iterable, Sequence
from typing import Any

from chainreview import collector
from chainreview.components.model import Component, Edge, Inventory
from chainreview.evidence.declaration import Criticality
from chainreview.portfolio import blast
from chainreview.portfolio.build import build_graph
from chainreview.portfolio.graph import Topology, TopologyFactory, rustworkx_topology
from chainreview.portfolio.model import (
    DeployedProduct,
    Deployment,
    Portfolio,
    System,
    Vendor,
    VendorSite,
)

COUNTRIES = ("CN", "US", "DE", "JP", "KR", "TW", "FR", "GB", "SE", "FI", "IL", "MY")
EVERYWHERE = "pkg:pypi/common-base@1.0.0"
"""A component every product has."""


class _Networkx:
    """The baseline: the same topology as a networkx `DiGraph`."""

    def __init__(self, size: int, edges: Sequence[tuple[int, int]]) -> None:
        import networkx

        graph = networkx.DiGraph()
        graph.add_nodes_from(range(size))
        graph.add_edges_from(edges)
        self._graph = graph
        self.successors: Callable[[int], Iterable[int]] = graph._succ.__getitem__

    @property
    def edge_count(self) -> int:
        return int(self._graph.number_of_edges())


def networkx_topology(size: int, edges: Sequence[tuple[int, int]]) -> Topology:
    """The baseline topology."""
    return _Networkx(size, edges)


BACKENDS: dict[str, TopologyFactory] = {
    "rustworkx": rustworkx_topology,
    "networkx": networkx_topology,
}


def synthetic(products: int, components: int, seed: int = 16) -> Portfolio:
    """A portfolio of `products` products of `components` components each (module doc)."""
    rng = random.Random(seed)
    pool = [
        f"pkg:pypi/package-{n}@{rng.randint(1, 9)}.{rng.randint(0, 20)}.0" for n in range(20_000)
    ]
    weights = [1 / (n + 1) ** 0.8 for n in range(len(pool))]
    criticality = list(Criticality)
    systems = tuple(
        System(
            id=f"SYS-{n}",
            name=f"System {n}",
            criticality=rng.choice(criticality),
            function=f"function {n % 20}",
        )
        for n in range(200)
    )
    vendors = tuple(
        Vendor(
            id=f"vendor-{n}",
            name=f"Vendor {n}",
            country=COUNTRIES[n % len(COUNTRIES)],
            sites=tuple(
                VendorSite(country=rng.choice(COUNTRIES)) for _ in range(rng.randint(1, 3))
            ),
        )
        for n in range(60)
    )
    made = []
    for p in range(products):
        picked = {EVERYWHERE}
        while len(picked) < components - 1:
            picked.update(rng.choices(pool, weights, k=components - 1 - len(picked)))
        purls = [f"pkg:generic/vendor/product-{p}@1.0", *sorted(picked)]
        parts = tuple(
            Component(ref=f"c{n}", name=purl.split("/")[-1], purl=purl)
            for n, purl in enumerate(purls)
        )
        edges = []
        for n in range(1, len(parts)):
            edges.append(Edge(source=f"c{int(rng.random() ** 2 * n)}", target=f"c{n}"))
            if rng.random() < 0.3:
                edges.append(Edge(source=f"c{rng.randrange(n)}", target=f"c{n}"))
        inventory = Inventory(
            documents=(),
            components=parts,
            services=(),
            edges=tuple(edges),
            skipped=(),
            warnings=(),
            duplicates=(),
        )
        made.append(
            DeployedProduct(
                id=f"P-{p}",
                name=f"Product {p}",
                vendor=f"vendor-{p % len(vendors)}",
                deployments=tuple(
                    Deployment(system=s.id, quantity=rng.randint(1, 20), function=s.function)
                    for s in rng.sample(systems, rng.randint(1, 3))
                ),
                inventory=inventory,
            )
        )
    return Portfolio(
        operator="Synthetic operator",
        source="synthetic",
        systems=systems,
        vendors=vendors,
        products=tuple(made),
    )


def _rss_mb() -> float:
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


def _timed(question: Callable[[], Any], queries: int) -> float:
    times = []
    for _ in range(queries):
        start = time.perf_counter()
        question()
        times.append(time.perf_counter() - start)
    return statistics.median(times)


def child(backend: str, products: int, components: int, queries: int) -> dict[str, float]:
    """One measurement of one backend, in this process."""
    portfolio = synthetic(products, components)
    before = _rss_mb()
    with collector.paused():  # as the CLI builds it
        start = time.perf_counter()
        graph = build_graph(portfolio, topology=BACKENDS[backend])
        built = time.perf_counter() - start
    rss = _rss_mb() - before
    third = next(
        p
        for p, nodes in sorted(graph.packages.items())
        if products // 4 <= len(nodes) <= products // 2
    )
    figures = {
        "build": built,
        "rss": rss,
        "nodes": float(len(graph.graph)),
        "edges": float(graph.graph.edge_count),
        "component": _timed(lambda: blast.of_component(graph, third), queries),
        "everywhere": _timed(lambda: blast.of_component(graph, EVERYWHERE), queries),
        "vendor": _timed(lambda: blast.of_vendor(graph, "vendor-7"), queries),
        "country": _timed(lambda: blast.of_country(graph, "DE"), queries),
    }
    figures["component_products"] = float(len(graph.packages[third]))
    return figures


def main() -> None:
    """Measure both backends (module doc)."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--products", type=int, default=1_000)
    parser.add_argument("--components", type=int, default=500)
    parser.add_argument("--repeat", type=int, default=3)
    parser.add_argument("--queries", type=int, default=20)
    parser.add_argument("--child", choices=sorted(BACKENDS), help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.child:
        figures = child(args.child, args.products, args.components, args.queries)
        print(json.dumps(figures))
        return
    runs: dict[str, list[dict[str, float]]] = {name: [] for name in BACKENDS}
    for round_ in range(args.repeat):
        order = list(BACKENDS) if round_ % 2 == 0 else list(reversed(BACKENDS))
        for name in order:
            command = [sys.executable, __file__, "--child", name]
            command += ["--products", str(args.products), "--components", str(args.components)]
            command += ["--queries", str(args.queries)]
            done = subprocess.run(command, capture_output=True, text=True, check=True)
            runs[name].append(json.loads(done.stdout))
    first = runs["rustworkx"][0]
    print(
        f"{args.products:,} products × {args.components:,} components: "
        f"{int(first['nodes']):,} nodes, {int(first['edges']):,} edges; "
        f"{args.repeat} runs each, {args.queries} questions of each kind per run "
        f"(the 'third' component is in {int(first['component_products'])} products)"
    )
    rows = (
        ("build_graph", "build", "s"),
        ("peak RSS of the graph", "rss", "MB"),
        ("blast radius: component in a third", "component", "ms"),
        ("blast radius: component in every product", "everywhere", "ms"),
        ("blast radius: vendor", "vendor", "ms"),
        ("blast radius: country", "country", "ms"),
    )
    print(f"{'':44} {'rustworkx':>20} {'networkx':>20} {'rx / nx':>8}")
    for label, key, unit in rows:
        scale = 1000 if unit == "ms" else 1
        cells = []
        for name in BACKENDS:
            values = [run[key] * scale for run in runs[name]]
            cells.append(f"{statistics.median(values):9.2f} (min {min(values):7.2f})")
        ratio = statistics.median(r[key] for r in runs["rustworkx"]) / statistics.median(
            r[key] for r in runs["networkx"]
        )
        print(f"{label + ' (' + unit + ')':44} {cells[0]:>20} {cells[1]:>20} {ratio:8.2f}")


if __name__ == "__main__":
    main()
