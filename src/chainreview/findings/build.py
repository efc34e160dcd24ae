"""Matches + intel snapshot → findings: alias groups, severity, KEV, EPSS, fixed versions, evidence.

One finding per (component, alias group): when several records of one vulnerability match a
component (a PYSEC and a GHSA of the same CVE), they become one finding whose evidence lists
each. Severity takes, in order: a CVSS vector or `database_specific.severity` of a matched record
(`severity.rate_osv`; the highest level among the matched records), then the CVSS of an NVD
record of a CVE in the group (`severity.rate_nvd`), then `unknown`. KEV and EPSS are looked up
by every CVE of the group (the KEV and EPSS records are keyed by CVE id).

`apply_vex` and `apply_suppressions` then set status and suppression; neither removes a finding.
Findings come out in one fixed order (component name, version, ref; then severity, then id).
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Collection, Iterable, Mapping, Sequence
from dataclasses import replace
from datetime import date
from typing import TYPE_CHECKING, Any, Protocol

from chainreview.components.model import Component
from chainreview.components.versions import InvalidVersion, Key, sort_key
from chainreview.findings.model import (
    SEVERITY_RANK,
    Epss,
    EvidenceRef,
    Finding,
    Kev,
    Level,
    Severity,
    Status,
    SuppressionRef,
)
from chainreview.findings.severity import rate_nvd, rate_osv
from chainreview.intel.interface import FeedKind
from chainreview.intel.osv_model import Affected, EventKind, RangeType
from chainreview.matches.aliases import AliasResolver, display_id
from chainreview.matches.model import Confidence, Match

if TYPE_CHECKING:
    from chainreview.evidence.vex import VexStatement

__all__ = [
    "IgnoreEntryLike",
    "IntelLookup",
    "SuppressionSource",
    "apply_suppressions",
    "apply_vex",
    "build_findings",
    "suppression_ref",
]

_SUMMARY_CHARS = 200


class IntelLookup(Protocol):
    """The part of `intel.snapshot.Snapshot` findings read."""

    def record(self, kind: FeedKind, key: str) -> Any | None:
        """The record `key` of `kind`, as JSON, or None."""
        ...

    def keys(self, kind: FeedKind, index: str, value: str) -> tuple[str, ...]:
        """Keys of `kind` records filed under `value` in `index`."""
        ...


class IgnoreEntryLike(Protocol):
    """An ignore-file entry (`findings.suppressions.IgnoreEntry`)."""

    @property
    def id(self) -> str: ...
    @property
    def reason(self) -> str: ...
    @property
    def expires(self) -> date | None: ...


class SuppressionSource(Protocol):
    """Loaded ignore rules (`findings.suppressions.Suppressions`)."""

    def match(self, vulnerability_ids: Collection[str], today: date) -> IgnoreEntryLike | None:
        """The entry that suppresses any of `vulnerability_ids` on `today`, or None."""
        ...

    def unused(self) -> Sequence[IgnoreEntryLike]:
        """Entries that matched no finding."""
        ...

    def expired(self, today: date) -> Sequence[IgnoreEntryLike]:
        """Entries no longer in force on `today`."""
        ...


class _Records:
    """Per-run cache of snapshot records (each looked up at most once)."""

    def __init__(self, intel: IntelLookup) -> None:
        self._intel = intel
        self._cache: dict[tuple[FeedKind, str], Any | None] = {}

    def get(self, kind: FeedKind, key: str) -> Any | None:
        cache_key = (kind, key)
        if cache_key not in self._cache:
            self._cache[cache_key] = self._intel.record(kind, key)
        return self._cache[cache_key]

    def osv_aliases(self, advisory_id: str) -> tuple[str, ...]:
        record = self.get(FeedKind.OSV, advisory_id)
        return tuple(record.get("aliases") or ()) if isinstance(record, dict) else ()


def build_findings(
    matches: Iterable[Match], components: Mapping[str, Component], intel: IntelLookup
) -> tuple[Finding, ...]:
    """Turn matches into findings, enriched from `intel` (see the module doc)."""
    records = _Records(intel)
    by_component: dict[str, list[Match]] = defaultdict(list)
    for match in matches:
        by_component[match.component].append(match)
    resolver = AliasResolver(records.osv_aliases, lambda i: intel.keys(FeedKind.OSV, "alias", i))
    groups = resolver.groups(sorted({m.advisory_id for ms in by_component.values() for m in ms}))
    findings: list[Finding] = []
    for ref, component_matches in by_component.items():
        grouped: dict[tuple[str, ...], list[Match]] = defaultdict(list)
        for match in component_matches:
            grouped[groups[match.advisory_id]].append(match)
        findings.extend(
            _finding(components[ref], group, group_matches, records)
            for group, group_matches in grouped.items()
        )
    return tuple(sorted(findings, key=_order))


def _order(finding: Finding) -> tuple[str, str, str, int, str]:
    return (
        finding.name,
        finding.version,
        finding.component,
        SEVERITY_RANK[finding.severity.level],
        finding.id,
    )


def _finding(
    component: Component, group: tuple[str, ...], matches: list[Match], records: _Records
) -> Finding:
    matches.sort(key=lambda m: (m.advisory_id, m.decision.range_index or 0))
    evidence = tuple(_evidence(match, records) for match in matches)
    cves = [i for i in group if i.startswith("CVE-")]
    first = records.get(FeedKind.OSV, matches[0].advisory_id)
    return Finding(
        id=display_id(group),
        aliases=group,
        component=component.ref,
        name=component.name,
        version=matches[0].version,
        purl=component.purl,
        summary=_summary(first),
        severity=_severity(evidence, cves, records),
        kev=_kev(cves, records),
        epss=_epss(cves, records),
        fixed_versions=_fixed_versions(matches),
        evidence=evidence,
        confidence=min((m.confidence for m in matches), key=_CONFIDENCE_ORDER.index),
    )


_CONFIDENCE_ORDER = (Confidence.PURL, Confidence.CPE)


def _evidence(match: Match, records: _Records) -> EvidenceRef:
    record = records.get(FeedKind.OSV, match.advisory_id)
    return EvidenceRef(
        record=match.advisory_id,
        affected_index=_affected_index(record, match.affected),
        range_index=match.decision.range_index,
        decision=match.decision.describe(),
        confidence=match.confidence,
    )


def _affected_index(record: Any, affected: Affected | None) -> int | None:
    """Where `affected` sits in the record's `affected` list (the index stores entries apart)."""
    if affected is None or not isinstance(record, dict):
        return None
    for index, entry in enumerate(record.get("affected") or ()):
        if Affected.from_osv(entry) == affected:
            return index
    return None


def _summary(record: Any) -> str:
    if not isinstance(record, dict):
        return ""
    text = str(record.get("summary") or record.get("details") or "").strip()
    line = text.splitlines()[0] if text else ""
    return line if len(line) <= _SUMMARY_CHARS else line[: _SUMMARY_CHARS - 1] + "…"


def _severity(evidence: Sequence[EvidenceRef], cves: Sequence[str], records: _Records) -> Severity:
    rated = [
        found
        for ref in evidence
        if (found := _rate(records.get(FeedKind.OSV, ref.record), ref.affected_index)) is not None
    ]
    if not rated:
        rated = [
            found
            for cve in cves
            if isinstance(nvd := records.get(FeedKind.NVD, cve), dict)
            and (found := rate_nvd(nvd)) is not None
        ]
    if not rated:
        return Severity(level=Level.UNKNOWN)
    return min(rated, key=lambda s: (SEVERITY_RANK[s.level], -(s.score or 0), s.source))


def _rate(record: Any, affected_index: int | None) -> Severity | None:
    return rate_osv(record, affected_index) if isinstance(record, dict) else None


def _kev(cves: Sequence[str], records: _Records) -> Kev | None:
    for cve in cves:
        entry = records.get(FeedKind.KEV, cve)
        if isinstance(entry, dict):
            return Kev(
                cve=cve,
                date_added=str(entry.get("date_added", "")),
                due_date=str(entry.get("due_date", "")),
                known_ransomware=bool(entry.get("known_ransomware")),
            )
    return None


def _epss(cves: Sequence[str], records: _Records) -> Epss | None:
    scores = [
        Epss(cve=cve, score=float(entry["epss"]), percentile=float(entry["percentile"]))
        for cve in cves
        if isinstance(entry := records.get(FeedKind.EPSS, cve), dict)
    ]
    return max(scores, key=lambda e: (e.score, e.cve), default=None)


def _fixed_versions(matches: Sequence[Match]) -> tuple[str, ...]:
    """`fixed` events of the matched entries above the component's version, in version order."""
    found: dict[str, tuple[str, Key] | None] = {}
    for match in matches:
        if match.affected is None:
            continue
        for r in match.affected.ranges:
            if r.type is RangeType.GIT:
                continue
            scheme = "SEMVER" if r.type is RangeType.SEMVER else match.ecosystem
            for event in r.events:
                if event.kind is EventKind.FIXED and event.version not in found:
                    key = _key_above(scheme, event.version, match.version)
                    found[event.version] = None if key is None else (scheme, key)
    kept = [(key, v) for v, key in found.items() if key is not None]
    return tuple(v for _, v in sorted(kept, key=lambda item: item[0]))


def _key_above(scheme: str, fixed: str, version: str) -> Key | None:
    """The sort key of `fixed` when it is above `version` (None when not, or not comparable)."""
    try:
        key = sort_key(scheme, fixed)
        return key if key > sort_key(scheme, version) else None
    except (InvalidVersion, TypeError):
        return None


def apply_vex(
    findings: Sequence[Finding],
    statements: Sequence[VexStatement],
    components: Mapping[str, Component],
) -> tuple[Finding, ...]:
    """Set each finding's status from the VEX statement that applies to it (kept, never removed)."""
    if not statements:
        return tuple(findings)
    from chainreview.evidence.vex import applicable  # lazy: only runs with --vex

    out: list[Finding] = []
    for finding in findings:
        statement = applicable(statements, finding.aliases, components[finding.component])
        if statement is None:
            out.append(finding)
            continue
        out.append(
            replace(
                finding,
                status=Status(statement.status.value),
                justification=statement.justification or statement.impact,
                status_source=str(statement.location),
            )
        )
    return tuple(out)


def apply_suppressions(
    findings: Sequence[Finding], suppressions: SuppressionSource, today: date
) -> tuple[Finding, ...]:
    """Flag findings an ignore entry covers on `today`; they stay in the output."""
    out: list[Finding] = []
    for finding in findings:
        entry = suppressions.match(finding.aliases, today)
        if entry is None:
            out.append(finding)
            continue
        out.append(replace(finding, suppressed=suppression_ref(entry)))
    return tuple(out)


def suppression_ref(entry: IgnoreEntryLike) -> SuppressionRef:
    """The report's view of an ignore entry."""
    expires = entry.expires
    return SuppressionRef(
        id=entry.id, reason=entry.reason, expires=None if expires is None else expires.isoformat()
    )
