"""What crosses the store's boundary: frozen dataclasses, never ORM objects."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime
from enum import StrEnum


@dataclass(frozen=True, slots=True, kw_only=True)
class NewCase:
    """What opening a case needs; the store gives the id, the time and the version."""

    regime: str
    title: str
    state: str
    applicant_org: str
    vendor_org: str
    ex_officio: bool = False
    """Opened by the review office itself rather than on an operator's application."""
    snapshot_hash: str | None = None
    year: int | None = None
    """The year its id counts in (the opening day's, in the regime's zone); None: the store
    clock's year in UTC."""


@dataclass(frozen=True, slots=True, kw_only=True)
class CaseRecord:
    """A case as stored; `version` is what an update must name (optimistic locking)."""

    id: str
    regime: str
    title: str
    state: str
    applicant_org: str
    vendor_org: str
    ex_officio: bool
    opened_at: datetime
    opened_by: str
    snapshot_hash: str | None
    version: int
    consulted: bool
    """It has been brought to a state where member units are consulted (revision 0004)."""


@dataclass(frozen=True, slots=True, kw_only=True)
class PositionRecord:
    """Where the case's last recorded action left it (as `chainreview.case` replays it): its
    state, the day it entered it, the clock's pauses and the extension days granted there."""

    state: str
    entered: date
    pauses: tuple[tuple[date, date | None], ...] = ()
    """Each pause as (requested on, supplied on); None: the clock still stands still."""
    extension_days: int = 0
    latest: date | None = None
    """The day of the latest action on the clock in this state (stop, resume, extension)."""


@dataclass(frozen=True, slots=True, kw_only=True)
class StoredFile:
    """A file of a submitted package: where it sits in the package, its digest and size."""

    path: str
    sha256: str
    size: int


@dataclass(frozen=True, slots=True, kw_only=True)
class SubmissionRecord:
    """A declaration package as submitted: every file with its digest, sorted by path."""

    case_id: str
    number: int
    submitted_at: datetime
    submitted_by: str
    party: str
    """Who made it: `applicant`, `vendor` or `office`."""
    files: tuple[StoredFile, ...]


@dataclass(frozen=True, slots=True, kw_only=True)
class RoundRecord:
    """A review round: the result.json bytes exactly as written and the snapshot it used."""

    case_id: str
    number: int
    submission: int
    snapshot_hash: str
    result_json: bytes
    created_at: datetime
    created_by: str


@dataclass(frozen=True, slots=True, kw_only=True)
class OpinionRecord:
    """A member unit's opinion."""

    id: int
    case_id: str
    unit: str
    position: str
    text: str
    given_at: datetime
    given_by: str


@dataclass(frozen=True, slots=True, kw_only=True)
class DecisionRecord:
    """A decision: the outcome and the reason given."""

    id: int
    case_id: str
    outcome: str
    reason: str
    decided_at: datetime
    decided_by: str


class ConditionStatus(StrEnum):
    """What has been recorded of a condition (`chainreview.case.outcomes` adds overdue and
    waived, which depend on the day and on risk acceptances)."""

    OPEN = "open"
    MET = "met"
    BREACHED = "breached"


@dataclass(frozen=True, slots=True, kw_only=True)
class NewCondition:
    """A condition to set: `party` must do `text` by `due` (None: no date)."""

    text: str
    party: str
    due: date | None
    from_round: int | None = None
    """The review round whose result.json states it (None: added by hand)."""
    term: str | None = None
    """That round's term for it (`before-go-live`, `within-days`, `ongoing`, …)."""
    verification: str | None = None
    """How that round says it is checked."""


@dataclass(frozen=True, slots=True, kw_only=True)
class ConditionRecord:
    """A condition: who must act (`party`), by when, and its recorded status with the note of
    its last change (the evidence it was met on, how it was breached)."""

    id: int
    case_id: str
    decision_id: int | None
    text: str
    party: str
    due: date | None
    status: ConditionStatus
    reason: str | None
    updated_at: datetime
    updated_by: str
    from_round: int | None
    term: str | None
    verification: str | None
    submission: int | None
    """The submission it was met with, when one was named."""


@dataclass(frozen=True, slots=True, kw_only=True)
class NewAcceptance:
    """A risk acceptance to propose: a condition waived (`condition_id`), or a factor level
    overridden (`subject` the factor id, `level`) or a finding accepted (`subject` its id)."""

    kind: str
    owner: str
    """Who answers for the risk accepted."""
    reason: str
    expires: date
    """The last day it counts."""
    condition_id: int | None = None
    subject: str | None = None
    level: str | None = None


@dataclass(frozen=True, slots=True, kw_only=True)
class AcceptanceRecord:
    """A risk acceptance as stored: proposed by one user, approved (or not yet) by another."""

    id: int
    case_id: str
    kind: str
    condition_id: int | None
    subject: str | None
    level: str | None
    owner: str
    reason: str
    expires: date
    proposed_at: datetime
    proposed_by: str
    approved_at: datetime | None
    approved_by: str | None


@dataclass(frozen=True, slots=True, kw_only=True)
class NewFlag:
    """A product of a case to flag for re-review."""

    product: str
    snapshot: str
    previous: str | None
    reasons: str
    """The changes that call for re-review, as canonical JSON (a list)."""


@dataclass(frozen=True, slots=True, kw_only=True)
class FlagRecord:
    """A re-review flag as stored."""

    id: int
    case_id: str
    product: str
    snapshot: str
    previous: str | None
    reasons: str
    flagged_at: datetime
    flagged_by: str


@dataclass(frozen=True, slots=True, kw_only=True)
class NewTriage:
    """The VEX status the office gives a finding of a case's round."""

    round: int
    vulnerability: str
    component: str
    status: str
    justification: str | None
    note: str


@dataclass(frozen=True, slots=True, kw_only=True)
class TriageRecord:
    """A triage as stored."""

    id: int
    case_id: str
    round: int
    vulnerability: str
    component: str
    status: str
    justification: str | None
    note: str
    triaged_at: datetime
    triaged_by: str


@dataclass(frozen=True, slots=True, kw_only=True)
class AuditRecord:
    """One audit entry as stored (`payload` is canonical JSON text)."""

    seq: int
    case_id: str | None
    at: str
    actor: str
    action: str
    payload: str
    prev_hash: str
    hash: str


class AuditProblem(StrEnum):
    """What `verify_audit` found wrong with the first bad entry."""

    TAMPERED = "tampered"
    """The entry's content no longer matches its hash."""
    BROKEN_CHAIN = "broken-chain"
    """The entry does not name the hash of the entry before it."""
    MISSING = "missing"
    """Entries were deleted: the sequence jumps, or the log ends before its recorded head."""
    REORDERED = "reordered"
    """The entry was chained after an entry that now comes later."""


@dataclass(frozen=True, slots=True, kw_only=True)
class AuditVerdict:
    """The result of checking the whole audit log in sequence order."""

    ok: bool
    checked: int
    """Entries found sound before the first bad one (all of them when `ok`)."""
    head: str
    """The hash of the last sound entry: record it elsewhere to detect a rewritten log."""
    first_bad: int | None = None
    """The sequence number of the first bad entry (for `MISSING`, the first one absent)."""
    problem: AuditProblem | None = None
    detail: str | None = None
    """One line saying what is wrong, naming the entry."""


@dataclass(frozen=True, slots=True, kw_only=True)
class NewAction:
    """A procedure action to record on a case: what, on which day, in which role."""

    on: date
    action: str
    role: str
    days: int | None = None
    """An extension's days, when it states them."""
    note: str | None = None


@dataclass(frozen=True, slots=True, kw_only=True)
class ActionRecord:
    """A recorded procedure action; `seq` counts from 1 in the order they were taken."""

    case_id: str
    seq: int
    on: date
    action: str
    role: str
    days: int | None
    note: str | None
    recorded_at: datetime
    recorded_by: str


@dataclass(frozen=True, slots=True, kw_only=True)
class NewUser:
    """Someone to let use the case database."""

    name: str
    role: str
    org: str | None = None
    """The organisation an applicant or vendor acts for (None for the office's people)."""


@dataclass(frozen=True, slots=True, kw_only=True)
class UserRecord:
    """A user as stored; an inactive one may no longer act or read."""

    name: str
    role: str
    org: str | None
    active: bool
    added_at: datetime
    added_by: str


@dataclass(frozen=True, slots=True, kw_only=True)
class TokenRecord:
    """An API token as stored: never the token itself, only what it grants and to whom."""

    id: int
    user: str
    scopes: tuple[str, ...]
    label: str
    created_at: datetime
    created_by: str
    revoked_at: datetime | None
    revoked_by: str | None
