"""A bounded, thread-safe memo an open `Store` keeps of what it computed from rows that never
change under their key.

A key must name everything the value depends on as the database holds it now: a case's id and
its lock version (which every recorded action moves), a round's case id and number (a round is
never changed once written). The key is read from the database in the same transaction as any
row the value is computed from, so an entry is used only while the rows it came from are still
the current ones; after a change the key differs, the old entry is never asked for again and
ages out. Several processes on one PostgreSQL database each keep their own memo, all correct
for the same reason. The least recently used entries are dropped beyond `size`.
"""

from __future__ import annotations

import threading
from collections import OrderedDict
from collections.abc import Callable, Hashable
from typing import Final, TypeVar

T = TypeVar("T")


class Memo:
    """Values by key, the least recently used dropped beyond `size`; a value asked for by
    several threads at once is made by one of them while the others wait for it."""

    def __init__(self, size: int) -> None:
        if size < 1:
            raise ValueError(f"a memo keeps at least one entry, not {size}")
        self._size = size
        self._entries: OrderedDict[Hashable, object] = OrderedDict()
        self._making: dict[Hashable, threading.Lock] = {}
        self._lock = threading.Lock()

    def get(self, key: Hashable, kind: type[T], make: Callable[[], T]) -> T:
        """The value kept under `key` (which must be a `kind`), else `make()`'s, kept."""
        found = self._kept(key)
        if found is _MISSING:
            with self._lock:
                making = self._making.setdefault(key, threading.Lock())
            with making:
                found = self._kept(key)
                if found is _MISSING:
                    found = make()
                    with self._lock:
                        self._entries[key] = found
                        while len(self._entries) > self._size:
                            self._entries.popitem(last=False)
                        self._making.pop(key, None)
        if not isinstance(found, kind):
            raise TypeError(f"memo entry {key!r} is a {type(found).__name__}, not {kind.__name__}")
        return found

    def peek(self, key: Hashable, kind: type[T]) -> T | None:
        """The value kept under `key` if there is one and it is a `kind` (nothing is made)."""
        found = self._kept(key)
        return found if isinstance(found, kind) else None

    def _kept(self, key: Hashable) -> object:
        with self._lock:
            found = self._entries.get(key, _MISSING)
            if found is not _MISSING:
                self._entries.move_to_end(key)
            return found

    def __len__(self) -> int:
        with self._lock:
            return len(self._entries)


_MISSING: Final = object()
