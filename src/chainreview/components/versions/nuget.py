"""NuGet version precedence (NuGet docs, "Package versioning" and `NuGetVersion`): up to four
numeric parts (missing ones are zero, leading zeros allowed), then a SemVer 2.0.0 pre-release
compared case-insensitively; build metadata is ignored.
"""

from __future__ import annotations

import re

from chainreview.components.versions._common import InvalidVersion, Key

__all__ = ["parse_nuget"]

_NUGET_RE = re.compile(
    r"(?P<release>[0-9]+(?:\.[0-9]+){0,3})"
    r"(?:-(?P<pre>[0-9A-Za-z-]+(?:\.[0-9A-Za-z-]+)*))?"
    r"(?:\+[0-9A-Za-z-]+(?:\.[0-9A-Za-z-]+)*)?"
)


def parse_nuget(version: str) -> Key:
    """NuGetVersion key: four release numbers, then the pre-release (absent sorts last)."""
    match = _NUGET_RE.fullmatch(version)
    if match is None:
        raise InvalidVersion(f"not a valid NuGet version: {version!r}")
    numbers = [int(p) for p in match["release"].split(".")]
    release = tuple(numbers + [0] * (4 - len(numbers)))
    pre = match["pre"]
    if pre is None:
        return (release, (1,))
    ids = tuple((0, int(i), "") if i.isdigit() else (1, 0, i.lower()) for i in pre.split("."))
    return (release, (0, *ids))
