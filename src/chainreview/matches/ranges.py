"""Pure OSV evaluation of one `affected` entry against one version (OSV schema, §Evaluation).

A version is affected when it equals an entry of `versions` or lies in any range:

* `versions` entries are compared by normalised equality under the ecosystem's scheme
  (`1.0` equals `1.0.0` in PyPI), falling back to exact string equality when either side does
  not parse; the ecosystem suffix (`Debian:12`) only selects the scheme by its base name.
* `SEMVER` ranges order events by SemVer 2.0, `ECOSYSTEM` ranges by the ecosystem's scheme
  (`chainreview.components.versions`). Events are evaluated in version order whatever order
  the record lists them in, as the schema's `sorted(range.events)` requires; `introduced: "0"`
  sorts before every version (pre-releases of 0 included) and `limit: "*"` after every one.
  The schema does not say how events of *equal* versions are ordered; ours reads a range as
  the union of its intervals: where an interval is open below the version, the closing events
  there (`fixed`, `last_affected`) come first and an `introduced` there opens the next
  interval, so touching intervals join (`introduced 0, fixed 3.1.1, introduced 3.1.1,
  fixed 3.2.0` holds 3.1.1: pyspark's PYSEC-2023-72 lists its intervals so, and CVE-2023-32007
  does affect 3.1.1); where none is open, `introduced` comes first, so `introduced: 1.0,
  fixed: 1.0` is empty and `introduced: 1.0, last_affected: 1.0` holds 1.0 alone.
* The walk is the schema's: `introduced <= v` opens, `fixed <= v` closes, `last_affected < v`
  closes. `limit` events do not take part in the walk: when a range has any, the version must
  be below at least one of them (`BeforeLimits`).
* `GIT` ranges are skipped (a package version is not a commit; the schema asks records to
  enumerate those versions in `versions`), and skipping one never stops the other ranges.

A range whose events do not parse, or that the component version cannot be placed in, is
*undecidable*; if no other range or `versions` entry says affected the verdict is
indeterminate, with the reason.
"""

from __future__ import annotations

from bisect import bisect_left, bisect_right
from dataclasses import dataclass, field
from enum import StrEnum
from itertools import pairwise
from typing import Final

from chainreview.components.versions import InvalidVersion, Key, sort_key, supported
from chainreview.intel.osv_model import Affected, Event, EventKind, RangeType
from chainreview.matches.model import Decision

__all__ = [
    "CompiledAffected",
    "CompiledRange",
    "Position",
    "Regions",
    "Status",
    "Verdict",
    "affected_by",
    "compile_affected",
    "position",
]


class Status(StrEnum):
    """The outcome of evaluating one `affected` entry for one version."""

    AFFECTED = "affected"
    NOT_AFFECTED = "not_affected"
    INDETERMINATE = "indeterminate"


@dataclass(frozen=True, slots=True, kw_only=True)
class Verdict:
    """An outcome with the evidence that decided it (or the reason it could not be decided)."""

    status: Status
    decision: Decision = field(default_factory=Decision)
    reason: str = ""
    """Why the verdict is indeterminate (empty otherwise)."""


Position = tuple[int, Key]
"""A place on a version line: `(0, ())` before everything, `(1, key)`, `(2, ())` after all."""

_BOTTOM: Final[Position] = (0, ())
_TOP: Final[Position] = (2, ())
_TIE: Final = {
    EventKind.INTRODUCED: 0,
    EventKind.LAST_AFFECTED: 1,
    EventKind.FIXED: 2,
    EventKind.LIMIT: 3,
}
_CLOSING: Final = frozenset({EventKind.FIXED, EventKind.LAST_AFFECTED})


def position(scheme: str, version: str) -> Position:
    """Where `version` sits on `scheme`'s line (raises `InvalidVersion`)."""
    return (1, sort_key(scheme, version))


def _event_position(scheme: str, event: Event) -> Position:
    if event.kind is EventKind.INTRODUCED and event.version == "0":
        return _BOTTOM
    if event.kind is EventKind.LIMIT and event.version == "*":
        return _TOP
    return position(scheme, event.version)


@dataclass(frozen=True, slots=True)
class CompiledRange:
    """One SEMVER or ECOSYSTEM range, events sorted once; `error` when it cannot be used."""

    index: int
    type: RangeType
    scheme: str
    points: tuple[tuple[Position, int, Event], ...]
    """The non-limit events in evaluation order: (position, tie rank, event)."""
    limits: tuple[tuple[Position, Event], ...]
    error: str | None = None

    def walk(self, at: Position) -> tuple[bool, Decision]:
        """The schema's `BeforeLimits` and event walk for a version at `at`."""
        if self.limits and not any(at < limit for limit, _ in self.limits):
            return False, self._decision(tuple(event for _, event in self.limits))
        vulnerable = False
        opener: int | None = None
        closer: Event | None = None
        above: Event | None = None
        for i, (point, _, event) in enumerate(self.points):
            if point > at:  # no later event can fire: each needs v >= (or >) its version
                above = event
                break
            kind = event.kind
            if kind is EventKind.INTRODUCED:
                vulnerable, opener, closer = True, i, None
            elif kind is EventKind.FIXED or (kind is EventKind.LAST_AFFECTED and at > point):
                vulnerable, closer = False, event
        if vulnerable and opener is not None:
            return True, self._decision(self._interval(opener, at))
        # unaffected: the event that closed the interval below, else the next event above
        deciding = closer or above
        return False, self._decision(() if deciding is None else (deciding,))

    def _interval(self, opener: int, at: Position) -> tuple[Event, ...]:
        """The opening `introduced` and the event that ends its interval, if any."""
        start = self.points[opener][2]
        for _, _, event in self.points[opener + 1 :]:
            if event.kind in _CLOSING:
                return (start, event)
        bounding = sorted((limit, event) for limit, event in self.limits if at < limit)
        return (start, bounding[0][1]) if bounding else (start,)

    def _decision(self, events: tuple[Event, ...]) -> Decision:
        return Decision(range_index=self.index, range_type=self.type, events=events)

    def regions(self) -> Regions | None:
        """This range's verdicts as a table over its event positions (see `Regions`); None when
        it has `limit` events or could not be compiled (those are walked per version)."""
        if self.error is not None or self.limits:
            return None
        if len(self.points) == 2 and self.points[0][0] != self.points[1][0]:
            return self._one_interval()
        return self._walked_regions()

    def _walked_regions(self) -> Regions:
        positions: list[Position] = []
        exact: list[Decision | None] = []
        between: list[Decision | None] = [None]
        openers: dict[int, Decision] = {}

        def affected(opener: int | None) -> Decision | None:
            if opener is None:
                return None
            found = openers.get(opener)
            if found is None:
                found = openers[opener] = self._decision(self._interval(opener, _TOP))
            return found

        opener: int | None = None  # index of the `introduced` an affected version is past
        i = 0
        while i < len(self.points):
            at = self.points[i][0]
            group = i
            while group < len(self.points) and self.points[group][0] == at:
                group += 1
            # at the position itself a `last_affected` there does not close (v > it is needed)
            on = opener
            for j in range(i, group):
                kind = self.points[j][2].kind
                if kind is EventKind.INTRODUCED:
                    on = j
                elif kind is EventKind.FIXED:
                    on = None
            for j in range(i, group):  # just above it, every event there has fired
                opener = j if self.points[j][2].kind is EventKind.INTRODUCED else None
            positions.append(at)
            exact.append(affected(on))
            between.append(affected(opener))
            i = group
        return Regions(tuple(positions), tuple(exact), tuple(between))

    def _one_interval(self) -> Regions:
        """`regions` of the commonest range, two events at two versions (`introduced` then
        `fixed` or `last_affected`), without the general walk."""
        (low, _, first), (high, _, second) = self.points
        if first.kind is not EventKind.INTRODUCED:
            return self._walked_regions()
        decision = self._decision((first, second))
        if second.kind is EventKind.FIXED:
            return Regions((low, high), (decision, None), (None, decision, None))
        if second.kind is EventKind.LAST_AFFECTED:
            return Regions((low, high), (decision, decision), (None, decision, None))
        return self._walked_regions()


@dataclass(frozen=True, slots=True)
class Regions:
    """A range's verdict at and between its event positions, for lookups by bisection.

    `positions` are the range's distinct event positions in order; `exact[j]` is the decision
    for a version at `positions[j]` and `between[j]` for one strictly between `positions[j-1]`
    and `positions[j]` (`between[0]` below the first, `between[-1]` above the last); None means
    not affected. Equal to `CompiledRange.walk` for every version (a test holds them equal).
    """

    positions: tuple[Position, ...]
    exact: tuple[Decision | None, ...]
    between: tuple[Decision | None, ...]

    def at(self, position: Position) -> Decision | None:
        """The decision for a version at `position`."""
        j = bisect_left(self.positions, position)
        if j < len(self.positions) and self.positions[j] == position:
            return self.exact[j]
        return self.between[j]

    def above(self, position: Position | None) -> Decision | None:
        """The decision for versions just above `position` (None: below every position),
        where `position` is this range's or a finer table's position."""
        if position is None:
            return self.between[0]
        return self.between[bisect_right(self.positions, position)]


@dataclass(frozen=True, slots=True)
class CompiledAffected:
    """An `affected` entry prepared for repeated evaluation (events parsed and sorted once)."""

    ecosystem: str
    listed: tuple[str, ...]
    """The entry's `versions` list sorted as strings, for `lists` (a sorted tuple holds these
    thousands of strings in a seventh of a set's memory)."""
    versions: tuple[str, ...]
    """The entry's `versions` list, in record order."""
    ranges: tuple[CompiledRange, ...]
    _keys: list[dict[Key, str]] = field(default_factory=list, compare=False, repr=False)
    """`listed_keys()` once worked out (most look-ups find the version as a string first)."""

    def lists(self, version: str) -> bool:
        """Whether `version` is in the `versions` list as a string."""
        listed = self.listed
        i = bisect_left(listed, version)
        return i < len(listed) and listed[i] == version

    def listed_keys(self) -> dict[Key, str]:
        """Each parsed `versions` entry by key, the first listed string per key."""
        if not self._keys:
            keys: dict[Key, str] = {}
            if supported(self.ecosystem):
                for listed in self.versions:
                    try:
                        keys.setdefault(sort_key(self.ecosystem, listed), listed)
                    except InvalidVersion:
                        continue  # still compared as a string
            self._keys.append(keys)
        return self._keys[0]

    def evaluate(self, version: str) -> Verdict:
        """Decide whether `version` (of this entry's ecosystem) is affected; see the module doc."""
        listed = self._listed(version)
        if listed is not None:
            return Verdict(status=Status.AFFECTED, decision=Decision(listed=listed))
        problems: list[str] = []
        unaffected: Decision | None = None
        for compiled in self.ranges:
            if compiled.error is not None:
                problems.append(compiled.error)
                continue
            try:
                at = position(compiled.scheme, version)
            except InvalidVersion as exc:
                problems.append(f"version does not parse: {exc}")
                continue
            hit, decision = compiled.walk(at)
            if hit:
                return Verdict(status=Status.AFFECTED, decision=decision)
            if unaffected is None:
                unaffected = decision
        if problems:
            return Verdict(status=Status.INDETERMINATE, reason="; ".join(dict.fromkeys(problems)))
        return Verdict(status=Status.NOT_AFFECTED, decision=unaffected or Decision())

    def _listed(self, version: str) -> str | None:
        if self.lists(version):
            return version
        keys = self.listed_keys() if self.versions else None
        if keys:
            try:
                return keys.get(sort_key(self.ecosystem, version))
            except InvalidVersion:
                return None
        return None


def compile_affected(affected: Affected, ecosystem: str) -> CompiledAffected:
    """Prepare `affected` (an entry of `ecosystem`, suffix allowed) for `evaluate`."""
    ranges = tuple(
        _compile_range(index, r.type, r.events, ecosystem)
        for index, r in enumerate(affected.ranges)
        if r.type is not RangeType.GIT
    )
    return CompiledAffected(
        ecosystem=ecosystem,
        listed=tuple(sorted(affected.versions)),
        versions=affected.versions,
        ranges=ranges,
    )


def _compile_range(
    index: int, kind: RangeType, events: tuple[Event, ...], ecosystem: str
) -> CompiledRange:
    scheme = "SEMVER" if kind is RangeType.SEMVER else ecosystem
    try:
        placed = [(_event_position(scheme, event), _TIE[event.kind], event) for event in events]
    except InvalidVersion as exc:
        return CompiledRange(
            index, kind, scheme, (), (), error=f"advisory ranges[{index}] ({kind}) unusable: {exc}"
        )
    points = _tie_order(sorted((p for p in placed if p[2].kind is not EventKind.LIMIT), key=_order))
    limits = tuple(
        (position, event) for position, _, event in placed if event.kind is EventKind.LIMIT
    )
    return CompiledRange(index, kind, scheme, points, limits)


def _tie_order(
    points: list[tuple[Position, int, Event]],
) -> tuple[tuple[Position, int, Event], ...]:
    """Events of equal version reordered as the module doc says: closing events first where an
    interval is open below them, `introduced` first elsewhere (`points` sorted by `_order`)."""
    if all(a[0] != b[0] for a, b in pairwise(points)):
        return tuple(points)  # no two events at one version: nothing to reorder
    ordered: list[tuple[Position, int, Event]] = []
    vulnerable = False
    i = 0
    while i < len(points):
        end = i + 1
        while end < len(points) and points[end][0] == points[i][0]:
            end += 1
        group = points[i:end]
        if vulnerable:
            group.sort(key=lambda point: point[2].kind is EventKind.INTRODUCED)
        ordered.extend(group)
        for _, _, event in group:  # the state just above this version
            vulnerable = event.kind is EventKind.INTRODUCED
        i = end
    return tuple(ordered)


def _order(point: tuple[Position, int, Event]) -> tuple[Position, int]:
    return point[0], point[1]


def affected_by(affected: Affected, ecosystem: str, version: str) -> Verdict:
    """Evaluate one `affected` entry of `ecosystem` for `version` (compiles on every call)."""
    return compile_affected(affected, ecosystem).evaluate(version)
