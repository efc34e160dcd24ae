"""RPM version ordering (rpm `rpmvercmp`, as documented in rpm's "Version comparison" and
osv-scalibr's Red Hat vectors): `[epoch:]version[-release]`, each part compared by skipping
characters other than ASCII letters, digits, `~` and `^`, then comparing runs: `~` sorts before
everything including the end, `^` after the end but before anything else, letters before digits,
digit runs numerically, letter runs by byte.  An epoch must be all digits (otherwise the colon is
part of the version, as in module streams); a missing epoch is 0; the release starts at the first
`-` and a version without one sorts before the same version with any release.
"""

from __future__ import annotations

import re

from chainreview.components.versions._common import Key

__all__ = ["parse_rpm"]

_DIGITS = re.compile(r"[0-9]*")
_TOKENS = re.compile(r"[0-9]+|[A-Za-z]+|~|\^")
_TILDE: Key = (0, 0)
_END: Key = (1, 0)
_CARET: Key = (2, 0)
_ABSENT: Key = (0,)


def _component(text: str) -> Key:
    """`rpmvercmp` as a key; an empty part sorts before any non-empty one."""
    if not text:
        return _ABSENT
    tokens: list[Key] = []
    for token in _TOKENS.findall(text):
        if token == "~":
            tokens.append(_TILDE)
        elif token == "^":
            tokens.append(_CARET)
        elif token.isdigit():
            tokens.append((4, int(token)))
        else:
            tokens.append((3, token))
    tokens.append(_END)
    return (1, *tokens)


def parse_rpm(version: str) -> Key:
    """Key `(epoch, version, release)`; every non-empty printable string is accepted."""
    epoch, colon, rest = version.partition(":")
    if not colon or _DIGITS.fullmatch(epoch) is None:
        epoch, rest = "0", version
    upstream, dash, release = rest.partition("-")
    return (_component(epoch or "0"), _component(upstream), _component(dash + release))
