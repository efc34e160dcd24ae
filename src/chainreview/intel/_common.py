"""Small helpers the feed readers share: bounded file access, capped diagnostics, pointers,
typed access, CSV.

Nothing here knows a feed format. Every error is an `IntelError` naming the file and a location;
per-record problems go to a `Sink` as warnings or rejections, capped per file.

Files are only ever opened through `open_regular` (or `raw.read_bytes`): without blocking, and
refused before a byte is read unless they are regular files within their limit, so a FIFO, a
device or a huge sparse file never hangs or floods a reader. Text feeds are read a line at a time
(`text_lines`), gzip decompressed as it comes with the decompressed bytes counted, so memory
follows the longest line, not the file; folders are walked without recursion (`walk_files`).
"""

from __future__ import annotations

import csv
import io
import os
import re
import stat
import zlib
from collections.abc import Callable, Iterable, Iterator, Mapping
from contextlib import contextmanager
from datetime import date
from pathlib import Path
from typing import IO, Any, Final, TypeVar

from chainreview import limits
from chainreview.components.model import Diagnostic, Location
from chainreview.errors import InputError, LimitExceeded
from chainreview.intel.interface import IntelError, Record
from chainreview.raw import load_json, read_bytes

RecordT = TypeVar("RecordT", bound=Record)
T = TypeVar("T")

SNIFF_BYTES: Final = 64 * 1024
"""Most bytes `head` reads for a `sniff()`."""

MAX_LINE_BYTES: Final = 1024 * 1024
"""Longest line of a text feed (CSV, a DSA/DLA list), in bytes; a longer one is refused."""

_ISO_DATE: Final = re.compile(r"\d{4}-\d{2}-\d{2}")
_GZIP_MAGIC: Final = b"\x1f\x8b"
_GZIP_INPUT: Final = 4096
"""Compressed bytes fed to the decompressor at a time (how finely its ratio is watched)."""
_RATIO_FLOOR: Final = 256 * 1024
"""Decompressed bytes a gzip file may give before its compression ratio is judged."""
_FILE_KINDS: Final = (
    (stat.S_ISDIR, "a directory"),
    (stat.S_ISFIFO, "a FIFO"),
    (stat.S_ISCHR, "a character device"),
    (stat.S_ISBLK, "a block device"),
    (stat.S_ISSOCK, "a socket"),
)


def file_kind(mode: int) -> str:
    """What a `stat` mode that is not a regular file is, in words (`a FIFO`, …)."""
    return next((name for test, name in _FILE_KINDS if test(mode)), "a special file")


@contextmanager
def open_regular(path: Path | str, display: str, limit: int) -> Iterator[IO[bytes]]:
    """`path` opened for reading, when it is a regular file of at most `limit` bytes.

    Anything else (a FIFO, a device, a socket, a directory) and a bigger file are refused before
    a byte is read; the open itself does not block, so a FIFO put in a file's place cannot hang.
    """
    try:
        descriptor = os.open(path, os.O_RDONLY | os.O_NONBLOCK | os.O_CLOEXEC)
    except FileNotFoundError as exc:
        raise IntelError(display, "no such file or directory") from exc
    except OSError as exc:
        raise IntelError(display, f"cannot open: {exc.strerror or exc}") from exc
    with os.fdopen(descriptor, "rb") as handle:
        mode = os.fstat(descriptor)
        if not stat.S_ISREG(mode.st_mode):
            raise IntelError(display, f"is not a regular file ({file_kind(mode.st_mode)})")
        if mode.st_size > limit:
            message = f"file is {mode.st_size:,} bytes, over the {limit:,}-byte limit"
            raise LimitExceeded(display, message)
        os.set_blocking(descriptor, True)
        yield handle


def head(path: Path) -> bytes:
    """The first `SNIFF_BYTES` of a regular file, without a UTF-8 BOM; empty when it is not a
    regular file or cannot be read."""
    try:
        with open_regular(path, str(path), limits.MAX_ZIP_BYTES) as handle:
            data = handle.read(SNIFF_BYTES)
    except (InputError, OSError):
        return b""
    return data.removeprefix(b"\xef\xbb\xbf")


def walk_files(
    root: Path, display: str, suffixes: tuple[str, ...] = ()
) -> Iterator[tuple[str, str]]:
    """(name relative to `root`, path) of each regular file under `root` (ending in one of
    `suffixes`, when given), in the order of `sorted(root.rglob("*"))`: depth first, each
    folder's entries by name.

    Hidden files and folders are left out, symlinked folders not entered and unreadable folders
    skipped, as `rglob` does; more than `MAX_FEED_FILES` files is refused. The walk keeps a stack
    of listings instead of recursing, so no depth of nesting crashes it; a folder the system
    cannot open (a path grown past its limit) is refused with its name.
    """
    count = 0
    stack = [("", _listing(str(root), display, "."))]
    while stack:
        prefix, entries = stack[-1]
        entry = next(entries, None)
        if entry is None:
            stack.pop()
        elif entry.name.startswith("."):
            continue
        elif entry.is_dir(follow_symlinks=False):
            name = f"{prefix}{entry.name}/"
            stack.append((name, _listing(entry.path, display, name)))
        elif (not suffixes or entry.name.endswith(suffixes)) and _is_file(entry):
            count += 1
            if count > limits.MAX_FEED_FILES:
                raise LimitExceeded(display, f"more than {limits.MAX_FEED_FILES:,} files")
            yield prefix + entry.name, entry.path


def _listing(folder: str, display: str, name: str) -> Iterator[os.DirEntry[str]]:
    try:
        with os.scandir(folder) as listing:
            return iter(sorted(listing, key=lambda entry: entry.name))
    except PermissionError:
        return iter(())
    except OSError as exc:
        shown = name if len(name) <= 80 else f"…{name[-79:]} ({name.count('/'):,} levels down)"
        raise IntelError(display, f"cannot read folder {shown}: {exc.strerror or exc}") from exc


def _is_file(entry: os.DirEntry[str]) -> bool:
    try:
        return entry.is_file()
    except OSError:
        return False


class _Counted(io.RawIOBase):
    """A plain file read as a stream that refuses to give more than `MAX_FEED_BYTES` in all (a
    file that grows while it is read)."""

    def __init__(self, source: IO[bytes], display: str) -> None:
        self._source = source
        self._display = display
        self._given = 0

    def readable(self) -> bool:
        """Always: this is a reading stream."""
        return True

    def readinto(self, buffer: Any) -> int:
        """Fill `buffer` from the file, counting what it gives."""
        size = self._source.readinto(buffer)  # type: ignore[attr-defined]
        self._given += size
        if self._given > limits.MAX_FEED_BYTES:
            message = f"reads over the {limits.MAX_FEED_BYTES:,}-byte limit"
            raise LimitExceeded(self._display, message)
        return int(size)


class _Gunzip(io.RawIOBase):
    """A gzip file decompressed as it is read, member after member.

    It is refused once it gives more than `MAX_FEED_DECOMPRESSED_BYTES`, or, past its first
    256 KiB, more than `MAX_ZIP_RATIO` times the compressed bytes read so far (a gzip bomb,
    caught within its first MiB of output instead of after all of it); a stream cut short is
    refused as truncated.
    """

    def __init__(self, source: IO[bytes], display: str) -> None:
        self._source = source
        self._display = display
        self._inflater = zlib.decompressobj(wbits=31)
        self._input = b""
        self._read = 0
        self._given = 0

    def readable(self) -> bool:
        """Always: this is a reading stream."""
        return True

    def readinto(self, buffer: Any) -> int:
        """Fill `buffer` with the next decompressed bytes; 0 at the end of the last member."""
        while True:
            if self._inflater.eof:
                rest = self._inflater.unused_data or self._more()
                if not rest:
                    return 0
                self._inflater, self._input = zlib.decompressobj(wbits=31), rest
            if not self._input:
                self._input = self._more()
                if not self._input:
                    raise IntelError(self._display, "truncated gzip stream")
            try:
                data = self._inflater.decompress(self._input, len(buffer))
            except zlib.error as exc:
                raise IntelError(self._display, f"not valid gzip: {exc}") from exc
            self._input = self._inflater.unconsumed_tail
            if data:
                self._count(len(data))
                buffer[: len(data)] = data
                return len(data)

    def _more(self) -> bytes:
        data = self._source.read(_GZIP_INPUT)
        self._read += len(data)
        return data

    def _count(self, size: int) -> None:
        self._given += size
        cap = limits.MAX_FEED_DECOMPRESSED_BYTES
        if self._given > cap:
            raise LimitExceeded(self._display, f"decompresses to over the {cap:,}-byte limit")
        if self._given > _RATIO_FLOOR and self._given > limits.MAX_ZIP_RATIO * self._read:
            message = (
                f"decompresses to more than {limits.MAX_ZIP_RATIO} times its size (a gzip bomb)"
            )
            raise LimitExceeded(self._display, message)


def text_lines(path: Path, display: str) -> Iterator[str]:
    """The lines of a UTF-8 text feed (BOM allowed; a gzip file decompressed), as they are read,
    each with its line ending (`\n`, `\r\n`).

    Memory follows the longest line: a line over `MAX_LINE_BYTES` is refused, and the bytes a
    file gives are counted as they come (see `_Counted` and `_Gunzip`), so a gzip bomb is
    refused within its first MiB of output, never held. Invalid UTF-8 is refused with its line
    and the byte in it.
    """
    with open_regular(path, display, limits.MAX_FEED_BYTES) as handle:
        gzipped = handle.read(2) == _GZIP_MAGIC
        handle.seek(0)
        stream = io.BufferedReader(
            _Gunzip(handle, display) if gzipped else _Counted(handle, display)
        )
        number = 0
        while data := stream.readline(MAX_LINE_BYTES + 1):
            number += 1
            if len(data) > MAX_LINE_BYTES:
                message = f"a line longer than {MAX_LINE_BYTES:,} bytes"
                raise IntelError(display, message, f"line {number}")
            try:
                line = data.decode("utf-8")
            except UnicodeDecodeError as exc:
                message = f"invalid UTF-8 at byte {exc.start + 1} of the line"
                raise IntelError(display, message, f"line {number}") from exc
            yield line.removeprefix("\ufeff") if number == 1 else line


def batched(
    items: Iterable[T], size: int, weigh: Callable[[T], int] | None = None, most: int = 0
) -> Iterator[list[T]]:
    """`items` in lists of `size`, or fewer once their `weigh`ts reach `most` (bytes of large
    records: a batch never holds much more than `most`); the last may be shorter."""
    batch: list[T] = []
    weight = 0
    for item in items:
        batch.append(item)
        if weigh is not None:
            weight += weigh(item)
        if len(batch) == size or (weigh is not None and weight >= most):
            yield batch
            batch, weight = [], 0
    if batch:
        yield batch


def pointer(*parts: str | int) -> str:
    """An RFC 6901 JSON pointer from its reference tokens (`pointer("a", 0)` is `/a/0`)."""
    return "".join("/" + str(part).replace("~", "~0").replace("/", "~1") for part in parts)


class Capped:
    """Diagnostics of one input, at most `MAX_WARNINGS_PER_FILE` kept; the rest are counted."""

    def __init__(self, display: str) -> None:
        self.display = display
        self._kept: list[Diagnostic] = []
        self._dropped = 0

    @property
    def full(self) -> bool:
        """Whether the cap is reached (what is added now is only counted)."""
        return len(self._kept) >= limits.MAX_WARNINGS_PER_FILE

    def add(self, diagnostic: Diagnostic) -> None:
        """Keep `diagnostic`, or count it when the cap is reached."""
        if self.full:
            self._dropped += 1
        else:
            self._kept.append(diagnostic)

    def extend(self, diagnostics: Iterable[Diagnostic]) -> None:
        """`add` each of `diagnostics`."""
        for diagnostic in diagnostics:
            self.add(diagnostic)

    def finish(self) -> tuple[Diagnostic, ...]:
        """The diagnostics kept, then one `limit` diagnostic counting those left out."""
        if not self._dropped:
            return tuple(self._kept)
        left_out = Diagnostic(
            location=Location(file=self.display),
            message=f"{self._dropped:,} more left out "
            f"(limit {limits.MAX_WARNINGS_PER_FILE:,} per file)",
            code="limit",
        )
        return (*self._kept, left_out)


_COUNTED: Final = Diagnostic(location=Location(file=""), message="", code="limit")
"""What `Sink` hands a full `Capped` list, which only counts it."""


class Sink:
    """Warnings and rejections for one file, each list capped at `MAX_WARNINGS_PER_FILE`."""

    def __init__(self, display: str) -> None:
        self.display = display
        self._warnings = Capped(display)
        self._rejected = Capped(display)

    def warn(self, where: str, message: str, code: str = "warning") -> None:
        """Record a problem the reader worked around (`where` is a JSON pointer or `line N`)."""
        self._add(self._warnings, where, message, code)

    def reject(self, where: str, message: str, code: str = "rejected") -> None:
        """Record a whole record that was not imported, and why."""
        self._add(self._rejected, where, message, code)

    def _add(self, capped: Capped, where: str, message: str, code: str) -> None:
        if capped.full:  # only counted: no need to build it
            capped.add(_COUNTED)
        else:
            location = Location(file=self.display, pointer=where)
            capped.add(Diagnostic(location=location, message=message, code=code))

    def warnings(self) -> tuple[Diagnostic, ...]:
        """The warnings kept, then one `limit` diagnostic counting those left out."""
        return self._warnings.finish()

    def rejected(self) -> tuple[Diagnostic, ...]:
        """The rejections kept, then one `limit` diagnostic counting those left out."""
        return self._rejected.finish()


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


def csv_rows(lines: Iterable[str], display: str) -> Iterator[tuple[int, list[str]]]:
    """Each CSV record of some lines (`text_lines`) with the line it starts on; a CSV syntax
    error is an `IntelError`."""
    reader = csv.reader(lines, strict=True)
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


def read_json(path: Path, display: str) -> Any:
    """A whole feed file parsed as JSON: at most `MAX_FEED_JSON_BYTES`, as the parsed document
    costs several times its size; a file that does not start like a JSON document (a sparse
    file of zero bytes, a binary) is refused from its first bytes, before it is read."""
    with open_regular(path, display, limits.MAX_FEED_JSON_BYTES) as handle:
        start = handle.read(SNIFF_BYTES).removeprefix(b"\xef\xbb\xbf").lstrip()[:1]
    if start and start not in b"{[":
        raise IntelError(display, f"not JSON: it starts with byte 0x{start[0]:02x}", "line 1")
    with as_intel_error():
        return load_json(read_bytes(path, display, limits.MAX_FEED_JSON_BYTES), display)


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
