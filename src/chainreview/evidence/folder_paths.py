"""Paths a file names relative to its folder: checked before anything is opened.

A declaration package's manifest and an operator's inventory name other files (SBOMs, VEX,
vendor profiles) by paths relative to their own folder. Those files are hostile input, so a
path may be neither absolute nor leave the folder (`..`, a link pointing outside), and must
lead to a regular file; each refusal is one `InputError` naming the file and the place that
gave the path.
"""

from __future__ import annotations

import re
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
    try:
        real = target.resolve(strict=True)
    except FileNotFoundError as exc:
        raise InputError(file, f"no such file {name!r} in the {folder}", pointer) from exc
    except (OSError, RuntimeError) as exc:
        raise InputError(file, f"cannot resolve {name!r}", pointer) from exc
    if not real.is_relative_to(root):
        raise InputError(file, f"path {name!r} refused: a link leads outside", pointer)
    if not real.is_file():
        raise InputError(file, f"{name!r} is not a regular file", pointer)
    return name, real
