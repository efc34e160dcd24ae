"""Hostile inputs to `chainreview intel import`, each run in a child process whose exit code,
one-line message, time and peak memory are checked (`measured.run`).

Inputs are generated: sparse files (no disk blocks), devices, FIFOs, small archives of many
members, a gzip bomb of a few hundred KiB. Bounds are several times what the code needs on a
busy machine and far below what the regressions they guard against cost.
"""

from __future__ import annotations

import gzip
import json
import os
import random
import shutil
import subprocess
import sys
import threading
import zipfile
from pathlib import Path

import pytest
from tests.intel.measured import Run, run

from chainreview import limits
from chainreview.intel import snapshot

BASE_MIB = 150
"""Peak RSS a refused or small import stays under (Python, the libraries, the snapshot)."""


def refused(result: Run, *words: str) -> None:
    """Exit 3 with one `error:` line naming what is wrong, no traceback."""
    assert result.code == 3, result.stderr
    (line,) = result.error_lines
    assert line.startswith("error: ") and "Traceback" not in result.stderr
    for word in words:
        assert word in line, line


# --- not regular files, huge files ----------------------------------------------------------


@pytest.mark.parametrize(
    "args",
    [["/dev/zero"], ["--source", "epss", "/dev/zero"], ["--source", "osv", "/dev/zero"]],
)
def test_a_device_is_refused_unread(tmp_path: Path, args: list[str]) -> None:
    result = run(["intel", "import", *args], tmp_path / "home", timeout=60)
    refused(result, "/dev/zero", "character device")
    assert result.seconds < 20 and result.peak_mib < BASE_MIB


def test_a_device_behind_a_feed_name_is_refused_unread(tmp_path: Path) -> None:
    """`feed.json -> /dev/zero`: the OSV sniffer once read it whole (MemoryError)."""
    (tmp_path / "feed.json").symlink_to("/dev/zero")
    result = run(["intel", "import", str(tmp_path / "feed.json")], tmp_path / "home", timeout=60)
    refused(result, "feed.json", "character device")
    assert result.peak_mib < BASE_MIB


def test_a_sparse_file_over_the_limit_is_refused_from_its_size(tmp_path: Path) -> None:
    sparse = tmp_path / "feed.json"
    with sparse.open("wb") as handle:
        handle.truncate(2 * 1024**3)
    result = run(["intel", "import", "--source", "nvd", str(sparse)], tmp_path / "home")
    refused(result, "feed.json", "over the")
    assert result.seconds < 20 and result.peak_mib < BASE_MIB


@pytest.mark.parametrize("kind", ["kev", "nvd", "epss", "sanctions", "eol", "distro", "osv"])
def test_a_sparse_file_within_the_limit_is_refused_from_its_first_bytes(
    tmp_path: Path, kind: str
) -> None:
    """A gibibyte of zero bytes, just under `MAX_FEED_BYTES`: never held in memory (JSON feeds
    refuse it from its size, text feeds from a line over the line limit, OSV records from the
    size of a record file)."""
    sparse = tmp_path / "feed.json"
    with sparse.open("wb") as handle:
        handle.truncate(limits.MAX_FEED_BYTES - 1)
    result = run(["intel", "import", "--source", kind, str(sparse)], tmp_path / "home")
    refused(result, "feed.json")
    assert result.seconds < 30 and result.peak_mib < BASE_MIB


def test_a_fifo_nobody_writes_to_is_refused_after_the_idle_limit(tmp_path: Path) -> None:
    fifo = tmp_path / "feed.json"
    os.mkfifo(fifo)
    result = run(
        ["intel", "import", str(fifo)],
        tmp_path / "home",
        timeout=60,
        python="from chainreview import limits; limits.PIPE_IDLE_SECONDS = 1.0",
    )
    refused(result, "feed.json", "nothing was written to the pipe")
    assert result.seconds < 20


def test_a_fifo_someone_writes_a_feed_to_is_imported(shared_data: Path, tmp_path: Path) -> None:
    fifo = tmp_path / "kev.json"
    os.mkfifo(fifo)
    kev = (shared_data / "cisa-kev" / "known_exploited_vulnerabilities.json").read_bytes()

    def write() -> None:
        with fifo.open("wb") as handle:
            handle.write(kev)

    writer = threading.Thread(target=write)
    writer.start()
    result = run(["intel", "import", "--format", "json", str(fifo)], tmp_path / "home")
    writer.join(timeout=10)
    assert result.code == 0, result.stderr
    (source,) = json.loads(result.stdout)["sources"]
    assert source["name"] == "kev" and source["inputs"] == [str(fifo)]


DEEP_LEVELS = 3_000
"""Folders nested in `test_a_deeply_nested_folder_is_one_line_not_a_crash`: deeper than the
recursion limit and than the system's path length."""


def _nest(root: Path, levels: int, leaf: str) -> None:
    """`root/d/d/…/d/leaf`, `levels` folders deep, made by descriptor (the path soon grows past
    what the system opens)."""
    root.mkdir()
    folder = os.open(root, os.O_RDONLY)
    try:
        for _ in range(levels):
            os.mkdir("d", dir_fd=folder)
            inner = os.open("d", os.O_RDONLY, dir_fd=folder)
            os.close(folder)
            folder = inner
        os.close(os.open(leaf, os.O_CREAT | os.O_WRONLY, dir_fd=folder))
    finally:
        os.close(folder)


def _remove_nested(root: Path) -> None:
    """Remove a tree however deep, level by level through descriptors, without recursing.

    `shutil.rmtree` recurses once per level: on a tree deeper than the recursion limit it
    stops with a RecursionError. So does pytest's clean-up of old temporary folders, which then
    abandons its listing of them (`os.scandir` without `with`): a later run ends with an
    unclosed-ScandirIterator warning, an error under `filterwarnings = error`, and the tree stays
    in `/tmp` as `garbage-*` for good.
    """
    opened = [os.open(root, os.O_RDONLY | os.O_DIRECTORY)]
    names: list[str] = []
    try:
        while opened:
            with os.scandir(opened[-1]) as listing:
                entries = [(e.name, e.is_dir(follow_symlinks=False)) for e in listing]
            for name, is_dir in entries:
                if not is_dir:
                    os.unlink(name, dir_fd=opened[-1])
            inner = next((name for name, is_dir in entries if is_dir), None)
            if inner is not None:
                opened.append(os.open(inner, os.O_RDONLY | os.O_DIRECTORY, dir_fd=opened[-1]))
                names.append(inner)
            else:
                os.close(opened.pop())
                if names:
                    os.rmdir(names.pop(), dir_fd=opened[-1])
    finally:
        for folder in opened:
            os.close(folder)
    os.rmdir(root)


def test_a_deeply_nested_folder_is_one_line_not_a_crash(tmp_path: Path) -> None:
    """Deeper than the recursion limit and than the system's path length: once a
    RecursionError (exit 4). The tree is removed here: nothing else can (`_remove_nested`)."""
    root = tmp_path / "feed"
    _nest(root, DEEP_LEVELS, "GO-2099-0001.json")
    try:
        for args in (
            ["intel", "import", str(root)],
            ["intel", "import", "--source", "osv", str(root)],
        ):
            result = run(args, tmp_path / "home", timeout=60)
            refused(result, "cannot read folder", "levels down")
            assert len(result.error_lines[0]) < 300 and result.peak_mib < BASE_MIB
    finally:
        _remove_nested(root)


def test_the_deep_folder_test_leaves_what_pytest_can_remove(
    tmp_path: Path, shared_data: Path
) -> None:
    """Run the test above in its own pytest session, then remove its temporary folders the way
    pytest removes an old session's (`shutil.rmtree`); whatever is left is removed without
    recursing, so this test leaves no deep tree either."""
    basetemp = tmp_path / "session"
    root = Path(__file__).resolve().parents[2]
    test = Path(__file__).resolve().relative_to(root).as_posix()
    test += f"::{test_a_deeply_nested_folder_is_one_line_not_a_crash.__name__}"
    done = subprocess.run(
        [
            sys.executable,
            "-m",
            "pytest",
            "-q",
            "-p",
            "no:cacheprovider",
            f"--basetemp={basetemp}",
            test,
        ],
        capture_output=True,
        text=True,
        cwd=root,
        env={**os.environ, "CHAINREVIEW_SHARED_DATA": str(shared_data)},
        timeout=600,
        check=False,
    )
    assert done.returncode == 0, done.stdout + done.stderr
    try:
        shutil.rmtree(basetemp)
    except RecursionError:
        _remove_nested(basetemp)
        pytest.fail("the test left a folder tree deeper than shutil.rmtree (and pytest) can remove")
    assert not basetemp.exists()


def test_the_nested_tree_helpers(tmp_path: Path) -> None:
    """`_remove_nested` removes a tree that `shutil.rmtree` cannot."""
    root = tmp_path / "deep"
    _nest(root, DEEP_LEVELS, "leaf")
    with pytest.raises(RecursionError):
        shutil.rmtree(root)
    _remove_nested(root)
    assert not root.exists()


# --- memory: archives, gzip, big CSV --------------------------------------------------------


def _member(rng: random.Random) -> bytes:
    """1 MiB that deflates about a hundredfold (under the zip bomb ratio)."""
    data = bytearray(b"a" * 2**20)
    for index in range(0, len(data), 400):
        data[index] = rng.randrange(97, 123)
    return bytes(data)


def test_a_zip_of_many_large_members_is_read_one_member_at_a_time(tmp_path: Path) -> None:
    """400 members of 1 MiB (not OSV): they were all read into memory before the first was
    parsed."""
    archive = tmp_path / "all.zip"
    member = _member(random.Random(1))
    with zipfile.ZipFile(archive, "w", zipfile.ZIP_DEFLATED) as out:
        for index in range(400):
            out.writestr(f"r{index:04d}.json", member)
    result = run(["intel", "import", "--source", "osv", str(archive)], tmp_path / "home")
    refused(result, "all.zip", "no usable osv records")
    assert result.peak_mib < BASE_MIB


def test_large_records_are_not_held_whole(tmp_path: Path) -> None:
    """150 valid OSV records of 1 MiB each in a zip: read, parsed and stored a few at a time
    (the reader once held every parsed record, several times their size)."""
    archive = tmp_path / "all.zip"
    rng = random.Random(2)
    with zipfile.ZipFile(archive, "w", zipfile.ZIP_DEFLATED) as out:
        for index in range(150):
            record = {
                "id": f"PYSEC-2099-{index}",
                "modified": "2024-01-01T00:00:00Z",
                "details": _member(rng).decode(),
                "affected": [{"package": {"ecosystem": "PyPI", "name": f"p{index}"}}],
            }
            out.writestr(f"r{index:04d}.json", json.dumps(record))
    for workers in ("1", "2"):
        home = tmp_path / f"home-{workers}"
        result = run(["intel", "import", "--workers", workers, str(archive)], home, timeout=300)
        assert result.code == 0, result.stderr
        assert result.peak_mib < 2 * BASE_MIB, (workers, result.peak_mib)
        with snapshot.open_current(home) as current:  # type: ignore[union-attr]
            assert current.manifest["feeds"]["osv"] == 150


def test_a_gzip_bomb_is_refused_within_its_first_mebibyte(tmp_path: Path) -> None:
    """256 MiB of newlines in 256 KiB: the whole output was decompressed, then parsed a line
    at a time."""
    bomb = tmp_path / "epss.csv.gz"
    with gzip.open(bomb, "wb", compresslevel=9) as out:
        out.write(b"#model_version:v2023.03.01,score_date:2023-03-09T00:00:00+0000\n")
        out.write(b"cve,epss,percentile\n")
        for _ in range(256):
            out.write(b"\n" * 2**20)
    assert bomb.stat().st_size < 2**20
    result = run(["intel", "import", str(bomb)], tmp_path / "home", timeout=120)
    refused(result, "epss.csv.gz", "gzip bomb")
    assert result.seconds < 30 and result.peak_mib < BASE_MIB


def test_a_big_epss_file_is_read_in_flat_memory(tmp_path: Path) -> None:
    """16 MiB of scores (~500,000 rows): memory stays flat (rows go to a spool on disk)."""
    path = tmp_path / "epss.csv"
    with path.open("w") as out:
        out.write("#model_version:v2023.03.01,score_date:2023-03-09T00:00:00+0000\n")
        out.write("cve,epss,percentile\n")
        rows = 0
        while out.tell() < 16 * 2**20:
            out.write(f"CVE-{2000 + rows % 25}-{rows:07d},0.{rows % 9973:05d},0.5\n")
            rows += 1
    result = run(["intel", "import", "--format", "json", str(path)], tmp_path / "home", 600)
    assert result.code == 0, result.stderr
    assert json.loads(result.stdout)["sources"][0]["records"] == rows
    assert result.peak_mib < BASE_MIB


# --- time: one huge or badly broken OSV record ----------------------------------------------


def _record(events: list[dict[str, object]], **more: object) -> dict[str, object]:
    return {
        "id": "PYSEC-2099-1",
        "modified": "2024-01-01T00:00:00Z",
        "affected": [
            {
                "package": {"ecosystem": "PyPI", "name": "foo"},
                "ranges": [{"type": "ECOSYSTEM", "events": events}],
            }
        ],
        **more,
    }


def _imported(tmp_path: Path, record: dict[str, object]) -> tuple[Run, dict[str, object]]:
    folder = tmp_path / "feed"
    folder.mkdir()
    (folder / "PYSEC-2099-1.json").write_text(json.dumps(record))
    result = run(["intel", "import", "--format", "json", str(folder)], tmp_path / "home", 120)
    assert result.code == 0, result.stderr
    return result, json.loads(result.stdout)


def test_300000_events_with_broken_ones_are_cleaned_in_seconds(tmp_path: Path) -> None:
    """A broken event sent the whole record through the Python validator (minutes)."""
    events: list[dict[str, object]] = [{"introduced": "0"}]
    events += [{"fixed" if i % 2 else "introduced": f"1.{i}"} for i in range(1, 300_000)]
    events[1::300] = [{"fixed": 1}] * len(events[1::300])
    record = _record(events)
    record["affected"][0]["ranges"].append(  # type: ignore[index]
        {"type": "ECOSYSTEM", "events": [{"introduced": "0"}, {"fixed": "2.0"}]}
    )
    result, report = _imported(tmp_path, record)
    (source,) = report["sources"]  # type: ignore[index]
    assert source["records"] == 1
    assert any("dropped /affected/0/ranges/0" in w["message"] for w in source["warnings"])
    assert result.seconds < 30, result.seconds


def test_100000_broken_ranges_are_dropped_in_seconds(tmp_path: Path) -> None:
    ranges = [{"type": "ECOSYSTEM", "events": [{"introduced": "0"}, {"fixed": "1.0"}]}]
    ranges += [{"type": "ECOSYSTEM", "events": [{"bogus": i}]} for i in range(100_000)]
    record = _record([])
    record["affected"][0]["ranges"] = ranges  # type: ignore[index]
    result, report = _imported(tmp_path, record)
    (source,) = report["sources"]  # type: ignore[index]
    assert source["records"] == 1
    assert len(source["warnings"]) == limits.MAX_WARNINGS_PER_FILE + 1  # capped, then counted
    assert result.seconds < 30 and result.peak_mib < 2 * BASE_MIB, result


def test_100000_aliases_import_in_seconds(tmp_path: Path) -> None:
    record = _record([{"introduced": "0"}], aliases=[f"CVE-2099-{i:06d}" for i in range(100_000)])
    result, _ = _imported(tmp_path, record)
    assert result.seconds < 30
