"""What the API reads and writes, as pydantic models: these make the published OpenAPI schema.

Inputs are bounded (lengths, numbers, dates) so that whatever passes validation is something
the library is made to take.
"""

from __future__ import annotations

from datetime import date, datetime
from typing import Annotated, Final, Literal

from pydantic import BaseModel, ConfigDict, Field

FIRST_DAY: Final = date(2000, 1, 1)
LAST_DAY: Final = date(2099, 12, 31)
Day = Annotated[date, Field(ge=FIRST_DAY, le=LAST_DAY)]
"""A day the case calendars can count from and to."""
Version = Annotated[int, Field(ge=1, le=2**31 - 1)]
Note = Annotated[str, Field(min_length=1, max_length=2000)]


class Model(BaseModel):
    model_config = ConfigDict(frozen=True, extra="forbid")


class ErrorOut(Model):
    """Every error: what kind, and the one-line reason; for a declaration package with
    problems, every problem (one line each, naming the file)."""

    error: str
    message: str
    problems: list[str] | None = None


class LoginIn(Model):
    name: Annotated[str, Field(min_length=1, max_length=200)]
    password: Annotated[str, Field(max_length=256)]


class LoginOut(Model):
    """Who is logged in; `csrf_token` goes in the `X-CSRF-Token` header of every unsafe request
    made with the session cookie (it is also in the readable `chainreview_csrf` cookie)."""

    name: str
    role: str
    org: str | None
    csrf_token: str


class PauseOut(Model):
    since: date
    until: date | None


class PositionOut(Model):
    state: str
    entered: date
    pauses: list[PauseOut]
    extension_days: int
    latest: date | None


class ClockOut(Model):
    """The deadline of the state the case is in, on `today`."""

    state: str
    article: str
    started: date
    days: int
    unit: str
    paused_days: int
    stopped_since: date | None
    due: date | None
    left: int
    overdue: bool
    provisional: bool
    uncovered_years: list[int]


Deadline = Literal["running", "stopped", "overdue", "none"]


class CaseOut(Model):
    """A case as the caller may see it, with its deadline on `today`: `running` (due on
    `clock.due`), `stopped` (materials requested), `overdue`, or `none` (no clock in this
    state)."""

    id: str
    regime: str
    title: str
    state: str
    applicant: str
    vendor: str
    ex_officio: bool
    opened_at: datetime
    opened_by: str
    version: int
    position: PositionOut
    deadline: Deadline
    clock: ClockOut | None
    overdue_conditions: int
    today: date


class CaseList(Model):
    cases: list[CaseOut]


class ActionOut(Model):
    seq: int
    on: date
    action: str
    role: str
    days: int | None
    note: str | None
    recorded_at: datetime
    recorded_by: str


class AllowedOut(Model):
    action: str
    roles: list[str]
    with_decision: bool


class CaseDetail(CaseOut):
    """A case with its history and what it allows now (and who may take it)."""

    history: list[ActionOut]
    allowed: list[AllowedOut]


class StepIn(Model):
    """A procedure action (`case show` and `allowed` name them), taken in the caller's role on
    `on` (default: today), on the case at `expected_version` (409 if it moved on)."""

    action: Annotated[str, Field(min_length=1, max_length=64)]
    expected_version: Version
    on: Day | None = None
    days: Annotated[int, Field(ge=1, le=366)] | None = None
    note: Note | None = None


class MaterialsIn(Model):
    """Materials requested or supplied on `on` (default: today), on the case at
    `expected_version`."""

    expected_version: Version
    on: Day | None = None
    note: Note | None = None


class SourceOut(Model):
    name: str
    kind: str
    complete: bool
    demo: bool
    records: int
    withdrawn: int
    as_of: str | None
    licence: str | None
    attribution: str | None


class IntelStatus(Model):
    """The current intel snapshot (None: none yet), its sources and their dates."""

    current: str | None
    bundled: bool
    demo: bool
    imported_at: str | None
    newest: str | None
    sources: list[SourceOut]
    feeds: dict[str, int]
    missing_feeds: list[str]


class AuditOut(Model):
    """The audit log's check: sound, or the first bad entry and why."""

    ok: bool
    checked: int
    head: str
    first_bad: int | None
    problem: str | None
    detail: str | None
