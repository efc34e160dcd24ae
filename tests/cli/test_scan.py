"""`chainreview scan` end to end, in a real subprocess: formats, determinism, VEX, exit codes,
the CPE and distro matchers, and the bundled snapshot installed on first use."""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest
from jsonschema import Draft4Validator

from chainreview.intel import importer

AIRFLOW = "sbomqs-samples/samples/apache_airflow-sbom-2.8.0-python3.10.json"
RUST = "spdx-examples/software/example11/spdx2.3/sbom.spdx.json"
HYPER_VEX = Path(__file__).parents[1] / "fixtures" / "vex" / "hyper-not-affected.openvex.json"
SARIF_SCHEMA = "oasis-sarif-spec/sarif-2.1/schema/sarif-schema-2.1.0.json"
ALPINE = "guac-data-sboms/docs/cyclonedx/syft-cyclonedx-docker.io-library-alpine.latest.json"
NVD = "nvd-cve-firmware-selection"
DEVICE_FEEDS = (
    f"{NVD}/CVE-2023/CVE-2023-13xx/CVE-2023-1389.json",
    f"{NVD}/CVE-2021/CVE-2021-423xx/CVE-2021-42374.json",
    "alpine-secdb/alpine/v3.16/main.json",
)
"""Two NVD records (TP-Link Archer AX21 firmware, BusyBox) and Alpine 3.16's main secdb."""


def run(args: list[str], home: Path) -> subprocess.CompletedProcess[bytes]:
    env = {**os.environ, "CHAINREVIEW_HOME": str(home), "COLUMNS": "200"}
    env.pop("CHAINREVIEW_SCAN_FAIL_ON", None)
    env.pop("CHAINREVIEW_SCAN_FORMAT", None)
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


@pytest.fixture(scope="module")
def device_home(
    scan_home: Path, shared_data: Path, tmp_path_factory: pytest.TempPathFactory
) -> Path:
    """`scan_home` plus `DEVICE_FEEDS`."""
    home = tmp_path_factory.mktemp("device-home")
    shutil.copytree(scan_home / "intel", home / "intel")
    importer.import_paths([shared_data / name for name in DEVICE_FEEDS], home=home)
    return home


def test_first_scan_installs_the_bundled_snapshot(shared_data: Path, tmp_path: Path) -> None:
    result = run(["--format", "json", str(shared_data / RUST)], tmp_path)
    data = report(result)
    notice = result.stderr.decode().strip().splitlines()
    assert len(notice) == 1 and "installing the bundled" in notice[0]
    assert (tmp_path / "intel" / "BUNDLED").read_text().strip() == data["snapshot"]
    assert data["counts"]["findings"] == 7  # the bundle holds RustSec, as `scan_home` does
    again = run(["--format", "json", str(shared_data / RUST)], tmp_path)
    assert again.stderr == b"" and report(again)["snapshot"] == data["snapshot"]


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


@pytest.mark.parametrize("fmt", ["cyclonedx-vex", "openvex", "csaf-vex"])
def test_vex_formats_are_dated_by_as_of_and_byte_identical(
    fmt: str, shared_data: Path, scan_home: Path
) -> None:
    args = ["--format", fmt, "--as-of", "2025-03-04", "--vex", str(HYPER_VEX)]
    first = run([*args, str(shared_data / RUST)], scan_home)
    second = run([*args, str(shared_data / RUST)], scan_home)
    document = report(first)
    assert first.stdout == second.stdout
    assert b"2025-03-04T00:00:00Z" in first.stdout
    assert "CVE-2021-21299" in json.dumps(document)  # the hyper finding the VEX resolved


def test_as_of_must_be_a_date(shared_data: Path, scan_home: Path) -> None:
    result = run(["--as-of", "2025-13-01", str(shared_data / RUST)], scan_home)
    assert result.returncode == 2
    assert b"is not a date" in result.stderr


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
    vex = HYPER_VEX
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


def firmware_sbom(folder: Path) -> Path:
    """A device SBOM: router firmware without its hardware, and a BusyBox inside it."""
    sbom = folder / "router.cdx.json"
    cpe = "cpe:2.3:{}:*:*:*:*:*:*:*"
    components = [
        {
            "type": "firmware",
            "bom-ref": "fw",
            "name": "Archer AX21 firmware",
            "version": "1.1.3",
            "cpe": cpe.format("o:tp-link:archer_ax21_firmware:1.1.3"),
        },
        {
            "type": "firmware",
            "bom-ref": "busybox",
            "name": "busybox",
            "version": "1.33.0",
            "cpe": cpe.format("a:busybox:busybox:1.33.0"),
        },
    ]
    sbom.write_text(
        json.dumps({"bomFormat": "CycloneDX", "specVersion": "1.5", "components": components})
    )
    return sbom


def test_firmware_cpe_findings(device_home: Path, tmp_path: Path) -> None:
    sbom = str(firmware_sbom(tmp_path))
    data = report(run(["--format", "json", sbom], device_home))
    by_id = {f["id"]: f for f in data["findings"]}
    assert sorted(by_id) == ["CVE-2021-42374", "CVE-2023-1389"]
    assert {f["confidence"] for f in data["findings"]} == {"cpe"}
    # CVE-2023-1389 configurations[0] AND: o:tp-link:archer_ax21_firmware:* versionEndExcluding
    # 1.1.4 with h:tp-link:archer_ax21:- (not in this SBOM: platform unconfirmed)
    router = by_id["CVE-2023-1389"]
    (evidence,) = router["evidence"]
    assert evidence["record"] == "CVE-2023-1389"
    assert evidence["labels"] == ["platform-unconfirmed"]
    assert "< 1.1.4" in evidence["decision"]
    assert "cpe:2.3:h:tp-link:archer_ax21:-" in evidence["decision"]
    assert router["kev"]["cve"] == "CVE-2023-1389"  # in the real KEV catalogue
    # cvssMetricV31 Primary CVSS:3.1/AV:A/AC:L/PR:N/UI:N/S:U/C:H/I:H/A:H = 8.8
    assert router["severity"]["level"] == "high"
    assert router["severity"]["score"] == 8.8
    assert router["severity"]["source"] == "NVD CVE-2023-1389 CVSS_V3"
    # CVE-2021-42374 configurations[0]: busybox:* versionStartIncluding 1.27.0,
    # versionEndIncluding 1.33.1
    (busybox,) = by_id["CVE-2021-42374"]["evidence"]
    assert busybox["labels"] == []
    assert busybox["decision"].endswith("range >= 1.27.0, <= 1.33.1")
    table = run([sbom], device_home).stdout.decode()
    assert "platform-unconfirmed" in table
    sarif = report(run(["--format", "sarif", sbom], device_home))
    results = sarif["runs"][0]["results"]
    assert {r["properties"]["confidence"] for r in results} == {"cpe"}
    assert sorted(r["properties"]["labels"] for r in results) == [[], ["platform-unconfirmed"]]


def test_alpine_image_distro_findings(shared_data: Path, device_home: Path) -> None:
    data = report(run(["--format", "json", str(shared_data / ALPINE)], device_home))
    found = {(f["name"], f["id"]): f for f in data["findings"]}
    # v3.16/main.json busybox secfixes "1.35.0-r18": ["CVE-2023-42366"]; installed 1.35.0-r17
    # a distro advisory makes one finding per CVE it concerns, shown under the CVE (#12)
    busybox = found[("busybox", "CVE-2023-42366")]
    assert busybox["version"] == "1.35.0-r17"
    assert busybox["aliases"] == ["Alpine:v3.16/main/busybox@1.35.0-r18", "CVE-2023-42366"]
    assert busybox["fixed_versions"] == ["1.35.0-r18"]
    assert busybox["severity"]["level"] == "unknown"  # no NVD record of CVE-2023-42366 here
    assert busybox["evidence"][0]["decision"] == (
        "Alpine:v3.16 busybox 1.35.0-r17: fixed in 1.35.0-r18"
    )
    # openssl secfixes "1.1.1t-r0": CVE-2022-4304 CVE-2022-4450 CVE-2023-0215 CVE-2023-0286
    for cve in ("CVE-2022-4304", "CVE-2022-4450", "CVE-2023-0215", "CVE-2023-0286"):
        openssl = found[("libssl1.1", cve)]
        assert "Alpine:v3.16/main/openssl@1.1.1t-r0" in openssl["aliases"]
        assert openssl["fixed_versions"] == ["1.1.1t-r0"]
    # zlib "1.2.12-r2": ["CVE-2022-37434"] and "0": ["CVE-2023-45853"]: 1.2.12-r3 has neither
    assert not [key for key in found if key[0] == "zlib"]
    # the operating system (alpine 3.16.2, no purl or CPE) cannot be matched: said, no ids
    (os_entry,) = [i for i in data["indeterminate"] if i["name"] == "alpine"]
    assert (os_entry["version"], os_entry["advisory_ids"]) == ("3.16.2", [])
    table = run([str(shared_data / ALPINE)], device_home).stdout.decode()
    line = next(t for t in table.splitlines() if t.startswith("indeterminate alpine "))
    assert line == f"indeterminate alpine 3.16.2: {os_entry['reason']}"


# --- coverage ----------------------------------------------------------------------------------

BONITA = "guac-data-sboms/top-dh-sboms/bonita.json"
"""A Java image: 250 Maven and 33 Alpine 3.15 package entries (SPDX 2.2), no PyPI, Go or Rust."""


def test_a_scan_with_no_advisories_for_its_ecosystems_says_so_and_can_fail(
    shared_data: Path, scan_home: Path
) -> None:
    sbom = str(shared_data / BONITA)
    data = report(run(["--format", "json", "--fail-on", "any", sbom], scan_home))
    assert data["counts"]["findings"] == 0
    covered = data["coverage"]
    assert covered["checked"] == covered["partial"] == 0
    assert covered["not_checked"] == covered["components"] > 0
    assert {g["target"] for g in covered["groups"]} == {"Maven", "Alpine:v3.15"}
    quiet = run(["--format", "json", "--fail-on", "any", sbom], scan_home)
    assert b"not fully checked" in quiet.stderr  # a threshold was asked: the gap is named
    failing = run(["--format", "json", "--fail-on", "uncovered", sbom], scan_home)
    assert failing.returncode == 1
    assert b"meet --fail-on uncovered (first: Alpine:v3.15: no advisories for" in failing.stderr
    table = run([sbom], scan_home)
    assert table.returncode == 0
    text = table.stdout.decode()
    assert "0 findings" in text and "Coverage" in text
    assert "not checked Maven (" in text and "no advisories for Maven in the intel snapshot" in text


def test_sarif_states_the_coverage_as_tool_notifications(
    shared_data: Path, bundled_home: Path
) -> None:
    log = report(run(["--format", "sarif", str(shared_data / BONITA)], bundled_home))
    (invocation,) = log["runs"][0]["invocations"]
    notes = invocation["toolExecutionNotifications"]
    by_id = {n["descriptor"]["id"]: n for n in notes}
    assert set(by_id) == {"coverage/not_checked", "coverage/demo-intel"}
    unchecked = [n for n in notes if n["descriptor"]["id"] == "coverage/not_checked"]
    assert {n["properties"]["target"] for n in unchecked} == {"Maven", "Alpine:v3.15"}
    assert all(n["level"] == "warning" for n in notes)
    assert log["runs"][0]["results"] == []
    schema = json.loads((shared_data / SARIF_SCHEMA).read_text())
    assert sorted(Draft4Validator(schema).iter_errors(log), key=str) == []


def test_fail_on_thresholds_combine(shared_data: Path, scan_home: Path) -> None:
    sbom = str(shared_data / RUST)  # 7 findings, several critical
    # every crate is looked up, but `scan_home`'s feeds were imported without --complete
    partial = run(["--format", "json", "--fail-on", "uncovered", sbom], scan_home)
    assert partial.returncode == 1 and b"only as a partial selection" in partial.stderr
    both = run(["--format", "json", "--fail-on", "kev", "--fail-on", "critical", sbom], scan_home)
    assert both.returncode == 1 and b"--fail-on kev, critical" in both.stderr


def test_control_sequences_from_the_sbom_never_reach_the_terminal(
    scan_home: Path, tmp_path: Path
) -> None:
    evil = "jinja2\x1b[2J\x1b]0;owned\x07\u202e"
    sbom = tmp_path / "evil.cdx.json"
    components = [
        {"type": "library", "name": evil, "version": "2.10", "purl": "pkg:pypi/jinja2@2.10"},
        {"type": "library", "name": "x\x1b[31m", "version": "1"},
    ]
    sbom.write_text(
        json.dumps({"bomFormat": "CycloneDX", "specVersion": "1.5", "components": components})
    )
    result = run([str(sbom)], scan_home)
    assert result.returncode == 0, result.stderr.decode()
    out = result.stdout.decode()
    assert "\x1b" not in out and "\x07" not in out and "\u202e" not in out
    assert "jinja2\\x1b[2J\\x1b]0;owned\\x07\\u202e" in out  # shown, escaped


def test_a_table_in_a_pipe_is_never_cut_at_the_terminal_width(
    shared_data: Path, scan_home: Path
) -> None:
    env_narrow = {**os.environ, "CHAINREVIEW_HOME": str(scan_home), "COLUMNS": "40"}
    env_narrow.pop("CHAINREVIEW_SCAN_FORMAT", None)
    env_narrow.pop("CHAINREVIEW_SCAN_FAIL_ON", None)
    result = subprocess.run(
        [sys.executable, "-m", "chainreview", "scan", str(shared_data / RUST)],
        capture_output=True,
        env=env_narrow,
        timeout=120,
        check=False,
    )
    assert result.returncode == 0, result.stderr.decode()
    rows = [line for line in result.stdout.decode().splitlines() if "CVE-2021-32714" in line]
    assert rows and all("hyper 0.14" in row for row in rows)  # one row, one line
    assert "\x1b[" not in result.stdout.decode()  # no colour in a pipe


def test_output_file_holds_what_stdout_would(
    shared_data: Path, scan_home: Path, tmp_path: Path
) -> None:
    printed = run(["--format", "json", str(shared_data / RUST)], scan_home)
    target = tmp_path / "report.json"
    written = run(["--format", "json", "-o", str(target), str(shared_data / RUST)], scan_home)
    assert written.returncode == 0 and written.stdout == b""
    assert target.read_bytes() == printed.stdout
    table = tmp_path / "report.txt"
    assert run(["-o", str(table), str(shared_data / RUST)], scan_home).returncode == 0
    assert "CVE-2021-32714" in table.read_text(encoding="utf-8")


def test_a_failing_scan_leaves_the_earlier_output_file(scan_home: Path, tmp_path: Path) -> None:
    target = tmp_path / "report.json"
    target.write_text("earlier")
    bad = tmp_path / "bad.json"
    bad.write_text("{")
    assert run(["--format", "json", "-o", str(target), str(bad)], scan_home).returncode == 3
    assert target.read_text() == "earlier"


def test_quiet_first_scan_prints_no_notice(shared_data: Path, tmp_path: Path) -> None:
    env = {**os.environ, "CHAINREVIEW_HOME": str(tmp_path)}
    env.pop("CHAINREVIEW_SCAN_FORMAT", None)
    env.pop("CHAINREVIEW_SCAN_FAIL_ON", None)
    args = ["scan", "--format", "json", str(shared_data / RUST)]
    quiet = subprocess.run(
        [sys.executable, "-m", "chainreview", "-q", *args],
        capture_output=True,
        env=env,
        timeout=120,
        check=False,
    )
    assert quiet.returncode == 0 and quiet.stderr == b""
    assert json.loads(quiet.stdout)["counts"]["findings"] == 7


def shown_in_order(text: str, findings: tuple[Any, ...]) -> list[Any]:
    """The findings whose id `text` shows, in the order it shows them."""
    return sorted((f for f in findings if f.id in text), key=lambda f: text.index(f.id))


def test_the_table_shows_the_most_severe_first_and_all_on_request(
    shared_data: Path, scan_home: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    import io

    from chainreview.cli import scan as scan_command
    from chainreview.findings.model import SEVERITY_RANK, Finding
    from chainreview.intel.snapshot import open_current
    from chainreview.scanner import Scanner

    snapshot = open_current(scan_home)
    assert snapshot is not None
    with snapshot:
        scan = Scanner(snapshot).scan([shared_data / RUST])
    findings = scan.report.findings
    assert len(findings) == 7
    monkeypatch.setattr(scan_command, "TOP_ROWS", 3)
    top = io.BytesIO()
    scan_command._print_table(scan, top, list_all=False)
    text = top.getvalue().decode()
    assert "the 3 most severe of 7; --all lists every one" in text
    shown = [f for f in findings if f.id in text]
    hidden = [f for f in findings if f.id not in text]
    assert len(shown) == 3

    def weight(f: Finding) -> tuple[bool, bool, int]:
        return (not f.active, f.kev is None, SEVERITY_RANK[f.severity.level])

    assert max(weight(f) for f in shown) <= min(weight(f) for f in hidden)
    every = io.BytesIO()
    scan_command._print_table(scan, every, list_all=True)
    lines = every.getvalue().decode().splitlines()
    assert lines[0].startswith(f"{len(scan.inventory.components)} components, 7 findings")
    for f in findings:
        assert sum(f.id in line for line in lines) == 1
    # written plainly, in the order of the table: nothing escaped for Rich
    listed = [line for line in lines if any(f.id in line for f in findings)]
    assert [next(f.id for f in findings if f.id in line) for line in listed[:3]] == [
        f.id for f in shown_in_order(text, findings)
    ]
    assert not any("\\[" in line for line in listed)
