"""F05, F06, F09 on declaration variants, and the pure concentration measures."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest
from factor_kit import by_id, edit_yaml, gaps, limits, make_context
from hypothesis import given
from hypothesis import strategies as st

from chainreview.factors.interface import FactorAssessment
from chainreview.factors.supply import (
    SupplyEvaluator,
    concentration,
    herfindahl,
    single_source,
)
from chainreview.levels import Level

shares = st.lists(st.floats(min_value=0.01, max_value=1e6), min_size=1, max_size=20)


@given(shares)
def test_herfindahl_lies_between_one_over_n_and_one(values: list[float]) -> None:
    index = herfindahl(values)
    assert 1 / len(values) - 1e-9 <= index <= 1 + 1e-9


@given(shares, st.integers(min_value=0, max_value=19), st.floats(min_value=0.01, max_value=1e6))
def test_growing_the_largest_share_raises_the_index(
    values: list[float], _: int, more: float
) -> None:
    largest = values.index(max(values))
    grown = [v + more if i == largest else v for i, v in enumerate(values)]
    assert herfindahl(grown) >= herfindahl(values) - 1e-9


@given(st.lists(st.floats(min_value=0.01, max_value=1e6), min_size=2, max_size=20))
def test_merging_two_suppliers_raises_the_index(values: list[float]) -> None:
    merged = [values[0] + values[1], *values[2:]]
    assert herfindahl(merged) >= herfindahl(values) - 1e-9


def test_herfindahl_known_values_and_errors() -> None:
    assert herfindahl([1, 1, 1, 1]) == pytest.approx(0.25)
    assert herfindahl([70, 30]) == pytest.approx(0.58)
    assert concentration({"northwind": 70}) == pytest.approx(0.58)
    assert concentration({"a": 50, "b": 50}) == pytest.approx(0.5)
    with pytest.raises(ValueError, match="negative"):
        herfindahl([-1, 2])
    with pytest.raises(ValueError, match="more than zero"):
        herfindahl([])
    with pytest.raises(ValueError, match="more than the total"):
        concentration({"a": 80, "b": 30})


def test_single_source_counts_distinct_qualified_suppliers() -> None:
    functions = {"storage": ["a", "a"], "backup": ["a", "b"], "dns": []}
    assert single_source(functions) == ("dns", "storage")


def _assess(package: Path) -> dict[str, FactorAssessment]:
    return by_id(SupplyEvaluator().assess(make_context(package)))


def test_fixture_continuity_is_undetermined_without_sanctions_lists(package: Path) -> None:
    f05 = _assess(package)["F05"]
    assert f05.level is Level.UNDETERMINED
    assert "missing evidence: the support end date of P-CTRL" in gaps(f05)
    assert any("OFAC SDN" in m for m in limits(f05))
    assert "northwind: commitment no-unjustified-supply-interruption not signed" in f05.reasons


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
