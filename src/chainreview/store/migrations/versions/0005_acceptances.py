"""Risk acceptances (a waived condition, a factor level overridden, a finding accepted), each
proposed by one user and approved by another: the CHECK `two_people` refuses a row whose
approver is its proposer. Conditions keep what is recorded of them (open, met, breached) and no
longer a stored overdue or waived: those are read from the day and from approved acceptances.
A condition stored as overdue or waived before this revision reads open again (its due date
still makes it overdue; a waiver recorded without a second person's approval does not count);
its note is kept. Conditions also keep the review round that set them, that round's term and
verification, and the submission they were met with.

Revision ID: 0005
Revises: 0004
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0005"
down_revision: str | None = "0004"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

_STATUS = "ck_conditions_status_known"


def upgrade() -> None:
    op.execute("UPDATE conditions SET status = 'open' WHERE status IN ('overdue', 'waived')")
    with op.batch_alter_table("conditions") as batch:
        batch.drop_constraint(_STATUS, type_="check")
        batch.create_check_constraint(_STATUS, "status IN ('open', 'met', 'breached')")
        batch.add_column(sa.Column("from_round", sa.Integer(), nullable=True))
        batch.add_column(sa.Column("term", sa.String(32), nullable=True))
        batch.add_column(sa.Column("verification", sa.Text(), nullable=True))
        batch.add_column(sa.Column("submission", sa.Integer(), nullable=True))
        batch.create_foreign_key(
            "fk_conditions_case_id_submissions",
            "submissions",
            ["case_id", "submission"],
            ["case_id", "number"],
        )
        batch.create_foreign_key(
            "fk_conditions_case_id_rounds",
            "rounds",
            ["case_id", "from_round"],
            ["case_id", "number"],
        )
    op.create_table(
        "acceptances",
        sa.Column("id", sa.Integer(), autoincrement=True, nullable=False),
        sa.Column("case_id", sa.String(32), nullable=False),
        sa.Column("kind", sa.String(16), nullable=False),
        sa.Column("condition_id", sa.Integer(), nullable=True),
        sa.Column("subject", sa.Text(), nullable=True),
        sa.Column("level", sa.String(16), nullable=True),
        sa.Column("owner", sa.Text(), nullable=False),
        sa.Column("reason", sa.Text(), nullable=False),
        sa.Column("expires", sa.Date(), nullable=False),
        sa.Column("proposed_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("proposed_by", sa.String(200), nullable=False),
        sa.Column("approved_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("approved_by", sa.String(200), nullable=True),
        sa.CheckConstraint(
            "approved_by IS NULL OR approved_by <> proposed_by", name="ck_acceptances_two_people"
        ),
        sa.CheckConstraint(
            "(approved_by IS NULL AND approved_at IS NULL)"
            " OR (approved_by IS NOT NULL AND approved_at IS NOT NULL)",
            name="ck_acceptances_approval_whole",
        ),
        sa.CheckConstraint(
            "kind IN ('condition', 'factor', 'finding')", name="ck_acceptances_kind_known"
        ),
        sa.CheckConstraint(
            "(kind = 'condition' AND condition_id IS NOT NULL AND subject IS NULL)"
            " OR (kind <> 'condition' AND condition_id IS NULL AND subject IS NOT NULL)",
            name="ck_acceptances_covers_one",
        ),
        sa.CheckConstraint(
            "(kind = 'factor' AND level IS NOT NULL) OR (kind <> 'factor' AND level IS NULL)",
            name="ck_acceptances_factor_level",
        ),
        sa.ForeignKeyConstraint(["case_id"], ["cases.id"], name="fk_acceptances_case_id_cases"),
        sa.ForeignKeyConstraint(
            ["condition_id"], ["conditions.id"], name="fk_acceptances_condition_id_conditions"
        ),
        sa.PrimaryKeyConstraint("id", name="pk_acceptances"),
    )
    op.create_index("ix_acceptances_case_id", "acceptances", ["case_id"])
    op.create_index("ix_acceptances_condition_id", "acceptances", ["condition_id"])


def downgrade() -> None:
    op.drop_table("acceptances")
    op.execute("UPDATE conditions SET status = 'open' WHERE status = 'breached'")
    with op.batch_alter_table("conditions") as batch:
        batch.drop_constraint("fk_conditions_case_id_rounds", type_="foreignkey")
        batch.drop_constraint("fk_conditions_case_id_submissions", type_="foreignkey")
        for column in ("submission", "verification", "term", "from_round"):
            batch.drop_column(column)
        batch.drop_constraint(_STATUS, type_="check")
        batch.create_check_constraint(_STATUS, "status IN ('open', 'met', 'overdue', 'waived')")
