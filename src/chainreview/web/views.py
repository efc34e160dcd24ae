"""The library's results as the pages show them (no decisions here: which cases are open and
which actions the caller's role may take, read from the workflow)."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date

from chainreview.api.views import deadline
from chainreview.case.access import OFFICE, Caller
from chainreview.case.diff import Assessment
from chainreview.case.outcomes import Outcomes, Standing
from chainreview.case.procedure import Allowed, Role, allowed_actions, load_workflow
from chainreview.case.rounds import Evidence
from chainreview.case.service import CaseView
from chainreview.factors.catalogue import load_catalogue


@dataclass(frozen=True, slots=True, kw_only=True)
class Row:
    """A case as a list shows it."""

    view: CaseView
    state_title: str
    article: str
    """The article the state rests on (its clock runs on it)."""
    deadline: str
    """`running`, `stopped`, `overdue` or `none` (`api.views.deadline`)."""
    final: bool


@dataclass(frozen=True, slots=True, kw_only=True)
class Board:
    """The dashboard: the open cases by due date (stopped and undated ones last), the overdue
    ones, those whose clock is stopped, those with overdue conditions."""

    open: tuple[Row, ...]
    overdue: tuple[Row, ...]
    stopped: tuple[Row, ...]
    conditions: tuple[Row, ...]
    closed: int


@dataclass(frozen=True, slots=True, kw_only=True)
class Factor:
    """A factor's assessment with its catalogue title."""

    title: str
    assessment: Assessment


@dataclass(frozen=True, slots=True, kw_only=True)
class CasePage:
    """Everything the case page shows."""

    row: Row
    mine: tuple[Allowed, ...]
    """The actions the case allows now that the caller's role may take alone."""
    others: tuple[Allowed, ...]
    """The rest it allows: for other roles, or taken with a decision."""
    evidence: Evidence
    outcomes: Outcomes
    round_number: int | None
    factors: tuple[Factor, ...]
    reports: bool
    """The caller may download the rounds' reports (the office: `case.rounds.round_result`)."""
    decides: bool
    """The case allows now an action taken with the decision, in the caller's role."""
    settles: tuple[int, ...]
    """The conditions the caller may record met (a reviewer: those neither met nor breached)."""


def row(view: CaseView) -> Row:
    state = load_workflow(view.case.regime).states[view.position.state]
    return Row(
        view=view,
        state_title=state.title,
        article=state.article,
        deadline=deadline(view),
        final=state.final,
    )


def listed(views: Sequence[CaseView]) -> tuple[Row, ...]:
    return tuple(row(v) for v in views)


def dashboard(views: Sequence[CaseView]) -> Board:
    rows = listed(views)
    still = [r for r in rows if not r.final]
    by_due = sorted(still, key=lambda r: (_due(r) is None, _due(r) or date.max, r.view.case.id))
    return Board(
        open=tuple(by_due),
        overdue=tuple(r for r in by_due if r.deadline == "overdue"),
        stopped=tuple(r for r in by_due if r.deadline == "stopped"),
        conditions=tuple(r for r in rows if r.view.overdue_conditions),
        closed=len(rows) - len(still),
    )


def _due(found: Row) -> date | None:
    clock = found.view.clock
    return None if clock is None else clock.due


def case_page(
    view: CaseView,
    caller: Caller,
    *,
    evidence: Evidence,
    outcomes: Outcomes,
    round_number: int | None,
    assessed: Sequence[Assessment],
) -> CasePage:
    allowed = allowed_actions(load_workflow(view.case.regime), view.position)
    mine = tuple(a for a in allowed if caller.role in a.roles and not a.with_decision)
    titles = {f.id: f.title for f in load_catalogue().factors}
    return CasePage(
        row=row(view),
        mine=mine,
        others=tuple(a for a in allowed if a not in mine),
        evidence=evidence,
        outcomes=outcomes,
        round_number=round_number,
        factors=tuple(Factor(title=titles.get(a.factor, a.factor), assessment=a) for a in assessed),
        reports=caller.role in OFFICE,
        decides=any(a.with_decision and caller.role in a.roles for a in allowed),
        settles=tuple(
            t.condition.id
            for t in outcomes.conditions
            if caller.role is Role.REVIEWER and t.standing not in (Standing.MET, Standing.BREACHED)
        ),
    )
