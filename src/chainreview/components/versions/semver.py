"""SemVer 2.0.0 precedence (semver.org, §11), as OSV's SEMVER range type and npm, crates.io, Go,
Hex, SwiftURL and Bitnami use it; plus the Dart `pub_semver` variant, where build metadata
orders versions (pub_semver `Version.compareTo`: a build sorts after no build, and build
identifiers compare like pre-release identifiers).

Leniencies, all as in the osv-scalibr reference vectors: a leading `v` (Go tags), fewer or
more than three numeric components (missing ones are zero, so `1` = `1.0.0`), leading zeros.
"""

from __future__ import annotations

import re

from chainreview.components.versions._common import InvalidVersion, Key

__all__ = ["parse_pub", "parse_semver"]

_SEMVER_RE = re.compile(
    r"v?(?P<release>[0-9]+(?:\.[0-9]+)*)"
    r"(?:-(?P<pre>[0-9A-Za-z-]+(?:\.[0-9A-Za-z-]+)*))?"
    r"(?:\+(?P<build>[0-9A-Za-z-]+(?:\.[0-9A-Za-z-]+)*))?"
)
_NO_PRE: Key = (1,)


def _release(text: str) -> Key:
    parts = [int(p) for p in text.split(".")]
    while parts and parts[-1] == 0:
        parts.pop()
    return tuple(parts)


def _identifiers(text: str) -> Key:
    """Dot-separated identifiers: numeric ones compare as numbers and below alphanumeric ones."""
    return tuple((0, int(i), "") if i.isdigit() else (1, 0, i) for i in text.split("."))


def _match(version: str) -> re.Match[str]:
    match = _SEMVER_RE.fullmatch(version)
    if match is None:
        raise InvalidVersion(f"not a valid SemVer version: {version!r}")
    return match


def parse_semver(version: str) -> Key:
    """SemVer precedence key: release, then pre-release (absent sorts last); build ignored."""
    match = _match(version)
    pre = match["pre"]
    return (_release(match["release"]), _NO_PRE if pre is None else (0, *_identifiers(pre)))


def parse_pub(version: str) -> Key:
    """Dart pub key: SemVer precedence, then build metadata (absent sorts first)."""
    match = _match(version)
    build = match["build"]
    return (*parse_semver(version), () if build is None else _identifiers(build))
