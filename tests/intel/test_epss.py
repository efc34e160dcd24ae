"""Tests of the EPSS reader on synthetic files (no licensed real sample exists here)."""

from __future__ import annotations

import csv
import gzip
from pathlib import Path

import pytest

from chainreview import limits
from chainreview.errors import LimitExceeded
from chainreview.intel import epss
from chainreview.intel.interface import FeedKind, IntelError

SYNTHETIC = Path(__file__).parent.parent / "fixtures" / "synthetic"
PLAIN = SYNTHETIC / "epss_scores-2023-03-09.csv"


def test_plain_and_gzipped_files_agree() -> None:
    with PLAIN.open(encoding="utf-8", newline="") as handle:
        rows = list(csv.reader(handle))[2:]
    plain = epss.read(PLAIN, "epss.csv")
    packed = epss.read(SYNTHETIC / "epss_scores-2023-03-09.csv.gz", "epss.csv.gz")
    assert plain.kind is FeedKind.EPSS
    assert plain.records == packed.records
    assert [(s.cve, s.epss, s.percentile) for s in plain.records] == [
        (cve, float(score), float(pct)) for cve, score, pct in rows
    ]
    assert plain.newest == "2023-03-09"
    assert "v2023.03.01" in plain.attribution
    assert (plain.warnings, plain.rejected) == ((), ())


def test_bad_rows_are_rejected_by_line() -> None:
    feed = epss.read(SYNTHETIC / "epss_bad_rows.csv", "bad.csv")
    assert [s.cve for s in feed.records] == ["CVE-2021-44228"]
    assert [d.location.pointer for d in feed.rejected] == ["line 4", "line 5", "line 6", "line 7"]


def test_wrong_header_names_its_line(tmp_path: Path) -> None:
    path = tmp_path / "epss.csv"
    path.write_text(PLAIN.read_text().replace("cve,epss,percentile", "cve,score,percentile"))
    with pytest.raises(IntelError) as caught:
        epss.read(path, "epss.csv")
    assert (caught.value.path, caught.value.location) == ("epss.csv", "line 2")


def test_file_without_comment_line_warns(tmp_path: Path) -> None:
    path = tmp_path / "epss.csv"
    path.write_text("cve,epss,percentile\nCVE-2020-0001,0.5,0.9\n")
    feed = epss.read(path, "epss.csv")
    assert len(feed.records) == 1
    assert feed.newest is None
    assert [d.location.pointer for d in feed.warnings] == ["line 1"]


def test_truncated_gzip_is_an_error(tmp_path: Path) -> None:
    data = (SYNTHETIC / "epss_scores-2023-03-09.csv.gz").read_bytes()
    path = tmp_path / "epss.csv.gz"
    path.write_bytes(data[:-12])
    with pytest.raises(IntelError, match="truncated gzip"):
        epss.read(path, "epss.csv.gz")


def test_gzip_bomb_is_refused(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(limits, "MAX_FEED_DECOMPRESSED_BYTES", 1000)
    path = tmp_path / "epss.csv.gz"
    path.write_bytes(gzip.compress(b"cve,epss,percentile\n" + b"0" * 100_000))
    with pytest.raises(LimitExceeded):
        epss.read(path, "epss.csv.gz")


def test_empty_file_is_an_error(tmp_path: Path) -> None:
    path = tmp_path / "epss.csv"
    path.write_bytes(b"")
    with pytest.raises(IntelError, match="empty"):
        epss.read(path, "epss.csv")
