"""The rules: overrides recorded with the level they replace; the first rule that holds decides."""

from __future__ import annotations

from collections.abc import Mapping

import pytest

from chainreview.determination.model import ConditionKind, Outcome
from chainreview.determination.policy import load_policy
from chainreview.determination.rules import Facts, apply_overrides, decide
from chainreview.evidence.declaration import Criticality
from chainreview.evidence.overrides import Level, Override
from chainreview.factors import load_catalogue
from chainreview.factors.interface import FactorAssessment

POLICY = load_policy(None, "cn-crm-2022")
SCOPE = load_catalogue().ids
QUIET = Facts(kev_affected=(), systems=(Criticality.HIGH,), internet_facing=False)


def assessments(
    levels: Mapping[str, Level], mitigable: bool = True
) -> tuple[FactorAssessment, ...]:
    """One assessment per catalogue factor: `levels` where given, else `low`."""
    return tuple(
        FactorAssessment(
            factor_id=f,
            level=levels.get(f, Level.LOW),
            rule="T.R1 test",
            reasons=(f"{f} reason",),
            evidence=(),
            mitigations=(f"mitigate {f}",) if mitigable else (),
            missing_evidence=(f"missing evidence: {f} item",)
            if levels.get(f) is Level.UNDETERMINED
            else (),
            citations=(),
            evaluator="test",
            evaluator_version="1",
        )
        for f in SCOPE
    )


def outcome(levels: Mapping[str, Level], facts: Facts = QUIET, mitigable: bool = True) -> Outcome:
    return decide(POLICY, assessments(levels, mitigable), facts, SCOPE).outcome


def test_all_low_and_determined_passes() -> None:
    decision = decide(POLICY, assessments({}), QUIET, SCOPE)
    assert decision.outcome is Outcome.PASS
    assert decision.conditions == ()
    assert decision.rationale[0].endswith("(rule CN.9)")


def test_kev_affected_fails_first() -> None:
    facts = Facts(
        kev_affected=("CVE-2020-11978",), systems=(Criticality.LOW,), internet_facing=False
    )
    decision = decide(POLICY, assessments({}), facts, SCOPE)
    assert decision.outcome is Outcome.FAIL
    assert decision.rule == "CN.1"
    assert "CVE-2020-11978" in decision.rationale[1]


def test_critical_technical_factor_fails() -> None:
    assert outcome({"F10": Level.CRITICAL}) is Outcome.FAIL


def test_critical_deployment_alone_does_not_fail() -> None:
    # F16 scales the other factors; its mitigation (segmentation) becomes a condition
    assert outcome({"F16": Level.CRITICAL}) is Outcome.PASS_WITH_CONDITIONS


@pytest.mark.parametrize("factor", ["F07", "F08", "F11"])
def test_critical_state_influence_is_referred(factor: str) -> None:
    assert outcome({factor: Level.CRITICAL}) is Outcome.REFER_TO_SPECIAL_REVIEW


def test_low_criticality_offline_purchase_needs_no_review() -> None:
    facts = Facts(kev_affected=(), systems=(Criticality.LOW,), internet_facing=False)
    assert outcome({"F02": Level.MEDIUM}, facts) is Outcome.NO_REVIEW_NEEDED
    assert outcome({"F02": Level.HIGH}, facts) is Outcome.PASS_WITH_CONDITIONS


def test_undetermined_key_factor_is_referred_with_the_evidence_to_supply() -> None:
    decision = decide(POLICY, assessments({"F02": Level.UNDETERMINED}), QUIET, SCOPE)
    assert decision.outcome is Outcome.REFER_TO_SPECIAL_REVIEW
    assert any(c.kind is ConditionKind.EVIDENCE and c.factor == "F02" for c in decision.conditions)


def test_high_mitigable_passes_with_mitigations_and_art6_commitments() -> None:
    decision = decide(POLICY, assessments({"F06": Level.HIGH}), QUIET, SCOPE)
    assert decision.outcome is Outcome.PASS_WITH_CONDITIONS
    kinds = [(c.kind, c.factor, c.text) for c in decision.conditions]
    assert (ConditionKind.MITIGATION, "F06", "mitigate F06") in kinds
    assert [t for k, _, t in kinds if k is ConditionKind.COMMITMENT] == list(POLICY.commitments)


def test_high_without_mitigation_is_referred() -> None:
    assert outcome({"F06": Level.HIGH}, mitigable=False) is Outcome.REFER_TO_SPECIAL_REVIEW


def test_out_of_scope_factors_do_not_count() -> None:
    levels = {"F10": Level.CRITICAL}
    scope = [f for f in SCOPE if f != "F10"]
    assert decide(POLICY, assessments(levels), QUIET, scope).outcome is Outcome.PASS


def test_override_replaces_the_level_and_records_the_old_one() -> None:
    override = Override(
        factor="F10", level=Level.LOW, reason="data stays on site", reviewer="R. Li",
        date="2026-03-10", basis_withheld=True,
    )  # fmt: skip
    assessed, applied = apply_overrides(assessments({"F10": Level.CRITICAL}), [override])
    f10 = next(a for a in assessed if a.factor_id == "F10")
    assert f10.level is Level.LOW
    assert f10.reasons[0].startswith("overridden from critical to low by R. Li on 2026-03-10")
    assert "the basis of this assessment is withheld (not public)" in f10.reasons
    (record,) = applied
    assert (record.replaced, record.level, record.basis_withheld) == (
        Level.CRITICAL, Level.LOW, True,
    )  # fmt: skip
    decision = decide(POLICY, assessed, QUIET, SCOPE, applied)
    assert decision.outcome is Outcome.PASS
    assert decision.rationale[-1].endswith("(basis withheld).")


def test_basis_withheld_alone_keeps_the_level() -> None:
    override = Override(
        factor="F08", level=None, reason="classified", reviewer="R. Li", date="2026-03-10",
        basis_withheld=True,
    )  # fmt: skip
    assessed, applied = apply_overrides(assessments({"F08": Level.HIGH}), [override])
    assert next(a for a in assessed if a.factor_id == "F08").level is Level.HIGH
    assert applied[0].replaced is applied[0].level is Level.HIGH
