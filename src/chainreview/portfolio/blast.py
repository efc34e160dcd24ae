"""Blast radius: every system a component, a vendor or a country reaches, and how.

Each question names the nodes it starts from, walks the graph forward (`Graph.reach`) and
returns a `BlastRadius`: every affected system, ranked by criticality (critical first), then
name and id, with one `Exposure` per product deployed in it that the walk reached, each with
the path from the system back to what the question named:

    system ← product ← component ← component …   (a component, an advisory)
    system ← product ← vendor                     (a vendor)
    system ← product ← vendor ← country           (a vendor's jurisdiction)
    system ← product ← [vendor ←] site ← country  (a site there)

Products whose components are unknown (no SBOM) cannot be answered for a component: they are
listed as `unchecked`, never left out as unaffected. The advisory question is in
`portfolio.advisory`.
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from dataclasses import dataclass, replace
from enum import StrEnum
from typing import Final

from chainreview.components.purl import parse_purl
from chainreview.evidence.declaration import Criticality
from chainreview.portfolio.build import PortfolioGraph, package_of, supplier_key
from chainreview.portfolio.graph import Node, NodeKind
from chainreview.portfolio.model import Vendor

__all__ = [
    "CRITICALITY_ORDER",
    "AffectedSystem",
    "BlastRadius",
    "Exposure",
    "Question",
    "QuestionKind",
    "Unchecked",
    "blast_radius",
    "no_sbom",
    "of_component",
    "of_country",
    "of_vendor",
    "vendors_named",
]

CRITICALITY_ORDER: Final = (
    Criticality.CRITICAL,
    Criticality.HIGH,
    Criticality.MEDIUM,
    Criticality.LOW,
)
"""The order affected systems are ranked in."""
_COUNTRY: Final = re.compile(r"[A-Z]{2}")


class QuestionKind(StrEnum):
    """What a blast-radius question starts from."""

    ADVISORY = "advisory"
    COMPONENT = "component"
    VENDOR = "vendor"
    COUNTRY = "country"


@dataclass(frozen=True, slots=True, kw_only=True)
class Question:
    """What was asked: the kind and the value as given."""

    kind: QuestionKind
    value: str


@dataclass(frozen=True, slots=True, kw_only=True)
class Exposure:
    """One product of an affected system that the question reaches."""

    product: str
    quantity: int
    """Units of the product in the system."""
    path: tuple[Node, ...]
    """From the system (first) to what the question named (last)."""


@dataclass(frozen=True, slots=True, kw_only=True)
class AffectedSystem:
    """A system the question reaches, with every product it reaches it through."""

    id: str
    name: str
    criticality: Criticality
    function: str
    cii: bool
    exposures: tuple[Exposure, ...]
    """By product id."""


@dataclass(frozen=True, slots=True, kw_only=True)
class Unchecked:
    """Components of a product the question could not be answered for, and why."""

    product: str
    target: str
    """What they have in common: an ecosystem, a distribution release, `NVD`, `no SBOM`."""
    state: str
    """`not_checked`, or `partial` (checked only against partial selections of the intel)."""
    reason: str
    components: tuple[str, ...]
    """Their SBOM refs (empty when the product's components are unknown)."""


@dataclass(frozen=True, slots=True, kw_only=True)
class BlastRadius:
    """The answer to one question."""

    question: Question
    matched: tuple[Node, ...]
    """The nodes the question named: components, a vendor, a country (none: nothing matched)."""
    systems: tuple[AffectedSystem, ...]
    """Ranked: criticality (critical first), then name, then id."""
    unchecked: tuple[Unchecked, ...] = ()
    snapshot: str | None = None
    """The intel snapshot an advisory question was answered on."""


def blast_radius(graph: PortfolioGraph, question: Question, sources: Iterable[int]) -> BlastRadius:
    """The systems reached from the nodes `sources`, each with its exposures (module doc)."""
    reached = graph.graph.reach(sources)
    products = {product.id: product for product in graph.portfolio.products}
    systems = {system.id: system for system in graph.portfolio.systems}
    exposures: dict[str, list[Exposure]] = {}
    for index in reached:
        node = graph.graph.node(index)
        if node.kind is not NodeKind.PRODUCT:
            continue
        path = graph.graph.path(reached, index)
        for deployment in products[node.id].deployments:
            system = graph.graph.find(NodeKind.SYSTEM, deployment.system)
            assert system is not None  # every deployment's system is a node
            exposures.setdefault(deployment.system, []).append(
                Exposure(
                    product=node.id,
                    quantity=deployment.quantity,
                    path=(graph.graph.node(system), *path),
                )
            )
    affected = [
        AffectedSystem(
            id=system.id,
            name=system.name,
            criticality=system.criticality,
            function=system.function,
            cii=system.cii,
            exposures=tuple(sorted(exposures[system.id], key=lambda e: e.product)),
        )
        for system in systems.values()
        if system.id in exposures
    ]
    affected.sort(key=lambda s: (CRITICALITY_ORDER.index(s.criticality), s.name, s.id))
    matched = tuple(graph.graph.node(index) for index, parent in reached.items() if parent == -1)
    return BlastRadius(question=question, matched=matched, systems=tuple(affected))


def of_component(graph: PortfolioGraph, purl: str) -> BlastRadius:
    """Every system a component reaches: the components whose purl is `purl`'s package, of its
    version when it names one, with each of its qualifiers. Raises `InvalidPurl` (a
    `ValueError`) for a `purl` that is not one."""
    wanted = parse_purl(purl)
    sources = []
    for node, found in graph.packages.get(package_of(str(wanted)), ()):
        candidate = parse_purl(found)
        if wanted.version is not None and candidate.version != wanted.version:
            continue
        if all(pair in candidate.qualifiers for pair in wanted.qualifiers):
            sources.append(node)
    question = Question(kind=QuestionKind.COMPONENT, value=purl)
    unchecked = tuple(no_sbom(p.id) for p in graph.portfolio.products if p.inventory is None)
    return replace(blast_radius(graph, question, sources), unchecked=unchecked)


def of_vendor(graph: PortfolioGraph, name: str) -> BlastRadius:
    """Every system a vendor's products are deployed in, or a component it supplies (the
    supplier an SBOM names) is part of; `name` is the vendor's id or name, or a supplier's
    name (case and runs of spaces ignored)."""
    vendors = vendors_named(graph.portfolio.vendors, name)
    suppliers = {supplier_key(name), *(supplier_key(vendor.name) for vendor in vendors)}
    sources = [graph.graph.find(NodeKind.VENDOR, vendor.id) for vendor in vendors]
    sources += [graph.graph.find(NodeKind.SUPPLIER, key) for key in sorted(suppliers)]
    question = Question(kind=QuestionKind.VENDOR, value=name)
    return blast_radius(graph, question, [s for s in sources if s is not None])


def vendors_named(vendors: Iterable[Vendor], name: str) -> tuple[Vendor, ...]:
    """The `vendors` whose id or name is `name` (case and surrounding spaces ignored)."""
    wanted = name.strip().casefold()
    return tuple(v for v in vendors if wanted in (v.id.casefold(), v.name.strip().casefold()))


def of_country(graph: PortfolioGraph, code: str) -> BlastRadius:
    """Every system whose products come from a vendor incorporated in the country `code`
    (ISO 3166-1 alpha-2, any case), or from a vendor's site there. Raises `ValueError` for a
    code that is not two letters."""
    wanted = code.strip().upper()
    if not _COUNTRY.fullmatch(wanted):
        raise ValueError(f"{code!r} is not an ISO 3166-1 alpha-2 country code")
    source = graph.graph.find(NodeKind.COUNTRY, wanted)
    question = Question(kind=QuestionKind.COUNTRY, value=wanted)
    return blast_radius(graph, question, [] if source is None else [source])


def no_sbom(product: str) -> Unchecked:
    """A product whose components are unknown: it has no SBOM."""
    return Unchecked(
        product=product,
        target="no SBOM",
        state="not_checked",
        reason="the product has no SBOM: its components are unknown",
        components=(),
    )
