"""Cases on the statutory clock through the store, on both backends: the procedure decides what
may be done, the store keeps every action under the case's lock version, and the clock is
replayed from the recorded history (due dates counted by hand, see tests/case/test_clock.py)."""

from __future__ import annotations

from dataclasses import replace
from datetime import UTC, date, datetime

import pytest
from sqlalchemy import text
from store_kit import Backend

from chainreview.case.access import Caller
from chainreview.case.procedure import Opening, Role
from chainreview.case.service import (
    Opened,
    Step,
    case_today,
    list_case_views,
    open_case,
    take_action,
    view_case,
)
from chainreview.errors import ConflictError, NotFound, RefusedAction
from chainreview.store.audit import verify_audit
from chainreview.store.db import Store

R, A, P = Role.REVIEWER, Role.APPLICANT, Role.APPROVER
GRID = Opened(
    regime="cn-crm-2022",
    title="Grid storage controllers",
    applicant="State Grid Demo Co.",
    vendor="Example Energy Systems Ltd.",
    opening=Opening.DECLARATION,
    on=date(2025, 9, 22),
)
OPERATOR = Caller(name="operator", role=A, org="State Grid Demo Co.")
OFFICE = Caller(name="office", role=R, org=None)


def _as(role: Role) -> Caller:
    """A user in `role`: the grid operator's for an applicant, the vendor's for a vendor."""
    org = {A: GRID.applicant, Role.VENDOR: GRID.vendor}.get(role)
    return Caller(name=f"{role.value}-user", role=role, org=org)


def _act(store: Store, case_id: str, on: date, action: str, role: Role) -> None:
    take_action(
        store,
        case_id,
        Step(action=action, on=on),
        caller=_as(role),
        expected_version=None,
        home=None,
    )


def test_a_declared_case_runs_on_the_decision_clock(store: Store) -> None:
    opened = open_case(store, GRID, caller=OPERATOR, home=None)
    # numbered in the year of the opening day (2025), not the store clock's (2026)
    assert (opened.case.id, opened.case.state, opened.clock) == ("CR-2025-0001", "received", None)
    case_id = opened.case.id
    _act(store, case_id, date(2025, 9, 24), "check", R)
    _act(store, case_id, date(2025, 9, 26), "accept", R)
    view = view_case(store, case_id, caller=OFFICE, today=date(2025, 10, 9), home=None)
    assert view.clock is not None
    # National Day 2025: accepted Fri Sep 26, 10 working days end Thu Oct 16.
    assert (view.case.state, view.clock.due, view.clock.left) == ("deciding", date(2025, 10, 16), 6)
    _act(store, case_id, date(2025, 9, 29), "request-materials", R)
    stopped = view_case(store, case_id, caller=OFFICE, today=date(2025, 10, 9), home=None)
    assert stopped.clock is not None
    assert (stopped.clock.due, stopped.clock.stopped_since) == (None, date(2025, 9, 29))
    _act(store, case_id, date(2025, 10, 10), "supply-materials", A)
    resumed = view_case(store, case_id, caller=OFFICE, today=date(2025, 10, 13), home=None)
    assert resumed.clock is not None
    assert (resumed.clock.due, resumed.clock.paused_days) == (date(2025, 10, 21), 3)
    _act(store, case_id, date(2025, 10, 20), "decide-review", P)
    final = view_case(store, case_id, caller=OFFICE, today=date(2025, 10, 20), home=None)
    assert final.case.state == "initial-review"
    assert [(a.seq, a.action, a.role) for a in final.history] == [
        (1, "declaration", "applicant"),
        (2, "check", "reviewer"),
        (3, "accept", "reviewer"),
        (4, "request-materials", "reviewer"),
        (5, "supply-materials", "applicant"),
        (6, "decide-review", "approver"),
    ]
    assert final.case.version == 7  # opened at 1, then one more for each of six actions
    verdict = verify_audit(store)
    assert verdict.ok and verdict.checked == 7  # case.open, and a case.action for each of six


def test_a_refused_action_writes_nothing(store: Store, backend: Backend) -> None:
    case_id = open_case(store, GRID, caller=OPERATOR, home=None).case.id
    before = view_case(store, case_id, caller=OFFICE, today=GRID.on, home=None)
    with pytest.raises(RefusedAction, match="no action 'conclude' from state received"):
        _act(store, case_id, date(2025, 9, 23), "conclude", P)
    with pytest.raises(RefusedAction, match="check from received is for reviewer, not vendor"):
        _act(store, case_id, date(2025, 9, 23), "check", Role.VENDOR)
    after = view_case(store, case_id, caller=OFFICE, today=GRID.on, home=None)
    assert after == before
    with backend.sql() as connection:
        count = connection.execute(text("SELECT count(*) FROM audit_log")).scalar()
    assert count == 2


def test_an_action_decided_on_an_old_version_is_a_conflict(store: Store) -> None:
    case_id = open_case(store, GRID, caller=OPERATOR, home=None).case.id
    seen = view_case(store, case_id, caller=OFFICE, today=GRID.on, home=None).case.version
    _act(store, case_id, date(2025, 9, 23), "check", R)
    with pytest.raises(ConflictError):
        take_action(
            store,
            case_id,
            Step(action="withdraw", on=date(2025, 9, 23)),
            caller=OPERATOR,
            expected_version=seen,
            home=None,
        )
    assert (
        view_case(store, case_id, caller=OFFICE, today=GRID.on, home=None).case.state
        == "completeness-check"
    )


def test_ex_officio_cases_are_opened_by_the_office(store: Store) -> None:
    # The 2023 memory-chip review: opened by the office on 2023-03-31, in initial review at once.
    chips = Opened(
        regime="cn-crm-2022",
        title="Memory products sold in China",
        applicant="(ex officio)",
        vendor="Foreign memory maker",
        opening=Opening.EX_OFFICIO,
        on=date(2023, 3, 31),
    )
    view = open_case(store, chips, caller=OFFICE, home=None)
    assert view.case.ex_officio and view.case.state == "initial-review"
    assert view.clock is not None and view.clock.days == 30
    with pytest.raises(
        RefusedAction, match="opening a case ex-officio is for approver, reviewer, not applicant"
    ):
        open_case(store, chips, caller=OPERATOR, home=None)


def test_case_list_shows_each_deadline(store: Store) -> None:
    first = open_case(store, GRID, caller=OPERATOR, home=None).case.id
    _act(store, first, date(2025, 9, 24), "check", R)
    _act(store, first, date(2025, 9, 26), "accept", R)
    open_case(store, GRID, caller=OPERATOR, home=None)
    views = list_case_views(store, caller=OFFICE, today=date(2025, 10, 17), home=None)
    assert [(v.case.id, v.case.state) for v in views] == [
        ("CR-2025-0001", "deciding"),
        ("CR-2025-0002", "received"),
    ]
    assert views[0].clock is not None and views[0].clock.overdue
    assert views[1].clock is None


def test_a_cases_default_day_is_in_the_time_zone_of_its_regime(store: Store) -> None:
    beijing = open_case(store, GRID, caller=OPERATOR, home=None).case.id
    us = replace(GRID, regime="us-icts-791", title="Routers")
    new_york = open_case(store, us, caller=OPERATOR, home=None).case.id
    # 20:00 UTC is 04:00 the next day in Beijing (UTC+8) and 15:00 in New York (UTC-5 in winter)
    evening = datetime(2026, 12, 7, 20, 0, tzinfo=UTC)
    days = {c: case_today(store, c, caller=OFFICE, now=evening) for c in (beijing, new_york)}
    assert days == {beijing: date(2026, 12, 8), new_york: date(2026, 12, 7)}
    # 03:30 UTC in July: 11:30 in Beijing, 23:30 the day before in New York (UTC-4 in summer)
    night = datetime(2026, 7, 1, 3, 30, tzinfo=UTC)
    days = {c: case_today(store, c, caller=OFFICE, now=night) for c in (beijing, new_york)}
    assert days == {beijing: date(2026, 7, 1), new_york: date(2026, 6, 30)}
    stranger = Caller(name="other", role=A, org="Another Operator Co.")
    with pytest.raises(NotFound):
        case_today(store, beijing, caller=stranger, now=evening)
