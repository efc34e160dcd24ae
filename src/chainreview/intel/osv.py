"""The OSV reader: a directory of OSV JSON/YAML records, or an osv.dev `all.zip`, into `FeedData`.

Each file is parsed (YAML timestamps stay strings), checked against the bundled OSV schema, and
cleaned (`osv_validate.clean`): a schema violation confined to one part drops that part with a
warning naming the file and the JSON pointer, and the record is kept —

* a range (`/affected/i/ranges/j`) or a listed version (`/affected/i/versions/j`) is dropped
  alone, so a broken GIT range beside a valid ECOSYSTEM range costs only the GIT range;
* an `affected` entry whose `package` is unusable is dropped; other bad fields of an entry
  (`severity`, `ecosystem_specific`, …) are dropped alone;
* one bad item of a top-level list (`severity`, `references`, `credits`, `aliases`, …) is dropped,
  and any other bad top-level field, or one the schema does not define, is dropped;
* an `id` that does not follow the schema's database prefixes, or a missing `modified`, is kept
  with a warning; so is a `modified` date after today (the snapshot dates the source no later
  than its import, but a record from the future is worth a look).

A record is rejected (with its reason) only when it is not an OSV object, its `id` is not a
non-empty string, its `affected` is not a list, or it holds what JSON cannot (YAML allows integer
keys, integers past 64 bits, binary). Withdrawn advisories are kept (the matcher skips them).

Reading, parsing, checking and cleaning run in a process pool when `workers > 1`; the workers send
each cleaned record back as JSON bytes with the few facts the source needs (id, dates,
ecosystems), and the parent stores the bytes in a `Spool`, decoding an `Advisory` only when the
snapshot is built. Files are taken and results kept in file order, so warnings, duplicates and the
snapshot do not depend on the number of workers. The members of a zip are read by the parent a
window at a time (`_WINDOW_BYTES`), so an archive is never in memory at once; memory follows the
largest record and the window, never the feed.
"""

from __future__ import annotations

import itertools
import multiprocessing
from collections.abc import Callable, Iterable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path
from typing import Any, Final

import orjson
import yaml
from yaml.events import (
    AliasEvent,
    DocumentStartEvent,
    MappingEndEvent,
    MappingStartEvent,
    ScalarEvent,
    SequenceEndEvent,
    SequenceStartEvent,
    StreamEndEvent,
)
from yaml.nodes import ScalarNode

from chainreview import limits, raw
from chainreview.components.model import Diagnostic, Location
from chainreview.errors import InputError, LimitExceeded
from chainreview.intel import osv_validate, zipsafe
from chainreview.intel._common import Capped, batched, iso_date, walk_files
from chainreview.intel.interface import FeedData, FeedKind
from chainreview.intel.names import base_ecosystem
from chainreview.intel.osv_model import Advisory
from chainreview.intel.spool import Spool

__all__ = ["looks_like_osv", "read", "sniff"]

Progress = Callable[[int, int], None]
"""Called with (files done, files in all) while a source is read."""

_SUFFIXES: Final = (".json", ".yaml", ".yml")
_CHUNK: Final = 32
_SPOOLED: Final = 256
"""Records put in the spool at a time (fewer when they reach `_BYTES`)."""
_BYTES: Final = 8 * 1024 * 1024
"""Record JSON put in the spool at a time, at most (one record more, at worst)."""
_WINDOW_ITEMS: Final = 4096
"""Files handed to the worker pool at a time."""
_WINDOW_BYTES: Final = 64 * 1024 * 1024
"""Zip member bytes read ahead for the worker pool at most (one member more, at worst)."""
_SNIFF_FILES: Final = 8
"""A folder is OSV when one of its first few record files is (a stray YAML may come first)."""

_LICENCES: Final[dict[str, tuple[str, str]]] = {
    "PYSEC": (
        "CC-BY-4.0",
        "Python Packaging Advisory Database (PyPA), https://github.com/pypa/advisory-database",
    ),
    "GO": ("CC-BY-4.0", "Go Vulnerability Database, https://vuln.go.dev"),
    "RUSTSEC": (
        "CC0-1.0 (advisories imported from GHSA: CC-BY-4.0)",
        "RustSec Advisory Database, https://rustsec.org",
    ),
    "GHSA": ("CC-BY-4.0", "GitHub Advisory Database, https://github.com/advisories"),
    "UBUNTU": ("CC-BY-SA-4.0", "Canonical Ltd., Ubuntu Security Notices"),
    "USN": ("CC-BY-SA-4.0", "Canonical Ltd., Ubuntu Security Notices"),
}
"""Licence and attribution per OSV database (id prefix), as each database publishes them."""


@dataclass(frozen=True, slots=True, kw_only=True)
class _Outcome:
    """What reading one file gave: a cleaned OSV record (maybe with warnings) or a rejection."""

    body: bytes | None = None
    """The cleaned record as JSON; None when it was rejected."""
    id: str = ""
    modified: str | None = None
    published: str | None = None
    ecosystems: tuple[str, ...] = ()
    """The base ecosystems of its `affected` packages (`PyPI`, `Debian`, …)."""
    warnings: tuple[Diagnostic, ...] = ()
    rejected: Diagnostic | None = None


_FOREIGN_FIELDS: Final = frozenset(
    {
        # NVD CVE API 2.0 (a CVE object, or a page whose items wrap one in `cve`); its CVE 5
        # `affected` list must not pass for OSV's
        "sourceIdentifier", "vulnStatus", "configurations", "descriptions", "cve",
        # CVE JSON 5, CSAF 2.0, the CISA KEV catalogue
        "cveMetadata", "containers", "document", "product_tree", "catalogVersion",
    }
)  # fmt: skip
"""Top-level fields OSV does not define that mark another feed's document."""


def looks_like_osv(value: Any) -> bool:
    """Whether a parsed document is meant as an OSV record: an `id` plus an OSV-only field, and
    no field that marks another feed (NVD, CVE 5, CSAF, KEV; `_FOREIGN_FIELDS`)."""
    return (
        isinstance(value, dict)
        and "id" in value
        and ("modified" in value or "affected" in value or "schema_version" in value)
        and _FOREIGN_FIELDS.isdisjoint(value)
    )


def sniff(path: Path) -> bool:
    """Whether `path` (a file, a directory or a zip) holds OSV records, judged by the first few.

    An archive that is unsafe or unreadable is refused here, with what is wrong with it
    (`IntelError`), rather than passed over as some other kind of file.
    """
    if path.is_dir():
        files = itertools.islice(walk_files(path, str(path), _SUFFIXES), _SNIFF_FILES)
        return any(_holds_osv(Path(file), name) for name, file in files)
    if zipsafe.is_zip(path):
        with zipsafe.Archive(path, str(path)) as archive:
            name = next((n for n in archive.names if n.endswith(".json")), None)
            return name is not None and _looks(lambda: archive.read(name), name)
    return path.suffix in _SUFFIXES and _holds_osv(path, path.name)


def _holds_osv(path: Path, name: str) -> bool:
    return _looks(lambda: raw.read_bytes(path, name, limits.MAX_FEED_FILE_BYTES), name)


def _looks(data: Callable[[], bytes], name: str) -> bool:
    try:
        return looks_like_osv(_parse(data(), name))
    except (InputError, OSError):
        return False


def read(
    path: Path, display: str, *, workers: int = 1, progress: Progress | None = None
) -> FeedData:
    """Read OSV records from a file, a directory (recursively) or an osv.dev zip."""
    with _items(path, display) as (items, total):
        if workers > 1 and total > _CHUNK:
            context = multiprocessing.get_context(
                "fork" if "fork" in multiprocessing.get_all_start_methods() else "spawn"
            )
            with context.Pool(workers) as pool:
                outcomes = _pooled(pool, items)
                return _feed(path, display, _with_progress(outcomes, total, progress))
        return _feed(path, display, _with_progress(map(_read_item, items), total, progress))


# --- enumerating and parsing files ----------------------------------------------------------

_Item = tuple[str, str | None, bytes | None]
"""(display name, path to read, or the bytes already read from a zip)."""


@contextmanager
def _items(path: Path, display: str) -> Iterator[tuple[Iterable[_Item], int]]:
    """The files to read and their number; a zip's members are read as they are taken."""
    if path.is_dir():
        files = [
            (f"{display}/{name}", file, None) for name, file in walk_files(path, display, _SUFFIXES)
        ]
        yield files, len(files)
    elif zipsafe.is_zip(path):
        with zipsafe.Archive(path, display) as archive:
            names = [name for name in archive.names if name.endswith(_SUFFIXES)]
            yield ((f"{display}!{name}", None, archive.read(name)) for name in names), len(names)
    else:
        yield [(display, str(path), None)], 1


def _pooled(pool: Any, items: Iterable[_Item]) -> Iterator[_Outcome]:
    """The outcomes of `items` in order, handed to the pool a window at a time, so that no more
    than `_WINDOW_BYTES` of zip members are read ahead."""
    window: list[_Item] = []
    size = 0
    for item in items:
        window.append(item)
        size += len(item[2] or b"")
        if len(window) == _WINDOW_ITEMS or size >= _WINDOW_BYTES:
            yield from pool.imap(_read_item, window, _CHUNK)
            window, size = [], 0
    yield from pool.imap(_read_item, window, _CHUNK)


def _with_progress(
    outcomes: Iterable[_Outcome], total: int, progress: Progress | None
) -> Iterator[_Outcome]:
    for done, outcome in enumerate(outcomes, 1):
        if progress is not None:
            progress(done, total)
        yield outcome


def _read_item(item: _Item) -> _Outcome:
    display, path, data = item
    try:
        if data is None:
            data = raw.read_bytes(Path(path or ""), display, limits.MAX_FEED_FILE_BYTES)
        value = _parse(data, display)
    except InputError as exc:
        return _reject(
            display, exc.message if not exc.location else f"{exc.location}: {exc.message}"
        )
    return _clean(value, display)


def _parse(data: bytes, display: str) -> Any:
    if not display.endswith((".yaml", ".yml")):
        return raw.load_json(data, display)
    parser = yaml.CSafeLoader(raw.decode_utf8(data, display))
    try:
        value = _yaml_value(parser, display)
    except yaml.YAMLError as exc:
        raise raw.yaml_error(exc, display) from exc
    finally:
        parser.dispose()
    if value is _BEYOND_JSON:
        return raw.load_yaml(data, display)
    return value


_BEYOND_JSON: Final = object()
"""What `_yaml_value` returns for YAML it leaves to the careful loader."""
_NO_KEY: Final = object()
"""The key of a mapping that is waiting for its next key (None is a key YAML allows)."""
_STR: Final = "tag:yaml.org,2002:str"
_INT: Final = "tag:yaml.org,2002:int"
_AS_WRITTEN: Final = frozenset({_STR, "tag:yaml.org,2002:timestamp"})
"""Tags whose scalars are kept as the text the record wrote (OSV timestamps are strings)."""
_CONSTRUCTOR: Final = yaml.constructor.SafeConstructor()
_SCALARS: Final[dict[str, Callable[[ScalarNode], Any]]] = {
    "tag:yaml.org,2002:null": _CONSTRUCTOR.construct_yaml_null,
    "tag:yaml.org,2002:bool": _CONSTRUCTOR.construct_yaml_bool,
    "tag:yaml.org,2002:int": _CONSTRUCTOR.construct_yaml_int,
    "tag:yaml.org,2002:float": _CONSTRUCTOR.construct_yaml_float,
}
_IMPLICIT: Final[dict[str, list[tuple[str, Any]]]] = yaml.SafeLoader.yaml_implicit_resolvers
"""The tags a plain scalar may resolve to, by its first character (none: a string)."""


def _yaml_value(parser: yaml.CSafeLoader, display: str) -> Any:
    """The value of a YAML document, built from libyaml's parser events as `yaml.safe_load`
    would build it (timestamps kept as strings), or `_BEYOND_JSON`.

    Half the time of `yaml.CSafeLoader` and a depth check (no node tree, no constructor calls
    per node), and safe where it is not: its composer recurses in C, so a deeply nested document
    crashes the process, while here nesting is counted and refused past `limits.MAX_JSON_DEPTH`
    as `raw.check_depth` would. Only the JSON-shaped part of YAML is built here; anchors and
    aliases (whose expansion must be bounded), merge keys, other tags, a collection as a key, a
    second document, and what the careful loader refuses with its own message (a key given twice
    in a mapping, an integer over `MAX_YAML_INT_CHARS` characters) give `_BEYOND_JSON`, for the
    careful loader (`raw.load_yaml`).
    """
    stack: list[tuple[Any, Any]] = []  # (enclosing collection, its pending key)
    collection: Any = None
    key: Any = _NO_KEY
    document: Any = None
    documents = 0
    while True:
        event = parser.get_event()
        if isinstance(event, ScalarEvent):
            if event.anchor is not None:
                return _BEYOND_JSON
            value: Any = event.value
            tag = event.tag
            if tag is None or tag == "!":
                tag = _STR
                if event.implicit[0]:
                    for candidate, rule in _IMPLICIT.get(value[:1], ()):
                        if rule.match(value):
                            tag = candidate
                            break
            if tag not in _AS_WRITTEN:
                construct = _SCALARS.get(tag)
                if construct is None or (tag == _INT and len(value) > limits.MAX_YAML_INT_CHARS):
                    return _BEYOND_JSON
                value = construct(ScalarNode(tag, value))
        elif isinstance(event, (MappingStartEvent, SequenceStartEvent)):
            if event.anchor is not None or event.tag not in (None, "!"):
                return _BEYOND_JSON
            if len(stack) == limits.MAX_JSON_DEPTH:
                raise LimitExceeded(display, f"nesting deeper than {limits.MAX_JSON_DEPTH} levels")
            stack.append((collection, key))
            collection, key = ({} if isinstance(event, MappingStartEvent) else []), _NO_KEY
            continue
        elif isinstance(event, (MappingEndEvent, SequenceEndEvent)):
            value = collection
            collection, key = stack.pop()
        elif isinstance(event, DocumentStartEvent):
            documents += 1
            if documents > 1:
                return _BEYOND_JSON
            continue
        elif isinstance(event, StreamEndEvent):
            return document
        elif isinstance(event, AliasEvent):
            return _BEYOND_JSON
        else:  # the stream's start, a document's end
            continue
        if collection is None:
            document = value
        elif type(collection) is list:
            collection.append(value)
        elif key is not _NO_KEY:
            collection[key] = value
            key = _NO_KEY
        elif isinstance(value, (dict, list)) or value in collection:
            return _BEYOND_JSON
        else:
            key = value


# --- checking and cleaning one record -------------------------------------------------------


def _reject(display: str, reason: str) -> _Outcome:
    return _Outcome(
        rejected=Diagnostic(location=Location(file=display), message=reason, code="rejected"),
    )


def _clean(value: Any, display: str) -> _Outcome:
    if not looks_like_osv(value):
        return _reject(
            display, "not an OSV record (needs `id` and `modified`, `affected` or `schema_version`)"
        )
    if not isinstance(value["id"], str) or not value["id"].strip():
        return _reject(display, "`id` is not a non-empty string")
    if not isinstance(value.get("affected") or [], list):
        return _reject(display, "`affected` is not a list")
    warnings = Capped(display)
    if not osv_validate.is_valid(value):
        for violation in osv_validate.clean(value):
            what = ", ".join(_pointer(part) for part in violation.dropped)
            message = violation.message + (f"; dropped {what}" if what else "; kept")
            location = Location(file=display, pointer=_pointer(violation.path))
            warnings.add(Diagnostic(location=location, message=message, code="schema"))
    modified = iso_date(value.get("modified"))
    today = datetime.now(UTC).date().isoformat()
    if modified is not None and modified > today:
        warnings.add(
            Diagnostic(
                location=Location(file=display, pointer="/modified"),
                message=f"modified {modified} lies in the future (today is {today}); the "
                "snapshot dates this source no later than its import",
                code="future",
            )
        )
    try:
        body = orjson.dumps(value, option=orjson.OPT_SORT_KEYS)  # as the snapshot stores it
    except orjson.JSONEncodeError as exc:
        return _reject(display, f"not representable as JSON: {exc}")
    return _Outcome(
        body=body,
        id=value["id"],
        modified=value.get("modified"),
        published=value.get("published"),
        ecosystems=tuple(
            sorted(
                {
                    base_ecosystem(entry["package"]["ecosystem"])
                    for entry in value.get("affected") or ()
                    if entry.get("package")
                }
            )
        ),
        warnings=warnings.finish(),
    )


def _pointer(path: Iterable[str | int]) -> str:
    return "".join("/" + str(step).replace("~", "~0").replace("/", "~1") for step in path)


# --- one source -----------------------------------------------------------------------------


def _advisory(_key: str, body: bytes) -> Advisory:
    return Advisory.from_osv(orjson.loads(body))


def _feed(path: Path, display: str, outcomes: Iterable[_Outcome]) -> FeedData:
    records: Spool[Advisory] = Spool(_advisory, by_key=True, canonical=True)
    warnings = Capped(display)
    rejected = Capped(display)
    ecosystems: set[str] = set()
    databases: set[str] = set()
    newest = ""
    for batch in batched(outcomes, _SPOOLED, lambda outcome: len(outcome.body or b""), _BYTES):
        for outcome in batch:
            warnings.extend(outcome.warnings)
            if outcome.rejected is not None:
                rejected.add(outcome.rejected)
        read = [outcome for outcome in batch if outcome.body is not None]
        stored = [(outcome.id, outcome.body or b"", outcome.modified or "") for outcome in read]
        for position, kept in records.add_latest(stored):
            warnings.add(
                Diagnostic(
                    location=Location(file=display),
                    message=f"{read[position].id} appears more than once; kept the one "
                    f"modified {kept or 'at an unknown date'}",
                    code="duplicate",
                )
            )
        for outcome in read:
            ecosystems.update(outcome.ecosystems)
            databases.add(outcome.id.partition("-")[0])
            newest = max(newest, outcome.modified or "", outcome.published or "")
    terms = [
        _LICENCES.get(db, ("see the publisher's terms", f"OSV database {db}"))
        for db in sorted(databases)
    ]
    return FeedData(
        kind=FeedKind.OSV,
        source="osv:" + ("+".join(sorted(ecosystems)) if ecosystems else path.name),
        records=records,
        warnings=warnings.finish(),
        rejected=rejected.finish(),
        newest=newest or None,
        licence="; ".join(sorted({licence for licence, _ in terms})),
        attribution="; ".join(sorted({attribution for _, attribution in terms})),
    )
