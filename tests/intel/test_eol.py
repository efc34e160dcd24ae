"""Tests of the endoflife.date reader on synthetic v0 and v1 documents."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from chainreview.intel import eol
from chainreview.intel.interface import FeedKind, IntelError

SYNTHETIC = Path(__file__).parent.parent / "fixtures" / "synthetic"


def test_v0_cycles_take_the_product_from_the_file_name() -> None:
    raw = json.loads((SYNTHETIC / "python.json").read_text())
    feed = eol.read(SYNTHETIC / "python.json", "python.json")
    assert feed.kind is FeedKind.EOL
    assert feed.source == "eol:python"
    assert [c.key for c in feed.records] == [f"python@{c['cycle']}" for c in raw]
    assert [c.eol_date for c in feed.records] == [c["eol"] for c in raw]
    assert feed.records[2].support_until is None  # `support: true` carries no date
    assert feed.newest == max(c["latestReleaseDate"] for c in raw)
    assert feed.licence == "MIT"


def test_v1_product_document() -> None:
    raw = json.loads((SYNTHETIC / "nodejs-v1.json").read_text())
    feed = eol.read(SYNTHETIC / "nodejs-v1.json", "nodejs-v1.json")
    releases = raw["result"]["releases"]
    assert feed.source == "eol:nodejs"
    assert [(c.cycle, c.eol, c.eol_date, c.lts, c.latest) for c in feed.records] == [
        (r["name"], r["isEol"], r["eolFrom"], r["isLts"], r["latest"]["name"]) for r in releases
    ]
    assert [c.maintained for c in feed.records] == [r["isMaintained"] for r in releases]


def test_bad_cycles_are_warned_or_rejected() -> None:
    feed = eol.read(SYNTHETIC / "eol_bad.json", "eol_bad.json")
    assert [c.cycle for c in feed.records] == ["1.0", "2.0"]
    assert [d.location.pointer for d in feed.warnings] == ["/0/eol"]
    assert [d.location.pointer for d in feed.rejected] == ["/1", "/2"]
    assert feed.records[1].lts is True  # an LTS start date means the cycle is LTS


@pytest.mark.parametrize("content", [b'{"foo": 1}', b"[{", b"42"])
def test_unreadable_documents_are_errors(tmp_path: Path, content: bytes) -> None:
    path = tmp_path / "x.json"
    path.write_bytes(content)
    with pytest.raises(IntelError) as caught:
        eol.read(path, "x.json")
    assert caught.value.path == "x.json"
