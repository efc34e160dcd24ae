"""One scan, start to end after evidence: components → matches → findings → VEX → suppressions.

`scan` is the orchestrator the CLI calls; it never prints. `matchers_for` gives the matchers a
scan runs over one snapshot, in this order: OSV by purl (`LocalMatcher`), NVD by CPE for the
components no purl ecosystem covers (`CpeMatcher`), and the Alpine/Debian distro feeds for OS
packages (`DistroMatcher`). The `ScanReport` it returns is what every output format renders; it
states the coverage (`findings.coverage`: what was checked against which source, and what was
not), and its canonical JSON is byte-identical for the same inputs and intel snapshot (no clock
inside: `today` is passed in and only decides suppression expiry). That JSON carries
`schema_version` (`SCAN_SCHEMA_VERSION`) and is described by `schemas/scan.schema.json`.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Iterable, Iterator, Sequence
from dataclasses import dataclass, field
from datetime import date
from typing import TYPE_CHECKING, Final, Protocol

from chainreview.components.model import Component, Inventory, SkippedComponent
from chainreview.findings.build import build_findings
from chainreview.findings.coverage import Coverage, SourceCatalogue, coverage
from chainreview.findings.model import Finding, Level, Status, SuppressionRef
from chainreview.findings.records import IntelLookup
from chainreview.findings.suppressed import (
    IgnoreEntryLike,
    SuppressionSource,
    apply_suppressions,
    suppression_ref,
)
from chainreview.findings.vex_status import apply_vex
from chainreview.intel.snapshot import Snapshot
from chainreview.matches.interface import Matcher
from chainreview.matches.local import LocalMatcher
from chainreview.matches.model import Indeterminate, ScanMatch
from chainreview.matches.scope import needs_cpe, needs_distro
from chainreview.progress import Progress, silent

if TYPE_CHECKING:
    from chainreview.evidence.vex import VexStatement

__all__ = [
    "SCAN_SCHEMA_VERSION",
    "Counts",
    "ScanIntel",
    "ScanReport",
    "ScanResult",
    "Undecided",
    "matchers_for",
    "scan",
]

SCAN_SCHEMA_VERSION: Final = "1.0"
"""Version of the scan report's JSON (`schemas/scan.schema.json`): the major goes up when a
field is removed or its meaning changes, the minor when a field is added."""


class ScanIntel(IntelLookup, SourceCatalogue, Protocol):
    """What a scan reads of an intel snapshot besides the matchers: records for the findings,
    the sources for the coverage (`intel.snapshot.Snapshot`)."""


ScanResult = ScanMatch | Indeterminate
"""What the matchers of a scan yield."""


class _CpeMatcher:
    """`CpeMatcher` as a `Matcher` (it reads the inventory's components, as its platforms too),
    imported only for an inventory with components it takes (`scope.needs_cpe`)."""

    def __init__(self, snapshot: Snapshot) -> None:
        self._snapshot = snapshot

    @property
    def name(self) -> str:
        from chainreview.matches.cpe import CpeMatcher

        return CpeMatcher.name

    @property
    def version(self) -> str:
        from chainreview.matches.cpe import CpeMatcher

        return CpeMatcher.version

    def match_inventory(self, inventory: Inventory) -> Iterator[ScanResult]:
        if not needs_cpe(inventory):
            return iter(())
        from chainreview.matches.cpe import CpeMatcher

        return CpeMatcher(self._snapshot).match_inventory(inventory.components)


class _DistroMatcher:
    """`DistroMatcher`, imported only for an inventory with OS packages (`scope.needs_distro`)."""

    def __init__(self, snapshot: Snapshot) -> None:
        self._snapshot = snapshot

    @property
    def name(self) -> str:
        from chainreview.matches.distro import DistroMatcher

        return DistroMatcher.name

    @property
    def version(self) -> str:
        from chainreview.matches.distro import DistroMatcher

        return DistroMatcher.version

    def match_inventory(self, inventory: Inventory) -> Iterator[ScanResult]:
        if not needs_distro(inventory):
            return iter(())
        from chainreview.matches.distro import DistroMatcher

        return DistroMatcher(self._snapshot).match_inventory(inventory)


def matchers_for(snapshot: Snapshot) -> tuple[Matcher[ScanResult], ...]:
    """The matchers a scan runs over `snapshot`, in order (see the module doc)."""
    return (LocalMatcher(snapshot), _CpeMatcher(snapshot), _DistroMatcher(snapshot))


@dataclass(frozen=True, slots=True, kw_only=True)
class Undecided:
    """A component whose advisories could not be evaluated, and why."""

    component: str
    name: str
    version: str | None
    purl: str | None
    reason: str
    advisory_ids: tuple[str, ...]


@dataclass(frozen=True, slots=True, kw_only=True)
class Counts:
    """The numbers at the top of a report."""

    components: int
    findings: int
    active: int
    """Findings not suppressed and not resolved by VEX."""
    suppressed: int
    kev: int
    """Active findings in CISA KEV."""
    by_severity: dict[str, int]
    """Active findings per severity level."""
    by_status: dict[str, int]
    indeterminate: int


@dataclass(frozen=True, slots=True, kw_only=True)
class ScanReport:
    """Everything a scan found, in a fixed order."""

    schema_version: str = field(default=SCAN_SCHEMA_VERSION, init=False)
    """`SCAN_SCHEMA_VERSION`, always: a report states the version of the code that made it."""
    snapshot: str
    """Hash of the intel snapshot used."""
    inputs: tuple[str, ...]
    vex: tuple[str, ...]
    counts: Counts
    coverage: Coverage
    """What was checked against which source, and what was not."""
    findings: tuple[Finding, ...]
    indeterminate: tuple[Undecided, ...]
    skipped: tuple[SkippedComponent, ...]
    unused_suppressions: tuple[SuppressionRef, ...] = ()
    expired_suppressions: tuple[SuppressionRef, ...] = ()


def scan(
    inventory: Inventory,
    matchers: Sequence[Matcher[ScanResult]],
    intel: ScanIntel,
    *,
    snapshot: str,
    vex_files: Sequence[str] = (),
    statements: Sequence[VexStatement] = (),
    triage: Sequence[VexStatement] = (),
    suppressions: SuppressionSource | None = None,
    today: date,
    progress: Progress = silent,
) -> ScanReport:
    """Match `inventory` with each matcher in turn and build the report; `progress` hears of
    each matcher run and each stage after. `triage` statements (a review office's) are applied
    after the inventory's own VEX `statements`, so they decide the findings they name. A
    short-lived caller may pause the cyclic garbage collector around it
    (`chainreview.collector`): the matches and findings are long-lived objects without
    cycles."""
    components = {c.ref: c for c in inventory.components}
    matches: list[ScanMatch] = []
    undecided: list[Indeterminate] = []
    for done, matcher in enumerate(matchers):
        progress("Matching", done, len(matchers))
        for result in matcher.match_inventory(inventory):
            if isinstance(result, Indeterminate):
                undecided.append(result)
            else:
                matches.append(result)
    progress("Matching", len(matchers), len(matchers))
    progress("Building findings", 0, 1)
    findings = build_findings(matches, components, intel)
    progress("Building findings", 1, 1)
    progress("Applying VEX", 0, 1)
    findings = apply_vex(findings, statements, components)
    findings = apply_vex(findings, triage, components)
    progress("Applying VEX", 1, 1)
    unused: tuple[SuppressionRef, ...] = ()
    expired: tuple[SuppressionRef, ...] = ()
    if suppressions is not None:
        findings = apply_suppressions(findings, suppressions, today)
        unused = _refs(suppressions.unused())
        expired = _refs(suppressions.expired(today))
    indeterminate = tuple(
        sorted((_undecided(i, components[i.component]) for i in undecided), key=_by_component)
    )
    return ScanReport(
        snapshot=snapshot,
        inputs=tuple(d.file for d in inventory.documents),
        vex=tuple(vex_files),
        counts=_counts(len(components), findings, len(indeterminate)),
        coverage=coverage(inventory, intel),
        findings=findings,
        indeterminate=indeterminate,
        skipped=inventory.skipped,
        unused_suppressions=unused,
        expired_suppressions=expired,
    )


def _undecided(item: Indeterminate, component: Component) -> Undecided:
    return Undecided(
        component=item.component,
        name=component.name,
        version=component.version,
        purl=component.purl,
        reason=item.reason,
        advisory_ids=item.advisory_ids,
    )


def _by_component(item: Undecided) -> tuple[str, str, str, str]:
    return (item.name, item.version or "", item.component, item.reason)


def _refs(entries: Iterable[IgnoreEntryLike]) -> tuple[SuppressionRef, ...]:
    refs = {suppression_ref(entry) for entry in entries}
    return tuple(sorted(refs, key=lambda r: (r.id, r.expires or "", r.reason)))


def _counts(components: int, findings: Sequence[Finding], indeterminate: int) -> Counts:
    active = [f for f in findings if f.active]
    return Counts(
        components=components,
        findings=len(findings),
        active=len(active),
        suppressed=sum(1 for f in findings if f.suppressed is not None),
        kev=sum(1 for f in active if f.kev is not None),
        by_severity=_by_value(Counter(f.severity.level for f in active)),
        by_status=_by_value(Counter(f.status for f in findings)),
        indeterminate=indeterminate,
    )


def _by_value(counted: Counter[Level] | Counter[Status]) -> dict[str, int]:
    """Counts keyed by the enum values, sorted (the values read once per kind, not per finding)."""
    return dict(sorted((member.value, count) for member, count in counted.items()))
