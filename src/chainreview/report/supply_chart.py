"""The declaration's supply chain as a picture: the vendors' sites, the vendors, the components
with active findings, the products and the systems they serve, as a graph laid out in layers
(sites → vendor → product → systems, the components beside the vendor, feeding their product).

Each node's layer is its role (a supply chain has these four, always in this order, so no
general layout is searched for); the nodes of a layer are ordered by the mean position of their
neighbours in the layer before (one barycentre pass, as layered graph drawing does), so that few
edges cross, ties kept in declaration order.
Each layer shows at most `MAX_PER_LAYER` nodes, the most relevant first (components with KEV
and severe findings, sites in declaration order), and a last box saying how many more there are;
the report lists every site, product and system in a table beside the picture, so that the
picture carries no fact alone. Drawn like the other charts (`report.charts`).
"""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass
from typing import TYPE_CHECKING, Final

from chainreview.findings.model import SEVERITY_RANK
from chainreview.findings.model import Level as Severity
from chainreview.report.charts import drawing, svg_element
from chainreview.report.i18n import Localizer, localizer

if TYPE_CHECKING:
    from matplotlib.axes import Axes

    from chainreview.reviewer import ReviewResult

__all__ = [
    "MAX_PER_LAYER",
    "Node",
    "SupplyGraph",
    "left_out_words",
    "supply_chart",
    "supply_graph",
]

MAX_PER_LAYER: Final = 8
"""Nodes drawn in one layer; the rest are counted in a last box."""
_COLOURS: Final = {
    "site": "#e2e8f0",
    "vendor": "#ddd6fe",
    "component": "#fef3c7",
    "kev": "#fecaca",
    "product": "#bfdbfe",
    "system": "#dcfce7",
    "more": "#ffffff",
}
_LAYER_OF: Final = {"site": 0, "vendor": 1, "component": 1, "product": 2, "system": 3}
_WIDTH: Final = 25


@dataclass(frozen=True, slots=True, kw_only=True)
class Node:
    """One box of the picture."""

    key: str
    kind: str
    """`site`, `vendor`, `component`, `product`, `system`, or `more` (the ones left out)."""
    title: str
    detail: str
    kev: bool = False


@dataclass(frozen=True, slots=True, kw_only=True)
class SupplyGraph:
    """The picture's nodes by layer (left to right, each top to bottom) and its edges."""

    layers: tuple[tuple[Node, ...], ...]
    edges: tuple[tuple[str, str], ...]
    left_out: tuple[tuple[str, int], ...]
    """(kind, how many) not drawn."""


def supply_graph(result: ReviewResult, loc: Localizer | None = None) -> SupplyGraph | None:
    """The graph of `result`'s supply chain with its words in `loc`'s language; None when the
    declaration names no vendor and no system."""
    loc = loc or localizer()
    chain = result.supply_chain
    if not chain.vendors and not chain.systems:
        return None
    nodes: dict[str, Node] = {}
    edges: list[tuple[str, str]] = []

    def add(node: Node) -> None:
        nodes[node.key] = node

    def link(source: str, target: str) -> None:
        if source in nodes and target in nodes:
            edges.append((source, target))

    for vendor in chain.vendors:
        add(Node(key=f"v:{vendor.id}", kind="vendor", title=vendor.legal_name,
                 detail=vendor.jurisdiction))  # fmt: skip
        for n, site in enumerate(vendor.sites):
            detail = f"{loc.word('site', site.kind)} · {site.country}"
            add(Node(key=f"s:{vendor.id}:{n}", kind="site", title=site.entity, detail=detail))
    names = {p.product: p.name for p in result.products}
    for product in chain.products:
        add(Node(key=f"p:{product.id}", kind="product", title=names.get(product.id, product.id),
                 detail=product.id))  # fmt: skip
    for system in chain.systems:
        add(Node(key=f"y:{system.id}", kind="system", title=system.name,
                 detail=loc.word("level", system.criticality)))  # fmt: skip
    for node in _components(result, loc):
        add(node)
    for vendor in chain.vendors:
        for n, _ in enumerate(vendor.sites):
            link(f"s:{vendor.id}:{n}", f"v:{vendor.id}")
    for product in chain.products:
        link(f"v:{product.vendor}", f"p:{product.id}")
        for served in product.systems:
            link(f"p:{product.id}", f"y:{served}")
    for key in list(nodes):
        if key.startswith("c:"):
            link(key, "p:" + key.split(":", 2)[1])
    return _layered(list(nodes.values()), edges, loc)


def _components(result: ReviewResult, loc: Localizer) -> list[Node]:
    """A node for each component with active findings, per product, most urgent first."""
    found: list[tuple[tuple[int, int, int, str], Node]] = []
    for scan in result.products:
        by_component: dict[str, list[Severity]] = defaultdict(list)
        kev: dict[str, int] = defaultdict(int)
        label: dict[str, str] = {}
        for f in scan.findings:
            if f.active:
                by_component[f.component].append(f.severity.level)
                kev[f.component] += f.kev is not None
                label[f.component] = f"{f.name} {f.version}".strip()
        for ref, severities in by_component.items():
            worst = min(severities, key=SEVERITY_RANK.__getitem__)
            detail = loc.ngettext("%(num)d finding", "%(num)d findings", len(severities)) % {
                "num": len(severities)
            }
            detail += f" · {loc.word('level', worst.value)}"
            if kev[ref]:
                detail += f" · KEV {kev[ref]}"
            node = Node(key=f"c:{scan.product}:{ref}", kind="component", title=label[ref],
                        detail=detail, kev=bool(kev[ref]))  # fmt: skip
            found.append(((-kev[ref], SEVERITY_RANK[worst], -len(severities), ref), node))
    return [node for _, node in sorted(found, key=lambda item: item[0])]


def _layered(nodes: list[Node], edges: list[tuple[str, str]], loc: Localizer) -> SupplyGraph:
    """The nodes in layers, each ordered by its neighbours' positions in the layer before,
    capped at `MAX_PER_LAYER`."""
    neighbours: dict[str, list[str]] = defaultdict(list)
    for source, target in edges:
        neighbours[source].append(target)
        neighbours[target].append(source)
    layers: list[list[Node]] = [[] for _ in range(4)]
    for node in nodes:
        layers[_LAYER_OF[node.kind]].append(node)
    left_out: dict[str, int] = defaultdict(int)
    shown: list[tuple[Node, ...]] = []
    position: dict[str, float] = {}
    for depth, members in enumerate(layers):
        if depth:  # sorted is stable: ties keep their order
            members = sorted(
                members,
                key=lambda n: _mean([position[k] for k in neighbours[n.key] if k in position]),
            )
        kept, dropped = members[:MAX_PER_LAYER], members[MAX_PER_LAYER:]
        position.update((n.key, row) for row, n in enumerate(kept))
        for node in dropped:
            left_out[node.kind] += 1
        if dropped:
            kept.append(
                Node(
                    key=f"more:{depth}",
                    kind="more",
                    title=loc.gettext("{num} more").format(num=loc.number(len(dropped))),
                    detail=loc.gettext("listed below"),
                )
            )
        shown.append(tuple(kept))
    drawn = {n.key for layer in shown for n in layer}
    return SupplyGraph(
        layers=tuple(shown),
        edges=tuple((s, t) for s, t in edges if s in drawn and t in drawn),
        left_out=tuple(sorted(left_out.items())),
    )


def left_out_words(graph: SupplyGraph, loc: Localizer) -> list[str]:
    """What `graph` leaves out, in words: "3 sites", "12 components"."""
    words = {
        "site": lambda n: loc.ngettext("%(num)d site", "%(num)d sites", n),
        "vendor": lambda n: loc.ngettext("%(num)d vendor", "%(num)d vendors", n),
        "component": lambda n: loc.ngettext("%(num)d component", "%(num)d components", n),
        "product": lambda n: loc.ngettext("%(num)d product", "%(num)d products", n),
        "system": lambda n: loc.ngettext("%(num)d system", "%(num)d systems", n),
    }
    return [words[kind](n) % {"num": n} for kind, n in graph.left_out]


def _mean(values: list[float]) -> float:
    return sum(values) / len(values) if values else float("inf")


def supply_chart(graph: SupplyGraph, loc: Localizer | None = None) -> str:
    """The picture of `graph`, its words in `loc`'s language."""
    loc = loc or localizer()
    from matplotlib.collections import LineCollection
    from matplotlib.patches import Rectangle

    rows = max(len(layer) for layer in graph.layers) or 1
    with drawing(loc) as figure_of:
        height = 0.5 * rows + 0.45
        figure = figure_of((6.8, height))
        axes = figure.add_axes((0.0, 0.0, 1.0, 1.0))
        axes.set_xlim(-0.05, 4.0)
        axes.set_ylim(rows - 0.4, -0.75)
        axes.set_axis_off()
        heads = (loc.gettext("sites"), loc.gettext("vendors and components with findings"),
                 loc.gettext("products"), loc.gettext("systems served"))  # fmt: skip
        where: dict[str, tuple[float, float]] = {}
        for depth, layer in enumerate(graph.layers):
            axes.text(depth + 0.45, -0.55, heads[depth], ha="center", va="center",
                      fontsize=6, color="#475569", parse_math=False)  # fmt: skip
            offset = (rows - len(layer)) / 2
            for row, node in enumerate(layer):
                y = row + offset
                where[node.key] = (depth, y)
                colour = _COLOURS["kev" if node.kev else node.kind]
                axes.add_patch(
                    Rectangle(
                        (depth + 0.05, y - 0.3), 0.8, 0.6,
                        facecolor=colour, edgecolor="#475569", linewidth=0.5,
                        linestyle=":" if node.kind == "more" else "-",
                    )
                )  # fmt: skip
                _label(axes, depth + 0.45, y, node)
        segments = [
            ((where[s][0] + 0.85, where[s][1]), (where[t][0] + 0.05, where[t][1]))
            for s, t in graph.edges
        ]  # one path for every edge: an arrow each cost the PDF layout more than the boxes
        axes.add_collection(LineCollection(segments, colors="#64748b", linewidths=0.5))
        ends = [end for _, end in segments]
        axes.plot([x for x, _ in ends], [y for _, y in ends], linestyle="", marker=">",
                  markersize=2.5, color="#64748b")  # fmt: skip
        return svg_element(figure, "supply")


def _label(axes: Axes, x: float, y: float, node: Node) -> None:
    title = node.title if len(node.title) <= _WIDTH else node.title[: _WIDTH - 1] + "…"
    axes.text(x, y - 0.09, title, ha="center", va="center", fontsize=5.5, parse_math=False)
    axes.text(x, y + 0.14, node.detail, ha="center", va="center", fontsize=5,
              color="#334155", parse_math=False)  # fmt: skip
