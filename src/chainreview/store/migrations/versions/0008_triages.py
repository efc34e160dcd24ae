"""Triages: the office's VEX status of a finding of a case (with its justification), applied by
every later review round of the case.

Revision ID: 0008
Revises: 0007
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0008"
down_revision: str | None = "0007"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        "triages",
        sa.Column("id", sa.Integer(), autoincrement=True, nullable=False),
        sa.Column("case_id", sa.String(32), nullable=False),
        sa.Column("round", sa.Integer(), nullable=False),
        sa.Column("vulnerability", sa.Text(), nullable=False),
        sa.Column("component", sa.Text(), nullable=False),
        sa.Column("status", sa.String(32), nullable=False),
        sa.Column("justification", sa.String(64), nullable=True),
        sa.Column("note", sa.Text(), nullable=False),
        sa.Column("triaged_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("triaged_by", sa.String(200), nullable=False),
        sa.CheckConstraint(
            "status IN ('affected', 'not_affected', 'fixed', 'under_investigation')",
            name="ck_triages_status_known",
        ),
        sa.CheckConstraint(
            "(status = 'not_affected') = (justification IS NOT NULL)",
            name="ck_triages_justified",
        ),
        sa.ForeignKeyConstraint(["case_id"], ["cases.id"], name="fk_triages_case_id_cases"),
        sa.PrimaryKeyConstraint("id", name="pk_triages"),
    )
    op.create_index("ix_triages_case_id", "triages", ["case_id"])


def downgrade() -> None:
    op.drop_table("triages")
