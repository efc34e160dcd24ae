"""F05, F06, F09 on declaration variants."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from factor_kit import by_id, edit_yaml, gaps, limits, make_context

from chainreview.factors.interface import FactorAssessment
from chainreview.factors.supply import SupplyEvaluator
from chainreview.levels import Level


def _assess(package: Path) -> dict[str, FactorAssessment]:
    return by_id(SupplyEvaluator().assess(make_context(package)))


def test_fixture_continuity_is_undetermined_without_sanctions_lists(package: Path) -> None:
    f05 = _assess(package)["F05"]
    assert f05.level is Level.UNDETERMINED
    assert "missing evidence: the support end date of P-CTRL" in gaps(f05)
    assert any("OFAC SDN" in m for m in limits(f05))
    assert (
        "northwind: commitment “no interruption of product supply without good reason” not signed"
        in f05.reasons
    )


def test_support_already_ended_is_high_despite_missing_lists(package: Path) -> None:
    edit_yaml(
        package / "declaration.yaml",
        lambda v: v["products"][0].update(support_end="2025-12-31"),
    )
    f05 = _assess(package)["F05"]
    assert (f05.level, f05.rule.split()[0]) == (Level.HIGH, "F05.R3")
    assert f05.evidence[0].ref == "declaration.yaml#/products/0/support_end"


def test_no_qualified_alternative_is_single_source(package: Path) -> None:
    edit_yaml(package / "declaration.yaml", lambda v: v["purchase"].update(alternatives=[]))
    edit_yaml(package / "questionnaire.yaml", lambda v: v.update(answers=v["answers"][:1]))
    f06 = _assess(package)["F06"]
    assert (f06.level, f06.rule.split()[0]) == (Level.HIGH, "F06.R1")
    assert (
        "P-ARRAY: no qualified alternative supplier for primary storage of SYS-DISPATCH"
        in f06.reasons
    )


def test_fixture_concentration_reports_the_herfindahl_index(package: Path) -> None:
    f06 = _assess(package)["F06"]
    assert f06.level is Level.HIGH  # F06.Q2: only one qualified vendor
    assert any(
        "holds 70% of primary storage of SYS-DISPATCH (Herfindahl 0.49 to 0.58)" in r
        for r in f06.reasons
    )
    assert gaps(f06) == ("missing evidence: northwind's share of replica storage of SYS-BACKUP",)


def test_made_and_serviced_only_abroad_is_medium(package: Path) -> None:
    def abroad(value: dict[str, Any]) -> None:
        for site in value["sites"]:
            site.update(in_country=False, country="MY")
        value["certifications"] = []  # they cover P-CTRL, dropped below

    edit_yaml(package / "vendor" / "northwind.yaml", abroad)
    edit_yaml(package / "declaration.yaml", lambda v: v.update(products=v["products"][:1]))
    f09 = _assess(package)["F09"]
    assert f09.level is Level.MEDIUM
    assert "P-ARRAY: made, tested and developed only abroad" in f09.reasons
    assert "P-ARRAY: serviced from abroad only" in f09.reasons
    assert any(e.ref == "vendor/northwind.yaml#/sites/1" for e in f09.evidence)
