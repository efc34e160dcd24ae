"""Compiled package indexes kept beside the snapshot, so a new process need not compile again.

A one-shot scan spends most of its matching time once per package: decoding the package's
entries, parsing and sorting their events, building the range tables and the listed-string
index, parsing listed strings to find other spellings of a version (docs/matching.md, "Where a
scan's time goes"). A snapshot never changes, so the result of that work never changes either,
as long as the code that did it does not: `CompiledStore` keeps each compiled package (as the
matcher left it, regions already worked out included) in a SQLite file beside the snapshot,
written by the scan that compiled it and read by the next one, like Python's own `__pycache__`.
The same file keeps the alias groups a scan walked (complete ones) and, for the layers above,
plain values under a kind that names the code that made them (`values`: the findings' record
facts).

The file's name carries a fingerprint of this format, the Python version and the source of
every module whose code decides what a compiled package holds; any change to one of them names
another file, so a stale index is never read (`collect_garbage` of the snapshot removes the old
files with their snapshot). Packages are stored as plain tuples written by `marshal` (no
`pickle`: nothing in the file can name code to run); a row that does not decode is ignored and
the package compiled again. The store is an optimisation only: when its file cannot be opened,
read or written (a read-only data folder, a locked file), matching goes on without it, with the
same results.
"""

from __future__ import annotations

import hashlib
import marshal
import sqlite3
import sys
from collections.abc import Iterable, Mapping, Sequence, Sized
from functools import lru_cache
from pathlib import Path
from typing import Any, Final

import orjson

from chainreview.intel.osv_model import Affected, Event, EventKind, Package, Range, RangeType
from chainreview.intel.osv_model import Severity as OsvSeverity
from chainreview.intel.snapshot import PackageAdvisory
from chainreview.matches.aliases import MAX_GROUP
from chainreview.matches.model import Decision
from chainreview.matches.package_index import CompiledPackage, PackageIndex, SchemeLine
from chainreview.matches.ranges import CompiledAffected, CompiledRange, Regions, Status, Verdict
from chainreview.slots import slot_constructor
from chainreview.sql_batches import batches, marks

__all__ = ["FORMAT", "CompiledStore", "fingerprint", "source_fingerprint"]

FORMAT: Final = 1
"""Version of the stored tuples' layout."""

_SOURCES: Final = (
    "chainreview.matches.compiled_store",
    "chainreview.matches.aliases",
    "chainreview.matches.package_index",
    "chainreview.matches.ranges",
    "chainreview.matches.local",
    "chainreview.matches.model",
    "chainreview.intel.osv_model",
    "chainreview.intel.snapshot",
    "chainreview.intel.names",
)
_SOURCE_PACKAGES: Final = ("chainreview.components.versions",)

_SCHEMA: Final = (
    "CREATE TABLE IF NOT EXISTS packages(ecosystem TEXT NOT NULL, name TEXT NOT NULL, "
    "body BLOB NOT NULL, PRIMARY KEY(ecosystem, name))",
    "CREATE TABLE IF NOT EXISTS groups(id TEXT PRIMARY KEY, members BLOB NOT NULL)",
    "CREATE TABLE IF NOT EXISTS facts(kind TEXT NOT NULL, key TEXT NOT NULL, "
    "body BLOB NOT NULL, PRIMARY KEY(kind, key))",
)
"""Rowid tables: bodies of kilobytes sit badly in a WITHOUT ROWID b-tree."""
_UNUSABLE: Final = (sqlite3.Error, OSError, ValueError, EOFError, TypeError, IndexError, KeyError)
"""What a missing, locked, foreign or damaged file can raise; each means "compile instead"."""


@lru_cache(maxsize=1)
def fingerprint() -> str:
    """A digest of the store format, the Python version (`marshal` is version-specific) and the
    source of the modules that decide what a compiled package holds."""
    files = [Path(_module_file(name)) for name in _SOURCES]
    for name in _SOURCE_PACKAGES:
        files.extend(sorted(Path(_module_file(name)).parent.glob("*.py")))
    return source_fingerprint(f"chainreview-compiled\x00{FORMAT}\x00{sys.version}", files)


def source_fingerprint(label: str, files: Iterable[Path]) -> str:
    """A digest of `label` and the names and bytes of `files` (for `values` kinds that depend
    on code outside this module)."""
    digest = hashlib.sha256(label.encode())
    for path in files:
        digest.update(b"\x00" + path.name.encode() + b"\x00" + path.read_bytes())
    return digest.hexdigest()


def _module_file(name: str) -> str:
    __import__(name)
    found = sys.modules[name].__file__
    if found is None:  # pragma: no cover - a namespace package; ours all have files
        raise RuntimeError(f"{name} has no source file")
    return found


class CompiledStore:
    """What scans of one snapshot file compiled and worked out (packages, alias groups, other
    layers' values), read and written on demand."""

    def __init__(self, snapshot_path: Path) -> None:
        self.path = snapshot_path.with_name(f"{snapshot_path.name}.compiled-{fingerprint()[:16]}")
        self._db: sqlite3.Connection | None = None
        self._usable = True

    def get(self, ecosystem: str, name: str) -> CompiledPackage | None:
        """The stored compiled package, or None (not stored, unreadable, or no store)."""
        db = self._connection(create=False)
        if db is None:
            return None
        try:
            row = db.execute(
                "SELECT body FROM packages WHERE ecosystem = ? AND name = ?", (ecosystem, name)
            ).fetchone()
            return None if row is None else _decode(ecosystem, marshal.loads(row[0]))
        except _UNUSABLE:
            return None  # this row is damaged or foreign: the package is compiled again

    def put(self, packages: Iterable[tuple[tuple[str, str], CompiledPackage]]) -> None:
        """Keep `packages` ((ecosystem, name), compiled package) for later processes."""
        items = list(packages)
        db = self._writable(items)
        if db is None:
            return  # nothing to keep, or nowhere to keep it: nothing encoded
        rows: list[tuple[Any, ...]] = []
        for (ecosystem, name), package in items:
            try:
                rows.append((ecosystem, name, marshal.dumps(_encode(package))))
            except ValueError:  # a version key marshal cannot write: compiled each time
                continue
        insert = "INSERT OR IGNORE INTO packages(ecosystem, name, body) VALUES (?, ?, ?)"
        self._write(db, insert, rows)

    def groups(self, ids: Sequence[str]) -> dict[str, tuple[str, ...]]:
        """The stored alias groups (`matches.aliases`) of those of `ids` that have one."""
        db = self._connection(create=False)
        found: dict[str, tuple[str, ...]] = {}
        if db is None:
            return found
        try:
            for batch in batches(ids):
                query = f"SELECT id, members FROM groups WHERE id IN ({marks(batch)})"
                for identifier, members in db.execute(query, batch):
                    group = marshal.loads(members)
                    if type(group) is tuple and identifier in group:
                        found[identifier] = group
        except _UNUSABLE:
            return {}
        return found

    def keep_groups(self, groups: Mapping[str, tuple[str, ...]]) -> None:
        """Keep alias groups worked out here: complete connected components only (a walk cut
        short at `aliases.MAX_GROUP` depends on where it started, so it is not kept)."""
        whole = {i: g for i, g in groups.items() if len(g) <= MAX_GROUP}
        db = self._writable(whole)
        if db is not None:
            rows = [(i, marshal.dumps(g)) for i, g in whole.items()]
            self._write(db, "INSERT OR IGNORE INTO groups(id, members) VALUES (?, ?)", rows)

    def values(self, kind: str, keys: Iterable[Any]) -> dict[Any, Any]:
        """Plain values (`marshal` types) kept under `kind` for those of `keys` that have one.

        For the layers above: `kind` must name the code that made the values (a fingerprint of
        its source, see `source_fingerprint`), as the store's own name covers only this
        module's; the caller checks the values' shape."""
        db = self._connection(create=False)
        found: dict[Any, Any] = {}
        if db is None:
            return found
        by_text = {_key_text(key): key for key in keys}
        try:
            for batch in batches(by_text):
                query = f"SELECT key, body FROM facts WHERE kind = ? AND key IN ({marks(batch)})"
                for text, body in db.execute(query, (kind, *batch)):
                    found[by_text[text]] = marshal.loads(body)
        except _UNUSABLE:
            return {}
        return found

    def keep_values(self, kind: str, values: Mapping[Any, Any]) -> None:
        """Keep plain `values` (key → value, both `marshal` types) under `kind`."""
        db = self._writable(values)
        if db is None:
            return
        try:
            rows = [(kind, _key_text(k), marshal.dumps(v)) for k, v in values.items()]
        except (ValueError, TypeError):
            return
        self._write(db, "INSERT OR IGNORE INTO facts(kind, key, body) VALUES (?, ?, ?)", rows)

    def _writable(self, items: Sized) -> sqlite3.Connection | None:
        """The connection to write `items` with, or None when there are none (no file made
        for nothing) or the store cannot be written (then nothing is encoded)."""
        return self._connection(create=True) if len(items) else None

    def _write(self, db: sqlite3.Connection, statement: str, rows: list[tuple[Any, ...]]) -> None:
        try:
            with db:
                db.executemany(statement, rows)
        except _UNUSABLE:
            self._usable = False  # not writable now (read-only, locked): run without it

    def close(self) -> None:
        """Close the file (the store can be used again: it reopens on demand)."""
        if self._db is not None:
            self._db.close()
            self._db = None

    def _connection(self, *, create: bool) -> sqlite3.Connection | None:
        if not self._usable:
            return None
        if self._db is None:
            if not create and not self.path.is_file():
                return None
            try:
                db = sqlite3.connect(self.path, timeout=0.05, isolation_level=None)
                # a cache: a write-ahead log, not synced at every commit (a crash may lose the
                # last writes, never the file's consistency)
                db.execute("PRAGMA journal_mode = WAL")
                db.execute("PRAGMA synchronous = NORMAL")
                db.execute("PRAGMA cache_size = -256")  # rows are read once: 256 KiB will do
                for statement in _SCHEMA:
                    db.execute(statement)
            except _UNUSABLE:
                self._usable = False
                return None
            self._db = db
        return self._db


def _key_text(key: Any) -> str:
    """A `values` key as canonical JSON text (`marshal` bytes depend on object sharing)."""
    return orjson.dumps(key).decode()


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
        FORMAT,
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


def _decode(ecosystem: str, plain: tuple[Any, ...]) -> CompiledPackage:
    version, events_plain, decisions_plain, verdicts_plain, entries_plain, compiled_plain = plain[
        :6
    ]
    lines_plain, state_plain = plain[6:8]
    if version != FORMAT:
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
