"""Matches + intel snapshot → findings: alias groups, severity, KEV, EPSS, fixed versions, evidence.

Three kinds of match come in: OSV matches by purl (`matches.model.Match`), NVD CPE matches for
components without a purl ecosystem (`matches.model.CpeMatch`), and distro advisories for
Alpine and Debian packages (`matches.model.DistroMatch`).

One finding per (component, alias group): when several records of one vulnerability match a
component (a PYSEC and a GHSA of the same CVE), they become one finding whose evidence lists
each. Groups come from the OSV aliases in the snapshot (`matches.aliases`); a CPE match joins
the group of its CVE. A distribution's advisory concerns the vulnerabilities it names: a distro
advisory (`DSA-5380-1`, a secdb fix) its CVEs, an OSV record of an OS package (Debian, Ubuntu,
Alpine, rpm distributions) its `upstream` ids when it gives some (`UBUNTU-CVE-2016-20013` →
`CVE-2016-20013`). On an OS package such an advisory makes one finding per vulnerability it
concerns, in that vulnerability's group and shown under its display id (`aliases.display_id`:
CVE first), the advisory's own ids among the aliases and its record in the evidence; so one
DSA of three CVEs is three findings, each a VEX statement or ignore entry can settle, and an
OSV match and a distro match of the same vulnerability on one package are one finding, never
two.

When a finding holds a distro match, the distro feed is the preferred source: it is the
distribution's own word on its own release, backports included, so its fixed version is the
finding's, and its evidence is listed first; the OSV evidence stays as corroboration.

Severity takes, in order: a CVSS vector or `database_specific.severity` of a matched OSV record
(`severity.rate_osv`; the highest level among the matched records), then the CVSS of an NVD
record of a CVE in the group (`severity.rate_nvd`), then `unknown`. CPE and distro matches carry
no severity of their own, so theirs comes from NVD when the snapshot holds it. KEV and EPSS are
looked up by every CVE of the group (the KEV and EPSS records are keyed by CVE id).

CPE evidence carries `Confidence.CPE` and, when it applies, the labels `version-wildcard` (NVD
gave no version to decide by: `*` or `-` without bounds) and `platform-unconfirmed` (an AND
configuration's platform is not in the inventory). Distro evidence found through the SBOM's
operating-system component rather than the purl's `distro` qualifier is labelled
`release-from-os-component`.

Evidence carries the caveats of the version the matcher evaluated (`matches.basis`: the purl's
version, a source or binary package's version, a low-confidence Go pseudo-version) as labels and
notes. A finding names the component as the SBOM does: its ref, name and version as given.

`apply_vex` and `apply_suppressions` then set status and suppression; neither removes a finding.
Findings come out in one fixed order (component name, version, ref; then severity, then id).
"""

from __future__ import annotations

from bisect import bisect_right
from collections import defaultdict
from collections.abc import Collection, Iterable, Iterator, Mapping, Sequence
from dataclasses import dataclass, replace
from datetime import date
from typing import TYPE_CHECKING, Any, Final, Protocol, cast
from urllib.parse import unquote

from chainreview.components.cpe import InvalidCpe, parse_cpe
from chainreview.components.model import Component
from chainreview.components.purl import OS_ECOSYSTEMS, InvalidPurl, Purl, parse_purl
from chainreview.components.versions import InvalidVersion, Key, sort_key
from chainreview.findings import kept_facts
from chainreview.findings.kept_facts import FactsKey, StaticFacts
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
from chainreview.intel.names import base_ecosystem
from chainreview.intel.osv_model import Affected, EventKind, RangeType
from chainreview.intel.snapshot import Snapshot
from chainreview.matches.aliases import AliasResolver, UnionFind, display_id
from chainreview.matches.compiled_store import CompiledStore
from chainreview.matches.local import compiled_store
from chainreview.matches.model import Confidence, CpeMatch, DistroMatch, Match, PlatformStatus
from chainreview.slots import slot_constructor

if TYPE_CHECKING:
    from chainreview.evidence.vex import VexStatement

__all__ = [
    "IgnoreEntryLike",
    "IntelLookup",
    "ScanMatch",
    "SuppressionSource",
    "apply_suppressions",
    "apply_vex",
    "build_findings",
    "suppression_ref",
]

_SUMMARY_CHARS = 200

ScanMatch = Match | CpeMatch | DistroMatch
"""A match of any of the three matchers."""

WILDCARD: Final = "version-wildcard"
PLATFORM_UNCONFIRMED: Final = "platform-unconfirmed"
RELEASE_FROM_OS: Final = "release-from-os-component"


class IntelLookup(Protocol):
    """The part of `intel.snapshot.Snapshot` findings read."""

    def record(self, kind: FeedKind, key: str) -> Any | None:
        """The record `key` of `kind`, as JSON, or None."""
        ...

    def keys(self, kind: FeedKind, index: str, value: str) -> tuple[str, ...]:
        """Keys of `kind` records filed under `value` in `index`."""
        ...

    def records(self, kind: FeedKind, keys: Iterable[str]) -> Iterator[tuple[str, Any]]:
        """(key, record) for the records of `kind` among `keys` (in a few queries)."""
        ...

    def keys_by_value(
        self, kind: FeedKind, index: str, values: Iterable[str]
    ) -> Mapping[str, tuple[str, ...]]:
        """`keys` for each of `values` (in a few queries)."""
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
        self._aliased: dict[str, tuple[str, ...]] = {}
        self._display: dict[tuple[str, ...], str] = {}
        self._groups: dict[tuple[str, ...], tuple[tuple[str, ...], Kev | None, Epss | None]] = {}
        self._severities: dict[
            tuple[tuple[tuple[str, int | None], ...], tuple[str, ...]], Severity
        ] = {}
        self._fixes: dict[tuple[int, str], tuple[Affected, _Fixes]] = {}
        self._evidence: dict[
            tuple[str, int | None, int, int, Confidence], tuple[Any, Any, EvidenceRef]
        ] = {}
        self._entry_facts: dict[
            tuple[tuple[str, ...], str, int, str],
            tuple[Affected | None, tuple[StaticFacts, _Fixes]],
        ] = {}
        self._static: dict[FactsKey, StaticFacts] = {}
        self._kept: frozenset[FactsKey] = frozenset()
        self._texts: dict[tuple[FeedKind, str], str] = {}
        self._osv_rated: dict[tuple[str, int | None], Severity | None] = {}
        self._nvd_rated: dict[str, Severity | None] = {}

    def get(self, kind: FeedKind, key: str) -> Any | None:
        cache_key = (kind, key)
        if cache_key not in self._cache:
            self._keep(kind, key, self._intel.record(kind, key))
        return self._cache[cache_key]

    def _keep(self, kind: FeedKind, key: str, record: Any | None) -> None:
        if kind is FeedKind.OSV and isinstance(record, dict):
            record = _slim_osv(record)
        elif kind is FeedKind.NVD and isinstance(record, dict):
            record = {k: record[k] for k in _NVD_KEPT if k in record}
        self._cache[(kind, key)] = record

    def prefetch(self, kind: FeedKind, keys: Iterable[str]) -> None:
        """Look up the records of `keys` not looked up yet, in a few queries."""
        missing = [key for key in keys if (kind, key) not in self._cache]
        if missing:
            for key, record in self._intel.records(kind, missing):
                self._keep(kind, key, record)
            for key in missing:
                self._cache.setdefault((kind, key), None)

    def prefetch_aliases(self, ids: Sequence[str]) -> None:
        """`prefetch` the OSV records of `ids` and the records naming them as aliases."""
        self.prefetch(FeedKind.OSV, ids)
        missing = [i for i in ids if i not in self._aliased]
        if missing:
            found = self._intel.keys_by_value(FeedKind.OSV, "alias", missing)
            for identifier in missing:
                self._aliased[identifier] = found.get(identifier, ())

    def aliased_by(self, identifier: str) -> tuple[str, ...]:
        """Ids of the OSV records listing `identifier` among their aliases."""
        found = self._aliased.get(identifier)
        if found is None:
            found = self._aliased[identifier] = self._intel.keys(FeedKind.OSV, "alias", identifier)
        return found

    def osv_aliases(self, advisory_id: str) -> tuple[str, ...]:
        record = self.get(FeedKind.OSV, advisory_id)
        return tuple(record.get("aliases") or ()) if isinstance(record, dict) else ()

    def upstream(self, advisory_id: str) -> tuple[str, ...]:
        """The OSV record's `upstream` ids (the vulnerabilities it is a downstream advisory of)."""
        record = self.get(FeedKind.OSV, advisory_id)
        return tuple(record.get("upstream") or ()) if isinstance(record, dict) else ()

    def evidence(self, match: Match) -> EvidenceRef:
        """The evidence of an OSV match; one object per (record, entry, decision object: the
        matcher shares one per region of a range, caveat object: one per component), both kept
        so their ids stay unique."""
        caveat = match.caveat
        key = (
            match.advisory_id,
            match.affected_index,
            id(match.decision),
            id(caveat),
            match.confidence,
        )
        found = self._evidence.get(key)
        if found is not None and found[0] is match.decision and found[1] is caveat:
            return found[2]
        ref = _new_evidence(  # every field, in `EvidenceRef`'s (alphabetical) order
            match.affected_index,  # affected_index
            match.confidence,  # confidence
            match.decision.describe(),  # decision
            () if caveat is None else caveat.labels,  # labels
            () if caveat is None else caveat.notes,  # notes
            match.decision.range_index,  # range_index
            match.advisory_id,  # record
        )
        self._evidence[key] = (match.decision, caveat, ref)
        return ref

    def text(self, kind: FeedKind, key: str, *fields: str) -> str:
        """`_record_text` of a record, worked out once per record."""
        cache_key = (kind, key)
        if cache_key not in self._texts:
            self._texts[cache_key] = _record_text(self.get(kind, key), *fields)
        return self._texts[cache_key]

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
            found = self._groups[group] = (cves, _kev(cves, self), _epss(cves, self))
        return found

    def severity(
        self, osv_evidence: Sequence[EvidenceRef], group: tuple[str, ...], cves: Sequence[str]
    ) -> Severity:
        """`_severity`, worked out once per (OSV evidence records and entries, group)."""
        key = (tuple((ref.record, ref.affected_index) for ref in osv_evidence), group)
        found = self._severities.get(key)
        if found is None:
            found = self._severities[key] = _severity(osv_evidence, cves, self)
        return found

    def fixes(self, match: Match) -> _Fixes:
        """The `fixed` events of the match's entry (outside GIT ranges) ready for `_Fixes.above`;
        worked out once per entry (by identity, the object kept)."""
        affected = match.affected
        if affected is None:
            return _NO_FIXES
        cache_key = (id(affected), match.ecosystem)
        cached = self._fixes.get(cache_key)
        if cached is not None and cached[0] is affected:
            return cached[1]
        fixes = _Fixes.of(_fixed_events(affected, match.ecosystem))
        self._fixes[cache_key] = (affected, fixes)
        return fixes

    def static(self, group: tuple[str, ...], osv: Sequence[Match]) -> StaticFacts:
        """What a finding of only OSV matches takes from the records alone (not from the
        component): worked out once per (group, matched entries)."""
        key = (group, tuple((m.advisory_id, m.affected_index) for m in osv))
        found = self._static.get(key)
        if found is None:
            cves, kev, epss = self.group_facts(group)
            evidence = [self.evidence(m) for m in osv]
            found = self._static[key] = StaticFacts(
                display=self.display_id(group),
                summary=_summary(osv, osv, cves, self),
                severity=self.severity(evidence, group, cves),
                kev=kev,
                epss=epss,
                confidence=min((m.confidence for m in osv), key=_CONFIDENCE_ORDER.index),
            )
        return found

    def adopt(self, kept: Mapping[FactsKey, StaticFacts]) -> None:
        """Take `static` facts kept by an earlier scan (`kept_facts`)."""
        self._static.update(kept)
        self._kept = frozenset(kept)

    def worked_out(self) -> dict[FactsKey, StaticFacts]:
        """The `static` facts worked out here rather than adopted."""
        return {k: v for k, v in self._static.items() if k not in self._kept}

    def entry_facts(self, group: tuple[str, ...], match: Match) -> tuple[StaticFacts, _Fixes]:
        """`static` and `fixes` of a finding of one OSV match, by one look-up per finding (the
        entry by identity, the object kept)."""
        key = (group, match.advisory_id, id(match.affected), match.ecosystem)
        found = self._entry_facts.get(key)
        if found is not None and found[0] is match.affected:
            return found[1]
        facts = (self.static(group, (match,)), self.fixes(match))
        self._entry_facts[key] = (match.affected, facts)
        return facts

    def osv_severity(self, advisory_id: str, affected_index: int | None) -> Severity | None:
        key = (advisory_id, affected_index)
        if key not in self._osv_rated:
            record = self.get(FeedKind.OSV, advisory_id)
            rated = rate_osv(record, affected_index) if isinstance(record, dict) else None
            self._osv_rated[key] = rated
        return self._osv_rated[key]

    def nvd_severity(self, cve: str) -> Severity | None:
        if cve not in self._nvd_rated:
            record = self.get(FeedKind.NVD, cve)
            self._nvd_rated[cve] = rate_nvd(record) if isinstance(record, dict) else None
        return self._nvd_rated[cve]


_OSV_KEPT: Final = (
    "id",
    "aliases",
    "upstream",
    "summary",
    "details",
    "severity",
    "database_specific",
)
_NVD_KEPT: Final = ("cve_id", "description", "metrics")
"""The parts of an NVD record findings read (severity, text): configurations are let go."""


def _slim_osv(record: dict[str, Any]) -> dict[str, Any]:
    """The parts of an OSV record findings read (aliases, texts, severities); the `affected`
    entries' version lists and ranges, references and credits are let go at once."""
    slim: dict[str, Any] = {k: record[k] for k in _OSV_KEPT if k in record}
    entries = record.get("affected")
    if isinstance(entries, list):
        slim["affected"] = [
            {"severity": e["severity"]} if isinstance(e, dict) and "severity" in e else {}
            for e in entries
        ]
    return slim


def build_findings(
    matches: Iterable[ScanMatch], components: Mapping[str, Component], intel: IntelLookup
) -> tuple[Finding, ...]:
    """Turn matches into findings, enriched from `intel` (see the module doc)."""
    records = _Records(intel)
    by_component: dict[str, list[ScanMatch]] = defaultdict(list)
    walked: set[str] = set()
    downstream: set[str] = set()  # OS packages a distribution's advisory matched (module doc)
    for match in matches:
        by_component[match.component].append(match)
        if type(match) is DistroMatch:
            walked.update(match.cve_ids or (match.advisory_id,))
            downstream.add(match.component)
        else:
            walked.add(match.advisory_id)
    os_records: set[str] = set()
    for ref, component_matches in by_component.items():
        if ref in downstream or _os_package(component_matches[0]):
            downstream.add(ref)
            os_records.update(m.advisory_id for m in component_matches if type(m) is Match)
    if os_records:
        records.prefetch(FeedKind.OSV, sorted(os_records))
        for advisory_id in os_records:
            walked.update(records.upstream(advisory_id))
    store = compiled_store(intel) if isinstance(intel, Snapshot) else None
    groups = _alias_groups(sorted(walked), records, store)
    _prepare_facts(by_component, downstream, groups, records, store)
    findings: list[Finding] = []
    for ref, component_matches in by_component.items():
        component = components[ref]
        if ref in downstream:
            for group, group_matches in _concerned(component_matches, groups, records).items():
                aliases = _aliases(group, group_matches, groups, records)
                findings.append(_finding(component, group, aliases, group_matches, records))
            continue
        for group, group_matches in _grouped(component_matches, groups).items():
            if len(group_matches) == 1 and type(group_matches[0]) is Match:
                findings.append(_one_osv_finding(component, group, group_matches[0], records))
            else:
                findings.append(_finding(component, group, group, group_matches, records))
    findings.sort(key=_order)
    if store is not None:
        kept_facts.keep(store, records.worked_out())
    return tuple(findings)


def _os_package(match: ScanMatch) -> bool:
    """Whether a component's (first) match is an OSV match in an OS distribution's ecosystem
    (its other OSV matches share that ecosystem: one purl, one look-up)."""
    return type(match) is Match and base_ecosystem(match.ecosystem) in OS_ECOSYSTEMS


def _prepare_facts(
    by_component: Mapping[str, Sequence[ScanMatch]],
    downstream: Collection[str],
    groups: Mapping[str, tuple[str, ...]],
    records: _Records,
    store: CompiledStore | None,
) -> None:
    """Adopt the facts an earlier scan kept for the single-entry OSV findings to come, and
    prefetch in a few queries the records the others need: the OSV records of matches whose
    facts are not kept, the KEV, EPSS and NVD records of their groups' CVEs."""
    single: dict[FactsKey, str] = {}
    others: set[str] = set()
    for ref, matches in by_component.items():
        concerned = ref in downstream  # its groups are merged per component: read all
        for match in matches:
            if type(match) is Match and not concerned:
                key = (groups[match.advisory_id], ((match.advisory_id, match.affected_index),))
                single[key] = match.advisory_id
            else:
                others.update(_concerns(match, records))
                others.add(match.advisory_id)
    kept = kept_facts.read(store, single) if store is not None else {}
    records.adopt(kept)
    missing = [key for key in single if key not in kept]
    records.prefetch(FeedKind.OSV, sorted(others | {single[key] for key in missing}))
    needed = {groups[i] for i in others if i in groups} | {group for group, _ in missing}
    cves = {i for group in needed for i in group if i.startswith("CVE-")}
    for kind in (FeedKind.KEV, FeedKind.EPSS, FeedKind.NVD):
        records.prefetch(kind, cves)


def _alias_groups(
    ids: Sequence[str], records: _Records, store: CompiledStore | None
) -> dict[str, tuple[str, ...]]:
    """The alias group of each of `ids`: from the snapshot's compiled store where an earlier
    scan kept it, else walked through the records (and kept for the next scan)."""
    known = store.groups(ids) if store is not None else {}
    resolver = AliasResolver(
        records.osv_aliases, records.aliased_by, prefetch=records.prefetch_aliases
    )
    groups = resolver.groups(ids, known=known)
    if store is not None:
        store.keep_groups({i: group for i, group in groups.items() if i not in known})
    return groups


def _concerns(match: ScanMatch, records: _Records) -> tuple[str, ...]:
    """The ids of the vulnerabilities a match of an OS package concerns: a distro advisory's
    CVEs, an OSV record's `upstream` ids, else (and for one that names none) its own id."""
    if type(match) is DistroMatch:
        return match.cve_ids or (match.advisory_id,)
    if type(match) is Match:
        return records.upstream(match.advisory_id) or (match.advisory_id,)
    return (match.advisory_id,)


def _grouped(
    matches: list[ScanMatch], groups: Mapping[str, tuple[str, ...]]
) -> dict[tuple[str, ...], list[ScanMatch]]:
    """One component's matches by alias group."""
    grouped: dict[tuple[str, ...], list[ScanMatch]] = defaultdict(list)
    for match in matches:
        grouped[groups[match.advisory_id]].append(match)
    return grouped


def _concerned(
    matches: list[ScanMatch], groups: Mapping[str, tuple[str, ...]], records: _Records
) -> dict[tuple[str, ...], list[ScanMatch]]:
    """An OS package's matches by the vulnerabilities they concern (`_concerns`): the groups of
    the ids concerned, merged where one match's own group joins them; a match concerning
    several vulnerabilities is in each of their findings."""
    sets = UnionFind()
    for match in matches:
        for concern in _concerns(match, records):
            sets.add(concern)
            for other in groups.get(concern, ()):
                sets.union(concern, other)
    members = sets.sets()
    grouped: dict[tuple[str, ...], list[ScanMatch]] = defaultdict(list)
    for match in matches:
        for group in dict.fromkeys(members[c] for c in _concerns(match, records)):
            grouped[group].append(match)
    return grouped


def _aliases(
    group: tuple[str, ...],
    matches: Sequence[ScanMatch],
    groups: Mapping[str, tuple[str, ...]],
    records: _Records,
) -> tuple[str, ...]:
    """`group` and the ids of the advisories that concern it from outside it: a distro
    advisory's id, an OSV record's own group when it names `upstream` ids."""
    outside: set[str] = set()
    for match in matches:
        if type(match) is DistroMatch:
            outside.add(match.advisory_id)
        elif type(match) is Match and records.upstream(match.advisory_id):
            outside.update(groups[match.advisory_id])
    return tuple(sorted(outside.union(group))) if outside - set(group) else group


def _order(finding: Finding) -> tuple[str, str, str, int, str]:
    return (
        finding.name,
        finding.version,
        finding.component,
        SEVERITY_RANK[finding.severity.level],
        finding.id,
    )


_SOURCE_ORDER: Final = {DistroMatch: 0, Match: 1, CpeMatch: 2}
"""Evidence order: the preferred source first (see the module doc)."""


def _match_order(match: ScanMatch) -> tuple[int, str, int]:
    position = match.decision.range_index or 0 if isinstance(match, Match) else 0
    return (_SOURCE_ORDER[type(match)], match.advisory_id, position)


def _finding(
    component: Component,
    group: tuple[str, ...],
    aliases: tuple[str, ...],
    matches: list[ScanMatch],
    records: _Records,
) -> Finding:
    """The finding of `group` (the vulnerability: its id and facts) shown with `aliases`."""
    if len(matches) > 1:
        matches.sort(key=_match_order)
    if (len(matches) == 1 and type(matches[0]) is Match) or all(type(m) is Match for m in matches):
        return _osv_finding(component, group, aliases, cast("list[Match]", matches), records)
    evidence = tuple([_evidence(match, records) for match in matches])
    cves, kev, epss = records.group_facts(group)
    osv = [m for m in matches if isinstance(m, Match)]
    osv_evidence = [ref for m, ref in zip(matches, evidence, strict=True) if isinstance(m, Match)]
    return Finding(
        id=records.display_id(group),
        aliases=aliases,
        component=component.ref,
        name=component.name,
        version=component.version or matches[0].version or "",
        purl=component.purl,
        summary=_summary(matches, osv, cves, records),
        severity=records.severity(osv_evidence, group, cves),
        kev=kev,
        epss=epss,
        fixed_versions=_fixed_versions(matches, osv, records),
        evidence=evidence,
        confidence=min((ref.confidence for ref in evidence), key=_CONFIDENCE_ORDER.index),
    )


def _one_osv_finding(
    component: Component, group: tuple[str, ...], match: Match, records: _Records
) -> Finding:
    """`_finding` of a single OSV match, the most common finding (one look-up for what the
    entry decides, one for the evidence)."""
    static, fixes = records.entry_facts(group, match)
    evidence = (records.evidence(match),)
    return _osv_made(component, group, match.version, static, evidence, fixes.above(match.version))


def _osv_finding(
    component: Component,
    group: tuple[str, ...],
    aliases: tuple[str, ...],
    matches: list[Match],
    records: _Records,
) -> Finding:
    """`_finding` of several OSV matches: what depends on the records alone is shared between
    the findings of one (group, entries)."""
    static = records.static(group, matches)
    evidence = tuple([records.evidence(match) for match in matches])
    fixed = _fixed_versions(matches, matches, records)
    return _osv_made(component, aliases, matches[0].version, static, evidence, fixed)


def _osv_made(
    component: Component,
    aliases: tuple[str, ...],
    version: str,
    static: StaticFacts,
    evidence: tuple[EvidenceRef, ...],
    fixed: tuple[str, ...],
) -> Finding:
    return _new_finding(  # every field, in `Finding`'s (alphabetical) order
        aliases,  # aliases
        component.ref,  # component
        static.confidence,  # confidence
        static.epss,  # epss
        evidence,  # evidence
        fixed,  # fixed_versions
        static.display,  # id
        None,  # justification
        static.kev,  # kev
        component.name,  # name
        component.purl,  # purl
        static.severity,  # severity
        Status.AFFECTED,  # status
        None,  # status_source
        static.summary,  # summary
        None,  # suppressed
        component.version or version,  # version: as the SBOM gives it
    )


_new_finding: Final = slot_constructor(Finding)
"""`Finding(…)` for the bulk of findings (`slots.slot_constructor`: every field given)."""
_new_evidence: Final = slot_constructor(EvidenceRef)


@dataclass(frozen=True, slots=True)
class _Fixes:
    """An entry's `fixed` versions, first occurrence of each string in record order, sorted by
    (scheme, key) for bisection; a string that does not parse in its scheme is never shown."""

    schemes: tuple[tuple[str, tuple[Key, ...], tuple[str, ...]], ...]

    @classmethod
    def of(cls, events: Iterable[tuple[str, str]]) -> _Fixes:
        first: dict[str, tuple[str, Key | None]] = {}
        for version, scheme in events:
            if version not in first:
                first[version] = (scheme, _parsed(scheme, version))
        by_scheme: dict[str, list[tuple[Key, str]]] = defaultdict(list)
        for version, (scheme, key) in first.items():
            if key is not None:
                by_scheme[scheme].append((key, version))
        blocks = []
        for scheme, items in sorted(by_scheme.items()):
            items.sort(key=lambda item: item[0])
            blocks.append((scheme, tuple(k for k, _ in items), tuple(v for _, v in items)))
        return cls(tuple(blocks))

    def above(self, version: str) -> tuple[str, ...]:
        """The fixed versions above `version`, in (scheme, version) order."""
        if len(self.schemes) == 1:  # the usual case: a slice of the one sorted block
            scheme, keys, versions = self.schemes[0]
            current = _parsed(scheme, version)
            return () if current is None else versions[bisect_right(keys, current) :]
        out: list[str] = []
        for scheme, keys, versions in self.schemes:
            current = _parsed(scheme, version)
            if current is not None:
                out.extend(versions[bisect_right(keys, current) :])
        return tuple(out)


_NO_FIXES: Final = _Fixes(())


_CONFIDENCE_ORDER = (Confidence.PURL, Confidence.CPE)


def _evidence(match: ScanMatch, records: _Records) -> EvidenceRef:
    if isinstance(match, CpeMatch):
        return _cpe_evidence(match)
    if isinstance(match, DistroMatch):
        fix = f"fixed in {match.fixed_version}" if match.fixed_version else match.status
        caveat = match.caveat
        labels = () if caveat is None else caveat.labels
        if match.ecosystem_from == "operating-system":
            labels = (*labels, RELEASE_FROM_OS)
        return EvidenceRef(
            record=match.advisory_id,
            affected_index=None,
            range_index=None,
            decision=f"{match.ecosystem} {match.package} {match.version}: {fix}",
            confidence=Confidence.PURL,
            labels=labels,
            notes=() if caveat is None else caveat.notes,
        )
    return records.evidence(match)


def _cpe_evidence(match: CpeMatch) -> EvidenceRef:
    """`configurations/0/nodes/0/cpe_matches/1 cpe:2.3:…: range >= 1.0, < 1.1.4; platform …`."""
    decision = f"{match.evidence.pointer.lstrip('/')} {match.criteria}: {match.basis.value}"
    if match.bounds:
        decision += " " + ", ".join(match.bounds)
    if match.platform is not PlatformStatus.NOT_REQUIRED:
        decision += f"; platform {match.platform.value}: {' '.join(match.platform_criteria)}"
        if match.platform_components:
            decision += f" (components {', '.join(match.platform_components)})"
    labels = [WILDCARD] if match.wildcard else []
    if match.platform is PlatformStatus.UNCONFIRMED:
        labels.append(PLATFORM_UNCONFIRMED)
    return EvidenceRef(
        record=match.advisory_id,
        affected_index=None,
        range_index=None,
        decision=decision,
        confidence=match.confidence,
        labels=tuple(labels),
    )


def _summary(
    matches: Sequence[ScanMatch], osv: Sequence[Match], cves: Sequence[str], records: _Records
) -> str:
    """The first OSV record's summary; without OSV evidence, the NVD description of a CVE of
    the group, else the distro advisory's title."""
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


def _record_text(record: Any, *fields: str) -> str:
    """The first line of the first non-empty text field of a JSON record, cut to length."""
    if not isinstance(record, dict):
        return ""
    text = str(next((record[f] for f in fields if record.get(f)), "")).strip()
    line = text.splitlines()[0] if text else ""
    return line if len(line) <= _SUMMARY_CHARS else line[: _SUMMARY_CHARS - 1] + "…"


def _severity(
    osv_evidence: Sequence[EvidenceRef], cves: Sequence[str], records: _Records
) -> Severity:
    rated = [
        found
        for ref in osv_evidence
        if (found := records.osv_severity(ref.record, ref.affected_index)) is not None
    ]
    if not rated:
        rated = [found for cve in cves if (found := records.nvd_severity(cve)) is not None]
    if not rated:
        return Severity(level=Level.UNKNOWN)
    return min(rated, key=lambda s: (SEVERITY_RANK[s.level], -(s.score or 0), s.source))


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


def _fixed_versions(
    matches: Sequence[ScanMatch], osv: Sequence[Match], records: _Records
) -> tuple[str, ...]:
    """Versions that fix it above the component's, in version order: the distro advisories'
    when there are any (the preferred source), else the `fixed` events of the OSV entries
    (`_Fixes`). CPE matches give none (NVD names affected versions, not fixes)."""
    distro = [m for m in matches if isinstance(m, DistroMatch)]
    if not distro:
        if not osv:
            return ()
        events = (
            event
            for match in osv
            if match.affected is not None
            for event in _fixed_events(match.affected, match.ecosystem)
        )
        return _Fixes.of(events).above(osv[0].version)
    found: dict[str, tuple[str, Key] | None] = {}
    for fix in distro:
        if fix.fixed_version is not None and fix.fixed_version not in found:
            key = _key_above(fix.ecosystem, fix.fixed_version, fix.version)
            found[fix.fixed_version] = None if key is None else (fix.ecosystem, key)
    kept = [(key, v) for v, key in found.items() if key is not None]
    return tuple(v for _, v in sorted(kept, key=lambda item: item[0]))


def _fixed_events(affected: Affected, ecosystem: str) -> Iterator[tuple[str, str]]:
    """(version, scheme) of each `fixed` event of an entry outside GIT ranges, in record order."""
    for r in affected.ranges:
        if r.type is RangeType.GIT:
            continue
        scheme = "SEMVER" if r.type is RangeType.SEMVER else ecosystem
        for event in r.events:
            if event.kind is EventKind.FIXED:
                yield event.version, scheme


def _parsed(scheme: str, version: str) -> Key | None:
    """`sort_key`, or None when the version does not parse."""
    try:
        return sort_key(scheme, version)
    except (InvalidVersion, TypeError):
        return None


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
    """Set each finding's status from the VEX statement that applies to it (kept, never removed).

    Linear in findings + statements (and their ids and identifiers): `_VexIndex` gives each
    finding the few statements that name one of its ids and its component, each narrowed to
    those ids and identifiers, and `vex.applicable` decides among them, in statement order, with
    the rules of `evidence.vex`.
    """
    if not statements:
        return tuple(findings)
    from chainreview.evidence.vex import applicable  # lazy: only runs with --vex

    index = _VexIndex(findings, components)
    candidates: list[list[VexStatement]] = [[] for _ in findings]
    for statement in statements:
        for position, narrowed in index.named_by(statement):
            candidates[position].append(narrowed)
    out: list[Finding] = []
    for finding, chosen in zip(findings, candidates, strict=True):
        component = components[finding.component]
        decided = applicable(chosen, finding.aliases, component) if chosen else None
        if decided is None:
            out.append(finding)
            continue
        out.append(
            replace(
                finding,
                status=Status(decided.status.value),
                justification=decided.justification or decided.impact,
                status_source=str(decided.location),
            )
        )
    return tuple(out)


_ProductKey = tuple[str | None, ...]
"""What a VEX identifier and a component can share: ("ref", text), ("purl", type, namespace,
name, version or None) or ("cpe", vendor, product); `vex.applicable` looks further (qualifiers,
subpath, CPE version)."""


class _VexIndex:
    """The findings by alias group and by component, so that a statement finds the findings it
    may apply to without walking them all.

    A statement may apply to a finding when one of its ids (`vex.vulnerability_key`) is in the
    finding's alias group and one of its identifiers (its subcomponents when it has any, else its
    products) shares a `_ProductKey` with the finding's component: a purl without a version
    names every version, one with a version the components of that version (their purl's, else
    their own). Its findings are then listed the cheapest way: by each (group, component) pair,
    or by walking the findings of its groups, or those of its components, whichever is fewest;
    so a statement naming many products of a many-alias vulnerability costs no more than the
    findings there are.
    """

    def __init__(self, findings: Sequence[Finding], components: Mapping[str, Component]) -> None:
        from chainreview.evidence.vex import vulnerability_key

        self._key = vulnerability_key
        self._groups: dict[str, set[int]] = defaultdict(set)
        self._components: dict[_ProductKey, set[str]] = defaultdict(set)
        self._pairs: dict[tuple[int, str], list[int]] = defaultdict(list)
        self._of_group: dict[int, list[int]] = defaultdict(list)
        self._of_component: dict[str, list[int]] = defaultdict(list)
        self._group_at: list[int] = []
        self._component_at = [finding.component for finding in findings]
        numbers: dict[tuple[str, ...], int] = {}
        for position, finding in enumerate(findings):
            group = numbers.get(finding.aliases)
            if group is None:
                group = numbers[finding.aliases] = len(numbers)
                for alias in finding.aliases:
                    self._groups[vulnerability_key(alias)].add(group)
            ref = finding.component
            if ref not in self._of_component:
                for key in _component_keys(components[ref]):
                    self._components[key].add(ref)
            self._group_at.append(group)
            self._pairs[group, ref].append(position)
            self._of_group[group].append(position)
            self._of_component[ref].append(position)

    def named_by(self, statement: VexStatement) -> list[tuple[int, VexStatement]]:
        """The findings `statement` may apply to, by position, each with the statement narrowed
        to the ids and identifiers that concern it (`_narrowed`)."""
        ids = (statement.vulnerability, *statement.aliases)
        ids_of: dict[int, list[int]] = defaultdict(list)
        for n, identifier in enumerate(ids):
            for group in self._groups.get(self._key(identifier), ()):
                ids_of[group].append(n)
        if not ids_of:
            return []
        identifiers = statement.subcomponents or statement.products
        named_of: dict[str, list[int]] = defaultdict(list)
        for n, identifier in enumerate(identifiers):
            for key in _product_keys(identifier):
                for ref in self._components.get(key, ()):
                    named_of[ref].append(n)
        if not named_of:
            return []
        narrowed: dict[tuple[int, str], VexStatement] = {}
        out = []
        for position in self._findings(ids_of.keys(), named_of.keys()):
            pair = (self._group_at[position], self._component_at[position])
            found = narrowed.get(pair)
            if found is None:
                found = narrowed[pair] = _narrowed(statement, ids_of[pair[0]], named_of[pair[1]])
            out.append((position, found))
        return out

    def _findings(self, groups: Collection[int], refs: Collection[str]) -> list[int]:
        """Positions of the findings of any of `groups` on any of `refs`."""
        by_pair = len(groups) * len(refs)
        by_group = sum(len(self._of_group[g]) for g in groups)
        by_component = sum(len(self._of_component[r]) for r in refs)
        if by_pair <= min(by_group, by_component):
            return [p for g in groups for r in refs for p in self._pairs.get((g, r), ())]
        if by_group <= by_component:
            return [p for g in groups for p in self._of_group[g] if self._component_at[p] in refs]
        return [p for r in refs for p in self._of_component[r] if self._group_at[p] in groups]


def _narrowed(statement: VexStatement, ids: list[int], identifiers: list[int]) -> VexStatement:
    """`statement` with only the aliases at positions `ids` of (vulnerability, *aliases) and the
    identifiers (subcomponents, else products) at positions `identifiers`: all `vex.applicable`
    weighs of it for one finding, so a statement naming thousands of products or aliases is
    not weighed whole for each of their findings."""
    aliases = tuple(statement.aliases[n - 1] for n in sorted(set(ids)) if n)
    if statement.subcomponents:
        kept = tuple(statement.subcomponents[n] for n in sorted(set(identifiers)))
        return replace(statement, aliases=aliases, subcomponents=kept)
    kept = tuple(statement.products[n] for n in sorted(set(identifiers)))
    return replace(statement, aliases=aliases, products=kept)


def _product_keys(identifier: str) -> Iterator[_ProductKey]:
    """The keys under which a VEX identifier may name a component (see `vex.applicable`)."""
    yield ("ref", identifier)
    yield from _identity_keys(identifier)
    if "#" in identifier:  # a BOM-Link names a bom-ref (perhaps a purl) after the '#'
        fragment = identifier.partition("#")[2]
        yield ("ref", fragment)
        yield ("ref", unquote(fragment))
        yield from _identity_keys(fragment)


def _identity_keys(identifier: str) -> Iterator[_ProductKey]:
    """The purl or CPE key of a valid identifier."""
    prefix = identifier[:4].lower()
    if prefix == "pkg:":
        purl = _purl(identifier)
        if purl is not None:
            yield _purl_key(purl, purl.version)
    elif prefix == "cpe:":
        try:
            cpe = parse_cpe(identifier)
        except InvalidCpe:
            return
        yield ("cpe", cpe.vendor, cpe.product)


def _component_keys(component: Component) -> Iterator[_ProductKey]:
    """The keys under which a VEX identifier may name `component`."""
    yield ("ref", component.ref)
    purl = _purl(component.purl) if component.purl else None
    if purl is not None:
        yield _purl_key(purl, None)
        version = purl.version or component.version
        if version is not None:
            yield _purl_key(purl, version)
    if component.cpe:
        yield from _identity_keys(component.cpe)


def _purl(text: str) -> Purl | None:
    try:
        return parse_purl(text)
    except InvalidPurl:
        return None


def _purl_key(purl: Purl, version: str | None) -> _ProductKey:
    return ("purl", purl.type, purl.namespace, purl.name, version)


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
