"""Blast radius of an advisory, matched on the open intel snapshot.

The advisory must be in the snapshot: an OSV record of that id or naming it as an alias, an
NVD CVE, or a distro advisory (`DSA-…`, `DLA-…`); else the question is refused, never answered
with nothing. Each product's merged SBOMs are scanned with the `Scanner`'s matchers (each
distinct inventory once) and the components with a finding in that advisory's alias group are
where the walk starts. Components the scan did not fully check (an ecosystem or release the
snapshot holds no advisories for, or only partial selections of; no purl or CPE) and products
without an SBOM are listed as unchecked, never as unaffected.
"""

from __future__ import annotations

from dataclasses import replace

from chainreview.errors import InputError
from chainreview.findings.coverage import CoverageState
from chainreview.findings.scan import ScanReport
from chainreview.intel.interface import FeedKind
from chainreview.intel.snapshot import Snapshot
from chainreview.portfolio.blast import (
    BlastRadius,
    Question,
    QuestionKind,
    Unchecked,
    blast_radius,
    no_sbom,
)
from chainreview.portfolio.build import PortfolioGraph
from chainreview.portfolio.graph import NodeKind
from chainreview.progress import Progress, silent
from chainreview.scanner import Scanner

__all__ = ["known_advisory", "of_advisory"]


def known_advisory(snapshot: Snapshot, advisory_id: str) -> bool:
    """Whether the snapshot holds `advisory_id`: as an OSV record or alias, an NVD CVE or a
    distro advisory."""
    return (
        snapshot.record(FeedKind.OSV, advisory_id) is not None
        or bool(snapshot.keys(FeedKind.OSV, "alias", advisory_id))
        or snapshot.record(FeedKind.NVD, advisory_id) is not None
        or snapshot.record(FeedKind.DISTRO, advisory_id) is not None
    )


def of_advisory(
    graph: PortfolioGraph, scanner: Scanner, advisory_id: str, *, progress: Progress = silent
) -> BlastRadius:
    """Every system an advisory reaches through the components it affects (module doc);
    raises `InputError` when the scanner's snapshot does not hold it. `progress` hears of each
    product scanned."""
    snapshot = scanner.snapshot
    if not known_advisory(snapshot, advisory_id):
        message = (
            f"no advisory {advisory_id!r} in the intel snapshot: import a feed that holds it "
            "(chainreview intel import), or name it by an id the snapshot has"
        )
        raise InputError(f"intel snapshot {snapshot.hash[:12]}", message)
    products = graph.portfolio.products
    reports: dict[int, ScanReport] = {}
    sources: list[int] = []
    unchecked: list[Unchecked] = []
    for done, product in enumerate(products):
        progress("Matching products", done, len(products))
        inventory = product.inventory
        if inventory is None:
            unchecked.append(no_sbom(product.id))
            continue
        report = reports.get(id(inventory))
        if report is None:
            report = reports[id(inventory)] = scanner.scan_inventory(inventory)
        for finding in report.findings:
            if advisory_id in finding.aliases:
                node = graph.graph.find(NodeKind.COMPONENT, finding.component, product.id)
                assert node is not None  # a finding is of a component of the inventory
                sources.append(node)
        unchecked += [
            Unchecked(
                product=product.id,
                target=group.target,
                state=group.state.value,
                reason=group.reason,
                components=group.components,
            )
            for group in report.coverage.groups
            if group.state is not CoverageState.CHECKED
        ]
    progress("Matching products", len(products), len(products))
    question = Question(kind=QuestionKind.ADVISORY, value=advisory_id)
    found = blast_radius(graph, question, sources)
    return replace(found, unchecked=tuple(unchecked), snapshot=snapshot.hash)
