"""Compiled package indexes as plain data, kept beside the snapshot so a new process need not
compile them again (`COMPILED_PACKAGES`, a kind of `Snapshot.derived`).

A one-shot scan spends most of its matching time once per package: decoding the package's
entries, parsing and sorting their events, building the range tables and the listed-string
index, parsing listed strings to find other spellings of a version (docs/matching.md, "Where a
scan's time goes"). A snapshot never changes, so the result of that work never changes either,
as long as the code that did it does not: each compiled package (as the matcher left it,
regions already worked out included) is kept in the snapshot's derived file, written by the
scan that compiled it and read by the next one, like Python's own `__pycache__`. The kind's
fingerprint covers the source of every module whose code decides what a compiled package
holds, so a package compiled by other code is never read. A package is one tuple of tuples,
strings, numbers and dicts; one that does not decode is compiled again.
"""

from __future__ import annotations

from typing import Any, Final

from chainreview.intel.derived import Kind
from chainreview.intel.osv_model import Affected, Event, EventKind, Package, Range, RangeType
from chainreview.intel.osv_model import Severity as OsvSeverity
from chainreview.intel.snapshot import PackageAdvisory
from chainreview.matches.model import Decision
from chainreview.matches.package_index import CompiledPackage, PackageIndex, SchemeLine
from chainreview.matches.ranges import CompiledAffected, CompiledRange, Regions, Status, Verdict
from chainreview.slots import slot_constructor

__all__ = ["COMPILED_PACKAGES"]

_FORMAT: Final = 1
"""Version of the plain tuples' layout."""


# --- the plain form --------------------------------------------------------------------------
#
# One compiled package becomes one tuple of tuples, strings, numbers and dicts. Events,
# decisions and verdicts are shared between the parts of a compiled package (a region's verdict
# names the decision a range table holds), so each is written once into a table and referred to
# by its index; sharing is kept on the way back, which the findings' per-decision evidence
# cache relies on.


class _Tables:
    """Events, decisions and verdicts of one package, each written once (by identity, which is
    stable while the package being encoded holds them all; verdicts by value, as every region
    holding one decision has an equal verdict of its own)."""

    def __init__(self) -> None:
        self.events: list[tuple[str, str]] = []
        self.decisions: list[tuple[Any, ...]] = []
        self.verdicts: list[tuple[Any, ...]] = []
        self._events: dict[int, int] = {}
        self._decisions: dict[int, int] = {}
        self._verdicts: dict[tuple[Any, ...], int] = {}

    def event(self, event: Event) -> int:
        found = self._events.get(id(event))
        if found is None:
            found = self._events[id(event)] = len(self.events)
            self.events.append((event.kind.value, event.version))
        return found

    def decision(self, decision: Decision | None) -> int:
        if decision is None:
            return -1
        found = self._decisions.get(id(decision))
        if found is None:
            found = self._decisions[id(decision)] = len(self.decisions)
            range_type = decision.range_type
            self.decisions.append(
                (
                    decision.listed,
                    decision.range_index,
                    None if range_type is None else range_type.value,
                    tuple([self.event(e) for e in decision.events]),
                )
            )
        return found

    def verdict(self, verdict: Verdict) -> int:
        plain = (verdict.status.value, self.decision(verdict.decision), verdict.reason)
        found = self._verdicts.get(plain)
        if found is None:
            found = self._verdicts[plain] = len(self.verdicts)
            self.verdicts.append(plain)
        return found


def _encode(package: CompiledPackage) -> tuple[Any, ...]:
    tables = _Tables()
    index = package.index
    entries = tuple(
        (
            entry.advisory_id,
            entry.withdrawn,
            entry.affected_index,
            _encode_affected(entry.affected, tables),
        )
        for entry in package.entries
    )
    compiled = tuple(
        (
            c.listed,
            tuple(
                (
                    r.index,
                    r.type.value,
                    r.scheme,
                    tuple((at, tie, tables.event(e)) for at, tie, e in r.points),
                    tuple((at, tables.event(e)) for at, e in r.limits),
                    r.error,
                )
                for r in c.ranges
            ),
        )
        for c in index.compiled
    )
    lines = tuple(
        (
            line.scheme,
            tuple(
                (
                    entry_index,
                    tuple(
                        (
                            t.positions,
                            tuple(tables.decision(d) for d in t.exact),
                            tuple(tables.decision(d) for d in t.between),
                        )
                        for t in regions
                    ),
                )
                for entry_index, regions in line.entries
            ),
            line.positions,
            {
                region: tuple((i, tables.verdict(v)) for i, v in hits)
                for region, hits in line.regions.items()
            },
        )
        for line in index.lines
    )
    state = index.state()
    listed = {string: tables.verdict(v) for string, v in state.listed.items()}
    return (
        _FORMAT,
        tuple(tables.events),
        tuple(tables.decisions),
        tuple(tables.verdicts),
        entries,
        compiled,
        lines,
        (state.listing, state.walked, state.by_listed, state.equivalents, listed),
    )


def _encode_affected(affected: Affected, tables: _Tables) -> tuple[Any, ...]:
    package = affected.package
    return (
        None if package is None else (package.ecosystem, package.name, package.purl),
        tuple(
            (r.type.value, r.repo, tuple(tables.event(e) for e in r.events))
            for r in affected.ranges
        ),
        affected.versions,
        tuple((s.type, s.score) for s in affected.severity),
    )


def _decode(key: tuple[str, str], plain: tuple[Any, ...]) -> CompiledPackage:
    ecosystem = key[0]
    version, events_plain, decisions_plain, verdicts_plain, entries_plain, compiled_plain = plain[
        :6
    ]
    lines_plain, state_plain = plain[6:8]
    if version != _FORMAT:
        raise ValueError(f"stored format {version!r}")
    kinds, types, statuses = _EVENT_KINDS, _RANGE_TYPES, _STATUSES
    events = [_new_event(kinds[kind], text) for kind, text in events_plain]
    decisions = [
        _new_decision(
            listed,
            range_index,
            None if range_type is None else types[range_type],
            tuple([events[i] for i in event_indexes]),
        )
        for listed, range_index, range_type, event_indexes in decisions_plain
    ]
    verdicts = [
        _new_verdict(statuses[status], decisions[d] if d >= 0 else Decision(), reason)
        for status, d, reason in verdicts_plain
    ]
    entries = tuple(
        [
            PackageAdvisory(
                advisory_id=advisory_id,
                withdrawn=withdrawn,
                affected_index=affected_index,
                affected=_decode_affected(affected, events),
            )
            for advisory_id, withdrawn, affected_index, affected in entries_plain
        ]
    )
    compiled = [
        CompiledAffected(
            ecosystem=ecosystem,
            listed=listed,
            versions=entry.affected.versions,
            ranges=tuple(
                [
                    CompiledRange(
                        index,
                        types[kind],
                        scheme,
                        tuple([(at, tie, events[e]) for at, tie, e in points]),
                        tuple([(at, events[e]) for at, e in limits]),
                        error,
                    )
                    for index, kind, scheme, points, limits, error in ranges
                ]
            ),
        )
        for (listed, ranges), entry in zip(compiled_plain, entries, strict=True)
    ]

    def decision(i: int) -> Decision | None:
        return decisions[i] if i >= 0 else None

    lines = [
        SchemeLine(
            scheme,
            tuple(
                [
                    (
                        entry_index,
                        tuple(
                            [
                                Regions(
                                    positions,
                                    tuple([decision(d) for d in exact]),
                                    tuple([decision(d) for d in between]),
                                )
                                for positions, exact, between in tables
                            ]
                        ),
                    )
                    for entry_index, tables in members
                ]
            ),
            positions,
            {
                region: tuple([(i, verdicts[v]) for i, v in hits])
                for region, hits in regions.items()
            },
        )
        for scheme, members, positions, regions in lines_plain
    ]
    listing, walked, by_listed, equivalents, listed = state_plain
    index = PackageIndex.restored(
        ecosystem,
        compiled,
        lines,
        PackageIndex.State(
            listing=listing,
            walked=walked,
            by_listed=by_listed,
            equivalents=equivalents,
            listed={string: verdicts[v] for string, v in listed.items()},
        ),
    )
    return CompiledPackage(entries, index)


def _decode_affected(plain: tuple[Any, ...], events: list[Event]) -> Affected:
    package, ranges, versions, severity = plain
    return Affected(
        package=None
        if package is None
        else Package(ecosystem=package[0], name=package[1], purl=package[2]),
        ranges=tuple(
            [
                Range(
                    type=_RANGE_TYPES[kind],
                    repo=repo,
                    events=tuple([events[e] for e in event_indexes]),
                )
                for kind, repo, event_indexes in ranges
            ]
        ),
        versions=versions,
        severity=tuple([OsvSeverity(type=kind, score=score) for kind, score in severity]),
    )


_new_event: Final = slot_constructor(Event)
_new_decision: Final = slot_constructor(Decision)
_new_verdict: Final = slot_constructor(Verdict)
_EVENT_KINDS: Final = {kind.value: kind for kind in EventKind}
_RANGE_TYPES: Final = {kind.value: kind for kind in RangeType}
_STATUSES: Final = {status.value: status for status in Status}


COMPILED_PACKAGES: Final = Kind[tuple[str, str], CompiledPackage](
    name="compiled-packages",
    modules=(
        "chainreview.matches.compiled_form",
        "chainreview.matches.package_index",
        "chainreview.matches.ranges",
        "chainreview.matches.local",
        "chainreview.matches.model",
        "chainreview.intel.osv_model",
        "chainreview.intel.snapshot",
        "chainreview.intel.names",
    ),
    packages=("chainreview.components.versions",),
    encode=_encode,
    decode=_decode,
)
"""Each package's compiled index under its (OSV ecosystem, normalised name)."""
