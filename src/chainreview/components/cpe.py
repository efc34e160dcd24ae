"""CPE names: parse CPE 2.3 formatted strings and CPE 2.2 URIs into one normalised `Cpe`.

Each attribute is kept as its CPE 2.3 formatted-string value (NISTIR 7695 §6.2), lower-cased:
`*` is ANY, `-` is NA, other values keep their backslash escapes (`1\\:2.11`), so equal
attributes compare equal as strings and `str(cpe)` is the canonical formatted string.
CPE 2.2 URIs (`cpe:/a:vendor:product:1.0`) are percent-decoded, unpacked (`~` edition) and
re-bound to the 2.3 form; their missing trailing attributes are ANY.
"""

from __future__ import annotations

import re
from dataclasses import astuple, dataclass, fields
from functools import lru_cache
from typing import Final
from urllib.parse import unquote

from chainreview.limits import MAX_STRING_CHARS

__all__ = ["ANY", "NA", "Cpe", "InvalidCpe", "parse_cpe"]

ANY: Final = "*"
"""The logical value ANY: any value matches."""
NA: Final = "-"
"""The logical value NOT APPLICABLE."""


class InvalidCpe(ValueError):
    """A string that is not a CPE 2.3 formatted string or 2.2 URI; `str(e)` is one line."""


@dataclass(frozen=True, slots=True)
class Cpe:
    """A CPE name; every attribute is a lower-cased CPE 2.3 formatted-string value."""

    part: str
    vendor: str
    product: str
    version: str = ANY
    update: str = ANY
    edition: str = ANY
    language: str = ANY
    sw_edition: str = ANY
    target_sw: str = ANY
    target_hw: str = ANY
    other: str = ANY

    def __str__(self) -> str:
        """Return the CPE 2.3 formatted string."""
        return "cpe:2.3:" + ":".join(astuple(self))


_NAMES: Final = tuple(f.name for f in fields(Cpe))
_FS_PREFIX: Final = "cpe:2.3:"
_URI_PREFIX: Final = "cpe:/"
_PART_RE: Final = re.compile(r"[aoh*\-]")
# A value: ANY, NA, or literal characters (alphanumerics, "._-", or a backslash escape of any
# other printable character) with optional unquoted wildcards ("*" or a run of "?") at its ends.
_VALUE_RE: Final = re.compile(
    r"[*\-]|\?+|(?:\*|\?+)?(?:[a-z0-9._\-]|\\[!-/:-@\[-`{-~])+(?:\*|\?+)?", re.ASCII
)
_URI_KEEP: Final = re.compile(r"[a-z0-9._\-]", re.ASCII)


def parse_cpe(text: str) -> Cpe:
    """Parse a CPE 2.3 formatted string or a CPE 2.2 URI; raise `InvalidCpe` when invalid."""
    if len(text) > MAX_STRING_CHARS:
        raise InvalidCpe(f"CPE longer than {MAX_STRING_CHARS} characters")
    return _parse_cached(text)


@lru_cache(maxsize=32768)
def _parse_cached(text: str) -> Cpe:
    lowered = text.strip().lower()
    if lowered.startswith(_FS_PREFIX):
        values = _split_formatted(lowered[len(_FS_PREFIX) :], text)
    elif lowered.startswith(_URI_PREFIX):
        values = _split_uri(lowered[len(_URI_PREFIX) :], text)
    else:
        raise InvalidCpe(f"not a CPE (expected 'cpe:2.3:' or 'cpe:/'): {_clip(text)}")
    return _checked(values, text)


def _split_formatted(body: str, text: str) -> list[str]:
    """Split on colons that are not escaped by a backslash."""
    values: list[str] = []
    current: list[str] = []
    chars = iter(body)
    for char in chars:
        if char == "\\":
            current += [char, next(chars, "")]
        elif char == ":":
            values.append("".join(current))
            current = []
        else:
            current.append(char)
    values.append("".join(current))
    if len(values) != len(_NAMES):
        raise InvalidCpe(
            f"a CPE 2.3 string has {len(_NAMES)} attributes, got {len(values)}: {_clip(text)}"
        )
    return values


def _split_uri(body: str, text: str) -> list[str]:
    fields = body.split(":")
    if len(fields) > 7:
        raise InvalidCpe(
            f"a CPE 2.2 URI has at most 7 components, got {len(fields)}: {_clip(text)}"
        )
    fields += [""] * (7 - len(fields))
    edition = fields[5]
    if edition.startswith("~"):
        packed = edition[1:].split("~")
        if len(packed) != 5:
            raise InvalidCpe(f"a packed edition has 5 '~' fields: {_clip(text)}")
        extended = packed[1:]
        fields[5] = packed[0]
    else:
        extended = ["", "", "", ""]
    return [_uri_value(value) for value in [*fields, *extended]]


def _uri_value(value: str) -> str:
    """Bind one decoded URI component to its formatted-string value (NISTIR 7695 §6.1.3, §6.2)."""
    if value in ("", "*"):
        return ANY
    if value == "-":
        return NA
    wildcards = value.replace("%01", "\x01").replace("%02", "\x02")
    out = []
    for char in unquote(wildcards):
        if char == "\x01":
            out.append("?")
        elif char == "\x02":
            out.append("*")
        else:
            out.append(char if _URI_KEEP.fullmatch(char) else "\\" + char)
    return "".join(out)


def _checked(values: list[str], text: str) -> Cpe:
    if not _PART_RE.fullmatch(values[0]):
        raise InvalidCpe(f"part must be a, o, h, * or -, got {values[0]!r}: {_clip(text)}")
    for name, value in zip(_NAMES, values, strict=True):
        if not _VALUE_RE.fullmatch(value):
            raise InvalidCpe(f"invalid {name} value {_clip(value, 60)}: {_clip(text)}")
    return Cpe(*values)


def _clip(text: str, limit: int = 120) -> str:
    flat = " ".join(text.split())
    return repr(flat if len(flat) <= limit else flat[:limit] + "…")
