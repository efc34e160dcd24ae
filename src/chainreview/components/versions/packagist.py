"""Packagist / Composer ordering: PHP `version_compare()` (php-src
`ext/standard/versioning.c`), after stripping a leading `v`/`V` as Composer's version parser does.

The version is canonicalised (`-`, `_`, `+` and other non-alphanumerics become `.`, and a `.` is
inserted wherever digits and non-digits meet), split on `.`, and compared part by part: numbers
numerically; words by their special form, matched by prefix: any other word < `dev` < `alpha`=`a`
< `beta`=`b` < `RC`=`rc` < `#` < `pl`=`p`; a number ranks as `#` against a word.  When one version
runs out, the other is greater if its next part is a number, else its remaining parts are compared
with `#`.  A literal `#` part is dropped: it equals that `#` padding, but PHP also makes it equal
to any number, which no total order can do (`1.2.3.#` = `1.2.3` and = `1.2.3.1`); Composer
refuses such versions anyway.
"""

from __future__ import annotations

import re

from chainreview.components.versions._common import InvalidVersion, Key

__all__ = ["parse_packagist"]

_TRANSITION = re.compile(r"(?<=[0-9])(?=[^0-9.])|(?<=[^0-9.])(?=[0-9])")
_SEPARATORS = re.compile(r"[^A-Za-z0-9#]+")
_FORMS = (
    ("dev", 0), ("alpha", 1), ("a", 1), ("beta", 2), ("b", 2), ("RC", 3), ("rc", 3),
    ("pl", 5), ("p", 5),
)  # fmt: skip
_HASH = 4
_UNKNOWN = -1
_NUMBER_CLASS = 1
_END: Key = (_HASH, 0, 0)


def _form(word: str) -> int:
    for prefix, rank in _FORMS:
        if word.startswith(prefix):
            return rank
    return _UNKNOWN


def _part(part: str) -> Key:
    """A number sorts with `#` and above it; a word by its special-form rank."""
    if part.isdigit():
        return (_HASH, _NUMBER_CLASS, int(part))
    return (_form(part), 0, 0)


def parse_packagist(version: str) -> Key:
    """`version_compare` key: canonical parts, then `#`-ranked padding for the shorter version."""
    text = version[1:] if version[:1] in ("v", "V") else version
    parts = [p for p in _SEPARATORS.split(_TRANSITION.sub(".", text)) if p and p != "#"]
    if not parts:
        raise InvalidVersion(f"not a valid Packagist version: {version!r}")
    return (*(_part(p) for p in parts), _END)
