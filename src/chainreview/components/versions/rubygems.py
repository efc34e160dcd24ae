"""RubyGems `Gem::Version` ordering (rubygems/version.rb): `-` means `.pre.`, the version is
split into digit and letter runs, trailing zeros of the release part and of the pre-release part
are dropped (`canonical_segments`), and segments compare pairwise with a missing segment taken
as 0 and any string lower than any number.  Like osv-scalibr, letters may follow the first
number directly (`1beta`), which `Gem::Version.correct?` refuses.
"""

from __future__ import annotations

import re

from chainreview.components.versions._common import InvalidVersion, Key

__all__ = ["parse_rubygems"]

_GEM_RE = re.compile(r"[0-9][0-9A-Za-z]*(?:\.[0-9A-Za-z]+)*(?:-[0-9A-Za-z-]+(?:\.[0-9A-Za-z-]+)*)?")
_SEGMENT = re.compile(r"[0-9]+|[a-zA-Z]+")
_END: Key = (1,)

Segment = int | str


def _strip_zeros(segments: list[Segment]) -> list[Segment]:
    while segments and segments[-1] == 0:
        segments.pop()
    return segments


def _canonical(version: str) -> list[Segment]:
    segments: list[Segment] = [
        int(s) if s.isdigit() else s for s in _SEGMENT.findall(version.replace("-", ".pre."))
    ]
    first_string = next((i for i, s in enumerate(segments) if isinstance(s, str)), len(segments))
    return _strip_zeros(segments[:first_string]) + _strip_zeros(segments[first_string:])


def _encode(segments: list[Segment]) -> Key:
    """Zero-padded pairwise order as a tuple: strings `(0, z, s)`, end `(1,)`, numbers `(2, -z, n)`.

    `z` counts the zeros before the segment, which equal the padding of a shorter version.
    """
    out: list[Key] = []
    zeros = 0
    for seg in segments:
        if seg == 0:
            zeros += 1
            continue
        out.append((0, zeros, seg) if isinstance(seg, str) else (2, -zeros, seg))
        zeros = 0
    out.append(_END)
    return tuple(out)


def parse_rubygems(version: str) -> Key:
    """`Gem::Version#<=>` key over `canonical_segments`."""
    if _GEM_RE.fullmatch(version) is None:
        raise InvalidVersion(f"not a valid RubyGems version: {version!r}")
    return _encode(_canonical(version))
