"""The procedure history of each case: every action taken on it (dated, with the role it was
taken in), from which `chainreview.case` replays its state and its statutory clock; and the
count of them on the case, so that recording one moves the case's lock version.

Revision ID: 0002
Revises: 0001
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0002"
down_revision: str | None = "0001"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    with op.batch_alter_table("cases") as batch:
        batch.add_column(sa.Column("actions", sa.Integer(), nullable=False, server_default="0"))
    op.create_table(
        "case_actions",
        sa.Column("case_id", sa.String(32), nullable=False),
        sa.Column("seq", sa.Integer(), nullable=False),
        sa.Column("on_date", sa.Date(), nullable=False),
        sa.Column("action", sa.String(64), nullable=False),
        sa.Column("role", sa.String(32), nullable=False),
        sa.Column("days", sa.Integer(), nullable=True),
        sa.Column("note", sa.Text(), nullable=True),
        sa.Column("recorded_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("recorded_by", sa.String(200), nullable=False),
        sa.ForeignKeyConstraint(["case_id"], ["cases.id"], name="fk_case_actions_case_id_cases"),
        sa.PrimaryKeyConstraint("case_id", "seq", name="pk_case_actions"),
    )


def downgrade() -> None:
    op.drop_table("case_actions")
    with op.batch_alter_table("cases") as batch:
        batch.drop_column("actions")
