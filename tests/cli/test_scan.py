"""`chainreview scan` end to end, in a real subprocess: formats, determinism, VEX, exit codes."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest
from jsonschema import Draft4Validator

AIRFLOW = "sbomqs-samples/samples/apache_airflow-sbom-2.8.0-python3.10.json"
RUST = "spdx-examples/software/example11/spdx2.3/sbom.spdx.json"
SARIF_SCHEMA = "oasis-sarif-spec/sarif-2.1/schema/sarif-schema-2.1.0.json"


def run(args: list[str], home: Path) -> subprocess.CompletedProcess[bytes]:
    env = {**os.environ, "CHAINREVIEW_HOME": str(home), "COLUMNS": "200"}
    env.pop("CHAINREVIEW_FAIL_ON", None)
    env.pop("CHAINREVIEW_FORMAT", None)
    return subprocess.run(
        [sys.executable, "-m", "chainreview", "scan", *args],
        capture_output=True,
        env=env,
        timeout=120,
        check=False,
    )


def report(result: subprocess.CompletedProcess[bytes]) -> dict[str, Any]:
    assert result.returncode == 0, result.stderr.decode()
    value: dict[str, Any] = json.loads(result.stdout)
    return value


def test_without_snapshot_one_line_and_exit_3(shared_data: Path, tmp_path: Path) -> None:
    result = run([str(shared_data / RUST)], tmp_path)
    assert result.returncode == 3
    lines = result.stderr.decode().strip().splitlines()
    assert len(lines) == 1
    assert "chainreview intel import" in lines[0]


def test_json_is_byte_identical_across_runs(shared_data: Path, scan_home: Path) -> None:
    first = run(["--format", "json", str(shared_data / AIRFLOW)], scan_home)
    second = run(["--format", "json", str(shared_data / AIRFLOW)], scan_home)
    assert first.stdout == second.stdout
    data = report(first)
    assert data["counts"]["components"] == 1750
    assert data["counts"]["findings"] == 5
    assert len(data["snapshot"]) == 64
    assert [f["id"] for f in data["findings"]] == [
        "CVE-2024-37568",  # Authlib 1.2.1
        "CVE-2023-46136",  # Werkzeug 2.2.3
        "CVE-2024-23334",  # aiohttp 3.9.1, high (CVSS 3.1 7.5)
        "CVE-2024-23829",  # aiohttp 3.9.1, medium
        "CVE-2024-3651",  # idna 3.6
    ]
    werkzeug = data["findings"][1]
    assert werkzeug["aliases"] == ["CVE-2023-46136", "GHSA-hrfv-mqp8-q5rw", "PYSEC-2023-221"]
    assert werkzeug["severity"]["level"] == "high"
    assert werkzeug["fixed_versions"] == ["2.3.8", "3.0.1"]
    assert werkzeug["evidence"][0]["record"] == "PYSEC-2023-221"


def test_sarif_validates_against_the_oasis_schema(shared_data: Path, scan_home: Path) -> None:
    result = run(["--format", "sarif", str(shared_data / RUST)], scan_home)
    log = report(result)
    schema = json.loads((shared_data / SARIF_SCHEMA).read_text())
    errors = sorted(Draft4Validator(schema).iter_errors(log), key=str)
    assert errors == []
    results = log["runs"][0]["results"]
    assert len(results) == 7
    # hyper 0.14: RUSTSEC-2021-0079 gives CVSS:3.1/AV:N/AC:L/PR:N/UI:N/S:U/C:N/I:H/A:H = 9.1,
    # critical → error
    critical = [r for r in results if r["ruleId"] == "CVE-2021-32714"]
    assert critical[0]["level"] == "error"
    rules = {rule["id"]: rule for rule in log["runs"][0]["tool"]["driver"]["rules"]}
    assert rules["CVE-2021-32714"]["properties"]["security-severity"] == "9.1"


def test_fail_on_thresholds_exit_codes(shared_data: Path, scan_home: Path) -> None:
    sbom = str(shared_data / RUST)
    assert run(["--format", "json", "--fail-on", "kev", sbom], scan_home).returncode == 0
    failing = run(["--format", "json", "--fail-on", "critical", sbom], scan_home)
    assert failing.returncode == 1
    assert json.loads(failing.stdout)["counts"]["findings"] == 7  # output written before exit
    assert b"--fail-on critical" in failing.stderr
    assert run(["--fail-on", "never", sbom], scan_home).returncode == 0


def test_vex_and_ignore_keep_findings_flagged(
    shared_data: Path, scan_home: Path, tmp_path: Path
) -> None:
    vex = tmp_path / "hyper.openvex.json"
    vex.write_text(
        json.dumps(
            {
                "@context": "https://openvex.dev/ns/v0.2.0",
                "@id": "https://example.org/vex/1",
                "author": "Example",
                "timestamp": "2024-01-01T00:00:00Z",
                "version": 1,
                "statements": [
                    {
                        "vulnerability": {"name": "CVE-2021-21299"},
                        "products": [{"@id": "pkg:cargo/hyper@0.14"}],
                        "status": "not_affected",
                        "justification": "vulnerable_code_not_present",
                    }
                ],
            }
        )
    )
    ignore = tmp_path / "ignore.yaml"
    ignore.write_text(
        "ignore:\n"
        "  - id: RUSTSEC-2023-0001\n    reason: not reachable\n    expires: 2099-01-01\n"
        "  - id: GHSA-0000-0000-0000\n    reason: stale entry\n"
    )
    args = ["--format", "json", "--vex", str(vex), "--ignore", str(ignore)]
    data = report(run([*args, str(shared_data / RUST)], scan_home))
    by_id = {f["id"]: f for f in data["findings"]}
    assert len(by_id) == 7
    assert by_id["CVE-2021-21299"]["status"] == "not_affected"
    assert by_id["CVE-2021-21299"]["justification"] == "vulnerable_code_not_present"
    assert by_id["CVE-2023-22466"]["suppressed"]["id"] == "RUSTSEC-2023-0001"
    assert [s["id"] for s in data["unused_suppressions"]] == ["GHSA-0000-0000-0000"]
    assert data["counts"]["active"] == 5


def test_table_output(shared_data: Path, scan_home: Path) -> None:
    result = run([str(shared_data / RUST)], scan_home)
    assert result.returncode == 0, result.stderr.decode()
    text = result.stdout.decode()
    assert "Findings" in text
    assert "hyper 0.14" in text
    assert "CVE-2021-32714" in text


@pytest.mark.parametrize("content", ["{", "not an sbom"])
def test_bad_sbom_exit_3(content: str, scan_home: Path, tmp_path: Path) -> None:
    bad = tmp_path / "bad.json"
    bad.write_text(content)
    result = run([str(bad)], scan_home)
    assert result.returncode == 3
    assert "bad.json" in result.stderr.decode()
