"""The case store: cases, content-addressed files, rounds, opinions, decisions, conditions and
the hash-chained audit log (append-only: UPDATE and DELETE refused by triggers).

Revision ID: 0001
Revises:
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0001"
down_revision: str | None = None
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

GENESIS = "0" * 64
"""The hash an empty audit log's head names (the first entry's prev_hash)."""

_SQLITE_TRIGGERS = tuple(
    f"CREATE TRIGGER audit_log_no_{op_name.lower()} BEFORE {op_name} ON audit_log "
    f"BEGIN SELECT RAISE(ABORT, 'audit_log is append-only: {op_name} refused'); END"
    for op_name in ("UPDATE", "DELETE")
)
_POSTGRESQL_TRIGGERS = (
    "CREATE FUNCTION audit_log_append_only() RETURNS trigger LANGUAGE plpgsql AS $$ "
    "BEGIN RAISE EXCEPTION 'audit_log is append-only: % refused', TG_OP; END $$",
    "CREATE TRIGGER audit_log_append_only BEFORE UPDATE OR DELETE ON audit_log "
    "FOR EACH ROW EXECUTE FUNCTION audit_log_append_only()",
    "CREATE TRIGGER audit_log_no_truncate BEFORE TRUNCATE ON audit_log "
    "FOR EACH STATEMENT EXECUTE FUNCTION audit_log_append_only()",
)


def _who_when(prefix: str) -> list[sa.Column[object]]:
    return [
        sa.Column(f"{prefix}_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column(f"{prefix}_by", sa.String(200), nullable=False),
    ]


def upgrade() -> None:
    op.create_table(
        "cases",
        sa.Column("id", sa.String(32), nullable=False),
        sa.Column("regime", sa.String(64), nullable=False),
        sa.Column("title", sa.Text(), nullable=False),
        sa.Column("state", sa.String(64), nullable=False),
        sa.Column("applicant_org", sa.Text(), nullable=False),
        sa.Column("vendor_org", sa.Text(), nullable=False),
        sa.Column("ex_officio", sa.Boolean(), nullable=False),
        *_who_when("opened"),
        sa.Column("snapshot_hash", sa.String(64), nullable=True),
        sa.Column("version", sa.Integer(), nullable=False),
        sa.PrimaryKeyConstraint("id", name="pk_cases"),
    )
    op.create_index("ix_cases_snapshot_hash", "cases", ["snapshot_hash"])
    op.create_table(
        "blobs",
        sa.Column("sha256", sa.String(64), nullable=False),
        sa.Column("size", sa.BigInteger(), nullable=False),
        sa.Column("content", sa.LargeBinary(), nullable=False),
        sa.PrimaryKeyConstraint("sha256", name="pk_blobs"),
    )
    op.create_table(
        "submissions",
        sa.Column("case_id", sa.String(32), nullable=False),
        sa.Column("number", sa.Integer(), nullable=False),
        *_who_when("submitted"),
        sa.ForeignKeyConstraint(["case_id"], ["cases.id"], name="fk_submissions_case_id_cases"),
        sa.PrimaryKeyConstraint("case_id", "number", name="pk_submissions"),
    )
    op.create_table(
        "submission_files",
        sa.Column("case_id", sa.String(32), nullable=False),
        sa.Column("submission", sa.Integer(), nullable=False),
        sa.Column("path", sa.Text(), nullable=False),
        sa.Column("sha256", sa.String(64), nullable=False),
        sa.ForeignKeyConstraint(
            ["case_id", "submission"],
            ["submissions.case_id", "submissions.number"],
            name="fk_submission_files_case_id_submissions",
        ),
        sa.ForeignKeyConstraint(
            ["sha256"], ["blobs.sha256"], name="fk_submission_files_sha256_blobs"
        ),
        sa.PrimaryKeyConstraint("case_id", "submission", "path", name="pk_submission_files"),
    )
    op.create_index("ix_submission_files_sha256", "submission_files", ["sha256"])
    op.create_table(
        "rounds",
        sa.Column("case_id", sa.String(32), nullable=False),
        sa.Column("number", sa.Integer(), nullable=False),
        sa.Column("submission", sa.Integer(), nullable=False),
        sa.Column("snapshot_hash", sa.String(64), nullable=False),
        sa.Column("result_json", sa.LargeBinary(), nullable=False),
        *_who_when("created"),
        sa.ForeignKeyConstraint(["case_id"], ["cases.id"], name="fk_rounds_case_id_cases"),
        sa.ForeignKeyConstraint(
            ["case_id", "submission"],
            ["submissions.case_id", "submissions.number"],
            name="fk_rounds_case_id_submissions",
        ),
        sa.PrimaryKeyConstraint("case_id", "number", name="pk_rounds"),
    )
    op.create_index("ix_rounds_snapshot_hash", "rounds", ["snapshot_hash"])
    op.create_table(
        "opinions",
        sa.Column("id", sa.Integer(), autoincrement=True, nullable=False),
        sa.Column("case_id", sa.String(32), nullable=False),
        sa.Column("unit", sa.Text(), nullable=False),
        sa.Column("position", sa.String(64), nullable=False),
        sa.Column("text", sa.Text(), nullable=False),
        *_who_when("given"),
        sa.ForeignKeyConstraint(["case_id"], ["cases.id"], name="fk_opinions_case_id_cases"),
        sa.PrimaryKeyConstraint("id", name="pk_opinions"),
    )
    op.create_index("ix_opinions_case_id", "opinions", ["case_id"])
    op.create_table(
        "decisions",
        sa.Column("id", sa.Integer(), autoincrement=True, nullable=False),
        sa.Column("case_id", sa.String(32), nullable=False),
        sa.Column("outcome", sa.String(64), nullable=False),
        sa.Column("reason", sa.Text(), nullable=False),
        *_who_when("decided"),
        sa.ForeignKeyConstraint(["case_id"], ["cases.id"], name="fk_decisions_case_id_cases"),
        sa.PrimaryKeyConstraint("id", name="pk_decisions"),
    )
    op.create_index("ix_decisions_case_id", "decisions", ["case_id"])
    op.create_table(
        "conditions",
        sa.Column("id", sa.Integer(), autoincrement=True, nullable=False),
        sa.Column("case_id", sa.String(32), nullable=False),
        sa.Column("decision_id", sa.Integer(), nullable=True),
        sa.Column("text", sa.Text(), nullable=False),
        sa.Column("party", sa.String(64), nullable=False),
        sa.Column("due", sa.Date(), nullable=True),
        sa.Column("status", sa.String(16), nullable=False),
        sa.Column("reason", sa.Text(), nullable=True),
        *_who_when("updated"),
        sa.CheckConstraint(
            "status IN ('open', 'met', 'overdue', 'waived')", name="ck_conditions_status_known"
        ),
        sa.ForeignKeyConstraint(["case_id"], ["cases.id"], name="fk_conditions_case_id_cases"),
        sa.ForeignKeyConstraint(
            ["decision_id"], ["decisions.id"], name="fk_conditions_decision_id_decisions"
        ),
        sa.PrimaryKeyConstraint("id", name="pk_conditions"),
    )
    op.create_index("ix_conditions_case_id", "conditions", ["case_id"])
    op.create_table(
        "audit_log",
        sa.Column("seq", sa.BigInteger(), autoincrement=False, nullable=False),
        sa.Column("case_id", sa.String(32), nullable=True),
        sa.Column("at", sa.String(32), nullable=False),
        sa.Column("actor", sa.String(200), nullable=False),
        sa.Column("action", sa.String(64), nullable=False),
        sa.Column("payload", sa.Text(), nullable=False),
        sa.Column("prev_hash", sa.String(64), nullable=False),
        sa.Column("hash", sa.String(64), nullable=False),
        sa.PrimaryKeyConstraint("seq", name="pk_audit_log"),
    )
    op.create_index("ix_audit_log_case_id", "audit_log", ["case_id"])
    head = op.create_table(
        "audit_head",
        sa.Column("id", sa.Integer(), autoincrement=False, nullable=False),
        sa.Column("seq", sa.BigInteger(), nullable=False),
        sa.Column("hash", sa.String(64), nullable=False),
        sa.CheckConstraint("id = 1", name="ck_audit_head_single_row"),
        sa.PrimaryKeyConstraint("id", name="pk_audit_head"),
    )
    op.bulk_insert(head, [{"id": 1, "seq": 0, "hash": GENESIS}])
    dialect = op.get_bind().dialect.name
    for statement in _POSTGRESQL_TRIGGERS if dialect == "postgresql" else _SQLITE_TRIGGERS:
        op.execute(statement)


def downgrade() -> None:
    for table in (
        "audit_head",
        "audit_log",
        "conditions",
        "decisions",
        "opinions",
        "rounds",
        "submission_files",
        "submissions",
        "blobs",
        "cases",
    ):
        op.drop_table(table)
    if op.get_bind().dialect.name == "postgresql":
        op.execute("DROP FUNCTION audit_log_append_only()")
