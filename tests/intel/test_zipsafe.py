"""Safe zip reading: osv.dev-style all.zip imports, and hostile archives refused before harm."""

from __future__ import annotations

import stat
import struct
import warnings
import zipfile
from pathlib import Path

import pytest

from chainreview import limits
from chainreview.errors import InputError, LimitExceeded
from chainreview.intel import importer, osv, snapshot, zipsafe
from chainreview.intel.interface import FeedKind, IntelError


def make_zip(path: Path, members: dict[str, bytes]) -> Path:
    with zipfile.ZipFile(path, "w", compression=zipfile.ZIP_DEFLATED) as archive:
        for name, data in members.items():
            archive.writestr(name, data)
    return path


def test_zip_gives_the_same_snapshot_as_the_folder(shared_data: Path, tmp_path: Path) -> None:
    folder = shared_data / "rustsec-advisory-db-osv/crates"
    files = sorted(folder.glob("*.json"))
    archive = make_zip(tmp_path / "all.zip", {p.name: p.read_bytes() for p in files})
    from_zip = importer.import_paths([archive], home=tmp_path / "a")
    from_dir = importer.import_paths([folder], home=tmp_path / "b")
    assert from_zip.hash == from_dir.hash
    assert from_zip.sources[0].records == len(files)
    assert osv.sniff(archive)


@pytest.mark.parametrize(
    "name", ["../evil.json", "/etc/evil.json", "a/../../evil.json", "C:/evil.json", "a\\..\\b.json"]
)
def test_path_traversal_refused(tmp_path: Path, name: str) -> None:
    archive = make_zip(tmp_path / "all.zip", {"ok.json": b"{}", name: b"{}"})
    with pytest.raises(IntelError, match="path traversal"):
        list(zipsafe.read_members(archive, "all.zip"))


def test_ratio_bomb_refused_before_reading(tmp_path: Path) -> None:
    archive = make_zip(tmp_path / "all.zip", {"bomb.json": b"0" * (20 * 1024 * 1024)})
    info = zipfile.ZipFile(archive).getinfo("bomb.json")
    assert info.file_size > limits.MAX_ZIP_RATIO * info.compress_size  # really a bomb
    with pytest.raises(LimitExceeded, match="zip bomb"):
        zipsafe.Archive(archive, "all.zip")


def test_declared_size_cap(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(limits, "MAX_ZIP_ENTRY_BYTES", 1000)
    archive = make_zip(tmp_path / "all.zip", {"big.json": bytes(range(256)) * 8})
    with pytest.raises(LimitExceeded, match="per-member limit"):
        list(zipsafe.read_members(archive, "all.zip"))


def test_lying_size_is_caught_when_reading(tmp_path: Path) -> None:
    """A member that declares fewer bytes than its data holds fails the size/CRC check."""
    archive = make_zip(tmp_path / "all.zip", {"a.json": b'{"id": "x"}' * 100})
    data = bytearray(archive.read_bytes())
    declared = (1100).to_bytes(4, "little")
    smaller = (10).to_bytes(4, "little")
    assert data.count(declared) == 2  # local header and central directory
    archive.write_bytes(bytes(data.replace(declared, smaller)))
    with pytest.raises(IntelError, match="corrupt zip"):
        list(zipsafe.read_members(archive, "all.zip"))


def test_entry_count_cap(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(limits, "MAX_ZIP_ENTRIES", 3)
    archive = make_zip(tmp_path / "all.zip", {f"{i}.json": b"{}" for i in range(4)})
    with pytest.raises(LimitExceeded, match="4 members"):
        zipsafe.Archive(archive, "all.zip")


def test_symlink_refused(tmp_path: Path) -> None:
    archive = tmp_path / "all.zip"
    with zipfile.ZipFile(archive, "w") as out:
        info = zipfile.ZipInfo("link.json")
        info.external_attr = (stat.S_IFLNK | 0o777) << 16
        out.writestr(info, "/etc/passwd")
    with pytest.raises(IntelError, match="symbolic link"):
        zipsafe.Archive(archive, "all.zip")


def test_hostile_zip_leaves_the_current_snapshot(shared_data: Path, tmp_path: Path) -> None:
    home = tmp_path / "home"
    first = importer.import_paths([shared_data / "ubuntu-osv-vex-samples"], home=home)
    archive = make_zip(tmp_path / "all.zip", {"../x.json": b"{}"})
    with pytest.raises(IntelError, match="path traversal"):
        importer.import_paths([archive], home=home, kind=FeedKind.OSV)
    assert snapshot.current_hash(home) == first.hash
    assert [p.name for p in snapshot.snapshots_dir(home).iterdir()] == [f"{first.hash}.sqlite"]


def test_corrupt_deflate_stream_is_a_clear_error(tmp_path: Path) -> None:
    archive = tmp_path / "corrupt.zip"
    payload = b'{"id": "GO-2099-0001"}' * 2000
    with zipfile.ZipFile(archive, "w", compression=zipfile.ZIP_DEFLATED) as out:
        out.writestr("GO-2099-0001.json", payload)
    data = bytearray(archive.read_bytes())
    start = data.index(b"GO-2099-0001.json") + len("GO-2099-0001.json")
    data[start + 10 : start + 40] = b"\xff" * 30  # inside the compressed stream, after the header
    archive.write_bytes(bytes(data))
    with pytest.raises(IntelError, match=r"corrupt\.zip.*corrupt zip archive"):
        list(zipsafe.read_members(archive, "corrupt.zip"))


def _encrypted(path: Path) -> Path:
    """A zip whose member says it is encrypted (`zipfile` writes no encryption: the flag is
    set by hand in the local header and the central directory)."""
    make_zip(path, {"GO-2099-0001.json": b"{}"})
    data = bytearray(path.read_bytes())
    for signature, offset in ((b"PK\x03\x04", 6), (b"PK\x01\x02", 8)):
        at = data.index(signature) + offset
        (flags,) = struct.unpack_from("<H", data, at)
        struct.pack_into("<H", data, at, flags | 0x1)
    path.write_bytes(bytes(data))
    return path


def _duplicated(path: Path) -> Path:
    with warnings.catch_warnings(), zipfile.ZipFile(path, "w") as out:
        warnings.simplefilter("ignore")  # zipfile warns of the duplicate it writes
        out.writestr("GO-2099-0001.json", b"{}")
        out.writestr("GO-2099-0001.json", b"{}")
    return path


def _symlinked(path: Path) -> Path:
    with zipfile.ZipFile(path, "w") as out:
        info = zipfile.ZipInfo("GO-2099-0001.json")
        info.external_attr = (stat.S_IFLNK | 0o777) << 16
        out.writestr(info, "/etc/passwd")
    return path


def _truncated(path: Path) -> Path:
    make_zip(path, {"GO-2099-0001.json": b'{"id": "GO-2099-0001"}' * 100})
    path.write_bytes(path.read_bytes()[:-30])  # the end of the central directory is gone
    return path


@pytest.mark.parametrize(
    ("make", "reason"),
    [
        (lambda p: make_zip(p, {"../GO-2099-0001.json": b"{}"}), "climbs out of the archive"),
        (lambda p: make_zip(p, {"/tmp/GO-2099-0001.json": b"{}"}), "absolute path"),
        (lambda p: make_zip(p, {"a\\GO-2099-0001.json": b"{}"}), "backslash"),
        (_symlinked, "symbolic link"),
        (_duplicated, "listed twice"),
        (_encrypted, "encrypted"),
        (_truncated, "truncated or corrupt zip archive"),
        (lambda p: make_zip(p, {"GO-2099-0001.json": b"0" * 20 * 2**20}), "zip bomb"),
    ],
    ids=[
        "dotdot",
        "absolute",
        "backslash",
        "symlink",
        "duplicate",
        "encrypted",
        "truncated",
        "bomb",
    ],
)
def test_an_unsafe_archive_is_refused_saying_what_is_wrong(
    tmp_path: Path, make: object, reason: str
) -> None:
    """Given without `--source`, an unsafe archive was refused as "not recognised as any known
    feed"; the refusal names the archive and what is wrong with it."""
    archive = make(tmp_path / "all.zip")  # type: ignore[operator]
    with pytest.raises(InputError) as caught:
        importer.import_paths([archive], home=tmp_path / "home")
    message = str(caught.value)
    assert reason in message and str(archive) in message
    assert "not recognised" not in message
    assert snapshot.current_hash(tmp_path / "home") is None
