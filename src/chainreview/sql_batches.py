"""Looking up many keys in SQLite a few hundred at a time (`… IN (?, ?, …)`)."""

from __future__ import annotations

from collections.abc import Iterable, Iterator, Sequence
from typing import Final

__all__ = ["BATCH", "batches", "marks"]

BATCH: Final = 500
"""Keys per `IN (…)` query: well under SQLite's oldest limit of 999 bound parameters."""


def batches(items: Iterable[str]) -> Iterator[list[str]]:
    """The distinct `items`, sorted, in lists of at most `BATCH`."""
    wanted = sorted(set(items))
    for start in range(0, len(wanted), BATCH):
        yield wanted[start : start + BATCH]


def marks(batch: Sequence[str]) -> str:
    """The `?, ?, …` placeholders of one batch."""
    return ", ".join("?" * len(batch))
