"""Each case keeps the position its last action left (the day it entered its state, the
clock's pauses there, the extension days granted), so the case list reads one row a case
instead of replaying every history.

The positions of the histories already recorded are worked out here as the cn-crm-2022
workflow of this revision reads them (the only workflow so far): `request-materials` stops
the clock, `supply-materials` restarts it, `extend` adds its days (none stated: the 15 of the
initial review, Art. 11), and any other action (the opening included) enters a state afresh.
The rules are written out rather than imported: a migration stays what it was when written,
and the store does not import `chainreview.case`.

Revision ID: 0004
Revises: 0002
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from datetime import date
from typing import Any, Final

import sqlalchemy as sa
from alembic import op

revision: str = "0004"
down_revision: str | None = "0002"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

REGIME: Final = "cn-crm-2022"
STOP: Final = "request-materials"
RESUME: Final = "supply-materials"
EXTEND: Final = "extend"
STATED_EXTENSION: Final = {"initial-review": 15}
"""The extension an `extend` without days grants, by state."""

_cases = sa.table(
    "cases",
    sa.column("id", sa.String()),
    sa.column("regime", sa.String()),
    sa.column("state", sa.String()),
    sa.column("entered_on", sa.Date()),
    sa.column("pauses", sa.JSON()),
    sa.column("extension_days", sa.Integer()),
)
_actions = sa.table(
    "case_actions",
    sa.column("case_id", sa.String()),
    sa.column("seq", sa.Integer()),
    sa.column("on_date", sa.Date()),
    sa.column("action", sa.String()),
    sa.column("days", sa.Integer()),
)


def upgrade() -> None:
    with op.batch_alter_table("cases") as batch:
        batch.add_column(sa.Column("entered_on", sa.Date(), nullable=True))
        batch.add_column(sa.Column("pauses", sa.JSON(), nullable=False, server_default="[]"))
        batch.add_column(
            sa.Column("extension_days", sa.Integer(), nullable=False, server_default="0")
        )
    rows = op.get_bind().execute(
        sa.select(
            _cases.c.id, _cases.c.state, _actions.c.on_date, _actions.c.action, _actions.c.days
        )
        .join(_actions, _actions.c.case_id == _cases.c.id)
        .where(_cases.c.regime == REGIME)
        .order_by(_cases.c.id, _actions.c.seq)
    )
    histories: dict[tuple[str, str], list[Any]] = {}
    for row in rows:
        histories.setdefault((row.id, row.state), []).append(row)
    filled = [
        {"case": case_id, **_position(state, history)}
        for (case_id, state), history in histories.items()
    ]
    if filled:
        op.get_bind().execute(_cases.update().where(_cases.c.id == sa.bindparam("case")), filled)


def downgrade() -> None:
    with op.batch_alter_table("cases") as batch:
        batch.drop_column("extension_days")
        batch.drop_column("pauses")
        batch.drop_column("entered_on")


def _position(state: str, history: Iterable[Any]) -> dict[str, Any]:
    """The columns of the position `history` leaves a case in `state` at."""
    entered: date | None = None
    pauses: list[list[str | None]] = []
    extension = 0
    for row in history:
        if row.action == STOP:
            pauses.append([row.on_date.isoformat(), None])
        elif row.action == RESUME:
            pauses[-1][1] = row.on_date.isoformat()
        elif row.action == EXTEND:
            extension += STATED_EXTENSION[state] if row.days is None else row.days
        else:
            entered, pauses, extension = row.on_date, [], 0
    return {"entered_on": entered, "pauses": pauses, "extension_days": extension}
