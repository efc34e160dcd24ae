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

    def __init__(self, decode: Callable[[str, bytes], RecordT], *, by_key: bool = False) -> None:
        self._decode = decode
        self._order = "key" if by_key else "seq"
        self._db = sqlite3.connect("", isolation_level=None)  # "": private, on disk, self-deleting
        self._db.executescript(
            f"PRAGMA journal_mode=OFF; PRAGMA synchronous=OFF; PRAGMA cache_size=-{_CACHE_KIB};"
            "CREATE TABLE spool(seq INTEGER PRIMARY KEY, key TEXT NOT NULL UNIQUE,"
            " rank TEXT NOT NULL, body BLOB NOT NULL);"
        )
        self._db.execute("BEGIN")  # one transaction while it fills; nothing needs to survive
        self._count = 0

    def add(self, key: str, body: bytes, rank: str = "") -> str | None:
        """Store a record under `key`; return None when the key is new.

        For a key already held, the stored record is replaced when `rank` is higher (an OSV
        record modified later) and kept otherwise; the rank of the one kept is returned.
        """
        inserted = self._db.execute(
            "INSERT OR IGNORE INTO spool(key, rank, body) VALUES (?, ?, ?)", (key, rank, body)
        ).rowcount
        if inserted:
            self._count += 1
            return None
        (held,) = self._db.execute("SELECT rank FROM spool WHERE key = ?", (key,)).fetchone()
        if rank <= held:
            return str(held)
        self._db.execute("UPDATE spool SET rank = ?, body = ? WHERE key = ?", (rank, body, key))
        return rank

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
        for key, body in self._db.execute(f"SELECT key, body FROM spool ORDER BY {self._order}"):
            yield self._decode(key, body)

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
