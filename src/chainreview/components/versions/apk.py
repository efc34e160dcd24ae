"""Alpine / Wolfi / Chainguard apk version ordering (apk-tools `version.c`, format documented in
apk-package(5): `number{.number}...{letter}{_suffix{number}}...{~hash}{-r#}`).

Number components compare numerically, except that after the first one a component with a leading
zero compares as a string (so `1.01` < `1.1`, and every such component sorts below the plain
numbers); then the optional lower-case letter (none first); then suffixes in the order
`_alpha` < `_beta` < `_pre` < `_rc` < (none) < `_cvs` < `_svn` < `_git` < `_hg` < `_p`, each with
its number; the `~hash` is ignored; then the `-r` revision.  Text left over after that makes a
version sort below the same version without it; versions whose leftovers follow no `-r`
revision and do not start with `-` (a malformed revision) are then ordered by their full
strings, as osv-scalibr orders invalid versions.
"""

from __future__ import annotations

import re

from chainreview.components.versions._common import InvalidVersion, Key

__all__ = ["parse_apk"]

_APK_RE = re.compile(
    r"(?P<numbers>[0-9]+(?:\.[0-9]+)*)?\.?"
    r"(?P<letter>[a-z]?)"
    r"(?P<suffixes>(?:_(?:alpha|beta|pre|rc|cvs|svn|git|hg|p)[0-9]*)*)"
    r"(?:~[0-9a-f]+)?"
    r"(?:-r(?P<revision>[0-9]*))?"
    r"(?P<rest>.*)",
    re.DOTALL,
)
_SUFFIX = re.compile(r"_(alpha|beta|pre|rc|cvs|svn|git|hg|p)([0-9]*)")
_SUFFIX_WEIGHT = {
    "alpha": 0, "beta": 1, "pre": 2, "rc": 3, "cvs": 5, "svn": 6, "git": 7, "hg": 8, "p": 9,
}  # fmt: skip
_NO_SUFFIX: Key = (4, 0)
_PAD = (0, "0")


def _numbers(text: str | None) -> Key:
    if not text:
        return (0, ())
    first, *rest = text.split(".")
    tail = [(0, part) if part.startswith("0") else (1, int(part)) for part in rest]
    while tail and tail[-1] == _PAD:
        tail.pop()
    return (int(first), tuple(tail))


def _suffixes(text: str) -> Key:
    found = tuple((_SUFFIX_WEIGHT[name], int(num or 0)) for name, num in _SUFFIX.findall(text))
    return (*found, _NO_SUFFIX)


def parse_apk(version: str) -> Key:
    """Key `(numbers, letter, suffixes, revision, leftover rank, leftover text)`."""
    match = _APK_RE.fullmatch(version)
    if match is None:  # the pattern matches every string; kept for the type checker
        raise InvalidVersion(f"not a valid apk version: {version!r}")
    rest = match["rest"]
    has_revision = match["revision"] is not None
    tiebreak = version if rest and not has_revision and not rest.startswith("-") else ""
    return (
        _numbers(match["numbers"]),
        match["letter"],
        _suffixes(match["suffixes"]),
        int(match["revision"] or 0),
        0 if rest else 1,
        tiebreak,
    )
