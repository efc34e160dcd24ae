"""The working-day calendar on real dates: every expected value below was counted by hand on a
paper calendar from the State Council's notices, never by the code under test."""

from __future__ import annotations

import hashlib
from datetime import date, timedelta
from importlib.metadata import version
from pathlib import Path

import pytest

from chainreview import limits
from chainreview.case.workdays import (
    WorkCalendar,
    import_arrangement,
    load_calendar,
)
from chainreview.errors import InputError, LimitExceeded

EXAMPLE_2026 = Path(__file__).parents[2] / "examples" / "calendars" / "cn-2026.yaml"
LIBRARIES_MEASURED = version("chinesecalendar") == "1.11.0" and version("holidays") == "0.109"
"""The library releases the 2027 and 2005 findings were measured on (docs/cases.md)."""


@pytest.fixture(scope="module")
def cn() -> WorkCalendar:
    return load_calendar("cn-working-days")


def d(text: str) -> date:
    return date.fromisoformat(text)


def span(first: str, last: str) -> list[date]:
    start, end = d(first), d(last)
    return [start + timedelta(days=n) for n in range((end - start).days + 1)]


# Spring Festival 2024 (notice of 2023-10-25): 10–17 February off, Sundays 4 and 18 February
# worked; New Year's Eve, Friday 9 February, was a working day.
@pytest.mark.parametrize("day", span("2024-02-10", "2024-02-17"))
def test_spring_festival_2024_days_off(cn: WorkCalendar, day: date) -> None:
    found = cn.day(day)
    assert found.workday is False
    assert found.provisional is False
    assert found.source.startswith("chinese-calendar ")


@pytest.mark.parametrize("text", ["2024-02-04", "2024-02-18", "2024-02-09"])
def test_spring_festival_2024_working_days(cn: WorkCalendar, text: str) -> None:
    assert cn.is_workday(d(text))


# National Day 2025: 1–8 October off (Mid-Autumn on 6 October inside it), Sunday 28 September and
# Saturday 11 October worked.
@pytest.mark.parametrize("day", span("2025-10-01", "2025-10-08"))
def test_national_day_2025_days_off(cn: WorkCalendar, day: date) -> None:
    assert not cn.is_workday(day)


def test_national_day_2025_weekends(cn: WorkCalendar) -> None:
    assert cn.is_workday(d("2025-09-28"))  # Sunday worked
    assert cn.is_workday(d("2025-10-11"))  # Saturday worked
    assert not cn.is_workday(d("2025-09-27"))  # the Saturday before: an ordinary weekend
    assert not cn.is_workday(d("2025-10-18"))  # the Saturday after
    assert cn.is_workday(d("2025-10-09"))  # Thursday after the holiday


def test_an_adjusted_saturday_is_counted(cn: WorkCalendar) -> None:
    # Labour Day 2024: Saturday 11 May was worked. Triggered on Friday 10 May, one working day
    # is due that Saturday; a plain weekday calendar would say Monday 13 May.
    assert cn.day(d("2024-05-11")).workday
    assert cn.add(d("2024-05-10"), 1).due == d("2024-05-11")


def test_ten_working_days_over_spring_festival(cn: WorkCalendar) -> None:
    # Triggered Thursday 2024-02-08 (Art. 9: decide within 10 WD of complete materials). Counted:
    #  1 Fri 02-09 | 10–17 Feb off | 2 Sun 02-18 (worked), 3 Mon 19, 4 Tue 20, 5 Wed 21, 6 Thu 22,
    #  7 Fri 23 | Sat 24, Sun 25 off | 8 Mon 26, 9 Tue 27, 10 Wed 28.
    # (Monday to Friday alone would give Thursday 02-22.)
    count = cn.add(d("2024-02-08"), 10)
    assert count.due == d("2024-02-28")
    assert count.workdays == 10
    assert count.provisional is False and count.uncovered_years == ()
    assert count.warning is None
    assert len(count.sources) == 1 and count.sources[0].startswith("chinese-calendar ")
    assert cn.between(d("2024-02-08"), d("2024-02-28")).workdays == 10
    assert cn.left(d("2024-02-28"), d("2024-02-08")) == 10


def test_thirty_working_days_over_national_day(cn: WorkCalendar) -> None:
    # Triggered Friday 2025-09-19 (Art. 11: initial review within 30 WD). Counted:
    #  1 Mon 09-22, 2 Tue 23, 3 Wed 24, 4 Thu 25, 5 Fri 26 | Sat 27 off | 6 Sun 28 (worked),
    #  7 Mon 29, 8 Tue 30 | 1–8 Oct off | 9 Thu 10-09, 10 Fri 10, 11 Sat 11 (worked) | Sun 12 off |
    #  12 Mon 13, 13 Tue 14, 14 Wed 15, 15 Thu 16, 16 Fri 17 | 17 Mon 20, 18 Tue 21, 19 Wed 22,
    #  20 Thu 23, 21 Fri 24 | 22 Mon 27, 23 Tue 28, 24 Wed 29, 25 Thu 30, 26 Fri 31 |
    #  Sat 11-01, Sun 02 off | 27 Mon 11-03, 28 Tue 04, 29 Wed 05, 30 Thu 06.
    count = cn.add(d("2025-09-19"), 30)
    assert count.due == d("2025-11-06")
    assert not count.provisional


def test_the_day_of_the_event_is_not_counted(cn: WorkCalendar) -> None:
    # Civil Code Art. 201(1): counting starts the next day. An event on Saturday 2025-10-04, in
    # the holiday: the first working day after it is Thursday 10-09.
    assert cn.add(d("2025-10-04"), 1).due == d("2025-10-09")
    assert cn.add(d("2025-10-09"), 1).due == d("2025-10-10")  # a working day's event: the next
    assert cn.add(d("2025-10-04"), 0).due == d("2025-10-04")


def test_days_left_and_overdue(cn: WorkCalendar) -> None:
    due = d("2024-02-28")  # Wednesday
    assert cn.left(due, due) == 0
    assert cn.left(due, d("2024-02-27")) == 1
    assert cn.left(due, d("2024-02-29")) == -1  # Thursday: one working day late
    assert cn.left(due, d("2024-03-02")) == -2  # Saturday: Thursday and Friday have passed
    friday = d("2024-03-01")
    assert cn.left(friday, d("2024-03-02")) == -1  # the Saturday after: overdue all the same
    assert cn.left(friday, d("2024-03-04")) == -1  # Monday
    assert cn.left(friday, d("2024-03-05")) == -2  # Tuesday
    # Seen on Monday 2024-02-12, in the holiday: Sunday 18 (worked) and Monday 19 are left.
    assert cn.left(d("2024-02-19"), d("2024-02-12")) == 2
    # Due Friday 02-09; on Saturday 02-17 (holiday) and Sunday 02-18 (worked) it is 1 day late.
    assert cn.left(d("2024-02-09"), d("2024-02-17")) == -1
    assert cn.left(d("2024-02-09"), d("2024-02-18")) == -1
    assert cn.left(d("2024-02-09"), d("2024-02-19")) == -2


def test_between_backwards_is_negative(cn: WorkCalendar) -> None:
    count = cn.between(d("2024-02-28"), d("2024-02-08"))
    assert count.workdays == -10
    assert count.due == d("2024-02-08")


def test_a_year_no_arrangement_covers_is_provisional(cn: WorkCalendar) -> None:
    new_year = cn.day(d("2035-01-01"))  # a Monday, surely a holiday once 2035 is arranged
    assert new_year.workday is True
    assert new_year.provisional is True
    assert new_year.source == "weekdays (provisional: no arrangement for 2035)"
    assert not cn.is_workday(d("2035-01-06"))  # Saturday
    # Friday 2035-01-05 + 3: Monday 8, Tuesday 9, Wednesday 10.
    count = cn.add(d("2035-01-05"), 3)
    assert count.due == d("2035-01-10")
    assert count.provisional is True
    assert count.uncovered_years == (2035,)
    assert count.sources == ("weekdays (provisional: no arrangement for 2035)",)
    assert count.warning is not None and "2035" in count.warning
    assert "chainreview calendar import" in count.warning


@pytest.mark.skipif(
    not LIBRARIES_MEASURED, reason="measured on chinesecalendar 1.11.0, holidays 0.109"
)
def test_2027_is_provisional_on_the_measured_libraries(cn: WorkCalendar) -> None:
    # Neither library has the notice for 2027 (holidays 0.109 computes its statutory days but no
    # weekend worked). Wednesday 2026-12-30 + 5: 1 Thu 12-31 (2026: covered), 2 Fri 2027-01-01
    # (counted: no arrangement), 3 Mon 01-04, 4 Tue 05, 5 Wed 06.
    count = cn.add(d("2026-12-30"), 5)
    assert count.due == d("2027-01-06")
    assert count.provisional and count.uncovered_years == (2027,)
    assert count.sources == (
        "chinese-calendar 1.11.0",
        "weekdays (provisional: no arrangement for 2027)",
    )
    assert cn.between(d("2026-12-30"), d("2026-12-31")).provisional is False


def test_libraries_agree_but_on_2005_12_31(cn: WorkCalendar) -> None:
    """The measurement behind the choice of library (docs/cases.md): chinese-calendar and
    holidays agree on every day of 2004–2026 but Saturday 2005-12-31, which the notice for 2006
    (国办发明电〔2005〕35号: 12月31日（星期六）上班) made a working day, as holidays has it."""
    import chinese_calendar  # type: ignore[import-untyped]
    from holidays.countries.china import China

    other = China(years=range(2004, 2027))
    differing = []
    for day in span("2004-01-01", "2026-12-31"):
        by_holidays = other.is_working_day(day)
        if chinese_calendar.is_workday(day) != by_holidays:
            differing.append(day)
        assert cn.is_workday(day) == by_holidays, day
    assert differing == [d("2005-12-31")]
    assert cn.day(d("2005-12-31")).source.startswith("holidays ")


def test_calendar_days_count_every_day() -> None:
    calendar = load_calendar("calendar-days")
    # 30 September + 21 calendar days: 21 October (National Day counts).
    assert calendar.add(d("2025-09-30"), 21).due == d("2025-10-21")
    assert calendar.day(d("2025-10-01")).workday
    assert calendar.left(d("2025-10-21"), d("2025-10-20")) == 1


def test_unknown_calendar() -> None:
    with pytest.raises(InputError) as caught:
        load_calendar("cn-workdays")
    assert str(caught.value) == (
        "cn-workdays: unknown calendar (known: calendar-days, cn-working-days)"
    )


@pytest.mark.parametrize(
    "call",
    [
        lambda c: c.day(date(1899, 12, 31)),
        lambda c: c.day(date(2201, 1, 1)),
        lambda c: c.add(date.max, 1),
        lambda c: c.add(date(2200, 12, 1), 30),  # 2200-12-01 is a Monday: 22 weekdays remain
        lambda c: c.add(date(2025, 1, 1), 10**12),
        lambda c: c.add(date(2025, 1, 1), -1),
        lambda c: c.between(date(2025, 1, 1), date(9999, 12, 31)),
        lambda c: c.left(date.min, date(2025, 1, 1)),
        lambda c: c.year(1899),
        lambda c: c.year(10_000),
    ],
)
def test_dates_outside_1900_2200_are_input_errors(cn: WorkCalendar, call: object) -> None:
    with pytest.raises(InputError) as caught:
        call(cn)  # type: ignore[operator]
    assert "\n" not in str(caught.value)


def test_a_period_past_2200_says_so(cn: WorkCalendar) -> None:
    with pytest.raises(InputError) as caught:
        cn.add(date(2200, 12, 1), 23)
    assert (
        str(caught.value) == "cn-working-days: 23 working days from 2200-12-01 end after 2200-12-31"
    )


def test_the_bounds_themselves_are_counted(cn: WorkCalendar) -> None:
    assert cn.day(date(1900, 1, 1)).provisional
    assert cn.day(date(2200, 12, 31)).provisional
    assert cn.add(date(2200, 12, 1), 22).due == date(2200, 12, 31)  # Monday 1 … Wednesday 31


# A made-up arrangement for 2035, test data only: New Year's Day off, 7–13 February off,
# Saturday 3 and Sunday 18 February worked.
ARRANGEMENT_2035 = """\
year: 2035
notice:
  title: 国务院办公厅关于2035年部分节假日安排的通知 (test data)
  number: 国办发明电〔2034〕99号
  date: 2034-11-01
  url: https://example.org/2035
holidays:
  - 2035-01-01
  - {from: 2035-02-07, to: 2035-02-13}
workdays: [2035-02-03, 2035-02-18]
"""


def write(folder: Path, text: str, name: str = "2035.yaml") -> Path:
    path = folder / name
    path.write_text(text, encoding="utf-8")
    return path


def test_import_round_trip(tmp_path: Path) -> None:
    home = tmp_path / "home"
    source = write(tmp_path, ARRANGEMENT_2035)
    digest = hashlib.sha256(source.read_bytes()).hexdigest()
    arrangement = import_arrangement(source, home)
    assert arrangement.year == 2035
    assert arrangement.replaced is None
    assert arrangement.workdays == (d("2035-02-03"), d("2035-02-18"))
    assert arrangement.holidays == (d("2035-01-01"), *span("2035-02-07", "2035-02-13"))
    assert arrangement.notice.number == "国办发明电〔2034〕99号"
    folder = home / "calendars" / "cn-working-days"
    assert sorted(p.name for p in folder.iterdir()) == ["2035.json"]  # no temporary file left

    calendar = load_calendar("cn-working-days", home)
    saturday = calendar.day(d("2035-02-03"))
    assert saturday.workday and not saturday.provisional
    assert saturday.source == (
        f"State Council arrangement imported from 2035.yaml (sha256 {digest[:16]})"
    )
    assert not calendar.is_workday(d("2035-01-01"))
    assert not calendar.is_workday(d("2035-02-12"))  # Monday in the holiday
    # Tuesday 2035-02-06 + 5: 7–13 Feb off, 1 Wed 14, 2 Thu 15, 3 Fri 16 | Sat 17 off |
    # 4 Sun 18 (worked), 5 Mon 19.
    count = calendar.add(d("2035-02-06"), 5)
    assert count.due == d("2035-02-19")
    assert count.provisional is False and count.uncovered_years == ()
    assert count.sources == (saturday.source,)
    # Without the home, imports are not read: 2035 stays provisional.
    assert load_calendar("cn-working-days").day(d("2035-02-03")).provisional


def test_import_json(tmp_path: Path) -> None:
    text = (
        '{"year": 2035, "notice": {"title": "t", "date": "2034-11-01", '
        '"url": "https://example.org/2035"}, "holidays": ["2035-01-01"], "workdays": []}'
    )
    arrangement = import_arrangement(write(tmp_path, text, "2035.json"), tmp_path / "home")
    assert arrangement.holidays == (d("2035-01-01"),)
    assert arrangement.notice.number is None


def test_reimport_needs_replace_unless_identical(tmp_path: Path) -> None:
    home = tmp_path / "home"
    first = import_arrangement(write(tmp_path, ARRANGEMENT_2035), home)
    assert import_arrangement(write(tmp_path, ARRANGEMENT_2035), home).replaced is None
    changed = write(tmp_path, ARRANGEMENT_2035.replace("2035-02-18]", "2035-02-17]"), "new.yaml")
    with pytest.raises(InputError, match=r"2035 is already decided by State Council .*--replace"):
        import_arrangement(changed, home)
    replaced = import_arrangement(changed, home, replace=True)
    assert replaced.replaced == first.source
    calendar = load_calendar("cn-working-days", home)
    assert calendar.is_workday(d("2035-02-17")) and not calendar.is_workday(d("2035-02-18"))


def test_example_2026_needs_replace_and_matches_the_library(tmp_path: Path) -> None:
    home = tmp_path / "home"
    with pytest.raises(InputError, match=r"2026 is already decided by chinese-calendar "):
        import_arrangement(EXAMPLE_2026, home)
    assert not (home / "calendars").exists()
    arrangement = import_arrangement(EXAMPLE_2026, home, replace=True)
    assert arrangement.replaced is not None and arrangement.replaced.startswith("chinese-calendar")
    imported, library = load_calendar("cn-working-days", home), load_calendar("cn-working-days")
    assert imported.day(d("2026-02-14")).source.startswith("State Council arrangement imported")
    for day in span("2026-01-01", "2026-12-31"):
        assert imported.is_workday(day) == library.is_workday(day), day


def test_a_damaged_stored_arrangement_is_named(tmp_path: Path) -> None:
    home = tmp_path / "home"
    stored = import_arrangement(write(tmp_path, ARRANGEMENT_2035), home).stored
    stored.write_text('{"year": 2035}', encoding="utf-8")
    with pytest.raises(InputError) as caught:
        load_calendar("cn-working-days", home)
    assert str(caught.value).startswith(f"{stored}: ")
    with pytest.raises(InputError, match="a damaged stored arrangement"):
        import_arrangement(write(tmp_path, ARRANGEMENT_2035), home)
    import_arrangement(write(tmp_path, ARRANGEMENT_2035), home, replace=True)
    assert not load_calendar("cn-working-days", home).day(d("2035-02-03")).provisional


HOSTILE = [
    (  # a day of another year
        ARRANGEMENT_2035.replace("  - 2035-01-01", "  - 2034-12-31"),
        "holidays[0]: 2034-12-31 is not in 2035, the year arranged",
    ),
    (
        ARRANGEMENT_2035.replace("2035-01-01", "2035-02-30"),
        "holidays[0]: '2035-02-30' is not a date (YYYY-MM-DD)",
    ),
    (
        ARRANGEMENT_2035.replace("2035-01-01", "2035-1-1"),
        "holidays[0]: '2035-1-1' is not a date (YYYY-MM-DD)",
    ),
    (  # a Tuesday as a weekend day worked
        ARRANGEMENT_2035.replace("2035-02-18]", "2035-02-06]"),
        "workdays[1]: 2035-02-06 is a Tuesday: a working day in exchange (调休上班) is a "
        "Saturday or a Sunday; weekdays are working days anyway",
    ),
    (  # Saturday 10 February both off and worked
        ARRANGEMENT_2035.replace("2035-02-18]", "2035-02-10]"),
        "workdays: 2035-02-10 is both a day off and a working day",
    ),
    (
        ARRANGEMENT_2035.replace("  - 2035-01-01", "  - 2035-02-08"),
        "holidays[1]: 2035-02-08 is given twice",
    ),
    (
        ARRANGEMENT_2035.replace(
            "from: 2035-02-07, to: 2035-02-13", "from: 2035-02-13, to: 2035-02-07"
        ),
        "holidays[1]: the range ends (2035-02-07) before it starts",
    ),
    (  # a range running 7,000 years on (found by fuzzing): refused before it is laid out
        ARRANGEMENT_2035.replace("to: 2035-02-13", "to: 9999-12-31"),
        "holidays[1]: 9999-12-31 is not in 2035, the year arranged",
    ),
    (
        ARRANGEMENT_2035.replace("from: 2035-02-07", "from: 1900-01-01"),
        "holidays[1]: 1900-01-01 is not in 2035, the year arranged",
    ),
    (
        ARRANGEMENT_2035.replace("year: 2035", "year: true"),
        "year: year True: must be a year from 1900 to 2200",
    ),
    (
        ARRANGEMENT_2035.replace("year: 2035", "year: 2201"),
        "year: year 2201: must be a year from 1900 to 2200",
    ),
    (ARRANGEMENT_2035.replace("workdays:", "workday:"), "unknown key 'workday'"),
    (ARRANGEMENT_2035.replace("  date: 2034-11-01\n", ""), "notice: missing key 'date'"),
    (
        ARRANGEMENT_2035.replace("https://example.org/2035", "javascript:alert(1)"),
        "notice.url: 'javascript:alert(1)' is not an http(s) URL",
    ),
    (
        ARRANGEMENT_2035.replace("date: 2034-11-01", "date: 2036-01-02"),
        "notice.date: 2036-01-02 is after the year 2035 the notice arranges",
    ),
    (
        ARRANGEMENT_2035.replace(
            "  - 2035-01-01\n  - {from: 2035-02-07, to: 2035-02-13}\n", "  []\n"
        ).replace("holidays:\n  []", "holidays: []"),
        "holidays: no day off: a year's arrangement gives its holidays",
    ),
    ("- 2035-01-01\n", "must be a mapping of holidays, notice, workdays, year"),
    (ARRANGEMENT_2035 + "year: 2036\n", "duplicate key 'year'"),
    ("year: 2035\nnotice: [", "not valid YAML"),
]


@pytest.mark.parametrize(("text", "message"), HOSTILE)
def test_hostile_imports_are_refused(tmp_path: Path, text: str, message: str) -> None:
    path = write(tmp_path, text)
    home = tmp_path / "home"
    with pytest.raises(InputError) as caught:
        import_arrangement(path, home)
    assert str(caught.value).startswith(f"{path}: ")
    assert message in str(caught.value)
    assert "\n" not in str(caught.value)
    assert not (home / "calendars").exists()


def test_a_huge_file_is_refused_unread(tmp_path: Path) -> None:
    padding = "# " + "x" * 1000 + "\n"
    path = write(tmp_path, ARRANGEMENT_2035 + padding * (limits.MAX_CALENDAR_BYTES // 1000 + 2))
    with pytest.raises(LimitExceeded, match="over the 65,536-byte limit"):
        import_arrangement(path, tmp_path / "home")


def test_a_folder_is_refused(tmp_path: Path) -> None:
    with pytest.raises(InputError, match="is a directory"):
        import_arrangement(tmp_path, tmp_path / "home")


def test_a_loaded_calendar_is_kept_until_an_import_changes_it(tmp_path: Path) -> None:
    home = tmp_path / "home"
    before = load_calendar("cn-working-days", home)
    assert before.day(d("2035-02-03")).provisional  # a Saturday no arrangement covers
    assert load_calendar("cn-working-days", home) is before  # its counts worked out once
    import_arrangement(write(tmp_path, ARRANGEMENT_2035), home)
    after = load_calendar("cn-working-days", home)
    assert after.is_workday(d("2035-02-03")) and not after.day(d("2035-02-03")).provisional
    assert load_calendar("cn-working-days", home) is after
    changed = write(tmp_path, ARRANGEMENT_2035.replace("2035-02-18]", "2035-02-17]"), "new.yaml")
    import_arrangement(changed, home, replace=True)
    replaced = load_calendar("cn-working-days", home)
    assert replaced.is_workday(d("2035-02-17")) and not replaced.is_workday(d("2035-02-18"))
