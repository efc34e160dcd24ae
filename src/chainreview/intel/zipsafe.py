"""Reading untrusted zip archives (osv.dev's per-ecosystem `all.zip`) without being hurt by them.

Nothing is ever extracted to disk; members are read into memory one at a time, when asked for.
The archive must be a regular file within `MAX_ZIP_BYTES` (opened without blocking, like every
feed file). Before any member is read, the whole central directory is checked, and the archive is
refused (`IntelError` or `LimitExceeded`, naming the archive, the member and what is wrong with
it) when:

* its central directory cannot be read (a truncated or corrupt archive);
* a member name could escape a directory: absolute, a drive letter, `..`, a backslash, a NUL or
  empty;
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
from contextlib import ExitStack
from dataclasses import dataclass
from pathlib import Path
from typing import Final

from chainreview import limits
from chainreview.errors import InputError, LimitExceeded
from chainreview.intel._common import open_regular
from chainreview.intel.interface import IntelError

MAGIC: Final = b"PK\x03\x04"
"""How a zip archive starts (its first local file header)."""
_DRIVE: Final = re.compile(r"^[A-Za-z]:")
_RATIO_FLOOR: Final = 1024 * 1024
"""Members smaller than this are not judged by their compression ratio."""
_BROKEN: Final = (zipfile.BadZipFile, zipfile.LargeZipFile, EOFError, OSError, zlib.error)
"""What reading a truncated or corrupt archive raises."""


@dataclass(frozen=True, slots=True, kw_only=True)
class Member:
    """One regular file read from an archive."""

    name: str
    data: bytes


def is_zip(path: Path) -> bool:
    """Return whether `path` is a regular file starting with a zip signature."""
    try:
        with open_regular(path, str(path), limits.MAX_ZIP_BYTES) as handle:
            return handle.read(len(MAGIC)) == MAGIC
    except (InputError, OSError):
        return False


class Archive:
    """An open archive whose central directory passed the checks (see the module doc); its
    members are read one at a time."""

    def __init__(self, path: Path, display: str) -> None:
        self._display = display
        self._total = 0
        self._stack = ExitStack()
        try:
            handle = self._stack.enter_context(open_regular(path, display, limits.MAX_ZIP_BYTES))
            try:
                self._zip = self._stack.enter_context(zipfile.ZipFile(handle))
            except (*_BROKEN, ValueError) as exc:
                raise IntelError(
                    display,
                    f"truncated or corrupt zip archive: no readable central directory ({exc})",
                ) from exc
            self._files = {info.filename: info for info in _checked(self._zip.infolist(), display)}
        except BaseException:
            self._stack.close()
            raise

    @property
    def names(self) -> tuple[str, ...]:
        """The names of the archive's regular files, in the archive's order."""
        return tuple(self._files)

    def size(self, name: str) -> int:
        """The size member `name` declares (reading counts what it actually gives)."""
        return self._files[name].file_size

    def read(self, name: str) -> bytes:
        """The bytes of member `name`, within the per-member and total limits."""
        info = self._files[name]
        where = f"member {name!r}"
        try:
            with self._zip.open(info) as stream:
                data = stream.read(limits.MAX_ZIP_ENTRY_BYTES + 1)
        except _BROKEN as exc:
            raise IntelError(
                self._display, f"truncated or corrupt zip archive: {exc}", where
            ) from exc
        except (ValueError, NotImplementedError, RuntimeError) as exc:  # bad method, password, …
            raise IntelError(self._display, f"unreadable zip archive: {exc}", where) from exc
        if len(data) > limits.MAX_ZIP_ENTRY_BYTES:
            raise LimitExceeded(self._display, "member expands past the per-member limit", where)
        self._total += len(data)
        if self._total > limits.MAX_ZIP_TOTAL_BYTES:
            raise LimitExceeded(self._display, "archive expands past the total limit", where)
        return data

    def close(self) -> None:
        """Close the archive file."""
        self._stack.close()

    def __enter__(self) -> Archive:
        return self

    def __exit__(self, *_exc: object) -> None:
        self.close()


def read_members(path: Path, display: str) -> Iterator[Member]:
    """Yield every regular file of the archive, after checking the whole central directory."""
    with Archive(path, display) as archive:
        for name in archive.names:
            yield Member(name=name, data=archive.read(name))


def _checked(infos: list[zipfile.ZipInfo], display: str) -> list[zipfile.ZipInfo]:
    """The regular files among `infos`, once every entry passed the checks."""
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
                display,
                "members declare more than the total size limit",
                f"member {info.filename!r}",
            )
        if not info.is_dir():
            files.append(info)
    return files


def _check_member(info: zipfile.ZipInfo, display: str, seen: set[str]) -> None:
    name = info.filename
    where = f"member {name!r}"
    problem = name_problem(name)
    if problem:
        raise IntelError(display, problem, where)
    if name in seen:
        raise IntelError(
            display, "member listed twice (a second copy could replace the first)", where
        )
    seen.add(name)
    if stat.S_ISLNK(info.external_attr >> 16):
        raise IntelError(display, "member is a symbolic link", where)
    if info.flag_bits & 0x1:
        raise IntelError(display, "member is encrypted (a password-protected archive)", where)
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


def name_problem(name: str) -> str | None:
    """Why a member name is unsafe to use as a path, or None."""
    if not name or "\x00" in name:
        return "member name is empty or holds a NUL byte"
    if name.startswith("/") or _DRIVE.match(name):
        return "member has an absolute path (path traversal)"
    if "\\" in name:
        return "member name holds a backslash, a folder separator on Windows (path traversal)"
    if ".." in name.split("/"):
        return "member path climbs out of the archive with '..' (path traversal)"
    return None
