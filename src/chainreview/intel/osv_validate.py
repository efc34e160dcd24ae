"""Validation of OSV records against the bundled official OSV JSON Schema, and cleaning of the
records that break it, fast on the valid path and linear on the invalid one.

`jsonschema` takes about 0.6 ms per OSV record, which alone would cap an import below 2,000
advisories/s. So every record first goes through a compiled `jsonschema-rs` validator
(`is_valid`, a few microseconds); almost every real record is valid. A test checks that both
agree on every real record and on mutated ones.

An invalid record is cleaned part by part (`clean`): each part that may be dropped alone — a
top-level field or an item of a top-level list, an `affected` entry, a field of one, one of its
ranges or listed versions — is checked with a compiled validator of its own sub-schema, going
down only into the parts that fail. `jsonschema` explains a failing part (the messages and JSON
pointers users see) only while the part is small and only for the first `EXPLAINED_PARTS` parts
of a record; others are dropped with a short message. Neither validator ever walks a whole large
record in Python, and their error lists are never built for one (both cost tens of microseconds
per error: 300,000 broken events would take minutes), so cleaning costs about as much as
reading. What no part explains (a missing `modified`, an `id` outside the known prefixes) is
left to one last check of the cleaned record.

`format` is an annotation here, as in draft 2020-12 without a format checker (the schema's
timestamp `pattern` still applies), in both validators.
"""

from __future__ import annotations

import functools
from collections import defaultdict
from collections.abc import Iterable
from dataclasses import dataclass
from importlib import resources
from typing import Any, Final

import jsonschema_rs
import orjson
from jsonschema.validators import validator_for

Path = tuple[str | int, ...]
"""A place in a record (or in the schema): its keys and indexes from the top."""

EXPLAINED_PARTS: Final = 100
"""Failing parts of one record explained by `jsonschema`; later ones get a short message."""
_SMALL_PART: Final = 2_000
"""Most JSON nodes a failing part may hold to be explained by `jsonschema`."""
_LIST_FIELDS: Final = frozenset(
    {"aliases", "related", "upstream", "severity", "references", "credits"}
)
"""Top-level lists whose items are dropped one by one."""
_ENTRY_LISTS: Final = frozenset({"ranges", "versions"})
"""Lists of an `affected` entry whose items are dropped one by one."""
_BROKEN: Final = "does not match the OSV schema"
_MESSAGE_CHARS: Final = 200


@dataclass(frozen=True, slots=True, kw_only=True)
class Violation:
    """One way a record breaks the schema, and the parts dropped for it (none: kept, warned)."""

    path: Path
    message: str
    dropped: tuple[Path, ...] = ()


@functools.cache
def schema() -> dict[str, Any]:
    """Return the bundled OSV schema (`osv_schema.json`, see `NOTICE-osv-schema.txt`)."""
    data = (resources.files("chainreview.intel") / "osv_schema.json").read_bytes()
    value: dict[str, Any] = orjson.loads(data)
    return value


def is_valid(record: Any) -> bool:
    """Whether `record` satisfies the OSV schema (fast; no messages)."""
    return _fast((), record)


def clean(record: dict[str, Any]) -> list[Violation]:
    """Drop, in place, the parts of an invalid `record` that break the schema (see the module
    doc); return every violation found, with what was dropped for it."""
    found: list[Violation] = []
    explainer = _Explainer()
    unknown = [key for key in record if key not in schema()["properties"]]
    if unknown:
        names = ", ".join(repr(key) for key in unknown)
        message = f"additional properties are not allowed ({names} unexpected)"
        found.append(Violation(path=(), message=message, dropped=tuple((k,) for k in unknown)))
    for key, value in record.items():
        if key in schema()["properties"] and key != "id":
            found += _field(key, value, explainer)
    found += _severity_clash(record)
    drop(record, (path for violation in found for path in violation.dropped))
    found += _remaining(record)
    return found


def drop(record: dict[str, Any], targets: Iterable[Path]) -> None:
    """Remove the parts at `targets` from `record` (a part inside another removed part needs
    nothing more); each list is rebuilt once, whatever number of its items go."""
    chosen = set(targets)
    by_parent: dict[Path, set[str | int]] = defaultdict(set)
    for target in chosen:
        if target and not any(target[:n] in chosen for n in range(1, len(target))):
            by_parent[target[:-1]].add(target[-1])
    for parent_path in sorted(by_parent, key=len, reverse=True):  # deepest first: indexes hold
        parent: Any = record
        for step in parent_path:
            parent = parent[step]
        gone = by_parent[parent_path]
        if isinstance(parent, list):
            parent[:] = [item for index, item in enumerate(parent) if index not in gone]
        else:
            for key in gone:
                del parent[key]


# --- the parts of a record ------------------------------------------------------------------


def _field(key: str, value: Any, explainer: _Explainer) -> list[Violation]:
    where = ("properties", key)
    if _fast(where, value):
        return []
    if key in _LIST_FIELDS and isinstance(value, list):
        return _items((key,), value, (*where, "items"), explainer)
    if key == "affected" and isinstance(value, list):
        return [v for index, entry in enumerate(value) for v in _entry(index, entry, explainer)]
    return explainer.explain((key,), value, where, (key,))


def _entry(index: int, entry: Any, explainer: _Explainer) -> list[Violation]:
    where = ("properties", "affected", "items")
    if _fast(where, entry):
        return []
    if not isinstance(entry, dict):
        return explainer.explain(("affected", index), entry, where, ("affected", index))
    found: list[Violation] = []
    known = _schema_at(*where)["properties"]
    for name, value in entry.items():
        at = (*where, "properties", name)
        if name not in known or _fast(at, value):
            continue  # an entry may carry fields the schema does not name
        path = ("affected", index, name)
        if name in _ENTRY_LISTS and isinstance(value, list):
            found += _items(path, value, (*at, "items"), explainer)
        else:
            target = ("affected", index) if name == "package" else path
            found += explainer.explain(path, value, at, target)
    return found


def _items(path: Path, values: list[Any], where: Path, explainer: _Explainer) -> list[Violation]:
    return [
        violation
        for index, item in enumerate(values)
        if not _fast(where, item)
        for violation in explainer.explain((*path, index), item, where, (*path, index))
    ]


def _severity_clash(record: dict[str, Any]) -> list[Violation]:
    """The schema's one rule across fields (its top-level `allOf`): with a top-level
    `severity`, no `affected` entry may have a severity of its own."""
    entries = record.get("affected")
    if "severity" not in record or not isinstance(entries, list):
        return []
    return [
        Violation(
            path=path,
            message="must be null: the record has a top-level severity",
            dropped=(path,),
        )
        for index, entry in enumerate(entries)
        if isinstance(entry, dict) and entry.get("severity") is not None
        for path in [("affected", index, "severity")]
    ]


def _remaining(record: dict[str, Any]) -> list[Violation]:
    """What the parts did not explain (a missing `modified`, a bad `id`): few errors, taken
    from the compiled validator; a value it cannot take (a YAML key that is not a string) is
    left for the reader, which refuses a record JSON cannot hold."""
    if is_valid(record):
        return []
    try:
        errors = list(_compiled(()).iter_errors(record))
    except (ValueError, TypeError):
        return []
    found = [
        Violation(path=path, message=_clip(error.message), dropped=_targets(path, error))
        for error in errors
        for path in [tuple(error.instance_path)]
    ]
    drop(record, (path for violation in found for path in violation.dropped))
    return found


def _targets(path: Path, error: Any) -> tuple[Path, ...]:
    """The smallest parts whose removal clears a whole-record `error` (none: keep, warn)."""
    if not path:
        unexpected = getattr(error.kind, "unexpected", None)
        return tuple((key,) for key in unexpected or ())
    head = path[0]
    if head == "id":
        return ()
    if head == "affected":
        if len(path) >= 4 and path[2] in _ENTRY_LISTS:
            return (path[:4],)
        return (path[:3],) if len(path) >= 3 and path[2] != "package" else (path[:2],)
    return (path[:2],) if head in _LIST_FIELDS and len(path) >= 2 else (path[:1],)


class _Explainer:
    """Turns a failing part into violations: `jsonschema`'s own while parts are few and small."""

    def __init__(self) -> None:
        self._explained = 0

    def explain(self, path: Path, value: Any, where: Path, target: Path) -> list[Violation]:
        """The violations of the failing part `value` at `path` (sub-schema `where`), each
        dropping `target`."""
        self._explained += 1
        if self._explained <= EXPLAINED_PARTS and _small(value):
            return [  # none: a part only the compiled validator could not take, and valid
                Violation(
                    path=(*path, *error.absolute_path),
                    message=_clip(error.message),
                    dropped=(target,),
                )
                for error in _reference(where).iter_errors(value)
            ]
        return [Violation(path=path, message=_BROKEN, dropped=(target,))]


# --- sub-schemas and their validators -------------------------------------------------------


def _schema_at(*where: str) -> dict[str, Any]:
    """The sub-schema at `where` (keywords and names from the schema's top), `$ref`s followed."""
    node = schema()
    for step in where:
        node = _resolved(node)[step]
    return _resolved(node)


def _resolved(node: dict[str, Any]) -> dict[str, Any]:
    """`node`, or the definition its `$ref` (`#/$defs/…`) names."""
    while "$ref" in node:
        target: Any = schema()
        for step in node["$ref"].removeprefix("#/").split("/"):
            target = target[step]
        node = target
    return node


def _standalone(where: Path) -> dict[str, Any]:
    """The sub-schema at `where` as a schema of its own (with the definitions it refers to)."""
    if not where:
        return schema()
    root = schema()
    return {"$schema": root["$schema"], "$defs": root["$defs"], **_schema_at(*map(str, where))}


@functools.cache
def _compiled(where: Path) -> Any:
    return jsonschema_rs.validator_for(_standalone(where), validate_formats=False)


@functools.cache
def _reference(where: Path) -> Any:
    part = _standalone(where)
    return validator_for(part)(part)


def _fast(where: Path, value: Any) -> bool:
    """Whether `value` satisfies the sub-schema at `where`, by the compiled validator; False,
    too, for what it cannot take (a YAML key that is not a string), which is then looked at
    part by part."""
    try:
        return bool(_compiled(where).is_valid(value))
    except (ValueError, TypeError):
        return False


def _small(value: Any) -> bool:
    """Whether `value` holds at most `_SMALL_PART` JSON nodes (counted no further)."""
    stack = [value]
    count = 1
    while stack:
        node = stack.pop()
        children = (
            node.values() if isinstance(node, dict) else node if isinstance(node, list) else ()
        )
        count += len(children)
        if count > _SMALL_PART:
            return False
        stack.extend(children)
    return True


def _clip(message: str) -> str:
    flat = " ".join(message.split())
    return flat if len(flat) <= _MESSAGE_CHARS else flat[:_MESSAGE_CHARS] + "…"
