"""Purely numeric schemes: CRAN / Bioconductor (R `package_version`: non-negative integers
separated by `.` or `-`, compared component-wise, a longer version being greater when the shorter
is its prefix) and Hackage / GHC (Haskell PVP `Data.Version`: dot-separated integers, compared
as lists, so `1.0` < `1.0.0`).
"""

from __future__ import annotations

import re

from chainreview.components.versions._common import InvalidVersion, Key

__all__ = ["parse_cran", "parse_hackage"]

_CRAN_RE = re.compile(r"[0-9]+(?:[.-][0-9]+)*")
_HACKAGE_RE = re.compile(r"[0-9]+(?:\.[0-9]+)*")
_SEPARATORS = re.compile(r"[.-]")


def parse_cran(version: str) -> Key:
    """R `package_version` key (R documentation, `?numeric_version`); one component is accepted."""
    if _CRAN_RE.fullmatch(version) is None:
        raise InvalidVersion(f"not a valid CRAN version: {version!r}")
    return tuple(int(p) for p in _SEPARATORS.split(version))


def parse_hackage(version: str) -> Key:
    """Haskell `Data.Version` key (PVP, pvp.haskell.org); tags are not accepted."""
    if _HACKAGE_RE.fullmatch(version) is None:
        raise InvalidVersion(f"not a valid Hackage version: {version!r}")
    return tuple(int(p) for p in version.split("."))
