"""Portfolio records: each submission's systems, products with their components and SBOM
edges, vendors and sites, kept as JSON beside it so the portfolio graph is loaded, not read
again from the package. Submissions stored before this revision get theirs on first read.

Revision ID: 0009
Revises: 0008
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0009"
down_revision: str | None = "0008"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        "portfolio_records",
        sa.Column("case_id", sa.String(32), nullable=False),
        sa.Column("submission", sa.Integer(), nullable=False),
        sa.Column("fingerprint", sa.String(64), nullable=False),
        sa.Column("document", sa.LargeBinary(), nullable=False),
        sa.ForeignKeyConstraint(
            ["case_id", "submission"],
            ["submissions.case_id", "submissions.number"],
            name="fk_portfolio_records_case_id_submissions",
        ),
        sa.PrimaryKeyConstraint("case_id", "submission", name="pk_portfolio_records"),
    )


def downgrade() -> None:
    op.drop_table("portfolio_records")
