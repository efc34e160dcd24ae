"""Everything the layers above work out from one snapshot, kept while it is open and in one
file beside it for the next process (`Snapshot.derived`).

A snapshot never changes, so what is computed from it changes only when the code computing it
does. Each kind of derived data is a `Kind`: its name, the modules whose code decides its
values, and how a value becomes plain data (`marshal` types: tuples, strings, numbers, bytes,
dicts; never `pickle`, so nothing in the file can name code to run) and back. Values are kept
in one SQLite file beside the snapshot (`<snapshot>.derived-<layout>`), each row under its
kind, its key (canonical JSON) and the fingerprint of its kind's code (`Kind.fingerprint`: the
Python version and the source of those modules); a row of another fingerprint is never read,
and is replaced when the value is written again. `collect_garbage` of the snapshots removes the
file with its snapshot. What is only worth keeping in memory (objects that are not data, or
cheap to read again) is `held`: made on first use, dropped when the snapshot closes.

The file is an optimisation only: when it cannot be created, read or written (a read-only data
folder, a lock held by another process, a damaged row) the caller works the value out again,
with the same result.
"""

from __future__ import annotations

import hashlib
import marshal
import sqlite3
import sys
from collections.abc import Callable, Hashable, Iterable, Mapping
from dataclasses import dataclass
from functools import cached_property
from pathlib import Path
from typing import Any, Final, Generic, TypeVar, cast

import orjson

from chainreview.sql_batches import batches, marks

__all__ = ["Derived", "Held", "Kind"]

K = TypeVar("K", bound=Hashable)
V = TypeVar("V")
T = TypeVar("T")

_LAYOUT: Final = 1
"""Version of the file's tables (part of its name)."""
_SCHEMA: Final = (
    "CREATE TABLE IF NOT EXISTS derived(kind TEXT NOT NULL, key TEXT NOT NULL, "
    "fingerprint TEXT NOT NULL, body BLOB NOT NULL, PRIMARY KEY(kind, key))"
)
"""A rowid table: bodies of kilobytes sit badly in a WITHOUT ROWID b-tree."""
_UPSERT: Final = (
    "INSERT INTO derived(kind, key, fingerprint, body) VALUES (?, ?, ?, ?) "
    "ON CONFLICT(kind, key) DO UPDATE SET fingerprint = excluded.fingerprint, "
    "body = excluded.body WHERE fingerprint != excluded.fingerprint OR body != excluded.body"
)
"""A row as written, unless the same one is there already: a scan that keeps again what it
found (or values its callers never read back) writes no page, so closing the file has no
write-ahead log to fold back in."""
_UNUSABLE: Final = (sqlite3.Error, OSError, ValueError, EOFError, TypeError, IndexError, KeyError)
"""What a missing, locked, foreign or damaged file or row can raise; each means "work it out"."""


@dataclass(frozen=True, eq=False)
class Kind(Generic[K, V]):
    """A kind of data derived from a snapshot and kept beside it: values `V` under keys `K`
    (JSON-able: strings, numbers, tuples of them)."""

    name: str
    modules: tuple[str, ...]
    """The modules whose code decides the values (their source is fingerprinted)."""
    encode: Callable[[V], Any]
    """A value as plain `marshal` data."""
    decode: Callable[[K, Any], V]
    """The value under a key back; raises (`ValueError`, `TypeError`, `KeyError`,
    `IndexError`) when the data is not what `encode` writes."""
    packages: tuple[str, ...] = ()
    """Packages whose every module decides the values too."""

    @cached_property
    def fingerprint(self) -> str:
        """A digest of the name, the Python version (`marshal` is version-specific) and the
        source of `modules` and `packages`."""
        files = [_source(name) for name in self.modules]
        for name in self.packages:
            files.extend(sorted(_source(name).parent.glob("*.py")))
        digest = hashlib.sha256(f"{self.name}\x00{sys.version}".encode())
        for path in files:
            digest.update(b"\x00" + path.name.encode() + b"\x00" + path.read_bytes())
        return digest.hexdigest()[:16]


@dataclass(frozen=True, eq=False)
class Held(Generic[T]):
    """A value held in memory while the snapshot is open (`Derived.held`), never written."""

    name: str


class Derived:
    """The data derived from the snapshot file `snapshot_path`: held in memory while it is open,
    kept in the file beside it; read and written on demand."""

    def __init__(self, snapshot_path: Path) -> None:
        self.path = snapshot_path.with_name(f"{snapshot_path.name}.derived-{_LAYOUT}")
        self._held: dict[Held[Any], Any] = {}
        self._db: sqlite3.Connection | None = None
        self._usable = True

    def held(self, slot: Held[T], make: Callable[[], T]) -> T:
        """The value of `slot`, made by `make` the first time it is asked for."""
        try:
            return cast("T", self._held[slot])
        except KeyError:
            value = self._held[slot] = make()
            return value

    def get(self, kind: Kind[K, V], key: K) -> V | None:
        """The kept value of `kind` under `key`, or None (not kept, unreadable, or no file)."""
        db = self._connection(create=False)
        if db is None:
            return None
        try:
            row = db.execute(
                "SELECT body FROM derived WHERE kind = ? AND key = ? AND fingerprint = ?",
                (kind.name, _key_text(key), kind.fingerprint),
            ).fetchone()
            if row is None:
                return None
            plain = marshal.loads(row[0])
            del row  # the stored bytes go before the value is built (a screening index: MBs)
            return kind.decode(key, plain)
        except _UNUSABLE:
            return None  # damaged or foreign: worked out again

    def get_many(self, kind: Kind[K, V], keys: Iterable[K]) -> dict[K, V]:
        """The kept values of `kind` for those of `keys` that have one, in a few queries."""
        found: dict[K, V] = {}
        db = self._connection(create=False)
        if db is None:
            return found
        by_text = {_key_text(key): key for key in keys}
        try:
            for batch in batches(by_text):
                rows = db.execute(
                    "SELECT key, body FROM derived WHERE kind = ? AND fingerprint = ? "
                    f"AND key IN ({marks(batch)})",
                    (kind.name, kind.fingerprint, *batch),
                )
                for text, body in rows:
                    key = by_text[text]
                    try:
                        found[key] = kind.decode(key, marshal.loads(body))
                    except _UNUSABLE:
                        continue  # this row is damaged or foreign: worked out again
        except _UNUSABLE:
            return {}
        return found

    def put(self, kind: Kind[K, V], values: Mapping[K, V]) -> None:
        """Keep `values` of `kind` for later processes (a value `encode` or `marshal` cannot
        write is left out: worked out each time)."""
        if not values:
            return  # no file made for nothing, nothing encoded
        db = self._connection(create=True)
        if db is None:
            return
        fingerprint = kind.fingerprint
        rows = []
        for key, value in values.items():
            try:
                body = marshal.dumps(kind.encode(value))
                rows.append((kind.name, _key_text(key), fingerprint, body))
            except (ValueError, TypeError):
                continue
        try:
            with db:
                db.executemany(_UPSERT, rows)
        except _UNUSABLE:
            self._usable = False  # not writable now (read-only, locked): run without it

    def close(self) -> None:
        """Drop what is held and close the file; both come back on demand (and a file that
        could not be used is tried again)."""
        self._held.clear()
        if self._db is not None:
            self._db.close()
            self._db = None
        self._usable = True

    def _connection(self, *, create: bool) -> sqlite3.Connection | None:
        if not self._usable:
            return None
        if self._db is None:
            if not create and not self.path.is_file():
                return None
            try:
                db = sqlite3.connect(self.path, timeout=0.05, isolation_level=None)
            except _UNUSABLE:
                self._usable = False
                return None
            try:
                # a cache: a write-ahead log, not synced at every commit (a crash may lose the
                # last writes, never the file's consistency)
                db.execute("PRAGMA journal_mode = WAL")
                db.execute("PRAGMA synchronous = NORMAL")
                db.execute("PRAGMA cache_size = -256")  # rows are read once: 256 KiB will do
                db.execute(_SCHEMA)
            except _UNUSABLE:
                db.close()
                self._usable = False
                return None
            self._db = db
        return self._db


def _key_text(key: Hashable) -> str:
    """A key as canonical JSON text (`marshal` bytes depend on object sharing)."""
    return orjson.dumps(key).decode()


def _source(name: str) -> Path:
    """The source file of the named module (imported on demand)."""
    __import__(name)
    found = sys.modules[name].__file__
    if found is None:  # pragma: no cover - a namespace package; ours all have files
        raise RuntimeError(f"{name} has no source file")
    return Path(found)
