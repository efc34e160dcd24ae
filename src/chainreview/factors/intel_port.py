"""`IntelPort` over an open intel snapshot: the look-ups evaluators may make, batched and kept.

A snapshot never changes, so what a port has looked up is kept for the next review through
the same port (a `Reviewer` holds one per snapshot).
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping

from chainreview.intel.eol import EolCycle
from chainreview.intel.interface import FeedKind, load_record
from chainreview.intel.snapshot import Snapshot

__all__ = ["SnapshotIntel"]


class SnapshotIntel:
    """The `IntelPort` of one open snapshot (used from the thread that opened it)."""

    def __init__(self, snapshot: Snapshot) -> None:
        self._snapshot = snapshot
        counts = snapshot.manifest.get("feeds") or {}
        self._feeds = frozenset(kind for kind, n in counts.items() if n)
        self._cycles: dict[str, tuple[EolCycle, ...]] = {}

    @property
    def feeds(self) -> frozenset[str]:
        """The feed kinds the snapshot holds records of."""
        return self._feeds

    def eol_cycles(self, products: Iterable[str]) -> Mapping[str, tuple[EolCycle, ...]]:
        """The endoflife.date cycles of each product name, two queries for all names not
        looked up before; names with none are left out."""
        wanted = set(products)
        new = wanted - self._cycles.keys()
        if new and FeedKind.EOL.value in self._feeds:
            keys = self._snapshot.keys_by_value(FeedKind.EOL, "product", sorted(new))
            records = dict(
                self._snapshot.records(FeedKind.EOL, [k for ks in keys.values() for k in ks])
            )
            for product in new:
                self._cycles[product] = tuple(
                    load_record(EolCycle, records[key])
                    for key in keys.get(product, ())
                    if isinstance(records.get(key), dict)
                )
        elif new:
            self._cycles.update(dict.fromkeys(new, ()))
        return {p: self._cycles[p] for p in sorted(wanted) if self._cycles[p]}
