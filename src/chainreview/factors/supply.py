"""Supply interruption (F05), source diversity and concentration (F06), sites and provenance (F09).

F05 raises on its own evidence, whatever the sanctions lists the snapshot lacks (those are
limitations of the review): a vendor that is the only qualified supplier of a large share of a
function of a high- or critical-criticality CII system, and a vendor a foreign government's export
controls could stop (F07.Q2), are each `high`, with the measures that keep the function running
(spares and stock, a second qualified source, a tested exit plan) as what would lower it.

The concentration measures (`herfindahl`, `concentration`, `single_source`) are the pure
functions of `chainreview.concentration`, which the portfolio reuses over a whole operator's
installed base (DESIGN §6).
"""

from __future__ import annotations

from collections.abc import Collection, Iterator
from datetime import date, timedelta
from typing import Final

from chainreview.concentration import HIGHLY_CONCENTRATED, concentration, single_source
from chainreview.evidence.declaration import Criticality
from chainreview.evidence.summary import ntia_coverage
from chainreview.evidence.vendor_profile import Art6Commitment, Site, SiteKind, VendorProfile
from chainreview.factors import mitigations as m
from chainreview.factors.interface import (
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
from chainreview.factors.parties import Role, hit_ref, unscreened
from chainreview.factors.questions import answer_for, answer_ref, concern, on_concern
from chainreview.factors.unchecked import listed_components, no_sbom, only_the_product
from chainreview.levels import Level

__all__ = ["SupplyEvaluator"]

# --- rules --------------------------------------------------------------------------------------

F05_LISTED = Rule(id="F05.R1", text="supplier on a sanctions or export-control list")
F05_INPUTS = Rule(id="F05.R2", text="owner or site entity on a sanctions or export-control list")
F05_SUPPORT = Rule(id="F05.R3", text="support end date against the review date")
F05_COMMITMENT = Rule(id="F05.R4", text="Art. 6 commitment not to interrupt supply or support")
F05_ANSWER = Rule(id="F05.R5", text="questionnaire: spares, stock and exit plan")
F05_SOLE_SOURCE = Rule(
    id="F05.R6",
    text="sole qualified supplier of a large share of a function of a high- or "
    "critical-criticality CII system",
)
F05_EXPORT_CONTROLS = Rule(
    id="F05.R7", text="foreign export controls could stop supply or support (F07.Q2)"
)

F06_SINGLE = Rule(id="F06.R1", text="fewer than two qualified suppliers for a function")
F06_CONCENTRATED = Rule(id="F06.R2", text="function highly concentrated (Herfindahl > 0.18)")
F06_ANSWER = Rule(id="F06.R3", text="questionnaire: qualified vendors and proprietary lock-in")

F09_MADE = Rule(id="F09.R1", text="manufacture and packaging-test abroad")
F09_SERVICE = Rule(id="F09.R2", text="no in-country service site")
F09_SUPPLIER = Rule(id="F09.R3", text="SBOM supplier fields (component provenance)")
F09_ANSWER = Rule(id="F09.R4", text="questionnaire: final assembly and chain of custody")

SUPPORT_WARNING: Final = timedelta(days=730)
"""Support ending within this period of the review date raises F05 to medium."""
SOLE_SOURCE_SHARE: Final = 50.0
"""Share of a function (percent) from which a sole qualified supplier's interruption would stop
most of it (GB/T 36637-2018 供应中断; GB/T 39204-2022 diverse, stable sources)."""
_CRITICAL_SYSTEMS: Final = frozenset({Criticality.HIGH, Criticality.CRITICAL})
_CONTINUITY_MEASURES: Final = (m.SPARES_AND_STOCK, m.QUALIFY_SECOND_SOURCE, m.EXIT_PLAN)
SUPPLIER_COVERAGE_LOW: Final = 0.5
"""Below this share of components naming a supplier, component provenance is mostly unknown."""

_PRODUCTION: Final = (SiteKind.MANUFACTURING, SiteKind.PACKAGING_TEST, SiteKind.R_AND_D)

_CONTINUITY = (
    Art6Commitment.NO_UNJUSTIFIED_SUPPLY_INTERRUPTION,
    Art6Commitment.NO_UNJUSTIFIED_SUPPORT_INTERRUPTION,
)


class SupplyEvaluator(Evaluator):
    """F05 supply interruption, F06 concentration, F09 sites and provenance."""

    name = "supply"
    version = "1.0"
    factor_ids = ("F05", "F06", "F09")

    def assess(self, ctx: ReviewContext) -> Iterator[FactorAssessment]:
        """F05, F06, F09."""
        yield self.conclude(ctx, "F05", *_interruption(ctx))
        yield self.conclude(ctx, "F06", *_diversity(ctx))
        yield self.conclude(ctx, "F09", *_sites(ctx))


def _interruption(ctx: ReviewContext) -> tuple[list[Raise], list[Gap | Limitation]]:
    raised: list[Raise] = []
    gaps: list[Gap | Limitation] = list(unscreened(ctx.screening.lists))
    vendors = ctx.declaration.vendors
    for found in ctx.screening.hits:
        if found.party.role is Role.VENDOR:
            rule, level = F05_LISTED, Level.HIGH
        else:
            rule, level = F05_INPUTS, Level.MEDIUM
        reason = (
            f"{found.party.role} {found.party.name!r} matches {found.hit.entry_name!r} "
            f"on {found.hit.list}: supply may stop"
        )
        evidence = [found.party.ref, hit_ref(found)]
        raised.append(rule.fire(level, reason, evidence, m.QUALIFY_SECOND_SOURCE))
    raised += _sole_source(ctx)
    raised += _export_controls(ctx)
    for n, product in enumerate(ctx.declaration.products):
        ref = declared(f"/products/{n}/support_end", f"{product.id} support end")
        if product.support_end is None:
            gaps.append(missing(f"the support end date of {product.id}"))
            continue
        end = date.fromisoformat(product.support_end)
        if end < ctx.as_of:
            level, text = Level.HIGH, "ended"
        elif end < ctx.as_of + SUPPORT_WARNING:
            level, text = Level.MEDIUM, "ends within two years"
        else:
            level, text = Level.NONE, "runs beyond two years"
        reason = f"{product.id}: support {text} ({product.support_end})"
        raised.append(F05_SUPPORT.fire(level, reason, [ref], m.SUPPORT_EXTENSION))
    for vendor in vendors:
        raised += _continuity_commitments(vendor, gaps)
    answers = (
        on_concern(ctx, F05_ANSWER, "F05.Q1", Level.MEDIUM, m.SPARES_AND_STOCK),
        on_concern(ctx, F05_ANSWER, "F05.Q2", Level.MEDIUM, m.SPARES_AND_STOCK),
        on_concern(ctx, F05_ANSWER, "F05.Q3", Level.LOW, m.EXIT_PLAN),
    )
    raised += [r for r in answers if r is not None]
    return raised, gaps


def _sole_source(ctx: ReviewContext) -> list[Raise]:
    """The vendor is the only qualified supplier of a large share of a critical function."""
    declaration = ctx.declaration
    systems = {s.id: (i, s) for i, s in enumerate(declaration.cii_systems)}
    raised = []
    for n, product in enumerate(declaration.products):
        if any(
            a.qualified and a.replaces in (None, product.id)
            for a in declaration.purchase.alternatives
        ):
            continue
        for d, deployment in enumerate(product.deployments):
            i, system = systems[deployment.system]
            share = deployment.share_percent
            if (
                not system.cii
                or system.criticality not in _CRITICAL_SYSTEMS
                or share is None
                or share < SOLE_SOURCE_SHARE
            ):
                continue
            reason = (
                f"{product.id}: {product.vendor} is the only qualified supplier of {share:g}% of "
                f"{deployment.function} of {system.name} ({system.criticality}): an interruption "
                "stops most of the function"
            )
            refs = [
                declared(f"/products/{n}/deployments/{d}", f"{share:g}% of {deployment.function}"),
                declared(f"/cii_systems/{i}", str(system.criticality)),
                declared("/purchase/alternatives", "no qualified alternative"),
            ]
            raised.append(F05_SOLE_SOURCE.fire(Level.HIGH, reason, refs, _CONTINUITY_MEASURES))
    return raised


def _export_controls(ctx: ReviewContext) -> list[Raise]:
    """A foreign government's export controls could stop supply or support (F07.Q2)."""
    answer = answer_for(ctx.declaration, "F07.Q2")
    question = next(q for q in ctx.catalogue.factor("F07").questions if q.id == "F07.Q2")
    if answer is None or not concern(question, answer, ctx.as_of):
        return []
    reason = (
        "foreign export controls could lawfully stop the vendor delivering updates, spares or "
        "support (F07.Q2)"
    )
    alternatives = ctx.declaration.purchase.alternatives
    sole = any(
        not any(a.qualified and a.replaces in (None, p.id) for a in alternatives)
        for p in ctx.declaration.products
    )
    # a second source to qualify only where none is; the exit plan moves the function to it
    measures = (m.SPARES_AND_STOCK, *((m.QUALIFY_SECOND_SOURCE,) if sole else ()), m.EXIT_PLAN)
    return [F05_EXPORT_CONTROLS.fire(Level.HIGH, reason, [answer_ref(answer)], measures)]


def _continuity_commitments(vendor: VendorProfile, gaps: list[Gap | Limitation]) -> list[Raise]:
    raised = []
    for kind in _CONTINUITY:
        found = [(n, c) for n, c in enumerate(vendor.commitments) if c.commitment is kind]
        if not found:
            gaps.append(commitment_gap(vendor.id, kind))
            continue
        n, commitment = found[0]
        ref = EvidenceRef(
            kind="vendor-profile",
            ref=f"{vendor.file}#/commitments/{n}",
            detail=f"signed {commitment.date}" if commitment.signed else "not signed",
        )
        signed = "signed" if commitment.signed else "not signed"
        reason = f"{vendor.id}: commitment “{kind.phrase}” {signed}"
        level = Level.NONE if commitment.signed else Level.MEDIUM
        raised.append(F05_COMMITMENT.fire(level, reason, [ref], m.commitment(kind)))
    return raised


def _diversity(ctx: ReviewContext) -> tuple[list[Raise], list[Gap | Limitation]]:
    declaration = ctx.declaration
    raised: list[Raise] = []
    gaps: list[Gap | Limitation] = []
    vendor_names = {v.id: v.legal_name for v in declaration.vendors}
    for n, product in enumerate(declaration.products):
        alternatives = [
            (a, m)
            for m, a in enumerate(declaration.purchase.alternatives)
            if a.qualified and a.replaces in (None, product.id)
        ]
        qualified = {vendor_names[product.vendor], *(a.vendor for a, _ in alternatives)}
        refs = [declared(f"/purchase/alternatives/{m}", a.vendor) for a, m in alternatives]
        for d, deployment in enumerate(product.deployments):
            function = f"{deployment.function} of {deployment.system}"
            ref = declared(f"/products/{n}/deployments/{d}", f"{product.id}: {function}")
            if single_source({function: qualified}):
                reason = f"{product.id}: no qualified alternative supplier for {function}"
                raised.append(F06_SINGLE.fire(Level.HIGH, reason, [ref], m.QUALIFY_SECOND_SOURCE))
            if deployment.share_percent is None:
                gaps.append(missing(f"{product.vendor}'s share of {function}", Party.OPERATOR))
                continue
            # what the declared share establishes: the index is at least its square (the rest
            # spread thin) and at most `concentration` (the rest held by one supplier); only the
            # least is evidence, so a minority share does not make the function concentrated
            least = (deployment.share_percent / 100) ** 2
            most = concentration({product.vendor: deployment.share_percent})
            level = Level.MEDIUM if least > HIGHLY_CONCENTRATED else Level.LOW
            reason = (
                f"{product.id}: {product.vendor} holds {deployment.share_percent:g}% of {function} "
                f"(Herfindahl {least:.2f} to {most:.2f}); qualified suppliers: "
                f"{', '.join(sorted(qualified))}"
            )
            raised.append(F06_CONCENTRATED.fire(level, reason, [ref, *refs], m.SPREAD_FUNCTION))
    answers = (
        on_concern(ctx, F06_ANSWER, "F06.Q1", Level.MEDIUM, m.OPEN_INTERFACES),
        on_concern(ctx, F06_ANSWER, "F06.Q2", Level.HIGH, m.QUALIFY_SECOND_SOURCE),
    )
    raised += [r for r in answers if r is not None]
    return raised, gaps


def _sites(ctx: ReviewContext) -> tuple[list[Raise], list[Gap | Limitation]]:
    raised: list[Raise] = []
    gaps: list[Gap | Limitation] = []
    vendors = {v.id: v for v in ctx.declaration.vendors}
    for product in ctx.declaration.products:
        vendor = vendors[product.vendor]
        sites = [
            (n, s) for n, s in enumerate(vendor.sites) if not s.products or product.id in s.products
        ]

        made = [s for _, s in sites if s.kind in _PRODUCTION[:2]]
        made_or_designed = made or [s for _, s in sites if s.kind is SiteKind.R_AND_D]
        if not made_or_designed:
            gaps.append(missing(f"where {product.id} is made or developed (vendor sites)"))
        elif not any(s.in_country for s in made_or_designed):
            reason = f"{product.id}: made, tested and developed only abroad"
            raised.append(
                F09_MADE.fire(
                    Level.MEDIUM,
                    reason,
                    _site_refs(vendor, sites, _PRODUCTION),
                    m.IN_COUNTRY_PRODUCTION,
                )
            )
        else:
            abroad = sorted({s.country for s in made_or_designed if not s.in_country})
            level = Level.LOW if abroad else Level.NONE
            reason = f"{product.id}: in-country production steps" + (
                f"; also abroad in {', '.join(abroad)}" if abroad else ""
            )
            raised.append(
                F09_MADE.fire(
                    level, reason, _site_refs(vendor, sites, _PRODUCTION), m.IN_COUNTRY_PRODUCTION
                )
            )
        service = [s for _, s in sites if s.kind is SiteKind.SERVICE]
        if not service:
            gaps.append(missing(f"the service sites of {product.id}"))
        else:
            inside = any(s.in_country for s in service)
            reason = f"{product.id}: " + (
                "in-country service" if inside else "serviced from abroad only"
            )
            level = Level.NONE if inside else Level.MEDIUM
            raised.append(
                F09_SERVICE.fire(
                    level,
                    reason,
                    _site_refs(vendor, sites, (SiteKind.SERVICE,)),
                    m.IN_COUNTRY_SERVICE,
                )
            )
        if product.inventory is None:
            gaps.append(missing(no_sbom(product)))
            continue
        if not listed_components(product):
            gaps.append(missing(only_the_product(product)))  # no SBOM evidence
            continue
        supplier = ntia_coverage(product.inventory).supplier
        level = Level.LOW if supplier.ratio < SUPPLIER_COVERAGE_LOW else Level.NONE
        reason = f"{product.id}: {supplier.covered} of {supplier.total} components name a supplier"
        sbom_refs = [
            EvidenceRef(kind="sbom", ref=d.file, detail="supplier fields")
            for d in product.inventory.documents
        ]
        raised.append(F09_SUPPLIER.fire(level, reason, sbom_refs, m.SUPPLIER_FIELDS))
    answers = (
        on_concern(ctx, F09_ANSWER, "F09.Q1", Level.MEDIUM, m.IN_COUNTRY_PRODUCTION),
        on_concern(ctx, F09_ANSWER, "F09.Q2", Level.MEDIUM, m.CHAIN_OF_CUSTODY),
    )
    raised += [r for r in answers if r is not None]
    return raised, gaps


def _site_refs(
    vendor: VendorProfile, sites: list[tuple[int, Site]], kinds: Collection[SiteKind]
) -> list[EvidenceRef]:
    return [
        EvidenceRef(
            kind="vendor-profile", ref=f"{vendor.file}#/sites/{n}", detail=f"{s.kind} {s.country}"
        )
        for n, s in sites
        if s.kind in kinds
    ]
