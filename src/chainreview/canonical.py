"""The one canonical JSON writer: same value, same bytes.

Keys are sorted, separators fixed, non-ASCII kept as UTF-8, and a trailing newline added. Values
are JSON-native (dict, list, tuple, str, int, float, bool, None), enums (written as their value)
and dataclasses (written as an object of their fields), so nothing time- or platform-dependent
leaks in. `dumps` hands dataclasses to orjson one object at a time instead of building a plain
copy of the whole tree first (`to_plain`, for callers that need the plain value itself).
"""

from __future__ import annotations

from collections.abc import Callable, Collection
from dataclasses import fields, is_dataclass
from enum import Enum
from operator import attrgetter
from typing import Any, BinaryIO, Final

import orjson

_OPTIONS: Final = (
    orjson.OPT_SORT_KEYS
    | orjson.OPT_INDENT_2
    | orjson.OPT_PASSTHROUGH_DATACLASS
    | orjson.OPT_NON_STR_KEYS
)
_NATIVE_OPTIONS: Final = orjson.OPT_SORT_KEYS | orjson.OPT_INDENT_2 | orjson.OPT_NON_STR_KEYS
_BLOCK: Final = 1 << 18
_WRAPPED_START: Final = b"[\n  ["
_WRAPPED_END: Final = b"\n  ]\n]"
_BATCH: Final = 256
"""List items serialised per orjson call by `dump`."""
_READERS: dict[type, Callable[[Any], dict[str, Any]]] = {}


def dumps(value: Any) -> bytes:
    """Serialise `value` canonically (sorted keys, two-space indent, trailing newline)."""
    return orjson.dumps(value, default=_dataclass_fields, option=_OPTIONS) + b"\n"


def dump(value: Any, stream: BinaryIO, native: Collection[type] = ()) -> None:
    """Write exactly `dumps(value)` to `stream`, a top-level member at a time and the items of
    its lists a batch at a time, so a report of many findings is never held as one text.

    A list whose items are all of the `native` types is written by orjson alone, with no Python
    call per object (several times faster on a report's findings): those dataclasses, and every
    dataclass they hold, must declare their fields in alphabetical order, as orjson writes them
    in declaration order.
    """
    members = _members(value)
    if not members:
        stream.write(dumps(value))
        return
    out = _Chunks(stream)
    out.add(b"{")
    for position, (key, member) in enumerate(members):
        out.add(b"\n  " if position == 0 else b",\n  ")
        out.add(orjson.dumps(key) + b": ")
        if isinstance(member, (list, tuple)) and member:
            out.add(b"[")
            plain = bool(native) and all(type(item) in native for item in member)
            for start in range(0, len(member), _BATCH):
                if start:
                    out.add(b",")
                batch = [member[start : start + _BATCH]]
                text = orjson.dumps(
                    batch, option=_NATIVE_OPTIONS if plain else _OPTIONS, default=_dataclass_fields
                )
                # "[\n  [\n    item,\n    item\n  ]\n]": the items already two levels deep,
                # as in the report, so only the wrapping brackets are cut off
                out.add(text[len(_WRAPPED_START) : -len(_WRAPPED_END)])
            out.add(b"\n  ]")
        else:
            out.add(_indented(member, b"\n  "))
    out.add(b"\n}\n")
    out.flush()


class _Chunks:
    """Pieces written to a stream in blocks of about `_BLOCK` bytes."""

    def __init__(self, stream: BinaryIO) -> None:
        self._stream = stream
        self._pieces: list[bytes] = []
        self._size = 0

    def add(self, piece: bytes) -> None:
        self._pieces.append(piece)
        self._size += len(piece)
        if self._size >= _BLOCK:
            self.flush()

    def flush(self) -> None:
        self._stream.write(b"".join(self._pieces))
        self._pieces.clear()
        self._size = 0


def _members(value: Any) -> list[tuple[str, Any]]:
    """The (key, value) pairs of a non-empty dict with string keys or of a dataclass, sorted
    as `dumps` writes them; empty for anything else."""
    if isinstance(value, dict):
        if not all(isinstance(key, str) for key in value):
            return []
        return sorted(value.items())
    if is_dataclass(value) and not isinstance(value, type):
        return sorted(_dataclass_fields(value).items())
    return []


def _indented(value: Any, newline: bytes) -> bytes:
    text = orjson.dumps(value, default=_dataclass_fields, option=_OPTIONS)
    return text.replace(b"\n", newline) if b"\n" in text else text


def to_plain(value: Any) -> Any:
    """Turn frozen dataclasses, enums and tuples into JSON-native values, recursively.

    Dataclass fields keep their declaration order here; `dumps` sorts keys on output.
    """
    if isinstance(value, Enum):
        return value.value
    if isinstance(value, (list, tuple)):
        return [to_plain(item) for item in value]
    if isinstance(value, dict):
        return {str(key): to_plain(item) for key, item in value.items()}
    if isinstance(value, (str, int, float, type(None))):
        return value
    if is_dataclass(value) and not isinstance(value, type):
        return {name: to_plain(item) for name, item in _dataclass_fields(value).items()}
    return value


def _dataclass_fields(value: Any) -> dict[str, Any]:
    """orjson's `default`: a dataclass instance as the dict of its fields (values left as is)."""
    reader = _READERS.get(type(value))
    if reader is None:
        if not is_dataclass(value) or isinstance(value, type):
            raise TypeError(f"not JSON serialisable: {type(value).__name__}")
        reader = _READERS[type(value)] = _reader(type(value))
    return reader(value)


def _reader(cls: type) -> Callable[[Any], dict[str, Any]]:
    """A function reading the fields of dataclass `cls` into a dict (one C call for all)."""
    names = tuple(f.name for f in fields(cls))
    if not names:
        return lambda value: {}
    if len(names) == 1:
        return lambda value: {names[0]: getattr(value, names[0])}
    values = attrgetter(*names)
    return lambda value: dict(zip(names, values(value), strict=True))
