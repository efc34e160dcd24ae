"""The findings of a round as the findings page lists them: in the order the reader picked
(the table's column links: no script needed to sort it), and the factor titles a round diff
names."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any, Final

from chainreview.case.triage import FindingView
from chainreview.factors.catalogue import load_catalogue

SEVERITIES: Final = ("critical", "unknown", "high", "medium", "low", "none")
"""Most severe first; `unknown` next to `critical`, as F02 reads it (never as low)."""
SORTS: Final = ("severity", "id", "component", "status")
"""The columns the findings table sorts by (`severity`: KEV first, then severity and score)."""


def _severity(found: FindingView) -> tuple[Any, ...]:
    rank = SEVERITIES.index(found.severity) if found.severity in SEVERITIES else len(SEVERITIES)
    return (not found.kev, rank, -(found.score or 0.0), found.id, found.component)


_KEYS = {
    "severity": _severity,
    "id": lambda f: (f.id, f.component, f.product),
    "component": lambda f: (f.name, f.version, f.component, f.id),
    "status": lambda f: (not f.active, f.status, f.id, f.component),
}


def sorted_findings(found: Sequence[FindingView], by: str) -> tuple[FindingView, ...]:
    """`found` sorted by the column `by` (`severity` for one not in `SORTS`)."""
    return tuple(sorted(found, key=_KEYS.get(by, _severity)))


def factor_titles() -> dict[str, str]:
    """Each factor's catalogue title by its id."""
    return {f.id: f.title for f in load_catalogue().factors}
