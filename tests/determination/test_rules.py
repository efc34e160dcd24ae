"""The rules of the shipped cn-crm-2022 policy: overrides recorded with the level they replace;
the first rule that holds decides; conditions each once with who acts, when and how it is
checked; more risk never gives a better outcome.

Assessments here are written by hand (`_assessment`): the expected outcome of each case follows
from the rule order of the policy, stated in the test's comment.
"""

from __future__ import annotations

import dataclasses
from collections.abc import Mapping

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from chainreview.determination.model import ConditionKind, Outcome
from chainreview.determination.policy import load_policy
from chainreview.determination.rules import Facts, apply_overrides, decide, limitations_of
from chainreview.evidence.declaration import Criticality, Effect
from chainreview.evidence.overrides import Override
from chainreview.evidence.vendor_profile import Art6Commitment
from chainreview.factors import load_catalogue
from chainreview.factors.interface import (
    Due,
    FactorAssessment,
    Gap,
    Limitation,
    Mitigation,
    Party,
)
from chainreview.factors.mitigations import SEGMENT
from chainreview.levels import Level

POLICY = load_policy(None, "cn-crm-2022")
SCOPE = load_catalogue().ids
QUIET = Facts(kev_affected=(), systems=(Criticality.HIGH,), internet_facing=False)
ORDER = (
    Outcome.NO_REVIEW_NEEDED,
    Outcome.PASS,
    Outcome.PASS_WITH_CONDITIONS,
    Outcome.REFER_TO_SPECIAL_REVIEW,
    Outcome.FAIL,
)
"""Outcomes from best to worst for the operator."""
LEVELS = (Level.NONE, Level.LOW, Level.MEDIUM, Level.HIGH, Level.CRITICAL)


def _measure(factor: str) -> Mitigation:
    return Mitigation(
        text=f"mitigate {factor}",
        party=Party.VENDOR,
        due=Due.BEFORE_GO_LIVE,
        verification="acceptance test",
    )


def _assessment(
    factor: str,
    level: Level = Level.LOW,
    *,
    floor: Level | None = None,
    mitigable: bool = True,
    gap: bool = False,
    limited: bool = False,
) -> FactorAssessment:
    return FactorAssessment(
        factor_id=factor,
        level=level,
        floor=floor
        if floor is not None
        else (Level.NONE if level is Level.UNDETERMINED else level),
        rule="T.R1 test",
        reasons=(f"{factor} reason",),
        evidence=(),
        mitigations=(_measure(factor),) if mitigable else (),
        unmitigated=not mitigable and level in (Level.HIGH, Level.CRITICAL),
        missing_evidence=(Gap(what=f"{factor} item", party=Party.OPERATOR),) if gap else (),
        limitations=(Limitation(what=f"{factor} feed"),) if limited else (),
        citations=(),
        evaluator="test",
        evaluator_version="1",
    )


def assessments(
    levels: Mapping[str, Level], mitigable: bool = True
) -> tuple[FactorAssessment, ...]:
    """One assessment per catalogue factor: `levels` where given, else `low`."""
    return tuple(
        _assessment(
            f,
            levels.get(f, Level.LOW),
            mitigable=mitigable,
            gap=levels.get(f) is Level.UNDETERMINED,
        )
        for f in SCOPE
    )


def outcome(levels: Mapping[str, Level], facts: Facts = QUIET, mitigable: bool = True) -> Outcome:
    return decide(POLICY, assessments(levels, mitigable), facts, SCOPE).outcome


def test_all_low_and_determined_passes() -> None:
    decision = decide(POLICY, assessments({}), QUIET, SCOPE)
    assert decision.outcome is Outcome.PASS
    assert decision.conditions == ()
    assert decision.rationale[0].endswith("(rule CN.10)")


def test_kev_affected_fails_first() -> None:
    facts = dataclasses.replace(QUIET, kev_affected=("CVE-2020-11978",))
    decision = decide(POLICY, assessments({}), facts, SCOPE)
    assert (decision.outcome, decision.rule) == (Outcome.FAIL, "CN.1")
    assert "CVE-2020-11978" in decision.rationale[1]


def test_the_deciding_sentences_lead_the_rationale() -> None:
    # CN.2 holds on F10 (critical); F16 (critical) and F01 (high) are in no list of CN.2, so
    # their sentences follow for information; CN.1 is decided by its sentence and the KEV line;
    # CN.0 by its sentence alone, whatever stands at high
    levels = {"F10": Level.CRITICAL, "F16": Level.CRITICAL, "F01": Level.HIGH}
    critical = decide(POLICY, assessments(levels), QUIET, SCOPE)
    assert (critical.rule, critical.deciding) == ("CN.2", 2)
    assert critical.rationale[1].startswith("F10 is critical")
    assert [s[:3] for s in critical.rationale[2:]] == ["F16", "F01"]
    kev = dataclasses.replace(QUIET, kev_affected=("CVE-2020-11978",))
    assert decide(POLICY, assessments(levels), kev, SCOPE).deciding == 2
    outside = dataclasses.replace(QUIET, systems=(), serves_cii=False)
    office = decide(POLICY, assessments(levels), outside, SCOPE)
    assert (office.rule, office.deciding) == ("CN.0", 1)
    assert len(office.rationale) == 5  # the sentence, "For information only", F10, F16, F01


def test_critical_technical_factor_fails() -> None:
    assert outcome({"F10": Level.CRITICAL}) is Outcome.FAIL


def test_critical_deployment_alone_does_not_decide() -> None:
    # F16 scales the other factors and decides nothing alone (policy 2.1.0: in no fail, refer or
    # pass list): with every other factor low and settled the purchase passes (CN.10) as it
    # would on a low-criticality system; undetermined, F16 does not hold the pass back either
    f16 = dataclasses.replace(_assessment("F16", Level.CRITICAL), mitigations=(SEGMENT,))
    rest = [a for a in assessments({}) if a.factor_id != "F16"]
    decision = decide(POLICY, [*rest, f16], QUIET, SCOPE)
    assert (decision.outcome, decision.rule) == (Outcome.PASS, "CN.10")
    assert decision.conditions == ()
    low = decide(POLICY, [*rest, _assessment("F16", Level.LOW)], QUIET, SCOPE)
    assert (low.outcome, low.rule) == (decision.outcome, decision.rule)
    unknown = _assessment("F16", Level.UNDETERMINED, floor=Level.MEDIUM, limited=True)
    assert decide(POLICY, [*rest, unknown], QUIET, SCOPE).rule == "CN.10"


def test_a_conditional_pass_with_no_condition_says_so() -> None:
    # CN.9 (every factor low, some undetermined by the review's data) with every Art. 6
    # commitment signed: no condition is left, and the rationale says what the pass rests on
    signed = frozenset(Art6Commitment)
    facts = dataclasses.replace(QUIET, signed=signed)
    f07 = _assessment("F07", Level.UNDETERMINED, limited=True)
    rest = [a for a in assessments({}) if a.factor_id != "F07"]
    decision = decide(POLICY, [*rest, f07], facts, SCOPE)
    assert (decision.outcome, decision.rule, decision.conditions) == (
        Outcome.PASS_WITH_CONDITIONS,
        "CN.9",
        (),
    )
    assert decision.rationale[-1].startswith(
        "No condition beyond the supplier commitments the vendors have signed"
    )


@pytest.mark.parametrize("factor", ["F07", "F08", "F11"])
def test_critical_state_influence_is_referred(factor: str) -> None:
    assert outcome({factor: Level.CRITICAL}) is Outcome.REFER_TO_SPECIAL_REVIEW


def test_a_purchase_serving_no_cii_system_needs_no_review() -> None:
    # Art. 2: the Measures reach CII operators' purchases for CII; even a KEV finding does not
    # bring a non-CII purchase into the review
    facts = Facts(kev_affected=("CVE-1",), systems=(), internet_facing=False, serves_cii=False)
    decision = decide(POLICY, assessments({"F12": Level.HIGH}), facts, SCOPE)
    assert (decision.outcome, decision.rule) == (Outcome.NO_REVIEW_NEEDED, "CN.0")
    assert decision.conditions == ()
    # unless the operator declares a listing abroad that Art. 7 makes mandatory to declare
    listed = dataclasses.replace(facts, listing_declared=True)
    assert decide(POLICY, assessments({}), listed, SCOPE).outcome is Outcome.FAIL


def test_anticipated_no_effect_needs_no_review_when_the_evidence_agrees() -> None:
    # Art. 5 anticipation "none", Art. 9: no review needed unless the evidence contradicts it
    facts = dataclasses.replace(
        QUIET, systems=(Criticality.MEDIUM,), anticipated_effect=Effect.NONE
    )
    no_sbom = {"F12": Level.HIGH, "F02": Level.UNDETERMINED}  # such a purchase needs no SBOM
    decision = decide(POLICY, assessments(no_sbom), facts, SCOPE)
    assert (decision.outcome, decision.rule) == (Outcome.NO_REVIEW_NEEDED, "CN.4")
    contradicted = [
        ({"F10": Level.HIGH}, facts),
        ({}, dataclasses.replace(facts, sensitive_data=True)),
        ({}, dataclasses.replace(facts, systems=(Criticality.HIGH,))),
        ({}, dataclasses.replace(facts, anticipated_effect=Effect.POSSIBLE)),
    ]
    for levels, case in contradicted:
        assert decide(POLICY, assessments(levels), case, SCOPE).rule != "CN.4", (levels, case)


def test_low_criticality_offline_purchase_needs_no_review() -> None:
    facts = Facts(kev_affected=(), systems=(Criticality.LOW,), internet_facing=False)
    assert outcome({"F02": Level.MEDIUM}, facts) is Outcome.NO_REVIEW_NEEDED
    assert outcome({"F02": Level.HIGH}, facts) is Outcome.PASS_WITH_CONDITIONS


def test_undetermined_key_factor_is_referred_with_the_evidence_to_supply() -> None:
    decision = decide(POLICY, assessments({"F02": Level.UNDETERMINED}), QUIET, SCOPE)
    assert (decision.outcome, decision.rule) == (Outcome.REFER_TO_SPECIAL_REVIEW, "CN.6")
    (evidence,) = [c for c in decision.conditions if c.kind is ConditionKind.EVIDENCE]
    assert (evidence.text, evidence.factors) == (
        "Supply the missing evidence (Art. 15): F02 item",
        ("F02",),
    )
    assert (evidence.party, evidence.due) == (Party.OPERATOR, Due.DURING_REVIEW)


def test_a_key_factor_standing_high_with_evidence_missing_is_still_unsettled() -> None:
    # more findings raise F02 to high; the missing evidence still leaves it unsettled (CN.6)
    f02 = _assessment("F02", Level.HIGH, gap=True)
    rest = [a for a in assessments({}) if a.factor_id != "F02"]
    assert decide(POLICY, [*rest, f02], QUIET, SCOPE).rule == "CN.6"


def test_a_limitation_is_not_a_condition() -> None:
    f05 = _assessment("F05", Level.UNDETERMINED, floor=Level.MEDIUM, limited=True)
    rest = [a for a in assessments({}) if a.factor_id != "F05"]
    decision = decide(POLICY, [*rest, f05], QUIET, SCOPE)
    # the floor (medium) still brings F05's mitigation in; the missing list never is one
    assert decision.outcome is Outcome.PASS_WITH_CONDITIONS
    texts = [c.text for c in decision.conditions]
    assert "mitigate F05" in texts and not any("feed" in t for t in texts)
    assert [(lim.text, lim.factors) for lim in limitations_of([*rest, f05])] == [
        ("F05 feed", ("F05",))
    ]


def test_conditions_are_listed_once_with_every_factor_that_needs_them() -> None:
    shared = _measure("shared")
    f02 = dataclasses.replace(_assessment("F02", Level.MEDIUM), mitigations=(shared,))
    f17 = dataclasses.replace(_assessment("F17", Level.HIGH), mitigations=(shared,))
    rest = [a for a in assessments({}) if a.factor_id not in ("F02", "F17")]
    decision = decide(POLICY, [*rest, f02, f17], QUIET, SCOPE)
    (condition,) = [c for c in decision.conditions if c.text == "mitigate shared"]
    assert set(condition.factors) == {"F02", "F17"}
    assert (condition.party, condition.verification) == (Party.VENDOR, "acceptance test")


def test_a_measure_the_evidence_request_already_asks_for_is_not_repeated() -> None:
    # Arts. 15 and 6: an SBOM asked for during the review (supplementary materials) is the same
    # SBOM a before-contract condition would ask for; it is requested once, naming every factor
    # it settles. The same measure with no such request stays a condition of its own.
    sbom = Mitigation(
        text="deliver the SBOM of P-1",
        party=Party.VENDOR,
        due=Due.BEFORE_CONTRACT,
        verification="scan it",
        met_by="the SBOM of P-1",
    )
    f12 = dataclasses.replace(_assessment("F12", Level.HIGH), mitigations=(sbom,))
    f02 = dataclasses.replace(
        _assessment("F02", Level.UNDETERMINED),
        missing_evidence=(Gap(what="the SBOM of P-1", party=Party.VENDOR),),
    )
    rest = [a for a in assessments({}) if a.factor_id not in ("F02", "F12")]
    decision = decide(POLICY, [*rest, f02, f12], QUIET, SCOPE)
    assert decision.outcome is Outcome.REFER_TO_SPECIAL_REVIEW
    texts = [c.text for c in decision.conditions if "SBOM" in c.text]
    assert texts == ["Supply the missing evidence (Art. 15): the SBOM of P-1"]
    (request,) = [c for c in decision.conditions if c.kind is ConditionKind.EVIDENCE]
    assert (request.party, request.due, request.factors) == (
        Party.VENDOR,
        Due.DURING_REVIEW,
        ("F02", "F12"),
    )
    settled = dataclasses.replace(f02, level=Level.LOW, floor=Level.LOW, missing_evidence=())
    decision = decide(POLICY, [*rest, settled, f12], QUIET, SCOPE)
    assert [c.text for c in decision.conditions if "SBOM" in c.text] == ["deliver the SBOM of P-1"]


def test_commitments_the_vendors_signed_are_not_repeated() -> None:
    signed = frozenset(
        {Art6Commitment.NO_ILLEGAL_DATA_ACQUISITION, Art6Commitment.NO_ILLEGAL_DEVICE_CONTROL}
    )
    facts = dataclasses.replace(QUIET, signed=signed)
    decision = decide(POLICY, assessments({"F06": Level.HIGH}), facts, SCOPE)
    commitments = [c.text for c in decision.conditions if c.kind is ConditionKind.COMMITMENT]
    assert commitments == [
        "Art. 6: the supplier will not interrupt product supply without justified reason",
        "Art. 6: the supplier will not interrupt necessary technical support without justified "
        "reason",
    ]


def test_high_mitigable_passes_with_mitigations_and_art6_commitments() -> None:
    decision = decide(POLICY, assessments({"F06": Level.HIGH}), QUIET, SCOPE)
    assert decision.outcome is Outcome.PASS_WITH_CONDITIONS
    kinds = [(c.kind, c.factors, c.text) for c in decision.conditions]
    assert (ConditionKind.MITIGATION, ("F06",), "mitigate F06") in kinds
    assert [t for k, _, t in kinds if k is ConditionKind.COMMITMENT] == [
        c.mitigation.text for c in POLICY.commitments
    ]


def test_high_without_mitigation_is_referred() -> None:
    assert outcome({"F06": Level.HIGH}, mitigable=False) is Outcome.REFER_TO_SPECIAL_REVIEW


def test_out_of_scope_factors_do_not_count() -> None:
    levels = {"F10": Level.CRITICAL}
    scope = [f for f in SCOPE if f != "F10"]
    assert decide(POLICY, assessments(levels), QUIET, scope).outcome is Outcome.PASS


def test_rationale_says_what_an_undetermined_factor_lacks_without_empty_brackets() -> None:
    decision = decide(POLICY, assessments({"F02": Level.UNDETERMINED}), QUIET, SCOPE)
    assert "F02 is undetermined: missing F02 item." in decision.rationale
    for sentence in decision.rationale:
        assert "()" not in sentence and "`" not in sentence and "at least none" not in sentence


def test_override_replaces_the_level_and_records_the_old_one() -> None:
    override = Override(
        factor="F10", level=Level.LOW, reason="data stays on site", reviewer="R. Li",
        date="2026-03-10", basis_withheld=True,
    )  # fmt: skip
    assessed, applied = apply_overrides(assessments({"F10": Level.CRITICAL}), [override])
    f10 = next(a for a in assessed if a.factor_id == "F10")
    assert (f10.level, f10.floor) == (Level.LOW, Level.LOW)
    assert f10.reasons[0].startswith("overridden from critical to low by R. Li on 2026-03-10")
    assert "the basis of this assessment is withheld (not public)" in f10.reasons
    (record,) = applied
    assert (record.replaced, record.level, record.basis_withheld) == (
        Level.CRITICAL, Level.LOW, True,
    )  # fmt: skip
    decision = decide(POLICY, assessed, QUIET, SCOPE, applied)
    assert decision.outcome is Outcome.PASS
    assert decision.rationale[-1].endswith("(basis withheld).")


def test_an_override_settles_a_factor_with_missing_evidence() -> None:
    f02 = _assessment("F02", Level.MEDIUM, gap=True)
    rest = [a for a in assessments({}) if a.factor_id != "F02"]
    override = Override(
        factor="F02", level=Level.MEDIUM, reason="lab test", reviewer="R. Li", date="2026-03-10",
        basis_withheld=False,
    )  # fmt: skip
    assessed, applied = apply_overrides([*rest, f02], [override])
    assert decide(POLICY, [*rest, f02], QUIET, SCOPE).rule == "CN.6"
    assert decide(POLICY, assessed, QUIET, SCOPE, applied).rule == "CN.8"


def test_basis_withheld_alone_keeps_the_level() -> None:
    override = Override(
        factor="F08", level=None, reason="classified", reviewer="R. Li", date="2026-03-10",
        basis_withheld=True,
    )  # fmt: skip
    assessed, applied = apply_overrides(assessments({"F08": Level.HIGH}), [override])
    assert next(a for a in assessed if a.factor_id == "F08").level is Level.HIGH
    assert applied[0].replaced is applied[0].level is Level.HIGH


# --- properties: more risk never gives a better outcome ---------------------------------------


@st.composite
def _cases(draw: st.DrawFn) -> tuple[list[FactorAssessment], Facts, int]:
    """A quiet review (every factor low and settled) with one or two factors drawn freely, any
    facts, and the index of one of those factors (the one a property changes): so that a single
    factor can decide the outcome."""
    found = [_assessment(f) for f in SCOPE]
    free = draw(st.lists(st.integers(0, len(SCOPE) - 1), min_size=1, max_size=2, unique=True))
    for index in free:
        floor = draw(st.sampled_from(LEVELS))
        settled = draw(st.booleans())
        level = floor if settled or floor in (Level.HIGH, Level.CRITICAL) else Level.UNDETERMINED
        found[index] = _assessment(
            SCOPE[index],
            level,
            floor=floor,
            mitigable=draw(st.booleans()),
            gap=not settled and draw(st.booleans()),
            limited=not settled,
        )
    facts = QUIET  # a CII purchase for a high-criticality system, most of the time
    if draw(st.sampled_from((False, False, True))):
        facts = Facts(
            kev_affected=draw(st.sampled_from(((), ("CVE-1",)))),
            systems=tuple(draw(st.lists(st.sampled_from(tuple(Criticality)), max_size=3))),
            internet_facing=draw(st.booleans()),
            serves_cii=draw(st.booleans()),
            anticipated_effect=draw(st.sampled_from((None, Effect.NONE, Effect.POSSIBLE))),
            sensitive_data=draw(st.booleans()),
            listing_declared=draw(st.booleans()),
        )
    return found, facts, draw(st.sampled_from(free))


def _rank(found: list[FactorAssessment], facts: Facts) -> int:
    return ORDER.index(decide(POLICY, found, facts, SCOPE).outcome)


@settings(max_examples=1500, deadline=None)
@given(case=_cases(), fixable=st.booleans())
def test_a_higher_floor_never_gives_a_better_outcome(
    case: tuple[list[FactorAssessment], Facts, int], fixable: bool
) -> None:
    # e.g. a new critical finding raises F02 one level, with a fix (`fixable`) or without
    found, facts, index = case
    before = found[index]
    raised = LEVELS[min(LEVELS.index(before.floor) + 1, len(LEVELS) - 1)]
    stands = before.level is not Level.UNDETERMINED or raised in (Level.HIGH, Level.CRITICAL)
    after = dataclasses.replace(
        before,
        floor=raised,
        level=raised if stands else Level.UNDETERMINED,
        unmitigated=before.unmitigated or (not fixable and raised in (Level.HIGH, Level.CRITICAL)),
    )
    worse = [*found[:index], after, *found[index + 1 :]]
    assert _rank(worse, facts) >= _rank(found, facts)


@settings(max_examples=1500, deadline=None)
@given(case=_cases())
def test_a_kev_finding_never_gives_a_better_outcome(
    case: tuple[list[FactorAssessment], Facts, int],
) -> None:
    found, facts, _ = case
    with_kev = dataclasses.replace(facts, kev_affected=("CVE-2024-1086",))
    assert _rank(found, with_kev) >= _rank(found, facts)


@settings(max_examples=1500, deadline=None)
@given(case=_cases())
def test_settling_a_factor_at_its_floor_never_gives_a_worse_outcome(
    case: tuple[list[FactorAssessment], Facts, int],
) -> None:
    # e.g. an unidentified component gets an identifier with no advisories: the gap goes, the
    # floor stays
    found, facts, index = case
    before = found[index]
    settled = dataclasses.replace(before, level=before.floor, missing_evidence=(), limitations=())
    better = [*found[:index], settled, *found[index + 1 :]]
    assert _rank(better, facts) <= _rank(found, facts)
