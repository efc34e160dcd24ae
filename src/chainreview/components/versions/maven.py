"""Maven version ordering, after the "Version Order Specification" of the Maven POM reference
(the rules `ComparableVersion` implements).

The lower-cased version is split into tokens at `.`, `-` and every digit/non-digit transition
(a transition counts as `-`), each token remembering its separator; empty tokens are `0`;
`cr` is `rc`, and `ga`, `final` and `release` are the empty qualifier; `a`, `b`, `m` directly
followed by a digit are `alpha`, `beta`, `milestone`.  Trailing null tokens (`0`, ``) are
trimmed at the end and before each remaining hyphen.  Tokens then compare pairwise, the shorter
version padded with nulls: qualifiers `alpha` < `beta` < `milestone` < `rc` < `snapshot` < `` <
`sp` < other words (alphabetically) < numbers; across separators `.qualifier` < `-qualifier` <
`-number` < `.number`.

That pairwise order is not transitive where a padding null meets a `.`-qualifier ranked above
the release (`sp` or an unknown word): `1.sp` > `1` > `1-alpha` yet `1.sp` < `1-alpha`.  The
key linearises it by ranking each token first by how it compares with a null (below, equal,
above; a null-equal token takes the rank of the next token that is not), so such `.sp`/`.word`
tokens sort above every `-` qualifier below the release.  docs/version-divergences.md records it.
"""

from __future__ import annotations

import re

from chainreview.components.versions._common import Key

__all__ = ["parse_maven"]

_SPLIT = re.compile(r"([.-])")
_RUNS = re.compile(r"[0-9]+|[^0-9]+")
_QUALIFIERS = {"alpha": 0, "beta": 1, "milestone": 2, "rc": 3, "snapshot": 4, "": 5, "sp": 6}
_RELEASE = 5
_UNKNOWN = 7
_ALIASES = {"cr": "rc", "ga": "", "final": "", "release": ""}
_SHORT = {"a": "alpha", "b": "beta", "m": "milestone"}
_BELOW, _NULL, _ABOVE = 0, 1, 2
_END: Key = (_NULL,)

Token = tuple[str, int | str]


def _raw_tokens(version: str) -> list[Token]:
    tokens: list[Token] = []
    pieces = _SPLIT.split(version.lower())
    for index in range(0, len(pieces), 2):
        prefix = pieces[index - 1] if index else "."
        runs = _RUNS.findall(pieces[index]) or ["0"]
        for position, run in enumerate(runs):
            followed_by_digit = position + 1 < len(runs)
            tokens.append((prefix if position == 0 else "-", _value(run, followed_by_digit)))
    return tokens


def _value(run: str, followed_by_digit: bool) -> int | str:
    if run.isdigit():
        return int(run)
    if followed_by_digit and run in _SHORT:
        return _SHORT[run]
    return _ALIASES.get(run, run)


def _is_null(token: Token) -> bool:
    return token[1] in (0, "")


def _trim(tokens: list[Token]) -> list[Token]:
    """Drop null tokens at the end and before each remaining hyphen, from the end backwards."""
    i = len(tokens) - 1
    while i > 0:
        if _is_null(tokens[i]):
            del tokens[i]
            i -= 1
            continue
        while i >= 0 and tokens[i][0] != "-":
            i -= 1
        i -= 1
    return tokens


def _direct(token: Token) -> tuple[int, int, str]:
    """Order of two tokens at the same position: separator class, then value."""
    prefix, value = token
    if isinstance(value, int):
        return (3 if prefix == "." else 2, value, "")
    rank = _QUALIFIERS.get(value, _UNKNOWN)
    return (0 if prefix == "." else 1, rank, value if rank == _UNKNOWN else "")


def _against_null(token: Token) -> int:
    value = token[1]
    if isinstance(value, int):
        return _ABOVE if value else _NULL
    rank = _QUALIFIERS.get(value, _UNKNOWN)
    if rank == _RELEASE:
        return _NULL
    return _BELOW if rank < _RELEASE else _ABOVE


def _encode(tokens: list[Token]) -> Key:
    out: list[Key] = []
    pending = _NULL
    for token in reversed(tokens):
        side = _against_null(token)
        if side != _NULL:
            pending = side
        out.append((pending, *_direct(token)))
    out.reverse()
    out.append(_END)
    return tuple(out)


def parse_maven(version: str) -> Key:
    """Key over the trimmed tokens; any non-empty string is a Maven version."""
    return _encode(_trim(_raw_tokens(version)))
