"""Debian security advisories (DSA) and LTS advisories (DLA), from the security tracker's `list`.

The tracker's `data/DSA/list` and `data/DLA/list` are text, one advisory per block:

    [29 Mar 2023] DSA-5380-1 xorg-server - security update
            {CVE-2023-1393}
            [bullseye] - xorg-server 2:1.20.11-1+deb11u6
            NOTE: free text

A fix line's version may instead be a status in angle brackets (`<not-affected>`, `<unfixed>`,
`<end-of-life>`, …), optionally followed by a note in parentheses. The release code name maps
to an OSV ecosystem (`bullseye` → `Debian:11`). A line that fits none of these shapes, or a
header whose date is not a date, is a warning at `line N` and is skipped. Debian's security team
endorses reuse of the data; it is recorded under the Debian web site licence (MIT).
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import date
from pathlib import Path
from typing import Final

from chainreview.intel._common import Sink, first_of_each_key, head, newest, text_lines
from chainreview.intel.interface import FeedData, FeedKind, IntelError, package_key

LICENCE: Final = "MIT"
ATTRIBUTION: Final = (
    "Debian Security Team and Debian LTS team, Debian security tracker "
    "(https://security-tracker.debian.org/)"
)

RELEASES: Final = {
    "buzz": "1.1",
    "rex": "1.2",
    "bo": "1.3",
    "hamm": "2.0",
    "slink": "2.1",
    "potato": "2.2",
    "woody": "3.0",
    "sarge": "3.1",
    "etch": "4",
    "lenny": "5",
    "squeeze": "6",
    "wheezy": "7",
    "jessie": "8",
    "stretch": "9",
    "buster": "10",
    "bullseye": "11",
    "bookworm": "12",
    "trixie": "13",
    "forky": "14",
}
"""Debian release code names and their version numbers."""

_MONTHS: Final = {
    name: number
    for number, name in enumerate(
        ("jan", "feb", "mar", "apr", "may", "jun", "jul", "aug", "sep", "oct", "nov", "dec"), 1
    )
}
_HEADER: Final = re.compile(
    r"\[(\d{1,2}) ([A-Za-z]{3}) (\d{4})\] +((?:DSA|DLA)-\d+(?:-\d+)?) *(.*)"
)
_CVES: Final = re.compile(r"\{([^{}]*)\}")
_FIX: Final = re.compile(r"\[([a-z]+)\] +- +(\S+) +(?:<([a-z-]+)>|(\S+))(?: +\((.*)\))?")
_TITLE_SPLIT: Final = re.compile(r" +-{1,2} +| +-$|^- +")


@dataclass(frozen=True, slots=True, kw_only=True)
class ReleaseFix:
    """What an advisory says about one source package in one Debian release."""

    release: str
    """Code name, e.g. `bullseye`."""
    ecosystem: str | None
    """OSV ecosystem, e.g. `Debian:11`; None for a code name not in `RELEASES`."""
    package: str
    """Source package name."""
    fixed_version: str | None = None
    """The version that fixes it; None when `status` is not `fixed`."""
    status: str = "fixed"
    """`fixed`, or the tracker's status: `not-affected`, `unfixed`, `end-of-life`, …"""
    note: str | None = None


@dataclass(frozen=True, slots=True, kw_only=True)
class DebianAdvisory:
    """One DSA or DLA: its date, CVEs and per-release fixes."""

    advisory_id: str
    """`DSA-5380-1`, `DLA-3380-1` (early DSAs have no `-n` revision)."""
    date: str
    """ISO date of the advisory."""
    packages: tuple[str, ...]
    """Package names from the header line (before ` - `); empty when the header names none."""
    title: str
    """The header text after the id, as written."""
    cves: tuple[str, ...] = ()
    fixes: tuple[ReleaseFix, ...] = ()
    notes: tuple[str, ...] = ()

    @property
    def key(self) -> str:
        """The advisory id."""
        return self.advisory_id

    def index_keys(self) -> Iterator[tuple[str, str]]:
        """Filed under `package` as `<ecosystem>/<source package>`, once per release it fixes."""
        keys = (package_key(f.ecosystem, f.package) for f in self.fixes if f.ecosystem)
        for key in dict.fromkeys(keys):
            yield ("package", key)


def sniff(path: Path) -> bool:
    """True for a tracker DSA/DLA list (its first line is an advisory header)."""
    first = head(path).split(b"\n", 1)[0].decode("utf-8", "replace")
    return _HEADER.fullmatch(first.rstrip()) is not None


def read(path: Path, display: str) -> FeedData:
    """Read a DSA or DLA list."""
    sink = Sink(display)
    blocks: list[tuple[str, _Block]] = []
    current: _Block | None = None
    written = False
    for number, raw in enumerate(text_lines(path, display), 1):
        line = raw.rstrip()
        if not line.strip():
            continue
        written = True
        if not raw[0].isspace():
            current = _header(line, number, sink)
            if current is not None:
                blocks.append((f"line {number}", current))
        elif current is None:
            sink.warn(f"line {number}", "advisory detail without a valid advisory header", "syntax")
        else:
            current.add(line.strip(), number, sink)
    if not blocks and written:
        raise IntelError(display, "not a Debian DSA/DLA list: no advisory header found", "line 1")
    advisories = first_of_each_key(((where, block.build()) for where, block in blocks), sink)
    kind = advisories[0].advisory_id[:3].lower() if advisories else "dsa"
    return FeedData(
        kind=FeedKind.DISTRO,
        source=f"debian:{kind}",
        records=advisories,
        warnings=sink.warnings(),
        rejected=sink.rejected(),
        newest=newest([advisory.date for advisory in advisories]),
        licence=LICENCE,
        attribution=ATTRIBUTION,
    )


def _header(line: str, number: int, sink: Sink) -> _Block | None:
    match = _HEADER.fullmatch(line)
    when = _date(match) if match else None
    if match is None or when is None:
        sink.warn(f"line {number}", f"not an advisory header: {line[:80]!r}", "syntax")
        return None
    title = match[5]
    parts = _TITLE_SPLIT.split(title, maxsplit=1)
    packages = re.split(r"[,\s]+", parts[0].strip()) if len(parts) == 2 else []
    return _Block(advisory_id=match[4], date=when, title=title, packages=packages)


def _date(match: re.Match[str]) -> str | None:
    month = _MONTHS.get(match[2].lower())
    try:
        return date(int(match[3]), month or 0, int(match[1])).isoformat()
    except ValueError:
        return None


class _Block:
    """The lines of one advisory, gathered until the next header."""

    def __init__(self, *, advisory_id: str, date: str, title: str, packages: list[str]) -> None:
        self.advisory_id = advisory_id
        self.date = date
        self.title = title
        self.packages = tuple(package for package in packages if package)
        self.cves: list[str] = []
        self.fixes: list[ReleaseFix] = []
        self.notes: list[str] = []

    def add(self, line: str, number: int, sink: Sink) -> None:
        """Take one indented detail line (CVE list, fix, or note)."""
        if line.startswith("NOTE:"):
            self.notes.append(line[5:].strip())
        elif (cves := _CVES.fullmatch(line)) is not None:
            self.cves.extend(cves[1].split())
        elif (fix := _FIX.fullmatch(line)) is not None:
            self.fixes.append(_fix(fix))
            if self.fixes[-1].ecosystem is None:
                sink.warn(f"line {number}", f"unknown Debian release {fix[1]!r}", "release")
        else:
            sink.warn(f"line {number}", f"unrecognised advisory line: {line[:80]!r}", "syntax")

    def build(self) -> DebianAdvisory:
        """The advisory with everything gathered."""
        return DebianAdvisory(
            advisory_id=self.advisory_id,
            date=self.date,
            packages=self.packages,
            title=self.title,
            cves=tuple(dict.fromkeys(self.cves)),
            fixes=tuple(self.fixes),
            notes=tuple(self.notes),
        )


def _fix(match: re.Match[str]) -> ReleaseFix:
    release, package, status, version, note = match.groups()
    number = RELEASES.get(release)
    return ReleaseFix(
        release=release,
        ecosystem=f"Debian:{number}" if number else None,
        package=package,
        fixed_version=version,
        status=status or "fixed",
        note=note,
    )
