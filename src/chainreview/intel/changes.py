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

EPSS scores, sanctions lists and end-of-life data are not compared: no monitor reason reads
them. Distro advisories are not either: the monitor scans OS packages and CPE-only components
again on every new snapshot (docs/portfolio.md). A change to the OSV sources themselves (a
source added, dropped, or marked a whole feed or a selection) may change any package's
coverage: `coverage_changed` says so.
"""

from __future__ import annotations

import sqlite3
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from typing import Any, Final

from chainreview.intel.interface import FeedKind
from chainreview.intel.snapshot import Snapshot, source_complete
from chainreview.sql_batches import batches, marks

__all__ = ["SnapshotChanges", "changed_packages"]

_COMPARED: Final = (FeedKind.OSV.value, FeedKind.NVD.value, FeedKind.KEV.value)
_DATABASES: Final = ("main", "old")


@dataclass(frozen=True, slots=True, kw_only=True)
class SnapshotChanges:
    """What changed from one snapshot to another, for re-matching."""

    records: int
    """OSV, NVD and KEV records added, changed or removed."""
    packages: frozenset[tuple[str, str]]
    """(ecosystem, normalised name) of every package whose findings may differ (module doc)."""
    coverage_changed: bool
    """The OSV sources, the ecosystems held or their whole-feed marks differ: any package's
    coverage may have changed."""


def changed_packages(old: Snapshot, new: Snapshot) -> SnapshotChanges:
    """The packages whose advisories differ between `old` and `new` (module doc)."""
    db = sqlite3.connect(f"file:{new.path}?mode=ro&immutable=1", uri=True)
    try:
        db.execute("ATTACH DATABASE ? AS old", (f"file:{old.path}?mode=ro&immutable=1",))
        changed = _changed_records(db)
        osv = {key for kind, key in changed if kind == FeedKind.OSV.value}
        cves = {key for kind, key in changed if kind != FeedKind.OSV.value}
        osv |= _aliased_by(db, cves) | cves  # a CVE may be an OSV record's own id too
        packages = _packages_of(db, _groups_of(db, osv))
    finally:
        db.close()
    return SnapshotChanges(
        records=len(changed),
        packages=frozenset(packages),
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


def _groups_of(db: sqlite3.Connection, ids: set[str]) -> set[str]:
    """`ids` and every id in the same alias group, in either snapshot: the connected component
    a finding's group is (`findings.grouping`), walked along the alias index both ways until
    nothing new is reached (a record naming an id, the ids a record names)."""
    reached, frontier = set(ids), set(ids)
    while frontier:
        frontier = (_aliased_by(db, frontier) | _aliases_of(db, frontier)) - reached
        reached |= frontier
    return reached


def _aliased_by(db: sqlite3.Connection, ids: Iterable[str]) -> set[str]:
    """OSV records, in either snapshot, naming one of `ids` among their aliases."""
    return _lookup(
        db,
        ids,
        "SELECT key FROM {db}.lookup WHERE kind = 'osv' AND idx = 'alias' AND value IN ({marks})",
    )


def _aliases_of(db: sqlite3.Connection, ids: Iterable[str]) -> set[str]:
    """The aliases the OSV records `ids` name, in either snapshot."""
    return _lookup(
        db,
        ids,
        "SELECT value FROM {db}.lookup WHERE kind = 'osv' AND idx = 'alias' AND key IN ({marks})",
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


def _lookup(db: sqlite3.Connection, values: Iterable[str], query: str) -> set[str]:
    found: set[str] = set()
    for chunk in batches(values):
        for name in _DATABASES:
            rows = db.execute(query.format(db=name, marks=marks(chunk)), chunk)
            found.update(value for (value,) in rows)
    return found


def _coverage(manifest: Mapping[str, Any]) -> tuple[object, ...]:
    """What an OSV package's coverage reads of a manifest (`findings.coverage`)."""
    sources = sorted(
        (s["name"], source_complete(s)) for s in manifest["sources"] if s["kind"] == "osv"
    )
    return tuple(sources), tuple(sorted(manifest.get("ecosystems") or ()))
