"""Reviewer overrides and "basis withheld" marks, read from the file given to `--overrides`.

The file is validated against the published `chainreview/schemas/overrides.schema.json` (factor
ids, levels and dates included); a factor may be overridden at most once. Each override is
recorded in the determination with its reviewer, date and reason: nothing is applied silently.
"""

from __future__ import annotations

import hashlib
from dataclasses import dataclass
from pathlib import Path

from chainreview import limits, raw
from chainreview.errors import InputError
from chainreview.evidence.schema_checks import OVERRIDES_SCHEMA_ID, check_schema
from chainreview.levels import Level


@dataclass(frozen=True, slots=True, kw_only=True)
class Override:
    """One reviewer decision on one factor."""

    factor: str
    """Catalogue id of the factor, e.g. `F07`."""
    level: Level | None
    """The level set; None when the entry only marks the basis withheld."""
    reason: str
    reviewer: str
    date: str
    """ISO 8601 date of the decision."""
    basis_withheld: bool = False
    """When true, the report says the basis of this factor's assessment is not public."""
    file: str = ""
    """The overrides file, as named by the caller."""
    pointer: str = ""
    """JSON pointer of the entry in that file."""


@dataclass(frozen=True, slots=True, kw_only=True)
class OverridesFile:
    """An overrides file, read: its overrides in file order and the digest of its bytes."""

    file: str
    """The file, as named by the caller."""
    overrides: tuple[Override, ...]
    sha256: str
    """Lower-case hex sha256 of the bytes read and parsed."""
    size: int
    """Number of those bytes."""


def read_overrides(path: Path, display: str | None = None) -> OverridesFile:
    """Read and validate the overrides file at `path` once; `display` names it in messages.

    Raises `InputError` naming the file and the JSON pointer of the first problem.
    """
    file = display if display is not None else str(path)
    data = raw.read_bytes(path, file, limits.MAX_OVERRIDES_BYTES)
    value = raw.load_yaml(data, file)
    check_schema(value, OVERRIDES_SCHEMA_ID, file)
    overrides: list[Override] = []
    seen: set[str] = set()
    for index, item in enumerate(value["overrides"]):
        pointer = f"/overrides/{index}"
        if item["factor"] in seen:
            message = f"factor {item['factor']} is overridden more than once"
            raise InputError(file, message, f"{pointer}/factor")
        seen.add(item["factor"])
        level = item.get("level")
        overrides.append(
            Override(
                factor=item["factor"],
                level=None if level is None else Level(level),
                reason=item["reason"],
                reviewer=item["reviewer"],
                date=item["date"],
                basis_withheld=item.get("basis_withheld", False),
                file=file,
                pointer=pointer,
            )
        )
    return OverridesFile(
        file=file,
        overrides=tuple(overrides),
        sha256=hashlib.sha256(data).hexdigest(),
        size=len(data),
    )
