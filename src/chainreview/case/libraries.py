"""Which days of a year are working days, as the calendar libraries know them.

China's working days are set a year at a time by the State Council's notice on the holiday
arrangement (国务院办公厅关于某年部分节假日安排的通知): the days off, and the Saturdays and Sundays
worked to make up for them (调休上班). No rule derives them, so a year is known only from data.

`chinese-calendar` decides every year it holds, except the years in `ERRATA`, which `holidays`
decides. After chinese-calendar's last year, `holidays` decides each following year for which it
has a Saturday or Sunday that is worked: a year it has without one holds at most the statutory
holidays it computes, not the notice (holidays 0.109 is such for 2027). `docs/cases.md` gives
the measurement behind these choices.
"""

from __future__ import annotations

import functools
from collections import defaultdict
from dataclasses import dataclass
from datetime import date, timedelta
from typing import Final

FIRST_YEAR: Final = 1900
"""First year the calendar counts in."""
LAST_YEAR: Final = 2200
"""Last year the calendar counts in."""

ERRATA: Final = {
    2005: "chinese-calendar 1.11.0 has Saturday 2005-12-31 off; the notice for 2006 "
    "(国办发明电〔2005〕35号) made it a working day, as holidays has it",
}
"""Years chinese-calendar gets wrong against the State Council's notice: `holidays` decides them."""


@dataclass(frozen=True, slots=True)
class YearRule:
    """How the days of one year differ from Monday to Friday, and which data says so."""

    year: int
    off: frozenset[date]
    """Days off: holidays and the weekdays given off in exchange (some may fall on weekends)."""
    on: frozenset[date]
    """Saturdays and Sundays that are working days (调休上班)."""
    source: str
    """Which data decided the year, e.g. "chinese-calendar 1.11.0"."""
    provisional: bool = False
    """No arrangement is known for the year: Monday to Friday are counted, nothing else."""

    def workday(self, day: date) -> bool:
        """Whether `day` (a day of this year) is a working day."""
        return day in self.on or (day.weekday() < 5 and day not in self.off)


def uncovered(year: int) -> YearRule:
    """The rule for a year no data covers: Monday to Friday, provisional."""
    source = f"weekdays (provisional: no arrangement for {year})"
    return YearRule(year, frozenset(), frozenset(), source, provisional=True)


def days_of(year: int) -> list[date]:
    """Every day of `year`, in order."""
    first = date(year, 1, 1)
    return [first + timedelta(days=n) for n in range((date(year + 1, 1, 1) - first).days)]


def library_years() -> dict[int, YearRule]:
    """The years the libraries cover, each decided by the library chosen for it (module doc)."""
    return dict(_library_years())


@functools.cache
def _library_years() -> tuple[tuple[int, YearRule], ...]:
    """`library_years`, worked out once per process (the libraries' data never changes while
    it runs; reading `holidays` takes tens of milliseconds)."""
    import chinese_calendar  # type: ignore[import-untyped]

    source = f"chinese-calendar {chinese_calendar.__version__}"
    off: defaultdict[int, set[date]] = defaultdict(set)
    on: defaultdict[int, set[date]] = defaultdict(set)
    for day in chinese_calendar.holidays:
        off[day.year].add(day)
    for day in chinese_calendar.workdays:
        on[day.year].add(day)
    last = max(off)
    years = {
        year: YearRule(year, frozenset(off[year]), frozenset(on[year]), source)
        for year in range(min(off), last + 1)
    }
    for year in ERRATA:
        years[year] = _from_holidays(year) or years[year]
    year = last + 1
    while year <= LAST_YEAR and (rule := _from_holidays(year)) is not None:
        years[year] = rule
        year += 1
    return tuple(sorted(years.items()))


def _from_holidays(year: int) -> YearRule | None:
    """`year` as the `holidays` package has it, or None when it has no Saturday or Sunday worked
    that year (then it does not carry the State Council's arrangement)."""
    from holidays.countries.china import China
    from holidays.version import __version__

    calendar = China(years=year)  # type: ignore[no-untyped-call]
    days = days_of(year)
    on = frozenset(d for d in days if d.weekday() >= 5 and calendar.is_working_day(d))
    if not on:
        return None
    off = frozenset(d for d in days if d.weekday() < 5 and not calendar.is_working_day(d))
    return YearRule(year, off, on, f"holidays {__version__}")
