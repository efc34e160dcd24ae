"""The evaluators, keyed by the catalogue factor ids they host, and `assess_all`.

`assess_all` gives one assessment per catalogue factor, in catalogue order. A factor the catalogue
marks `manual` is `undetermined` ("questionnaire only") with its answers summarised; a factor no
evaluator hosts yet is `undetermined` with "no evaluator registered": never silently left out.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from datetime import date
from typing import Final

from chainreview.evidence.declaration import Declaration
from chainreview.factors.catalogue import load_catalogue, load_profile
from chainreview.factors.control import ControlEvaluator
from chainreview.factors.data import DataEvaluator
from chainreview.factors.deployment import DeploymentEvaluator
from chainreview.factors.intel_port import SnapshotIntel
from chainreview.factors.interface import (
    Evaluator,
    FactorAssessment,
    IntelPort,
    ReviewContext,
    Rule,
    citations,
)
from chainreview.factors.jurisdiction import JurisdictionEvaluator
from chainreview.factors.parties import Screening, screen
from chainreview.factors.questions import summarise
from chainreview.factors.screening import Screener
from chainreview.factors.supply import SupplyEvaluator
from chainreview.factors.transparency import TransparencyEvaluator
from chainreview.factors.vulnerabilities import VulnerabilityEvaluator
from chainreview.findings.coverage import Coverage
from chainreview.findings.model import Finding
from chainreview.findings.scan import Undecided
from chainreview.intel.snapshot import Snapshot
from chainreview.levels import Level

__all__ = [
    "MANUAL",
    "UNREGISTERED",
    "assess_all",
    "build_context",
    "evaluator_for",
    "evaluators",
    "index",
]

MANUAL: Final = Rule(id="manual", text="questionnaire only: the reviewer assesses this factor")
UNREGISTERED: Final = Rule(id="unregistered", text="no evaluator registered for this factor")

_EVALUATORS: Final[tuple[Evaluator, ...]] = (
    ControlEvaluator(),
    SupplyEvaluator(),
    JurisdictionEvaluator(),
    DataEvaluator(),
    TransparencyEvaluator(),
    DeploymentEvaluator(),
    VulnerabilityEvaluator(),
)


def index(hosts: Iterable[Evaluator]) -> dict[str, Evaluator]:
    """Factor id → the evaluator hosting it; `ValueError` when two evaluators claim one id."""
    found: dict[str, Evaluator] = {}
    for evaluator in hosts:
        for factor_id in evaluator.factor_ids:
            other = found.setdefault(factor_id, evaluator)
            if other is not evaluator:
                message = f"{factor_id} is hosted by both {other.name} and {evaluator.name}"
                raise ValueError(message)
    return found


_BY_FACTOR: Final = index(_EVALUATORS)


def evaluators() -> tuple[Evaluator, ...]:
    """The registered evaluators."""
    return _EVALUATORS


def evaluator_for(factor_id: str) -> Evaluator | None:
    """The evaluator hosting `factor_id`, or None."""
    return _BY_FACTOR.get(factor_id)


def build_context(
    declaration: Declaration,
    *,
    snapshot: Snapshot | None,
    as_of: date,
    findings: tuple[Finding, ...] = (),
    indeterminate: tuple[Undecided, ...] = (),
    coverage: Mapping[str, Coverage] | None = None,
    screening: Screening | None = None,
    intel: IntelPort | None = None,
) -> ReviewContext:
    """The context of `declaration` under its regime, its vendors screened against the
    snapshot's lists (if any) unless `screening` gives the screening done already; the
    evaluators' look-ups go through `intel` when given (a reviewer keeps one per snapshot),
    else through a port made here."""
    return ReviewContext(
        findings=findings,
        indeterminate=indeterminate,
        declaration=declaration,
        profile=load_profile(declaration.regime),
        catalogue=load_catalogue(),
        intel=intel if intel is not None else None if snapshot is None else SnapshotIntel(snapshot),
        screening=screening
        if screening is not None
        else screen(
            None if snapshot is None else Screener.from_snapshot(snapshot), declaration.vendors
        ),
        as_of=as_of,
        coverage=coverage,
    )


def assess_all(
    ctx: ReviewContext, hosts: Iterable[Evaluator] = _EVALUATORS
) -> tuple[FactorAssessment, ...]:
    """One assessment per catalogue factor, in catalogue order, from `hosts` (the registry).

    A factor no host assesses is `undetermined` ("questionnaire only" for manual factors, "no
    evaluator registered" otherwise), never left out.
    """
    assessed: dict[str, FactorAssessment] = {}
    for evaluator in hosts:
        for assessment in evaluator.assess(ctx):
            assessed[assessment.factor_id] = assessment
    return tuple(
        assessed.get(factor.id) or _unassessed(ctx, factor.id) for factor in ctx.catalogue.factors
    )


def _unassessed(ctx: ReviewContext, factor_id: str) -> FactorAssessment:
    factor = ctx.catalogue.factor(factor_id)
    rule = MANUAL if factor.manual else UNREGISTERED
    reasons, evidence, gaps = summarise(ctx.declaration, factor, ctx.as_of)
    lead = "questionnaire only" if factor.manual else "no evaluator registered"
    return FactorAssessment(
        factor_id=factor_id,
        level=Level.UNDETERMINED,
        floor=Level.NONE,
        rule=str(rule),
        reasons=(lead, *reasons),
        evidence=evidence,
        mitigations=(),
        unmitigated=False,
        missing_evidence=gaps,
        limitations=(),
        citations=citations(ctx.profile, factor_id),
        evaluator="registry",
        evaluator_version="1.0",
    )
