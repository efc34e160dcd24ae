"""Atomic switch: an import SIGKILLed at any phase leaves the previous snapshot current."""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest
from tests.intel.conftest import copy_records

from chainreview.intel import importer, snapshot

RUST = "rustsec-advisory-db-osv/crates"


def start_import(home: Path, folder: Path, phase: str | None) -> subprocess.Popen[bytes]:
    env = {**os.environ, "CHAINREVIEW_HOME": str(home)}
    if phase:
        env[importer.PAUSE_ENV] = phase
    return subprocess.Popen(
        [sys.executable, "-m", "chainreview", "intel", "import", str(folder)],
        env=env,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.PIPE,
    )


def lookup(home: Path, name: str) -> tuple[str, ...]:
    with snapshot.open_current(home) as snap:  # type: ignore[union-attr]
        return tuple(sorted(p.advisory_id for p in snap.advisories_for("crates.io", name)))


@pytest.fixture()
def scene(shared_data: Path, tmp_path: Path) -> tuple[Path, Path, str, str]:
    """A home whose snapshot has 3 RustSec records; a folder adding a 4th package's advisory."""
    source = shared_data / RUST
    names = sorted(p.name for p in source.glob("*.json"))
    packages = [
        json.loads((source / n).read_text())["affected"][0]["package"]["name"] for n in names
    ]
    extra = next(i for i, p in enumerate(packages) if p not in packages[:3])
    home = tmp_path / "home"
    first = importer.import_paths([copy_records(source, names[:3], tmp_path / "old")], home=home)
    newer = copy_records(source, [*names[:3], names[extra]], tmp_path / "new")
    return home, newer, first.hash, packages[extra]


@pytest.mark.parametrize("phase", [p.value for p in importer.Phase])
def test_kill_at_phase_keeps_previous(scene: tuple[Path, Path, str, str], phase: str) -> None:
    home, newer, previous, package = scene
    assert lookup(home, package) == ()
    process = start_import(home, newer, phase)
    marker = snapshot.intel_dir(home) / f"paused-{phase}"
    deadline = time.monotonic() + 60
    while not marker.exists():
        assert process.poll() is None, process.communicate()[1]
        assert time.monotonic() < deadline, "import never reached the phase"
        time.sleep(0.02)
    os.kill(process.pid, signal.SIGKILL)
    process.communicate()  # reaps the process and closes its pipe
    assert snapshot.current_hash(home) == previous
    status = subprocess.run(
        [sys.executable, "-m", "chainreview", "intel", "status", "--format", "json"],
        env={**os.environ, "CHAINREVIEW_HOME": str(home)},
        capture_output=True,
        text=True,
        check=True,
    )
    assert f'"current": "{previous}"' in status.stdout
    assert lookup(home, package) == ()
    # the next import completes, cleans the leftovers, and does change the answer
    result = importer.import_paths([newer], home=home)
    assert result.previous == previous
    assert lookup(home, package) != ()
    leftovers = {p.name for p in snapshot.snapshots_dir(home).iterdir()}
    assert leftovers == {f"{previous}.sqlite", f"{result.hash}.sqlite"}
