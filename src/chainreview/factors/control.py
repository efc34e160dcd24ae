"""Remote control (F01) and authenticity and integrity (F14).

F01 reads each product's declared remote-update and remote-maintenance paths, its interfaces
(remote debug included: GB 40050-2021 5.3(c), 5.6), the endpoints it reaches on its own, the
SBOM's services that cross its trust boundary, and the questionnaire's lab-test answer. F14 reads
the SBOM documents' signatures, the share of components with a hash, and the declared integrity
protections (GB 40050-2021 5.4, 6.2(d)(e)).
"""

from __future__ import annotations

from collections.abc import Iterator

from chainreview.components.model import SignatureStatus
from chainreview.evidence.product import OperatedBy, Product
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
    declared,
    missing,
)
from chainreview.factors.questions import answer_for, on_concern
from chainreview.factors.unchecked import listed_components, no_sbom, only_the_product
from chainreview.levels import Level

__all__ = ["ControlEvaluator"]

_REMOTE = frozenset({OperatedBy.VENDOR, OperatedBy.THIRD_PARTY})
"""Who, other than the operator, can run a remote path."""

F01_UPDATE = Rule(id="F01.R1", text="remote update run by the vendor or a third party")
F01_UNSIGNED = Rule(id="F01.R2", text="remote updates not signed (GB 40050-2021 5.4)")
F01_MAINTENANCE = Rule(id="F01.R3", text="remote maintenance run by the vendor or a third party")
F01_DEBUG = Rule(id="F01.R4", text="remote-debug interface (GB 40050-2021 5.3(c), 5.6)")
F01_ENDPOINT = Rule(id="F01.R5", text="vendor-operated endpoint abroad")
F01_SERVICE = Rule(id="F01.R6", text="SBOM service across the trust boundary")
F01_ANSWER = Rule(id="F01.R7", text="questionnaire: remote change or undeclared function")

F14_SIGNATURE = Rule(id="F14.R1", text="SBOM signature status")
F14_HASHES = Rule(id="F14.R2", text="share of components with a hash")
F14_FIRMWARE = Rule(id="F14.R3", text="declared integrity protections (GB 40050-2021 5.4, 6.2)")

HASHLESS_MEDIUM = 0.5
"""Below this share of hashed components the SBOM leaves most components unverifiable."""


class ControlEvaluator(Evaluator):
    """F01 remote control and F14 authenticity and integrity."""

    name = "control"
    version = "1.0"
    factor_ids = ("F01", "F14")

    def assess(self, ctx: ReviewContext) -> Iterator[FactorAssessment]:
        """F01, then F14."""
        raised: list[Raise] = []
        gaps: list[Gap | Limitation] = []
        for n, product in enumerate(ctx.declaration.products):
            raised += _remote_paths(ctx, n, product, gaps)
        raised += [
            r
            for r in (
                on_concern(ctx, F01_ANSWER, "F01.Q1", Level.HIGH, m.OPERATOR_APPROVED_UPDATES),
                on_concern(ctx, F01_ANSWER, "F01.Q3", Level.CRITICAL, m.REMOVE_UNDECLARED),
            )
            if r is not None
        ]
        if answer_for(ctx.declaration, "F01.Q3") is None:
            gaps.append(missing("result of an independent lab test (F01.Q3)", Party.OPERATOR))
        yield self.conclude(ctx, "F01", raised, gaps)

        raised = []
        gaps = []
        for n, product in enumerate(ctx.declaration.products):
            raised += _integrity(n, product, gaps)
        yield self.conclude(ctx, "F14", raised, gaps)


def _remote_paths(
    ctx: ReviewContext, n: int, product: Product, gaps: list[Gap | Limitation]
) -> list[Raise]:
    at = f"/products/{n}/capabilities"
    caps = product.capabilities
    raised: list[Raise] = []
    update, maintenance = caps.remote_update, caps.remote_maintenance
    if update.supported:
        ref = declared(f"{at}/remote_update", f"{product.id}: remote update supported")
        unknown = [
            what
            for what, value in (
                (f"who runs {product.id}'s remote update", update.operated_by),
                (f"whether {product.id}'s remote updates apply automatically", update.automatic),
            )
            if value is None
        ]
        if unknown:
            gaps.append(missing(" and ".join(unknown)))
        if update.operated_by in _REMOTE:
            level = Level.HIGH if update.automatic else Level.MEDIUM
            how = (
                "whether automatically is not declared"
                if update.automatic is None
                else "automatically"
                if update.automatic
                else "with the operator applying it"
            )
            reason = f"{product.id}: {update.operated_by} can push updates remotely ({how})"
            raised.append(F01_UPDATE.fire(level, reason, [ref], m.OPERATOR_APPROVED_UPDATES))
        if update.signed is None:
            gaps.append(missing(f"whether {product.id}'s remote updates are signed"))
        elif not update.signed:
            reason = f"{product.id}: remote updates are not signed"
            raised.append(F01_UNSIGNED.fire(Level.HIGH, reason, [ref], m.SIGNED_UPDATES))
    if maintenance.supported:
        ref = declared(f"{at}/remote_maintenance", f"{product.id}: remote maintenance supported")
        if None in (
            maintenance.operated_by,
            maintenance.enabled_by_default,
            maintenance.operator_approval_required,
        ):
            gaps.append(missing(f"who runs {product.id}'s remote maintenance, and its defaults"))
        if maintenance.operated_by in _REMOTE:
            loose = (
                maintenance.enabled_by_default or maintenance.operator_approval_required is False
            )
            level = Level.HIGH if loose else Level.MEDIUM
            reason = f"{product.id}: {maintenance.operated_by} has remote maintenance access" + (
                " on by default or without operator approval" if loose else ""
            )
            raised.append(F01_MAINTENANCE.fire(level, reason, [ref], m.OPERATOR_OPENED_MAINTENANCE))
    for i, interface in enumerate(caps.interfaces):
        if not interface.remote_debug:
            continue
        open_ = interface.enabled_by_default or interface.can_disable is False
        reason = f"{product.id}: remote-debug interface {interface.name!r}" + (
            " enabled by default or cannot be closed" if open_ else " declared, off by default"
        )
        ref = declared(f"{at}/interfaces/{i}", f"remote debug {interface.name}")
        level = Level.HIGH if open_ else Level.LOW
        raised.append(F01_DEBUG.fire(level, reason, [ref], m.CLOSE_REMOTE_DEBUG))
    pushes = update.operated_by in _REMOTE or maintenance.operated_by in _REMOTE
    for d, destination in enumerate(caps.telemetry.destinations):
        if destination.operated_by in _REMOTE and destination.country != ctx.profile.jurisdiction:
            reason = (
                f"{product.id} connects to {destination.operated_by}-operated "
                f"{destination.endpoint} in {destination.country}"
                + (" and can be changed remotely" if pushes else "")
            )
            ref = declared(f"{at}/telemetry/destinations/{d}", destination.endpoint)
            level = Level.HIGH if pushes else Level.MEDIUM
            raised.append(F01_ENDPOINT.fire(level, reason, [ref], m.OUTBOUND_BLOCKED))
    if product.inventory is not None:
        for service in product.inventory.services:
            if not service.crosses_trust_boundary:
                continue
            exposed = service.authenticated is False
            reason = f"{product.id}: service {service.name!r} crosses the trust boundary" + (
                " unauthenticated" if exposed else ""
            )
            refs = [
                EvidenceRef(kind="sbom", ref=str(s), detail=service.ref) for s in service.sources
            ]
            level = Level.MEDIUM if exposed else Level.LOW
            raised.append(F01_SERVICE.fire(level, reason, refs, m.RESTRICT_SERVICE))
    return raised


def _integrity(n: int, product: Product, gaps: list[Gap | Limitation]) -> list[Raise]:
    raised: list[Raise] = []
    integrity = product.capabilities.integrity
    at = f"/products/{n}/capabilities/integrity"
    if integrity is None:
        gaps.append(missing(f"integrity protections of {product.id} (GB 40050-2021 5.4, 6.2)"))
    else:
        checks = (
            (integrity.signed_firmware, "signed firmware", Level.HIGH, m.SIGNED_FIRMWARE),
            (integrity.secure_boot, "integrity check at boot", Level.MEDIUM, m.SECURE_BOOT),
        )
        for value, what, level, measure in checks:
            if value is None:
                gaps.append(missing(f"whether {product.id} has {what}"))
            else:
                reason = f"{product.id}: {what} {'declared' if value else 'absent'}"
                raised.append(
                    F14_FIRMWARE.fire(
                        Level.NONE if value else level, reason, [declared(at, what)], measure
                    )
                )
        if integrity.user_verification is None:
            reason = f"{product.id}: no way for the operator to verify integrity (6.2(e))"
            raised.append(
                F14_FIRMWARE.fire(
                    Level.MEDIUM, reason, [declared(at, "integrity")], m.VERIFY_INTEGRITY
                )
            )
    inventory = product.inventory
    if inventory is None:
        gaps.append(missing(no_sbom(product)))
        return raised
    if not listed_components(product):
        gaps.append(missing(only_the_product(product)))  # no SBOM evidence: nothing to weigh
        return raised
    for document in inventory.documents:
        signature = document.signature
        ref = EvidenceRef(kind="sbom", ref=document.file, detail=f"signature {signature.status}")
        if signature.status is SignatureStatus.INVALID:
            level, text = Level.HIGH, f"invalid signature ({signature.detail})"
        elif signature.status is SignatureStatus.ABSENT:
            level, text = Level.LOW, "unsigned"
        elif signature.detail.startswith("verified"):
            level, text = Level.NONE, f"signature {signature.detail}"
        else:
            level, text = Level.LOW, f"signature present, {signature.detail}"
        reason = f"{product.id}: SBOM {document.file} {text}"
        raised.append(F14_SIGNATURE.fire(level, reason, [ref], m.SIGNED_SBOM))
    components = inventory.components
    hashed = sum(1 for c in components if c.hashes)
    if components:
        share = hashed / len(components)
        level = (
            Level.NONE if share == 1 else Level.LOW if share >= HASHLESS_MEDIUM else Level.MEDIUM
        )
        reason = f"{product.id}: {hashed} of {len(components)} components carry a hash"
        refs = [
            EvidenceRef(kind="sbom", ref=d.file, detail="component hashes")
            for d in inventory.documents
        ]
        raised.append(F14_HASHES.fire(level, reason, refs, m.COMPONENT_HASHES))
    return raised
