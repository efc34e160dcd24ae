"""Atomic switch: an import SIGKILLed at any phase leaves the previous snapshot current, and a
killed first-use install of the bundle leaves none; what they leave behind is cleaned."""

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


PAUSING = Path(__file__).with_name("pausing_import.py")


def start_import(home: Path, argument: str, phase: str) -> subprocess.Popen[bytes]:
    return subprocess.Popen(
        [sys.executable, str(PAUSING), phase, argument],
        env={**os.environ, "CHAINREVIEW_HOME": str(home)},
        stdout=subprocess.DEVNULL,
        stderr=subprocess.PIPE,
    )


def kill_at(process: subprocess.Popen[bytes], home: Path, phase: str) -> None:
    """Wait for `process` to reach `phase`, then SIGKILL it."""
    marker = snapshot.intel_dir(home) / f"paused-{phase}"
    deadline = time.monotonic() + 120
    while not marker.exists():
        assert process.poll() is None, process.communicate()[1]
        assert time.monotonic() < deadline, "import never reached the phase"
        time.sleep(0.02)
    os.kill(process.pid, signal.SIGKILL)
    process.communicate()  # reaps the process and closes its pipe


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
    kill_at(start_import(home, str(newer), phase), home, phase)
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


def test_a_killed_build_is_cleaned_by_the_next_intel_command(
    scene: tuple[Path, Path, str, str],
) -> None:
    home, newer, previous, _ = scene
    process = start_import(home, str(newer), importer.Phase.INDEXING.value)
    kill_at(process, home, importer.Phase.INDEXING.value)
    build = snapshot.snapshots_dir(home) / f".build-{process.pid}.sqlite"
    assert build.is_file()
    alive = snapshot.snapshots_dir(home) / f".build-{os.getpid()}.sqlite"
    alive.write_bytes(b"an import of a running process")  # not touched
    done = subprocess.run(
        [sys.executable, "-m", "chainreview", "intel", "status", "--format", "json"],
        env={**os.environ, "CHAINREVIEW_HOME": str(home)},
        capture_output=True,
        check=True,
    )
    assert json.loads(done.stdout)["current"] == previous
    assert not build.exists() and alive.exists()


def test_a_killed_import_of_the_bundle_leaves_nothing_current(tmp_path: Path) -> None:
    """The bundled feeds go in as one import: killed before it switches, every dataset is in the
    one snapshot built, and none of it is current."""
    home = tmp_path / "home"
    phase = importer.Phase.SWITCHING.value
    process = start_import(home, "--bundled", phase)
    kill_at(process, home, phase)
    assert snapshot.current_hash(home) is None
    (built,) = snapshot.snapshots_dir(home).glob("[!.]*.sqlite")
    with snapshot.Snapshot(built) as whole:
        feeds = whole.manifest["feeds"]
    assert feeds["osv"] and feeds["kev"] and feeds["sanctions"] and feeds["nvd"]
    assert (snapshot.intel_dir(home) / f"bundled-data-{process.pid}").is_dir()
    snapshot.clean_stale(home)
    assert not (snapshot.intel_dir(home) / f"bundled-data-{process.pid}").exists()
    assert not list(snapshot.snapshots_dir(home).glob(".build-*"))
