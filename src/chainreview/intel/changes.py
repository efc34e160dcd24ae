"""Which packages' advisories differ between two snapshots: what a monitor re-matches.

A package's findings read its OSV `affected` entries and, through the advisories' alias groups,
the advisories' records, the records naming them as aliases or named by them, and the NVD and
KEV records of their CVEs (`findings.build`). So a package has changed when a record of one of
those kinds (`osv`, `nvd`, `kev`) was added, changed or removed and reaches the package that
way: an OSV record directly or through its alias group, and an NVD or KEV record through the
OSV records naming its CVE and their groups. A group is the connected component of the alias
index (`findings.grouping`), walked both ways until nothing new is reached: a record joining
a group two hops away (a new PYSEC naming the CVE an older one of another package names)
changes that package's finding too. Both snapshots are asked, so a package an advisory left is
found as well as one it joined.

A group is walked up to `MAX_GROUP` ids, the bound of a finding's own walk
(`matches.aliases.MAX_GROUP`): a hostile or damaged record aliasing thousands of ids, or a chain
of records each naming the next, cannot make the walk read the whole alias index. A group
that grows past it is not walked further and no package is named: `group_too_large` says that
any package may have changed (a finding's walk stops at the bound counted from where it starts,
so which packages a truncated group reaches cannot be told from the changed record), and the
monitor then matches every package again. The walk reads the alias index row by row and stops
at the first group past the bound, so it holds at most a bound's worth of ids per changed
record.

EPSS scores, sanctions lists and end-of-life data are not compared: no monitor reason reads
them. Distro advisories are not either: the monitor scans OS packages and CPE-only components
again on every new snapshot (docs/portfolio.md). A change to the OSV sources themselves (a
source added, dropped, or marked a whole feed or a selection) may change any package's
coverage: `coverage_changed` says so.
"""

from __future__ import annotations

import sqlite3
from collections.abc import Iterable, Iterator, Mapping
from dataclasses import dataclass
from typing import Any, Final

from chainreview.intel.interface import FeedKind
from chainreview.intel.snapshot import Snapshot, source_complete
from chainreview.sql_batches import batches, marks

__all__ = ["SnapshotChanges", "changed_packages"]

MAX_GROUP: Final = 256
"""Most ids one alias group may reach in the walk (module doc)."""
_COMPARED: Final = (FeedKind.OSV.value, FeedKind.NVD.value, FeedKind.KEV.value)
_DATABASES: Final = ("main", "old")


@dataclass(frozen=True, slots=True, kw_only=True)
class SnapshotChanges:
    """What changed from one snapshot to another, for re-matching."""

    records: int
    """OSV, NVD and KEV records added, changed or removed."""
    packages: frozenset[tuple[str, str]]
    """(ecosystem, normalised name) of every package whose findings may differ (module doc);
    none named when `group_too_large`."""
    group_too_large: bool
    """A changed record's alias group grew past `MAX_GROUP` ids: any package may differ."""
    coverage_changed: bool
    """The OSV sources, the ecosystems held or their whole-feed marks differ: any package's
    coverage may have changed."""


def changed_packages(old: Snapshot, new: Snapshot) -> SnapshotChanges:
    """The packages whose advisories differ between `old` and `new` (module doc)."""
    db = sqlite3.connect(f"file:{new.path}?mode=ro&immutable=1", uri=True)
    try:
        db.execute("ATTACH DATABASE ? AS old", (f"file:{old.path}?mode=ro&immutable=1",))
        changed = _changed_records(db)
        # an NVD or KEV record's CVE reaches the OSV records naming it (or whose own id it is)
        groups = _groups_of(db, {key for _, key in changed})
        packages = set() if groups is None else _packages_of(db, groups)
    finally:
        db.close()
    return SnapshotChanges(
        records=len(changed),
        packages=frozenset(packages),
        group_too_large=groups is None,
        coverage_changed=_coverage(old.manifest) != _coverage(new.manifest),
    )


def _changed_records(db: sqlite3.Connection) -> set[tuple[str, str]]:
    """(kind, key) of the compared records added, changed or removed."""
    kinds = marks(_COMPARED)
    rows = db.execute(
        "SELECT n.kind, n.key FROM main.records n LEFT JOIN old.records o "
        "ON o.kind = n.kind AND o.key = n.key "
        f"WHERE n.kind IN ({kinds}) AND (o.body IS NULL OR o.body <> n.body "
        "OR o.withdrawn <> n.withdrawn) "
        "UNION SELECT o.kind, o.key FROM old.records o LEFT JOIN main.records n "
        "ON n.kind = o.kind AND n.key = o.key "
        f"WHERE o.kind IN ({kinds}) AND n.key IS NULL",
        (*_COMPARED, *_COMPARED),
    )
    return {(kind, key) for kind, key in rows}


def _groups_of(db: sqlite3.Connection, ids: set[str]) -> set[str] | None:
    """`ids` and every id in the same alias group, in either snapshot: the connected component
    a finding's group is (`findings.grouping`), walked along the alias index both ways until
    nothing new is reached (a record naming an id, the ids a record names). None as soon as a
    group holds more than `MAX_GROUP` ids (module doc)."""
    sets = _Sets(ids)
    frontier = set(ids)
    while frontier:
        following: set[str] = set()
        for reached, other in _edges(db, frontier):
            new = other not in sets
            if sets.join(reached, other) > MAX_GROUP:
                return None
            if new:
                following.add(other)
        frontier = following
    return sets.members()


class _Sets:
    """Disjoint sets of ids with their sizes (union by size, path halving): the alias groups as
    the walk reaches them."""

    def __init__(self, ids: Iterable[str]) -> None:
        self._parent = {i: i for i in ids}
        self._size = dict.fromkeys(self._parent, 1)

    def __contains__(self, item: str) -> bool:
        return item in self._parent

    def members(self) -> set[str]:
        return set(self._parent)

    def _root(self, item: str) -> str:
        parent = self._parent
        while parent[item] != item:
            parent[item] = parent[parent[item]]
            item = parent[item]
        return item

    def join(self, known: str, other: str) -> int:
        """Join `other` (added if new) to `known`'s set; the size of the set both are then in."""
        if other not in self._parent:
            self._parent[other] = other
            self._size[other] = 1
        first, second = self._root(known), self._root(other)
        if first == second:
            return self._size[first]
        if self._size[first] < self._size[second]:
            first, second = second, first
        self._parent[second] = first
        self._size[first] += self._size.pop(second)
        return self._size[first]


def _edges(db: sqlite3.Connection, ids: Iterable[str]) -> Iterator[tuple[str, str]]:
    """(an id of `ids`, an id joined to it) for each alias edge at `ids` in either snapshot: an
    OSV record naming it among its aliases, an alias named by the record of that id. Rows are
    read as they come."""
    for chunk in batches(ids):
        for name in _DATABASES:
            yield from db.execute(
                f"SELECT value, key FROM {name}.lookup WHERE kind = 'osv' AND idx = 'alias' "
                f"AND value IN ({marks(chunk)})",
                chunk,
            )
            yield from db.execute(
                f"SELECT key, value FROM {name}.lookup WHERE kind = 'osv' AND idx = 'alias' "
                f"AND key IN ({marks(chunk)})",
                chunk,
            )


def _packages_of(db: sqlite3.Connection, ids: Iterable[str]) -> set[tuple[str, str]]:
    found: set[tuple[str, str]] = set()
    for chunk in batches(ids):
        for name in _DATABASES:
            rows = db.execute(
                f"SELECT DISTINCT ecosystem, name FROM {name}.packages "
                f"WHERE id IN ({marks(chunk)})",
                chunk,
            )
            found.update((ecosystem, package) for ecosystem, package in rows)
    return found


def _coverage(manifest: Mapping[str, Any]) -> tuple[object, ...]:
    """What an OSV package's coverage reads of a manifest (`findings.coverage`)."""
    sources = sorted(
        (s["name"], source_complete(s)) for s in manifest["sources"] if s["kind"] == "osv"
    )
    return tuple(sources), tuple(sorted(manifest.get("ecosystems") or ()))
