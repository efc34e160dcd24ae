"""`WorkCalendar.between` counts from running totals per year: it must agree with walking the
days one by one and asking each whether it is worked, over any span (years covered by either
library, 2005, provisional years, spans across New Year, backwards, empty)."""

from __future__ import annotations

from datetime import date, timedelta
from pathlib import Path

from hypothesis import given, settings
from hypothesis import strategies as st

from chainreview.case.workdays import WorkCalendar, load_calendar

CN = load_calendar("cn-working-days", home=None)
DAYS = st.dates(min_value=date(2002, 6, 1), max_value=date(2029, 6, 30))


def _walked(calendar: WorkCalendar, start: date, end: date) -> tuple[int, tuple[int, ...]]:
    first, last = sorted((start, end))
    days = [first + timedelta(days=n) for n in range(1, (last - first).days + 1)]
    counted = sum(calendar.is_workday(day) for day in days)
    uncovered = tuple(sorted({d.year for d in days if calendar.day(d).provisional}))
    return (counted if end >= start else -counted), uncovered


@settings(max_examples=300, deadline=None)
@given(DAYS, DAYS)
def test_between_agrees_with_walking_the_days(start: date, end: date) -> None:
    count = CN.between(start, end)
    assert (count.workdays, count.uncovered_years) == _walked(CN, start, end)
    assert count.provisional == bool(count.uncovered_years)
    assert count.due == end


@settings(max_examples=50, deadline=None)
@given(DAYS, DAYS)
def test_calendar_days_count_every_day(start: date, end: date) -> None:
    every = load_calendar("calendar-days", home=Path("/nonexistent"))
    assert every.between(start, end).workdays == (end - start).days


def _walked_add(calendar: WorkCalendar, start: date, workdays: int) -> tuple[date, tuple[int, ...]]:
    day, counted, years = start, 0, set()
    while counted < workdays:
        day += timedelta(days=1)
        if calendar.day(day).provisional:
            years.add(day.year)
        counted += calendar.is_workday(day)
    return day, tuple(sorted(years))


@settings(max_examples=300, deadline=None)
@given(DAYS, st.integers(min_value=0, max_value=400))
def test_add_agrees_with_walking_the_days(start: date, workdays: int) -> None:
    count = CN.add(start, workdays)
    assert (count.due, count.uncovered_years) == _walked_add(CN, start, workdays)
    assert count.workdays == workdays
