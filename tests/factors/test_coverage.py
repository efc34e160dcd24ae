"""Every catalogue factor is either hosted by an evaluator or marked `manual`, never both."""

from __future__ import annotations

from chainreview.factors import load_catalogue
from chainreview.factors.registry import evaluator_for


def test_every_factor_has_an_evaluator_or_is_manual() -> None:
    catalogue = load_catalogue()
    unhosted = [f.id for f in catalogue.factors if not f.manual and evaluator_for(f.id) is None]
    assert unhosted == [], f"no evaluator and not manual: {unhosted}"


def test_no_manual_factor_has_an_evaluator() -> None:
    hosted_manual = [f.id for f in load_catalogue().factors if f.manual and evaluator_for(f.id)]
    assert hosted_manual == []
