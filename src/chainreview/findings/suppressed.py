"""Ignore entries on findings: a finding an entry covers is flagged, never removed.

The protocols describe what is used of `findings.suppressions` (loaded ignore files), so that a
scan without an ignore file does not import it.
"""

from __future__ import annotations

from collections.abc import Collection, Sequence
from dataclasses import replace
from datetime import date
from typing import Protocol

from chainreview.findings.model import Finding, SuppressionRef

__all__ = ["IgnoreEntryLike", "SuppressionSource", "apply_suppressions", "suppression_ref"]


class IgnoreEntryLike(Protocol):
    """An ignore-file entry (`findings.suppressions.IgnoreEntry`)."""

    @property
    def id(self) -> str: ...
    @property
    def reason(self) -> str: ...
    @property
    def expires(self) -> date | None: ...


class SuppressionSource(Protocol):
    """Loaded ignore rules (`findings.suppressions.Suppressions`)."""

    def match(self, vulnerability_ids: Collection[str], today: date) -> IgnoreEntryLike | None:
        """The entry that suppresses any of `vulnerability_ids` on `today`, or None."""
        ...

    def unused(self) -> Sequence[IgnoreEntryLike]:
        """Entries that matched no finding."""
        ...

    def expired(self, today: date) -> Sequence[IgnoreEntryLike]:
        """Entries no longer in force on `today`."""
        ...


def apply_suppressions(
    findings: Sequence[Finding], suppressions: SuppressionSource, today: date
) -> tuple[Finding, ...]:
    """Flag findings an ignore entry covers on `today`; they stay in the output."""
    out: list[Finding] = []
    for finding in findings:
        entry = suppressions.match(finding.aliases, today)
        if entry is None:
            out.append(finding)
            continue
        out.append(replace(finding, suppressed=suppression_ref(entry)))
    return tuple(out)


def suppression_ref(entry: IgnoreEntryLike) -> SuppressionRef:
    """The report's view of an ignore entry."""
    expires = entry.expires
    return SuppressionRef(
        id=entry.id, reason=entry.reason, expires=None if expires is None else expires.isoformat()
    )
