"""Bounded feed file access: the folder walk, text lines, gzip, the JSON start check."""

from __future__ import annotations

import gc
import gzip
import os
import sys
import zlib
from collections.abc import Iterator
from pathlib import Path

import pytest

from chainreview import limits
from chainreview.errors import InputError, LimitExceeded
from chainreview.intel._common import MAX_LINE_BYTES, read_json, text_lines, walk_files
from chainreview.intel.interface import IntelError


def test_the_walk_lists_what_sorted_rglob_lists(tmp_path: Path) -> None:
    for name in ("a/b.json", "a.json", "a-b/c.yaml", "b/.hidden/x.json", ".h.json", "z/y/x.txt"):
        (tmp_path / name).parent.mkdir(parents=True, exist_ok=True)
        (tmp_path / name).write_text("{}")
    (tmp_path / "link").symlink_to(tmp_path / "a", target_is_directory=True)
    os.mkfifo(tmp_path / "fifo.json")
    expected = [
        p.relative_to(tmp_path).as_posix()
        for p in sorted(tmp_path.rglob("*"))
        if p.is_file() and not any(part.startswith(".") for part in p.relative_to(tmp_path).parts)
    ]
    assert [name for name, _ in walk_files(tmp_path, "feed")] == expected
    assert [name for name, _ in walk_files(tmp_path, "feed", (".json",))] == ["a/b.json", "a.json"]


def _bare_listing(folder: Path) -> Iterator[str]:
    """What the walk must not do: yield from an `os.scandir` that nothing closes."""
    for entry in os.scandir(folder):  # the leak under test
        yield entry.name


def test_a_walk_left_halfway_leaves_no_listing_open(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """A caller may stop early (the OSV sniffer takes a few files): an abandoned walk holds no
    open folder listing, so nothing is left for the collector to close with a ResourceWarning
    (an error under `filterwarnings = error`)."""
    for name in ("a/1.json", "a/2.json", "a/b/3.json", "c/4.json"):
        (tmp_path / name).parent.mkdir(parents=True, exist_ok=True)
        (tmp_path / name).write_text("{}")
    unclosed: list[str] = []
    monkeypatch.setattr(sys, "unraisablehook", lambda u: unclosed.append(str(u.exc_value)))

    def abandon(walk: Iterator[object]) -> None:
        next(walk)
        held = [walk]
        held.append(held)  # in a reference cycle, as a frame of a caught exception may hold it
        del walk, held
        gc.collect()

    abandon(_bare_listing(tmp_path / "a"))  # the oracle sees the leak it looks for
    assert len(unclosed) == 1 and "unclosed scandir iterator" in unclosed[0]
    unclosed.clear()
    abandon(walk_files(tmp_path, "feed"))
    abandon(walk_files(tmp_path / "a", "feed", (".json",)))
    assert unclosed == []


def test_the_walk_is_capped(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(limits, "MAX_FEED_FILES", 2)
    for index in range(3):
        (tmp_path / f"{index}.json").write_text("{}")
    with pytest.raises(LimitExceeded, match="more than 2 files"):
        list(walk_files(tmp_path, "feed"))


def test_text_lines_of_plain_and_multi_member_gzip(tmp_path: Path) -> None:
    plain = tmp_path / "plain.csv"
    plain.write_bytes(b"\xef\xbb\xbfa,b\r\nc,d\n")
    packed = tmp_path / "packed.csv.gz"
    packed.write_bytes(gzip.compress(b"a,b\r\n") + gzip.compress(b"c,d\n"))
    assert list(text_lines(plain, "p")) == list(text_lines(packed, "g")) == ["a,b\r\n", "c,d\n"]


@pytest.mark.parametrize(
    ("data", "message"),
    [
        (b"ok\nok \xff\n", "line 2: invalid UTF-8 at byte 4 of the line"),
        (b"x" * (MAX_LINE_BYTES + 1), f"line 1: a line longer than {MAX_LINE_BYTES:,}"),
        (gzip.compress(b"a\n")[:-10], "truncated gzip stream"),
        (b"\x1f\x8b" + b"\x00" * 20, "not valid gzip"),
        (gzip.compress(b"\n" * 2**20 * 8, 9), "gzip bomb"),
    ],
    ids=["utf-8", "long line", "truncated", "not gzip", "bomb"],
)
def test_text_lines_refuse_with_the_place(tmp_path: Path, data: bytes, message: str) -> None:
    path = tmp_path / "feed"
    path.write_bytes(data)
    with pytest.raises(InputError) as caught:
        list(text_lines(path, "feed"))
    assert message in str(caught.value)


def test_gzip_is_counted_as_it_is_decompressed(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(limits, "MAX_FEED_DECOMPRESSED_BYTES", 10_000)
    path = tmp_path / "feed.gz"
    path.write_bytes(zlib.compress(os.urandom(20_000).hex().encode(), wbits=31))  # no bomb
    with pytest.raises(LimitExceeded, match="decompresses to over the 10,000-byte limit"):
        list(text_lines(path, "feed"))


def test_json_that_does_not_start_like_json_is_refused_unread(tmp_path: Path) -> None:
    path = tmp_path / "feed.json"
    with path.open("wb") as handle:
        handle.truncate(limits.MAX_FEED_JSON_BYTES)  # sparse: read whole, it would cost 256 MiB
    with pytest.raises(IntelError, match="not JSON: it starts with byte 0x00"):
        read_json(path, "feed.json")


def test_json_over_its_limit_is_refused_from_its_size(tmp_path: Path) -> None:
    path = tmp_path / "feed.json"
    with path.open("wb") as handle:
        handle.write(b"{")
        handle.truncate(limits.MAX_FEED_JSON_BYTES + 1)
    with pytest.raises(LimitExceeded, match="over the 268,435,456-byte limit"):
        read_json(path, "feed.json")
