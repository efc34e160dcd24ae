"""The snapshot records one findings build reads, each looked up at most once.

`Records` fronts an `IntelLookup` (the snapshot) for one `build_findings` call: records are
fetched a few queries at a time (`prefetch`), kept slim (only the parts findings read: an OSV
record's aliases, texts and severities, an NVD record's description and metrics), and answered
from memory after that.
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator, Mapping, Sequence
from typing import Any, Final, Protocol

from chainreview.intel.derived import Derived
from chainreview.intel.interface import FeedKind

__all__ = ["IntelLookup", "Records"]

_SUMMARY_CHARS: Final = 200

_OSV_KEPT: Final = (
    "id",
    "aliases",
    "upstream",
    "summary",
    "details",
    "severity",
    "database_specific",
)
_NVD_KEPT: Final = ("cve_id", "description", "metrics")
"""The parts of an NVD record findings read (severity, text): configurations are let go."""


class IntelLookup(Protocol):
    """The part of `intel.snapshot.Snapshot` findings read."""

    @property
    def derived(self) -> Derived:
        """What is derived from the snapshot (alias groups, record facts), kept beside it."""
        ...

    def record(self, kind: FeedKind, key: str) -> Any | None:
        """The record `key` of `kind`, as JSON, or None."""
        ...

    def keys(self, kind: FeedKind, index: str, value: str) -> tuple[str, ...]:
        """Keys of `kind` records filed under `value` in `index`."""
        ...

    def records(self, kind: FeedKind, keys: Iterable[str]) -> Iterator[tuple[str, Any]]:
        """(key, record) for the records of `kind` among `keys` (in a few queries)."""
        ...

    def keys_by_value(
        self, kind: FeedKind, index: str, values: Iterable[str]
    ) -> Mapping[str, tuple[str, ...]]:
        """`keys` for each of `values` (in a few queries)."""
        ...


class Records:
    """Per-run cache of snapshot records (each looked up at most once)."""

    def __init__(self, intel: IntelLookup) -> None:
        self._intel = intel
        self._cache: dict[tuple[FeedKind, str], Any | None] = {}
        self._aliased: dict[str, tuple[str, ...]] = {}
        self._texts: dict[tuple[FeedKind, str], str] = {}

    def get(self, kind: FeedKind, key: str) -> Any | None:
        """The record `key` of `kind` (slim), or None."""
        cache_key = (kind, key)
        if cache_key not in self._cache:
            self._keep(kind, key, self._intel.record(kind, key))
        return self._cache[cache_key]

    def _keep(self, kind: FeedKind, key: str, record: Any | None) -> None:
        if kind is FeedKind.OSV and isinstance(record, dict):
            record = _slim_osv(record)
        elif kind is FeedKind.NVD and isinstance(record, dict):
            record = {k: record[k] for k in _NVD_KEPT if k in record}
        self._cache[(kind, key)] = record

    def prefetch(self, kind: FeedKind, keys: Iterable[str]) -> None:
        """Look up the records of `keys` not looked up yet, in a few queries."""
        missing = [key for key in keys if (kind, key) not in self._cache]
        if missing:
            for key, record in self._intel.records(kind, missing):
                self._keep(kind, key, record)
            for key in missing:
                self._cache.setdefault((kind, key), None)

    def prefetch_aliases(self, ids: Sequence[str]) -> None:
        """`prefetch` the OSV records of `ids` and the records naming them as aliases."""
        self.prefetch(FeedKind.OSV, ids)
        missing = [i for i in ids if i not in self._aliased]
        if missing:
            found = self._intel.keys_by_value(FeedKind.OSV, "alias", missing)
            for identifier in missing:
                self._aliased[identifier] = found.get(identifier, ())

    def aliased_by(self, identifier: str) -> tuple[str, ...]:
        """Ids of the OSV records listing `identifier` among their aliases."""
        found = self._aliased.get(identifier)
        if found is None:
            found = self._aliased[identifier] = self._intel.keys(FeedKind.OSV, "alias", identifier)
        return found

    def osv_aliases(self, advisory_id: str) -> tuple[str, ...]:
        """The OSV record's `aliases`."""
        record = self.get(FeedKind.OSV, advisory_id)
        return tuple(record.get("aliases") or ()) if isinstance(record, dict) else ()

    def upstream(self, advisory_id: str) -> tuple[str, ...]:
        """The OSV record's `upstream` ids (the vulnerabilities it is a downstream advisory of)."""
        record = self.get(FeedKind.OSV, advisory_id)
        return tuple(record.get("upstream") or ()) if isinstance(record, dict) else ()

    def text(self, kind: FeedKind, key: str, *fields: str) -> str:
        """`_record_text` of a record, worked out once per record."""
        cache_key = (kind, key)
        if cache_key not in self._texts:
            self._texts[cache_key] = _record_text(self.get(kind, key), *fields)
        return self._texts[cache_key]


def _record_text(record: Any, *fields: str) -> str:
    """The first line of the first non-empty text field of a JSON record, cut to length."""
    if not isinstance(record, dict):
        return ""
    text = str(next((record[f] for f in fields if record.get(f)), "")).strip()
    line = text.splitlines()[0] if text else ""
    return line if len(line) <= _SUMMARY_CHARS else line[: _SUMMARY_CHARS - 1] + "…"


def _slim_osv(record: dict[str, Any]) -> dict[str, Any]:
    """The parts of an OSV record findings read (aliases, texts, severities); the `affected`
    entries' version lists and ranges, references and credits are let go at once."""
    slim: dict[str, Any] = {k: record[k] for k in _OSV_KEPT if k in record}
    entries = record.get("affected")
    if isinstance(entries, list):
        slim["affected"] = [
            {"severity": e["severity"]} if isinstance(e, dict) and "severity" in e else {}
            for e in entries
        ]
    return slim
