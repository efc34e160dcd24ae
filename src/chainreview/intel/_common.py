"""Small helpers the non-OSV feed readers share: capped diagnostics, pointers, typed access, CSV.

Nothing here knows a feed format. Every error is an `IntelError` naming the file and a location;
per-record problems go to a `Sink` as warnings or rejections, capped per file.
"""

from __future__ import annotations

import csv
import io
import re
from collections.abc import Iterable, Iterator, Mapping
from contextlib import contextmanager
from datetime import date
from pathlib import Path
from typing import Any, Final, TypeVar

from chainreview import limits
from chainreview.components.model import Diagnostic, Location
from chainreview.errors import InputError, LimitExceeded
from chainreview.intel.interface import IntelError, Record
from chainreview.raw import decode_utf8, load_json, read_bytes

RecordT = TypeVar("RecordT", bound=Record)

SNIFF_BYTES: Final = 64 * 1024
"""Most bytes `head` reads for a `sniff()`."""

_ISO_DATE: Final = re.compile(r"\d{4}-\d{2}-\d{2}")


def head(path: Path) -> bytes:
    """The first `SNIFF_BYTES` of a file, without a UTF-8 BOM; empty when it cannot be read."""
    try:
        with path.open("rb") as handle:
            data = handle.read(SNIFF_BYTES)
    except OSError:
        return b""
    return data.removeprefix(b"\xef\xbb\xbf")


def pointer(*parts: str | int) -> str:
    """An RFC 6901 JSON pointer from its reference tokens (`pointer("a", 0)` is `/a/0`)."""
    return "".join("/" + str(part).replace("~", "~0").replace("/", "~1") for part in parts)


class Sink:
    """Warnings and rejections for one file, each list capped at `MAX_WARNINGS_PER_FILE`."""

    def __init__(self, display: str) -> None:
        self.display = display
        self._lists: dict[str, list[Diagnostic]] = {"warning": [], "rejected": []}
        self._dropped: dict[str, int] = {"warning": 0, "rejected": 0}

    def warn(self, where: str, message: str, code: str = "warning") -> None:
        """Record a problem the reader worked around (`where` is a JSON pointer or `line N`)."""
        self._add("warning", where, message, code)

    def reject(self, where: str, message: str, code: str = "rejected") -> None:
        """Record a whole record that was not imported, and why."""
        self._add("rejected", where, message, code)

    def _add(self, kind: str, where: str, message: str, code: str) -> None:
        kept = self._lists[kind]
        if len(kept) < limits.MAX_WARNINGS_PER_FILE:
            location = Location(file=self.display, pointer=where)
            kept.append(Diagnostic(location=location, message=message, code=code))
        else:
            self._dropped[kind] += 1

    def warnings(self) -> tuple[Diagnostic, ...]:
        """The warnings kept, then one `limit` diagnostic counting those left out."""
        return self._finish("warning")

    def rejected(self) -> tuple[Diagnostic, ...]:
        """The rejections kept, then one `limit` diagnostic counting those left out."""
        return self._finish("rejected")

    def _finish(self, kind: str) -> tuple[Diagnostic, ...]:
        kept = list(self._lists[kind])
        if self._dropped[kind]:
            kept.append(
                Diagnostic(
                    location=Location(file=self.display),
                    message=f"{self._dropped[kind]:,} more left out "
                    f"(limit {limits.MAX_WARNINGS_PER_FILE:,} per file)",
                    code="limit",
                )
            )
        return tuple(kept)


class Fields:
    """Typed reads of one JSON object that warn, at the field's pointer, on a wrong type."""

    def __init__(self, value: Mapping[str, Any], where: str, sink: Sink) -> None:
        self.value = value
        self.where = where
        self.sink = sink

    def _typed(self, key: str, kind: type | tuple[type, ...], name: str) -> Any:
        item = self.value.get(key)
        if item is None:
            return None
        if isinstance(item, kind) and not (isinstance(item, bool) and bool not in _types(kind)):
            return item
        self.sink.warn(pointer_join(self.where, key), f"expected {name}, got {_json_type(item)}")
        return None

    def text(self, key: str) -> str | None:
        """The string at `key`; None when absent or (with a warning) not a string."""
        item: str | None = self._typed(key, str, "a string")
        return item

    def flag(self, key: str) -> bool | None:
        """The boolean at `key`; None when absent or (with a warning) not a boolean."""
        item: bool | None = self._typed(key, bool, "a boolean")
        return item

    def number(self, key: str) -> float | None:
        """The number at `key` as a float; None when absent or (with a warning) not a number."""
        item: int | float | None = self._typed(key, (int, float), "a number")
        return None if item is None else float(item)

    def array(self, key: str) -> list[Any]:
        """The array at `key`; empty when absent or (with a warning) not an array."""
        item: list[Any] | None = self._typed(key, list, "an array")
        return item or []

    def obj(self, key: str) -> dict[str, Any]:
        """The object at `key`; empty when absent or (with a warning) not an object."""
        item: dict[str, Any] | None = self._typed(key, dict, "an object")
        return item or {}

    def objects(self, key: str) -> Iterator[Fields]:
        """`Fields` of each object in the array at `key`; a non-object is warned and skipped."""
        base = pointer_join(self.where, key)
        for index, item in enumerate(self.array(key)):
            where = f"{base}/{index}"
            if isinstance(item, dict):
                yield Fields(item, where, self.sink)
            else:
                self.sink.warn(where, f"expected an object, got {_json_type(item)}")

    def strings(self, key: str) -> tuple[str, ...]:
        """The strings of the array at `key`; a non-string item is warned and skipped."""
        base = pointer_join(self.where, key)
        kept: list[str] = []
        for index, item in enumerate(self.array(key)):
            if isinstance(item, str):
                kept.append(item)
            else:
                self.sink.warn(f"{base}/{index}", f"expected a string, got {_json_type(item)}")
        return tuple(kept)

    def at(self, key: str) -> Fields:
        """`Fields` of the object at `key` (empty when absent)."""
        return Fields(self.obj(key), pointer_join(self.where, key), self.sink)


def _types(kind: type | tuple[type, ...]) -> tuple[type, ...]:
    return kind if isinstance(kind, tuple) else (kind,)


def pointer_join(base: str, *parts: str | int) -> str:
    """`base` (a JSON pointer) extended by more reference tokens."""
    return base + pointer(*parts)


def _json_type(value: object) -> str:
    names = {bool: "a boolean", int: "a number", float: "a number", str: "a string"}
    names |= {list: "an array", dict: "an object", type(None): "null"}
    return names.get(type(value), type(value).__name__)


def json_object(value: Any, display: str, what: str) -> dict[str, Any]:
    """`value` when it is a JSON object, else an `IntelError` saying the file is not `what`."""
    if not isinstance(value, dict):
        raise IntelError(display, f"not {what}: the document is {_json_type(value)}, not an object")
    return value


def iso_date(text: str | None) -> str | None:
    """The `YYYY-MM-DD` date a date or date-time string starts with, if it is a real date."""
    if text is None or not _ISO_DATE.match(text):
        return None
    try:
        return date.fromisoformat(text[:10]).isoformat()
    except ValueError:
        return None


def newest(dates: Iterator[str | None] | list[str | None]) -> str | None:
    """The latest of some ISO dates (None ones ignored), or None."""
    return max((d for d in dates if d), default=None)


def csv_rows(text: str, display: str) -> Iterator[tuple[int, list[str]]]:
    """Each CSV record with the line it starts on; a CSV syntax error is an `IntelError`."""
    reader = csv.reader(io.StringIO(text, newline=""), strict=True)
    line = 1
    try:
        for row in reader:
            yield line, row
            line = reader.line_num + 1
    except csv.Error as exc:
        raise IntelError(display, f"not valid CSV: {exc}", f"line {reader.line_num}") from exc


def check_header(row: list[str], expected: tuple[str, ...], display: str, line: int = 1) -> None:
    """Refuse a CSV whose header is not exactly `expected`, naming the file and the line."""
    if tuple(cell.strip() for cell in row) != expected:
        raise IntelError(
            display,
            f"unexpected CSV header {','.join(row)[:200]!r}; expected {','.join(expected)!r}",
            f"line {line}",
        )


def read_raw(path: Path, display: str) -> bytes:
    """A whole feed file, refused when over `MAX_FEED_BYTES`."""
    with as_intel_error():
        return read_bytes(path, display, limits.MAX_FEED_BYTES)


def as_text(data: bytes, display: str) -> str:
    """Feed bytes decoded as UTF-8 (BOM allowed)."""
    with as_intel_error():
        return decode_utf8(data, display)


def as_json(data: bytes, display: str) -> Any:
    """Feed bytes parsed as JSON within the depth cap."""
    with as_intel_error():
        return load_json(data, display)


def read_text(path: Path, display: str) -> str:
    """A whole feed file as text."""
    return as_text(read_raw(path, display), display)


def read_json(path: Path, display: str) -> Any:
    """A whole feed file parsed as JSON."""
    return as_json(read_raw(path, display), display)


@contextmanager
def as_intel_error() -> Iterator[None]:
    """Re-raise a loader's `InputError` as an `IntelError`; `LimitExceeded` passes unchanged."""
    try:
        yield
    except (IntelError, LimitExceeded):
        raise
    except InputError as exc:
        raise IntelError(exc.path, exc.message, exc.location) from exc


def first_of_each_key(records: Iterable[tuple[str, RecordT]], sink: Sink) -> tuple[RecordT, ...]:
    """The records, each key once: a later record with a key already seen is rejected."""
    seen: set[str] = set()
    kept: list[RecordT] = []
    for where, record in records:
        if record.key in seen:
            sink.reject(where, f"{record.key} is listed twice; the first is kept", "duplicate")
        else:
            seen.add(record.key)
            kept.append(record)
    return tuple(kept)
