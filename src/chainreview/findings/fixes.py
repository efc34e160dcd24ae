"""The versions that fix a finding, above the component's, in version order.

When a finding holds a distro match, the distro feed is the preferred source (the
distribution's own word on its own release, backports included): its fixed versions are the
finding's. Otherwise they are the `fixed` events of the matched OSV entries outside GIT ranges,
found by bisection over each entry's sorted events (`Fixes`, worked out once per entry by
`EntryFixes`). CPE matches give none (NVD names affected versions, not fixes).
"""

from __future__ import annotations

from bisect import bisect_right
from collections import defaultdict
from collections.abc import Iterable, Iterator, Sequence
from dataclasses import dataclass
from typing import Final

from chainreview.components.versions import InvalidVersion, Key, sort_key
from chainreview.intel.osv_model import Affected, EventKind, RangeType
from chainreview.matches.model import DistroMatch, Match, ScanMatch

__all__ = ["NO_FIXES", "EntryFixes", "Fixes", "fixed_versions"]


@dataclass(frozen=True, slots=True)
class Fixes:
    """An entry's `fixed` versions, first occurrence of each string in record order, sorted by
    (scheme, key) for bisection; a string that does not parse in its scheme is never shown."""

    schemes: tuple[tuple[str, tuple[Key, ...], tuple[str, ...]], ...]

    @classmethod
    def of(cls, events: Iterable[tuple[str, str]]) -> Fixes:
        """The fixes of (version, scheme) `events`."""
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


NO_FIXES: Final = Fixes(())


class EntryFixes:
    """`Fixes` of each matched OSV entry, worked out once per entry (by identity, the object
    kept) for one run."""

    def __init__(self) -> None:
        self._fixes: dict[tuple[int, str], tuple[Affected, Fixes]] = {}

    def of(self, match: Match) -> Fixes:
        """The `fixed` events of the match's entry (outside GIT ranges), ready for `above`."""
        affected = match.affected
        if affected is None:
            return NO_FIXES
        cache_key = (id(affected), match.ecosystem)
        cached = self._fixes.get(cache_key)
        if cached is not None and cached[0] is affected:
            return cached[1]
        fixes = Fixes.of(_fixed_events(affected, match.ecosystem))
        self._fixes[cache_key] = (affected, fixes)
        return fixes


def fixed_versions(matches: Sequence[ScanMatch], osv: Sequence[Match]) -> tuple[str, ...]:
    """Versions that fix it above the component's, in version order: the distro advisories'
    when there are any (the preferred source), else the `fixed` events of the `osv` entries."""
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
        return Fixes.of(events).above(osv[0].version)
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
