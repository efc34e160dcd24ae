"""The overrides file is bounded before it is parsed: its schema check costs about half a
millisecond per entry, so an 8 MB file of repeated entries took 42 s before being refused."""

from __future__ import annotations

import time
from pathlib import Path

import pytest

from chainreview import limits
from chainreview.errors import LimitExceeded
from chainreview.evidence.overrides import read_overrides

ENTRY = (
    "  - factor: F07\n    level: high\n    reason: Export-control exposure confirmed.\n"
    "    reviewer: Reviewer 3\n    date: 2026-04-02\n"
)


def test_an_overrides_file_over_its_limit_is_refused_at_once(tmp_path: Path) -> None:
    path = tmp_path / "overrides.yaml"
    body = 'schema_version: "1.0"\noverrides:\n'
    path.write_text(body + ENTRY * (limits.MAX_OVERRIDES_BYTES // len(ENTRY) + 1))
    started = time.monotonic()
    with pytest.raises(LimitExceeded) as caught:
        read_overrides(path, "overrides.yaml")
    assert str(caught.value) == (
        f"overrides.yaml: file is {path.stat().st_size:,} bytes, "
        f"over the {limits.MAX_OVERRIDES_BYTES:,}-byte limit"
    )
    assert time.monotonic() - started < 1


def test_an_overrides_file_within_its_limit_is_read(tmp_path: Path) -> None:
    path = tmp_path / "overrides.yaml"
    path.write_text('schema_version: "1.0"\noverrides:\n' + ENTRY)
    assert [o.factor for o in read_overrides(path, "overrides.yaml").overrides] == ["F07"]
