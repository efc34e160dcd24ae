"""Reading SPDX values, shared by the 2.x and 3.x JSON readers: their capped warnings, what
counts as no value, a string read with its limit, and a JSON value's kind named in a warning."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any, Final, Protocol

from chainreview import limits
from chainreview.components.model import Diagnostic, Location

NO_VALUE: Final = frozenset({"NOASSERTION", "NONE"})
"""SPDX's words for "no value given"."""


class Warns(Protocol):
    """A reader's diagnostics: a warning about the value at a JSON pointer."""

    def warn(self, pointer: str, message: str, code: str = "schema") -> None: ...


class CappedWarnings:
    """One read's diagnostics: the first `limits.MAX_WARNINGS_PER_FILE` kept, the rest counted
    in one more. A reader's context extends it (and may place a pointer otherwise)."""

    def __init__(self, file: str) -> None:
        self.file = file
        self._warnings: list[Diagnostic] = []
        self._dropped = 0

    def location(self, pointer: str) -> Location:
        """Where `pointer` is: the pointer itself in the file."""
        return Location(file=self.file, pointer=pointer)

    def warn(self, pointer: str, message: str, code: str = "schema") -> None:
        """Record a diagnostic about the value at `pointer`."""
        self.add(Diagnostic(location=self.location(pointer), message=message, code=code))

    def add(self, diagnostic: Diagnostic) -> None:
        """Keep a diagnostic, or only count it once the per-file cap is reached."""
        if len(self._warnings) < limits.MAX_WARNINGS_PER_FILE:
            self._warnings.append(diagnostic)
        else:
            self._dropped += 1

    def warnings(self) -> tuple[Diagnostic, ...]:
        """All recorded diagnostics, plus one saying how many were left out."""
        if not self._dropped:
            return tuple(self._warnings)
        more = Diagnostic(
            location=Location(file=self.file),
            message=f"{self._dropped} more warnings not shown",
            code="limit",
        )
        return (*self._warnings, more)


def asserted(text: str | None) -> str | None:
    """`text`, or None when it is SPDX's NOASSERTION or NONE."""
    return None if text is None or text.upper() in NO_VALUE else text


def text(ctx: Warns, obj: Mapping[str, Any], key: str, pointer: str) -> str | None:
    """The stripped string at `obj[key]`; numbers are taken as strings, other types are dropped."""
    value = obj.get(key)
    if value is None:
        return None
    if isinstance(value, str) and len(value) <= limits.MAX_STRING_CHARS:  # the usual case
        return value.strip() or None
    here = f"{pointer}/{key}"
    if isinstance(value, bool) or not isinstance(value, (str, int, float)):
        ctx.warn(here, f"{key} is {kind(value)}, not a string; ignored")
        return None
    if not isinstance(value, str):
        ctx.warn(here, f"{key} is a number, not a string; read as {value!s}")
        value = str(value)
    if len(value) > limits.MAX_STRING_CHARS:
        ctx.warn(here, f"{key} is {len(value):,} characters, over the limit; dropped", "limit")
        return None
    return value.strip() or None


def kind(value: Any) -> str:
    """A JSON value's kind as a warning names it ("an object", "a number", …)."""
    names = {
        dict: "an object",
        list: "an array",
        str: "a string",
        bool: "a boolean",
        type(None): "null",
    }
    return names.get(
        type(value), "a number" if isinstance(value, (int, float)) else type(value).__name__
    )


def preview(value: str, width: int = 80) -> str:
    """`value` quoted, cut to about `width` characters."""
    return repr(value if len(value) <= width else value[: width - 1] + "…")
