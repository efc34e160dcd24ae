"""A case's statutory clock as the report shows it: what was done on which day, and each timed
period with its deadline, its clock stops and extensions, as of one day.

The case library builds it from the case's history (`chainreview.case.timeline`); the report
draws it (`report.timeline_chart`) and lists the same dates in a table beside the chart, so no
date is carried by the picture alone. Every date comes from the case's recorded actions and the
working-day calendar, and `as_of` from the caller: never from the clock.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from enum import StrEnum

__all__ = ["CaseTimeline", "Mark", "Milestone", "Period"]


class Mark(StrEnum):
    """What kind of step a milestone is."""

    OPENING = "opening"
    """The declaration received, or the office's own review opened."""
    TRANSITION = "transition"
    """An action that moves the case to another state (acceptance, decision to review, …)."""
    STOP = "stop"
    """The clock stopped for requested materials (Art. 15)."""
    RESUME = "resume"
    """The materials supplied: the clock runs again."""
    EXTEND = "extend"
    """The deadline of the period extended."""
    DECISION = "decision"
    """The action a decision takes (it concludes the review)."""


@dataclass(frozen=True, slots=True, kw_only=True)
class Milestone:
    """One recorded action of the case."""

    on: date
    action: str
    """The workflow's action id (`accept`, `request-materials`, …)."""
    mark: Mark
    role: str
    state: str
    """The state the case is in after it."""
    state_title: str
    article: str | None
    """The article the action is taken under (the transition's or the clock rule's)."""
    days: int | None = None
    """For an extension: the days added."""
    note: str | None = None
    """What the person who recorded it wrote (quoted evidence)."""


@dataclass(frozen=True, slots=True, kw_only=True)
class Period:
    """One stay of the case in a timed state, and its deadline."""

    state: str
    title: str
    article: str
    started: date
    """The day of the action that entered the state (not itself counted)."""
    ended: date | None
    """The day of the action that left it; None: still in it on the timeline's `as_of`."""
    days: int
    """Days allowed, extensions included."""
    unit: str
    """`working-days` or `calendar-days`."""
    extension_days: int
    pauses: tuple[tuple[date, date | None], ...]
    """Each clock stop: the day the materials were requested and the day they were supplied
    (None: still awaited on `as_of`)."""
    paused_days: int
    """Days not counted for the stops that ended."""
    due: date | None
    """None while the clock stands still."""
    late: bool
    """Left after its due date, or, still running, past it on `as_of`."""
    left: int | None
    """For the running period: days left on `as_of` (negative when overdue); else None."""
    provisional: bool
    """Some day counted lies in a year no holiday arrangement covers (weekdays counted)."""


@dataclass(frozen=True, slots=True, kw_only=True)
class CaseTimeline:
    """A case's procedure up to and including `as_of`: its actions and its timed periods."""

    case_id: str
    regime: str
    as_of: date
    milestones: tuple[Milestone, ...]
    periods: tuple[Period, ...]
    later: int
    """Actions recorded after `as_of`, not shown."""
    calendar_sources: tuple[str, ...]
    """The calendar data the counts rest on."""

    @property
    def provisional(self) -> bool:
        """Whether some count rests on weekdays alone (a year without an arrangement)."""
        return any(p.provisional for p in self.periods)
