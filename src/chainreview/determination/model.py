"""What a review concludes: the `Outcome`, its rationale and conditions, and what it rests on.

A `Determination` records everything needed to check and reproduce it: the assessments after
the reviewer's overrides (each override with the level it replaced), the policy id, version and
digest, the intel snapshot's hash and newest record, the evaluator and chainreview versions, and
the sha256 of every input file by package-relative path. It holds no absolute path, host name or
clock reading: the same inputs give the same determination.
"""

from __future__ import annotations

from dataclasses import dataclass
from enum import StrEnum

from chainreview.evidence.overrides import Level
from chainreview.factors.interface import FactorAssessment

__all__ = [
    "AppliedOverride",
    "Condition",
    "ConditionKind",
    "Determination",
    "Outcome",
    "PolicyRef",
    "SnapshotRef",
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
    """One condition of a conditional outcome."""

    kind: ConditionKind
    text: str
    factor: str | None = None
    """The factor it addresses; None for the policy's commitments."""


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
class SnapshotRef:
    """The intel snapshot the findings came from."""

    hash: str
    newest: str | None
    """Date (YYYY-MM-DD) of the newest record of the snapshot; None when unknown."""
    stale: bool
    """The newest record is more than `STALE_DAYS` older than the review date."""
    warning: str | None = None


@dataclass(frozen=True, slots=True, kw_only=True)
class Determination:
    """The outcome of one review and everything it rests on."""

    outcome: Outcome
    rationale: tuple[str, ...]
    """Sentences, the deciding one first."""
    conditions: tuple[Condition, ...]
    assessments: tuple[FactorAssessment, ...]
    """After overrides, in catalogue order."""
    overrides: tuple[AppliedOverride, ...]
    regime: str
    policy: PolicyRef
    snapshot: SnapshotRef | None
    as_of: str
    """The review date (YYYY-MM-DD)."""
    plugins: dict[str, str]
    """Evaluator and matcher name → version, and `chainreview` → its version."""
    inputs: dict[str, str]
    """Package-relative path → sha256 of every input file."""
    overrides_sha256: str | None = None
    """sha256 of the overrides file, when one was given."""
