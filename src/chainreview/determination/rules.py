"""The determination rules, pure: overrides applied to assessments, then policy → outcome.

`apply_overrides` replaces the level of each overridden factor and records the level it
replaced; a "basis withheld" mark keeps the level and says so in the assessment. `decide` tries
the policy's rules in order (`determination.policy`): the first whose conditions all hold gives
the outcome, its sentence leads the rationale, followed by the factors that made it hold, the
other factors at `high` or above, and the overrides. Only the factors the regime profile weighs
(`scope`) count. A conditional outcome (`pass_with_conditions`, and `refer_to_special_review`,
whose Art. 16(2) interim measures are the same list) carries the mitigations of every factor at
`medium` or above, the evidence still missing for undetermined factors, and the policy's
supplier commitments.
"""

from __future__ import annotations

import dataclasses
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from typing import Final

from chainreview.determination.model import AppliedOverride, Condition, ConditionKind, Outcome
from chainreview.determination.policy import FactorTest, Policy, PolicyRule, When
from chainreview.evidence.declaration import Criticality, Declaration
from chainreview.evidence.overrides import Level, Override
from chainreview.factors.interface import MISSING_PREFIX, RANK, FactorAssessment
from chainreview.findings.model import Finding

__all__ = ["Decision", "Facts", "apply_overrides", "decide", "facts_of", "lead_reason"]

_CONDITIONAL: Final = frozenset({Outcome.PASS_WITH_CONDITIONS, Outcome.REFER_TO_SPECIAL_REVIEW})
_CRITICALITY: Final = tuple(Criticality)
"""Criticalities from lowest to highest."""


@dataclass(frozen=True, slots=True, kw_only=True)
class Facts:
    """What the rules read besides the assessments."""

    kev_affected: tuple[str, ...]
    """Ids of active findings in CISA KEV (not resolved by VEX), sorted."""
    systems: tuple[Criticality, ...]
    """Criticality of every CII system the purchase serves."""
    internet_facing: bool
    """Some CII system served is internet-facing."""


@dataclass(frozen=True, slots=True, kw_only=True)
class Decision:
    """What `decide` concludes."""

    outcome: Outcome
    rule: str
    """Id of the deciding rule, or `default`."""
    rationale: tuple[str, ...]
    conditions: tuple[Condition, ...]


def facts_of(declaration: Declaration, findings: Iterable[Finding]) -> Facts:
    """The facts of a declaration and its findings."""
    served = {d.system for p in declaration.products for d in p.deployments}
    systems = [s for s in declaration.cii_systems if s.id in served]
    return Facts(
        kev_affected=tuple(sorted({f.id for f in findings if f.active and f.kev is not None})),
        systems=tuple(s.criticality for s in systems),
        internet_facing=any(s.internet_facing for s in systems),
    )


def apply_overrides(
    assessments: Sequence[FactorAssessment], overrides: Iterable[Override]
) -> tuple[tuple[FactorAssessment, ...], tuple[AppliedOverride, ...]]:
    """The assessments with `overrides` applied, and the record of each override."""
    by_factor = {o.factor: o for o in overrides}
    out: list[FactorAssessment] = []
    applied: list[AppliedOverride] = []
    for assessment in assessments:
        override = by_factor.get(assessment.factor_id)
        if override is None:
            out.append(assessment)
            continue
        level = assessment.level if override.level is None else override.level
        notes = []
        if override.level is not None:
            notes.append(
                f"overridden from {assessment.level} to {level} by {override.reviewer} on "
                f"{override.date}: {override.reason}"
            )
        if override.basis_withheld:
            notes.append("the basis of this assessment is withheld (not public)")
        rule = (
            f"override by {override.reviewer} ({override.date})"
            if override.level is not None
            else assessment.rule
        )
        out.append(
            dataclasses.replace(
                assessment, level=level, rule=rule, reasons=(*notes, *assessment.reasons)
            )
        )
        applied.append(
            AppliedOverride(
                factor=assessment.factor_id,
                level=level,
                replaced=assessment.level,
                reviewer=override.reviewer,
                date=override.date,
                reason=override.reason,
                basis_withheld=override.basis_withheld,
            )
        )
    return tuple(out), tuple(applied)


def decide(
    policy: Policy,
    assessments: Sequence[FactorAssessment],
    facts: Facts,
    scope: Iterable[str],
    overrides: Sequence[AppliedOverride] = (),
) -> Decision:
    """Apply `policy` to the assessments of the factors in `scope` (see the module doc)."""
    weighed = frozenset(scope)
    in_scope = [a for a in assessments if a.factor_id in weighed]
    for rule in policy.rules:
        matched = _holds(rule.when, in_scope, facts)
        if matched is not None:
            return _decision(policy, rule, matched, in_scope, facts, overrides)
    return _decision(policy, None, [], in_scope, facts, overrides)


def _selected(test: FactorTest, assessments: Sequence[FactorAssessment]) -> list[FactorAssessment]:
    wanted = set(test.factors)
    return [a for a in assessments if not wanted or a.factor_id in wanted]


def _holds(
    when: When, assessments: Sequence[FactorAssessment], facts: Facts
) -> list[FactorAssessment] | None:
    """The factors that made `when` hold (possibly none), or None when it does not hold."""
    matched: list[FactorAssessment] = []
    determined = [a for a in assessments if a.level is not Level.UNDETERMINED]
    if when.kev_affected is not None and bool(facts.kev_affected) is not when.kev_affected:
        return None
    if (test := when.factors_at_least) is not None:
        assert test.level is not None  # the schema requires it
        floor = RANK[test.level]
        hits = [
            a
            for a in _selected(test, determined)
            if RANK[a.level] >= floor
            and (test.mitigable is None or bool(a.mitigations) is test.mitigable)
        ]
        if not hits:
            return None
        matched += hits
    if (test := when.factors_undetermined) is not None:
        hits = [a for a in _selected(test, assessments) if a.level is Level.UNDETERMINED]
        if not hits:
            return None
        matched += hits
    if when.factors_at_most is not None:
        ceiling = RANK[when.factors_at_most]
        if any(RANK[a.level] > ceiling for a in determined):
            return None
    if (
        when.all_determined is not None
        and (len(determined) == len(assessments)) is not when.all_determined
    ):
        return None
    if when.systems_at_most is not None:
        ceiling = _CRITICALITY.index(when.systems_at_most)
        if any(_CRITICALITY.index(c) > ceiling for c in facts.systems):
            return None
    if when.internet_facing is not None and facts.internet_facing is not when.internet_facing:
        return None
    return matched


def lead_reason(assessment: FactorAssessment) -> str:
    """The sentence that best says why a factor is at its level."""
    if assessment.level is Level.UNDETERMINED and assessment.missing_evidence:
        return assessment.missing_evidence[0].removeprefix(MISSING_PREFIX)
    substantive = assessment.reasons[1:] if assessment.missing_evidence else assessment.reasons
    return (substantive or assessment.reasons or ("no reason recorded",))[0]


def _sentence(assessment: FactorAssessment) -> str:
    state = "undetermined (missing: " if assessment.level is Level.UNDETERMINED else ""
    if state:
        return f"{assessment.factor_id} is {state}{lead_reason(assessment)})."
    return f"{assessment.factor_id} is {assessment.level}: {lead_reason(assessment)}."


def _by_level(assessments: Iterable[FactorAssessment]) -> list[FactorAssessment]:
    return sorted(assessments, key=lambda a: -RANK.get(a.level, -1))  # stable: catalogue order


def _decision(
    policy: Policy,
    rule: PolicyRule | None,
    matched: Sequence[FactorAssessment],
    assessments: Sequence[FactorAssessment],
    facts: Facts,
    overrides: Sequence[AppliedOverride],
) -> Decision:
    outcome = policy.default if rule is None else rule.outcome
    lead = (
        f"No rule of policy {policy.id} {policy.version} holds: the default outcome applies."
        if rule is None
        else f"{rule.text} (rule {rule.id})"
    )
    rationale = [lead]
    if rule is not None and rule.when.kev_affected and facts.kev_affected:
        rationale.append("Exploited in the wild (CISA KEV): " + ", ".join(facts.kev_affected) + ".")
    shown = [a.factor_id for a in matched]
    rationale += [_sentence(a) for a in _by_level(matched)]
    rationale += [
        _sentence(a)
        for a in _by_level(assessments)
        if a.factor_id not in shown and a.level in (Level.CRITICAL, Level.HIGH)
    ]
    rationale += [
        f"Reviewer override: {o.factor} set to {o.level} (was {o.replaced}) by {o.reviewer} on "
        f"{o.date}: {o.reason}" + (" (basis withheld)." if o.basis_withheld else ".")
        for o in overrides
    ]
    conditions = _conditions(policy, assessments) if outcome in _CONDITIONAL else ()
    return Decision(
        outcome=outcome,
        rule="default" if rule is None else rule.id,
        rationale=tuple(dict.fromkeys(rationale)),
        conditions=conditions,
    )


def _conditions(policy: Policy, assessments: Sequence[FactorAssessment]) -> tuple[Condition, ...]:
    found: list[Condition] = []
    for assessment in _by_level(assessments):
        if assessment.level is Level.UNDETERMINED:
            found += [
                Condition(
                    kind=ConditionKind.EVIDENCE,
                    factor=assessment.factor_id,
                    text="supply " + gap.removeprefix(MISSING_PREFIX),
                )
                for gap in assessment.missing_evidence
            ]
        elif RANK[assessment.level] >= RANK[Level.MEDIUM]:
            found += [
                Condition(kind=ConditionKind.MITIGATION, factor=assessment.factor_id, text=m)
                for m in assessment.mitigations
            ]
    found += [Condition(kind=ConditionKind.COMMITMENT, text=c) for c in policy.commitments]
    return tuple(dict.fromkeys(found))
