"""Openness and transparency (F12) and vulnerability-handling maturity (F03).

F12 measures what the SBOMs show: delivered or not, schema-valid or not, NTIA minimum-element
coverage (`evidence.summary.ntia_coverage`) and the components no advisory can be matched to for
want of a version or an identifier (GB/T 43698-2024 SBOM completeness). F03 reads the vendor's
declared vulnerability-handling channels, the questionnaire and the support period.
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import fields
from datetime import date, timedelta
from typing import Final

from chainreview.evidence.overrides import Level
from chainreview.evidence.product import Product
from chainreview.evidence.summary import Coverage, ntia_coverage
from chainreview.factors.interface import (
    Evaluator,
    EvidenceRef,
    FactorAssessment,
    Raise,
    ReviewContext,
    Rule,
    declared,
    missing,
)
from chainreview.factors.questions import answer_for, on_concern

__all__ = ["COMPLETE", "PARTIAL", "SUPPORT_MINIMUM", "TransparencyEvaluator"]

F12_NO_SBOM = Rule(id="F12.R1", text="no SBOM delivered (GB/T 43698-2024: the SBOM ships with it)")
F12_COVERAGE = Rule(id="F12.R2", text="NTIA minimum-element coverage of the SBOM")
F12_INVALID = Rule(id="F12.R3", text="SBOM not valid against its schema")
F12_ANSWER = Rule(id="F12.R4", text="questionnaire: SBOM per release and source access")

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
        answers = (
            on_concern(ctx, F12_ANSWER, "F12.Q1", Level.MEDIUM, "an SBOM with every release"),
            on_concern(ctx, F12_ANSWER, "F12.Q2", Level.LOW, "source review or escrow"),
        )
        raised += [r for r in answers if r is not None]
        yield self.conclude(ctx, "F12", raised)
        yield self.conclude(ctx, "F03", *_handling(ctx))


def _sbom(n: int, product: Product) -> list[Raise]:
    inventory = product.inventory
    if inventory is None:
        reason = f"{product.id}: no SBOM delivered; its components cannot be assessed"
        ref = declared(f"/products/{n}/sboms", "no SBOM")
        return [F12_NO_SBOM.fire(Level.HIGH, reason, [ref], "a machine-readable SBOM")]
    refs = [
        EvidenceRef(kind="sbom", ref=d.file, detail=f"{d.format} {d.spec_version}")
        for d in inventory.documents
    ]
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
    raised = [
        F12_COVERAGE.fire(level, reason, refs, "supplier, version and purl for every component")
    ]
    invalid = [d for d in inventory.documents if any(w.code == "schema" for w in d.warnings)]
    if invalid:
        names = ", ".join(d.file for d in invalid)
        raised.append(
            F12_INVALID.fire(
                Level.LOW, f"{product.id}: {names} not schema-valid", refs, "a schema-valid SBOM"
            )
        )
    return raised


def _handling(ctx: ReviewContext) -> tuple[list[Raise], list[str]]:
    raised: list[Raise] = []
    gaps: list[str] = []
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
            (handling.security_contact, "a security contact", Level.MEDIUM),
            (handling.cvd_policy_url, "a coordinated-disclosure policy", Level.MEDIUM),
            (handling.csaf_provider_metadata_url, "CSAF provider metadata", Level.LOW),
        )
        for value, what, level in channels:
            if value is None and what.startswith("CSAF") and machine_readable is not None:
                continue  # F03.Q2 answers for machine-readable advisories
            reason = f"{vendor.id}: " + (
                f"{what} declared ({value}; not checked online)" if value else f"no {what}"
            )
            raised.append(
                F03_CHANNEL.fire(Level.NONE if value else level, reason, [ref], f"publish {what}")
            )
    for n, product in enumerate(ctx.declaration.products):
        if product.support_end is None:
            gaps.append(missing(f"support end date of {product.id}"))
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
        raised.append(
            F03_SUPPORT.fire(level, reason, [ref], "at least five years of security support")
        )
    if answer_for(ctx.declaration, "F03.Q3") is None:
        gaps.append(missing("whether security updates are free for the support period (F03.Q3)"))
    answers = (
        on_concern(ctx, F03_ANSWER, "F03.Q1", Level.MEDIUM, "a published CVD policy and contact"),
        on_concern(ctx, F03_ANSWER, "F03.Q2", Level.LOW, "CSAF or VEX advisories"),
        on_concern(ctx, F03_ANSWER, "F03.Q3", Level.MEDIUM, "free security updates"),
    )
    raised += [r for r in answers if r is not None]
    return raised, gaps
