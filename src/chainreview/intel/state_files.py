"""The small JSON files `intel sync` keeps beside its downloads, written whole or not at all.

A file that is missing, unreadable or not a JSON object reads as empty: the sync then fetches
afresh rather than trusting it.
"""

from __future__ import annotations

import os
from collections.abc import Mapping
from pathlib import Path
from typing import Any

import orjson


def read_json(path: Path) -> dict[str, Any]:
    """The object in `path`, or `{}` when there is none."""
    try:
        value = orjson.loads(path.read_bytes())
    except (OSError, orjson.JSONDecodeError):
        return {}
    return value if isinstance(value, dict) else {}


def write_json(path: Path, value: Mapping[str, Any]) -> None:
    """Write `value` with sorted keys, atomically."""
    write_atomically(path, orjson.dumps(value, option=orjson.OPT_SORT_KEYS))


def write_atomically(path: Path, data: bytes) -> None:
    """Write `data` to `<path>.tmp`, then rename it over `path`."""
    temporary = path.with_name(path.name + ".tmp")
    temporary.write_bytes(data)
    os.replace(temporary, path)
