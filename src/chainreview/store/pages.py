"""A case page's row: the case, how many procedure actions it has recorded and how many of its
conditions are overdue for the parties asked about, in one query of plain columns (what every
view of a case page reads before anything it may take from the store's memo)."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from functools import cache
from typing import Final

from sqlalchemy import ColumnElement, Date, Select, bindparam, func, literal, select

from chainreview.errors import NotFound
from chainreview.store import outcomes
from chainreview.store.cases import RECORD_COLUMNS, case_of
from chainreview.store.db import Tx
from chainreview.store.records import CaseRecord
from chainreview.store.tables import Case, Condition

_TODAY: Final = bindparam("today", type_=Date())


@dataclass(frozen=True, slots=True, kw_only=True)
class PageRow:
    """The case as stored now, its recorded actions and its overdue conditions on a day."""

    case: CaseRecord
    actions: int
    overdue: int
    """Conditions overdue on the day asked (`outcomes.overdue`) that bind one of the parties
    asked about."""


def page_row(tx: Tx, case_id: str, *, today: date, parties: frozenset[str]) -> PageRow:
    """The case's row with its action count and its conditions overdue on `today` that bind
    one of `parties`; `NotFound` if there is no such case."""
    named = sorted(parties)
    given = {"case_id": case_id, "today": today}
    given.update((f"party{i}", party) for i, party in enumerate(named))
    row = tx.connection().execute(_statement(len(named)), given).mappings().first()
    if row is None:
        raise NotFound(f"no case {case_id}")
    return PageRow(case=case_of(row), actions=row["actions"], overdue=row["overdue"])


@cache
def _statement(parties: int) -> Select[tuple[object, ...]]:
    """The query for `parties` parties, built once (building costs more than running it)."""
    overdue: ColumnElement[int] = literal(0)
    if parties:
        overdue = (
            select(func.count())
            .where(
                Condition.case_id == Case.id,
                Condition.party.in_([bindparam(f"party{i}") for i in range(parties)]),
                outcomes.overdue(_TODAY),
            )
            .scalar_subquery()
        )
    return select(*RECORD_COLUMNS, Case.actions, overdue.label("overdue")).where(
        Case.id == bindparam("case_id")
    )
