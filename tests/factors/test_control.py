"""F01 remote control and F14 integrity on the minimal declaration, its variants and real SBOMs."""

from __future__ import annotations

import json
import shutil
from pathlib import Path
from typing import Any

from factor_kit import by_id, edit_yaml, gaps, make_context, measures

from chainreview.factors.control import ControlEvaluator
from chainreview.factors.interface import FactorAssessment
from chainreview.levels import Level

SIGNED = "cyclonedx-specification/tools/src/test/resources/1.4/valid-signatures-1.4.json"


def _assess(package: Path) -> dict[str, FactorAssessment]:
    return by_id(ControlEvaluator().assess(make_context(package)))


def _array(package: Path, change: Any) -> None:
    edit_yaml(package / "declaration.yaml", lambda v: change(v["products"][0]))


def test_vendor_endpoint_abroad_with_remote_update_is_high(package: Path) -> None:
    f01 = _assess(package)["F01"]
    assert f01.level is Level.HIGH
    assert f01.rule.startswith("F01.R5")
    assert (
        f01.evidence[0].ref == "declaration.yaml#/products/0/capabilities/telemetry/destinations/0"
    )
    assert (
        "Outbound connections to the vendor's endpoints abroad blocked at the operator's boundary"
        in measures(f01)
    )
    assert gaps(f01) == ("missing evidence: result of an independent lab test (F01.Q3)",)
    assert "cn-crm-2022 Art. 10 item 1" in f01.citations


def test_without_remote_paths_and_a_clean_lab_test_f01_is_low(package: Path) -> None:
    def local_only(product: dict[str, Any]) -> None:
        caps = product["capabilities"]
        caps["remote_update"] = {"supported": False}
        caps["remote_maintenance"] = {"supported": False}
        caps["telemetry"]["destinations"] = caps["telemetry"]["destinations"][1:]
        product["sboms"] = ["sbom/management-agent.cdx.json"]

    _array(package, local_only)
    edit_yaml(
        package / "questionnaire.yaml",
        lambda v: v["answers"].append({"question": "F01.Q3", "answer": False}),
    )
    f01 = _assess(package)["F01"]
    assert (f01.level, f01.rule.split()[0]) == (Level.LOW, "F01.R4")
    assert gaps(f01) == ()


def test_lab_test_finding_undeclared_functions_is_critical(package: Path) -> None:
    edit_yaml(
        package / "questionnaire.yaml",
        lambda v: v["answers"].append({"question": "F01.Q3", "answer": True}),
    )
    f01 = _assess(package)["F01"]
    assert f01.level is Level.CRITICAL
    assert f01.evidence[0].kind == "questionnaire"


def test_unsigned_automatic_updates_are_high_and_unknown_signing_is_missing(package: Path) -> None:
    def unsigned(product: dict[str, Any]) -> None:
        product["capabilities"]["remote_update"].update(signed=False, automatic=True)

    _array(package, unsigned)
    f01 = _assess(package)["F01"]
    assert any(r.startswith("P-ARRAY: remote updates are not signed") for r in f01.reasons)

    _array(package, lambda p: p["capabilities"]["remote_update"].pop("signed"))
    assert "missing evidence: whether P-ARRAY's remote updates are signed" in gaps(
        _assess(package)["F01"]
    )


def test_verified_signed_sbom_leaves_only_the_missing_hashes(
    package: Path, shared_data: Path
) -> None:
    shutil.copy(shared_data / SIGNED, package / "sbom" / "signed.cdx.json")

    def signed_only(value: dict[str, Any]) -> None:
        value["products"][0]["sboms"] = ["sbom/signed.cdx.json"]
        value["products"][0].pop("vex")
        value["products"] = value["products"][:1]
        value["purchase"]["alternatives"] = value["purchase"]["alternatives"][1:]

    edit_yaml(package / "declaration.yaml", signed_only)
    edit_yaml(package / "vendor" / "northwind.yaml", lambda v: v.update(certifications=[]))
    f14 = _assess(package)["F14"]
    assert (f14.level, f14.rule.split()[0]) == (
        Level.MEDIUM,
        "F14.R2",
    )  # its one component has no hash
    assert gaps(f14) == ()
    assert any("verified with the certificate's key" in r for r in f14.reasons)
    assert "A signed SBOM the operator can verify" not in measures(f14)


def test_tampered_signed_sbom_is_high(package: Path, shared_data: Path) -> None:
    document = json.loads((shared_data / SIGNED).read_text())
    document["components"][0]["version"] = "6.6.6"
    (package / "sbom" / "signed.cdx.json").write_text(json.dumps(document))
    _array(package, lambda p: p["sboms"].append("sbom/signed.cdx.json"))
    f14 = _assess(package)["F14"]
    assert f14.level is Level.HIGH
    assert f14.rule.startswith("F14.R1")
    assert any(e.ref == "sbom/signed.cdx.json" for e in f14.evidence)


def test_missing_integrity_declaration_and_sbom_leave_f14_undetermined(package: Path) -> None:
    f14 = _assess(package)["F14"]
    assert f14.level is Level.UNDETERMINED
    assert gaps(f14) == (
        "missing evidence: integrity protections of P-CTRL (GB 40050-2021 5.4, 6.2)",
        "missing evidence: an SBOM of P-CTRL",
    )
    assert "P-ARRAY: 3 of 5 components carry a hash" in f14.reasons
