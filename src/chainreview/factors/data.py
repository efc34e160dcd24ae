"""Data theft, leakage and illegal export (F10, Art. 10 item 5).

Per product: the classes and volumes of data it handles, where that data is stored and processed
(declared per data category, and wherever its telemetry sends it), whether telemetry is on by
default and can be switched off, encryption in transit and at rest, and the SBOM's services whose
data flows cross the product's trust boundary (their endpoints' jurisdiction is not in the SBOM:
it is missing evidence unless a declared telemetry destination names the same host).

Data held abroad is judged by the regime profile's data-export rules (`RegimeProfile.data_export`,
with their citations): core data abroad is critical; personal information or important data
abroad that needs an export security assessment (for a CII operator, any of it) is critical
until the assessment is completed, then medium; below the thresholds (an operator that is not a
CIIO) it is medium. Keeping the data in the country, or completing the assessment, is what lowers
it. The amounts that make personal information "a large amount" come from the same rules.
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass
from typing import Final
from urllib.parse import urlsplit

from chainreview.components.model import Service
from chainreview.evidence.product import (
    AssessmentStatus,
    DataCategory,
    DataClass,
    ExportAssessment,
    Product,
)
from chainreview.factors import mitigations as m
from chainreview.factors.catalogue import DataExportRules
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
from chainreview.factors.questions import on_concern
from chainreview.levels import Level

__all__ = ["LARGE_PERSONAL", "LARGE_SENSITIVE", "PERSONAL_LABELS", "DataEvaluator"]

F10_HANDLED = Rule(id="F10.R1", text="core, important or large-scale personal data handled")
F10_ABROAD = Rule(id="F10.R2", text="telemetry destination abroad")
F10_DEFAULT = Rule(id="F10.R3", text="telemetry abroad on by default or not switchable off")
F10_CLEAR = Rule(id="F10.R4", text="sensitive data without encryption")
F10_BOUNDARY = Rule(id="F10.R5", text="SBOM data flow across the trust boundary")
F10_ANSWER = Rule(id="F10.R6", text="questionnaire: data leaving the country")
F10_EXPORT = Rule(
    id="F10.R7",
    text="data held abroad: core data critical; personal information or important data needing "
    "an export security assessment critical until it is completed, then medium",
)

LARGE_PERSONAL: Final = 1_000_000
"""Individuals from which personal information is "a large amount" under a regime profile with
no data-export rules of its own."""
LARGE_SENSITIVE: Final = 10_000
"""Individuals from which sensitive personal information is "a large amount" (same fallback)."""
PERSONAL_LABELS: Final = ("pii", "pifi", "phi", "personal", "sensitive")
"""SBOM data-flow classifications (case-insensitive prefixes) that denote personal information."""

_SENSITIVE = frozenset({DataClass.CORE, DataClass.IMPORTANT})
_PERSONAL = frozenset({DataClass.PERSONAL, DataClass.SENSITIVE_PERSONAL})
_HELD = _SENSITIVE | _PERSONAL
"""Classes whose export the law restricts."""


@dataclass(frozen=True, slots=True, kw_only=True)
class _Holding:
    """One class of data of a product, where it is held, with its declaration pointer."""

    data: DataCategory
    pointer: str
    abroad: tuple[str, ...]
    """Countries outside the profile's jurisdiction where it is stored, processed or sent."""


class DataEvaluator(Evaluator):
    """F10 data theft, leakage and illegal export."""

    name = "data"
    version = "1.0"
    factor_ids = ("F10",)

    def assess(self, ctx: ReviewContext) -> Iterator[FactorAssessment]:
        """F10."""
        raised: list[Raise] = []
        gaps: list[Gap | Limitation] = []
        for n, product in enumerate(ctx.declaration.products):
            raised += _product(ctx, n, product, gaps)
        answer = on_concern(ctx, F10_ANSWER, "F10.Q1", Level.HIGH, m.LOCALISE)
        raised += [answer] if answer is not None else []
        yield self.conclude(ctx, "F10", raised, gaps)


def _product(
    ctx: ReviewContext, n: int, product: Product, gaps: list[Gap | Limitation]
) -> list[Raise]:
    at = f"/products/{n}/capabilities"
    caps = product.capabilities
    raised: list[Raise] = []
    classes = {d.category for d in caps.data}
    rules = ctx.profile.data_export
    for d, data in enumerate(caps.data):
        if data.category in _SENSITIVE or _large(data, rules):
            volume = f", {data.records:,} records" if data.records else ""
            volume += f", {data.individuals:,} individuals" if data.individuals else ""
            reason = f"{product.id} handles {data.category} data{volume}"
            raised.append(
                F10_HANDLED.fire(
                    Level.MEDIUM, reason, [declared(f"{at}/data/{d}", str(data.category))]
                )
            )
        elif data.category in _PERSONAL and data.individuals is None:
            gaps.append(
                missing(
                    f"how many people's {data.category} data {product.id} handles", Party.OPERATOR
                )
            )
    if not classes & _HELD:
        named = ", ".join(sorted(str(c) for c in classes))
        reason = f"{product.id} handles no core, important or personal data" + (
            f" (declared: {named})" if named else " (no data class declared)"
        )
        raised.append(F10_HANDLED.fire(Level.NONE, reason, [declared(f"{at}/data", "data")]))
    raised += [_export(ctx, product, h, rules) for h in _holdings(ctx, at, product, gaps)]
    telemetry = caps.telemetry
    abroad = []
    for d, destination in enumerate(telemetry.destinations):
        if destination.country == ctx.profile.jurisdiction:
            continue
        abroad.append(destination)
        if set(destination.data_categories) & _HELD:
            continue  # judged with the data it sends (`_export`)
        level = Level.MEDIUM if classes & _HELD else Level.LOW  # a channel abroad
        kinds = ", ".join(str(c) for c in destination.data_categories)
        reason = (
            f"{product.id} sends {kinds} data to {destination.endpoint} in {destination.country}"
        )
        ref = declared(f"{at}/telemetry/destinations/{d}", destination.endpoint)
        raised.append(F10_ABROAD.fire(level, reason, [ref], m.TELEMETRY_IN_COUNTRY))
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
                    m.TELEMETRY_OFF_BY_DEFAULT,
                )
            )
    if classes & _HELD:
        raised += _encryption(product, at, gaps)
    if product.inventory is not None:
        hosts = {_host(d.endpoint) for d in telemetry.destinations}
        for service in product.inventory.services:
            raised += _boundary(product, service, hosts, gaps)
    return raised


def _large(data: DataCategory, rules: DataExportRules | None) -> bool:
    """Personal information of a large number of people (Art. 10 item 5)."""
    people = data.individuals or 0
    if data.category is DataClass.SENSITIVE_PERSONAL or (
        data.category is DataClass.PERSONAL and data.sensitive
    ):
        return people >= (LARGE_SENSITIVE if rules is None else rules.large_sensitive)
    if data.category is DataClass.PERSONAL:
        return people >= (LARGE_PERSONAL if rules is None else rules.large_personal)
    return False


def _holdings(
    ctx: ReviewContext, at: str, product: Product, gaps: list[Gap | Limitation]
) -> list[_Holding]:
    """The product's restricted data (core, important, personal), each with where abroad it is
    held: its declared storage and processing countries and its telemetry destinations. A class
    sent abroad by telemetry but not declared among the data counts with no figures."""
    home = ctx.profile.jurisdiction
    caps = product.capabilities
    sent: dict[DataClass, set[str]] = {}
    for destination in caps.telemetry.destinations:
        for category in destination.data_categories:
            if destination.country != home:
                sent.setdefault(category, set()).add(destination.country)
    found = []
    for d, data in enumerate(caps.data):
        if data.category not in _HELD:
            continue
        if data.stored_in is None and data.processed_in is None:
            gaps.append(
                missing(f"where {product.id}'s {data.category} data is stored and processed")
            )
        declared_abroad = {
            c for c in (*(data.stored_in or ()), *(data.processed_in or ())) if c != home
        }
        abroad = tuple(sorted(declared_abroad | sent.pop(data.category, set())))
        found.append(_Holding(data=data, pointer=f"{at}/data/{d}", abroad=abroad))
    for category, countries in sorted(sent.items()):
        if category in _HELD:
            found.append(
                _Holding(
                    data=DataCategory(category=category),
                    pointer=f"{at}/telemetry",
                    abroad=tuple(sorted(countries)),
                )
            )
    return [h for h in found if h.abroad]


def _needs_assessment(ctx: ReviewContext, data: DataCategory, rules: DataExportRules) -> bool:
    """Whether holding `data` abroad needs a completed export security assessment; people not
    counted are read as above the thresholds."""
    if data.category is DataClass.IMPORTANT:
        return rules.important_data or ctx.declaration.operator.ciio
    if ctx.declaration.operator.ciio and rules.operator_any_amount:
        return True
    people = data.individuals
    if people is None:
        return True
    sensitive = data.category is DataClass.SENSITIVE_PERSONAL or bool(data.sensitive)
    return people > (rules.sensitive_individuals if sensitive else rules.personal_individuals)


def _export(
    ctx: ReviewContext, product: Product, holding: _Holding, rules: DataExportRules | None
) -> Raise:
    data = holding.data
    where = ", ".join(holding.abroad)
    what = f"{product.id}'s {data.category} data is held abroad ({where})"
    ref = declared(holding.pointer, f"{data.category} held in {where}")
    assessment = data.export_assessment
    if data.category is DataClass.CORE:
        return F10_EXPORT.fire(Level.CRITICAL, f"{what}: core data", [ref], m.LOCALISE)
    if rules is None:
        level = Level.CRITICAL if data.category is DataClass.IMPORTANT else Level.HIGH
        return F10_EXPORT.fire(level, what, [ref], m.LOCALISE)
    if not _needs_assessment(ctx, data, rules):
        reason = f"{what}, below the amounts that need an export security assessment"
        return F10_EXPORT.fire(Level.MEDIUM, reason, [ref], m.LOCALISE)
    covered = (
        set(assessment.countries)
        if assessment is not None and assessment.status is AssessmentStatus.COMPLETED
        else set()
    )
    uncovered = [c for c in holding.abroad if c not in covered]
    if not uncovered and assessment is not None:
        reason = f"{what} under a completed export security assessment{_cited(assessment)}"
        return F10_EXPORT.fire(Level.MEDIUM, reason, [ref], m.LOCALISE)
    whose = "a CII operator's" if ctx.declaration.operator.ciio else "the operator's"
    state = (
        "not declared"
        if assessment is None
        else f"{assessment.status}{_cited(assessment)}"
        if not covered
        else f"completed{_cited(assessment)} for {', '.join(sorted(covered))} only"
    )
    reason = (
        f"{what}: {whose} {data.category} data in {', '.join(uncovered)} needs an export "
        f"security assessment, {state} ({rules.cite})"
    )
    return F10_EXPORT.fire(Level.CRITICAL, reason, [ref], (m.LOCALISE, m.EXPORT_ASSESSMENT))


def _cited(assessment: ExportAssessment) -> str:
    parts = [p for p in (assessment.reference, assessment.date) if p]
    return f" ({', '.join(parts)})" if parts else ""


def _encryption(product: Product, at: str, gaps: list[Gap | Limitation]) -> list[Raise]:
    encryption = product.capabilities.encryption
    if encryption is None:
        gaps.append(missing(f"encryption in transit and at rest of {product.id}"))
        return []
    raised = []
    for value, what, level, measure in (
        (encryption.in_transit, "in transit", Level.HIGH, m.ENCRYPT_IN_TRANSIT),
        (encryption.at_rest, "at rest", Level.MEDIUM, m.ENCRYPT_AT_REST),
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
                measure,
            )
        )
    return raised


def _boundary(
    product: Product, service: Service, hosts: set[str], gaps: list[Gap | Limitation]
) -> list[Raise]:
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
    return [F10_BOUNDARY.fire(level, reason, refs, m.TRUST_BOUNDARY)]


def _host(endpoint: str) -> str:
    """The host of a URL or a bare host name, lower-cased."""
    parsed = urlsplit(endpoint if "//" in endpoint else f"//{endpoint}")
    return (parsed.hostname or endpoint).casefold()
