"""From a `Portfolio` to its supply-chain graph.

The nodes are the operator, its systems, the products, every product's components (one node
per component of each product: two products' SBOMs may describe the same package differently,
and a path must only follow one SBOM's edges), the vendors, their sites and the countries of
both. Harm travels along the edges (`portfolio.graph`):

* country → vendor (its jurisdiction), country → site;
* site → vendor (a site for all its products), or site → product (for those it lists);
* vendor → product → system (each deployment) → operator;
* component → component that depends on or contains it (the SBOM's edges, reversed) →
  product: a component no other one uses links to its product, and so does one reachable only
  through a cycle of components, so that every component reaches its product and a path shows
  the chain that connects it;
* supplier → component: the supplier an SBOM names for a component, one node per supplier
  name (`supplier_key`) across every product, so that a vendor's parts inside other vendors'
  products are found (`blast.of_vendor`).
"""

from __future__ import annotations

import re
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Final

from chainreview.components.model import Component, Inventory
from chainreview.portfolio.graph import Graph, GraphBuilder, Node, NodeKind, TopologyFactory
from chainreview.portfolio.graph import rustworkx_topology as default_topology
from chainreview.portfolio.model import DeployedProduct, Portfolio

__all__ = ["PortfolioGraph", "build_graph", "package_of", "supplier_key"]

_VERSION_OR_MORE: Final = re.compile(r"[@?#]")


@dataclass(frozen=True, slots=True, kw_only=True)
class PortfolioGraph:
    """A portfolio with its graph and the index its component questions start from."""

    portfolio: Portfolio
    graph: Graph
    packages: Mapping[str, tuple[tuple[int, str], ...]]
    """Package (a purl without version, qualifiers or subpath) → each component node of that
    package, with the component's purl."""


def package_of(purl: str) -> str:
    """The package of a canonical purl: the purl up to its version, qualifiers or subpath (in a
    canonical purl an `@` in a namespace or name is percent-encoded)."""
    return _VERSION_OR_MORE.split(purl, maxsplit=1)[0]


def supplier_key(name: str) -> str:
    """The id of a supplier's node: its name with case and runs of spaces ignored."""
    return " ".join(name.split()).casefold()


def build_graph(
    portfolio: Portfolio, *, topology: TopologyFactory = default_topology
) -> PortfolioGraph:
    """The graph of `portfolio` (see the module doc); `topology` builds it in a graph library."""
    builder = GraphBuilder()
    packages: dict[str, list[tuple[int, str]]] = {}
    operator = builder.add(
        Node(kind=NodeKind.OPERATOR, id=portfolio.operator, label=portfolio.operator)
    )
    systems: dict[str, int] = {}
    for system in portfolio.systems:
        systems[system.id] = builder.add(
            Node(kind=NodeKind.SYSTEM, id=system.id, label=system.name)
        )
        builder.edge(systems[system.id], operator)
    vendors: dict[str, int] = {}
    for vendor in portfolio.vendors:
        vendors[vendor.id] = builder.add(
            Node(kind=NodeKind.VENDOR, id=vendor.id, label=vendor.name)
        )
        builder.edge(_country(builder, vendor.country), vendors[vendor.id])
    products: dict[str, int] = {}
    for product in portfolio.products:
        node = products[product.id] = builder.add(
            Node(kind=NodeKind.PRODUCT, id=product.id, label=product.name)
        )
        builder.edge(vendors[product.vendor], node)
        for deployment in product.deployments:
            builder.edge(node, systems[deployment.system])
        if product.inventory is not None:
            _components(builder, product, node, product.inventory, packages)
    for vendor in portfolio.vendors:
        for n, site in enumerate(vendor.sites):
            label = f"{site.kind or 'site'} in {site.country}"
            place = builder.add(Node(kind=NodeKind.SITE, id=f"{vendor.id}/sites/{n}", label=label))
            builder.edge(_country(builder, site.country), place)
            for target in [products[p] for p in site.products] or [vendors[vendor.id]]:
                builder.edge(place, target)
    return PortfolioGraph(
        portfolio=portfolio,
        graph=builder.build(topology),
        packages={key: tuple(nodes) for key, nodes in packages.items()},
    )


def _country(builder: GraphBuilder, code: str) -> int:
    return builder.add(Node(kind=NodeKind.COUNTRY, id=code, label=code))


def _components(
    builder: GraphBuilder,
    product: DeployedProduct,
    product_node: int,
    inventory: Inventory,
    packages: dict[str, list[tuple[int, str]]],
) -> None:
    """Add one product's components, their edges, and the links to the product."""
    nodes: dict[str, int] = {}
    for component in inventory.components:
        node = builder.add(
            Node(
                kind=NodeKind.COMPONENT,
                id=component.ref,
                label=_label(component),
                owner=product.id,
            )
        )
        nodes[component.ref] = node
        if component.supplier and component.supplier.strip():
            supplier = Node(
                kind=NodeKind.SUPPLIER,
                id=supplier_key(component.supplier),
                label=" ".join(component.supplier.split()),
            )
            builder.edge(builder.add(supplier), node)
        if component.purl:
            packages.setdefault(package_of(component.purl), []).append((node, component.purl))
    uses: dict[str, list[str]] = {}
    """Each component → the components it depends on or contains (the SBOM's direction)."""
    used: set[str] = set()
    for edge in inventory.edges:
        if edge.source in nodes and edge.target in nodes and edge.source != edge.target:
            builder.edge(nodes[edge.target], nodes[edge.source])
            uses.setdefault(edge.source, []).append(edge.target)
            used.add(edge.target)
    tops = [ref for ref in nodes if ref not in used]
    for ref in [*tops, *_only_in_cycles(nodes, tops, uses)]:
        builder.edge(nodes[ref], product_node)


def _only_in_cycles(
    refs: Mapping[str, int], tops: Sequence[str], uses: Mapping[str, list[str]]
) -> list[str]:
    """The components no top component leads to (used only within a cycle), in SBOM order."""
    reached = set(tops)
    queue = list(tops)
    for ref in queue:
        for used in uses.get(ref, ()):
            if used not in reached:
                reached.add(used)
                queue.append(used)
    return [ref for ref in refs if ref not in reached]


def _label(component: Component) -> str:
    if component.purl:
        return component.purl
    return f"{component.name}@{component.version}" if component.version else component.name
