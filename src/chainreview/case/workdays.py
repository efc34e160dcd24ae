"""The working-day calendar statutory deadlines are counted on: due dates, days left, overdue.

`load_calendar("cn-working-days", home)` counts China's working days: a year's days off and the
Saturdays and Sundays worked come from the State Council's arrangement, as an administrator
imported it (`import_arrangement`) or as a library has it (`chainreview.case.libraries`). A year
neither covers is counted Monday to Friday, and every day, count and due date resting on it is
*provisional* and names the year (`Count.uncovered_years`, `warning`). `calendar-days` counts
every day (the US ICTS rule's deadlines).

How a period is counted (`WorkCalendar.add`): the day of the event that starts it is not counted,
and counting begins with the next working day, so a period of N working days ends at the end of
the Nth working day after that event (Civil Code Art. 201(1): 按照年、月、日计算期间的，开始的当日
不计入，自下一日开始计算; Administrative Licensing Law Art. 82: 期限以工作日计算，不含法定节假日).
See `docs/cases.md`.

Dates are counted from 1900-01-01 to 2200-12-31; any other is an `InputError`.
"""

from __future__ import annotations

import bisect
import functools
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from datetime import date, timedelta
from pathlib import Path
from types import MappingProxyType
from typing import Final

from chainreview.case.arrangement import (
    Arrangement,
    Notice,
    import_arrangement,
    stored_arrangements,
    stored_stamp,
)
from chainreview.case.libraries import (
    FIRST_YEAR,
    LAST_YEAR,
    YearRule,
    days_of,
    library_years,
    uncovered,
)
from chainreview.errors import InputError

__all__ = [
    "CALENDARS",
    "Arrangement",
    "Count",
    "Day",
    "Notice",
    "WorkCalendar",
    "YearRule",
    "import_arrangement",
    "load_calendar",
    "warning",
]

CALENDARS: Final = ("calendar-days", "cn-working-days")
"""The calendars `load_calendar` knows (a regime profile's `procedure.calendar`)."""
EARLIEST: Final = date(FIRST_YEAR, 1, 1)
LATEST: Final = date(LAST_YEAR, 12, 31)
_EVERY_DAY: Final = "calendar days (every day counts)"
_ONE_DAY: Final = timedelta(days=1)


@dataclass(frozen=True, slots=True)
class Day:
    """One day of a calendar: working or not, and which data decided it."""

    day: date
    workday: bool
    source: str
    """e.g. "chinese-calendar 1.11.0", "weekdays (provisional: no arrangement for 2027)"."""
    provisional: bool
    """No arrangement covers the day's year: it was counted as a plain weekday calendar would."""


@dataclass(frozen=True, slots=True)
class Count:
    """A count of working days: the due date (or end date), and what it rests on."""

    due: date
    workdays: int
    provisional: bool
    """Some day counted over lies in a year no arrangement covers."""
    uncovered_years: tuple[int, ...]
    """Those years, sorted."""
    sources: tuple[str, ...]
    """The sources of the days counted over, sorted and distinct."""

    @property
    def warning(self) -> str | None:
        """The warning to show beside the count, when it is provisional."""
        return warning(self.uncovered_years)


def warning(years: Iterable[int]) -> str | None:
    """The one-line warning for counts resting on `years` that no arrangement covers (None if
    there are none)."""
    listed = sorted(set(years))
    if not listed:
        return None
    return (
        f"no State Council holiday arrangement for {', '.join(map(str, listed))}: working days "
        "there are counted Monday to Friday, provisional until the arrangement is imported "
        "(chainreview calendar import)"
    )


@dataclass(frozen=True, slots=True)
class WorkCalendar:
    """A working-day calendar (immutable): build it with `load_calendar`."""

    name: str
    years: Mapping[int, YearRule] = field(repr=False)
    """The years an arrangement covers; any other year is provisional (Monday to Friday)."""
    every_day: bool = False
    """Every day is a working day (`calendar-days`)."""
    _running: dict[int, tuple[int, ...]] = field(
        default_factory=dict, init=False, repr=False, compare=False
    )
    """Per year, the working days from 1 January up to and including each day (worked out on
    first use), so that a count over months is a few look-ups, not a walk over its days."""
    _bases: dict[tuple[int, int], tuple[bool, tuple[int, ...], tuple[str, ...]]] = field(
        default_factory=dict, init=False, repr=False, compare=False
    )
    """Per span of years (first, last), what a count over it rests on: provisional, the
    uncovered years, the sources."""

    def day(self, day: date) -> Day:
        """`day` in this calendar."""
        self._check(day)
        if self.every_day:
            return Day(day, True, _EVERY_DAY, provisional=False)
        rule = self.years.get(day.year) or uncovered(day.year)
        return Day(day, rule.workday(day), rule.source, rule.provisional)

    def is_workday(self, day: date) -> bool:
        """Whether `day` is a working day."""
        return self.day(day).workday

    def year(self, year: int) -> tuple[Day, ...]:
        """Every day of `year`, in order."""
        if not FIRST_YEAR <= year <= LAST_YEAR:
            raise InputError(self.name, f"{year} is outside the years {FIRST_YEAR}–{LAST_YEAR}")
        return tuple(self.day(day) for day in days_of(year))

    def add(self, start: date, workdays: int) -> Count:
        """The due date of a period of `workdays` working days started by an event on `start`.

        `start` itself is not counted: the period's first day is the first working day after
        it, and it is due at the end of its last working day (module doc). `workdays` 0 is due
        on `start`.
        """
        self._check(start)
        if workdays < 0:
            raise InputError(self.name, f"a period of {workdays} working days: must be 0 or more")
        if workdays > (LATEST - start).days:
            raise self._beyond(start, workdays)
        if workdays == 0:
            return Count(start, 0, False, (), ())
        if self.every_day:
            return Count(start + timedelta(days=workdays), workdays, False, (), (_EVERY_DAY,))
        year, wanted = start.year, self._upto(start) + workdays
        while wanted > (running := self._running_of(year))[-1]:
            wanted -= running[-1]
            year += 1
            if year > LAST_YEAR:
                raise self._beyond(start, workdays)
        due = date(year, 1, 1) + timedelta(days=bisect.bisect_left(running, wanted))
        return self._count(due, workdays, start, due)

    def _beyond(self, start: date, workdays: int) -> InputError:
        return InputError(self.name, f"{workdays} working days from {start} end after {LATEST}")

    def between(self, start: date, end: date) -> Count:
        """The working days after `start` up to and including `end` (negative when `end` comes
        before `start`); `due` is `end`."""
        self._check(start)
        self._check(end)
        first, last = sorted((start, end))
        if first == last:
            return Count(end, 0, False, (), ())
        if self.every_day:
            counted = (last - first).days
            return Count(end, counted if end >= start else -counted, False, (), (_EVERY_DAY,))
        counted = self._upto(last) - self._upto(first)
        counted += sum(self._running_of(year)[-1] for year in range(first.year, last.year))
        return self._count(end, counted if end >= start else -counted, first, last)

    def _count(self, due: date, workdays: int, first: date, last: date) -> Count:
        """A count over the days after `first` up to `last`: it rests on their years' rules
        (gathered once for each span of years)."""
        span = ((first + _ONE_DAY).year, last.year)
        basis = self._bases.get(span)
        if basis is None:
            years = range(span[0], span[1] + 1)
            rules = [self.years.get(year) or uncovered(year) for year in years]
            uncovered_years = tuple(rule.year for rule in rules if rule.provisional)
            sources = tuple(sorted({rule.source for rule in rules}))
            basis = self._bases[span] = (bool(uncovered_years), uncovered_years, sources)
        return Count(due, workdays, *basis)

    def _upto(self, day: date) -> int:
        """Working days from 1 January of `day`'s year up to and including `day`."""
        return self._running_of(day.year)[day.toordinal() - date(day.year, 1, 1).toordinal()]

    def _running_of(self, year: int) -> tuple[int, ...]:
        running = self._running.get(year)
        if running is None:
            rule = self.years.get(year) or uncovered(year)
            total, counts = 0, []
            for day in days_of(year):
                total += rule.workday(day)
                counts.append(total)
            running = self._running[year] = tuple(counts)
        return running

    def left(self, due: date, today: date) -> int:
        """Working days left until `due`, seen on `today`: those after `today` up to and
        including `due` (0 on the due date). Overdue, it is negative: minus the working days
        since `due`, and at least -1 once `due` has passed (a Saturday after a Friday deadline
        is -1, as is the Monday after)."""
        if today <= due:
            return self.between(today, due).workdays
        return -max(1, self.between(due, today).workdays)

    def _check(self, day: date) -> None:
        if not EARLIEST <= day <= LATEST:
            raise InputError(self.name, f"{day} is outside the calendar ({EARLIEST} to {LATEST})")


def load_calendar(name: str, home: Path | None = None) -> WorkCalendar:
    """The calendar `name` (one of `CALENDARS`), with the arrangements imported under `home`
    (none when `home` is None; the CLI passes `$CHAINREVIEW_HOME`). The same calendar object
    again (its counts worked out once) while the files imported under `home` are the same
    (`stored_stamp`): an import is seen by the next call."""
    return _loaded(name, home, () if home is None else stored_stamp(home))


@functools.lru_cache(maxsize=16)
def _loaded(
    name: str, home: Path | None, stamp: tuple[tuple[str, int, int, int], ...]
) -> WorkCalendar:
    """`load_calendar` for the files `stamp` describes."""
    if name == "calendar-days":
        return WorkCalendar(name, MappingProxyType({}), every_day=True)
    if name != "cn-working-days":
        raise InputError(name, f"unknown calendar (known: {', '.join(CALENDARS)})")
    years = library_years()
    if home is not None:
        years |= {year: found.rule() for year, found in stored_arrangements(home).items()}
    return WorkCalendar(name, MappingProxyType(years))
