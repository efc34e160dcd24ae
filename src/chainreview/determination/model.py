"""What a review concludes: the `Outcome`, its rationale and conditions, and what it rests on.

A `Determination` records everything needed to check and reproduce it: the assessments after
the reviewer's overrides (each override with the level it replaced), the policy id, version and
digest, the intel it rests on (the snapshot's hash, and per source its completeness, demo mark,
the date its data reaches and its staleness against the review date), the sanctions screening
(the lists, every name screened and its outcome, "no hit" included), the limitations of the
review's own data, the evaluator and chainreview versions, and the sha256 of every input file by
package-relative path. It holds no absolute path, host name or clock reading: the same inputs,
snapshot and review date give the same determination. A determination resting on demo
intelligence is provisional (`final` false) unless the review was allowed to accept it.
"""

from __future__ import annotations

from dataclasses import dataclass
from enum import StrEnum

from chainreview.factors.interface import Due, FactorAssessment, Party
from chainreview.levels import Level

__all__ = [
    "AppliedOverride",
    "Condition",
    "ConditionKind",
    "Determination",
    "IntelRef",
    "Outcome",
    "PolicyRef",
    "ReviewLimitation",
    "ScreenedName",
    "ScreeningRecord",
    "SourceRef",
]


class Outcome(StrEnum):
    """The review conclusion (REGIMES §1.6, plus referral to the special review of Arts. 12–14)."""

    NO_REVIEW_NEEDED = "no_review_needed"
    PASS = "pass"
    PASS_WITH_CONDITIONS = "pass_with_conditions"
    REFER_TO_SPECIAL_REVIEW = "refer_to_special_review"
    FAIL = "fail"


class ConditionKind(StrEnum):
    """What a condition asks for."""

    COMMITMENT = "commitment"
    """A supplier commitment to require in the procurement documents (Art. 6, Art. 19)."""
    MITIGATION = "mitigation"
    """A measure that lowers a factor's level (Art. 16(2) during a review)."""
    EVIDENCE = "evidence"
    """Missing evidence to supply (Art. 15: the clock stops meanwhile)."""


@dataclass(frozen=True, slots=True, kw_only=True)
class Condition:
    """One condition of a conditional outcome: what, who acts, by when, how it is checked."""

    kind: ConditionKind
    text: str
    factors: tuple[str, ...]
    """The factors it addresses (none for a commitment the policy asks of every purchase)."""
    party: Party
    due: Due
    verification: str
    days: int | None = None
    """With `due` `within-days`: days after the contract."""


@dataclass(frozen=True, slots=True, kw_only=True)
class ReviewLimitation:
    """A gap in the review's own data (a feed or list the intel lacks): not a condition on the
    purchase, but what the determination could not look at."""

    text: str
    factors: tuple[str, ...]


@dataclass(frozen=True, slots=True, kw_only=True)
class AppliedOverride:
    """A reviewer's override as applied: the level set and the level it replaced."""

    factor: str
    level: Level
    """The level after the override (the evaluator's when only the basis is withheld)."""
    replaced: Level
    """The evaluator's level."""
    reviewer: str
    date: str
    reason: str
    basis_withheld: bool


@dataclass(frozen=True, slots=True, kw_only=True)
class PolicyRef:
    """The policy applied."""

    id: str
    version: str
    sha256: str
    """sha256 of the policy file's bytes."""


@dataclass(frozen=True, slots=True, kw_only=True)
class SourceRef:
    """One source of the intel snapshot, as the determination rests on it."""

    name: str
    kind: str
    records: int
    complete: bool
    """The whole feed, not a partial selection."""
    demo: bool
    as_of: str | None
    """The date its data reaches (YYYY-MM-DD); None when unknown."""
    age_days: int | None
    """Days from `as_of` to the review date."""
    stale: bool
    """Older than the staleness limit at the review date."""


@dataclass(frozen=True, slots=True, kw_only=True)
class IntelRef:
    """The intel snapshot the findings and the screening came from."""

    hash: str
    newest: str | None
    """The date (YYYY-MM-DD) the newest source's data reaches; None when unknown."""
    demo: bool
    """Some source is demo data (the bundled capture)."""
    stale_after_days: int
    sources: tuple[SourceRef, ...]
    warnings: tuple[str, ...]
    """Staleness and demo warnings, as the summary and the report show them."""


@dataclass(frozen=True, slots=True, kw_only=True)
class ScreenedName:
    """One name screened, whose it is, and what it matched ("no hit" when nothing)."""

    name: str
    role: str
    """`vendor`, `owner` or `site`."""
    country: str
    ref: str
    """Where the name is declared (vendor profile and pointer)."""
    hits: tuple[str, ...]
    """`list:uid` of each entry matched; empty: no hit."""


@dataclass(frozen=True, slots=True, kw_only=True)
class ScreeningRecord:
    """That screening happened: the lists (with their source and date) and every name."""

    lists: tuple[str, ...]
    """Ids of the lists screened; empty when the snapshot holds none."""
    sources: tuple[SourceRef, ...]
    """The sanctions sources the lists come from."""
    names: tuple[ScreenedName, ...]
    outcome: str
    """`no hit`, `N hit(s)`, or `not screened`."""


@dataclass(frozen=True, slots=True, kw_only=True)
class Determination:
    """The outcome of one review and everything it rests on."""

    outcome: Outcome
    rule: str
    """Id of the policy rule that decided, or `default`."""
    final: bool
    """False when the determination is provisional (see `provisional`)."""
    provisional: tuple[str, ...]
    """Why the determination is not final (demo intelligence, unless allowed)."""
    rationale: tuple[str, ...]
    """Sentences, the deciding one first."""
    deciding: int
    """How many sentences at the head of `rationale` decided the outcome: the rule's, then what
    made it hold (the KEV findings, the factors it tests); the rest are for information."""
    conditions: tuple[Condition, ...]
    limitations: tuple[ReviewLimitation, ...]
    """What the review's own data could not cover (never conditions on the purchase)."""
    assessments: tuple[FactorAssessment, ...]
    """After overrides, in catalogue order."""
    overrides: tuple[AppliedOverride, ...]
    regime: str
    policy: PolicyRef
    intel: IntelRef | None
    screening: ScreeningRecord
    as_of: str
    """The review date (YYYY-MM-DD)."""
    as_of_basis: str
    """`given` (`--as-of`), or `today in <time zone>` (the clock, in the regime's time zone)."""
    plugins: dict[str, str]
    """Evaluator and matcher name → version, and `chainreview` → its version."""
    inputs: dict[str, str]
    """Package-relative path → sha256 of every input file."""
    overrides_sha256: str | None = None
    """sha256 of the overrides file, when one was given."""
