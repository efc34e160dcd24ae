"""Openness and transparency (F12) and vulnerability-handling maturity (F03).

F12 measures what the SBOMs show: delivered or not (an SBOM listing nothing but the product itself
is no SBOM), schema-valid or not, NTIA minimum-element coverage (`evidence.summary.ntia_coverage`),
the components that lack a version or an identifier (GB/T 43698-2024 SBOM completeness), and the
vendor's own components no advisory can be looked up for: a transparency gap the vendor closes by
naming them or attesting their status (`factors.unchecked`), not an unknown vulnerability status;
the same holds for the vendor's own components that carry an identifier the intel snapshot does
not cover (an ecosystem it holds no advisories for, NVD as a partial selection): the vendor
attests their status, and the snapshot's gap is a limitation of the review, listed here rather
than under F02, so that naming a component never leaves the review less settled than before.
F03 reads the vendor's declared vulnerability-handling channels, the questionnaire and the support
period.
"""

from __future__ import annotations

from collections.abc import Iterator, Sequence
from dataclasses import fields
from datetime import date, timedelta
from typing import Final

from chainreview.components.model import Component
from chainreview.evidence.product import Product
from chainreview.evidence.summary import Coverage, ntia_coverage
from chainreview.factors import mitigations as m
from chainreview.factors.interface import (
    Evaluator,
    EvidenceRef,
    FactorAssessment,
    Gap,
    Limitation,
    Raise,
    ReviewContext,
    Rule,
    declared,
    limitation,
    missing,
)
from chainreview.factors.questions import answer_for, on_concern, unanswered
from chainreview.factors.unchecked import listed_components, no_sbom, only_the_product, unchecked
from chainreview.findings.coverage import CoverageState
from chainreview.levels import Level

__all__ = ["COMPLETE", "PARTIAL", "SUPPORT_MINIMUM", "TransparencyEvaluator"]

F12_NO_SBOM = Rule(id="F12.R1", text="no SBOM delivered (GB/T 43698-2024: the SBOM ships with it)")
F12_COVERAGE = Rule(id="F12.R2", text="NTIA minimum-element coverage of the SBOM")
F12_INVALID = Rule(id="F12.R3", text="SBOM not valid against its schema")
F12_ANSWER = Rule(id="F12.R4", text="questionnaire: SBOM per release and source access")
F12_FIRST_PARTY = Rule(
    id="F12.R5",
    text="the vendor's own components cannot be checked against advisories (no purl or CPE, or "
    "none the intel snapshot covers): their vulnerability status rests on the vendor",
)

F03_CHANNEL = Rule(id="F03.R1", text="declared vulnerability-handling channels")
F03_SUPPORT = Rule(id="F03.R2", text="security support period")
F03_ANSWER = Rule(id="F03.R3", text="questionnaire: CVD policy, machine-readable advisories")

COMPLETE: Final = 0.9
"""NTIA coverage at or above which an element counts as complete."""
PARTIAL: Final = 0.5
"""NTIA coverage below which an element counts as mostly absent."""
SUPPORT_MINIMUM: Final = timedelta(days=1825)
"""Support shorter than five years from the review date is short (cf. CRA Art. 13(8))."""


class TransparencyEvaluator(Evaluator):
    """F12 openness and transparency, F03 vulnerability-handling maturity."""

    name = "transparency"
    version = "1.0"
    factor_ids = ("F12", "F03")

    def assess(self, ctx: ReviewContext) -> Iterator[FactorAssessment]:
        """F12, then F03."""
        raised: list[Raise] = []
        limits: list[Gap | Limitation] = []
        for n, product in enumerate(ctx.declaration.products):
            raised += _sbom(n, product)
            own, own_limits = _first_party(ctx, product)
            raised += own
            limits += own_limits
        answers = (
            on_concern(ctx, F12_ANSWER, "F12.Q1", Level.MEDIUM, m.SBOM_EACH_RELEASE),
            on_concern(ctx, F12_ANSWER, "F12.Q2", Level.LOW, m.SOURCE_REVIEW),
        )
        raised += [r for r in answers if r is not None]
        yield self.conclude(ctx, "F12", raised, limits)
        yield self.conclude(ctx, "F03", *_handling(ctx))


def _sbom(n: int, product: Product) -> list[Raise]:
    inventory = product.inventory
    if inventory is None:
        reason = f"{product.id}: no SBOM delivered; its components cannot be assessed"
        ref = declared(f"/products/{n}/sboms", "no SBOM")
        mitigation = m.sbom_of(product.id, no_sbom(product))
        return [F12_NO_SBOM.fire(Level.HIGH, reason, [ref], mitigation)]
    refs = [
        EvidenceRef(kind="sbom", ref=d.file, detail=f"{d.format} {d.spec_version}")
        for d in inventory.documents
    ]
    if not listed_components(product):
        reason = (
            f"{product.id}: its SBOMs list no component besides the product itself: no SBOM "
            "evidence; its components cannot be assessed"
        )
        mitigation = m.sbom_of(product.id, only_the_product(product))
        return [F12_NO_SBOM.fire(Level.HIGH, reason, refs, mitigation)]
    coverage = ntia_coverage(inventory)
    elements: dict[str, Coverage] = {f.name: getattr(coverage, f.name) for f in fields(coverage)}
    weak = {name: c for name, c in elements.items() if c.ratio < COMPLETE}
    worst_ratio = min((c.ratio for c in weak.values()), default=1.0)
    level = Level.NONE if not weak else Level.LOW if worst_ratio >= PARTIAL else Level.MEDIUM
    gaps = ", ".join(f"{name} {c.covered}/{c.total}" for name, c in weak.items())
    indeterminate = sum(1 for c in inventory.components if not c.version or not (c.purl or c.cpe))
    reason = (
        f"{product.id}: NTIA elements "
        + (f"incomplete ({gaps})" if weak else "complete")
        + (
            f"; {indeterminate} of {len(inventory.components)} components "
            "lack a version or identifier"
        )
    )
    raised = [F12_COVERAGE.fire(level, reason, refs, m.SBOM_FIELDS)]
    invalid = [d for d in inventory.documents if any(w.code == "schema" for w in d.warnings)]
    if invalid:
        names = ", ".join(d.file for d in invalid)
        raised.append(
            F12_INVALID.fire(
                Level.LOW, f"{product.id}: {names} not schema-valid", refs, m.SBOM_VALID
            )
        )
    return raised


def _first_party(
    ctx: ReviewContext, product: Product
) -> tuple[list[Raise], list[Gap | Limitation]]:
    coverage = None if ctx.coverage is None else ctx.coverage.get(product.id)
    if coverage is None:
        return [], []
    vendor = next(v for v in ctx.declaration.vendors if v.id == product.vendor)
    found = unchecked(product, vendor, coverage)
    raised: list[Raise] = []
    limits: list[Gap | Limitation] = []
    if found.first_party:
        own = found.first_party
        reason = (
            f"{product.id}: {len(own)} of the vendor's own components carry no purl or CPE "
            f"({_named(own)}): their vulnerability status cannot be checked"
        )
        raised.append(
            F12_FIRST_PARTY.fire(Level.MEDIUM, reason, _refs(own), m.FIRST_PARTY_IDENTIFIERS)
        )
    for group, own in found.first_party_uncovered:
        state = "not checked" if group.state is CoverageState.NOT_CHECKED else "not fully checked"
        reason = (
            f"{product.id}: {len(own)} of the vendor's own components {state} against "
            f"advisories ({_named(own)}): their vulnerability status rests on the vendor"
        )
        raised.append(
            F12_FIRST_PARTY.fire(Level.MEDIUM, reason, _refs(own), m.FIRST_PARTY_ATTESTATION)
        )
        what = (
            f"{len(own)} of the vendor's own component(s) of {product.id} {state}: "
            f"{group.reason} ({_named(own)})"
        )
        limits.append(limitation(what))
    return raised, limits


def _named(components: Sequence[Component]) -> str:
    names = sorted(c.name for c in components)
    return ", ".join(names[:3]) + (" and more" if len(names) > 3 else "")


def _refs(components: Sequence[Component]) -> list[EvidenceRef]:
    return [
        EvidenceRef(kind="sbom", ref=str(c.sources[0]) if c.sources else c.ref, detail=c.name)
        for c in components
    ]


def _handling(ctx: ReviewContext) -> tuple[list[Raise], list[Gap | Limitation]]:
    raised: list[Raise] = []
    gaps: list[Gap | Limitation] = []
    machine_readable = answer_for(ctx.declaration, "F03.Q2")
    for vendor in ctx.declaration.vendors:
        handling = vendor.vulnerability_handling
        ref = EvidenceRef(
            kind="vendor-profile", ref=f"{vendor.file}#/vulnerability_handling", detail="channels"
        )
        if handling is None:
            gaps.append(missing(f"{vendor.id}'s vulnerability-handling channels"))
            continue
        channels = (
            (handling.security_contact, "security contact", Level.MEDIUM, m.SECURITY_CONTACT),
            (
                handling.cvd_policy_url,
                "coordinated-disclosure policy",
                Level.MEDIUM,
                m.CVD_POLICY,
            ),
            (
                handling.csaf_provider_metadata_url,
                "CSAF provider metadata",
                Level.LOW,
                m.MACHINE_READABLE_ADVISORIES,
            ),
        )
        for value, what, level, measure in channels:
            if value is None and what.startswith("CSAF") and machine_readable is not None:
                continue  # F03.Q2 answers for machine-readable advisories
            reason = f"{vendor.id}: " + (
                f"{what} declared ({value}; not checked online)" if value else f"no {what}"
            )
            raised.append(F03_CHANNEL.fire(Level.NONE if value else level, reason, [ref], measure))
    for n, product in enumerate(ctx.declaration.products):
        if product.support_end is None:
            gaps.append(missing(f"the support end date of {product.id}"))
            continue
        end = date.fromisoformat(product.support_end)
        level = (
            Level.HIGH
            if end < ctx.as_of
            else Level.LOW
            if end < ctx.as_of + SUPPORT_MINIMUM
            else Level.NONE
        )
        reason = f"{product.id}: security support until {product.support_end}"
        ref = declared(f"/products/{n}/support_end", product.support_end)
        raised.append(F03_SUPPORT.fire(level, reason, [ref], m.SUPPORT_PERIOD))
    if answer_for(ctx.declaration, "F03.Q3") is None:
        gaps.append(
            unanswered("F03.Q3", "whether security updates are free for the support period")
        )
    answers = (
        on_concern(ctx, F03_ANSWER, "F03.Q1", Level.MEDIUM, (m.CVD_POLICY, m.SECURITY_CONTACT)),
        on_concern(ctx, F03_ANSWER, "F03.Q2", Level.LOW, m.MACHINE_READABLE_ADVISORIES),
        on_concern(ctx, F03_ANSWER, "F03.Q3", Level.MEDIUM, m.FREE_UPDATES),
    )
    raised += [r for r in answers if r is not None]
    return raised, gaps
