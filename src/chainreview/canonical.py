"""The one canonical JSON writer: same value, same bytes.

Keys are sorted, separators fixed, non-ASCII kept as UTF-8, and a trailing newline added. Only
JSON-native values (dict, list, str, int, float, bool, None) are accepted; callers convert their
dataclasses first, so nothing time- or platform-dependent leaks in.
"""

from __future__ import annotations

from dataclasses import fields, is_dataclass
from enum import Enum
from typing import Any

import orjson


def dumps(value: Any) -> bytes:
    """Serialise `value` canonically (sorted keys, two-space indent, trailing newline)."""
    return orjson.dumps(value, option=orjson.OPT_SORT_KEYS | orjson.OPT_INDENT_2) + b"\n"


def to_plain(value: Any) -> Any:
    """Turn frozen dataclasses, enums and tuples into JSON-native values, recursively.

    Dataclass fields keep their declaration order here; `dumps` sorts keys on output.
    """
    if isinstance(value, Enum):
        return value.value
    if is_dataclass(value) and not isinstance(value, type):
        return {f.name: to_plain(getattr(value, f.name)) for f in fields(value)}
    if isinstance(value, (list, tuple)):
        return [to_plain(item) for item in value]
    if isinstance(value, dict):
        return {str(key): to_plain(item) for key, item in value.items()}
    return value
