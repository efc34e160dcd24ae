"""The determination rules, pure: overrides applied to assessments, then policy → outcome.

`apply_overrides` replaces the level of each overridden factor and records the level it
replaced; a "basis withheld" mark keeps the level and says so in the assessment. `decide` tries
the policy's rules in order (`determination.policy`): the first whose conditions all hold gives
the outcome, its sentence leads the rationale, followed by the factors that made it hold (these
sentences, `deciding` in number, decide the outcome), the other factors at `high` or above, and
the overrides. Only the factors the regime profile weighs
(`scope`) count.

Every test reads a factor by what its evidence establishes, so that more risk never gives a
better outcome: `factors_at_least` and `factors_at_most` compare a factor's floor (its level when
determined, the least an undetermined factor is already known to be); `factors_undetermined`
holds for a factor not settled by the evidence (undetermined, or standing at `high` or above with
evidence still missing) unless a reviewer overrode it; `mitigable: false` holds for a factor some
of whose high or critical raises name no mitigation.

A conditional outcome (`pass_with_conditions`, and `refer_to_special_review`, whose Art. 16(2)
interim measures are the same list) carries conditions, each once whatever the number of factors
that reach it, with who acts, by when and how it is checked: the mitigations of every factor whose
floor is `medium` or above (only those a review can put on a purchase), the evidence still to
supply (Art. 15: one request per party, listing every item once; a measure that supplying one
of those items meets, such as an SBOM asked for during the review, is not listed again), and the
policy's supplier commitments that some vendor has not signed yet (a commitment a vendor has
neither signed nor refused is that condition, with the factors that read it, not an item of
evidence as well). The
limitations of the review's own data are collected apart: they are never conditions.
"""

from __future__ import annotations

import dataclasses
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from typing import Final

from chainreview.determination.model import (
    AppliedOverride,
    Condition,
    ConditionKind,
    Outcome,
    ReviewLimitation,
)
from chainreview.determination.policy import FactorTest, Policy, PolicyRule, When
from chainreview.evidence.declaration import Criticality, Declaration, Effect
from chainreview.evidence.overrides import Override
from chainreview.evidence.product import DataClass, Product
from chainreview.evidence.vendor_profile import Art6Commitment
from chainreview.factors.catalogue import RegimeProfile
from chainreview.factors.interface import (
    RANK,
    Due,
    FactorAssessment,
    Mitigation,
    Party,
    commitment_asked,
)
from chainreview.findings.model import Finding
from chainreview.levels import Level

__all__ = [
    "Decision",
    "Facts",
    "Weighed",
    "apply_overrides",
    "cii_part",
    "decide",
    "facts_of",
    "lead_reason",
    "limitations_of",
]

_CONDITIONAL: Final = frozenset({Outcome.PASS_WITH_CONDITIONS, Outcome.REFER_TO_SPECIAL_REVIEW})
_CRITICALITY: Final = tuple(Criticality)
"""Criticalities from lowest to highest."""
_EVIDENCE_CHECK: Final = "the reviewer receives and checks it (the review clock stops meanwhile)"


@dataclass(frozen=True, slots=True, kw_only=True)
class Facts:
    """What the rules read besides the assessments."""

    kev_affected: tuple[str, ...]
    """Ids of active findings in CISA KEV (not resolved by VEX), sorted."""
    systems: tuple[Criticality, ...]
    """Criticality of every CII system the purchase serves."""
    internet_facing: bool
    """Some CII system served is internet-facing."""
    serves_cii: bool = True
    """Some product is deployed on a CII system."""
    anticipated_effect: Effect | None = None
    """The operator's Art. 5 anticipation; None when not declared."""
    sensitive_data: bool = False
    """A product handles core or important data, or a large amount of personal information."""
    listing_declared: bool = False
    """The operator declares a listing abroad the regime makes mandatory to declare."""
    signed: frozenset[Art6Commitment] = frozenset()
    """The Art. 6 commitments every vendor has signed."""


@dataclass(frozen=True, slots=True, kw_only=True)
class Decision:
    """What `decide` concludes."""

    outcome: Outcome
    rule: str
    """Id of the deciding rule, or `default`."""
    rationale: tuple[str, ...]
    deciding: int
    """How many sentences at the head of `rationale` decided the outcome."""
    conditions: tuple[Condition, ...]


@dataclass(frozen=True, slots=True, kw_only=True)
class Weighed:
    """The part of a declaration the review weighs, and the products it leaves out."""

    declaration: Declaration
    left_out: tuple[str, ...]
    """Ids of the products that serve no CII system in a purchase that serves one."""

    def note(self) -> str | None:
        """The rationale's sentence on the products left out, if any."""
        if not self.left_out:
            return None
        ids = ", ".join(self.left_out)
        verb = "serves" if len(self.left_out) == 1 else "serve"
        return (
            f"Not weighed: {ids} {verb} no critical information infrastructure system, outside "
            "the Measures (Art. 2); no evidence of it is needed."
        )


def cii_part(declaration: Declaration) -> Weighed:
    """What the review weighs (Art. 2: CII operators' purchases for CII): when some product
    serves a CII system, the products that do, with their deployments on CII systems only, and
    their vendors; a product of the same purchase deployed only on systems that are not CII
    needs no SBOM or other evidence and cannot move the outcome. When no product serves a CII
    system, the whole declaration (its factors are shown for information under CN.0)."""
    cii = {s.id for s in declaration.cii_systems if s.cii}
    weighed: list[Product] = []
    left_out: list[str] = []
    for product in declaration.products:
        on_cii = tuple(d for d in product.deployments if d.system in cii)
        if not on_cii:
            left_out.append(product.id)
        elif len(on_cii) == len(product.deployments):
            weighed.append(product)
        else:
            weighed.append(dataclasses.replace(product, deployments=on_cii))
    untouched = not left_out and all(
        p is q for p, q in zip(weighed, declaration.products, strict=True)
    )
    if not weighed or untouched:
        return Weighed(declaration=declaration, left_out=())
    vendors = {p.vendor for p in weighed}
    part = dataclasses.replace(
        declaration,
        products=tuple(weighed),
        vendors=tuple(v for v in declaration.vendors if v.id in vendors),
    )
    return Weighed(declaration=part, left_out=tuple(left_out))


def facts_of(
    declaration: Declaration, findings: Iterable[Finding], profile: RegimeProfile
) -> Facts:
    """The facts of a declaration and its findings under `profile`'s data and listing rules."""
    served = {d.system for p in declaration.products for d in p.deployments}
    systems = [s for s in declaration.cii_systems if s.id in served and s.cii]
    anticipation = declaration.purchase.national_security_anticipation
    signed = [
        {c.commitment for c in vendor.commitments if c.signed} for vendor in declaration.vendors
    ]
    return Facts(
        kev_affected=tuple(sorted({f.id for f in findings if f.active and f.kev is not None})),
        systems=tuple(s.criticality for s in systems),
        internet_facing=any(s.internet_facing for s in systems),
        serves_cii=bool(systems),
        anticipated_effect=None if anticipation is None else anticipation.effect,
        sensitive_data=_sensitive_data(declaration, profile),
        listing_declared=_listing_declared(declaration, profile),
        signed=frozenset.intersection(*map(frozenset, signed)) if signed else frozenset(),
    )


def _sensitive_data(declaration: Declaration, profile: RegimeProfile) -> bool:
    rules = profile.data_export
    for product in declaration.products:
        for data in product.capabilities.data:
            people = data.individuals or 0
            if data.category in (DataClass.CORE, DataClass.IMPORTANT):
                return True
            if rules is None or data.category not in (
                DataClass.PERSONAL,
                DataClass.SENSITIVE_PERSONAL,
            ):
                continue
            sensitive = data.category is DataClass.SENSITIVE_PERSONAL or bool(data.sensitive)
            if people >= (rules.large_sensitive if sensitive else rules.large_personal):
                return True
    return False


def _listing_declared(declaration: Declaration, profile: RegimeProfile) -> bool:
    listing, rule = declaration.operator.listing, profile.listing
    if listing is None or rule is None:
        return False
    abroad = listing.country != profile.jurisdiction and listing.country not in rule.not_abroad
    return abroad and listing.personal_information_users > rule.users


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
        floor = assessment.floor if level is Level.UNDETERMINED else level
        out.append(
            dataclasses.replace(
                assessment,
                level=level,
                floor=floor,
                rule=rule,
                reasons=(*notes, *assessment.reasons),
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
    settled = frozenset(o.factor for o in overrides if o.level is not Level.UNDETERMINED)
    for rule in policy.rules:
        matched = _holds(rule.when, in_scope, facts, settled)
        if matched is not None:
            return _decision(policy, rule, matched, in_scope, facts, overrides)
    return _decision(policy, None, [], in_scope, facts, overrides)


def _selected(test: FactorTest, assessments: Sequence[FactorAssessment]) -> list[FactorAssessment]:
    wanted = set(test.factors)
    return [a for a in assessments if not wanted or a.factor_id in wanted]


def _unsettled(assessment: FactorAssessment, settled: frozenset[str]) -> bool:
    """Not settled by the evidence: undetermined, or standing with gaps (unless overridden)."""
    if assessment.level is Level.UNDETERMINED:
        return True
    gaps = bool(assessment.missing_evidence or assessment.limitations)
    return gaps and assessment.factor_id not in settled


def _holds(
    when: When,
    assessments: Sequence[FactorAssessment],
    facts: Facts,
    settled: frozenset[str],
) -> list[FactorAssessment] | None:
    """The factors that made `when` hold (possibly none), or None when it does not hold."""
    if not _facts_hold(when, facts):
        return None
    matched: list[FactorAssessment] = []
    if (test := when.factors_at_least) is not None:
        assert test.level is not None  # the schema requires it
        floor = RANK[test.level]
        hits = [
            a
            for a in _selected(test, assessments)
            if RANK[a.floor] >= floor
            and (test.mitigable is None or a.unmitigated is not test.mitigable)
        ]
        if not hits:
            return None
        matched += hits
    if (test := when.factors_undetermined) is not None:
        hits = [a for a in _selected(test, assessments) if _unsettled(a, settled)]
        if not hits:
            return None
        matched += hits
    if (test := when.factors_at_most) is not None:
        assert test.level is not None  # the schema requires it
        ceiling = RANK[test.level]
        if any(RANK[a.floor] > ceiling for a in _selected(test, assessments)):
            return None
    # over the factors the rule's `factors_at_most` reads, when it names them (F16 aside)
    among = (
        assessments
        if when.factors_at_most is None
        else _selected(when.factors_at_most, assessments)
    )
    determined = all(a.level is not Level.UNDETERMINED for a in among)
    if when.all_determined is not None and determined is not when.all_determined:
        return None
    return matched


def _facts_hold(when: When, facts: Facts) -> bool:
    """Whether the conditions of `when` on the facts (not the factors) hold."""
    if when.kev_affected is not None and bool(facts.kev_affected) is not when.kev_affected:
        return False
    if when.systems_at_most is not None:
        ceiling = _CRITICALITY.index(when.systems_at_most)
        if any(_CRITICALITY.index(c) > ceiling for c in facts.systems):
            return False
    checks = (
        (when.internet_facing, facts.internet_facing),
        (when.serves_cii, facts.serves_cii),
        (when.sensitive_data, facts.sensitive_data),
        (when.listing_declared, facts.listing_declared),
    )
    if any(wanted is not None and wanted is not actual for wanted, actual in checks):
        return False
    if when.undeclared_effect and facts.anticipated_effect is not None:
        return False
    return when.anticipated_effect is None or facts.anticipated_effect is when.anticipated_effect


def lead_reason(assessment: FactorAssessment) -> str:
    """The sentence that best says why a factor is at its level."""
    if assessment.level is Level.UNDETERMINED:
        if assessment.missing_evidence:
            return f"missing {assessment.missing_evidence[0].what}"
        if assessment.limitations:
            return f"not assessed: {assessment.limitations[0].what}"
    gaps = assessment.missing_evidence or assessment.limitations
    substantive = assessment.reasons[1:] if gaps else assessment.reasons
    return (substantive or assessment.reasons or ("no reason recorded",))[0]


def _sentence(assessment: FactorAssessment) -> str:
    reason = lead_reason(assessment).rstrip(".")
    if assessment.level is Level.UNDETERMINED:
        known = f", at least {assessment.floor}" if RANK[assessment.floor] else ""
        return f"{assessment.factor_id} is undetermined{known}: {reason}."
    return f"{assessment.factor_id} is {assessment.level}: {reason}."


def _by_level(assessments: Iterable[FactorAssessment]) -> list[FactorAssessment]:
    return sorted(assessments, key=lambda a: -RANK[a.floor])  # stable: catalogue order


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
    deciding = len(dict.fromkeys(rationale))  # the same count once duplicates are dropped
    others = [
        _sentence(a)
        for a in _by_level(assessments)
        if a.factor_id not in shown and RANK[a.floor] >= RANK[Level.HIGH]
    ]
    if others and outcome is Outcome.NO_REVIEW_NEEDED:
        rationale.append("For information only, since no review is needed:")
    rationale += others
    rationale += [
        f"Reviewer override: {o.factor} set to {o.level} (was {o.replaced}) by {o.reviewer} on "
        f"{o.date}: {o.reason}" + (" (basis withheld)." if o.basis_withheld else ".")
        for o in overrides
    ]
    conditions = _conditions(policy, assessments, facts) if outcome in _CONDITIONAL else ()
    if outcome is Outcome.PASS_WITH_CONDITIONS and not conditions:
        signed = (
            "beyond the supplier commitments the vendors have signed, which the operator sees "
            "kept (Arts. 6, 19)"
            if policy.commitments
            else "remains"
        )
        rationale.append(
            f"No condition {signed}; what the review's data could not settle is listed among "
            "its limitations."
        )
    return Decision(
        outcome=outcome,
        rule="default" if rule is None else rule.id,
        rationale=tuple(dict.fromkeys(rationale)),
        deciding=deciding,
        conditions=conditions,
    )


def _conditions(
    policy: Policy, assessments: Sequence[FactorAssessment], facts: Facts
) -> tuple[Condition, ...]:
    """The conditions of a conditional outcome, each once (see the module doc)."""
    found: dict[str, tuple[ConditionKind, Mitigation, list[str]]] = {}

    def add(kind: ConditionKind, measure: Mitigation, factor: str | None) -> None:
        entry = found.setdefault(measure.text, (kind, measure, []))
        if factor is not None and factor not in entry[2]:
            entry[2].append(factor)

    requests: dict[Party, dict[str, list[str]]] = {}
    for assessment in _by_level(assessments):
        for gap in assessment.missing_evidence:
            factors = requests.setdefault(gap.party, {}).setdefault(gap.what, [])
            factors.append(assessment.factor_id)
    for commitment in policy.commitments:
        if commitment.kind is None or commitment.kind not in facts.signed:
            add(ConditionKind.COMMITMENT, commitment.mitigation, None)
            # a vendor's commitment neither signed nor refused is this condition, not evidence
            for items in requests.values():
                for what in [w for w in items if commitment_asked(w) == commitment.kind]:
                    for factor in items.pop(what):
                        add(ConditionKind.COMMITMENT, commitment.mitigation, factor)
    for assessment in _by_level(assessments):
        if RANK[assessment.floor] >= RANK[Level.MEDIUM]:
            for measure in assessment.mitigations:
                asked = requests.get(measure.party, {}).get(measure.met_by or "")
                if asked is not None:  # the evidence request already asks for it, earlier
                    if assessment.factor_id not in asked:
                        asked.append(assessment.factor_id)
                elif measure.condition:
                    add(ConditionKind.MITIGATION, measure, assessment.factor_id)
    for party, items in sorted(requests.items()):
        if not items:
            continue
        evidence = Mitigation(
            text="Supply the missing evidence (Art. 15): " + "; ".join(items),
            party=party,
            due=Due.DURING_REVIEW,
            verification=_EVIDENCE_CHECK,
        )
        for factor in dict.fromkeys(f for factors in items.values() for f in factors):
            add(ConditionKind.EVIDENCE, evidence, factor)
    return tuple(
        Condition(
            kind=kind,
            text=measure.text,
            factors=tuple(factors),
            party=measure.party,
            due=measure.due,
            days=measure.days,
            verification=measure.verification,
        )
        for kind, measure, factors in found.values()
    )


def limitations_of(assessments: Iterable[FactorAssessment]) -> tuple[ReviewLimitation, ...]:
    """The limitations of the review's own data, each once with the factors it leaves open."""
    found: dict[str, list[str]] = {}
    for assessment in assessments:
        for gap in assessment.limitations:
            factors = found.setdefault(gap.what, [])
            if assessment.factor_id not in factors:
                factors.append(assessment.factor_id)
    return tuple(
        ReviewLimitation(text=text, factors=tuple(factors)) for text, factors in found.items()
    )
