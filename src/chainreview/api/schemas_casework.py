"""The models of a case's outcome (opinions, decisions, conditions, risk acceptances) and of
its submissions and rounds as the office works on them (the published OpenAPI schema, beside
`api.schemas`)."""

from __future__ import annotations

from datetime import date, datetime
from typing import Annotated, Literal

from pydantic import Field

from chainreview.api.schemas import Day, Model, Note, Version

Text = Annotated[str, Field(min_length=1, max_length=3000)]
Name = Annotated[str, Field(min_length=1, max_length=200)]
PartyName = Literal["applicant", "vendor"]
"""Who a condition binds (`case.outcomes.Party`)."""
Term = Literal["during-review", "before-contract", "before-go-live", "before-listing-application"]
"""The round terms a decision dates (`case.decisions.TERMS`)."""
LevelName = Literal["none", "low", "medium", "high", "critical", "undetermined"]


class OpinionIn(Model):
    """A member unit's opinion on the recommendation (Art. 12(1)), with its reasons."""

    stance: Literal["concur", "dissent"]
    text: Text


class OpinionOut(Model):
    id: int
    unit: str
    stance: str
    text: str
    given_at: datetime
    given_by: str


class RequiredIn(Model):
    """A condition the approver sets: `party` must do `text` by `due` (none: no date)."""

    text: Text
    party: PartyName
    due: Day | None = None


class DecisionIn(Model):
    """The decision that concludes the case (the workflow's decision action is taken with it):
    `pass-with-conditions` takes over the latest round's conditions (unless `from_round` is
    false) and the ones given; `dates` dates each round term for this purchase. `on` defaults
    to today in the case's regime's time zone."""

    outcome: Literal["pass", "pass-with-conditions", "fail"]
    reason: Text
    on: Day | None = None
    conditions: Annotated[list[RequiredIn], Field(default_factory=list, max_length=100)]
    from_round: bool = True
    dates: dict[Term, Day] = Field(default_factory=dict)
    expected_version: Version


class DecisionOut(Model):
    id: int
    outcome: str
    reason: str
    decided_at: datetime
    decided_by: str


class ConditionOut(Model):
    """A condition and where it stands on the day asked (`waiver`: the risk acceptance that
    waives it while one is in force)."""

    id: int
    decision: int | None
    text: str
    party: str
    due: date | None
    status: str
    standing: str
    note: str | None
    from_round: int | None
    term: str | None
    waiver: int | None
    waived_until: date | None


class RulingOut(Model):
    """The decision recorded, the conditions it set, and the state it left the case in."""

    decision: DecisionOut
    conditions: list[ConditionOut]
    state: str


class MetIn(Model):
    """A condition met on `on` (default: today), the evidence in `note` and, when it came as
    one, the submission that carries it."""

    note: Note
    on: Day | None = None
    submission: Annotated[int, Field(ge=1, le=1_000_000)] | None = None


class BreachedIn(Model):
    """A condition breached on `on` (default: today), how in `note`; the workflow's breach
    action is taken with it."""

    note: Note
    on: Day | None = None
    expected_version: Version


class SettledOut(Model):
    condition: ConditionOut
    state: str


class AcceptanceIn(Model):
    """A risk to accept, proposed on `on` (default: today): a condition waived (`condition`), a
    factor's level set (`subject` the factor id, `level`), or a finding accepted (`subject` its
    id); it counts once an approver other than its proposer approves it, until `expires`."""

    kind: Literal["condition", "factor", "finding"]
    owner: Name
    reason: Text
    expires: Day
    on: Day | None = None
    condition: Annotated[int, Field(ge=1, le=2**31 - 1)] | None = None
    subject: Annotated[str, Field(min_length=1, max_length=1000)] | None = None
    level: LevelName | None = None


class ApprovalIn(Model):
    """The day of the approval (default: today in the case's regime's time zone)."""

    on: Day | None = None


class AcceptanceOut(Model):
    id: int
    case: str
    kind: str
    condition: int | None
    subject: str | None
    level: str | None
    owner: str
    reason: str
    expires: date
    proposed_by: str
    approved_by: str | None
    effect: str
    """On the day asked: proposed, in-force or expired."""


class OutcomesOut(Model):
    """What the caller may see of a case's outcome on `today`: the member units' opinions (the
    office's and the units' to read), the decisions, the conditions that bind a party the caller
    sees, and the risk acceptances."""

    today: date
    opinions: list[OpinionOut]
    decisions: list[DecisionOut]
    conditions: list[ConditionOut]
    acceptances: list[AcceptanceOut]


class RoundIn(Model):
    """Review a submission (default: the latest) on the current intel snapshot as of `as_of`
    (default: today) as the case's next round, with the risk acceptances in force that day and
    every triage of the case applied."""

    submission: Annotated[int, Field(ge=1, le=1_000_000)] | None = None
    as_of: Day | None = None
    allow_demo_intel: bool = False
