"""Records of one feed input kept in a private temporary SQLite database instead of in memory.

A feed can hold millions of records (an EPSS file, an osv.dev dump). Its reader stores each
record here as it is read, so what an import holds in memory follows one record, not the feed.
SQLite keeps such a database in a small page cache and spills it to a temporary file that it
removes from the folder as soon as it is created, so nothing is left behind, even when the
process is killed.

A `Spool` is a `Sequence` of records, each key once: in key order or in the order first added.
`decode` rebuilds a record from its key and the bytes it was stored as.
"""

from __future__ import annotations

import sqlite3
from collections.abc import Callable, Iterator, Sequence
from typing import Final, Generic, TypeVar, overload

from chainreview.intel.interface import Record
from chainreview.sql_batches import batches, marks

RecordT = TypeVar("RecordT", bound=Record)

_CACHE_KIB: Final = 16 * 1024
"""SQLite page cache of one spool, in KiB (beyond it, pages go to the temporary file)."""


class Spool(Sequence[RecordT], Generic[RecordT]):
    """Records stored by key, each key once (see the module doc)."""

    def __init__(
        self,
        decode: Callable[[str, bytes], RecordT],
        *,
        by_key: bool = False,
        canonical: bool = False,
    ) -> None:
        self._decode = decode
        self.canonical = canonical
        """Each body is the record's canonical JSON (sorted keys), as a snapshot stores it."""
        self._order = "key" if by_key else "seq"
        self._db = sqlite3.connect("", isolation_level=None)  # "": private, on disk, self-deleting
        self._db.executescript(
            f"PRAGMA journal_mode=OFF; PRAGMA synchronous=OFF; PRAGMA cache_size=-{_CACHE_KIB};"
            "CREATE TABLE spool(seq INTEGER PRIMARY KEY, key TEXT NOT NULL UNIQUE,"
            " rank TEXT NOT NULL, body BLOB NOT NULL);"
        )
        self._db.execute("BEGIN")  # one transaction while it fills; nothing needs to survive
        self._count = 0

    def add_latest(self, items: Sequence[tuple[str, bytes, str]]) -> list[tuple[int, str]]:
        """Store each (key, body, rank) of `items` in one go, keeping for a key the record of
        the highest rank (an OSV record modified later; the first of equal ranks); return, for
        each item whose key was held before or given earlier in `items`, its position and the
        rank of the record kept."""
        keys = [key for key, _, _ in items]
        seen = self._held(keys)
        self._db.executemany(
            "INSERT INTO spool(key, rank, body) VALUES (?, ?, ?) ON CONFLICT(key) DO UPDATE "
            "SET rank = excluded.rank, body = excluded.body WHERE excluded.rank > spool.rank",
            [(key, rank, body) for key, body, rank in items],
        )
        again: list[int] = []
        for position, key in enumerate(keys):
            if key in seen:
                again.append(position)
            else:
                seen.add(key)
                self._count += 1
        if not again:
            return []
        ranks = self._ranks([keys[position] for position in again])
        return [(position, ranks[keys[position]]) for position in again]

    def _held(self, keys: list[str]) -> set[str]:
        return set(self._ranks(keys))

    def _ranks(self, keys: list[str]) -> dict[str, str]:
        """The rank of each of `keys` held."""
        found: dict[str, str] = {}
        for chunk in batches(keys):
            found.update(
                self._db.execute(
                    f"SELECT key, rank FROM spool WHERE key IN ({marks(chunk)})", chunk
                )
            )
        return found

    def add_first(self, items: Sequence[tuple[str, bytes]]) -> list[int]:
        """Store each (key, body) of `items` whose key is not held yet, in one go; return the
        positions in `items` of those left out (a key held before, or given earlier in `items`:
        the first is kept)."""
        (start,) = self._db.execute("SELECT IFNULL(MAX(seq), 0) + 1 FROM spool").fetchone()
        before = self._db.total_changes
        self._db.executemany(
            "INSERT OR IGNORE INTO spool(seq, key, rank, body) VALUES (?, ?, '', ?)",
            [(start + position, key, body) for position, (key, body) in enumerate(items)],
        )
        stored = self._db.total_changes - before
        self._count += stored
        if stored == len(items):
            return []
        keys = [key for key, _ in items]
        held: dict[str, int] = {}
        for chunk in batches(keys):
            held.update(
                self._db.execute(f"SELECT key, seq FROM spool WHERE key IN ({marks(chunk)})", chunk)
            )
        return [position for position, key in enumerate(keys) if held[key] != start + position]

    def __len__(self) -> int:
        return self._count

    def __iter__(self) -> Iterator[RecordT]:
        return (record for record, _ in self.with_bodies())

    def with_bodies(self) -> Iterator[tuple[RecordT, bytes]]:
        """Each record with the bytes it was stored as, in order."""
        for key, body in self._db.execute(f"SELECT key, body FROM spool ORDER BY {self._order}"):
            yield self._decode(key, body), body

    @overload
    def __getitem__(self, index: int) -> RecordT: ...

    @overload
    def __getitem__(self, index: slice) -> Sequence[RecordT]: ...

    def __getitem__(self, index: int | slice) -> RecordT | Sequence[RecordT]:
        if isinstance(index, slice):
            return tuple(self)[index]
        position = index + self._count if index < 0 else index
        if not 0 <= position < self._count:
            raise IndexError(index)
        key, body = self._db.execute(
            f"SELECT key, body FROM spool ORDER BY {self._order} LIMIT 1 OFFSET ?", (position,)
        ).fetchone()
        return self._decode(key, body)

    def __eq__(self, other: object) -> bool:
        """Equal to any sequence of the same records in the same order."""
        if not isinstance(other, Sequence) or isinstance(other, str | bytes):
            return NotImplemented
        return len(self) == len(other) and all(a == b for a, b in zip(self, other, strict=True))

    __hash__ = None  # type: ignore[assignment]

    def __repr__(self) -> str:
        return f"Spool({self._count} records)"
