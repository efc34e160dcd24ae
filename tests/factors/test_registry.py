"""The registry: one assessment per catalogue factor, manual and unregistered ones undetermined."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest
from factor_kit import by_id, edit_yaml, gaps, make_context

from chainreview.factors import load_catalogue
from chainreview.factors.control import ControlEvaluator
from chainreview.factors.registry import assess_all, evaluators, index
from chainreview.levels import Level


def test_one_assessment_per_catalogue_factor_in_order(package: Path) -> None:
    result = assess_all(make_context(package))
    assert tuple(a.factor_id for a in result) == load_catalogue().ids
    assert all(a.level in Level for a in result)


def test_unregistered_factor_is_undetermined_not_skipped(package: Path) -> None:
    without_control = [e for e in evaluators() if not isinstance(e, ControlEvaluator)]
    f01 = by_id(assess_all(make_context(package), without_control))["F01"]
    assert f01.level is Level.UNDETERMINED
    assert "no evaluator registered" in f01.reasons
    assert f01.citations  # still cited from the profile


def test_manual_factor_summarises_its_answers(package: Path) -> None:
    def answer(value: dict[str, Any]) -> None:
        value["answers"] += [
            {"question": "F13.Q1", "answer": False},
            {"question": "F13.Q3", "answer": "iso-27001"},
        ]

    edit_yaml(package / "questionnaire.yaml", answer)
    f13 = by_id(assess_all(make_context(package)))["F13"]
    assert f13.level is Level.UNDETERMINED
    assert f13.reasons == (
        "questionnaire only",
        "F13.Q1 answered False: raises concern",
        "F13.Q3 answered 'iso-27001': no concern",
    )
    assert [e.ref for e in f13.evidence] == [
        "questionnaire.yaml#/answers/3",
        "questionnaire.yaml#/answers/4",
    ]
    assert gaps(f13) == (
        "missing evidence: answer to F13.Q2 (When was the product last penetration-tested by "
        "an independent party?)",
    )


def test_two_evaluators_may_not_host_one_factor() -> None:
    with pytest.raises(ValueError, match="F01 is hosted by both control and control"):
        index([ControlEvaluator(), ControlEvaluator()])
