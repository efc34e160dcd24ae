"""The concentration measures F06 and the portfolio share (`chainreview.concentration`)."""

from __future__ import annotations

import pytest
from hypothesis import given
from hypothesis import strategies as st

from chainreview.concentration import concentration, herfindahl, single_source

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
