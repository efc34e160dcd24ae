"""A declaration package sent as a zip archive, unpacked into a private folder to be read like
any package folder (`evidence.declaration`).

The archive is hostile input. It is read with the intel importer's safe reader
(`intel.zipsafe`): the whole central directory is checked before a byte is written, and a
member that could escape the folder (absolute, `..`, a backslash, a drive), a symbolic link,
an encrypted member, a member listed twice, a corrupt one or a zip bomb is refused with one
line naming the archive, the member and the problem. On top of its caps a package has its own:
at most `MAX_PACKAGE_ZIP_BYTES` of archive, `MAX_PACKAGE_FILES` members and
`MAX_PACKAGE_UNPACKED_BYTES` expanded (declared, and counted again as read). Only regular files
are written, each into a fresh path under the folder, never following anything on disk.

The manifest is at the archive's root, or inside its one top-level folder (a zipped folder).

A package sent file by file (`place_files`: each file's package path and bytes) is held to the
same rules: every path checked as a member name is, the same count and size caps, the same
writing.
"""

from __future__ import annotations

from collections.abc import Sequence
from pathlib import Path, PurePosixPath

from chainreview import limits
from chainreview.errors import InputError, LimitExceeded
from chainreview.evidence.declaration import MANIFEST
from chainreview.intel import zipsafe

__all__ = ["place_files", "unpack_package"]


def unpack_package(archive: Path, into: Path, display: str) -> Path:
    """Unpack the zip `archive` (shown as `display`) into the empty folder `into` and return
    the package folder: `into`, or its one top-level folder when the manifest is there."""
    size = archive.stat().st_size
    if size > limits.MAX_PACKAGE_ZIP_BYTES:
        raise LimitExceeded(
            display, f"{size:,} bytes, over the {limits.MAX_PACKAGE_ZIP_BYTES:,}-byte package limit"
        )
    if not zipsafe.is_zip(archive):
        raise InputError(display, "not a zip archive (a package is uploaded as one .zip file)")
    with zipsafe.Archive(archive, display) as opened:
        names = opened.names
        if len(names) > limits.MAX_PACKAGE_FILES:
            raise LimitExceeded(
                display, f"{len(names):,} files, over the {limits.MAX_PACKAGE_FILES:,}-file limit"
            )
        declared = sum(opened.size(name) for name in names)
        if declared > limits.MAX_PACKAGE_UNPACKED_BYTES:
            raise LimitExceeded(
                display,
                f"members declare {declared:,} bytes, over the "
                f"{limits.MAX_PACKAGE_UNPACKED_BYTES:,}-byte package limit",
            )
        written = 0
        for name in names:
            data = opened.read(name)
            written += len(data)
            if written > limits.MAX_PACKAGE_UNPACKED_BYTES:
                raise LimitExceeded(display, "expands past the package limit", f"member {name!r}")
            _write(into, name, data, display)
    return _root(into, display)


def place_files(files: Sequence[tuple[str, bytes]], into: Path, display: str) -> Path:
    """Write the package's `files` (each its package path and bytes; the upload shown as
    `display`) into the empty folder `into` and return the package folder, as `unpack_package`
    does."""
    if len(files) > limits.MAX_PACKAGE_FILES:
        raise LimitExceeded(
            display, f"{len(files):,} files, over the {limits.MAX_PACKAGE_FILES:,}-file limit"
        )
    total = sum(len(data) for _, data in files)
    if total > limits.MAX_PACKAGE_UNPACKED_BYTES:
        raise LimitExceeded(
            display,
            f"{total:,} bytes, over the {limits.MAX_PACKAGE_UNPACKED_BYTES:,}-byte package limit",
        )
    seen: set[str] = set()
    for name, _ in files:
        problem = zipsafe.name_problem(name)
        if problem is None and name in seen:
            problem = "file given twice (a second copy could replace the first)"
        if problem is not None:
            worded = problem.replace("member ", "file ", 1).replace("the archive", "the package")
            raise InputError(display, worded, f"file {name!r}")
        seen.add(name)
    for name, data in files:
        _write(into, name, data, display)
    return _root(into, display)


def _write(into: Path, name: str, data: bytes, display: str) -> None:
    target = into.joinpath(*PurePosixPath(name).parts)
    try:
        target.parent.mkdir(parents=True, exist_ok=True)
        with target.open("xb") as handle:  # never over an existing file or through a link
            handle.write(data)
    except OSError as exc:
        raise InputError(
            display, f"cannot be unpacked: {exc.strerror or exc}", f"member {name!r}"
        ) from exc


def _root(into: Path, display: str) -> Path:
    if (into / MANIFEST).is_file():
        return into
    entries = list(into.iterdir())
    if len(entries) == 1 and entries[0].is_dir() and (entries[0] / MANIFEST).is_file():
        return entries[0]
    raise InputError(display, f"no {MANIFEST} at the archive's root or in its one top-level folder")
