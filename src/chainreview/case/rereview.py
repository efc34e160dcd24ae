"""What the monitor asks of a case: whether a risk acceptance or a condition lapsed between two
runs, and recording that one of its products needs review again.

A risk acceptance **expired** between two days when it was in force on the first (approved,
not past its expiry day) and has expired on the second. A condition became **overdue** when it
stood open or waived on the first day and stands overdue on the second (its due date passed,
or the acceptance waiving it expired). Both are read as `chainreview.case.outcomes` reads them
on each day, never stored stale. The monitor acts as `MONITOR` (the audit log's actor), not as a
registered user: it records, it takes no procedure action.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from typing import Final

from chainreview.case.outcomes import Effect, Standing, effect, track
from chainreview.errors import NotFound
from chainreview.store import acceptances, cases, flags, outcomes
from chainreview.store.db import Store
from chainreview.store.records import FlagRecord, NewFlag

__all__ = ["MONITOR", "Lapse", "flag", "has_case", "lapses"]

MONITOR: Final = "chainreview-monitor"
"""The actor the monitor's records are audit-logged under."""


@dataclass(frozen=True, slots=True, kw_only=True)
class Lapse:
    """A risk acceptance that expired, or a condition that became overdue, between two days."""

    kind: str
    """`acceptance-expired` or `condition-overdue`."""
    id: int
    """The acceptance's or the condition's id."""
    detail: str


def has_case(store: Store, case_id: str) -> bool:
    """Whether the store holds the case."""
    with store.transaction(MONITOR) as tx:
        try:
            cases.get_case(tx, case_id)
        except NotFound:
            return False
    return True


def lapses(store: Store, case_id: str, since: date, today: date) -> tuple[Lapse, ...]:
    """The case's acceptances expired and conditions become overdue after `since`, up to
    `today` (module doc); acceptances first, each by id."""
    with store.transaction(MONITOR) as tx:
        found = acceptances.list_acceptances(tx, case_id)
        conditions = outcomes.list_conditions(tx, case_id)
    lapsed = [
        Lapse(
            kind="acceptance-expired",
            id=a.id,
            detail=f"risk acceptance {a.id} ({a.kind} {a.subject or a.condition_id}) expired "
            f"after {a.expires.isoformat()}",
        )
        for a in found
        if effect(a, since) is Effect.IN_FORCE and effect(a, today) is Effect.EXPIRED
    ]
    for condition in conditions:
        before = track(condition, found, since).standing
        if before in (Standing.OPEN, Standing.WAIVED) and (
            track(condition, found, today).standing is Standing.OVERDUE
        ):
            due = condition.due.isoformat() if condition.due else "?"
            how = "its waiver expired" if before is Standing.WAIVED else f"due {due}"
            lapsed.append(
                Lapse(
                    kind="condition-overdue",
                    id=condition.id,
                    detail=f"condition {condition.id} is overdue ({how})",
                )
            )
    return tuple(lapsed)


def flag(store: Store, case_id: str, new: NewFlag) -> FlagRecord:
    """Record on the case that its product `new.product` needs review again (audit-logged);
    `NotFound` when the store holds no such case."""
    with store.transaction(MONITOR) as tx:
        return flags.record_flag(tx, case_id, new)
