"""Paths a file names relative to its folder: checked before anything is opened.

A declaration package's manifest and an operator's inventory name other files (SBOMs, VEX,
vendor profiles) by paths relative to their own folder. Those files are hostile input, so a
path may be neither absolute nor leave the folder (`..`, a link pointing outside), and must
lead to a regular file; each refusal is one `InputError` naming the file and the place that
gave the path.
"""

from __future__ import annotations

import os
import re
import stat
from pathlib import Path, PurePosixPath

from chainreview.errors import InputError

__all__ = ["locate"]

_WINDOWS_ABSOLUTE = re.compile(r"[A-Za-z]:")


def locate(
    root: Path, value: str, file: str, pointer: str, *, folder: str = "package"
) -> tuple[str, Path]:
    """The folder-relative name (`/` separators) and real location of `value`, a path that
    `file` gives at `pointer`, relative to the resolved folder `root`; messages call the folder
    the `folder`."""
    if "\\" in value or "\x00" in value:
        raise InputError(file, f"path {value!r} may contain neither `\\` nor NUL", pointer)
    relative = PurePosixPath(value)
    if relative.is_absolute() or _WINDOWS_ABSOLUTE.match(value):
        message = f"absolute path {value!r} refused: use a {folder} path"
        raise InputError(file, message, pointer)
    if ".." in relative.parts:
        raise InputError(file, f"path {value!r} refused: `..` leaves the {folder}", pointer)
    name = relative.as_posix()
    target = root / relative
    mode = _plain_mode(root, relative.parts)
    if mode is None:  # a link on the way, or something missing: resolve it all
        try:
            real = target.resolve(strict=True)
        except FileNotFoundError as exc:
            raise InputError(file, f"no such file {name!r} in the {folder}", pointer) from exc
        except (OSError, RuntimeError) as exc:
            raise InputError(file, f"cannot resolve {name!r}", pointer) from exc
        if not real.is_relative_to(root):
            raise InputError(file, f"path {name!r} refused: a link leads outside", pointer)
        regular = real.is_file()
    else:
        real, regular = target, stat.S_ISREG(mode)
    if not regular:
        raise InputError(file, f"{name!r} is not a regular file", pointer)
    return name, real


def _plain_mode(root: Path, parts: tuple[str, ...]) -> int | None:
    """The `st_mode` of `root`/`parts` when no step below the resolved `root` is a link (the
    path is then its own real location, inside `root`), else None (the caller resolves)."""
    here = str(root)
    mode = None
    for part in parts:
        here = os.path.join(here, part)
        try:
            mode = os.lstat(here).st_mode
        except OSError:
            return None
        if stat.S_ISLNK(mode):
            return None
    return mode
