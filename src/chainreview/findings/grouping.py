"""Which matches make one finding: alias groups, and the vulnerabilities an OS package's
advisories concern.

One finding per (component, alias group): when several records of one vulnerability match a
component (a PYSEC and a GHSA of the same CVE), they become one finding whose evidence lists
each. Groups come from the OSV aliases in the snapshot (`matches.aliases`); a CPE match joins
the group of its CVE. A distribution's advisory concerns the vulnerabilities it names: a distro
advisory (`DSA-5380-1`, a secdb fix) its CVEs, an OSV record of an OS package (Debian, Ubuntu,
Alpine, rpm distributions) its `upstream` ids when it gives some (`UBUNTU-CVE-2016-20013` →
`CVE-2016-20013`). On an OS package such an advisory makes one finding per vulnerability it
concerns, in that vulnerability's group, the advisory's own ids among the aliases; so one DSA
of three CVEs is three findings, each a VEX statement or ignore entry can settle, and an OSV
match and a distro match of the same vulnerability on one package are one finding, never two.

A finished alias walk gives each id's whole connected component, whatever id it started from,
so the groups of the ids a scan walked are kept beside the snapshot (`ALIAS_GROUPS` in
`Snapshot.derived`) and joined without walking by the next scan; a walk cut short at
`aliases.MAX_GROUP` depends on where it started and is not kept.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Mapping, Sequence
from typing import Any, Final

from chainreview.components.purl import OS_ECOSYSTEMS
from chainreview.findings.records import Records
from chainreview.intel.derived import Derived, Kind
from chainreview.intel.names import base_ecosystem
from chainreview.matches.aliases import MAX_GROUP, AliasResolver, UnionFind
from chainreview.matches.model import DistroMatch, Match, ScanMatch

__all__ = [
    "ALIAS_GROUPS",
    "alias_groups",
    "aliases_with_outside",
    "by_concern",
    "by_group",
    "concerns",
    "os_package",
]


def _group(identifier: str, plain: Any) -> tuple[str, ...]:
    """A kept group, believed only when it holds its own id."""
    if type(plain) is not tuple or identifier not in plain:
        raise ValueError(f"not the alias group of {identifier}")
    return plain


ALIAS_GROUPS: Final = Kind[str, tuple[str, ...]](
    name="alias-groups",
    modules=(
        "chainreview.findings.grouping",
        "chainreview.findings.records",
        "chainreview.matches.aliases",
    ),
    encode=tuple,
    decode=_group,
)
"""Each walked id's whole alias group."""


def alias_groups(
    ids: Sequence[str], records: Records, derived: Derived
) -> dict[str, tuple[str, ...]]:
    """The alias group of each of `ids`: kept beside the snapshot where an earlier scan kept
    it, else walked through the records (and kept for the next scan, when whole)."""
    known = derived.get_many(ALIAS_GROUPS, ids)
    resolver = AliasResolver(
        records.osv_aliases, records.aliased_by, prefetch=records.prefetch_aliases
    )
    groups = resolver.groups(ids, known=known)
    walked = {i: g for i, g in groups.items() if i not in known and len(g) <= MAX_GROUP}
    derived.put(ALIAS_GROUPS, walked)
    return groups


def os_package(match: ScanMatch) -> bool:
    """Whether a component's (first) match is an OSV match in an OS distribution's ecosystem
    (its other OSV matches share that ecosystem: one purl, one look-up)."""
    return type(match) is Match and base_ecosystem(match.ecosystem) in OS_ECOSYSTEMS


def concerns(match: ScanMatch, records: Records) -> tuple[str, ...]:
    """The ids of the vulnerabilities a match of an OS package concerns: a distro advisory's
    CVEs, an OSV record's `upstream` ids, else (and for one that names none) its own id."""
    if type(match) is DistroMatch:
        return match.cve_ids or (match.advisory_id,)
    if type(match) is Match:
        return records.upstream(match.advisory_id) or (match.advisory_id,)
    return (match.advisory_id,)


def by_group(
    matches: list[ScanMatch], groups: Mapping[str, tuple[str, ...]]
) -> dict[tuple[str, ...], list[ScanMatch]]:
    """One component's matches by alias group."""
    grouped: dict[tuple[str, ...], list[ScanMatch]] = defaultdict(list)
    for match in matches:
        grouped[groups[match.advisory_id]].append(match)
    return grouped


def by_concern(
    matches: list[ScanMatch], groups: Mapping[str, tuple[str, ...]], records: Records
) -> dict[tuple[str, ...], list[ScanMatch]]:
    """An OS package's matches by the vulnerabilities they concern (`concerns`): the groups of
    the ids concerned, merged where one match's own group joins them; a match concerning
    several vulnerabilities is in each of their findings."""
    sets = UnionFind()
    for match in matches:
        for concern in concerns(match, records):
            sets.add(concern)
            for other in groups.get(concern, ()):
                sets.union(concern, other)
    members = sets.sets()
    grouped: dict[tuple[str, ...], list[ScanMatch]] = defaultdict(list)
    for match in matches:
        for group in dict.fromkeys(members[c] for c in concerns(match, records)):
            grouped[group].append(match)
    return grouped


def aliases_with_outside(
    group: tuple[str, ...],
    matches: Sequence[ScanMatch],
    groups: Mapping[str, tuple[str, ...]],
    records: Records,
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
