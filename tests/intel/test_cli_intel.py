"""`chainreview intel import` and `intel status` end to end, in a real subprocess."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

UBUNTU = "ubuntu-osv-vex-samples"


def run(args: list[str], home: Path) -> subprocess.CompletedProcess[str]:
    env = {**os.environ, "CHAINREVIEW_HOME": str(home), "COLUMNS": "200"}
    return subprocess.run(
        [sys.executable, "-m", "chainreview", "intel", *args],
        capture_output=True,
        text=True,
        env=env,
        timeout=120,
        check=False,
    )


def test_status_before_any_import(tmp_path: Path) -> None:
    done = run(["status", "--format", "json"], tmp_path)
    assert done.returncode == 0
    assert json.loads(done.stdout)["current"] is None
    assert "No intel snapshot" in run(["status"], tmp_path).stdout


def test_import_then_status(shared_data: Path, tmp_path: Path) -> None:
    folder = shared_data / UBUNTU
    files = sorted(folder.rglob("*.json"))
    osv_files = [p for p in files if p.name.startswith(("UBUNTU-", "USN-"))]
    withdrawn = sum("withdrawn" in json.loads(p.read_text()) for p in osv_files)
    done = run(["import", str(folder), "--format", "json"], tmp_path)
    assert done.returncode == 0, done.stderr
    report = json.loads(done.stdout)
    (source,) = report["sources"]
    assert source["records"] == len(osv_files) and source["withdrawn"] == withdrawn
    assert len(source["rejected"]) == len(files) - len(osv_files)  # the two OpenVEX documents
    status = json.loads(run(["status", "--format", "json"], tmp_path).stdout)
    assert status["current"] == report["hash"]
    assert status["feeds"]["osv"] == len(osv_files)
    assert "kev" in status["missing_feeds"]
    assert status["sources"][0]["licence"] == "CC-BY-SA-4.0"
    table = run(["status"], tmp_path).stdout
    assert report["hash"] in table and "Feeds the snapshot lacks: kev" in table


def test_bad_input_exit_3_previous_kept(shared_data: Path, tmp_path: Path) -> None:
    assert run(["import", str(shared_data / UBUNTU)], tmp_path).returncode == 0
    before = run(["status", "--format", "json"], tmp_path).stdout
    bad = tmp_path / "bad"
    bad.mkdir()
    (bad / "x.json").write_text(json.dumps({"id": "", "modified": "2024-01-01T00:00:00Z"}))
    done = run(["import", "--source", "osv", str(bad)], tmp_path)
    assert done.returncode == 3
    assert "no usable osv records" in done.stderr and "x.json" in done.stderr
    unknown = tmp_path / "notes.txt"
    unknown.write_text("hello")
    done = run(["import", str(unknown)], tmp_path)
    assert done.returncode == 3 and "not recognised" in done.stderr
    assert run(["status", "--format", "json"], tmp_path).stdout == before


def test_csv_with_wrong_header_exit_3_previous_kept(shared_data: Path, tmp_path: Path) -> None:
    assert run(["import", str(shared_data / UBUNTU)], tmp_path).returncode == 0
    before = run(["status", "--format", "json"], tmp_path).stdout
    real = (shared_data / "cisa-kev/known_exploited_vulnerabilities.csv").read_text()
    header, rest = real.split("\n", 1)
    broken = tmp_path / "kev.csv"
    broken.write_text(header.replace("cveID", "cve_id") + "\n" + rest)
    done = run(["import", "--source", "kev", str(broken)], tmp_path)
    assert done.returncode == 3
    assert "kev.csv" in done.stderr and "line 1" in done.stderr
    assert run(["status", "--format", "json"], tmp_path).stdout == before


def test_complete_marks_the_sources_and_status_says_which_are_partial(
    shared_data: Path, tmp_path: Path
) -> None:
    kev = shared_data / "cisa-kev" / "known_exploited_vulnerabilities.json"
    osv = shared_data / UBUNTU
    first = run(["import", str(osv), "--format", "json"], tmp_path)
    assert first.returncode == 0, first.stderr
    assert [s["complete"] for s in json.loads(first.stdout)["sources"]] == [False]
    done = run(["import", "--complete", str(kev)], tmp_path)
    assert done.returncode == 0, done.stderr
    assert "complete" in done.stdout and "Recorded as partial" not in done.stdout
    status = json.loads(run(["status", "--format", "json"], tmp_path).stdout)
    marks = {s["kind"]: (s["complete"], s["demo"]) for s in status["sources"]}
    assert marks == {"kev": (True, False), "osv": (False, False)}  # the OSV source was kept
    assert status["demo"] is False
    assert "Demo intelligence" not in run(["status"], tmp_path).stdout


def test_complete_is_refused_with_bundled(tmp_path: Path) -> None:
    done = run(["import", "--bundled", "--complete"], tmp_path)
    assert done.returncode == 2 and "--complete" in done.stderr


def test_a_shrinking_import_is_merged_and_status_shows_each_import(
    shared_data: Path, tmp_path: Path
) -> None:
    go = shared_data / "golang-vulndb" / "data" / "osv"
    folder = tmp_path / "go"
    folder.mkdir()
    names = sorted(p.name for p in go.glob("GO-*.json"))[:30]
    for name in names:
        (folder / name).write_bytes((go / name).read_bytes())
    assert run(["import", str(folder)], tmp_path).returncode == 0
    done = run(["import", str(go / names[0])], tmp_path)
    assert done.returncode == 0, done.stderr
    assert "osv:Go merged, not replaced" in done.stdout and "--replace" in done.stdout
    table = run(["status"], tmp_path).stdout
    assert "Latest imports" in table and "merged" in table and "(kept 29)" in table
    replaced = run(["import", "--replace", "--format", "json", str(go / names[0])], tmp_path)
    (source,) = json.loads(replaced.stdout)["sources"]
    assert source["change"]["mode"] == "replaced" and source["change"]["removed"] == 29
    status = json.loads(run(["status", "--format", "json"], tmp_path).stdout)
    assert [s["records"] for s in status["sources"]] == [1]
    assert [i["sources"][0]["mode"] for i in status["imports"]] == ["new", "merged", "replaced"]
