"""Declaration packages as zip archives for the API tests: a real example package (its operator
and vendor renamed to the test world's organisations, so their users see the case), and hostile
archives, each made by hand with `zipfile`."""

from __future__ import annotations

import io
import stat
import zipfile
from pathlib import Path
from typing import Final

from api_kit import GRID_OP, VENDOR_A

EXAMPLE: Final = Path(__file__).parents[2] / "examples" / "grid-storage"
AS_OF: Final = "2026-11-30"
RENAMED: Final = {
    "declaration.yaml": ("Qiuyuan Provincial Grid Dispatch Co., Ltd.", GRID_OP),
    "vendor/veltrani.yaml": ("Veltrani Storage Systems, Inc.", VENDOR_A),
}
"""Where grid-storage names its operator and its vendor, and the test world's names."""


def package_files(folder: Path = EXAMPLE) -> dict[str, bytes]:
    """Every file of the package (README aside), by package path, renamed for the world."""
    found: dict[str, bytes] = {}
    for path in sorted(folder.rglob("*")):
        name = path.relative_to(folder).as_posix()
        if not path.is_file() or name == "README.md":
            continue
        data = path.read_bytes()
        if name in RENAMED:
            old, new = RENAMED[name]
            assert old.encode() in data, name
            data = data.replace(old.encode(), new.encode())
        found[name] = data
    return found


def zipped(files: dict[str, bytes], prefix: str = "") -> bytes:
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED) as archive:
        for name, data in files.items():
            archive.writestr(prefix + name, data)
    return buffer.getvalue()


def with_member(info: zipfile.ZipInfo, data: bytes) -> bytes:
    """The package with one more member, as `info` describes it."""
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED) as archive:
        for name, content in package_files().items():
            archive.writestr(name, content)
        archive.writestr(info, data)
    return buffer.getvalue()


def symlinked() -> bytes:
    info = zipfile.ZipInfo("sbom/passwd")
    info.external_attr = (stat.S_IFLNK | 0o777) << 16
    return with_member(info, b"/etc/passwd")


def bomb() -> bytes:
    """A member of 64 MiB of zeros (deflate packs it about 1,000 to 1)."""
    info = zipfile.ZipInfo("documents/zeros.bin")
    info.compress_type = zipfile.ZIP_DEFLATED
    return with_member(info, bytes(64 * 1024 * 1024))
