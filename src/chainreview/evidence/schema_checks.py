"""Checks of YAML and JSON documents against chainreview's published schemas, with one-line
problems a person can act on.

`check_schema` refuses a document at its most relevant violation (`InputError`);
`schema_problems` lists every violation, one `Problem` each, for readers that report all at once
(the declaration package). Each names the JSON pointer of the violation (of the missing or
unknown field itself, for those), cut short: a hostile value or key may be megabytes long.
`raise_for_errors` does the same for validators of other schemas (the factor catalogue, the
policy); `check_unique` refuses an id met twice.
"""

from __future__ import annotations

import functools
from collections.abc import Iterable, Iterator, Mapping, Sequence
from importlib import resources
from typing import Any, Final

import jsonschema_rs
import orjson
from jsonschema import Draft202012Validator, FormatChecker
from jsonschema.exceptions import ValidationError, best_match
from referencing import Registry, Resource

from chainreview import raw
from chainreview.errors import InputError, Problem

__all__ = [
    "DECLARATION_SCHEMA_ID",
    "INVENTORY_SCHEMA_ID",
    "OVERRIDES_SCHEMA_ID",
    "check_schema",
    "check_unique",
    "duplicates",
    "raise_for_errors",
    "schema_problems",
]

DECLARATION_SCHEMA_ID: Final = "https://chainreview.dev/schema/declaration-1.0.json"
"""`$id` of the published declaration schema."""

OVERRIDES_SCHEMA_ID: Final = "https://chainreview.dev/schema/overrides-1.0.json"
"""`$id` of the published overrides schema."""

INVENTORY_SCHEMA_ID: Final = "https://chainreview.dev/schema/inventory-1.0.json"
"""`$id` of the published operator inventory schema (it uses the declaration schema's `$defs`)."""

_SCHEMA_FILES: Final = (
    "declaration.schema.json",
    "overrides.schema.json",
    "inventory.schema.json",
)
_MESSAGE_CHARS: Final = 300

_SCHEMA_DIR = resources.files("chainreview") / "schemas"


@functools.cache
def _schemas() -> tuple[dict[str, Any], ...]:
    return tuple(orjson.loads((_SCHEMA_DIR / name).read_bytes()) for name in _SCHEMA_FILES)


@functools.cache
def _registry() -> Registry[Any]:
    """The published schemas by `$id`; any other `$ref` fails, never fetched."""
    return Registry().with_resources(
        (schema["$id"], Resource.from_contents(schema)) for schema in _schemas()
    )


_FORMATS: Final = FormatChecker(formats=("date",))
"""The only format checked (the declaration's dates)."""


@functools.cache
def _validator(reference: str) -> Draft202012Validator:
    return Draft202012Validator({"$ref": reference}, registry=_registry(), format_checker=_FORMATS)


@functools.cache
def _fast_validator(reference: str) -> Any:
    """The same schema compiled by jsonschema-rs, dates checked by the same rule: it only says
    whether a document is valid (in a millisecond, where the reference validator takes some
    70 ms on an example's questionnaire); the reference validator explains an invalid one."""
    return jsonschema_rs.validator_for(
        {"$ref": reference},
        registry=jsonschema_rs.Registry([(schema["$id"], schema) for schema in _schemas()]),
        formats={"date": lambda instance: _FORMATS.conforms(instance, "date")},
        validate_formats=True,
    )


def _errors(value: Any, reference: str) -> Iterator[ValidationError]:
    """The violations of the schema at `reference` by `value`, none when the compiled validator
    finds it valid. Where it is stricter than the reference validator (a pattern's `$` before a
    final line break) or cannot take the value (a YAML key that is not a string), the reference
    validator decides."""
    try:
        if _fast_validator(reference).is_valid(value):
            return iter(())
    except (ValueError, TypeError):
        pass
    return _validator(reference).iter_errors(value)


def check_schema(value: Any, reference: str, file: str) -> None:
    """Validate `value` read from `file` against the published schema at `reference`.

    Raises `InputError` as `raise_for_errors` does.
    """
    raise_for_errors(list(_errors(value, reference)), file)


def raise_for_errors(errors: Sequence[ValidationError], file: str) -> None:
    """Raise `InputError` for the most relevant of `errors` (if any) found in `file`.

    The message names the JSON pointer of the violation (of the missing or unknown field itself,
    for those) and counts the others.
    """
    if not errors:
        return
    pointer, message = _explain(best_match(errors))[0]
    if len(errors) > 1:
        others = len(errors) - 1
        message += f" (and {others} more problem{'s' if others > 1 else ''})"
    raise InputError(file, message, pointer or "(root)")


def schema_problems(value: Any, reference: str, file: str) -> list[Problem]:
    """Every violation of the schema at `reference` by `value` read from `file`, one line each."""
    return [
        Problem(file, pointer or "(root)", message)
        for error in _errors(value, reference)
        for pointer, message in _explain(best_match([error]))
    ]


def _explain(error: ValidationError) -> list[tuple[str, str]]:
    """The pointer and a one-line message of each problem of one violation (each missing or
    unknown field apart), both cut short (a hostile value or key may be megabytes long)."""
    return [
        (raw.one_line(pointer, _MESSAGE_CHARS), raw.one_line(message, _MESSAGE_CHARS))
        for pointer, message in _problems(error)
    ]


def _problems(error: ValidationError) -> list[tuple[str, str]]:
    pointer = _pointer(error.absolute_path)
    instance, keyword, schema = error.instance, error.validator_value, error.schema
    if isinstance(instance, dict) and error.validator == "required" and isinstance(keyword, list):
        missing = (name for name in keyword if name not in instance)
        return [(f"{pointer}/{_escape(name)}", "required field is missing") for name in missing]
    if isinstance(instance, dict) and error.validator == "additionalProperties":
        allowed = schema.get("properties", {}) if isinstance(schema, Mapping) else {}
        message = f"unknown field (allowed: {', '.join(allowed)})"
        extra = (name for name in instance if name not in allowed)
        return [(f"{pointer}/{_escape(name)}", message) for name in extra]
    if error.validator == "format":
        shown = raw.one_line(repr(instance), 80)
        return [(pointer, f"{shown} is not a valid {keyword} (YYYY-MM-DD)")]
    message = error.message
    wants_text = keyword == "string" or (isinstance(keyword, list) and "string" in keyword)
    if error.validator == "type" and wants_text and isinstance(instance, (bool, int, float)):
        message += " (YAML reads unquoted yes/no/on/off as booleans and 1.10 as 1.1: quote it)"
    return [(pointer, message)]


def _escape(part: object) -> str:
    return str(part).replace("~", "~0").replace("/", "~1")


def _pointer(path: Iterable[object]) -> str:
    return "".join("/" + _escape(part) for part in path)


def duplicates(ids: Iterable[str | None]) -> Iterator[tuple[int, str]]:
    """The index and id of every id met before in `ids` (None entries skipped)."""
    seen: set[str] = set()
    for index, item in enumerate(ids):
        if item is None:
            continue
        if item in seen:
            yield index, item
        seen.add(item)


def check_unique(ids: Iterable[str], what: str, file: str, pointer: str) -> None:
    """Refuse an id met twice in `file`; `pointer` has a `{}` where the entry's index goes."""
    for index, item in duplicates(ids):
        raise InputError(file, f"{what} {item!r} appears more than once", pointer.format(index))
