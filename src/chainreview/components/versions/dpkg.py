"""Debian / Ubuntu version ordering (Debian Policy §5.6.12 and dpkg `verrevcmp`): epoch, then
upstream version, then Debian revision; each compared as alternating non-digit runs (letters
before other characters, `~` before everything, even the end) and digit runs (numerically).
"""

from __future__ import annotations

import re

from chainreview.components.versions._common import InvalidVersion, Key, fold_zero_padded

__all__ = ["parse_dpkg"]

_DPKG_RE = re.compile(
    r"(?:(?P<epoch>[0-9]+):)?(?P<upstream>[A-Za-z0-9.+~:-]*?)(?:-(?P<revision>[A-Za-z0-9.+~]+))?"
)
_RUNS = re.compile(r"([^0-9]*)([0-9]*)")


def _order(char: str) -> int:
    if char == "~":
        return -1
    if char.isalpha():
        return ord(char)
    return ord(char) + 256


_ORDER = {chr(c): _order(chr(c)) for c in range(33, 127)}
"""`verrevcmp`'s character order for every character a version may hold."""


def _part_key(text: str) -> Key:
    """`verrevcmp` as a key: non-digit runs as character orders plus 0, each digit run's value."""
    items: list[int] = []
    for letters, digits in _RUNS.findall(text):
        if letters or digits:
            items += [_ORDER[c] for c in letters]
            items += (0, int(digits) if digits else 0)
    return fold_zero_padded(items)


def parse_dpkg(version: str) -> Key:
    """Key `(epoch, upstream, revision)`; a missing revision equals `0`."""
    match = _DPKG_RE.fullmatch(version)
    if match is None or not match["upstream"]:
        raise InvalidVersion(f"not a valid Debian version: {version!r}")
    epoch = match["epoch"]
    return (
        int(epoch) if epoch else 0,
        _part_key(match["upstream"]),
        _part_key(match["revision"] or ""),
    )
