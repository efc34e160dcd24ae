"""Reading untrusted zip archives (osv.dev's per-ecosystem `all.zip`) without being hurt by them.

Nothing is ever extracted to disk; members are read into memory one at a time. Before any member
is read, the whole central directory is checked, and the archive is refused (`IntelError` or
`LimitExceeded`, naming the archive and the member) when:

* a member name could escape a directory: absolute, a drive letter, `..`, a backslash or a NUL;
* a member is a symbolic link, encrypted, or listed twice;
* there are more than `MAX_ZIP_ENTRIES` members;
* a member declares more than `MAX_ZIP_ENTRY_BYTES`, or all together more than
  `MAX_ZIP_TOTAL_BYTES`, or a member over 1 MiB declares a compression ratio above
  `MAX_ZIP_RATIO` (a zip bomb).

Declared sizes can lie, so reading also counts the bytes actually produced against the same caps;
a member whose data does not match its declared size or CRC is refused as corrupt.
"""

from __future__ import annotations

import re
import stat
import zipfile
import zlib
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Final

from chainreview import limits
from chainreview.errors import LimitExceeded
from chainreview.intel.interface import IntelError

_DRIVE: Final = re.compile(r"^[A-Za-z]:")
_RATIO_FLOOR: Final = 1024 * 1024
"""Members smaller than this are not judged by their compression ratio."""


@dataclass(frozen=True, slots=True, kw_only=True)
class Member:
    """One regular file read from an archive."""

    name: str
    data: bytes


def is_zip(path: Path) -> bool:
    """Return whether `path` is a file starting with a zip signature."""
    try:
        with path.open("rb") as handle:
            return handle.read(4) == b"PK\x03\x04"
    except OSError:
        return False


def member_names(path: Path, display: str) -> list[str]:
    """Check the archive's central directory (see the module doc) and return its file names."""
    return [info.filename for info in _checked_infos(path, display)]


def read_members(path: Path, display: str) -> Iterator[Member]:
    """Yield every regular file of the archive, after checking the whole central directory."""
    infos = _checked_infos(path, display)
    total = 0
    try:
        with zipfile.ZipFile(path) as archive:
            for info in infos:
                with archive.open(info) as stream:
                    data = stream.read(limits.MAX_ZIP_ENTRY_BYTES + 1)
                where = f"member {info.filename}"
                if len(data) > limits.MAX_ZIP_ENTRY_BYTES:
                    raise LimitExceeded(display, "member expands past the per-member limit", where)
                total += len(data)
                if total > limits.MAX_ZIP_TOTAL_BYTES:
                    raise LimitExceeded(display, "archive expands past the total limit", where)
                yield Member(name=info.filename, data=data)
    except (zipfile.BadZipFile, zipfile.LargeZipFile, EOFError, OSError, zlib.error) as exc:
        raise IntelError(display, f"corrupt zip archive: {exc}") from exc
    except (ValueError, NotImplementedError, RuntimeError) as exc:  # bad method, password, …
        raise IntelError(display, f"unreadable zip archive: {exc}") from exc


def _checked_infos(path: Path, display: str) -> list[zipfile.ZipInfo]:
    try:
        size = path.stat().st_size
    except OSError as exc:
        raise IntelError(display, f"cannot read: {exc.strerror or exc}") from exc
    if size > limits.MAX_ZIP_BYTES:
        raise LimitExceeded(display, f"zip is {size:,} bytes, over {limits.MAX_ZIP_BYTES:,}")
    try:
        with zipfile.ZipFile(path) as archive:
            infos = archive.infolist()
    except (zipfile.BadZipFile, zipfile.LargeZipFile, OSError, ValueError) as exc:
        raise IntelError(display, f"not a readable zip archive: {exc}") from exc
    if len(infos) > limits.MAX_ZIP_ENTRIES:
        raise LimitExceeded(
            display, f"{len(infos):,} members, over the {limits.MAX_ZIP_ENTRIES:,}-member limit"
        )
    seen: set[str] = set()
    declared = 0
    files: list[zipfile.ZipInfo] = []
    for info in infos:
        _check_member(info, display, seen)
        declared += info.file_size
        if declared > limits.MAX_ZIP_TOTAL_BYTES:
            raise LimitExceeded(
                display, "members declare more than the total size limit", f"member {info.filename}"
            )
        if not info.is_dir():
            files.append(info)
    return files


def _check_member(info: zipfile.ZipInfo, display: str, seen: set[str]) -> None:
    name = info.filename
    where = f"member {name!r}"
    parts = name.split("/")
    if (
        not name
        or name.startswith("/")
        or "\\" in name
        or "\x00" in name
        or _DRIVE.match(name)
        or ".." in parts
    ):
        raise IntelError(display, "member path escapes the archive (path traversal)", where)
    if name in seen:
        raise IntelError(display, "member listed twice", where)
    seen.add(name)
    if stat.S_ISLNK(info.external_attr >> 16):
        raise IntelError(display, "member is a symbolic link", where)
    if info.flag_bits & 0x1:
        raise IntelError(display, "member is encrypted", where)
    if info.file_size > limits.MAX_ZIP_ENTRY_BYTES:
        raise LimitExceeded(
            display, f"member declares {info.file_size:,} bytes, over the per-member limit", where
        )
    if info.file_size > _RATIO_FLOOR and info.file_size > limits.MAX_ZIP_RATIO * max(
        info.compress_size, 1
    ):
        raise LimitExceeded(
            display,
            f"member compresses {info.file_size:,} bytes into {info.compress_size:,} "
            f"(ratio over {limits.MAX_ZIP_RATIO}): zip bomb",
            where,
        )
