"""Content-hashed intel snapshots: build from `FeedData`, switch atomically, open cheaply.

Layout under `$CHAINREVIEW_HOME/intel/`:

* `snapshots/<hash>.sqlite` — one immutable stdlib-sqlite file per snapshot (not the application
  store): tables `meta` (the manifest), `records` (kind, key, source, withdrawn, the record's
  normalised JSON), `packages` ((ecosystem, normalised name) → advisory id, the index of the
  `affected` entry in the record and that entry as OSV JSON, for the matcher) and `lookup`
  (secondary keys: (kind, index, value) → key, e.g. `osv`/`alias`/`CVE-2021-1234` →
  `PYSEC-2021-9`);
* `CURRENT` — the hash of the current snapshot, replaced with `os.replace` only after the snapshot
  file is complete, fsynced and renamed into place, so a crash at any point leaves either the old
  or the new snapshot current, never a partial one.

The hash is SHA-256 over the sources (kind and name) and every record's (kind, key, normalised
JSON), in sorted order; the import time lives in the manifest but outside the hash, so importing the
same files twice gives the same hash. Records may expose `index_keys()` (see
`interface.IndexedRecord`) to add secondary lookups.
"""

from __future__ import annotations

import hashlib
import os
import sqlite3
from collections.abc import Iterable, Iterator, Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Final

import orjson

from chainreview import limits
from chainreview.intel.interface import FeedData, FeedKind, IndexedRecord, IntelError, Record
from chainreview.intel.names import normalise_name
from chainreview.intel.osv_model import Advisory, Affected
from chainreview.sql_batches import batches, marks

FORMAT: Final = 2
"""Version of the snapshot file layout; a snapshot of another format is refused on open."""

_SCHEMA: Final = """
CREATE TABLE meta(name TEXT PRIMARY KEY, value BLOB NOT NULL) WITHOUT ROWID;
CREATE TABLE records(
    kind TEXT NOT NULL, key TEXT NOT NULL, source TEXT NOT NULL,
    withdrawn INTEGER NOT NULL, body BLOB NOT NULL, PRIMARY KEY(kind, key)) WITHOUT ROWID;
CREATE TABLE packages(
    ecosystem TEXT NOT NULL, name TEXT NOT NULL, id TEXT NOT NULL, entry INTEGER NOT NULL,
    withdrawn INTEGER NOT NULL, source TEXT NOT NULL, affected BLOB NOT NULL);
CREATE TABLE lookup(
    kind TEXT NOT NULL, idx TEXT NOT NULL, value TEXT NOT NULL, key TEXT NOT NULL,
    source TEXT NOT NULL);
"""
_INDEXES: Final = (
    "CREATE INDEX packages_by_name ON packages(ecosystem, name)",
    "CREATE INDEX lookup_by_value ON lookup(kind, idx, value)",
)
"""Built after the rows are in (faster than maintaining them row by row); `executescript` would
commit the open transaction, so each is run on its own."""


_MATCH_FIELDS: Final = ("package", "ranges", "versions", "severity")
"""The parts of an `affected` entry the index keeps (what `Affected` reads); the
`ecosystem_specific` and `database_specific` blobs stay in the full record only."""


@dataclass(frozen=True, slots=True, kw_only=True)
class PackageAdvisory:
    """One advisory's `affected` entry for one package: what the matcher evaluates."""

    advisory_id: str
    withdrawn: bool
    """Withdrawn advisories are returned flagged; the matcher skips them."""
    affected_index: int
    """Where the entry sits in the record's `affected` list."""
    affected: Affected


# --- paths and the CURRENT pointer ----------------------------------------------------------


def intel_dir(home: Path) -> Path:
    """Return `$CHAINREVIEW_HOME/intel`."""
    return home / "intel"


def snapshots_dir(home: Path) -> Path:
    """Return the folder holding one `<hash>.sqlite` per snapshot."""
    return intel_dir(home) / "snapshots"


def current_hash(home: Path) -> str | None:
    """Return the hash named by `CURRENT`, or None when no snapshot was ever imported."""
    try:
        text = (intel_dir(home) / "CURRENT").read_text(encoding="ascii").strip()
    except FileNotFoundError:
        return None
    return text or None


def snapshot_path(home: Path, digest: str) -> Path:
    """Return the file of snapshot `digest`."""
    return snapshots_dir(home) / f"{digest}.sqlite"


def switch(home: Path, digest: str) -> None:
    """Make `digest` current: write `CURRENT.tmp`, fsync it, `os.replace` it, fsync the folder."""
    folder = intel_dir(home)
    temporary = folder / "CURRENT.tmp"
    with temporary.open("w", encoding="ascii") as handle:
        handle.write(digest + "\n")
        handle.flush()
        os.fsync(handle.fileno())
    os.replace(temporary, folder / "CURRENT")
    _fsync_dir(folder)


def _fsync_dir(folder: Path) -> None:
    descriptor = os.open(folder, os.O_RDONLY)
    try:
        os.fsync(descriptor)
    finally:
        os.close(descriptor)


# --- building -------------------------------------------------------------------------------


@dataclass(frozen=True, slots=True, kw_only=True)
class Built:
    """A complete snapshot file, renamed to its hash, not yet current."""

    hash: str
    path: Path
    manifest: dict[str, Any]


class Builder:
    """Writes one new snapshot file: records of the new feeds plus the kept sources of a base."""

    def __init__(self, home: Path, base: Snapshot | None = None) -> None:
        folder = snapshots_dir(home)
        folder.mkdir(parents=True, exist_ok=True)
        self._home = home
        self._base = base
        self._path = folder / f".build-{os.getpid()}.sqlite"
        self._path.unlink(missing_ok=True)
        self._db = sqlite3.connect(self._path, isolation_level=None, uri=True)
        self._db.executescript(
            "PRAGMA journal_mode=OFF; PRAGMA synchronous=OFF; PRAGMA page_size=8192;" + _SCHEMA
        )
        if base is not None:  # SQLite refuses ATTACH inside a transaction
            self._db.execute("ATTACH DATABASE ? AS base", (f"file:{base.path}?mode=ro",))
        self._db.execute("BEGIN")
        self._sources: list[dict[str, Any]] = []

    def add_feed(
        self, feed: FeedData, inputs: Sequence[str], *, complete: bool, demo: bool = False
    ) -> None:
        """Store the records of `feed` and their index entries; a record an earlier feed of
        this import stored under the same key is replaced, index entries included.

        `complete` says the inputs hold the whole feed of the source (an ecosystem's entire
        advisory database, the whole KEV catalogue), not a selection of it; `demo` marks data
        for trying the tool (the bundled capture), never for a final determination."""
        source = feed.source
        if self._sources:
            self._supersede(feed.kind.value, [r.key for r in feed.records])
        self._db.executemany(
            "INSERT OR REPLACE INTO records VALUES (?, ?, ?, ?, ?)",
            ((feed.kind.value, r.key, source, int(_withdrawn(r)), _body(r)) for r in feed.records),
        )
        if feed.kind is FeedKind.OSV:
            self._db.executemany(
                "INSERT INTO packages VALUES (?, ?, ?, ?, ?, ?, ?)",
                _package_rows(feed.records, source),
            )
        self._db.executemany(
            "INSERT INTO lookup VALUES (?, ?, ?, ?, ?)", _lookup_rows(feed, source)
        )
        self._sources.append(
            {
                "name": source,
                "kind": feed.kind.value,
                "inputs": list(inputs),
                "records": len(feed.records),
                "withdrawn": sum(1 for r in feed.records if _withdrawn(r)),
                "warnings": len(feed.warnings),
                "rejected": len(feed.rejected),
                "newest": feed.newest,
                "licence": feed.licence,
                "attribution": feed.attribution,
                "complete": complete,
                "demo": demo,
            }
        )

    def keep_sources(self, replaced: set[str]) -> None:
        """Copy every source of the base not in `replaced` (records and index rows, unchanged),
        except the records this import brought again under another source name (an osv.dev
        dump of all ecosystems after one of PyPI alone): the new record and its index win."""
        if self._base is None:
            return
        kept = [s for s in self._base.manifest["sources"] if s["name"] not in replaced]
        if not kept:
            return
        names = [s["name"] for s in kept]
        where = f"kept.source IN ({marks(names)})"
        fresh = "SELECT 1 FROM main.records AS r WHERE r.kind = {kind} AND r.key = kept.{key}"
        self._db.execute(  # index rows first: `main.records` holds only this import's records
            f"INSERT INTO packages SELECT * FROM base.packages AS kept WHERE {where} "
            f"AND NOT EXISTS ({fresh.format(kind=repr(FeedKind.OSV.value), key='id')})",
            names,
        )
        self._db.execute(
            f"INSERT INTO lookup SELECT * FROM base.lookup AS kept WHERE {where} "
            f"AND NOT EXISTS ({fresh.format(kind='kept.kind', key='key')})",
            names,
        )
        self._db.execute(
            f"INSERT OR IGNORE INTO records SELECT * FROM base.records AS kept WHERE {where}",
            names,
        )
        self._sources.extend(kept)

    def _supersede(self, kind: str, keys: Sequence[str]) -> None:
        """Drop the index rows of those of `keys` (records of `kind`) an earlier feed of this
        import stored: the record is about to be replaced by the later feed's (later inputs
        win, as within one source)."""
        taken = [
            key
            for batch in batches(keys)
            for (key,) in self._db.execute(
                f"SELECT key FROM records WHERE kind = ? AND key IN ({marks(batch)})",
                (kind, *batch),
            )
        ]
        if not taken:
            return
        self._db.execute("CREATE TEMP TABLE IF NOT EXISTS superseded(key TEXT PRIMARY KEY)")
        self._db.execute("DELETE FROM superseded")
        self._db.executemany("INSERT INTO superseded VALUES (?)", ((key,) for key in taken))
        if kind == FeedKind.OSV.value:
            self._db.execute("DELETE FROM packages WHERE id IN (SELECT key FROM superseded)")
        self._db.execute(
            "DELETE FROM lookup WHERE kind = ? AND key IN (SELECT key FROM superseded)", (kind,)
        )

    def finish(self, imported_at: str) -> Built:
        """Index, hash, write the manifest, fsync and rename to `<hash>.sqlite`."""
        for statement in _INDEXES:
            self._db.execute(statement)
        self._sources = self._counted_sources()
        digest = self._hash()
        manifest = self._manifest(digest, imported_at)
        self._db.execute("INSERT INTO meta VALUES ('manifest', ?)", (orjson.dumps(manifest),))
        self._db.execute("COMMIT")
        self._db.close()
        with self._path.open("rb") as handle:
            os.fsync(handle.fileno())
        final = snapshot_path(self._home, digest)
        os.replace(self._path, final)
        _fsync_dir(final.parent)
        return Built(hash=digest, path=final, manifest=manifest)

    def abandon(self) -> None:
        """Drop the unfinished file (an import that failed)."""
        self._db.close()
        self._path.unlink(missing_ok=True)

    def _hash(self) -> str:
        digest = hashlib.sha256(b"chainreview-intel-snapshot\x00%d\x00" % FORMAT)
        for source in sorted(self._sources, key=lambda s: (s["kind"], s["name"])):
            coverage = f"{int(source_complete(source))}\x00{int(source_demo(source))}"
            digest.update(
                f"source\x00{source['kind']}\x00{source['name']}\x00{coverage}\n".encode()
            )
        rows = self._db.execute("SELECT kind, key, body FROM records ORDER BY kind, key")
        for kind, key, body in rows:
            digest.update(f"{kind}\x00{key}\x00".encode())
            digest.update(body)
            digest.update(b"\n")
        return digest.hexdigest()

    def _counted_sources(self) -> list[dict[str, Any]]:
        """The sources with their records as stored (a record another source brought again
        counts there), those left with none dropped."""
        counts = {
            source: (records, int(withdrawn or 0))
            for source, records, withdrawn in self._db.execute(
                "SELECT source, COUNT(*), SUM(withdrawn) FROM records GROUP BY source"
            )
        }
        sources = []
        for source in self._sources:
            records, withdrawn = counts.get(source["name"], (0, 0))
            if records:
                sources.append({**source, "records": records, "withdrawn": withdrawn})
        return sources

    def _manifest(self, digest: str, imported_at: str) -> dict[str, Any]:
        feeds = dict(self._db.execute("SELECT kind, COUNT(*) FROM records GROUP BY kind"))
        withdrawn = dict(self._db.execute("SELECT kind, SUM(withdrawn) FROM records GROUP BY kind"))
        ecosystems = dict(
            self._db.execute(
                "SELECT ecosystem, COUNT(DISTINCT id) FROM packages GROUP BY ecosystem"
            )
        )
        imported_on = imported_at[:10]
        sources = [
            {**s, "as_of": _as_of(s.get("newest"), imported_on)}
            for s in sorted(self._sources, key=lambda s: (s["kind"], s["name"]))
        ]
        newest = [s["as_of"] for s in sources if s["as_of"]]
        return {
            "format": FORMAT,
            "hash": digest,
            "imported_at": imported_at,
            "sources": sources,
            "feeds": {kind.value: feeds.get(kind.value, 0) for kind in FeedKind},
            "withdrawn": {kind: int(n or 0) for kind, n in sorted(withdrawn.items())},
            "ecosystems": dict(sorted(ecosystems.items())),
            "newest": max(newest, default=None),
            "demo": any(source_demo(s) for s in sources),
            "missing_feeds": [kind.value for kind in FeedKind if not feeds.get(kind.value)],
        }


def source_complete(source: Mapping[str, Any]) -> bool:
    """Whether a manifest source holds its whole feed (sources of older snapshots: not known,
    so not complete)."""
    return source.get("complete") is True


def source_demo(source: Mapping[str, Any]) -> bool:
    """Whether a manifest source is demo data (the bundled capture)."""
    return source.get("demo") is True


def _as_of(newest: str | None, imported_on: str) -> str | None:
    """The date a source's data reaches: its newest record's date, never after the import (a
    record dated in the future does not make a feed newer than the day it was imported)."""
    if not newest:
        return None
    return min(str(newest)[:10], imported_on)


def _withdrawn(record: Record) -> bool:
    return isinstance(record, Advisory) and record.is_withdrawn


def _body(record: Record) -> bytes:
    if isinstance(record, Advisory):
        return orjson.dumps(record.document, option=orjson.OPT_SORT_KEYS)
    return orjson.dumps(record, option=orjson.OPT_SORT_KEYS)


def _package_rows(
    records: Iterable[Record], source: str
) -> Iterator[tuple[str, str, str, int, int, str, bytes]]:
    for record in records:
        if not isinstance(record, Advisory):
            continue
        withdrawn = int(record.is_withdrawn)
        for index, entry in enumerate(record.document.get("affected") or ()):
            package = entry.get("package")
            if not package:
                continue
            ecosystem = package["ecosystem"]
            yield (
                ecosystem,
                normalise_name(ecosystem, package["name"]),
                record.id,
                index,
                withdrawn,
                source,
                orjson.dumps({k: entry[k] for k in _MATCH_FIELDS if k in entry}),
            )


def _lookup_rows(feed: FeedData, source: str) -> Iterator[tuple[str, str, str, str, str]]:
    kind = feed.kind.value
    for record in feed.records:
        if isinstance(record, Advisory):
            for alias in record.aliases:
                yield (kind, "alias", alias, record.id, source)
        elif isinstance(record, IndexedRecord):
            for index, value in record.index_keys():
                yield (kind, index, value, record.key, source)


def _shared_versions(entry: dict[str, Any], shared: dict[str, str]) -> dict[str, Any]:
    """`entry` with its `versions` strings shared with the package's other entries: one
    package's advisories list mostly the same releases, thousands of times over in PyPI."""
    versions = entry.get("versions")
    if versions:
        entry["versions"] = [shared.setdefault(v, v) for v in versions]
    return entry


# --- reading --------------------------------------------------------------------------------


class Snapshot:
    """A read-only view of one snapshot file; cheap to open (no record is parsed on open)."""

    def __init__(self, path: Path) -> None:
        self.path = path
        try:
            self._db = sqlite3.connect(f"file:{path}?mode=ro&immutable=1", uri=True)
            row = self._db.execute("SELECT value FROM meta WHERE name = 'manifest'").fetchone()
        except sqlite3.DatabaseError as exc:
            raise IntelError(str(path), f"not a readable intel snapshot: {exc}") from exc
        if row is None:
            raise IntelError(str(path), "intel snapshot has no manifest")
        self.manifest: Mapping[str, Any] = orjson.loads(row[0])
        self._packages: dict[tuple[str, str], tuple[PackageAdvisory, ...]] = {}
        self.derived: dict[str, Any] = {}
        """Data the layers above derive from this snapshot and keep while it is open (the
        matcher's compiled package indexes); a snapshot never changes, so none goes stale. A
        value with a `close` method (a file of its own) is closed with the snapshot."""
        if self.manifest.get("format") != FORMAT:
            raise IntelError(
                str(path),
                f"intel snapshot format {self.manifest.get('format')} is not this chainreview's "
                f"({FORMAT}): import the feeds again (`chainreview intel import PATH…`, or "
                "`--bundled` for the advisories shipped with chainreview)",
            )

    @property
    def hash(self) -> str:
        """The content hash naming this snapshot."""
        value: str = self.manifest["hash"]
        return value

    def advisories_for(self, ecosystem: str, name: str) -> tuple[PackageAdvisory, ...]:
        """Return the `affected` entries for (ecosystem, name); the name is normalised here.

        `ecosystem` is matched exactly, suffix included (`Debian:11`, `Alpine:v3.16`). A snapshot
        never changes, so each package's entries are decoded once and kept for the next look-up
        (up to `limits.MAX_CACHED_PACKAGES` packages).
        """
        key = (ecosystem, normalise_name(ecosystem, name))
        cached = self._packages.get(key)
        if cached is None:
            if len(self._packages) >= limits.MAX_CACHED_PACKAGES:
                self._packages.clear()
            cached = self._packages[key] = self._read_package(*key)
        return cached

    def _read_package(self, ecosystem: str, name: str) -> tuple[PackageAdvisory, ...]:
        rows = self._db.execute(
            "SELECT id, entry, withdrawn, affected FROM packages WHERE ecosystem = ? AND name = ?",
            (ecosystem, name),
        ).fetchall()
        shared: dict[str, str] = {}
        return tuple(
            PackageAdvisory(
                advisory_id=advisory_id,
                affected_index=entry,
                withdrawn=bool(withdrawn),
                affected=Affected.from_osv(_shared_versions(orjson.loads(body), shared)),
            )
            for advisory_id, entry, withdrawn, body in rows
        )

    def packages(self) -> tuple[tuple[str, str], ...]:
        """Every (ecosystem, normalised name) that has advisories, sorted."""
        rows = self._db.execute(
            "SELECT DISTINCT ecosystem, name FROM packages ORDER BY ecosystem, name"
        )
        return tuple((ecosystem, name) for ecosystem, name in rows)

    def record(self, kind: FeedKind, key: str) -> Any | None:
        """Return the normalised JSON of one record (an OSV object for `osv`), or None."""
        row = self._db.execute(
            "SELECT body FROM records WHERE kind = ? AND key = ?", (kind.value, key)
        ).fetchone()
        return None if row is None else orjson.loads(row[0])

    def records(self, kind: FeedKind, keys: Iterable[str]) -> Iterator[tuple[str, Any]]:
        """(key, record) for the records of `kind` among `keys` (keys without one left out),
        in a few queries instead of one per key; decoded one at a time as they are read."""
        for chunk in batches(keys):
            rows = self._db.execute(
                f"SELECT key, body FROM records WHERE kind = ? AND key IN ({marks(chunk)})",
                (kind.value, *chunk),
            )
            for key, body in rows:
                yield key, orjson.loads(body)

    def keys_by_value(
        self, kind: FeedKind, index: str, values: Iterable[str]
    ) -> dict[str, tuple[str, ...]]:
        """`keys(kind, index, value)` for each of `values` (values without keys left out)."""
        found: dict[str, list[str]] = {}
        for chunk in batches(values):
            rows = self._db.execute(
                "SELECT value, key FROM lookup WHERE kind = ? AND idx = ? "
                f"AND value IN ({marks(chunk)}) ORDER BY value, key",
                (kind.value, index, *chunk),
            )
            for value, key in rows:
                found.setdefault(value, []).append(key)
        return {value: tuple(keys) for value, keys in found.items()}

    def distro_releases(self) -> Mapping[str, tuple[str, ...]]:
        """The distribution releases the distro feeds hold advisories for (`Debian:11`,
        `Alpine:v3.16`), each with the names of the sources that hold them (read once)."""
        found = self.derived.get("distro-releases")
        if found is None:
            rows = self._db.execute(
                "SELECT DISTINCT substr(value, 1, instr(value, '/') - 1), source FROM lookup "
                "WHERE kind = ? AND idx = 'package' ORDER BY 1, 2",
                (FeedKind.DISTRO.value,),
            )
            releases: dict[str, list[str]] = {}
            for release, source in rows:
                releases.setdefault(release, []).append(source)
            found = self.derived["distro-releases"] = {
                release: tuple(names) for release, names in releases.items()
            }
        value: Mapping[str, tuple[str, ...]] = found
        return value

    def keys(self, kind: FeedKind, index: str, value: str) -> tuple[str, ...]:
        """Return the keys of `kind` records filed under `value` in secondary index `index`."""
        rows = self._db.execute(
            "SELECT key FROM lookup WHERE kind = ? AND idx = ? AND value = ? ORDER BY key",
            (kind.value, index, value),
        )
        return tuple(key for (key,) in rows)

    def close(self) -> None:
        """Close the file, and what `derived` holds open."""
        for value in self.derived.values():
            closing = getattr(value, "close", None)
            if callable(closing):
                closing()
        self.derived.clear()
        self._db.close()

    def __enter__(self) -> Snapshot:
        return self

    def __exit__(self, *_exc: object) -> None:
        self.close()


def open_current(home: Path) -> Snapshot | None:
    """Open the current snapshot, or return None when none was imported yet."""
    digest = current_hash(home)
    if digest is None:
        return None
    path = snapshot_path(home, digest)
    if not path.is_file():
        raise IntelError(str(path), "the current intel snapshot file is missing")
    return Snapshot(path)


def collect_garbage(home: Path, keep: Iterable[str]) -> None:
    """Delete snapshot files except those in `keep`, unfinished builds, and every file derived
    from a snapshot beside it (compiled package stores, rebuilt on demand); import lock held."""
    wanted = {f"{digest}.sqlite" for digest in keep}
    for path in snapshots_dir(home).iterdir():
        if path.name not in wanted:
            path.unlink(missing_ok=True)
