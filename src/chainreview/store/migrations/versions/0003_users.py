"""The people who may use the case database, each with one role and (for an operator or a
supplier) the organisation they act for; and the party each submission was made by, so that a
supplier sees only what its own organisation submitted (Art. 17). Submissions made before this
revision were the operators' declarations: they are marked `applicant`.

Revision ID: 0003
Revises: 0002
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0003"
down_revision: str | None = "0002"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        "users",
        sa.Column("name", sa.String(200), nullable=False),
        sa.Column("role", sa.String(32), nullable=False),
        sa.Column("org", sa.Text(), nullable=True),
        sa.Column("active", sa.Boolean(), nullable=False),
        sa.Column("added_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("added_by", sa.String(200), nullable=False),
        sa.PrimaryKeyConstraint("name", name="pk_users"),
    )
    with op.batch_alter_table("submissions") as batch:
        batch.add_column(
            sa.Column("party", sa.String(16), nullable=False, server_default="applicant")
        )


def downgrade() -> None:
    with op.batch_alter_table("submissions") as batch:
        batch.drop_column("party")
    op.drop_table("users")
