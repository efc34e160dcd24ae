"""Statutory clocks of a case on the real Chinese working-day calendar: due dates counted by hand
on the State Council's holiday arrangements (National Day 2025, Spring Festival 2024), clock stops
for requested materials (Art. 15), extensions, overdue cases, and a year no arrangement covers."""

from __future__ import annotations

from datetime import date
from pathlib import Path

import pytest

from chainreview.case.procedure import (
    Action,
    Opening,
    Position,
    Role,
    clock,
    load_workflow,
    replay,
)
from chainreview.case.workdays import WorkCalendar, load_calendar
from chainreview.errors import RefusedAction

R, A = Role.REVIEWER, Role.APPLICANT


@pytest.fixture
def cn(tmp_path: Path) -> WorkCalendar:
    return load_calendar("cn-working-days", home=tmp_path)


def _deciding_since(day: date, *more: Action) -> Position:
    """A declared case accepted as complete on `day`: the 10-working-day decision clock runs."""
    history = [
        Action(on=day, action="check", role=R),
        Action(on=day, action="accept", role=R),
        *more,
    ]
    return replay(load_workflow("cn-crm-2022"), Opening.DECLARATION, day, history)


def test_decision_clock_over_national_day_2025(cn: WorkCalendar) -> None:
    # 2025 arrangement: Oct 1-8 off; Sun Sep 28 and Sat Oct 11 worked. Accepted Fri Sep 26, the
    # 10 working days are Sep 28, 29, 30, Oct 9, 10, 11, 13, 14, 15, 16.
    position = _deciding_since(date(2025, 9, 26))
    state = clock(load_workflow("cn-crm-2022"), position, cn, date(2025, 10, 9))
    assert (state.state, state.days, state.due) == ("deciding", 10, date(2025, 10, 16))
    assert state.left == 6  # Oct 10, 11, 13, 14, 15, 16
    assert not state.overdue and not state.provisional and state.stopped_since is None
    late = clock(load_workflow("cn-crm-2022"), position, cn, date(2025, 10, 17))
    assert (late.left, late.overdue) == (-1, True)


def test_materials_requested_stop_the_clock(cn: WorkCalendar) -> None:
    # Requested Mon Sep 29, supplied Fri Oct 10: Sep 30, Oct 9 and Oct 10 are not counted.
    # Counted: Sep 28, 29, then Oct 11, 13, 14, 15, 16, 17, 20, 21.
    request = Action(on=date(2025, 9, 29), action="request-materials", role=R)
    supply = Action(on=date(2025, 10, 10), action="supply-materials", role=A)
    position = _deciding_since(date(2025, 9, 26), request, supply)
    state = clock(load_workflow("cn-crm-2022"), position, cn, date(2025, 10, 13))
    assert (state.paused_days, state.due) == (3, date(2025, 10, 21))
    assert state.left == 6  # Oct 14, 15, 16, 17, 20, 21


def test_a_stopped_clock_has_no_due_date(cn: WorkCalendar) -> None:
    request = Action(on=date(2025, 9, 29), action="request-materials", role=R)
    position = _deciding_since(date(2025, 9, 26), request)
    state = clock(load_workflow("cn-crm-2022"), position, cn, date(2025, 10, 20))
    assert state.stopped_since == date(2025, 9, 29)
    assert state.due is None and not state.overdue
    assert state.left == 8  # Sep 28 and 29 counted before the stop


def test_initial_review_over_spring_festival_2024_and_its_extension(cn: WorkCalendar) -> None:
    # 2024 arrangement: Feb 10-17 off; Sun Feb 4 and Sun Feb 18 worked (Feb 9, New Year's Eve,
    # is a working day). From Fri Jan 26: Jan 29-31 (3), Feb 1-2 (5), Feb 4 (6), Feb 5-9 (11),
    # Feb 18 (12), Feb 19-23 (17), Feb 26-Mar 1 (22), Mar 4-8 (27), Mar 11-13 (30): due Mar 13.
    # Fifteen more: Mar 14-15 (2), 18-22 (7), 25-29 (12), Apr 1-3 (15): due Apr 3.
    workflow = load_workflow("cn-crm-2022")
    day = date(2024, 1, 26)
    position = replay(workflow, Opening.EX_OFFICIO, day, [])
    assert clock(workflow, position, cn, day).due == date(2024, 3, 13)
    extend = Action(on=date(2024, 3, 1), action="extend", role=R)
    extended = replay(workflow, Opening.EX_OFFICIO, day, [extend])
    state = clock(workflow, extended, cn, date(2024, 3, 1))
    assert (state.days, state.due) == (45, date(2024, 4, 3))


def test_a_year_without_an_arrangement_is_counted_on_weekdays_provisionally(
    cn: WorkCalendar,
) -> None:
    # No holiday arrangement for 2031 is published: Mon Mar 3 + 10 weekdays = Mon Mar 17.
    state = clock(
        load_workflow("cn-crm-2022"), _deciding_since(date(2031, 3, 3)), cn, date(2031, 3, 4)
    )
    assert state.due == date(2031, 3, 17)
    assert state.provisional and state.uncovered_years == (2031,)


def test_untimed_state_has_no_clock(cn: WorkCalendar) -> None:
    workflow = load_workflow("cn-crm-2022")
    received = replay(workflow, Opening.DECLARATION, date(2025, 9, 1), [])
    with pytest.raises(RefusedAction, match="state received runs on no clock"):
        clock(workflow, received, cn, date(2025, 9, 2))


def test_days_left_around_the_due_date(cn: WorkCalendar) -> None:
    # Due Thu 2025-10-16 (above): 0 left that day; late from Fri Oct 17 (-1), still -1 on
    # Sat Oct 18 (no working day), -2 on Mon Oct 20.
    position = _deciding_since(date(2025, 9, 26))
    seen = {
        day: (state.left, state.overdue)
        for day in (date(2025, 10, d) for d in (16, 17, 18, 20))
        if (state := clock(load_workflow("cn-crm-2022"), position, cn, day))
    }
    assert seen == {
        date(2025, 10, 16): (0, False),
        date(2025, 10, 17): (-1, True),
        date(2025, 10, 18): (-1, True),
        date(2025, 10, 20): (-2, True),
    }
