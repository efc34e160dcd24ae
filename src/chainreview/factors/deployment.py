"""Deployment criticality (F16), legal compliance (F15) and supplier commitments (F19).

F16 scales every other factor: how critical the CII systems a product serves are, and whether it
is exposed to the internet. F15 applies the regime profile's certification rule (REGIMES §7.3:
catalogue critical network equipment above the listed thresholds, and listed dedicated security
products, must be certified or tested by a listed institution) plus the questionnaire's
enforcement history. F19 reads the Art. 6 commitments of each vendor.
"""

from __future__ import annotations

from collections.abc import Iterator
from datetime import date
from typing import Final

from chainreview.evidence.declaration import Criticality
from chainreview.evidence.product import Product
from chainreview.evidence.vendor_profile import Art6Commitment, VendorProfile
from chainreview.factors import mitigations as m
from chainreview.factors.catalogue import CertificationRule, EquipmentScope
from chainreview.factors.interface import (
    RANK,
    Evaluator,
    EvidenceRef,
    FactorAssessment,
    Gap,
    Limitation,
    Party,
    Raise,
    ReviewContext,
    Rule,
    commitment_gap,
    declared,
    missing,
)
from chainreview.factors.questions import answer_for, on_concern
from chainreview.levels import Level

__all__ = ["CRITICALITY_LEVEL", "REQUIRED_COMMITMENTS", "DeploymentEvaluator", "in_scope"]

F16_SYSTEM = Rule(
    id="F16.R1", text="criticality of the CII systems served, raised if internet-facing"
)
F16_ANSWER = Rule(id="F16.R2", text="questionnaire: role and exposure")

F15_UNCERTIFIED = Rule(
    id="F15.R1", text="catalogue equipment or security product without a listed body's certificate"
)
F15_ANSWER = Rule(id="F15.R2", text="questionnaire: enforcement history")

F19_COMMITMENT = Rule(id="F19.R1", text="Art. 6 commitment signed or not")
F19_ANSWER = Rule(id="F19.R2", text="questionnaire: commitments broken")

CRITICALITY_LEVEL: Final = {
    Criticality.LOW: Level.LOW,
    Criticality.MEDIUM: Level.MEDIUM,
    Criticality.HIGH: Level.HIGH,
    Criticality.CRITICAL: Level.CRITICAL,
}
_BY_RANK: Final = {rank: level for level, rank in RANK.items()}

REQUIRED_COMMITMENTS: Final = {
    Art6Commitment.NO_ILLEGAL_DATA_ACQUISITION: Level.HIGH,
    Art6Commitment.NO_ILLEGAL_DEVICE_CONTROL: Level.HIGH,
    Art6Commitment.NO_UNJUSTIFIED_SUPPLY_INTERRUPTION: Level.MEDIUM,
    Art6Commitment.NO_UNJUSTIFIED_SUPPORT_INTERRUPTION: Level.MEDIUM,
}
"""The Art. 6 commitments and the level raised when one is not signed."""


def in_scope(rule: CertificationRule, product: Product) -> tuple[bool | None, str]:
    """Whether the certification rule covers `product`, and why; None when figures are missing.

    Device thresholds combine as the profile says (`all`, `any`); where the profile could not
    verify how they combine (`unverified`), any threshold met brings the device in scope: the
    reading that never lets an in-scope device through.
    """
    security = product.security_product
    if security is not None and security.category in rule.security_products:
        return True, f"listed security product ({security.category})"
    equipment = product.critical_equipment
    scope = next((s for s in rule.equipment if equipment and s.kind is equipment.kind), None)
    if equipment is None or scope is None:
        return False, "not catalogue equipment or a listed security product"
    met = [_meets(scope, n, getattr(equipment, t.field)) for n, t in enumerate(scope.thresholds)]
    needs_all = rule.thresholds_cumulative == "all"
    if (needs_all and all(met)) or (not needs_all and any(met)):
        return True, f"{scope.name} at or above the catalogue thresholds"
    if None in met:
        return None, f"{scope.name}: figures missing for the catalogue thresholds"
    return False, f"{scope.name} below the catalogue thresholds"


def _meets(scope: EquipmentScope, index: int, value: float | None) -> bool | None:
    threshold = scope.thresholds[index]
    if value is None:
        return None
    if threshold.at_least is not None and value < threshold.at_least:
        return False
    return threshold.at_most is None or value <= threshold.at_most


class DeploymentEvaluator(Evaluator):
    """F16 criticality, F15 legal compliance, F19 supplier commitments."""

    name = "deployment"
    version = "1.0"
    factor_ids = ("F16", "F15", "F19")

    def assess(self, ctx: ReviewContext) -> Iterator[FactorAssessment]:
        """F16, F15, F19."""
        yield self.conclude(ctx, "F16", _criticality(ctx))
        yield self.conclude(ctx, "F15", *_compliance(ctx))
        raised: list[Raise] = []
        gaps: list[Gap | Limitation] = []
        for vendor in ctx.declaration.vendors:
            raised += _commitments(vendor, gaps)
        broken = on_concern(ctx, F19_ANSWER, "F19.Q4", Level.CRITICAL, m.NEW_SUPPLIER)
        raised += [broken] if broken is not None else []
        yield self.conclude(ctx, "F19", raised, gaps)


def _criticality(ctx: ReviewContext) -> list[Raise]:
    systems = {s.id: (i, s) for i, s in enumerate(ctx.declaration.cii_systems)}
    raised = []
    for n, product in enumerate(ctx.declaration.products):
        for d, deployment in enumerate(product.deployments):
            i, system = systems[deployment.system]
            rank = RANK[CRITICALITY_LEVEL[system.criticality]] + int(system.internet_facing)
            level = _BY_RANK[min(rank, RANK[Level.CRITICAL])]
            exposure = ", internet-facing" if system.internet_facing else ""
            reason = (
                f"{product.id} (x{product.quantity}, {product.category.words}) serves "
                f"{system.name} ({system.criticality}{exposure}) as {deployment.function}"
            )
            refs = [
                declared(f"/products/{n}/deployments/{d}", deployment.function),
                declared(f"/cii_systems/{i}", f"{system.criticality}{exposure}"),
            ]
            raised.append(F16_SYSTEM.fire(level, reason, refs, m.SEGMENT))
    answers = (
        on_concern(ctx, F16_ANSWER, "F16.Q1", Level.HIGH, m.SEGMENT),
        on_concern(ctx, F16_ANSWER, "F16.Q2", Level.HIGH, m.NO_INTERNET_EXPOSURE),
    )
    return raised + [r for r in answers if r is not None]


def _compliance(ctx: ReviewContext) -> tuple[list[Raise], list[Gap | Limitation]]:
    raised: list[Raise] = []
    gaps: list[Gap | Limitation] = []
    rule = ctx.profile.certification
    if rule is not None:
        for n, product in enumerate(ctx.declaration.products):
            raised += _certified(ctx, rule, n, product, gaps)
    if answer_for(ctx.declaration, "F15.Q1") is None:
        gaps.append(missing("the provider's enforcement history (F15.Q1)", Party.OPERATOR))
    enforcement = on_concern(ctx, F15_ANSWER, "F15.Q1", Level.HIGH, m.REMEDY_BREACH)
    raised += [enforcement] if enforcement is not None else []
    return raised, gaps


def _certified(
    ctx: ReviewContext,
    rule: CertificationRule,
    n: int,
    product: Product,
    gaps: list[Gap | Limitation],
) -> list[Raise]:
    covered, why = in_scope(rule, product)
    ref = declared(f"/products/{n}", f"{product.id}: {why}")
    if covered is None:
        gaps.append(missing(f"{product.id}'s catalogue figures ({why})"))
        return []
    if not covered:
        return [F15_UNCERTIFIED.fire(Level.NONE, f"{product.id}: {why}", [ref])]
    vendor = next(v for v in ctx.declaration.vendors if v.id == product.vendor)
    held = [(c, i) for i, c in enumerate(vendor.certifications) if product.id in c.covers]
    valid = [
        (c, i)
        for c, i in held
        if c.valid_until is None or date.fromisoformat(c.valid_until) >= ctx.as_of
    ]
    refs = [ref] + [
        EvidenceRef(
            kind="vendor-profile",
            ref=f"{vendor.file}#/certifications/{i}",
            detail=f"{c.body} {c.certificate_id or ''}".strip(),
        )
        for c, i in held
    ]
    if any(c.body_listed for c, _ in valid):
        reason = f"{product.id}: {why}; certified by a listed institution"
        return [F15_UNCERTIFIED.fire(Level.NONE, reason, refs)]
    if any(c.body_listed is None for c, _ in valid):
        gaps.append(missing(f"whether the body certifying {product.id} is a listed institution"))
        return []
    state = "only expired or unlisted certificates" if held else "no certificate or test report"
    basis = rule.legal_basis.split(";")[0]
    reason = f"{product.id}: {why}, {state}: may not be sold or provided ({basis})"
    return [F15_UNCERTIFIED.fire(Level.HIGH, reason, refs, m.LISTED_CERTIFICATION)]


def _commitments(vendor: VendorProfile, gaps: list[Gap | Limitation]) -> list[Raise]:
    raised = []
    for kind, level in REQUIRED_COMMITMENTS.items():
        found = next(
            ((n, c) for n, c in enumerate(vendor.commitments) if c.commitment is kind), None
        )
        if found is None:
            gaps.append(commitment_gap(vendor.id, kind))
            continue
        n, commitment = found
        ref = EvidenceRef(
            kind="vendor-profile",
            ref=f"{vendor.file}#/commitments/{n}",
            detail=f"signed {commitment.date}" if commitment.signed else "not signed",
        )
        signed = "signed" if commitment.signed else "not signed"
        reason = f"{vendor.id}: commitment “{kind.phrase}” {signed}"
        raised.append(
            F19_COMMITMENT.fire(
                Level.NONE if commitment.signed else level, reason, [ref], m.commitment(kind)
            )
        )
    return raised
