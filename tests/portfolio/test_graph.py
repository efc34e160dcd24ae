"""The graph: nodes added once, repeated edges kept once, walks, and components that only a
cycle uses still reach their product."""

from __future__ import annotations

from chainreview.components.model import Component, Edge, EdgeKind, Inventory
from chainreview.evidence.declaration import Criticality
from chainreview.portfolio import blast
from chainreview.portfolio.build import build_graph, package_of
from chainreview.portfolio.graph import GraphBuilder, Node, NodeKind
from chainreview.portfolio.model import DeployedProduct, Deployment, Portfolio, System, Vendor


def test_nodes_once_edges_once_and_shortest_paths() -> None:
    builder = GraphBuilder()
    a, b, c = (builder.add(Node(kind=NodeKind.COUNTRY, id=n, label=n)) for n in "ABC")
    assert builder.add(Node(kind=NodeKind.COUNTRY, id="A", label="again")) == a
    for source, target in ((a, b), (a, b), (b, c), (a, c)):
        builder.edge(source, target)
    graph = builder.build()
    assert len(graph) == 3 and graph.edge_count == 3  # a→b given twice
    assert graph.find(NodeKind.COUNTRY, "C") == c and graph.find(NodeKind.VENDOR, "C") is None
    reached = graph.reach([a])
    assert reached == {a: -1, b: a, c: a}  # c directly, not through b
    assert [n.id for n in graph.path(reached, c)] == ["C", "A"]


def _component(ref: str) -> Component:
    return Component(ref=ref, name=ref, version="1", purl=f"pkg:pypi/{ref}@1")


def test_components_used_only_in_a_cycle_reach_their_product() -> None:
    # root → lib; x ⇄ y (nothing else uses either): x and y are linked to the product itself.
    edges = (
        Edge(source="root", target="lib"),
        Edge(source="x", target="y"),
        Edge(source="y", target="x", kind=EdgeKind.CONTAINS),
    )
    inventory = Inventory(
        documents=(),
        components=tuple(_component(ref) for ref in ("root", "lib", "x", "y")),
        services=(),
        edges=edges,
        skipped=(),
        warnings=(),
        duplicates=(),
    )
    portfolio = Portfolio(
        operator="O",
        source="test",
        systems=(System(id="S", name="S", criticality=Criticality.LOW, function="f"),),
        vendors=(Vendor(id="v", name="V", country="FI"),),
        products=(
            DeployedProduct(
                id="P",
                name="P",
                vendor="v",
                deployments=(Deployment(system="S", quantity=1, function="f"),),
                inventory=inventory,
            ),
        ),
    )
    graph = build_graph(portfolio)
    paths = {
        ref: [
            n.id for n in blast.of_component(graph, f"pkg:pypi/{ref}").systems[0].exposures[0].path
        ]
        for ref in ("lib", "x", "y")
    }
    assert paths == {
        "lib": ["S", "P", "root", "lib"],
        "x": ["S", "P", "x"],
        "y": ["S", "P", "y"],
    }


def test_the_package_of_a_purl() -> None:
    assert package_of("pkg:npm/%40angular/core@1.0.0?arch=x#dist") == "pkg:npm/%40angular/core"
    assert package_of("pkg:pypi/jinja2") == "pkg:pypi/jinja2"
    assert package_of("pkg:deb/debian/curl?distro=bookworm") == "pkg:deb/debian/curl"
