"""The library leaves process-wide state alone (#12); the CLI keeps its speed measures.

A library call may run in a long-lived service beside other work, so it must not pause Python's
cyclic garbage collector, not even for a moment and not even when it turns it back on: another
thread's cycles would pile up meanwhile. The calls are watched through the `gc` module's own
functions (each call recorded, then passed through), so a pause shows however briefly it lasted.
The CLI, a short-lived process, still pauses around its bulk work (`chainreview.collector`); a
fresh interpreter running it reports its pauses at exit.
"""

from __future__ import annotations

import gc
import os
import subprocess
import sys
from collections.abc import Callable
from datetime import date
from pathlib import Path

import pytest

import chainreview
from chainreview.evidence.sbom import read_sbom
from chainreview.intel import importer

ROOT = Path(__file__).resolve().parents[1]
SPDX_YAML = "spdx-spec/v2.3.1/examples/SPDXYAMLExample-2.3.spdx.yaml"
SPDX_JSON = "spdx-examples/software/example11/spdx2.3/sbom.spdx.json"
PYPA_FOLDER = "pypa-advisory-database/vulns/jinja2"
WATCHED = ("disable", "freeze", "unfreeze", "set_threshold")
"""The `gc` functions that change what the collector does for the whole process."""


def _watch(monkeypatch: pytest.MonkeyPatch) -> list[str]:
    """Record every call of a `WATCHED` function from now on (each still does its work)."""
    calls: list[str] = []
    for name in WATCHED:
        original: Callable[..., object] = getattr(gc, name)

        def spy(
            *args: object, _name: str = name, _original: Callable[..., object] = original
        ) -> object:
            calls.append(_name)
            return _original(*args)

        monkeypatch.setattr(gc, name, spy)
    return calls


def test_the_watch_sees_a_pause(monkeypatch: pytest.MonkeyPatch) -> None:
    """The oracle itself: a pause made the usual way is recorded."""
    from chainreview import collector

    calls = _watch(monkeypatch)
    with collector.paused():
        pass
    assert "disable" in calls
    assert gc.isenabled()


def test_reading_a_yaml_sbom_leaves_the_collector_alone(
    shared_data: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    calls = _watch(monkeypatch)
    document = read_sbom(shared_data / SPDX_YAML, SPDX_YAML)
    assert calls == []
    assert gc.isenabled()
    assert document.components  # it was read, not refused


def test_an_intel_import_leaves_the_collector_alone(
    shared_data: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    records = len(list((shared_data / PYPA_FOLDER).glob("*.yaml")))
    calls = _watch(monkeypatch)
    result = importer.import_paths([shared_data / PYPA_FOLDER], home=tmp_path)
    assert calls == []
    assert gc.isenabled()
    assert result.manifest["ecosystems"] == {"PyPI": records}


def test_a_scan_and_a_review_leave_the_collector_alone(
    bundled_home: Path, shared_data: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    example = next(
        p for p in sorted((ROOT / "examples").iterdir()) if (p / "declaration.yaml").is_file()
    )
    with chainreview.open_snapshot(bundled_home) as snapshot:
        calls = _watch(monkeypatch)
        scan = chainreview.Scanner(snapshot).scan(
            [shared_data / SPDX_YAML, shared_data / SPDX_JSON]
        )
        chainreview.Reviewer(snapshot).review(example, as_of=date(2026, 12, 1))
    assert calls == []
    assert gc.isenabled()
    assert scan.inventory.components


_REPORTING = """
import atexit, gc, sys
pauses = []
disable = gc.disable
def counting():
    pauses.append(1)
    disable()
gc.disable = counting
atexit.register(lambda: sys.stderr.write(f"\\ncollector paused {len(pauses)} time(s)\\n"))
sys.argv = ["chainreview", *sys.argv[1:]]
from chainreview.cli.app import main
main()
"""
"""Runs the CLI with its arguments and writes how often it paused the collector at exit (the
quick exit runs `atexit` handlers too)."""


def _cli_pauses(args: list[str], home: Path) -> int:
    env = {**os.environ, "CHAINREVIEW_HOME": str(home)}
    done = subprocess.run(
        [sys.executable, "-c", _REPORTING, *args],
        capture_output=True,
        text=True,
        env=env,
        timeout=300,
        check=False,
    )
    assert done.returncode == 0, done.stderr
    last = done.stderr.strip().splitlines()[-1]
    assert last.startswith("collector paused "), done.stderr
    return int(last.split()[2])


@pytest.mark.parametrize(
    "command",
    [
        ["sbom", "inspect", "--format", "json", "{data}/" + SPDX_YAML],
        ["intel", "import", "--format", "json", "{data}/" + PYPA_FOLDER],
    ],
    ids=["sbom-inspect", "intel-import"],
)
def test_the_cli_still_pauses_the_collector_around_its_bulk_work(
    command: list[str], shared_data: Path, tmp_path: Path
) -> None:
    args = [part.format(data=shared_data) for part in command]
    assert _cli_pauses(args, tmp_path) >= 1
