"""`chainreview monitor run` end to end, in a real subprocess, across the two real snapshots of
tests/monitor_kit.py: the exit codes cron and CI read (0 nothing to review, 1 something, 3 no
inventory), the inventory remembered between runs, and a second run with no new snapshot
reporting nothing."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

from monitor_kit import INVENTORY, import_first, import_second


def monitor(home: Path, *args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "chainreview", "monitor", "run", *args],
        capture_output=True,
        text=True,
        env={**os.environ, "COLUMNS": "200", "CHAINREVIEW_HOME": str(home)},
        timeout=300,
        check=False,
    )


def test_monitor_run_exits_for_cron_and_ci(
    tmp_path: Path, shared_data: Path, pypa_until_cutoff: Path
) -> None:
    home = tmp_path / "home"
    first = import_first(home, pypa_until_cutoff)
    none = monitor(home)
    assert none.returncode == 3
    assert "no earlier run: name the inventory with --inventory FILE" in none.stderr

    baseline = monitor(home, "--inventory", str(INVENTORY))
    assert baseline.returncode == 0, baseline.stderr
    assert f"first run: baseline of 5 package(s) on intel snapshot {first}" in baseline.stdout
    assert "not monitored, no SBOM: P-MAIL" in baseline.stdout

    second = import_second(home, shared_data)
    changed = monitor(home, "--format", "json")  # the inventory of the last run
    assert changed.returncode == 1, changed.stderr
    assert changed.stderr.strip().endswith("3 product(s) need re-review")
    report = json.loads(changed.stdout)
    assert (report["previous_snapshot"], report["snapshot"]) == (first, second)
    assert [(f["product"], [c["reason"] for c in f["changes"]]) for f in report["flagged"]] == [
        ("P-SPARK", ["new-kev"]),
        ("P-API", ["new-finding"]),
        ("P-LEDGER", ["new-critical"]),
    ]
    assert report["inventory"] == str(INVENTORY.resolve())  # as remembered by the first run

    quiet = monitor(home)
    assert quiet.returncode == 0, quiet.stderr
    assert "no new intel snapshot since" in quiet.stdout
    assert "re-matched 0 of 5 package(s) (0 version(s))" in quiet.stdout
    assert "nothing needs re-review" in quiet.stdout
    assert "need re-review:" not in quiet.stdout
