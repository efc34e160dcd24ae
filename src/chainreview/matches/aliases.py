"""Alias groups: one vulnerability under all its ids, merged with a real union-find.

OSV `aliases` say two ids name the *same* vulnerability; the relation is symmetric and
transitive (schema §aliases), so groups are the connected components of the alias graph. For
each matched advisory the graph is walked through the snapshot in both directions (the record's
own `aliases`, and every record that lists the id as an alias), and every edge is a `union`, so
`PYSEC-A ~ CVE-1 ~ RUSTSEC-B` becomes one group even when no record names both ends. `related`
and `upstream` are not aliases and are not followed. A walk stops after `MAX_GROUP` ids, so one
malformed record cannot pull in the whole database.

Display id priority (the id a finding is shown and keyed under):

1. CVE — the id KEV, EPSS, NVD and most VEX documents use, so enrichment and triage line up;
   among several CVEs the oldest (by year, then number).
2. GHSA — cross-ecosystem and reviewed, the next most widely referenced.
3. Any other id (PYSEC, GO, RUSTSEC, distro ids, …), in plain string order.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Iterable, Mapping, Sequence
from typing import Final

__all__ = ["MAX_GROUP", "AliasResolver", "UnionFind", "display_id", "priority"]

MAX_GROUP: Final = 256
"""Most ids one alias walk visits."""

_CVE: Final = re.compile(r"CVE-(\d{4})-(\d+)")


class UnionFind:
    """Disjoint sets of ids, with path halving and union by size."""

    def __init__(self) -> None:
        self._parent: dict[str, str] = {}
        self._size: dict[str, int] = {}

    def add(self, item: str) -> None:
        """Make `item` a set of its own if it is new."""
        if item not in self._parent:
            self._parent[item] = item
            self._size[item] = 1

    def find(self, item: str) -> str:
        """Return the representative of `item`'s set (adding `item` if new)."""
        self.add(item)
        parent = self._parent
        while parent[item] != item:
            parent[item] = parent[parent[item]]
            item = parent[item]
        return item

    def size(self, item: str) -> int:
        """How many ids `item`'s set holds."""
        return self._size[self.find(item)]

    def union(self, a: str, b: str) -> None:
        """Merge the sets of `a` and `b`."""
        root_a, root_b = self.find(a), self.find(b)
        if root_a == root_b:
            return
        if self._size[root_a] < self._size[root_b]:
            root_a, root_b = root_b, root_a
        self._parent[root_b] = root_a
        self._size[root_a] += self._size[root_b]

    def sets(self) -> dict[str, tuple[str, ...]]:
        """Every id mapped to all ids of its set, sorted."""
        by_root: dict[str, list[str]] = {}
        for item in self._parent:
            by_root.setdefault(self.find(item), []).append(item)
        groups = {root: tuple(sorted(items)) for root, items in by_root.items()}
        return {item: groups[self.find(item)] for item in self._parent}


def priority(identifier: str) -> tuple[int, int, int, str]:
    """Sort key of the display-id priority (smaller wins); see the module doc."""
    cve = _CVE.fullmatch(identifier)
    if cve:
        return (0, int(cve.group(1)), int(cve.group(2)), identifier)
    if identifier.startswith("GHSA-"):
        return (1, 0, 0, identifier)
    return (2, 0, 0, identifier)


def display_id(group: Iterable[str]) -> str:
    """The id a group is shown under: the smallest by `priority`."""
    return min(group, key=priority)


class AliasResolver:
    """Builds alias groups from two lookups into the intel snapshot.

    `aliases_of(id)` returns the `aliases` of the record `id` (empty when there is none);
    `aliased_by(id)` returns the ids of records listing `id` among their aliases. The graph is
    walked breadth-first from all the wanted ids at once; `prefetch(ids)`, when given, is told
    each round's ids before they are looked up, so a snapshot can answer them in one query. A
    set stops growing past `MAX_GROUP` ids (the ids it already reached are still joined).
    """

    def __init__(
        self,
        aliases_of: Callable[[str], Sequence[str]],
        aliased_by: Callable[[str], Sequence[str]],
        prefetch: Callable[[Sequence[str]], None] | None = None,
    ) -> None:
        self._aliases_of = aliases_of
        self._aliased_by = aliased_by
        self._prefetch = prefetch
        self._sets = UnionFind()
        self._walked: set[str] = set()

    def groups(
        self, advisory_ids: Iterable[str], known: Mapping[str, Sequence[str]] | None = None
    ) -> dict[str, tuple[str, ...]]:
        """Map each id to all ids of its vulnerability, sorted (itself included).

        `known` gives complete groups worked out before (a walk that reached every id of the
        group, as the findings keep them beside the snapshot): their ids are joined at once,
        not walked."""
        wanted = list(advisory_ids)
        for identifier, members in (known or {}).items():
            for other in members:
                self._sets.union(identifier, other)
                self._walked.add(other)
        queued = {i for i in wanted if i not in self._walked}
        frontier = sorted(queued)
        for advisory_id in wanted:
            self._sets.add(advisory_id)
        while frontier:
            if self._prefetch is not None:
                self._prefetch(frontier)
            following: list[str] = []
            for current in frontier:
                self._walked.add(current)
                for other in (*self._aliases_of(current), *self._aliased_by(current)):
                    self._sets.union(current, other)
                    if other in queued or other in self._walked:
                        continue
                    if self._sets.size(other) > MAX_GROUP:
                        continue
                    queued.add(other)
                    following.append(other)
            frontier = following
        sets = self._sets.sets()
        return {advisory_id: sets[advisory_id] for advisory_id in wanted}
