"""Re-review flags: a product of a case the monitor flagged after a new intel snapshot (or a
risk acceptance or condition lapsing), with the reasons and the snapshots compared.

Revision ID: 0007
Revises: 0006
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0007"
down_revision: str | None = "0006"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        "rereview_flags",
        sa.Column("id", sa.Integer(), autoincrement=True, nullable=False),
        sa.Column("case_id", sa.String(32), nullable=False),
        sa.Column("product", sa.Text(), nullable=False),
        sa.Column("snapshot", sa.String(64), nullable=False),
        sa.Column("previous", sa.String(64), nullable=True),
        sa.Column("reasons", sa.Text(), nullable=False),
        sa.Column("flagged_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("flagged_by", sa.String(200), nullable=False),
        sa.ForeignKeyConstraint(["case_id"], ["cases.id"], name="fk_rereview_flags_case_id_cases"),
        sa.PrimaryKeyConstraint("id", name="pk_rereview_flags"),
    )
    op.create_index("ix_rereview_flags_case_id", "rereview_flags", ["case_id"])


def downgrade() -> None:
    op.drop_table("rereview_flags")
