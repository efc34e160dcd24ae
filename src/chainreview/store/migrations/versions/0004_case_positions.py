"""Each case keeps the position its last action left (the day it entered its state, the
clock's pauses there, the extension days granted, the day of the latest action on the clock
there) and whether member units have been consulted, so the case list reads one row a case
instead of every history.

For the histories already recorded, both are worked out here as the workflows of this revision
read them. Only cn-crm-2022 has clock actions: `request-materials` stops the clock,
`supply-materials` restarts it, `extend` adds its days (none stated: the 15 of the initial
review, Art. 11). Any other action (the opening included) enters a state afresh. The actions
that bring a case to a state where member units are consulted are in `CONSULTING`. The rules
are written out rather than imported: a migration stays what it was when written, and the
store does not import `chainreview.case`.

Revision ID: 0004
Revises: 0003
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from datetime import date
from typing import Any, Final

import sqlalchemy as sa
from alembic import op

revision: str = "0004"
down_revision: str | None = "0003"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

CLOCKED: Final = "cn-crm-2022"
"""The one regime whose workflow has clock actions."""
STOP: Final = "request-materials"
RESUME: Final = "supply-materials"
EXTEND: Final = "extend"
STATED_EXTENSION: Final = {"initial-review": 15}
"""The extension an `extend` without days grants, by state."""
CONSULTING: Final = {
    "cn-crm-2022": frozenset({"recommend", "escalate"}),
    "us-icts-791": frozenset({"notify-agencies", "consult"}),
}
"""By regime, the actions into a state where member units are consulted."""

_cases = sa.table(
    "cases",
    sa.column("id", sa.String()),
    sa.column("regime", sa.String()),
    sa.column("state", sa.String()),
)
_actions = sa.table(
    "case_actions",
    sa.column("case_id", sa.String()),
    sa.column("seq", sa.Integer()),
    sa.column("on_date", sa.Date()),
    sa.column("action", sa.String()),
    sa.column("days", sa.Integer()),
)
_filled = sa.table(
    "cases",
    sa.column("id", sa.String()),
    sa.column("entered_on", sa.Date()),
    sa.column("pauses", sa.JSON()),
    sa.column("extension_days", sa.Integer()),
    sa.column("clock_latest_on", sa.Date()),
    sa.column("consulted", sa.Boolean()),
)


def upgrade() -> None:
    with op.batch_alter_table("cases") as batch:
        batch.add_column(sa.Column("entered_on", sa.Date(), nullable=True))
        batch.add_column(sa.Column("pauses", sa.JSON(), nullable=False, server_default="[]"))
        batch.add_column(
            sa.Column("extension_days", sa.Integer(), nullable=False, server_default="0")
        )
        batch.add_column(sa.Column("clock_latest_on", sa.Date(), nullable=True))
        batch.add_column(
            sa.Column("consulted", sa.Boolean(), nullable=False, server_default=sa.false())
        )
    rows = op.get_bind().execute(
        sa.select(
            _cases.c.id,
            _cases.c.regime,
            _cases.c.state,
            _actions.c.on_date,
            _actions.c.action,
            _actions.c.days,
        )
        .join(_actions, _actions.c.case_id == _cases.c.id)
        .order_by(_cases.c.id, _actions.c.seq)
    )
    histories: dict[tuple[str, str, str], list[Any]] = {}
    for row in rows:
        histories.setdefault((row.id, row.regime, row.state), []).append(row)
    filled = [
        {"case": case_id, **_position(regime, state, history)}
        for (case_id, regime, state), history in histories.items()
    ]
    if filled:
        update = _filled.update().where(_filled.c.id == sa.bindparam("case"))
        op.get_bind().execute(update, filled)


def downgrade() -> None:
    with op.batch_alter_table("cases") as batch:
        batch.drop_column("consulted")
        batch.drop_column("clock_latest_on")
        batch.drop_column("extension_days")
        batch.drop_column("pauses")
        batch.drop_column("entered_on")


def _position(regime: str, state: str, history: Iterable[Any]) -> dict[str, Any]:
    """The new columns of a case of `regime` in `state` after `history` (in order)."""
    entered: date | None = None
    latest: date | None = None
    pauses: list[list[str | None]] = []
    extension = 0
    consulted = False
    clock = (STOP, RESUME, EXTEND) if regime == CLOCKED else ()
    for row in history:
        consulted = consulted or row.action in CONSULTING.get(regime, ())
        if row.action not in clock:
            entered, latest, pauses, extension = row.on_date, None, [], 0
            continue
        latest = row.on_date
        if row.action == STOP:
            pauses.append([row.on_date.isoformat(), None])
        elif row.action == RESUME:
            pauses[-1][1] = row.on_date.isoformat()
        else:
            extension += STATED_EXTENSION[state] if row.days is None else row.days
    return {
        "entered_on": entered,
        "pauses": pauses,
        "extension_days": extension,
        "clock_latest_on": latest,
        "consulted": consulted,
    }
