"""F16 criticality, F15 certification of catalogue equipment, F19 Art. 6 commitments."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from factor_kit import by_id, edit_yaml, gaps, make_context, measures

from chainreview.factors.deployment import DeploymentEvaluator
from chainreview.factors.interface import FactorAssessment
from chainreview.levels import Level


def _assess(package: Path, regime: str = "cn-crm-2022") -> dict[str, FactorAssessment]:
    return by_id(DeploymentEvaluator().assess(make_context(package, regime=regime)))


def _answer(package: Path, question: str, answer: Any) -> None:
    edit_yaml(
        package / "questionnaire.yaml",
        lambda v: v["answers"].append({"question": question, "answer": answer}),
    )


def test_critical_system_gives_critical(package: Path) -> None:
    f16 = _assess(package)["F16"]
    assert (f16.level, f16.rule.split()[0]) == (Level.CRITICAL, "F16.R1")
    assert f16.evidence[:2][1].ref == "declaration.yaml#/cii_systems/0"
    assert f16.citations[0] == "cn-crm-2022 Art. 5"


def test_internet_facing_raises_one_step(package: Path) -> None:
    def change(value: dict[str, Any]) -> None:
        value["cii_systems"][0].update(criticality="medium")
        value["cii_systems"][1].update(criticality="low", internet_facing=True)

    edit_yaml(package / "declaration.yaml", change)
    f16 = _assess(package)["F16"]
    assert f16.level is Level.MEDIUM
    assert any("(low, internet-facing)" in r for r in f16.reasons)


def test_certified_rack_server_is_compliant_once_enforcement_is_answered(package: Path) -> None:
    assert gaps(_assess(package)["F15"]) == (
        "missing evidence: the provider's enforcement history (F15.Q1)",
    )
    _answer(package, "F15.Q1", False)
    f15 = _assess(package)["F15"]
    assert f15.level is Level.NONE
    assert any(e.ref == "vendor/northwind.yaml#/certifications/0" for e in f15.evidence)


def test_uncertified_rack_server_is_high(package: Path) -> None:
    edit_yaml(
        package / "vendor" / "northwind.yaml",
        lambda v: v["certifications"][0].update(valid_until="2026-01-31"),
    )
    f15 = _assess(package)["F15"]
    assert (f15.level, f15.rule.split()[0]) == (Level.HIGH, "F15.R1")
    assert any("only expired or unlisted certificates" in r for r in f15.reasons)
    assert (
        "Certification or testing by a listed institution (catalogue equipment and security "
        "products)" in measures(f15)
    )


def test_firewall_needs_certification_and_missing_figures_are_missing(package: Path) -> None:
    def change(value: dict[str, Any]) -> None:
        value["products"][0]["security_product"] = {"category": "firewall"}
        value["products"][1]["critical_equipment"] = {"kind": "rack-server", "cpu_count": 2}

    edit_yaml(package / "declaration.yaml", change)
    _answer(package, "F15.Q1", False)
    f15 = _assess(package)["F15"]
    assert f15.level is Level.HIGH
    assert (
        "P-ARRAY: listed security product (firewall), no certificate or test report"
        in f15.reasons[1]
    )
    assert gaps(f15) == (
        "missing evidence: P-CTRL's catalogue figures (服务器(机架式) Rack server: figures missing "
        "for the catalogue thresholds)",
    )


def test_no_certification_rule_outside_the_cn_profile(package: Path) -> None:
    _answer(package, "F15.Q1", True)
    f15 = _assess(package, regime="us-icts-791")["F15"]
    assert (f15.level, f15.rule.split()[0]) == (Level.HIGH, "F15.R2")
    assert not any("catalogue" in r for r in f15.reasons)


def test_unsigned_continuity_commitments_are_medium(package: Path) -> None:
    f19 = _assess(package)["F19"]
    assert (f19.level, f19.rule.split()[0]) == (Level.MEDIUM, "F19.R1")
    assert f19.evidence[0].ref == "vendor/northwind.yaml#/commitments/2"
    assert (
        "Art. 6: the supplier will not interrupt product supply without justified reason"
        in measures(f19)
    )


def test_missing_or_broken_commitments(package: Path) -> None:
    edit_yaml(
        package / "vendor" / "northwind.yaml", lambda v: v.update(commitments=v["commitments"][1:])
    )
    f19 = _assess(package)["F19"]
    assert f19.level is Level.UNDETERMINED
    assert gaps(f19) == (
        "missing evidence: northwind's Art. 6 commitment “no illegal acquisition of user data” "
        "(neither signed nor refused)",
    )
    _answer(package, "F19.Q4", True)
    assert _assess(package)["F19"].level is Level.CRITICAL
