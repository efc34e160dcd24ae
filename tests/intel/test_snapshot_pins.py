"""Pinned snapshots (a case's review round rests on them) survive every garbage collection."""

from __future__ import annotations

from pathlib import Path

import pytest

from chainreview.intel.snapshot import collect_garbage, pin, pinned, snapshots_dir


def _snapshot(home: Path, digest: str) -> Path:
    folder = snapshots_dir(home)
    folder.mkdir(parents=True, exist_ok=True)
    path = folder / f"{digest}.sqlite"
    path.write_bytes(b"not opened here")
    return path


def test_a_pinned_snapshot_is_never_collected(tmp_path: Path) -> None:
    kept, pinned_one, loose = (_snapshot(tmp_path, c * 64) for c in "abc")
    pin(pinned_one, "CR-2026-0001")
    pin(pinned_one, "CR-2026-0002")
    pin(pinned_one, "CR-2026-0001")  # again: harmless
    assert pinned(tmp_path) == {"b" * 64}
    collect_garbage(tmp_path, keep={"a" * 64})
    assert (kept.exists(), pinned_one.exists(), loose.exists()) == (True, True, False)
    holders = sorted(p.read_text() for p in (tmp_path / "intel" / "pins" / ("b" * 64)).iterdir())
    assert holders == ["CR-2026-0001\n", "CR-2026-0002\n"]


def test_nothing_pinned_in_a_new_home(tmp_path: Path) -> None:
    assert pinned(tmp_path) == frozenset()


def test_only_snapshot_files_are_pinned(tmp_path: Path) -> None:
    with pytest.raises(ValueError, match="not an intel snapshot file"):
        pin(tmp_path / "x.sqlite", "CR-2026-0001")
