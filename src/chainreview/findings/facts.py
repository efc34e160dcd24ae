"""What the records decide of a finding: its display id, summary, severity, KEV entry and EPSS.

Severity takes, in order: a CVSS vector or `database_specific.severity` of a matched OSV record
(`severity.rate_osv`; the highest level among the matched records), then the CVSS of an NVD
record of a CVE in the group (`severity.rate_nvd`), then `unknown`. CPE and distro matches carry
no severity of their own, so theirs comes from NVD when the snapshot holds it. KEV and EPSS are
looked up by every CVE of the group (the KEV and EPSS records are keyed by CVE id). The summary
is the first OSV record's; without OSV evidence, the NVD description of a CVE of the group, else
the distro advisory's title.

`RecordFacts` works each out once per run (per group, per record, per matched entries); what a
finding of OSV matches takes from the records alone (`StaticFacts`) may be adopted from an
earlier scan (`kept_facts`).
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from typing import Final

from chainreview.findings.kept_facts import FactsKey, StaticFacts
from chainreview.findings.model import SEVERITY_RANK, Epss, Kev, Level, Severity
from chainreview.findings.records import Records
from chainreview.findings.severity import rate_nvd, rate_osv
from chainreview.intel.interface import FeedKind
from chainreview.matches.aliases import display_id
from chainreview.matches.model import Confidence, DistroMatch, Match, ScanMatch

__all__ = ["EntryRef", "RecordFacts", "strongest"]

EntryRef = tuple[str, int | None]
"""A matched OSV entry: (advisory id, its index in the record's `affected` list)."""

_CONFIDENCE_ORDER: Final = (Confidence.PURL, Confidence.CPE)


def strongest(confidences: Iterable[Confidence]) -> Confidence:
    """The strongest of the evidence's confidences."""
    return min(confidences, key=_CONFIDENCE_ORDER.index)


class RecordFacts:
    """The facts of findings, each worked out once per run from `records`."""

    def __init__(self, records: Records) -> None:
        self._records = records
        self._display: dict[tuple[str, ...], str] = {}
        self._groups: dict[tuple[str, ...], tuple[tuple[str, ...], Kev | None, Epss | None]] = {}
        self._severities: dict[tuple[tuple[EntryRef, ...], tuple[str, ...]], Severity] = {}
        self._static: dict[FactsKey, StaticFacts] = {}
        self._kept: frozenset[FactsKey] = frozenset()
        self._osv_rated: dict[EntryRef, Severity | None] = {}
        self._nvd_rated: dict[str, Severity | None] = {}

    def display_id(self, group: tuple[str, ...]) -> str:
        """`aliases.display_id` of a group, worked out once per group."""
        found = self._display.get(group)
        if found is None:
            found = self._display[group] = display_id(group)
        return found

    def group_facts(
        self, group: tuple[str, ...]
    ) -> tuple[tuple[str, ...], Kev | None, Epss | None]:
        """The CVEs of a group and their KEV entry and EPSS score, worked out once per group."""
        found = self._groups.get(group)
        if found is None:
            cves = tuple(i for i in group if i.startswith("CVE-"))
            found = self._groups[group] = (cves, self._kev(cves), self._epss(cves))
        return found

    def severity(
        self, entries: Sequence[EntryRef], group: tuple[str, ...], cves: Sequence[str]
    ) -> Severity:
        """The severity of a finding of the OSV `entries` (none: CPE and distro matches only)
        in `group`, worked out once per (entries, group)."""
        key = (tuple(entries), group)
        found = self._severities.get(key)
        if found is None:
            found = self._severities[key] = self._rate(entries, cves)
        return found

    def summary(
        self, matches: Sequence[ScanMatch], osv: Sequence[Match], cves: Sequence[str]
    ) -> str:
        """The first OSV record's summary; without OSV evidence, the NVD description of a CVE of
        the group, else the distro advisory's title."""
        records = self._records
        if osv:
            return records.text(FeedKind.OSV, osv[0].advisory_id, "summary", "details")
        for cve in cves:
            text = records.text(FeedKind.NVD, cve, "description")
            if text:
                return text
        for match in matches:
            if isinstance(match, DistroMatch):
                text = records.text(FeedKind.DISTRO, match.advisory_id, "title")
                if text:
                    return text
        return ""

    def static(self, group: tuple[str, ...], osv: Sequence[Match]) -> StaticFacts:
        """What a finding of only OSV matches takes from the records alone (not from the
        component): worked out once per (group, matched entries)."""
        entries = tuple((m.advisory_id, m.affected_index) for m in osv)
        key = (group, entries)
        found = self._static.get(key)
        if found is None:
            cves, kev, epss = self.group_facts(group)
            found = self._static[key] = StaticFacts(
                display=self.display_id(group),
                summary=self.summary(osv, osv, cves),
                severity=self.severity(entries, group, cves),
                kev=kev,
                epss=epss,
                confidence=strongest(m.confidence for m in osv),
            )
        return found

    def adopt(self, kept: Mapping[FactsKey, StaticFacts]) -> None:
        """Take `static` facts kept by an earlier scan (`kept_facts`)."""
        self._static.update(kept)
        self._kept = frozenset(kept)

    def worked_out(self) -> dict[FactsKey, StaticFacts]:
        """The `static` facts worked out here rather than adopted."""
        return {k: v for k, v in self._static.items() if k not in self._kept}

    def _rate(self, entries: Sequence[EntryRef], cves: Sequence[str]) -> Severity:
        rated = [found for entry in entries if (found := self._osv_severity(entry)) is not None]
        if not rated:
            rated = [found for cve in cves if (found := self._nvd_severity(cve)) is not None]
        if not rated:
            return Severity(level=Level.UNKNOWN)
        return min(rated, key=lambda s: (SEVERITY_RANK[s.level], -(s.score or 0), s.source))

    def _osv_severity(self, entry: EntryRef) -> Severity | None:
        if entry not in self._osv_rated:
            advisory_id, affected_index = entry
            record = self._records.get(FeedKind.OSV, advisory_id)
            rated = rate_osv(record, affected_index) if isinstance(record, dict) else None
            self._osv_rated[entry] = rated
        return self._osv_rated[entry]

    def _nvd_severity(self, cve: str) -> Severity | None:
        if cve not in self._nvd_rated:
            record = self._records.get(FeedKind.NVD, cve)
            self._nvd_rated[cve] = rate_nvd(record) if isinstance(record, dict) else None
        return self._nvd_rated[cve]

    def _kev(self, cves: Sequence[str]) -> Kev | None:
        for cve in cves:
            entry = self._records.get(FeedKind.KEV, cve)
            if isinstance(entry, dict):
                return Kev(
                    cve=cve,
                    date_added=str(entry.get("date_added", "")),
                    due_date=str(entry.get("due_date", "")),
                    known_ransomware=bool(entry.get("known_ransomware")),
                )
        return None

    def _epss(self, cves: Sequence[str]) -> Epss | None:
        scores = [
            Epss(cve=cve, score=float(entry["epss"]), percentile=float(entry["percentile"]))
            for cve in cves
            if isinstance(entry := self._records.get(FeedKind.EPSS, cve), dict)
        ]
        return max(scores, key=lambda e: (e.score, e.cve), default=None)
