"""Openness and transparency (F12) and vulnerability-handling maturity (F03).

F12 measures what the SBOMs show: delivered or not (an SBOM listing nothing but the product itself
is no SBOM), schema-valid or not, NTIA minimum-element coverage (`evidence.summary.ntia_coverage`),
the components that lack a version or an identifier (GB/T 43698-2024 SBOM completeness), and the
vendor's own components no advisory can be looked up for: a transparency gap the vendor closes by
naming them or attesting their status (`factors.unchecked`), not an unknown vulnerability status.
F03 reads the vendor's declared vulnerability-handling channels, the questionnaire and the support
period.
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import fields
from datetime import date, timedelta
from typing import Final

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
    missing,
)
from chainreview.factors.questions import answer_for, on_concern, unanswered
from chainreview.factors.unchecked import unchecked
from chainreview.levels import Level

__all__ = ["COMPLETE", "PARTIAL", "SUPPORT_MINIMUM", "TransparencyEvaluator"]

F12_NO_SBOM = Rule(id="F12.R1", text="no SBOM delivered (GB/T 43698-2024: the SBOM ships with it)")
F12_COVERAGE = Rule(id="F12.R2", text="NTIA minimum-element coverage of the SBOM")
F12_INVALID = Rule(id="F12.R3", text="SBOM not valid against its schema")
F12_ANSWER = Rule(id="F12.R4", text="questionnaire: SBOM per release and source access")
F12_FIRST_PARTY = Rule(
    id="F12.R5",
    text="the vendor's own components carry no purl or CPE: their vulnerability status cannot "
    "be checked",
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
        for n, product in enumerate(ctx.declaration.products):
            raised += _sbom(n, product)
            raised += _first_party(ctx, product)
        answers = (
            on_concern(ctx, F12_ANSWER, "F12.Q1", Level.MEDIUM, m.SBOM_EACH_RELEASE),
            on_concern(ctx, F12_ANSWER, "F12.Q2", Level.LOW, m.SOURCE_REVIEW),
        )
        raised += [r for r in answers if r is not None]
        yield self.conclude(ctx, "F12", raised)
        yield self.conclude(ctx, "F03", *_handling(ctx))


def _sbom(n: int, product: Product) -> list[Raise]:
    inventory = product.inventory
    if inventory is None:
        reason = f"{product.id}: no SBOM delivered; its components cannot be assessed"
        ref = declared(f"/products/{n}/sboms", "no SBOM")
        return [F12_NO_SBOM.fire(Level.HIGH, reason, [ref], m.SBOM)]
    refs = [
        EvidenceRef(kind="sbom", ref=d.file, detail=f"{d.format} {d.spec_version}")
        for d in inventory.documents
    ]
    roots = {d.metadata.primary for d in inventory.documents if d.metadata.primary}
    if not [c for c in inventory.components if c.ref not in roots]:
        reason = (
            f"{product.id}: its SBOMs list no component besides the product itself: no SBOM "
            "evidence; its components cannot be assessed"
        )
        return [F12_NO_SBOM.fire(Level.HIGH, reason, refs, m.SBOM)]
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


def _first_party(ctx: ReviewContext, product: Product) -> list[Raise]:
    coverage = None if ctx.coverage is None else ctx.coverage.get(product.id)
    if coverage is None:
        return []
    vendor = next(v for v in ctx.declaration.vendors if v.id == product.vendor)
    own = unchecked(product, vendor, coverage).first_party
    if not own:
        return []
    names = sorted(c.name for c in own)
    reason = (
        f"{product.id}: {len(own)} of the vendor's own components carry no purl or CPE "
        f"({', '.join(names[:3])}{' and more' if len(names) > 3 else ''}): their vulnerability "
        "status cannot be checked"
    )
    refs = [
        EvidenceRef(kind="sbom", ref=str(c.sources[0]) if c.sources else c.ref, detail=c.name)
        for c in own
    ]
    return [F12_FIRST_PARTY.fire(Level.MEDIUM, reason, refs, m.FIRST_PARTY_IDENTIFIERS)]


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
