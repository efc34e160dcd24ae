"""The OSV reader: a directory of OSV JSON/YAML records, or an osv.dev `all.zip`, into `FeedData`.

Each file is parsed (YAML timestamps stay strings), checked against the bundled OSV schema, and
cleaned: a schema violation confined to one part drops that part with a warning naming the file
and the JSON pointer, and the record is kept —

* a range (`/affected/i/ranges/j`) or a listed version (`/affected/i/versions/j`) is dropped
  alone, so a broken GIT range beside a valid ECOSYSTEM range costs only the GIT range;
* an `affected` entry whose `package` is unusable is dropped; other bad fields of an entry
  (`severity`, `ecosystem_specific`, …) are dropped alone;
* one bad item of a top-level list (`severity`, `references`, `credits`, `aliases`, …) is dropped,
  and any other bad top-level field, or one the schema does not define, is dropped;
* an `id` that does not follow the schema's database prefixes, or a missing `modified`, is kept
  with a warning.

A record is rejected (with its reason) only when it is not an OSV object, its `id` is not a
non-empty string, its `affected` is not a list, or it holds what JSON cannot (YAML allows integer
keys, integers past 64 bits, binary). Withdrawn advisories are kept (the matcher skips them).

Reading, parsing, checking and cleaning run in a process pool when `workers > 1`; the workers send
each cleaned record back as JSON bytes, and the parent builds the `Advisory` values. Files are
taken and results kept in file order, so warnings, duplicates and the snapshot do not depend on
the number of workers.
"""

from __future__ import annotations

import itertools
import multiprocessing
import os
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Final

import orjson
import yaml
from jsonschema.exceptions import ValidationError
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
from chainreview.intel.interface import FeedData, FeedKind, IntelError
from chainreview.intel.names import base_ecosystem
from chainreview.intel.osv_model import Advisory

__all__ = ["looks_like_osv", "read", "sniff"]

Progress = Callable[[int, int], None]
"""Called with (files done, files in all) while a source is read."""

_SUFFIXES: Final = (".json", ".yaml", ".yml")
_LIST_FIELDS: Final = frozenset(
    {"aliases", "related", "upstream", "severity", "references", "credits"}
)
_MESSAGE_CHARS: Final = 200
_CHUNK: Final = 32
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
    """What reading one file gave: a cleaned OSV object (maybe with warnings) or a rejection.

    From a worker only `body`, the object's JSON, crosses the process pool (see `__reduce__`).
    """

    document: dict[str, Any] | None
    body: bytes = b""
    """`document` as JSON (set with it)."""
    warnings: tuple[Diagnostic, ...] = ()
    rejected: Diagnostic | None = None

    def __reduce__(self) -> tuple[Callable[..., _Outcome], tuple[Any, ...]]:
        """Pickle as the JSON bytes: pickling a tree of dicts and lists costs many times more
        than `orjson` does both ways, and it is what the parent would spend its time on."""
        body = None if self.document is None else self.body
        return _received, (body, self.warnings, self.rejected)


def _received(
    body: bytes | None, warnings: tuple[Diagnostic, ...], rejected: Diagnostic | None
) -> _Outcome:
    document = None if body is None else orjson.loads(body)
    return _Outcome(document=document, body=body or b"", warnings=warnings, rejected=rejected)


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
    """Whether `path` (a file, a directory or a zip) holds OSV records, judged by the first one."""
    try:
        if path.is_dir():
            files = itertools.islice(_directory_files(path, str(path)), _SNIFF_FILES)
            return any(looks_like_osv(_parse(Path(f).read_bytes(), name)) for name, f in files)
        if zipsafe.is_zip(path):
            names = [n for n in zipsafe.member_names(path, str(path)) if n.endswith(".json")]
            if not names:
                return False
            member = next(m for m in zipsafe.read_members(path, str(path)) if m.name == names[0])
            return looks_like_osv(_parse(member.data, member.name))
        if path.suffix in _SUFFIXES:
            return looks_like_osv(_parse(path.read_bytes(), path.name))
    except (InputError, OSError):
        return False
    return False


def read(
    path: Path, display: str, *, workers: int = 1, progress: Progress | None = None
) -> FeedData:
    """Read OSV records from a file, a directory (recursively) or an osv.dev zip."""
    items = _items(path, display)
    total = len(items)
    if workers > 1 and total > _CHUNK:
        context = multiprocessing.get_context(
            "fork" if "fork" in multiprocessing.get_all_start_methods() else "spawn"
        )
        with context.Pool(workers) as pool:
            outcomes = pool.imap(_read_item, items, _CHUNK)
            return _feed(path, display, _with_progress(outcomes, total, progress))
    return _feed(path, display, _with_progress(map(_read_item, items), total, progress))


# --- enumerating and parsing files ----------------------------------------------------------

_Item = tuple[str, str | None, bytes | None]
"""(display name, path to read, or the bytes already read from a zip)."""


def _items(path: Path, display: str) -> list[_Item]:
    if path.is_dir():
        return [(f"{display}/{name}", file, None) for name, file in _directory_files(path, display)]
    if not path.is_file():
        raise IntelError(display, "no such file or directory")
    if zipsafe.is_zip(path):
        return [
            (f"{display}!{m.name}", None, m.data)
            for m in zipsafe.read_members(path, display)
            if m.name.endswith(_SUFFIXES)
        ]
    return [(display, str(path), None)]


def _directory_files(root: Path, display: str) -> Iterator[tuple[str, str]]:
    """(name relative to `root`, path) of the record files under `root`, in sorted order."""
    for count, found in enumerate(_walk(str(root), ""), 1):
        if count > limits.MAX_FEED_FILES:
            raise LimitExceeded(display, f"more than {limits.MAX_FEED_FILES:,} record files")
        yield found


def _walk(folder: str, prefix: str) -> Iterator[tuple[str, str]]:
    """Record files under `folder`, depth first with each folder's entries in name order: the
    order of `sorted(Path.rglob("*"))`, which compares paths part by part. Hidden files and
    folders are left out, symlinked folders not entered, unreadable folders skipped, as `rglob`
    does; it is done with `os.scandir` because `rglob` and sorting `Path`s cost more than
    reading a small corpus, and the folder is listed lazily for `sniff`."""
    try:
        with os.scandir(folder) as listing:
            entries = sorted(listing, key=lambda entry: entry.name)
    except PermissionError:
        return
    for entry in entries:
        if entry.name.startswith("."):
            continue
        if entry.is_dir(follow_symlinks=False):
            yield from _walk(entry.path, f"{prefix}{entry.name}/")
        elif entry.name.endswith(_SUFFIXES) and entry.is_file():
            yield prefix + entry.name, entry.path


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
    aliases (whose expansion must be bounded), merge keys, other tags, a collection as a key and
    a second document give `_BEYOND_JSON`, for the careful loader (`raw.load_yaml`).
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
                if construct is None:
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
        elif isinstance(value, (dict, list)):
            return _BEYOND_JSON
        else:
            key = value


# --- checking and cleaning one record -------------------------------------------------------


def _reject(display: str, reason: str) -> _Outcome:
    return _Outcome(
        document=None,
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
    if osv_validate.is_valid(value):
        return _checked(value, display, ())
    drops: dict[tuple[str | int, ...], None] = {}
    warnings: list[Diagnostic] = []
    for error in osv_validate.errors(value):
        path = tuple(error.absolute_path)
        targets = _drop_targets(path, error)
        drops.update(dict.fromkeys(targets))
        what = ", ".join(_pointer(t) for t in targets)
        message = _clip(error.message) + (f"; dropped {what}" if what else "; kept")
        warnings.append(
            Diagnostic(
                location=Location(file=display, pointer=_pointer(path)),
                message=message,
                code="schema",
            )
        )
    _apply_drops(value, drops)
    return _checked(value, display, tuple(warnings))


def _checked(document: dict[str, Any], display: str, warnings: tuple[Diagnostic, ...]) -> _Outcome:
    """The outcome for a cleaned record, refused if it holds what JSON cannot."""
    try:
        body = orjson.dumps(document)
    except orjson.JSONEncodeError as exc:
        return _reject(display, f"not representable as JSON: {exc}")
    return _Outcome(document=document, body=body, warnings=warnings)


def _drop_targets(
    path: tuple[str | int, ...], error: ValidationError
) -> list[tuple[str | int, ...]]:
    """The smallest parts of the record whose removal clears `error` (none: keep, warn)."""
    if not path:
        if error.validator == "additionalProperties":
            known = error.schema.get("properties", {}) if isinstance(error.schema, dict) else {}
            instance = error.instance if isinstance(error.instance, dict) else {}
            return [(key,) for key in instance if key not in known]
        return []
    head = path[0]
    if head == "id":
        return []
    if head == "affected":
        if len(path) >= 4 and path[2] in ("ranges", "versions"):
            return [path[:4]]
        if len(path) >= 3 and path[2] != "package":
            return [path[:3]]
        return [path[:2]]
    if head in _LIST_FIELDS and len(path) >= 2:
        return [path[:2]]
    return [path[:1]]


def _apply_drops(record: dict[str, Any], drops: Iterable[tuple[str | int, ...]]) -> None:
    targets = set(drops)
    kept = [t for t in targets if not any(t[:n] in targets for n in range(1, len(t)))]
    for target in sorted(kept, key=_sort_key, reverse=True):
        parent: Any = record
        for step in target[:-1]:
            parent = parent[step]
        del parent[target[-1]]


def _sort_key(target: tuple[str | int, ...]) -> tuple[tuple[int, int, str], ...]:
    return tuple((0, s, "") if isinstance(s, int) else (1, 0, s) for s in target)


def _pointer(path: Iterable[str | int]) -> str:
    return "".join("/" + str(step).replace("~", "~0").replace("/", "~1") for step in path)


def _clip(message: str) -> str:
    flat = " ".join(message.split())
    return flat if len(flat) <= _MESSAGE_CHARS else flat[:_MESSAGE_CHARS] + "…"


# --- one source -----------------------------------------------------------------------------


def _feed(path: Path, display: str, outcomes: Iterable[_Outcome]) -> FeedData:
    by_id: dict[str, Advisory] = {}
    warnings: list[Diagnostic] = []
    rejected: list[Diagnostic] = []
    for outcome in outcomes:
        warnings.extend(outcome.warnings)
        if outcome.rejected is not None:
            rejected.append(outcome.rejected)
        if outcome.document is None:
            continue
        advisory = Advisory.from_osv(outcome.document)
        earlier = by_id.get(advisory.id)
        if earlier is not None:
            keep = max(earlier, advisory, key=lambda a: a.modified or "")
            warnings.append(
                Diagnostic(
                    location=Location(file=display),
                    message=f"{advisory.id} appears more than once; kept the one modified "
                    f"{keep.modified}",
                    code="duplicate",
                )
            )
            advisory = keep
        by_id[advisory.id] = advisory
    records = tuple(by_id[key] for key in sorted(by_id))
    ecosystems = sorted(
        {base_ecosystem(a.package.ecosystem) for r in records for a in r.affected if a.package}
    )
    databases = sorted({r.id.partition("-")[0] for r in records})
    terms = [
        _LICENCES.get(db, ("see the publisher's terms", f"OSV database {db}")) for db in databases
    ]
    return FeedData(
        kind=FeedKind.OSV,
        source="osv:" + ("+".join(ecosystems) if ecosystems else path.name),
        records=records,
        warnings=tuple(warnings),
        rejected=tuple(rejected),
        newest=max((d for r in records for d in (r.modified, r.published) if d), default=None),
        licence="; ".join(sorted({licence for licence, _ in terms})),
        attribution="; ".join(sorted({attribution for _, attribution in terms})),
    )
