"""The contract between the review and the factor evaluators: context in, assessments out.

An `Evaluator` hosts one or more catalogue factors and turns a `ReviewContext` (the declaration,
the regime profile, the catalogue, the intel snapshot and the screening of the vendors' parties)
into one `FactorAssessment` per factor it hosts. Evaluators are pure over the context.

Every evaluator writes its level rules as small named `Rule`s; a rule that fires gives a `Raise`
(its level, a reason, the evidence it rests on, the `Mitigation` that would lower it: what, who
acts, by when, how it is checked). What a rule needs but cannot find is either a `Gap`
(`missing`: evidence the operator or the vendor can supply) or a `Limitation` (`limitation`: a
gap in the tool's own data, e.g. a list the intel snapshot does not hold, never a condition on
the purchase). `conclude` folds them into the assessment with one documented policy for absent
data:

* the level is the highest level raised (the rule that raised it first is *the* rule); `floor`
  keeps that level in every case, so what is known is never hidden;
* absent data is never "no risk": when a gap or a limitation remains and the raised level is
  below `ESTABLISHED_FLOOR` (`high`), the factor is `undetermined` (at least its floor), with
  every gap and limitation listed. At `high` or above the level stands as a floor the missing
  evidence could only raise (a sanctions hit on one list is at least `high` whatever the lists
  not screened would say); the gaps are still listed;
* `unmitigated` says some raise at `high` or above names no mitigation: nothing known would
  lower it.

`ReviewContext.findings` and `.indeterminate` (the scan of every product's inventory, with its
VEX applied) default to empty: only the vulnerability family (F02, F04, F17, F18) reads them.
"""

from __future__ import annotations

import re
from abc import ABC, abstractmethod
from collections.abc import Iterable, Iterator, Mapping, Sequence
from dataclasses import dataclass
from datetime import date
from enum import StrEnum
from typing import TYPE_CHECKING, ClassVar, Final, Protocol

from chainreview.evidence.declaration import MANIFEST, Declaration
from chainreview.evidence.vendor_profile import Art6Commitment
from chainreview.factors.catalogue import Catalogue, RegimeProfile
from chainreview.findings.coverage import Coverage
from chainreview.findings.model import Finding
from chainreview.findings.scan import Undecided
from chainreview.intel.eol import EolCycle
from chainreview.levels import Level

if TYPE_CHECKING:
    from chainreview.factors.parties import Screening

__all__ = [
    "ESTABLISHED_FLOOR",
    "RANK",
    "Due",
    "Evaluator",
    "EvidenceRef",
    "FactorAssessment",
    "Gap",
    "IntelPort",
    "Limitation",
    "Mitigation",
    "NameScreener",
    "Party",
    "Raise",
    "ReviewContext",
    "Rule",
    "ScreeningHitView",
    "citations",
    "commitment_asked",
    "commitment_gap",
    "conclude",
    "declared",
    "limitation",
    "missing",
    "worst",
]

RANK: Final = {Level.NONE: 0, Level.LOW: 1, Level.MEDIUM: 2, Level.HIGH: 3, Level.CRITICAL: 4}
"""Order of the determined levels; `undetermined` has no rank."""

ESTABLISHED_FLOOR: Final = Level.HIGH
"""The lowest level that stands although evidence is missing (see the module doc)."""


def worst(levels: Iterable[Level]) -> Level:
    """The highest of determined `levels` (`none` when there are none)."""
    return max(levels, key=RANK.__getitem__, default=Level.NONE)


def declared(pointer: str, detail: str) -> EvidenceRef:
    """Evidence at `pointer` of the declaration manifest."""
    return EvidenceRef(kind="declaration", ref=f"{MANIFEST}#{pointer}", detail=detail)


class Party(StrEnum):
    """Who must act on a condition."""

    OPERATOR = "operator"
    VENDOR = "vendor"


class Due(StrEnum):
    """When a condition must be met."""

    DURING_REVIEW = "during-review"
    """Supplementary materials (Art. 15: the review clock stops meanwhile)."""
    BEFORE_CONTRACT = "before-contract"
    BEFORE_GO_LIVE = "before-go-live"
    WITHIN_DAYS = "within-days"
    """Within `days` of the contract."""
    BEFORE_LISTING = "before-listing-application"
    ONGOING = "ongoing"
    """For as long as the product is in use (Art. 19)."""


@dataclass(frozen=True, slots=True, kw_only=True)
class Mitigation:
    """What would lower a factor's level: the measure, who acts, by when, how it is checked."""

    text: str
    party: Party
    due: Due
    verification: str
    days: int | None = None
    """With `Due.WITHIN_DAYS`: how many days after the contract."""
    condition: bool = True
    """Whether a review can make it a condition of this purchase; False for what only changes
    the supplier itself (its ownership, where it manufactures), named as what would lower the
    level but never listed as a condition."""
    met_by: str | None = None
    """The evidence (a `Gap.what`) whose supply meets this measure: when the review asks for it
    during the review (Art. 15), the measure is not listed again as a condition of its own."""


@dataclass(frozen=True, slots=True, kw_only=True)
class Gap:
    """Evidence the operator or the vendor can supply (Art. 15 supplementary materials)."""

    what: str
    party: Party

    def __str__(self) -> str:
        return f"missing evidence: {self.what}"


@dataclass(frozen=True, slots=True, kw_only=True)
class Limitation:
    """A gap in the tool's own data (a feed or list the intel snapshot lacks): a limitation of
    the review, never a condition on the purchase."""

    what: str

    def __str__(self) -> str:
        return f"not assessed: {self.what}"


def missing(what: str, party: Party = Party.VENDOR) -> Gap:
    """The gap "missing evidence: `what`", which `party` can supply."""
    return Gap(what=what, party=party)


def commitment_gap(vendor: str, kind: Art6Commitment) -> Gap:
    """The evidence a vendor's Art. 6 commitment `kind`, neither signed nor refused, leaves
    missing, the commitment in words: one wording for every factor that reads it
    (`commitment_asked` reads its key back)."""
    return Gap(
        what=f"{vendor}'s Art. 6 commitment “{kind.phrase}” (neither signed nor refused)",
        party=Party.VENDOR,
    )


_COMMITMENT_GAP: Final = re.compile(
    r".+'s Art\. 6 commitment “(.+)” \(neither signed nor refused\)"
)
_COMMITMENT_OF_PHRASE: Final = {kind.phrase: kind for kind in Art6Commitment}


def commitment_asked(what: str) -> Art6Commitment | None:
    """The Art. 6 commitment a `commitment_gap` asks for, or None for other evidence."""
    match = _COMMITMENT_GAP.fullmatch(what)
    return None if match is None else _COMMITMENT_OF_PHRASE.get(match.group(1))


def limitation(what: str) -> Limitation:
    """The limitation "not assessed: `what`"."""
    return Limitation(what=what)


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
        mitigation: Mitigation | Sequence[Mitigation] | None = None,
    ) -> Raise:
        """The `Raise` of this rule at `level`, with what would lower it (one or several)."""
        measures = (
            ()
            if mitigation is None
            else (mitigation,)
            if isinstance(mitigation, Mitigation)
            else tuple(mitigation)
        )
        return Raise(
            rule=self, level=level, reason=reason, evidence=tuple(evidence), mitigations=measures
        )


@dataclass(frozen=True, slots=True, kw_only=True)
class Raise:
    """One rule that fired: its level, why, on what evidence, and what would lower it."""

    rule: Rule
    level: Level
    """A determined level (`none` records evidence that something is in order)."""
    reason: str
    evidence: tuple[EvidenceRef, ...] = ()
    mitigations: tuple[Mitigation, ...] = ()


@dataclass(frozen=True, slots=True, kw_only=True)
class FactorAssessment:
    """One factor assessed: level, the rule that fired, its evidence, what would change it."""

    factor_id: str
    level: Level
    floor: Level
    """The level the evidence establishes: `level` when determined, the least it can be when
    `undetermined` (never itself undetermined)."""
    rule: str
    """The rule that set the level (`<id> <text>`)."""
    reasons: tuple[str, ...]
    """Short sentences, the deciding one first."""
    evidence: tuple[EvidenceRef, ...]
    mitigations: tuple[Mitigation, ...]
    """What would lower the level (of the raises above `none`)."""
    unmitigated: bool
    """Some raise at `high` or above names no mitigation."""
    missing_evidence: tuple[Gap, ...]
    """Evidence the operator or the vendor can supply."""
    limitations: tuple[Limitation, ...]
    """Gaps in the tool's own data."""
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


class IntelPort(Protocol):
    """What evaluators may ask of the intel snapshot, and nothing more (the sanctions screening
    comes done, in `ReviewContext.screening`)."""

    @property
    def feeds(self) -> frozenset[str]:
        """The feed kinds (`osv`, `kev`, `eol`, …) the snapshot holds records of."""
        ...

    def eol_cycles(self, products: Iterable[str]) -> Mapping[str, tuple[EolCycle, ...]]:
        """The endoflife.date cycles of each product name (lower case), in one look-up; names
        with none are left out."""
        ...


@dataclass(frozen=True, slots=True, kw_only=True)
class ReviewContext:
    """Everything an evaluator may read."""

    declaration: Declaration
    profile: RegimeProfile
    catalogue: Catalogue
    intel: IntelPort | None
    """The intel snapshot's look-ups; None when no snapshot is available."""
    screening: Screening
    """The vendors' parties screened against the sanctions and export-control lists, once
    (no list screened when the snapshot has no sanctions feed)."""
    as_of: date
    """The review date: support periods and validity are judged against it."""
    findings: tuple[Finding, ...] = ()
    """Findings of every product's inventory (VEX applied: resolved ones are kept, not dropped)."""
    indeterminate: tuple[Undecided, ...] = ()
    """Components whose advisories could not be evaluated, and why."""
    coverage: Mapping[str, Coverage] | None = None
    """Product id → what its scan checked against which source; None when no scan ran."""


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
        missing_evidence: Iterable[Gap | Limitation] = (),
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
    text="missing evidence leaves the factor undetermined below high (absent data is not no risk)",
)
_NOTHING_RAISED = Rule(id="R-", text="no rule raised a level")


def conclude(
    factor_id: str,
    raised: Iterable[Raise],
    missing_evidence: Iterable[Gap | Limitation],
    *,
    citations: tuple[str, ...],
    evaluator: str,
    version: str,
) -> FactorAssessment:
    """Fold raises, gaps and limitations into an assessment (policy in the module doc)."""
    raises = sorted(raised, key=lambda r: -RANK[r.level])  # stable: first rule of a level wins
    absent = tuple(dict.fromkeys(missing_evidence))
    gaps = tuple(g for g in absent if isinstance(g, Gap))
    limits = tuple(g for g in absent if isinstance(g, Limitation))
    top = raises[0].level if raises else Level.NONE
    if absent and RANK[top] < RANK[ESTABLISHED_FLOOR]:
        level, rule = Level.UNDETERMINED, _UNDETERMINED
        known = (
            f"what is known already makes it at least {top}"
            if RANK[top]
            else "nothing known so far raises it"
        )
        reasons: list[str] = [f"undetermined: evidence is missing; {known}"]
    else:
        level = top
        rule = raises[0].rule if raises else _NOTHING_RAISED
        reasons = [f"at least {top}: missing evidence could raise it"] if absent else []
    reasons += [r.reason for r in raises]
    return FactorAssessment(
        factor_id=factor_id,
        level=level,
        floor=top,
        rule=str(rule),
        reasons=tuple(dict.fromkeys(reasons)),
        evidence=tuple(dict.fromkeys(e for r in raises for e in r.evidence)),
        mitigations=tuple(dict.fromkeys(m for r in raises if RANK[r.level] for m in r.mitigations)),
        unmitigated=any(
            not r.mitigations and RANK[r.level] >= RANK[ESTABLISHED_FLOOR] for r in raises
        ),
        missing_evidence=gaps,
        limitations=limits,
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
