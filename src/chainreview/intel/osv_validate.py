"""Validation of OSV records against the bundled official OSV JSON Schema, fast on the valid path.

`jsonschema` takes about 0.6 ms per OSV record, which alone would cap an import below 2,000
advisories/s. So every record first goes through a compiled `jsonschema-rs` validator
(`is_valid`, a few microseconds); almost every real record is valid. A record it refuses is then
run through `jsonschema` (`errors`) to get the exact messages and JSON pointers. A test checks
that both agree on every real record and on mutated ones.

`format` is an annotation here, as in draft 2020-12 without a format checker (the schema's
timestamp `pattern` still applies), in both validators.
"""

from __future__ import annotations

import functools
from collections.abc import Iterator
from importlib import resources
from typing import Any

import jsonschema_rs
import orjson
from jsonschema.exceptions import ValidationError
from jsonschema.validators import validator_for


@functools.cache
def schema() -> dict[str, Any]:
    """Return the bundled OSV schema (`osv_schema.json`, see `NOTICE-osv-schema.txt`)."""
    data = (resources.files("chainreview.intel") / "osv_schema.json").read_bytes()
    value: dict[str, Any] = orjson.loads(data)
    return value


@functools.cache
def _compiled() -> Any:
    return jsonschema_rs.validator_for(schema(), validate_formats=False)


def is_valid(record: Any) -> bool:
    """Whether `record` satisfies the OSV schema (fast; no messages). False, too, for what the
    compiled validator cannot take (a YAML record's non-string key): `errors` then says why."""
    try:
        return bool(_compiled().is_valid(record))
    except (ValueError, TypeError):
        return False


@functools.cache
def _reference_validator() -> Any:
    return validator_for(schema())(schema())


def errors(record: Any) -> Iterator[ValidationError]:
    """Every schema violation of `record`, with its path (slow; for invalid records only)."""
    yield from _reference_validator().iter_errors(record)
