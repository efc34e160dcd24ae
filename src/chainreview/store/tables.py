"""The case database as SQLAlchemy 2 mapped tables (the schema the migrations build).

States, regimes, positions and outcomes are plain strings here: `chainreview.case.procedure`
says which values and moves are valid. Times are aware UTC datetimes on both backends
(`UtcDateTime`), except the audit log's `at`, kept as the exact text its hash covers.
"""

from __future__ import annotations

from datetime import UTC, date, datetime
from typing import Any, Final

from sqlalchemy import (
    JSON,
    BigInteger,
    CheckConstraint,
    Date,
    DateTime,
    Dialect,
    ForeignKey,
    ForeignKeyConstraint,
    Integer,
    LargeBinary,
    MetaData,
    String,
    Text,
    false,
)
from sqlalchemy.orm import DeclarativeBase, Mapped, mapped_column
from sqlalchemy.types import TypeDecorator

NAMING: Final = {
    "ix": "ix_%(column_0_label)s",
    "uq": "uq_%(table_name)s_%(column_0_name)s",
    "ck": "ck_%(table_name)s_%(constraint_name)s",
    "fk": "fk_%(table_name)s_%(column_0_name)s_%(referred_table_name)s",
    "pk": "pk_%(table_name)s",
}
"""Constraint names: stable across backends, so a migration can name what it alters."""

CONDITION_STATUSES: Final = ("open", "met", "breached")
"""What is recorded of a condition; overdue and waived are read from the day and from risk
acceptances (`chainreview.case.outcomes`), never stored."""
ACCEPTANCE_KINDS: Final = ("condition", "factor", "finding")
TRIAGE_STATUSES: Final = ("affected", "not_affected", "fixed", "under_investigation")
"""A triage's VEX status (OpenVEX's four, `findings.model.Status`)."""


def _listed(values: tuple[str, ...]) -> str:
    """`('a', 'b')`: the values as an SQL list, for a CHECK."""
    return "(" + ", ".join(f"'{v}'" for v in values) + ")"


class UtcDateTime(TypeDecorator[datetime]):
    """An aware UTC datetime on both backends (SQLite keeps no offset: stored as UTC, read as
    UTC); a naive value is refused."""

    impl = DateTime(timezone=True)
    cache_ok = True

    def process_bind_param(self, value: datetime | None, dialect: Dialect) -> datetime | None:
        if value is None:
            return None
        if value.tzinfo is None:
            raise ValueError(f"naive datetime {value.isoformat()}: give an aware UTC time")
        value = value.astimezone(UTC)
        return value.replace(tzinfo=None) if dialect.name == "sqlite" else value

    def process_result_value(self, value: Any, dialect: Dialect) -> datetime | None:
        if value is None:
            return None
        stamp: datetime = value
        return stamp.replace(tzinfo=UTC) if stamp.tzinfo is None else stamp.astimezone(UTC)


class Base(DeclarativeBase):
    """Every table of the case database."""

    metadata = MetaData(naming_convention=NAMING)


class Case(Base):
    """A review case: who applied for what, where it stands, and its lock version."""

    __tablename__ = "cases"

    id: Mapped[str] = mapped_column(String(32), primary_key=True)
    regime: Mapped[str] = mapped_column(String(64))
    title: Mapped[str] = mapped_column(Text)
    state: Mapped[str] = mapped_column(String(64))
    applicant_org: Mapped[str] = mapped_column(Text)
    vendor_org: Mapped[str] = mapped_column(Text)
    ex_officio: Mapped[bool]
    opened_at: Mapped[datetime] = mapped_column(UtcDateTime)
    opened_by: Mapped[str] = mapped_column(String(200))
    snapshot_hash: Mapped[str | None] = mapped_column(String(64), index=True)
    version: Mapped[int] = mapped_column(Integer)
    actions: Mapped[int] = mapped_column(Integer, server_default="0")
    """Procedure actions recorded (`case_actions`): recording one moves the version."""
    entered_on: Mapped[date | None] = mapped_column(Date)
    """The day the case entered `state` (None until an action is recorded); with `pauses` and
    `extension_days`, the position the last action left (revision 0004)."""
    pauses: Mapped[list[list[str | None]]] = mapped_column(JSON, server_default="[]")
    """The clock's pauses in that state: [requested on, supplied on or null], ISO dates."""
    extension_days: Mapped[int] = mapped_column(Integer, server_default="0")
    clock_latest_on: Mapped[date | None] = mapped_column(Date)
    """The day of the latest action on the clock in that state, if any."""
    consulted: Mapped[bool] = mapped_column(server_default=false())
    """An action has brought the case to a state where member units are consulted."""

    __mapper_args__ = {"version_id_col": version}  # noqa: RUF012 (SQLAlchemy reads a dict)


class CaseAction(Base):
    """One action of a case's procedure: what, on which day, in which role, by whom."""

    __tablename__ = "case_actions"

    case_id: Mapped[str] = mapped_column(ForeignKey("cases.id"), primary_key=True)
    seq: Mapped[int] = mapped_column(Integer, primary_key=True)
    on_date: Mapped[date] = mapped_column(Date)
    action: Mapped[str] = mapped_column(String(64))
    role: Mapped[str] = mapped_column(String(32))
    days: Mapped[int | None] = mapped_column(Integer)
    note: Mapped[str | None] = mapped_column(Text)
    recorded_at: Mapped[datetime] = mapped_column(UtcDateTime)
    recorded_by: Mapped[str] = mapped_column(String(200))


class Blob(Base):
    """File content, stored once under its sha256."""

    __tablename__ = "blobs"

    sha256: Mapped[str] = mapped_column(String(64), primary_key=True)
    size: Mapped[int] = mapped_column(BigInteger)
    content: Mapped[bytes] = mapped_column(LargeBinary)


class Submission(Base):
    """One declaration package as submitted for a case (the first, then each supplement)."""

    __tablename__ = "submissions"

    case_id: Mapped[str] = mapped_column(ForeignKey("cases.id"), primary_key=True)
    number: Mapped[int] = mapped_column(Integer, primary_key=True)
    submitted_at: Mapped[datetime] = mapped_column(UtcDateTime)
    submitted_by: Mapped[str] = mapped_column(String(200))
    party: Mapped[str] = mapped_column(String(16), server_default="applicant")
    """Who submitted it: `applicant`, `vendor` or `office` (the office registering it)."""


class SubmissionFile(Base):
    """A file of a submitted package: its path in the package and its content's digest."""

    __tablename__ = "submission_files"
    __table_args__ = (
        ForeignKeyConstraint(
            ["case_id", "submission"], ["submissions.case_id", "submissions.number"]
        ),
    )

    case_id: Mapped[str] = mapped_column(String(32), primary_key=True)
    submission: Mapped[int] = mapped_column(Integer, primary_key=True)
    path: Mapped[str] = mapped_column(Text, primary_key=True)
    sha256: Mapped[str] = mapped_column(ForeignKey("blobs.sha256"), index=True)


class Round(Base):
    """One review round: the result.json bytes exactly as written, and the snapshot used."""

    __tablename__ = "rounds"
    __table_args__ = (
        ForeignKeyConstraint(
            ["case_id", "submission"], ["submissions.case_id", "submissions.number"]
        ),
    )

    case_id: Mapped[str] = mapped_column(ForeignKey("cases.id"), primary_key=True)
    number: Mapped[int] = mapped_column(Integer, primary_key=True)
    submission: Mapped[int] = mapped_column(Integer)
    snapshot_hash: Mapped[str] = mapped_column(String(64), index=True)
    result_json: Mapped[bytes] = mapped_column(LargeBinary)
    created_at: Mapped[datetime] = mapped_column(UtcDateTime)
    created_by: Mapped[str] = mapped_column(String(200))


class Opinion(Base):
    """A member unit's opinion on a case."""

    __tablename__ = "opinions"

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    case_id: Mapped[str] = mapped_column(ForeignKey("cases.id"), index=True)
    unit: Mapped[str] = mapped_column(Text)
    position: Mapped[str] = mapped_column(String(64))
    text: Mapped[str] = mapped_column(Text)
    given_at: Mapped[datetime] = mapped_column(UtcDateTime)
    given_by: Mapped[str] = mapped_column(String(200))


class Decision(Base):
    """A decision on a case (its outcome and the reason given)."""

    __tablename__ = "decisions"

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    case_id: Mapped[str] = mapped_column(ForeignKey("cases.id"), index=True)
    outcome: Mapped[str] = mapped_column(String(64))
    reason: Mapped[str] = mapped_column(Text)
    decided_at: Mapped[datetime] = mapped_column(UtcDateTime)
    decided_by: Mapped[str] = mapped_column(String(200))


class Condition(Base):
    """A condition set on a case: who must act, by when, and whether it is met or breached."""

    __tablename__ = "conditions"
    __table_args__ = (
        CheckConstraint(f"status IN {_listed(CONDITION_STATUSES)}", name="status_known"),
        ForeignKeyConstraint(
            ["case_id", "submission"], ["submissions.case_id", "submissions.number"]
        ),
        ForeignKeyConstraint(["case_id", "from_round"], ["rounds.case_id", "rounds.number"]),
    )

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    case_id: Mapped[str] = mapped_column(ForeignKey("cases.id"), index=True)
    decision_id: Mapped[int | None] = mapped_column(ForeignKey("decisions.id"))
    text: Mapped[str] = mapped_column(Text)
    party: Mapped[str] = mapped_column(String(64))
    due: Mapped[date | None] = mapped_column(Date)
    status: Mapped[str] = mapped_column(String(16))
    reason: Mapped[str | None] = mapped_column(Text)
    """The note of the last change of status: the evidence it was met on, how it was breached."""
    updated_at: Mapped[datetime] = mapped_column(UtcDateTime)
    updated_by: Mapped[str] = mapped_column(String(200))
    from_round: Mapped[int | None] = mapped_column(Integer)
    """The review round whose result.json set it (None: the approver added it)."""
    term: Mapped[str | None] = mapped_column(String(32))
    """That round's term for it (`before-go-live`, `within-days`, `ongoing`, …)."""
    verification: Mapped[str | None] = mapped_column(Text)
    """How that round says it is checked."""
    submission: Mapped[int | None] = mapped_column(Integer)
    """The submission it was met with, when one was named."""


class Acceptance(Base):
    """A risk accepted on a case: a waived condition, a factor level overridden, a finding
    accepted. It counts only once approved by someone other than who proposed it (the CHECK
    `two_people` holds whatever writes the row), and only up to its expiry day."""

    __tablename__ = "acceptances"
    __table_args__ = (
        CheckConstraint("approved_by IS NULL OR approved_by <> proposed_by", name="two_people"),
        CheckConstraint(
            "(approved_by IS NULL AND approved_at IS NULL)"
            " OR (approved_by IS NOT NULL AND approved_at IS NOT NULL)",
            name="approval_whole",
        ),
        CheckConstraint(f"kind IN {_listed(ACCEPTANCE_KINDS)}", name="kind_known"),
        CheckConstraint(
            "(kind = 'condition' AND condition_id IS NOT NULL AND subject IS NULL)"
            " OR (kind <> 'condition' AND condition_id IS NULL AND subject IS NOT NULL)",
            name="covers_one",
        ),
        CheckConstraint(
            "(kind = 'factor' AND level IS NOT NULL) OR (kind <> 'factor' AND level IS NULL)",
            name="factor_level",
        ),
    )

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    case_id: Mapped[str] = mapped_column(ForeignKey("cases.id"), index=True)
    kind: Mapped[str] = mapped_column(String(16))
    condition_id: Mapped[int | None] = mapped_column(ForeignKey("conditions.id"), index=True)
    subject: Mapped[str | None] = mapped_column(Text)
    """What a factor or finding acceptance covers: the factor id, the finding id."""
    level: Mapped[str | None] = mapped_column(String(16))
    """The level a factor override sets."""
    owner: Mapped[str] = mapped_column(Text)
    reason: Mapped[str] = mapped_column(Text)
    expires: Mapped[date] = mapped_column(Date)
    proposed_at: Mapped[datetime] = mapped_column(UtcDateTime)
    proposed_by: Mapped[str] = mapped_column(String(200))
    approved_at: Mapped[datetime | None] = mapped_column(UtcDateTime)
    approved_by: Mapped[str | None] = mapped_column(String(200))


class RereviewFlag(Base):
    """A product of a case the monitor flagged for re-review after a new intel snapshot (or a
    risk acceptance or condition lapsing): why, and against which snapshots (revision 0007)."""

    __tablename__ = "rereview_flags"

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    case_id: Mapped[str] = mapped_column(ForeignKey("cases.id"), index=True)
    product: Mapped[str] = mapped_column(Text)
    """The product's id in the inventory the monitor read."""
    snapshot: Mapped[str] = mapped_column(String(64))
    """The intel snapshot the monitor matched against."""
    previous: Mapped[str | None] = mapped_column(String(64))
    """The snapshot of the run before, when there was one."""
    reasons: Mapped[str] = mapped_column(Text)
    """The changes that call for re-review, as canonical JSON (a list)."""
    flagged_at: Mapped[datetime] = mapped_column(UtcDateTime)
    flagged_by: Mapped[str] = mapped_column(String(200))


class Triage(Base):
    """The office's VEX status of one finding (vulnerability and component) of a case, made on
    a round and applied by every later round (revision 0008)."""

    __tablename__ = "triages"
    __table_args__ = (
        CheckConstraint(f"status IN {_listed(TRIAGE_STATUSES)}", name="status_known"),
        CheckConstraint(
            "(status = 'not_affected') = (justification IS NOT NULL)", name="justified"
        ),
    )

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    case_id: Mapped[str] = mapped_column(ForeignKey("cases.id"), index=True)
    round: Mapped[int]
    """The round whose finding was triaged."""
    vulnerability: Mapped[str] = mapped_column(Text)
    component: Mapped[str] = mapped_column(Text)
    """The finding's component (its ref in the inventory)."""
    status: Mapped[str] = mapped_column(String(32))
    justification: Mapped[str | None] = mapped_column(String(64))
    note: Mapped[str] = mapped_column(Text)
    triaged_at: Mapped[datetime] = mapped_column(UtcDateTime)
    triaged_by: Mapped[str] = mapped_column(String(200))


class PortfolioRecords(Base):
    """A submission's portfolio records (`chainreview.portfolio.kept`): derived from its files,
    kept so that a portfolio question need not read the package again (revision 0009)."""

    __tablename__ = "portfolio_records"
    __table_args__ = (
        ForeignKeyConstraint(
            ["case_id", "submission"], ["submissions.case_id", "submissions.number"]
        ),
    )

    case_id: Mapped[str] = mapped_column(String(32), primary_key=True)
    submission: Mapped[int] = mapped_column(Integer, primary_key=True)
    fingerprint: Mapped[str] = mapped_column(String(64))
    """The code that derived them: records under another one are derived again."""
    document: Mapped[bytes] = mapped_column(LargeBinary)
    """The records as JSON."""


class User(Base):
    """Someone who may use the case database: one role, and for an operator or a supplier the
    organisation they act for (compared with a case's `applicant_org` / `vendor_org`)."""

    __tablename__ = "users"

    name: Mapped[str] = mapped_column(String(200), primary_key=True)
    role: Mapped[str] = mapped_column(String(32))
    org: Mapped[str | None] = mapped_column(Text)
    active: Mapped[bool]
    added_at: Mapped[datetime] = mapped_column(UtcDateTime)
    added_by: Mapped[str] = mapped_column(String(200))
    password_hash: Mapped[str | None] = mapped_column(Text)
    """The argon2 hash of the user's password (revision 0006); None: no web login."""


class ApiToken(Base):
    """A machine's bearer token for the web service, kept as the SHA-256 of the token only,
    with the scopes it grants (space-separated) and, once revoked, when and by whom."""

    __tablename__ = "api_tokens"

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    user_name: Mapped[str] = mapped_column(ForeignKey("users.name"), index=True)
    digest: Mapped[str] = mapped_column(String(64), unique=True)
    scopes: Mapped[str] = mapped_column(Text)
    label: Mapped[str] = mapped_column(Text)
    created_at: Mapped[datetime] = mapped_column(UtcDateTime)
    created_by: Mapped[str] = mapped_column(String(200))
    revoked_at: Mapped[datetime | None] = mapped_column(UtcDateTime)
    revoked_by: Mapped[str | None] = mapped_column(String(200))


class AuditEntry(Base):
    """One entry of the append-only, hash-chained audit log (`chainreview.store.audit`)."""

    __tablename__ = "audit_log"

    seq: Mapped[int] = mapped_column(BigInteger, primary_key=True, autoincrement=False)
    case_id: Mapped[str | None] = mapped_column(String(32), index=True)
    at: Mapped[str] = mapped_column(String(32))
    actor: Mapped[str] = mapped_column(String(200))
    action: Mapped[str] = mapped_column(String(64))
    payload: Mapped[str] = mapped_column(Text)
    prev_hash: Mapped[str] = mapped_column(String(64))
    hash: Mapped[str] = mapped_column(String(64))


class AuditHead(Base):
    """The one row naming the last audit entry: writers lock it to append in turn."""

    __tablename__ = "audit_head"
    __table_args__ = (CheckConstraint("id = 1", name="single_row"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=False)
    seq: Mapped[int] = mapped_column(BigInteger)
    hash: Mapped[str] = mapped_column(String(64))
