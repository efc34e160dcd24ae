"""PyPI versions: PEP 440 ordering via `packaging.version.Version`, plus the legacy (pre-PEP 440)
versions that old releases and advisories still carry.

Legacy ordering follows setuptools' former `pkg_resources` `LegacyVersion` (removed from
`packaging` in 22.0): the lower-cased string is split into digit runs, letter runs, `.` and `-`
(anything else is kept as its own part), digit runs are zero-padded to 8 characters, `pre`,
`preview` and `rc` become `c`, `dev` becomes `@`, `-` becomes `final-`, other words get a `*`
prefix, trailing zeros and `final-` markers before a word are dropped and `*final` ends the
list.  As with `LegacyVersion` (epoch -1), every legacy version sorts before every PEP 440 one.

Because almost any string is a legacy version, a PyPI version is refused only if it is empty,
too long, contains whitespace or control characters, or has no ASCII letter or digit.
"""

from __future__ import annotations

import re

from packaging.version import InvalidVersion as _PackagingInvalid
from packaging.version import Version

from chainreview.components.versions._common import InvalidVersion, Key

__all__ = ["parse_pypi"]

_LEGACY_SPLIT = re.compile(r"(\d+|[a-z]+|\.|-)")
_LEGACY_REPLACE = {"pre": "c", "preview": "c", "-": "final-", "rc": "c", "dev": "@"}
_HAS_ALNUM = re.compile(r"[A-Za-z0-9]")


def _legacy_parts(version: str) -> list[str]:
    parts: list[str] = []
    for raw in _LEGACY_SPLIT.split(version.lower()):
        part = _LEGACY_REPLACE.get(raw, raw)
        if not part or part == ".":
            continue
        if part[:1].isdigit():
            parts.append(part.zfill(8))
        else:
            parts.append("*" + part)
    parts.append("*final")
    return parts


def _legacy_key(version: str) -> Key:
    parts: list[str] = []
    for part in _legacy_parts(version):
        if part.startswith("*"):
            if part < "*final":
                while parts and parts[-1] == "*final-":
                    parts.pop()
            while parts and parts[-1] == "00000000":
                parts.pop()
        parts.append(part)
    return tuple(parts)


def _pep440_key(parsed: Version) -> Key:
    """PEP 440 order as a tuple of ints and strings (what `Version` compares, built once).

    `packaging` compares `Version` objects through Python-level methods and sentinel objects; a
    plain tuple compares in C and can be hashed and written out. Release trailing zeros are
    dropped (`1.0 == 1.0.0`); a dev release without pre or post sorts before every pre-release
    of its release, no pre-release sorts after them all; no post before any post; no dev after
    any dev; no local before any local, whose numeric parts sort after lexical ones.
    """
    pre, post, dev, local = parsed.pre, parsed.post, parsed.dev, parsed.local
    if pre is not None:
        pre_key: Key = (1, *pre)
    elif post is None and dev is not None:
        pre_key = (-1,)
    else:
        pre_key = (2,)
    return (
        1,
        parsed.epoch,
        _trimmed(parsed.release),
        pre_key,
        (0,) if post is None else (1, post),
        (1,) if dev is None else (0, dev),
        (0,) if local is None else (1, *(_local_part(part) for part in local.split("."))),
    )


def _local_part(part: str) -> Key:
    return (1, int(part), "") if part.isdigit() else (0, 0, part)


_PLAIN_RELEASE = re.compile(r"[0-9]{1,18}(?:\.[0-9]{1,18})*")
"""A final release and nothing else (`2.31.0`): the common case, keyed without `packaging`."""
_NORMAL_FORM = re.compile(
    r"([0-9]{1,18}(?:\.[0-9]{1,18})*)(?:(a|b|rc)([0-9]{1,18}))?"
    r"(?:\.post([0-9]{1,18}))?(?:\.dev([0-9]{1,18}))?"
)
"""A release with pre, post or dev parts spelled as PEP 440 normalises them (`1.0rc1`,
`2.0.post1`, `3.1.dev2`): most of the rest, also keyed without `packaging`."""
_NO_PRE: Key = (2,)
_NO_POST: Key = (0,)
_NO_DEV: Key = (1,)
_NO_LOCAL: Key = (0,)


def parse_pypi(version: str) -> Key:
    """PEP 440 key `(1, epoch, release, …)` (`_pep440_key`), or legacy key `(0, parts)` for
    non-PEP 440 strings."""
    if _PLAIN_RELEASE.fullmatch(version):
        return (1, 0, _release(version), _NO_PRE, _NO_POST, _NO_DEV, _NO_LOCAL)
    normal = _NORMAL_FORM.fullmatch(version)
    if normal is not None:
        release, letter, pre, post, dev = normal.groups()
        if letter is not None:
            pre_key: Key = (1, letter, int(pre))
        elif post is None and dev is not None:
            pre_key = (-1,)
        else:
            pre_key = _NO_PRE
        return (
            1,
            0,
            _release(release),
            pre_key,
            _NO_POST if post is None else (1, int(post)),
            _NO_DEV if dev is None else (0, int(dev)),
            _NO_LOCAL,
        )
    try:
        return _pep440_key(Version(version))
    except _PackagingInvalid:
        pass
    if _HAS_ALNUM.search(version) is None:
        raise InvalidVersion(f"not a valid PEP 440 or legacy version: {version!r}")
    return (0, _legacy_key(version))


def _release(dotted: str) -> tuple[int, ...]:
    """`1.2.0` → `(1, 2)`: the release numbers without trailing zeros (`1.0 == 1.0.0`)."""
    return _trimmed(tuple(map(int, dotted.split("."))))


def _trimmed(release: tuple[int, ...]) -> tuple[int, ...]:
    end = len(release)
    while end > 1 and release[end - 1] == 0:
        end -= 1
    return release[:end]
