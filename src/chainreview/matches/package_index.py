"""All the `affected` entries of one package, compiled for many look-ups (DESIGN §4).

Evaluating every entry of a package for every component version is what made matching slow:
most entries are plain ranges whose verdict only changes at their event versions. For those, a
`PackageIndex` merges the event positions of all its entries of one version scheme into one
sorted line; a component version is placed on it once (one bisection) and the *region* it falls
in (at a position, or strictly between two) decides every such entry together. A region's
verdicts are worked out the first time a version lands in it, from each range's own table
(`ranges.Regions`), and kept for the next version in the same region.

What the tables cannot express is evaluated entry by entry with `CompiledAffected.evaluate`, the
reference: entries with `limit` events, ranges that did not compile, ranges of two schemes in one
entry, and every entry of a scheme the component version does not parse in (so the indeterminate
verdict and its reason are the reference's own). `versions` lists are looked up by string and by
parsed version.

Two common kinds of package take a shortcut: ranges of one scheme and nothing else (most Go
packages) are decided by that one bisection; when every entry with ranges lists versions too
(most PyPI packages), a version all the lists hold is decided by them, with no version key. A
test holds `PackageIndex.evaluate` equal to `CompiledAffected.evaluate` for every entry of the
advisory corpora and every version they name.
"""

from __future__ import annotations

from bisect import bisect_left
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Final

from chainreview.components.versions import InvalidVersion, Key, sort_key
from chainreview.intel.snapshot import PackageAdvisory
from chainreview.matches.model import Decision
from chainreview.matches.ranges import (
    CompiledAffected,
    Position,
    Regions,
    Status,
    Verdict,
)

__all__ = ["CompiledPackage", "Outcome", "PackageIndex", "SchemeLine"]

Outcome = tuple[int, Verdict]
"""An entry's index in the package's entry list and its verdict (affected or indeterminate)."""

_NOTHING: Final[tuple[Outcome, ...]] = ()


@dataclass(frozen=True, slots=True)
class CompiledPackage:
    """One package's live (not withdrawn) entries and their index: what the matcher keeps."""

    entries: tuple[PackageAdvisory, ...]
    index: PackageIndex


@dataclass(slots=True)
class SchemeLine:
    """The table-ready entries of one scheme, and their merged event positions."""

    scheme: str
    entries: tuple[tuple[int, tuple[Regions, ...]], ...]
    """(entry index, its ranges' tables in range order)."""
    positions: tuple[Position, ...]
    regions: dict[int, tuple[Outcome, ...]]
    """Region number → the affected entries there (filled on first use): `2j` is strictly
    below `positions[j]` (and above `positions[j-1]`), `2j + 1` is at `positions[j]`."""

    def hits(self, at: Position) -> tuple[Outcome, ...]:
        j = bisect_left(self.positions, at)
        exact = j < len(self.positions) and self.positions[j] == at
        region = 2 * j + 1 if exact else 2 * j
        found = self.regions.get(region)
        if found is None:
            found = self.regions[region] = self._work_out(j, exact)
        return found

    def _work_out(self, j: int, exact: bool) -> tuple[Outcome, ...]:
        hits: list[Outcome] = []
        below = self.positions[j - 1] if j > 0 else None
        for index, tables in self.entries:
            for table in tables:
                decision = table.at(self.positions[j]) if exact else table.above(below)
                if decision is not None:
                    hits.append((index, _affected(decision)))
                    break
        return tuple(hits) if hits else _NOTHING


class PackageIndex:
    """Every `affected` entry of one package of one ecosystem, ready for `evaluate`."""

    def __init__(self, ecosystem: str, entries: Sequence[CompiledAffected]) -> None:
        self._ecosystem = ecosystem
        self._entries = tuple(entries)
        self._listed: dict[str, Verdict] = {}
        self._equivalents: dict[Key, tuple[str, ...]] | None = None
        self._by_listed: dict[str, tuple[int, ...]] | None = None
        lines: dict[str, list[tuple[int, tuple[Regions, ...]]]] = {}
        walked: list[int] = []
        listing: list[int] = []
        for index, entry in enumerate(self._entries):
            if entry.listed:
                listing.append(index)
            tables = tuple(r.regions() for r in entry.ranges)
            schemes = {r.scheme for r in entry.ranges}
            if not entry.ranges:
                continue  # a `versions` list only
            if len(schemes) == 1 and all(t is not None for t in tables):
                lines.setdefault(schemes.pop(), []).append(
                    (index, tuple(t for t in tables if t is not None))
                )
            else:
                walked.append(index)
        self._listing = tuple(listing)
        self._walked = tuple(walked)
        self._lines = tuple(
            SchemeLine(
                scheme,
                tuple(members),
                tuple(sorted({p for _, tables in members for t in tables for p in t.positions})),
                {},
            )
            for scheme, members in sorted(lines.items())
        )
        self._take_shortcuts()

    @dataclass(frozen=True, slots=True, kw_only=True)
    class State:
        """What an index holds besides its entries and lines (for `compiled_form`)."""

        listing: tuple[int, ...]
        walked: tuple[int, ...]
        by_listed: dict[str, tuple[int, ...]] | None
        equivalents: dict[Key, tuple[str, ...]] | None
        listed: dict[str, Verdict]

    @property
    def compiled(self) -> tuple[CompiledAffected, ...]:
        """The compiled entries, in entry order."""
        return self._entries

    @property
    def lines(self) -> tuple[SchemeLine, ...]:
        """The merged line of each version scheme, regions worked out so far included."""
        return self._lines

    def state(self) -> PackageIndex.State:
        """The rest of what this index holds, as `restored` takes it back."""
        return PackageIndex.State(
            listing=self._listing,
            walked=self._walked,
            by_listed=self._by_listed,
            equivalents=self._equivalents,
            listed=self._listed,
        )

    @classmethod
    def restored(
        cls,
        ecosystem: str,
        entries: Sequence[CompiledAffected],
        lines: Sequence[SchemeLine],
        state: PackageIndex.State,
    ) -> PackageIndex:
        """An index as `compiled`, `lines` and `state` describe it, without compiling."""
        index = cls.__new__(cls)
        index._ecosystem = ecosystem
        index._entries = tuple(entries)
        index._lines = tuple(lines)
        index._listing = state.listing
        index._walked = state.walked
        index._by_listed = state.by_listed
        index._equivalents = state.equivalents
        index._listed = state.listed
        index._take_shortcuts()
        return index

    def _take_shortcuts(self) -> None:
        """Note which shortcuts of `evaluate` this package allows."""
        ranged = {index for line in self._lines for index, _ in line.entries} | set(self._walked)
        self._listed_covers = bool(self._listing) and ranged <= set(self._listing)
        """Every entry with ranges lists versions too: a version every list holds is decided
        by the lists alone (listed is affected whatever the ranges say), with no version key."""
        alone = len(self._lines) == 1 and not self._listing and not self._walked
        self._line_alone = self._lines[0] if alone else None
        """The one line that decides every entry (ranges of one scheme only, no lists)."""

    def evaluate(self, version: str) -> Sequence[Outcome]:
        """The entries that `version` is affected by or that cannot be decided for it, in entry
        order; each verdict as `CompiledAffected.evaluate` gives it (not-affected ones left out).
        """
        if self._line_alone is not None:
            line = self._line_alone
            try:
                return line.hits((1, sort_key(line.scheme, version)))
            except InvalidVersion:
                pass  # walked below, for each entry's own reason
        elif self._listed_covers:
            listing = self._by_listed if self._by_listed is not None else self._listing_index()
            exact = listing.get(version, ())
            if len(exact) == len(self._listing):  # listed by every list: no ranges to read
                verdict = self._listed_verdict(version)
                return [(index, verdict) for index in exact]
        outcomes: dict[int, Verdict] = {}
        if self._listing:
            self._listed_outcomes(version, outcomes)
        for line in self._lines:
            try:
                at = (1, sort_key(line.scheme, version))  # `ranges.position`, inlined
            except InvalidVersion:
                for index, _ in line.entries:
                    self._walk(index, version, outcomes)
                continue
            for index, verdict in line.hits(at):
                if index not in outcomes:
                    outcomes[index] = verdict
        for index in self._walked:
            self._walk(index, version, outcomes)
        return sorted(outcomes.items()) if len(outcomes) > 1 else list(outcomes.items())

    def _listed_outcomes(self, version: str, outcomes: dict[int, Verdict]) -> None:
        """The entries whose `versions` list holds `version`: as a string, else as a version
        equal to it (`1.0` and `1.0.0` in PyPI), the first such string of the list."""
        listing = self._by_listed if self._by_listed is not None else self._listing_index()
        exact = listing.get(version, ())
        if exact:
            verdict = self._listed_verdict(version)
            for index in exact:
                outcomes[index] = verdict
            if len(exact) == len(self._listing):
                return
        found: dict[int, list[str]] = {}
        for listed in self._equal_listed(version, listing):
            if listed != version:
                for index in listing[listed]:
                    if index not in outcomes:
                        found.setdefault(index, []).append(listed)
        for index, strings in found.items():
            if len(strings) > 1:  # the first of the entry's own list
                strings = [v for v in self._entries[index].versions if v in strings]
            outcomes[index] = self._listed_verdict(strings[0])

    def _listing_index(self) -> dict[str, tuple[int, ...]]:
        """Each listed string → the entries listing it (built on first use, once per package:
        one look-up per component instead of one per entry)."""
        if self._by_listed is None:
            by_listed: dict[str, list[int]] = {}
            for index in self._listing:
                for listed in self._entries[index].listed:
                    by_listed.setdefault(listed, []).append(index)
            self._by_listed = {v: tuple(indexes) for v, indexes in by_listed.items()}
        return self._by_listed

    def _equal_listed(self, version: str, listing: dict[str, tuple[int, ...]]) -> tuple[str, ...]:
        """The listed strings (of any entry) that parse to the same version as `version`."""
        if self._equivalents is None:
            equivalents: dict[Key, list[str]] = {}
            for listed in sorted(listing):
                try:
                    equivalents.setdefault(sort_key(self._ecosystem, listed), []).append(listed)
                except InvalidVersion:
                    continue
            self._equivalents = {key: tuple(v) for key, v in equivalents.items()}
        try:
            key = sort_key(self._ecosystem, version)
        except InvalidVersion:
            return ()
        return self._equivalents.get(key, ())

    def _listed_verdict(self, listed: str) -> Verdict:
        """The affected verdict of a `versions` entry, one shared object per entry string."""
        found = self._listed.get(listed)
        if found is None:
            found = self._listed[listed] = _affected(Decision(listed=listed))
        return found

    def _walk(self, index: int, version: str, outcomes: dict[int, Verdict]) -> None:
        if index in outcomes:
            return
        verdict = self._entries[index].evaluate(version)
        if verdict.status is not Status.NOT_AFFECTED:
            outcomes[index] = verdict


def _affected(decision: Decision) -> Verdict:
    return Verdict(status=Status.AFFECTED, decision=decision)
