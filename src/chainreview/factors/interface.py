"""The contract between the review and the factor evaluators: context in, assessments out.

An `Evaluator` hosts one or more catalogue factors and turns a `ReviewContext` (the declaration,
the regime profile, the catalogue, the intel snapshot and the sanctions screener built on it) into
one `FactorAssessment` per factor it hosts. Evaluators are pure over the context.

Every evaluator writes its level rules as small named `Rule`s; a rule that fires gives a `Raise`
(its level, a reason, the evidence it rests on, the mitigation that would lower it), and evidence
that a rule needs but cannot find is reported with `missing`. `conclude` folds them into the
assessment with one documented policy for absent data:

* the level is the highest level raised (the rule that raised it first is *the* rule);
* absent data is never "no risk": when evidence is missing and the raised level is below
  `ESTABLISHED_FLOOR` (`high`), the factor is `undetermined`, with every "missing evidence: …"
  listed. At `high` or above the level stands as a floor the missing evidence could only raise
  (a sanctions hit on one list is at least `high` whatever the lists not screened would say);
  the missing evidence is still listed.

`ReviewContext.findings` and `.indeterminate` (the scan of every product's inventory, with its
VEX applied) default to empty: only the vulnerability family (F02, F04, F17, F18) reads them.
"""

from __future__ import annotations

from abc import ABC, abstractmethod
from collections.abc import Iterable, Iterator, Sequence
from dataclasses import dataclass
from datetime import date
from typing import ClassVar, Final, Protocol

from chainreview.evidence.declaration import MANIFEST, Declaration
from chainreview.evidence.overrides import Level
from chainreview.factors.catalogue import Catalogue, RegimeProfile
from chainreview.findings.model import Finding
from chainreview.findings.scan import Undecided
from chainreview.intel.snapshot import Snapshot

__all__ = [
    "ESTABLISHED_FLOOR",
    "MISSING_PREFIX",
    "RANK",
    "Evaluator",
    "EvidenceRef",
    "FactorAssessment",
    "NameScreener",
    "Raise",
    "ReviewContext",
    "Rule",
    "ScreeningHitView",
    "citations",
    "conclude",
    "declared",
    "missing",
    "worst",
]

RANK: Final = {Level.NONE: 0, Level.LOW: 1, Level.MEDIUM: 2, Level.HIGH: 3, Level.CRITICAL: 4}
"""Order of the determined levels; `undetermined` has no rank."""

ESTABLISHED_FLOOR: Final = Level.HIGH
"""The lowest level that stands although evidence is missing (see the module doc)."""

MISSING_PREFIX: Final = "missing evidence: "


def worst(levels: Iterable[Level]) -> Level:
    """The highest of determined `levels` (`none` when there are none)."""
    return max(levels, key=RANK.__getitem__, default=Level.NONE)


def declared(pointer: str, detail: str) -> EvidenceRef:
    """Evidence at `pointer` of the declaration manifest."""
    return EvidenceRef(kind="declaration", ref=f"{MANIFEST}#{pointer}", detail=detail)


def missing(what: str) -> str:
    """The "missing evidence: …" line for `what`."""
    return MISSING_PREFIX + what


@dataclass(frozen=True, slots=True, kw_only=True)
class EvidenceRef:
    """Where a conclusion can be checked."""

    kind: str
    """`declaration`, `vendor-profile`, `questionnaire`, `sbom`, `sanctions`, `catalogue`, …"""
    ref: str
    """A file and JSON pointer, an SBOM component or service ref, a list entry uid, …"""
    detail: str = ""
    """The fact found there, in a few words."""


@dataclass(frozen=True, slots=True, kw_only=True)
class Rule:
    """A named level rule of an evaluator: `id` (e.g. `F01.R2`) and what it says."""

    id: str
    text: str

    def __str__(self) -> str:
        return f"{self.id} {self.text}"

    def fire(
        self,
        level: Level,
        reason: str,
        evidence: Iterable[EvidenceRef] = (),
        mitigation: str | None = None,
    ) -> Raise:
        """The `Raise` of this rule at `level`."""
        return Raise(
            rule=self, level=level, reason=reason, evidence=tuple(evidence), mitigation=mitigation
        )


@dataclass(frozen=True, slots=True, kw_only=True)
class Raise:
    """One rule that fired: its level, why, on what evidence, and what would lower it."""

    rule: Rule
    level: Level
    """A determined level (`none` records evidence that something is in order)."""
    reason: str
    evidence: tuple[EvidenceRef, ...] = ()
    mitigation: str | None = None


@dataclass(frozen=True, slots=True, kw_only=True)
class FactorAssessment:
    """One factor assessed: level, the rule that fired, its evidence, what would change it."""

    factor_id: str
    level: Level
    rule: str
    """The rule that set the level (`<id> <text>`)."""
    reasons: tuple[str, ...]
    """Short sentences, the deciding one first."""
    evidence: tuple[EvidenceRef, ...]
    mitigations: tuple[str, ...]
    """What would lower the level."""
    missing_evidence: tuple[str, ...]
    """"missing evidence: …" lines."""
    citations: tuple[str, ...]
    """Articles and standard clauses of the regime profile that bear on the factor."""
    evaluator: str
    evaluator_version: str


class ScreeningHitView(Protocol):
    """What the evaluators read of a screening hit (`chainreview.factors.screening`)."""

    @property
    def query(self) -> str: ...
    @property
    def list(self) -> str: ...
    @property
    def uid(self) -> str: ...
    @property
    def entry_name(self) -> str: ...
    @property
    def matched_name(self) -> str: ...
    @property
    def score(self) -> float: ...
    @property
    def programs(self) -> tuple[str, ...]: ...


class NameScreener(Protocol):
    """Screens names against the sanctions and export-control lists of a snapshot."""

    @property
    def lists(self) -> tuple[str, ...]:
        """Ids of the lists screened (`ofac-sdn`, `csl:el`, …)."""
        ...

    def screen(
        self, name: str, *, country: str | None = None, entity_type: str | None = None
    ) -> Sequence[ScreeningHitView]:
        """The hits for `name`, best first."""
        ...


@dataclass(frozen=True, slots=True, kw_only=True)
class ReviewContext:
    """Everything an evaluator may read."""

    declaration: Declaration
    profile: RegimeProfile
    catalogue: Catalogue
    snapshot: Snapshot | None
    """None when no intel snapshot is available."""
    screener: NameScreener | None
    """None when the snapshot has no sanctions feed (or there is no snapshot)."""
    as_of: date
    """The review date: support periods and validity are judged against it."""
    findings: tuple[Finding, ...] = ()
    """Findings of every product's inventory (VEX applied: resolved ones are kept, not dropped)."""
    indeterminate: tuple[Undecided, ...] = ()
    """Components whose advisories could not be evaluated, and why."""


class Evaluator(ABC):
    """Hosts factors of the catalogue and assesses them from a `ReviewContext`."""

    name: ClassVar[str]
    version: ClassVar[str]
    factor_ids: ClassVar[tuple[str, ...]]

    @abstractmethod
    def assess(self, ctx: ReviewContext) -> Iterator[FactorAssessment]:
        """One assessment per id of `factor_ids`, in that order."""

    def conclude(
        self,
        ctx: ReviewContext,
        factor_id: str,
        raised: Iterable[Raise],
        missing_evidence: Iterable[str] = (),
    ) -> FactorAssessment:
        """Fold the raises and the missing evidence of one factor (see `conclude`)."""
        return conclude(
            factor_id,
            raised,
            missing_evidence,
            citations=citations(ctx.profile, factor_id),
            evaluator=self.name,
            version=self.version,
        )


_UNDETERMINED = Rule(
    id="R0",
    text="missing evidence leaves the factor undetermined below `high` (absent data is not "
    "no risk)",
)
_NOTHING_RAISED = Rule(id="R-", text="no rule raised a level")


def conclude(
    factor_id: str,
    raised: Iterable[Raise],
    missing_evidence: Iterable[str],
    *,
    citations: tuple[str, ...],
    evaluator: str,
    version: str,
) -> FactorAssessment:
    """Fold raises and missing evidence into an assessment (policy in the module doc)."""
    raises = sorted(raised, key=lambda r: -RANK[r.level])  # stable: first rule of a level wins
    gaps = tuple(dict.fromkeys(missing_evidence))
    top = raises[0].level if raises else Level.NONE
    if gaps and RANK[top] < RANK[ESTABLISHED_FLOOR]:
        level, rule = Level.UNDETERMINED, _UNDETERMINED
        reasons: list[str] = [f"evidence is missing; the evidence available shows at least {top}"]
    else:
        level = top
        rule = raises[0].rule if raises else _NOTHING_RAISED
        reasons = [f"at least {top}: missing evidence could raise it"] if gaps else []
    reasons += [r.reason for r in raises]
    return FactorAssessment(
        factor_id=factor_id,
        level=level,
        rule=str(rule),
        reasons=tuple(dict.fromkeys(reasons)),
        evidence=tuple(dict.fromkeys(e for r in raises for e in r.evidence)),
        mitigations=tuple(
            dict.fromkeys(r.mitigation for r in raises if r.mitigation and RANK[r.level])
        ),
        missing_evidence=gaps,
        citations=citations,
        evaluator=evaluator,
        evaluator_version=version,
    )


def citations(profile: RegimeProfile, factor_id: str) -> tuple[str, ...]:
    """The profile's articles and standard clauses for `factor_id` (none when out of scope)."""
    mapping = profile.mapping(factor_id)
    if mapping is None:
        return ()
    articles = [
        f"{profile.id} {a.article}" + (f" item {a.item}" if a.item else "") + _mark(a.unverified)
        for a in mapping.articles
    ]
    clauses = [f"{s.standard} {s.clause}{_mark(s.unverified)}" for s in mapping.standards]
    return tuple(articles + clauses)


def _mark(unverified: bool) -> str:
    return " [unverified]" if unverified else ""
