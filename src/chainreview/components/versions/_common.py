"""Shared pieces of the version schemes: the error type, the key type and key helpers."""

from __future__ import annotations

from collections.abc import Callable, Iterable
from typing import TypeAlias

__all__ = ["MAX_VERSION_CHARS", "InvalidVersion", "Key", "Parser", "fold_zero_padded"]

MAX_VERSION_CHARS = 256
"""Longest version string any scheme accepts."""

Key: TypeAlias = tuple[object, ...]
"""A sort key: a hashable, totally ordered tuple, comparable only within one scheme."""

Parser: TypeAlias = Callable[[str], Key]
"""A scheme's parser: version string to sort key, raising `InvalidVersion`."""


class InvalidVersion(ValueError):
    """A version string that its ecosystem's scheme cannot parse (one-line message)."""


_END: Key = (0,)


def fold_zero_padded(items: Iterable[int]) -> Key:
    """Key for comparing int sequences lexicographically as if padded with endless zeros.

    dpkg, RubyGems and similar algorithms compare element by element and treat a missing
    element as 0.  Plain tuple order gets that wrong when the longer sequence continues with
    zeros and then a negative value.  Each non-zero element is folded with the count `z` of
    zeros before it: negative values become `(-1, z, v)`, positive ones `(1, -z, v)`, and the
    key ends with `(0,)`, which sorts between the two, standing for the endless zeros.
    """
    out: list[Key] = []
    zeros = 0
    for item in items:
        if item == 0:
            zeros += 1
        elif item < 0:
            out.append((-1, zeros, item))
            zeros = 0
        else:
            out.append((1, -zeros, item))
            zeros = 0
    out.append(_END)
    return tuple(out)
