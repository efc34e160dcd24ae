"""A year's State Council holiday arrangement, imported as data for a year no library covers.

The file (JSON, or YAML with dates written `YYYY-MM-DD`) gives the notice it comes from, the
days off and the Saturdays and Sundays worked (调休上班); `docs/cases.md` shows an example. It is
checked strictly, each problem one line naming the file and the place, then stored whole under
`$CHAINREVIEW_HOME/calendars/cn-working-days/<year>.json` with the name and sha256 of the file
it came from. A stored year decides that year from then on, over any library.
"""

from __future__ import annotations

import dataclasses
import hashlib
import os
import re
import tempfile
from dataclasses import dataclass
from datetime import date, timedelta
from pathlib import Path
from typing import Any, Final

from chainreview import canonical, limits, raw
from chainreview.case.libraries import FIRST_YEAR, LAST_YEAR, YearRule, library_years
from chainreview.errors import InputError

CALENDAR: Final = "cn-working-days"
"""The calendar an imported arrangement belongs to."""
_FOLDER: Final = Path("calendars") / CALENDAR
_STORED_NAME: Final = re.compile(r"[0-9]{4}\.json")
_DATE: Final = re.compile(r"[0-9]{4}-[0-9]{2}-[0-9]{2}")
_KEYS: Final = frozenset({"year", "notice", "holidays", "workdays"})
_NOTICE_KEYS: Final = frozenset({"title", "number", "date", "url"})
_MAX_TEXT: Final = 2_000
"""Longest notice title, number or URL kept."""


@dataclass(frozen=True, slots=True)
class Notice:
    """The State Council notice an arrangement comes from."""

    title: str
    number: str | None
    """Its document number (e.g. 国办发明电〔2005〕35号), if given."""
    date: date
    url: str


@dataclass(frozen=True, slots=True)
class Arrangement:
    """One year's imported arrangement, as stored."""

    year: int
    notice: Notice
    holidays: tuple[date, ...]
    """Days off, sorted (weekends inside a holiday period included)."""
    workdays: tuple[date, ...]
    """Saturdays and Sundays worked, sorted."""
    file: str
    """Name of the file it was imported from."""
    sha256: str
    """sha256 of that file's bytes."""
    stored: Path
    """Where it is kept."""
    replaced: str | None = None
    """On import: the source that decided the year until then (a library, an earlier import)."""

    @property
    def source(self) -> str:
        """How days of this year name their source."""
        return f"State Council arrangement imported from {self.file} (sha256 {self.sha256[:16]})"

    def rule(self) -> YearRule:
        """The year's working-day rule."""
        return YearRule(self.year, frozenset(self.holidays), frozenset(self.workdays), self.source)


def import_arrangement(path: Path, home: Path, *, replace: bool = False) -> Arrangement:
    """Check the arrangement in `path` and store it under `home`; it then decides its year.

    A year a library covers, or one imported before from other bytes, is refused unless
    `replace` (the CLI's `--replace`): the imported arrangement then wins, and `replaced` names
    what it replaced. The same bytes may be imported again without `replace`.
    """
    display = str(path)
    data = raw.read_bytes(path, display, limits.MAX_CALENDAR_BYTES)
    value = (
        raw.load_json(data, display) if data.lstrip()[:1] == b"{" else raw.load_yaml(data, display)
    )
    year, notice, days_off, worked = _parse(value, display, _KEYS)
    target = home / _FOLDER / f"{year}.json"
    digest = hashlib.sha256(data).hexdigest()
    arrangement = Arrangement(year, notice, days_off, worked, path.name, digest, target)
    previous = _previous(year, target, digest)
    if previous is not None and not replace:
        raise InputError(
            display,
            f"{year} is already decided by {previous}; import with --replace to make this "
            "arrangement decide it instead",
        )
    stored = {**_plain(arrangement), "imported": {"file": arrangement.file, "sha256": digest}}
    _write_atomically(target, canonical.dumps(stored))
    return dataclasses.replace(arrangement, replaced=previous)


def stored_arrangements(home: Path) -> dict[int, Arrangement]:
    """The arrangements imported under `home`, by year (a damaged one is an `InputError`)."""
    folder = home / _FOLDER
    if not folder.is_dir():
        return {}
    found = {}
    for path in sorted(folder.iterdir()):
        if _STORED_NAME.fullmatch(path.name):
            arrangement = _read_stored(path)
            found[arrangement.year] = arrangement
    return found


def stored_stamp(home: Path) -> tuple[tuple[str, int, int, int], ...]:
    """What tells the arrangements imported under `home` from any others without reading
    them: each stored file's name, inode, size and modification time (an import writes a new
    file and renames it into place, so each import changes its inode)."""
    try:
        entries = sorted(os.scandir(home / _FOLDER), key=lambda entry: entry.name)
    except (FileNotFoundError, NotADirectoryError):
        return ()
    stamps = []
    for entry in entries:
        if _STORED_NAME.fullmatch(entry.name):
            seen = entry.stat()
            stamps.append((entry.name, seen.st_ino, seen.st_size, seen.st_mtime_ns))
    return tuple(stamps)


def _previous(year: int, target: Path, digest: str) -> str | None:
    """What decides `year` now, unless it is an import of the same bytes (None then too)."""
    if target.exists():
        try:
            stored = _read_stored(target)
        except InputError:
            return f"a damaged stored arrangement ({target})"
        return None if stored.sha256 == digest else stored.source
    rule = library_years().get(year)
    return rule.source if rule is not None else None


def _read_stored(path: Path) -> Arrangement:
    display = str(path)
    value = raw.load_json(raw.read_bytes(path, display, limits.MAX_CALENDAR_BYTES), display)
    year, notice, days_off, worked = _parse(value, display, _KEYS | {"imported"})
    if path.name != f"{year}.json":
        raise InputError(display, f"holds the arrangement for {year}, not for {path.stem}")
    imported = _mapping(value.get("imported"), display, "imported", {"file", "sha256"})
    file = _text(imported.get("file"), display, "imported.file")
    digest = imported.get("sha256")
    if not isinstance(digest, str) or not re.fullmatch(r"[0-9a-f]{64}", digest):
        raise InputError(display, "not a sha256 (64 lower-case hex digits)", "imported.sha256")
    return Arrangement(year, notice, days_off, worked, file, digest, path)


def _parse(
    value: Any, display: str, keys: frozenset[str]
) -> tuple[int, Notice, tuple[date, ...], tuple[date, ...]]:
    """The year, notice, days off and weekend days worked of a parsed file, checked."""
    top = _mapping(value, display, "", keys)
    year = top.get("year")
    if not isinstance(year, int) or isinstance(year, bool) or not FIRST_YEAR <= year <= LAST_YEAR:
        message = f"year {raw.preview(year)}: must be a year from {FIRST_YEAR} to {LAST_YEAR}"
        raise InputError(display, message, "year")
    notice = _notice(top.get("notice"), display, year)
    days_off = _days(top.get("holidays"), display, "holidays", year, ranges=True)
    if not days_off:
        raise InputError(display, "no day off: a year's arrangement gives its holidays", "holidays")
    worked = _days(top.get("workdays"), display, "workdays", year, ranges=False)
    for position, day in enumerate(worked):
        if day.weekday() < 5:
            message = (
                f"{day} is a {day:%A}: a working day in exchange (调休上班) is a Saturday or a "
                "Sunday; weekdays are working days anyway"
            )
            raise InputError(display, message, f"workdays[{position}]")
    both = sorted(set(days_off) & set(worked))
    if both:
        raise InputError(display, f"{both[0]} is both a day off and a working day", "workdays")
    return year, notice, tuple(sorted(days_off)), tuple(sorted(worked))


def _notice(value: Any, display: str, year: int) -> Notice:
    notice = _mapping(value, display, "notice", _NOTICE_KEYS, optional=frozenset({"number"}))
    published = _date(notice.get("date"), display, "notice.date")
    if published.year > year:
        message = f"{published} is after the year {year} the notice arranges"
        raise InputError(display, message, "notice.date")
    url = _text(notice.get("url"), display, "notice.url")
    if not re.fullmatch(r"https?://[^\s]+", url, re.ASCII):
        raise InputError(display, f"{raw.preview(url)} is not an http(s) URL", "notice.url")
    number = notice.get("number")
    return Notice(
        title=_text(notice.get("title"), display, "notice.title"),
        number=None if number is None else _text(number, display, "notice.number"),
        date=published,
        url=url,
    )


def _days(value: Any, display: str, key: str, year: int, *, ranges: bool) -> list[date]:
    """The dates of a list of dates (and, if `ranges`, of `{from: DATE, to: DATE}` ranges)."""
    if not isinstance(value, list):
        kind = "dates and {from: DATE, to: DATE} ranges" if ranges else "dates"
        raise InputError(display, f"must be a list of {kind}", key)
    found: list[date] = []
    seen: set[date] = set()
    for position, entry in enumerate(value):
        where = f"{key}[{position}]"
        if ranges and isinstance(entry, dict):
            span = _mapping(entry, display, where, {"from", "to"})
            first = _date(span.get("from"), display, f"{where}.from")
            last = _date(span.get("to"), display, f"{where}.to")
            if last < first:
                raise InputError(display, f"the range ends ({last}) before it starts", where)
            for end in (first, last):  # before the range is laid out day by day
                if end.year != year:
                    raise InputError(display, f"{end} is not in {year}, the year arranged", where)
            days = [first + timedelta(days=n) for n in range((last - first).days + 1)]
        else:
            days = [_date(entry, display, where)]
        for day in days:
            if day.year != year:
                raise InputError(display, f"{day} is not in {year}, the year arranged", where)
            if day in seen:
                raise InputError(display, f"{day} is given twice", where)
            seen.add(day)
            found.append(day)
    return found


def _mapping(
    value: Any,
    display: str,
    where: str,
    keys: frozenset[str] | set[str],
    optional: frozenset[str] = frozenset(),
) -> dict[str, Any]:
    """`value` as a mapping with exactly `keys` (less any of `optional`)."""
    if not isinstance(value, dict):
        raise InputError(display, f"must be a mapping of {', '.join(sorted(keys))}", where)
    unknown = sorted(str(k) for k in value if k not in keys)
    if unknown:
        raise InputError(display, f"unknown key {raw.preview(unknown[0])}", where)
    missing = sorted(set(keys) - set(value) - optional)
    if missing:
        raise InputError(display, f"missing key {missing[0]!r}", where)
    return value


def _date(value: Any, display: str, where: str) -> date:
    if isinstance(value, str) and _DATE.fullmatch(value):
        try:
            return date.fromisoformat(value)
        except ValueError:
            pass
    raise InputError(display, f"{raw.preview(value)} is not a date (YYYY-MM-DD)", where)


def _text(value: Any, display: str, where: str) -> str:
    if not isinstance(value, str) or not value.strip() or len(value) > _MAX_TEXT:
        message = f"must be text of 1 to {_MAX_TEXT:,} characters, not {raw.preview(value)}"
        raise InputError(display, message, where)
    return value


def _plain(arrangement: Arrangement) -> dict[str, Any]:
    """The arrangement in the import format (dates as text, each day off listed)."""
    notice = arrangement.notice
    return {
        "year": arrangement.year,
        "notice": {
            "title": notice.title,
            "number": notice.number,
            "date": notice.date.isoformat(),
            "url": notice.url,
        },
        "holidays": [day.isoformat() for day in arrangement.holidays],
        "workdays": [day.isoformat() for day in arrangement.workdays],
    }


def _write_atomically(path: Path, data: bytes) -> None:
    """Replace `path` with `data` in one rename (no half-written file, even if killed)."""
    path.parent.mkdir(parents=True, exist_ok=True)
    descriptor, temporary = tempfile.mkstemp(prefix=f".{path.name}.", dir=path.parent)
    try:
        with os.fdopen(descriptor, "wb") as handle:
            handle.write(data)
            handle.flush()
            os.fsync(handle.fileno())
        os.chmod(temporary, 0o644)  # mkstemp makes it 0600; readable like the rest of the home
        os.replace(temporary, path)
    except BaseException:
        Path(temporary).unlink(missing_ok=True)
        raise
