"""Data theft, leakage and illegal export (F10, Art. 10 item 5).

Per product: the classes and volumes of data it handles, where its telemetry goes (and which
jurisdiction that is), whether telemetry is on by default and can be switched off, encryption in
transit and at rest, and the SBOM's services whose data flows cross the product's trust boundary
(their endpoints' jurisdiction is not in the SBOM: it is missing evidence unless a declared
telemetry destination names the same host).
"""

from __future__ import annotations

from collections.abc import Iterator
from typing import Final
from urllib.parse import urlsplit

from chainreview.components.model import Service
from chainreview.evidence.overrides import Level
from chainreview.evidence.product import DataClass, Product
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
from chainreview.factors.questions import on_concern

__all__ = ["LARGE_PERSONAL", "LARGE_SENSITIVE", "PERSONAL_LABELS", "DataEvaluator"]

F10_HANDLED = Rule(id="F10.R1", text="core, important or large-scale personal data handled")
F10_ABROAD = Rule(id="F10.R2", text="telemetry destination abroad")
F10_DEFAULT = Rule(id="F10.R3", text="telemetry abroad on by default or not switchable off")
F10_CLEAR = Rule(id="F10.R4", text="sensitive data without encryption")
F10_BOUNDARY = Rule(id="F10.R5", text="SBOM data flow across the trust boundary")
F10_ANSWER = Rule(id="F10.R6", text="questionnaire: data leaving the country")

LARGE_PERSONAL: Final = 1_000_000
"""Individuals from which personal information is "a large amount" (the CAC outbound-transfer
security-assessment threshold)."""
LARGE_SENSITIVE: Final = 10_000
"""Individuals from which sensitive personal information is "a large amount"."""
PERSONAL_LABELS: Final = ("pii", "pifi", "phi", "personal", "sensitive")
"""SBOM data-flow classifications (case-insensitive prefixes) that denote personal information."""

_SENSITIVE = frozenset({DataClass.CORE, DataClass.IMPORTANT})
_PERSONAL = frozenset({DataClass.PERSONAL, DataClass.SENSITIVE_PERSONAL})


class DataEvaluator(Evaluator):
    """F10 data theft, leakage and illegal export."""

    name = "data"
    version = "1.0"
    factor_ids = ("F10",)

    def assess(self, ctx: ReviewContext) -> Iterator[FactorAssessment]:
        """F10."""
        raised: list[Raise] = []
        gaps: list[str] = []
        for n, product in enumerate(ctx.declaration.products):
            raised += _product(ctx, n, product, gaps)
        answer = on_concern(ctx, F10_ANSWER, "F10.Q1", Level.HIGH, "keep the data in the country")
        raised += [answer] if answer is not None else []
        yield self.conclude(ctx, "F10", raised, gaps)


def _product(ctx: ReviewContext, n: int, product: Product, gaps: list[str]) -> list[Raise]:
    at = f"/products/{n}/capabilities"
    caps = product.capabilities
    raised: list[Raise] = []
    classes = {d.category for d in caps.data}
    for d, data in enumerate(caps.data):
        large = (
            data.category is DataClass.PERSONAL and (data.individuals or 0) >= LARGE_PERSONAL
        ) or (
            data.category is DataClass.SENSITIVE_PERSONAL
            and (data.individuals or 0) >= LARGE_SENSITIVE
        )
        if data.category in _SENSITIVE or large:
            volume = f", {data.records:,} records" if data.records else ""
            volume += f", {data.individuals:,} individuals" if data.individuals else ""
            reason = f"{product.id} handles {data.category} data{volume}"
            ref = declared(f"{at}/data/{d}", str(data.category))
            raised.append(
                F10_HANDLED.fire(Level.MEDIUM, reason, [ref], "keep the data on premises")
            )
        elif data.category in _PERSONAL and data.individuals is None:
            gaps.append(missing(f"how many individuals' {data.category} data {product.id} handles"))
    telemetry = caps.telemetry
    abroad = []
    for d, destination in enumerate(telemetry.destinations):
        if destination.country == ctx.profile.jurisdiction:
            continue
        abroad.append(destination)
        sent = set(destination.data_categories)
        if sent & _SENSITIVE:
            level = Level.CRITICAL
        elif sent & _PERSONAL:
            level = Level.HIGH
        elif classes & (_SENSITIVE | _PERSONAL):
            level = Level.MEDIUM  # a channel abroad from a product holding sensitive data
        else:
            level = Level.LOW
        kinds = ", ".join(str(c) for c in destination.data_categories)
        reason = (
            f"{product.id} sends {kinds} data to {destination.endpoint} in {destination.country}"
        )
        ref = declared(f"{at}/telemetry/destinations/{d}", destination.endpoint)
        raised.append(
            F10_ABROAD.fire(
                level, reason, [ref], "switch the telemetry off or keep it in the country"
            )
        )
    if telemetry.supported and abroad:
        if telemetry.enabled_by_default is None or telemetry.can_disable is None:
            gaps.append(
                missing(
                    f"whether {product.id}'s telemetry is on by default and can be switched off"
                )
            )
        loose = telemetry.enabled_by_default or telemetry.can_disable is False
        if loose:
            level = Level.HIGH if telemetry.can_disable is False else Level.MEDIUM
            reason = f"{product.id}: telemetry abroad " + (
                "cannot be switched off" if telemetry.can_disable is False else "is on by default"
            )
            raised.append(
                F10_DEFAULT.fire(
                    level,
                    reason,
                    [declared(f"{at}/telemetry", "telemetry")],
                    "telemetry off by default",
                )
            )
    if classes & (_SENSITIVE | _PERSONAL):
        raised += _encryption(product, at, gaps)
    if product.inventory is not None:
        hosts = {_host(d.endpoint) for d in telemetry.destinations}
        for service in product.inventory.services:
            raised += _boundary(product, service, hosts, gaps)
    return raised


def _encryption(product: Product, at: str, gaps: list[str]) -> list[Raise]:
    encryption = product.capabilities.encryption
    if encryption is None:
        gaps.append(missing(f"encryption in transit and at rest of {product.id}"))
        return []
    raised = []
    for value, what, level in (
        (encryption.in_transit, "in transit", Level.HIGH),
        (encryption.at_rest, "at rest", Level.MEDIUM),
    ):
        if value is None:
            gaps.append(missing(f"whether {product.id} encrypts data {what}"))
            continue
        reason = f"{product.id}: data {'encrypted' if value else 'not encrypted'} {what}"
        raised.append(
            F10_CLEAR.fire(
                Level.NONE if value else level,
                reason,
                [declared(f"{at}/encryption", what)],
                f"encrypt data {what}",
            )
        )
    return raised


def _boundary(product: Product, service: Service, hosts: set[str], gaps: list[str]) -> list[Raise]:
    if not service.crosses_trust_boundary:
        return []
    outgoing = [f for f in service.data if f.flow != "inbound"]
    personal = [f for f in outgoing if f.classification.casefold().startswith(PERSONAL_LABELS)]
    refs = [EvidenceRef(kind="sbom", ref=str(s), detail=service.ref) for s in service.sources]
    unknown = [e for e in service.endpoints if _host(e) not in hosts]
    if unknown:
        gaps.append(
            missing(f"the jurisdiction of {product.id}'s service endpoints {', '.join(unknown)}")
        )
    labels = ", ".join(sorted({f.classification for f in outgoing})) or "unclassified"
    reason = f"{product.id}: service {service.name!r} sends {labels} data across the trust boundary"
    level = Level.HIGH if personal else Level.LOW
    return [F10_BOUNDARY.fire(level, reason, refs, "keep the flow inside the trust boundary")]


def _host(endpoint: str) -> str:
    """The host of a URL or a bare host name, lower-cased."""
    parsed = urlsplit(endpoint if "//" in endpoint else f"//{endpoint}")
    return (parsed.hostname or endpoint).casefold()
