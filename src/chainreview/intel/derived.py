"""Values derived from a snapshot, kept in files beside it so that a new process need not work
them out again (the sanctions screening index, …).

A snapshot never changes, so what is computed from it changes only when the code computing it
does. A `DerivedFile` is named by the snapshot file, what it holds and a fingerprint of the code
that made it (`source_fingerprint`): other code names another file, so a stale value is never
read, and `collect_garbage` of the snapshots removes the files with their snapshot. A derived
file is an optimisation only: when it cannot be read (missing, damaged, unwritable folder) the
caller computes the value again, with the same result. The bytes are the caller's format; it
must be data, never code (no `pickle`).
"""

from __future__ import annotations

import hashlib
import os
import sys
import tempfile
from collections.abc import Iterable
from pathlib import Path
from typing import Final

__all__ = ["DerivedFile", "module_files", "source_fingerprint"]

_MAX_BYTES: Final = 512 * 1024 * 1024
"""A derived file larger than this is not ours to read (it is ignored and computed again)."""
_MODE: Final = 0o644
"""Readable by whoever may read the snapshot beside it (`mkstemp` makes files private)."""


def source_fingerprint(label: str, files: Iterable[Path]) -> str:
    """A digest of `label`, the Python version and the names and bytes of `files`."""
    digest = hashlib.sha256(f"{label}\x00{sys.version}".encode())
    for path in files:
        digest.update(b"\x00" + path.name.encode() + b"\x00" + path.read_bytes())
    return digest.hexdigest()


def module_files(*names: str) -> list[Path]:
    """The source files of the named (imported on demand) modules."""
    files = []
    for name in names:
        __import__(name)
        found = sys.modules[name].__file__
        if found is None:  # pragma: no cover - a namespace package; ours all have files
            raise RuntimeError(f"{name} has no source file")
        files.append(Path(found))
    return files


class DerivedFile:
    """One value derived from the snapshot file `snapshot_path`, kept beside it."""

    def __init__(self, snapshot_path: Path, what: str, fingerprint: str) -> None:
        self.path = snapshot_path.with_name(f"{snapshot_path.name}.{what}-{fingerprint[:16]}")

    def read(self) -> bytes | None:
        """The kept bytes, or None when there are none (or they cannot be read)."""
        try:
            with self.path.open("rb") as file:
                if os.fstat(file.fileno()).st_size > _MAX_BYTES:
                    return None
                return file.read()
        except OSError:
            return None

    def write(self, data: bytes) -> bool:
        """Keep `data`, whole or not at all (a concurrent reader never sees half a file);
        False when the folder does not let us (the value is then simply not kept)."""
        try:
            handle, name = tempfile.mkstemp(prefix=f".{self.path.name}.", dir=self.path.parent)
        except OSError:
            return False
        try:
            with os.fdopen(handle, "wb") as file:
                os.fchmod(file.fileno(), _MODE)
                file.write(data)
            os.replace(name, self.path)
        except OSError:
            Path(name).unlink(missing_ok=True)
            return False
        return True
