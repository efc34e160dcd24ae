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

An import never loses a source's records silently: when the records it brings for a source would
leave out more than `MAX_SHRINK` of those the base snapshot holds under that name (one Go record
imported as `osv:Go` over the whole Go database), the source is merged — the base's records the
import lacks are kept — unless the caller asks to replace it. The manifest's `imports` keeps what
each of the last `HISTORY` imports added, changed, removed or kept, per source (outside the hash).
"""

from __future__ import annotations

import functools
import hashlib
import os
import re
import shutil
import sqlite3
from collections.abc import Iterable, Iterator, Mapping, Sequence
from dataclasses import asdict, dataclass
from enum import StrEnum
from pathlib import Path
from typing import Any, Final, cast

import orjson

from chainreview import limits
from chainreview.intel._common import batched
from chainreview.intel.derived import Derived, Held
from chainreview.intel.interface import FeedData, FeedKind, IndexedRecord, IntelError, Record
from chainreview.intel.names import normalise_name
from chainreview.intel.osv_model import Advisory, Affected
from chainreview.intel.spool import Spool
from chainreview.sql_batches import BATCH, batches, marks

FORMAT: Final = 3
"""Version of the snapshot file layout; a snapshot of another format is refused on open.
3: every source says whether it is a whole feed or a selection, whether it is demo data, and
the date its data reaches (a snapshot of format 2 may lack them, and would read as neither)."""

MAX_SHRINK: Final = 0.05
"""Share of a source's records an import may leave out before the source is merged instead of
replaced (unless the import is told to replace it)."""
HISTORY: Final = 20
"""Imports whose changes the manifest keeps (`imports`), latest last."""
_BATCH_BYTES: Final = 8 * 1024 * 1024
"""Record JSON written to the snapshot at a time, at most (one record more, at worst)."""
_BUILD_PREFIX: Final = ".build-"
UNPACKED_PREFIX: Final = "bundled-data-"
"""Folders of `$CHAINREVIEW_HOME/intel` the bundle is unpacked into, then a process id."""
_HASH: Final = re.compile(r"[0-9a-f]{64}")
"""A snapshot's hash: its file's name without `.sqlite`."""
_LEFTOVER: Final = re.compile(
    rf"(?:{re.escape(_BUILD_PREFIX)}(\d+)\.sqlite|{UNPACKED_PREFIX}(\d+))"
)

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


class ImportMode(StrEnum):
    """What an import did with a source."""

    NEW = "new"
    """The base snapshot had no source of that name."""
    REPLACED = "replaced"
    """The import's records replaced the source's."""
    MERGED = "merged"
    """The import would have left out too many of the source's records (`MAX_SHRINK`): those it
    lacks were kept beside its own."""


@dataclass(frozen=True, slots=True, kw_only=True)
class SourceChange:
    """What one import changed in one source, counted against the base snapshot."""

    mode: ImportMode
    records: int
    """Records the import brought for the source."""
    withdrawn: int
    added: int
    """Records the base snapshot did not hold (under any source)."""
    changed: int
    """Records the base held with other content."""
    removed: int
    """Records of the source in the base that the new snapshot no longer holds."""
    kept: int
    """Records of the source in the base the import lacked, kept because it was merged."""


# --- paths and the CURRENT pointer ----------------------------------------------------------


def intel_dir(home: Path) -> Path:
    """Return `$CHAINREVIEW_HOME/intel`."""
    return home / "intel"


def snapshots_dir(home: Path) -> Path:
    """Return the folder holding one `<hash>.sqlite` per snapshot."""
    return intel_dir(home) / "snapshots"


def pins_dir(home: Path) -> Path:
    """Return the folder of pins: `<hash>/<holder digest>`, one file per holder of a snapshot
    that must never be collected (a review round of a case rests on it)."""
    return intel_dir(home) / "pins"


def pin(snapshot_file: Path, holder: str) -> None:
    """Keep the snapshot in `snapshot_file` (`<home>/intel/snapshots/<hash>.sqlite`) from every
    later garbage collection, on behalf of `holder` (e.g. `CR-2026-0001 round 1`, written in the
    pin file); pinning again is harmless."""
    digest = snapshot_file.name.removesuffix(".sqlite")
    if not _HASH.fullmatch(digest) or snapshot_file.parent.name != "snapshots":
        raise ValueError(f"not an intel snapshot file: {snapshot_file}")
    folder = snapshot_file.parent.parent / "pins" / digest
    folder.mkdir(parents=True, exist_ok=True)
    name = hashlib.sha256(holder.encode("utf-8")).hexdigest()[:32]
    temporary = folder / f".{name}.tmp"
    temporary.write_text(holder + "\n", encoding="utf-8")
    os.replace(temporary, folder / name)


def unpin(snapshot_file: Path, holder: str) -> None:
    """Drop `holder`'s pin of the snapshot in `snapshot_file` (`pin`); a later collection may
    then remove the snapshot, unless something else pins it. No pin of that holder: nothing."""
    digest = snapshot_file.name.removesuffix(".sqlite")
    name = hashlib.sha256(holder.encode("utf-8")).hexdigest()[:32]
    (snapshot_file.parent.parent / "pins" / digest / name).unlink(missing_ok=True)


def pinned(home: Path) -> frozenset[str]:
    """The hashes of the snapshots something pinned (`pin`)."""
    folder = pins_dir(home)
    if not folder.is_dir():
        return frozenset()
    return frozenset(
        entry.name
        for entry in folder.iterdir()
        if _HASH.fullmatch(entry.name) and any(not f.name.startswith(".") for f in entry.iterdir())
    )


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


def unfinished_path(home: Path) -> Path:
    """Where this process writes a snapshot file until it is whole (`clean_stale` removes it
    once the process is gone)."""
    return snapshots_dir(home) / f"{_BUILD_PREFIX}{os.getpid()}.sqlite"


def place(home: Path, written: Path, digest: str) -> Path:
    """Make a whole snapshot file `written` (on the same file system) snapshot `digest`: fsync
    it, rename it to its hash, fsync the folder. It is not made current (`switch`)."""
    with written.open("rb") as handle:
        os.fsync(handle.fileno())
    final = snapshot_path(home, digest)
    os.replace(written, final)
    _fsync_dir(final.parent)
    return final


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


def retire_current(home: Path) -> None:
    """Make no snapshot current (its file stays until an import collects it)."""
    (intel_dir(home) / "CURRENT").unlink(missing_ok=True)


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
    """Writes one new snapshot file: records of the new feeds plus the kept sources of a base.

    `add_feed` for each input (later inputs win per record), `carry_over` once, then `finish`
    (or `abandon`); records are written a batch at a time, so a feed on disk (`Spool`) is never
    loaded whole.
    """

    def __init__(self, home: Path, base: Snapshot | None = None) -> None:
        folder = snapshots_dir(home)
        folder.mkdir(parents=True, exist_ok=True)
        self._home = home
        self._base = base
        self._path = unfinished_path(home)
        self._path.unlink(missing_ok=True)
        self._db = sqlite3.connect(self._path, isolation_level=None, uri=True)
        self._db.executescript(
            "PRAGMA journal_mode=OFF; PRAGMA synchronous=OFF; PRAGMA page_size=8192;"
            "PRAGMA temp_store=FILE;" + _SCHEMA
        )
        if base is not None:  # SQLite refuses ATTACH inside a transaction
            self._db.execute("ATTACH DATABASE ? AS base", (f"file:{base.path}?mode=ro",))
        self._db.execute("CREATE TEMP TABLE superseded(key TEXT PRIMARY KEY)")
        self._db.execute("BEGIN")
        self._sources: dict[str, dict[str, Any]] = {}
        self._changes: dict[str, SourceChange] = {}
        self._replace = False

    def add_feed(
        self, feed: FeedData, inputs: Sequence[str], *, complete: bool, demo: bool = False
    ) -> None:
        """Store the records of `feed` and their index entries; a record an earlier feed of
        this import stored under the same key is replaced, index entries included. Feeds of
        one source add up to one manifest entry.

        `complete` says the inputs hold the whole feed of the source (an ecosystem's entire
        advisory database, the whole KEV catalogue), not a selection of it; `demo` marks data
        for trying the tool (the bundled capture), never for a final determination."""
        kind = feed.kind.value
        marks_before = self._rowids()
        self._db.execute("DELETE FROM superseded")
        for batch in _with_bodies(feed.records):
            self._note_superseded(kind, [record.key for record, _ in batch])
            self._db.executemany(
                "INSERT OR REPLACE INTO records VALUES (?, ?, ?, ?, ?)",
                [(kind, r.key, feed.source, int(_withdrawn(r)), body) for r, body in batch],
            )
            records = [record for record, _ in batch]
            if feed.kind is FeedKind.OSV:
                self._db.executemany(
                    "INSERT INTO packages VALUES (?, ?, ?, ?, ?, ?, ?)",
                    _package_rows(records, feed.source),
                )
            self._db.executemany(
                "INSERT INTO lookup VALUES (?, ?, ?, ?, ?)",
                _lookup_rows(records, kind, feed.source),
            )
        self._drop_superseded(kind, marks_before)
        entry = {
            "name": feed.source,
            "kind": kind,
            "inputs": list(inputs),
            "records": 0,  # counted in `finish`, as stored
            "withdrawn": 0,
            "warnings": len(feed.warnings),
            "rejected": len(feed.rejected),
            "newest": feed.newest,
            "licence": feed.licence,
            "attribution": feed.attribution,
            "complete": complete,
            "demo": demo,
        }
        earlier = self._sources.get(feed.source)
        self._sources[feed.source] = entry if earlier is None else _joined(earlier, entry)

    def _rowids(self) -> tuple[int, int]:
        """The last rowid of `packages` and of `lookup` (their rows so far)."""
        (packages,) = self._db.execute("SELECT IFNULL(MAX(rowid), 0) FROM packages").fetchone()
        (lookup,) = self._db.execute("SELECT IFNULL(MAX(rowid), 0) FROM lookup").fetchone()
        return packages, lookup

    def _note_superseded(self, kind: str, keys: list[str]) -> None:
        """Remember those of `keys` an earlier feed of this import stored already."""
        for chunk in batches(keys):
            self._db.execute(
                "INSERT OR IGNORE INTO superseded SELECT key FROM records "
                f"WHERE kind = ? AND key IN ({marks(chunk)})",
                (kind, *chunk),
            )

    def _drop_superseded(self, kind: str, before: tuple[int, int]) -> None:
        """Drop the index rows that earlier feeds wrote for records this feed replaced (rows
        up to `before`; the later feed wins, as within one source)."""
        if self._db.execute("SELECT 1 FROM superseded LIMIT 1").fetchone() is None:
            return
        if kind == FeedKind.OSV.value:
            self._db.execute(
                "DELETE FROM packages WHERE rowid <= ? AND id IN (SELECT key FROM superseded)",
                (before[0],),
            )
        self._db.execute(
            "DELETE FROM lookup WHERE rowid <= ? AND kind = ? "
            "AND key IN (SELECT key FROM superseded)",
            (before[1], kind),
        )

    def carry_over(self, *, replace: bool = False) -> dict[str, SourceChange]:
        """Copy every source of the base this import did not bring (records and index rows,
        unchanged), except the records it brought again under another source name (an osv.dev
        dump of all ecosystems after one of PyPI alone: the new record and its index win).

        A source it did bring is replaced, unless its records would leave out more than
        `MAX_SHRINK` of the base's records of that source: then, unless `replace`, the source
        is merged (the base records it lacks are copied too). Returns what the import changed,
        per source it brought.
        """
        self._replace = replace
        brought = self._compared()
        if self._base is None:
            self._changes = {
                name: SourceChange(
                    mode=ImportMode.NEW,
                    records=records,
                    withdrawn=withdrawn,
                    added=records,
                    changed=0,
                    removed=0,
                    kept=0,
                )
                for name, (records, withdrawn, _, _) in brought.items()
            }
            return self._changes
        base_sources = {s["name"]: s for s in self._base.manifest["sources"]}
        left_out = self._left_out([name for name in brought if name in base_sources])
        merged = {
            name
            for name, count in left_out.items()
            if not replace and count > MAX_SHRINK * base_sources[name]["records"]
        }
        carried = [name for name in base_sources if name not in brought or name in merged]
        self._copy(carried)
        for name in merged:  # its warnings are this import's
            new = self._sources[name]
            self._sources[name] = {
                **_joined(base_sources[name], new),
                "warnings": new["warnings"],
                "rejected": new["rejected"],
            }
        for name in carried:
            self._sources.setdefault(name, base_sources[name])
        self._changes = {
            name: SourceChange(
                mode=ImportMode.NEW
                if name not in base_sources
                else ImportMode.MERGED
                if name in merged
                else ImportMode.REPLACED,
                records=records,
                withdrawn=withdrawn,
                added=added,
                changed=changed,
                removed=0 if name in merged else left_out.get(name, 0),
                kept=left_out.get(name, 0) if name in merged else 0,
            )
            for name, (records, withdrawn, added, changed) in brought.items()
        }
        return self._changes

    def _compared(self) -> dict[str, tuple[int, int, int, int]]:
        """Per source of this import: (records, withdrawn, added, changed) against the base."""
        if self._base is None:
            rows = self._db.execute(
                "SELECT source, COUNT(*), IFNULL(SUM(withdrawn), 0), COUNT(*), 0 "
                "FROM records GROUP BY source"
            )
        else:
            rows = self._db.execute(
                "SELECT r.source, COUNT(*), IFNULL(SUM(r.withdrawn), 0), "
                "SUM(b.key IS NULL), SUM(b.key IS NOT NULL AND b.body <> r.body) "
                "FROM main.records AS r LEFT JOIN base.records AS b "
                "ON b.kind = r.kind AND b.key = r.key GROUP BY r.source"
            )
        found = {
            source: (count, withdrawn, added, changed)
            for source, count, withdrawn, added, changed in rows
        }
        return {name: found.get(name, (0, 0, 0, 0)) for name in self._sources}

    def _left_out(self, names: list[str]) -> dict[str, int]:
        """Per base source among `names`: its records this import does not hold (under any
        source name)."""
        if not names:
            return {}
        rows = self._db.execute(
            "SELECT b.source, COUNT(*) FROM base.records AS b "
            f"WHERE b.source IN ({marks(names)}) AND NOT EXISTS "
            "(SELECT 1 FROM main.records AS r WHERE r.kind = b.kind AND r.key = b.key) "
            "GROUP BY b.source",
            names,
        )
        return dict(rows.fetchall())

    def _copy(self, names: list[str]) -> None:
        """Copy the base's rows of the sources `names`, but not those of the records this
        import holds (under any source name)."""
        if not names:
            return
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

    def finish(self, imported_at: str) -> Built:
        """Index, hash, write the manifest, fsync and rename to `<hash>.sqlite`."""
        for statement in _INDEXES:
            self._db.execute(statement)
        sources = self._counted_sources()
        digest = self._hash(sources)
        manifest = self._manifest(digest, imported_at, sources)
        self._db.execute("INSERT INTO meta VALUES ('manifest', ?)", (orjson.dumps(manifest),))
        self._db.execute("COMMIT")
        self._db.close()
        final = place(self._home, self._path, digest)
        return Built(hash=digest, path=final, manifest=manifest)

    def abandon(self) -> None:
        """Drop the unfinished file (an import that failed)."""
        self._db.close()
        self._path.unlink(missing_ok=True)

    def _hash(self, sources: list[dict[str, Any]]) -> str:
        digest = hashlib.sha256(b"chainreview-intel-snapshot\x00%d\x00" % FORMAT)
        for source in sorted(sources, key=lambda s: (s["kind"], s["name"])):
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
        for source in self._sources.values():
            records, withdrawn = counts.get(source["name"], (0, 0))
            if records:
                sources.append({**source, "records": records, "withdrawn": withdrawn})
        return sources

    def _manifest(
        self, digest: str, imported_at: str, counted: list[dict[str, Any]]
    ) -> dict[str, Any]:
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
            for s in sorted(counted, key=lambda s: (s["kind"], s["name"]))
        ]
        newest = [s["as_of"] for s in sources if s["as_of"]]
        earlier = list(self._base.manifest.get("imports", ())) if self._base is not None else []
        this = {
            "imported_at": imported_at,
            "replace": self._replace,
            "sources": [
                {"name": name, "kind": self._sources[name]["kind"], **_plain(change)}
                for name, change in sorted(self._changes.items())
            ],
        }
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
            "imports": [*earlier, this][-HISTORY:],
        }


def _joined(earlier: Mapping[str, Any], later: Mapping[str, Any]) -> dict[str, Any]:
    """One manifest entry for a source two entries describe (two inputs of one import, or a
    merged source and its base): inputs of both, whole when either is, demo when either is."""
    newest = [n for n in (earlier.get("newest"), later.get("newest")) if n]
    return {
        **later,
        "inputs": list(dict.fromkeys([*earlier["inputs"], *later["inputs"]])),
        "warnings": earlier["warnings"] + later["warnings"],
        "rejected": earlier["rejected"] + later["rejected"],
        "newest": max(newest, default=None),
        "licence": _union(earlier["licence"], later["licence"]),
        "attribution": _union(earlier["attribution"], later["attribution"]),
        "complete": source_complete(earlier) or source_complete(later),
        "demo": source_demo(earlier) or source_demo(later),
    }


def _union(*texts: str) -> str:
    """`; `-joined terms, each once, sorted."""
    return "; ".join(sorted({term for text in texts for term in text.split("; ") if term}))


def _plain(change: SourceChange) -> dict[str, Any]:
    return {**asdict(change), "mode": change.mode.value}


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


def _with_bodies(records: Sequence[Record]) -> Iterator[list[tuple[Record, bytes]]]:
    """The records with their stored JSON, a batch at a time: `BATCH` records, or fewer when
    their JSON reaches `_BATCH_BYTES` (a feed of huge records is never held whole). A spool
    that holds the canonical JSON already gives it (no second serialisation)."""
    pairs: Iterable[tuple[Record, bytes]] = (
        records.with_bodies()
        if isinstance(records, Spool) and records.canonical
        else ((record, _body(record)) for record in records)
    )
    return batched(pairs, BATCH, lambda pair: len(pair[1]), _BATCH_BYTES)


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


def _lookup_rows(
    records: Iterable[Record], kind: str, source: str
) -> Iterator[tuple[str, str, str, str, str]]:
    for record in records:
        if isinstance(record, Advisory):
            for alias in record.aliases:
                yield (kind, "alias", alias, record.id, source)
        elif _indexed(type(record)):
            for index, value in cast(IndexedRecord, record).index_keys():
                yield (kind, index, value, record.key, source)


@functools.cache
def _indexed(kind: type) -> bool:
    """Whether records of `kind` are `IndexedRecord`s (checked once per type: the protocol's
    own `isinstance` costs tens of microseconds a record)."""
    return callable(getattr(kind, "index_keys", None))


def _shared_versions(entry: dict[str, Any], shared: dict[str, str]) -> dict[str, Any]:
    """`entry` with its `versions` strings shared with the package's other entries: one
    package's advisories list mostly the same releases, thousands of times over in PyPI."""
    versions = entry.get("versions")
    if versions:
        entry["versions"] = [shared.setdefault(v, v) for v in versions]
    return entry


# --- reading --------------------------------------------------------------------------------


_DISTRO_RELEASES: Final = Held[Mapping[str, tuple[str, ...]]]("distro-releases")


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
        self.derived = Derived(path)
        """What the layers above derive from this snapshot (compiled packages, alias groups,
        findings' record facts, the screening index): held while it is open, kept beside it."""
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

    def advisory_counts(self, packages: Iterable[tuple[str, str]]) -> dict[tuple[str, str], int]:
        """The number of `affected` entries of each (ecosystem, normalised name) of `packages`
        (0 for a package without any), without decoding them."""
        return {
            key: self._db.execute(
                "SELECT count(*) FROM packages WHERE ecosystem = ? AND name = ?", key
            ).fetchone()[0]
            for key in packages
        }

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

    def every_record(self, kind: FeedKind) -> Iterator[tuple[str, Any]]:
        """(key, record) for every record of `kind`, by key; decoded one at a time."""
        rows = self._db.execute(
            "SELECT key, body FROM records WHERE kind = ? ORDER BY key", (kind.value,)
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
        return self.derived.held(_DISTRO_RELEASES, self._read_distro_releases)

    def _read_distro_releases(self) -> Mapping[str, tuple[str, ...]]:
        rows = self._db.execute(
            "SELECT DISTINCT substr(value, 1, instr(value, '/') - 1), source FROM lookup "
            "WHERE kind = ? AND idx = 'package' ORDER BY 1, 2",
            (FeedKind.DISTRO.value,),
        )
        releases: dict[str, list[str]] = {}
        for release, source in rows:
            releases.setdefault(release, []).append(source)
        return {release: tuple(names) for release, names in releases.items()}

    def keys(self, kind: FeedKind, index: str, value: str) -> tuple[str, ...]:
        """Return the keys of `kind` records filed under `value` in secondary index `index`."""
        rows = self._db.execute(
            "SELECT key FROM lookup WHERE kind = ? AND idx = ? AND value = ? ORDER BY key",
            (kind.value, index, value),
        )
        return tuple(key for (key,) in rows)

    def close(self) -> None:
        """Close the file and the derived data's."""
        self.derived.close()
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


def clean_stale(home: Path) -> None:
    """Remove what killed processes left behind: unfinished snapshot files
    (`snapshots/.build-<pid>.sqlite`) and unpacked bundles (`bundled-data-<pid>`) whose process
    is no longer running. Every intel command calls this first."""
    for folder in (snapshots_dir(home), intel_dir(home)):
        try:
            names = os.listdir(folder)
        except OSError:
            continue
        for name in names:
            found = _LEFTOVER.fullmatch(name)
            if found and not _running(int(found[1] or found[2])):
                path = folder / name
                if path.is_dir():
                    shutil.rmtree(path, ignore_errors=True)
                else:
                    path.unlink(missing_ok=True)


def _running(pid: int) -> bool:
    """Whether process `pid` exists and has not ended (a zombie has)."""
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:  # someone else's process
        return True
    try:
        state = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()[0]
    except (OSError, IndexError):
        return True
    return state != "Z"


def collect_garbage(home: Path, keep: Iterable[str]) -> None:
    """Delete snapshot files except those in `keep`, unfinished builds, and every file derived
    from a snapshot beside it (its derived-data file, rebuilt on demand); a pinned snapshot is
    always kept (`pin`); import lock held."""
    wanted = {f"{digest}.sqlite" for digest in (*keep, *pinned(home))}
    for path in snapshots_dir(home).iterdir():
        if path.name not in wanted:
            path.unlink(missing_ok=True)
