"""SARIF of findings a VEX document resolved: suppressed, in the VEX's words, never "is affected".

Real SBOM + VEX pairs of the examples, scanned through the library on the bundled intel: the
grid-storage agent (OpenVEX `not_affected` for jinja2 2.10, CVE-2019-10906) and the
domestic-database SQL layer (CycloneDX VEX `not_affected` for golang.org/x/crypto, GO-2026-5932).
Every log is validated against the OASIS SARIF 2.1.0 schema.
"""

from __future__ import annotations

import io
import json
from datetime import date
from pathlib import Path
from typing import Any

import pytest
from jsonschema import Draft4Validator

import chainreview

ROOT = Path(__file__).resolve().parents[2]
EXAMPLES = ROOT / "examples"
SARIF_SCHEMA = "oasis-sarif-spec/sarif-2.1/schema/sarif-schema-2.1.0.json"
AGENT = EXAMPLES / "grid-storage" / "sbom" / "fleet-agent.cdx.json"
AGENT_VEX = EXAMPLES / "grid-storage" / "vex" / "fleet-agent.openvex.json"
SQL = EXAMPLES / "domestic-database" / "sbom" / "lxdb-sql-layer.cdx.json"
SQL_VEX = EXAMPLES / "domestic-database" / "vex" / "lxdb-sql-layer.vex.cdx.json"


def sarif(home: Path, sbom: Path, vex: Path) -> dict[str, Any]:
    with chainreview.open_snapshot(home) as snapshot:
        scan = chainreview.Scanner(snapshot).scan([sbom], vex=[vex], today=date(2026, 11, 20))
    buffer = io.BytesIO()
    chainreview.SCAN_FORMATS["sarif"].write(scan, buffer)
    log: dict[str, Any] = json.loads(buffer.getvalue())
    return log


@pytest.fixture(scope="module")
def agent_log(bundled_home: Path) -> dict[str, Any]:
    return sarif(bundled_home, AGENT, AGENT_VEX)


def results_of(log: dict[str, Any], rule: str, purl: str) -> list[dict[str, Any]]:
    return [
        r
        for r in log["runs"][0]["results"]
        if r["ruleId"] == rule
        and r["locations"][0]["logicalLocations"][0]["fullyQualifiedName"] == purl
    ]


def test_a_vex_not_affected_finding_is_suppressed_not_affected(
    agent_log: dict[str, Any],
) -> None:
    (result,) = results_of(agent_log, "CVE-2019-10906", "pkg:pypi/jinja2@2.10")
    text = result["message"]["text"]
    assert "is affected" not in text
    assert text.startswith("jinja2 2.10 is not affected by CVE-2019-10906: not_affected")
    (suppression,) = result["suppressions"]
    assert suppression["kind"] == "external"
    assert suppression["status"] == "accepted"
    justification = suppression["justification"]
    # the VEX document, its statement, and the justification the vendor gave
    assert f"{AGENT_VEX}: /statements/0" in justification
    assert "vulnerable_code_not_in_execute_path" in justification
    assert result["properties"]["status"] == "not_affected"


def test_an_active_finding_still_says_affected_without_suppression(
    agent_log: dict[str, Any],
) -> None:
    # jinja2 2.10 has other advisories the VEX says nothing about (CVE-2020-28493, fixed 2.11.3)
    (result,) = results_of(agent_log, "CVE-2020-28493", "pkg:pypi/jinja2@2.10")
    assert result["message"]["text"].startswith("jinja2 2.10 is affected by CVE-2020-28493")
    assert "suppressions" not in result


def test_a_cyclonedx_vex_not_affected_is_suppressed(bundled_home: Path) -> None:
    log = sarif(bundled_home, SQL, SQL_VEX)
    (result,) = results_of(log, "GO-2026-5932", "pkg:golang/golang.org/x/crypto@v0.52.0")
    assert "is affected" not in result["message"]["text"]
    (suppression,) = result["suppressions"]
    assert suppression["status"] == "accepted"
    assert f"{SQL_VEX}: /vulnerabilities/0/affects/0" in suppression["justification"]
    assert "code_not_present" in suppression["justification"]


@pytest.mark.parametrize(("sbom", "vex"), [(AGENT, AGENT_VEX), (SQL, SQL_VEX)])
def test_the_logs_validate_against_the_oasis_schema(
    shared_data: Path, bundled_home: Path, sbom: Path, vex: Path
) -> None:
    schema = json.loads((shared_data / SARIF_SCHEMA).read_text(encoding="utf-8"))
    log = sarif(bundled_home, sbom, vex)
    assert sorted(str(e) for e in Draft4Validator(schema).iter_errors(log)) == []
