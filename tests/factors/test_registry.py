"""The registry: one assessment per catalogue factor, manual and unregistered ones undetermined."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest
from factor_kit import by_id, edit_yaml, make_context

from chainreview.evidence.overrides import Level
from chainreview.factors import load_catalogue
from chainreview.factors.control import ControlEvaluator
from chainreview.factors.registry import assess_all, evaluator_for, evaluators, index


def test_one_assessment_per_catalogue_factor_in_order(package: Path) -> None:
    result = assess_all(make_context(package))
    assert tuple(a.factor_id for a in result) == load_catalogue().ids
    assert all(a.level in Level for a in result)


def test_every_non_manual_factor_but_the_vulnerability_family_has_an_evaluator() -> None:
    hosted = {f for e in evaluators() for f in e.factor_ids}
    unhosted = {f.id for f in load_catalogue().factors if not f.manual} - hosted
    assert unhosted == {"F02", "F04", "F17", "F18"}
    assert evaluator_for("F13") is None


def test_unregistered_factor_is_undetermined_not_skipped(package: Path) -> None:
    f02 = by_id(assess_all(make_context(package)))["F02"]
    assert f02.level is Level.UNDETERMINED
    assert "no evaluator registered" in f02.reasons
    assert f02.citations  # still cited from the profile


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
    assert f13.missing_evidence == (
        "missing evidence: answer to F13.Q2 (When was the product last penetration-tested by "
        "an independent party?)",
    )


def test_two_evaluators_may_not_host_one_factor() -> None:
    with pytest.raises(ValueError, match="F01 is hosted by both control and control"):
        index([ControlEvaluator(), ControlEvaluator()])
