"""The triage of a scan as CycloneDX VEX/VDR, OpenVEX and CSAF VEX: schema-valid, deterministic,
and read back by chainreview's own VEX readers with the same statuses.

Real SBOMs with findings on the bundled intel (the examples' products, with their VEX; the
SPDX Rust example with a VEX and an ignore file), one of them with a hand-written CycloneDX VEX
holding every status and kind of justification (`tests/fixtures/vex/fleet-agent-triage.cdx.json`).
Each scan is written in each format, validated against the official schema of the shared data
(and CSAF's VEX profile tests), then the same SBOMs are scanned again with only the written
document as VEX: every finding must come back with the status it had.
"""

from __future__ import annotations

import io
import json
import re
from dataclasses import dataclass
from datetime import UTC, date, datetime
from pathlib import Path
from typing import Any

import pytest
from jsonschema.protocols import Validator
from vex_checks import csaf_vex_problems, schema_problems

import chainreview
from chainreview.errors import InputError
from chainreview.evidence.vex import read_vex
from chainreview.scanner import Scan

ROOT = Path(__file__).resolve().parents[2]
EXAMPLES = ROOT / "examples"
FIXTURES = ROOT / "tests" / "fixtures" / "vex"
FORMATS = ("cyclonedx-vex", "openvex", "csaf-vex")
AS_OF = date(2026, 11, 20)
RUST = "spdx-examples/software/example11/spdx2.3/sbom.spdx.json"
IGNORE = """ignore:
  - id: RUSTSEC-2023-0001
    reason: not reachable in this product
    expires: 2099-01-01
"""


@dataclass(frozen=True)
class Case:
    """SBOMs (under the repository, or `shared:` the shared data), VEX files, an ignore file."""

    sboms: tuple[str, ...]
    vex: tuple[str, ...] = ()
    ignore: str | None = None


CASES = {
    "agent-openvex-and-every-status": Case(
        ("examples/grid-storage/sbom/fleet-agent.cdx.json",),
        vex=(
            "examples/grid-storage/vex/fleet-agent.openvex.json",
            "tests/fixtures/vex/fleet-agent-triage.cdx.json",
        ),
    ),
    "firmware-cpe-only": Case(("examples/grid-storage/sbom/vs8400-firmware.cdx.json",)),
    "sql-layer-cyclonedx-vex": Case(
        ("examples/domestic-database/sbom/lxdb-sql-layer.cdx.json",),
        vex=("examples/domestic-database/vex/lxdb-sql-layer.vex.cdx.json",),
    ),
    "storage-engine-spdx": Case(("examples/domestic-database/sbom/lxdb-storage-engine.spdx.json",)),
    "ekyc-backend": Case(("examples/cloud-pi-service/sbom/ekyc-backend.cdx.json",)),
    "rust-vex-and-ignore": Case(
        (f"shared:{RUST}",),
        vex=("tests/fixtures/vex/hyper-not-affected.openvex.json",),
        ignore=IGNORE,
    ),
}


def path_of(name: str, shared: Path) -> Path:
    return shared / name.removeprefix("shared:") if name.startswith("shared:") else ROOT / name


def run_scan(
    home: Path, shared: Path, sboms: tuple[str, ...], vex: list[Path], ignore: Path | None
) -> Scan:
    with chainreview.open_snapshot(home) as snapshot:
        return chainreview.Scanner(snapshot).scan(
            [path_of(s, shared) for s in sboms], vex=vex, ignore=ignore, today=AS_OF
        )


def written(scan: Scan, name: str) -> bytes:
    buffer = io.BytesIO()
    chainreview.SCAN_FORMATS[name].write(scan, buffer)
    return buffer.getvalue()


@pytest.fixture(scope="module")
def scans(
    bundled_home: Path, shared_data: Path, tmp_path_factory: pytest.TempPathFactory
) -> dict[str, Scan]:
    folder = tmp_path_factory.mktemp("vex-out-inputs")
    out = {}
    for name, case in CASES.items():
        ignore = None
        if case.ignore is not None:
            ignore = folder / f"{name}.ignore.yaml"
            ignore.write_text(case.ignore, encoding="utf-8")
        vex = [path_of(v, shared_data) for v in case.vex]
        out[name] = run_scan(bundled_home, shared_data, case.sboms, vex, ignore)
    return out


def statuses(scan: Scan) -> dict[tuple[str, str], str]:
    return {(f.id, f.component): f.status.value for f in scan.report.findings}


def test_the_cases_have_findings_of_every_status(scans: dict[str, Scan]) -> None:
    """Without these, a round trip of only `affected` findings would prove little."""
    every = [f for scan in scans.values() for f in scan.report.findings]
    assert {f.status.value for f in every} == {
        "affected",
        "not_affected",
        "fixed",
        "under_investigation",
    }
    assert all(scan.report.findings for scan in scans.values())
    assert any(f.suppressed is not None for f in every)
    assert any(f.purl is None for f in every)  # the firmware: CPE only


@pytest.mark.parametrize("fmt", FORMATS)
@pytest.mark.parametrize("case", list(CASES))
def test_valid_against_the_official_schema(
    case: str, fmt: str, scans: dict[str, Scan], schema_validators: dict[str, Validator]
) -> None:
    document = json.loads(written(scans[case], fmt))
    assert schema_problems(schema_validators[fmt], document) == []
    if fmt == "csaf-vex":
        assert csaf_vex_problems(document) == []


@pytest.mark.parametrize("fmt", FORMATS)
@pytest.mark.parametrize("case", list(CASES))
def test_read_back_with_the_same_statuses(
    case: str,
    fmt: str,
    scans: dict[str, Scan],
    bundled_home: Path,
    shared_data: Path,
    tmp_path: Path,
) -> None:
    original = scans[case]
    document = tmp_path / f"triage.{fmt}.json"
    document.write_bytes(written(original, fmt))
    read = read_vex(document, document.name)
    assert [str(w) for w in read.warnings] == []  # our readers validate CycloneDX and OpenVEX
    again = run_scan(bundled_home, shared_data, CASES[case].sboms, [document], None)
    assert statuses(again) == statuses(original)
    # every finding now has its status from the written document, not by default
    assert all(f.status_source for f in again.report.findings)


# The labels each format gives back, per the mapping tables of docs/cli.md ("VEX out").
AGENT_LABELS = {
    # (vulnerability, component): (cyclonedx-vex, openvex, csaf-vex)
    ("CVE-2019-10906", "pkg:pypi/jinja2@2.10"): (
        "code_not_reachable",
        "vulnerable_code_not_in_execute_path",
        "vulnerable_code_not_in_execute_path",
    ),
    ("CVE-2019-18874", "pkg:pypi/psutil@5.6.1"): (
        "requires_configuration",
        "vulnerable_code_cannot_be_controlled_by_adversary",
        "vulnerable_code_cannot_be_controlled_by_adversary",
    ),
    ("CVE-2022-23491", "pkg:pypi/certifi@2019.3.9"): (
        "false_positive",
        "vulnerable_code_not_present",
        "vulnerable_code_not_present",
    ),
}
TORNADO = ("CVE-2023-28370", "pkg:pypi/tornado@4.5.3")
TORNADO_TEXT = "Fleet Agent never calls tornado's RedirectHandler."


@pytest.mark.parametrize(("index", "fmt"), list(enumerate(FORMATS)))
def test_justifications_read_back_in_each_vocabulary(
    index: int,
    fmt: str,
    scans: dict[str, Scan],
    bundled_home: Path,
    shared_data: Path,
    tmp_path: Path,
) -> None:
    document = tmp_path / f"agent.{fmt}.json"
    document.write_bytes(written(scans["agent-openvex-and-every-status"], fmt))
    sboms = CASES["agent-openvex-and-every-status"].sboms
    again = run_scan(bundled_home, shared_data, sboms, [document], None)
    found = {(f.id, f.component): f.justification for f in again.report.findings}
    assert {pair: found[pair] for pair in AGENT_LABELS} == {
        pair: labels[index] for pair, labels in AGENT_LABELS.items()
    }
    # free text stays free text: the impact statement (CycloneDX adds where it came from)
    assert (found[TORNADO] or "").startswith(TORNADO_TEXT)


@pytest.mark.parametrize("fmt", FORMATS)
def test_the_same_scan_gives_the_same_bytes(
    fmt: str, bundled_home: Path, shared_data: Path
) -> None:
    case = CASES["agent-openvex-and-every-status"]
    vex = [path_of(v, shared_data) for v in case.vex]
    first = written(run_scan(bundled_home, shared_data, case.sboms, vex, None), fmt)
    second = written(run_scan(bundled_home, shared_data, case.sboms, vex, None), fmt)
    assert first == second
    assert b"2026-11-20T00:00:00Z" in first


@pytest.mark.parametrize("fmt", FORMATS)
def test_the_time_is_the_scans_not_the_wall_clocks(
    fmt: str, bundled_home: Path, shared_data: Path
) -> None:
    """A scanner whose clock says 2001-02-03 dates its scan and the document by it."""
    sbom = path_of(CASES["sql-layer-cyclonedx-vex"].sboms[0], shared_data)
    with chainreview.open_snapshot(bundled_home) as snapshot:
        scanner = chainreview.Scanner(snapshot, clock=lambda: datetime(2001, 2, 3, 4, tzinfo=UTC))
        scan = scanner.scan([sbom])
    times = re.findall(r"\d{4}-\d\d-\d\dT[0-9:.]+(?:Z|[+-]\d\d:\d\d)", written(scan, fmt).decode())
    assert times and set(times) == {"2001-02-03T00:00:00Z"}


@pytest.mark.parametrize("fmt", ["openvex", "csaf-vex"])
def test_a_scan_without_findings_is_refused_where_the_format_needs_one(
    fmt: str, bundled_home: Path, shared_data: Path
) -> None:
    # the vexctl example's SBOM: three components, none with a finding on the bundled intel
    scan = run_scan(
        bundled_home,
        shared_data,
        ("shared:openvex-vexctl-examples/examples/csaf/sbom.spdx.json",),
        [],
        None,
    )
    assert scan.report.findings == ()
    with pytest.raises(InputError, match="the scan has no finding"):
        written(scan, fmt)


def test_cyclonedx_carries_the_vdr_part(scans: dict[str, Scan]) -> None:
    bom: dict[str, Any] = json.loads(written(scans["rust-vex-and-ignore"], "cyclonedx-vex"))
    by_id = {v["id"]: v for v in bom["vulnerabilities"]}
    hyper = by_id[
        "CVE-2021-32714"
    ]  # RUSTSEC-2021-0079: CVSS:3.1/AV:N/AC:L/PR:N/UI:N/S:U/C:N/I:H/A:H
    assert hyper["ratings"][0]["score"] == 9.1
    assert hyper["ratings"][0]["method"] == "CVSSv31"
    assert hyper["ratings"][0]["severity"] == "critical"
    (affected,) = hyper["affects"]
    (component,) = [c for c in bom["components"] if c["bom-ref"] == affected["ref"]]
    assert component["purl"] == "pkg:cargo/hyper@0.14"
    assert "RUSTSEC-2021-0079" in [r["id"] for r in hyper["references"]]
    accepted = by_id["CVE-2023-22466"]  # tokio, RUSTSEC-2023-0001's group: the ignore entry
    assert "Risk accepted by ignore entry RUSTSEC-2023-0001" in accepted["analysis"]["detail"]
