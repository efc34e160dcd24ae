"""Matches + intel snapshot → findings: one per component and vulnerability, citing its evidence.

Three kinds of match come in: OSV matches by purl (`matches.model.Match`), NVD CPE matches for
components without a purl ecosystem (`matches.model.CpeMatch`), and distro advisories for
Alpine and Debian packages (`matches.model.DistroMatch`). Which matches make one finding is
`grouping`'s (alias groups; on an OS package, the vulnerabilities a distribution's advisory
concerns); what the records decide of it (display id: CVE first, summary, severity, KEV, EPSS)
`facts`'; its fixed versions `fixes`'; its evidence `evidence`'. When a finding holds a distro
match, the distro feed is the preferred source: its evidence is listed first, the OSV evidence
stays as corroboration. A finding names the component as the SBOM does: its ref, name and
version as given.

`vex_status.apply_vex` and `suppressed.apply_suppressions` then set status and suppression;
neither removes a finding. Findings come out in one fixed order (component name, version, ref;
then severity, then id).
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Collection, Iterable, Mapping, Sequence
from typing import Final, cast

from chainreview.components.model import Component
from chainreview.findings.evidence import OsvEvidence, cpe_evidence, distro_evidence
from chainreview.findings.facts import RecordFacts, strongest
from chainreview.findings.fixes import EntryFixes, Fixes, fixed_versions
from chainreview.findings.grouping import (
    alias_groups,
    aliases_with_outside,
    by_concern,
    by_group,
    concerns,
    os_package,
)
from chainreview.findings.kept_facts import STATIC_FACTS, FactsKey, StaticFacts
from chainreview.findings.model import SEVERITY_RANK, EvidenceRef, Finding, Status
from chainreview.findings.records import IntelLookup, Records
from chainreview.intel.derived import Derived
from chainreview.intel.interface import FeedKind
from chainreview.matches.model import CpeMatch, DistroMatch, Match, ScanMatch
from chainreview.slots import slot_constructor

__all__ = ["build_findings"]


class _Run:
    """What one `build_findings` call works out once and shares between its findings."""

    def __init__(self, intel: IntelLookup) -> None:
        self.records = Records(intel)
        self.facts = RecordFacts(self.records)
        self.evidence = OsvEvidence()
        self.fixes = EntryFixes()
        self._entry_facts: dict[
            tuple[tuple[str, ...], str, int, str], tuple[object, tuple[StaticFacts, Fixes]]
        ] = {}

    def entry_facts(self, group: tuple[str, ...], match: Match) -> tuple[StaticFacts, Fixes]:
        """`facts.static` and `fixes.of` of a finding of one OSV match, by one look-up per
        finding (the entry by identity, the object kept)."""
        key = (group, match.advisory_id, id(match.affected), match.ecosystem)
        found = self._entry_facts.get(key)
        if found is not None and found[0] is match.affected:
            return found[1]
        facts = (self.facts.static(group, (match,)), self.fixes.of(match))
        self._entry_facts[key] = (match.affected, facts)
        return facts

    def evidence_of(self, match: ScanMatch) -> EvidenceRef:
        """The evidence of a match of any kind."""
        if isinstance(match, CpeMatch):
            return cpe_evidence(match)
        if isinstance(match, DistroMatch):
            return distro_evidence(match)
        return self.evidence.of(match)


def build_findings(
    matches: Iterable[ScanMatch], components: Mapping[str, Component], intel: IntelLookup
) -> tuple[Finding, ...]:
    """Turn matches into findings, enriched from `intel` (see the module doc)."""
    run = _Run(intel)
    records = run.records
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
        if ref in downstream or os_package(component_matches[0]):
            downstream.add(ref)
            os_records.update(m.advisory_id for m in component_matches if type(m) is Match)
    if os_records:
        records.prefetch(FeedKind.OSV, sorted(os_records))
        for advisory_id in os_records:
            walked.update(records.upstream(advisory_id))
    groups = alias_groups(sorted(walked), records, intel.derived)
    looked_up = _prepare_facts(by_component, downstream, groups, run, intel.derived)
    findings: list[Finding] = []
    for ref, component_matches in by_component.items():
        component = components[ref]
        if ref in downstream:
            for group, group_matches in by_concern(component_matches, groups, records).items():
                aliases = aliases_with_outside(group, group_matches, groups, records)
                findings.append(_finding(component, group, aliases, group_matches, run))
            continue
        for group, group_matches in by_group(component_matches, groups).items():
            if len(group_matches) == 1 and type(group_matches[0]) is Match:
                findings.append(_one_osv_finding(component, group, group_matches[0], run))
            else:
                findings.append(_finding(component, group, group, group_matches, run))
    findings.sort(key=_order)
    worked_out = run.facts.worked_out()
    intel.derived.put(STATIC_FACTS, {key: worked_out[key] for key in looked_up & worked_out.keys()})
    return tuple(findings)


def _prepare_facts(
    by_component: Mapping[str, Sequence[ScanMatch]],
    downstream: Collection[str],
    groups: Mapping[str, tuple[str, ...]],
    run: _Run,
    derived: Derived,
) -> set[FactsKey]:
    """Adopt the facts an earlier scan kept for the single-entry OSV findings to come, and
    prefetch in a few queries the records the others need: the OSV records of matches whose
    facts are not kept, the KEV, EPSS and NVD records of their groups' CVEs. Return the keys
    looked up: only their facts are worth keeping for the next scan."""
    records = run.records
    single: dict[FactsKey, str] = {}
    others: set[str] = set()
    for ref, matches in by_component.items():
        concerned = ref in downstream  # its groups are merged per component: read all
        for match in matches:
            if type(match) is Match and not concerned:
                key = (groups[match.advisory_id], ((match.advisory_id, match.affected_index),))
                single[key] = match.advisory_id
            else:
                others.update(concerns(match, records))
                others.add(match.advisory_id)
    kept = derived.get_many(STATIC_FACTS, single)
    run.facts.adopt(kept)
    missing = [key for key in single if key not in kept]
    records.prefetch(FeedKind.OSV, sorted(others | {single[key] for key in missing}))
    needed = {groups[i] for i in others if i in groups} | {group for group, _ in missing}
    cves = {i for group in needed for i in group if i.startswith("CVE-")}
    for kind in (FeedKind.KEV, FeedKind.EPSS, FeedKind.NVD):
        records.prefetch(kind, cves)
    return set(single)


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
    run: _Run,
) -> Finding:
    """The finding of `group` (the vulnerability: its id and facts) shown with `aliases`."""
    if len(matches) > 1:
        matches.sort(key=_match_order)
    if (len(matches) == 1 and type(matches[0]) is Match) or all(type(m) is Match for m in matches):
        return _osv_finding(component, group, aliases, cast("list[Match]", matches), run)
    evidence = tuple([run.evidence_of(match) for match in matches])
    facts = run.facts
    cves, kev, epss = facts.group_facts(group)
    osv = [m for m in matches if isinstance(m, Match)]
    entries = [(m.advisory_id, m.affected_index) for m in osv]
    return Finding(
        id=facts.display_id(group),
        aliases=aliases,
        component=component.ref,
        name=component.name,
        version=component.version or matches[0].version or "",
        purl=component.purl,
        summary=facts.summary(matches, osv, cves),
        severity=facts.severity(entries, group, cves),
        kev=kev,
        epss=epss,
        fixed_versions=fixed_versions(matches, osv),
        evidence=evidence,
        confidence=strongest(ref.confidence for ref in evidence),
    )


def _one_osv_finding(
    component: Component, group: tuple[str, ...], match: Match, run: _Run
) -> Finding:
    """`_finding` of a single OSV match, the most common finding (one look-up for what the
    entry decides, one for the evidence)."""
    static, fixes = run.entry_facts(group, match)
    evidence = (run.evidence.of(match),)
    return _osv_made(component, group, match.version, static, evidence, fixes.above(match.version))


def _osv_finding(
    component: Component,
    group: tuple[str, ...],
    aliases: tuple[str, ...],
    matches: list[Match],
    run: _Run,
) -> Finding:
    """`_finding` of several OSV matches: what depends on the records alone is shared between
    the findings of one (group, entries)."""
    static = run.facts.static(group, matches)
    evidence = tuple([run.evidence.of(match) for match in matches])
    fixed = fixed_versions(matches, matches)
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
