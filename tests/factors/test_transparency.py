"""F12 openness and transparency and F03 vulnerability-handling maturity."""

from __future__ import annotations

from datetime import date
from pathlib import Path
from typing import Any

from factor_kit import by_id, edit_yaml, gaps, make_context, measures

from chainreview.factors.interface import FactorAssessment
from chainreview.factors.transparency import TransparencyEvaluator
from chainreview.levels import Level


def _assess(package: Path, as_of: date | None = None) -> dict[str, FactorAssessment]:
    ctx = make_context(package) if as_of is None else make_context(package, as_of=as_of)
    return by_id(TransparencyEvaluator().assess(ctx))


def test_product_without_sbom_is_high_and_coverage_is_measured(package: Path) -> None:
    f12 = _assess(package)["F12"]
    assert (f12.level, f12.rule.split()[0]) == (Level.HIGH, "F12.R1")
    assert f12.evidence[0].ref == "declaration.yaml#/products/1/sboms"
    assert (
        "P-ARRAY: NTIA elements incomplete (supplier 0/5, unique_id 4/5, "
        "dependency_relationship 1/5, author 0/2); 1 of 5 components lack a version or identifier"
    ) in f12.reasons
    assert "GB/T 43698-2024 SBOM [unverified]" in f12.citations


def test_incomplete_sbom_alone_is_medium(package: Path) -> None:
    def one_product(value: dict[str, Any]) -> None:
        value["products"] = value["products"][:1]

    edit_yaml(package / "declaration.yaml", one_product)
    edit_yaml(package / "vendor" / "northwind.yaml", lambda v: v.update(certifications=[]))
    f12 = _assess(package)["F12"]
    assert (f12.level, f12.rule.split()[0]) == (Level.MEDIUM, "F12.R2")
    assert {e.ref for e in f12.evidence} == {
        "sbom/management-agent.cdx.json",
        "sbom/cloud-portal.cdx.json",
    }


def test_f03_needs_the_free_updates_answer_and_every_support_date(package: Path) -> None:
    f03 = _assess(package)["F03"]
    assert f03.level is Level.UNDETERMINED
    assert gaps(f03) == (
        "missing evidence: the support end date of P-CTRL",
        "missing evidence: answer to F03.Q3 (whether security updates are free for the support "
        "period)",
    )


def test_f03_with_support_ended_is_high(package: Path) -> None:
    f03 = _assess(package, as_of=date(2031, 1, 1))["F03"]
    assert (f03.level, f03.rule.split()[0]) == (Level.HIGH, "F03.R2")


def test_f03_complete_evidence_gives_a_level(package: Path) -> None:
    edit_yaml(
        package / "declaration.yaml",
        lambda v: v["products"][1].update(support_end="2032-06-30"),
    )
    edit_yaml(
        package / "questionnaire.yaml",
        lambda v: v["answers"].extend(
            [{"question": "F03.Q3", "answer": False}, {"question": "F03.Q2", "answer": True}]
        ),
    )
    f03 = _assess(package)["F03"]
    assert (f03.level, f03.rule.split()[0]) == (Level.MEDIUM, "F03.R3")
    assert "Security updates free of charge for the support period" in measures(f03)
    assert not any(
        "CSAF" in r for r in f03.reasons
    )  # F03.Q2 answers for machine-readable advisories
