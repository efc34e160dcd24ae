"""A lenient order for versions with no ecosystem of their own, as CPE names and NVD ranges write
them (`1.29.3`, `1.1.1k`, `6.8-rc1`, `2.13.1_1`, `v2022.01`): registered as the pseudo-ecosystem
`CPE`.

The version is cut into digit runs and letter runs (case-folded); every other character only
separates them, and a leading `v` before a digit is dropped; a version needs at least one digit
(`custom`, `latest` or `-` cannot be ordered).  Tokens compare left to right:
numbers numerically; a pre-release word (`dev` < `alpha` < `beta` < `pre` = `preview` < `rc`,
whole words only) sorts below the end of the version, any other word (`k` in `1.1.1k`, `p` in
`9.1p1`, `patch`) above the end but below a number, words among themselves alphabetically.
Trailing zero numbers do not count, so `2.0` equals `2.0.0`.  Hence `6.8-rc1` < `6.8` = `6.8.0`
< `6.8a` < `6.8.1`, and `1.1.1` < `1.1.1a` < `1.1.1k` < `1.1.2`.
"""

from __future__ import annotations

import re
from typing import Final

from chainreview.components.versions._common import InvalidVersion, Key

__all__ = ["parse_generic"]

_TOKENS: Final = re.compile(r"[0-9]+|[a-z]+")
_V_PREFIX: Final = re.compile(r"v(?=[0-9])")
_PRE_RELEASE: Final = {"dev": 0, "alpha": 1, "beta": 2, "pre": 3, "preview": 3, "rc": 4}
"""Words that mark a version before its release, in order."""
_PRE, _END, _WORD, _NUMBER = range(4)
"""Token ranks: a pre-release word, the end of the version, another word, a number."""


def parse_generic(version: str) -> Key:
    """Key: one `(rank, number, word)` per token, trailing zeros dropped, then the end mark."""
    text = version.lower()
    if _V_PREFIX.match(text):
        text = text[1:]
    tokens: list[tuple[int, int, str]] = []
    for token in _TOKENS.findall(text):
        if token.isdigit():
            tokens.append((_NUMBER, int(token), ""))
        elif token in _PRE_RELEASE:
            tokens.append((_PRE, _PRE_RELEASE[token], ""))
        else:
            tokens.append((_WORD, 0, token))
    if not any(rank == _NUMBER for rank, _, _ in tokens):
        raise InvalidVersion(f"not a version (no digit): {version!r}")
    while tokens and tokens[-1] == (_NUMBER, 0, ""):
        tokens.pop()
    return (*tokens, (_END, 0, ""))
