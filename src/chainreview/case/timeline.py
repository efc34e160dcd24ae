"""A case's statutory clock for its report: the recorded actions up to a day, and each timed
period with its deadline, counted as `procedure.clock` counts it.

The history is replayed action by action (`procedure.apply`); each time the case leaves a timed
state, that period's deadline is counted on the day it left (its stops and extensions as they
stood then), and the state it is in on `as_of` is counted on `as_of`. `as_of` is the caller's
(the round's review date by default, `case.round_report`): the timeline never reads the clock,
so the same history, calendar and day give the same timeline.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from datetime import date
from pathlib import Path

from chainreview.case.access import Caller, visible_case
from chainreview.case.procedure import (
    Action,
    Opening,
    Position,
    Role,
    Workflow,
    apply,
    clock,
    load_workflow,
    replay,
)
from chainreview.case.workdays import WorkCalendar, load_calendar
from chainreview.report.timeline import CaseTimeline, Mark, Milestone, Period
from chainreview.store.db import Store
from chainreview.store.records import ActionRecord

__all__ = ["case_timeline", "timeline_of"]


def case_timeline(
    store: Store, case_id: str, *, caller: Caller, as_of: date, home: Path | None
) -> CaseTimeline:
    """The timeline of a case the caller may see, as of `as_of`, counted on the calendars
    with the arrangements imported under `home`."""
    with store.transaction(caller.name) as tx:
        record, history = visible_case(tx, caller, case_id)
    loaded: dict[str, WorkCalendar] = {}

    def calendar(name: str) -> WorkCalendar:
        if name not in loaded:
            loaded[name] = load_calendar(name, home=home)
        return loaded[name]

    return timeline_of(load_workflow(record.regime), case_id, history, as_of, calendar)


def timeline_of(
    workflow: Workflow,
    case_id: str,
    history: Sequence[ActionRecord],
    as_of: date,
    calendars: Callable[[str], WorkCalendar],
) -> CaseTimeline:
    """The timeline of the recorded `history` (its first action the opening) on `as_of`."""
    shown = [a for a in history if a.on <= as_of]
    if not shown:
        return CaseTimeline(
            case_id=case_id,
            regime=workflow.regime,
            as_of=as_of,
            milestones=(),
            periods=(),
            later=len(history),
            calendar_sources=(),
        )
    opening, *rest = shown
    position = replay(workflow, Opening(opening.action), opening.on, ())
    milestones = [_milestone(workflow, opening, Mark.OPENING, position, None)]
    periods: list[Period] = []
    sources: set[str] = set()
    clocks = {r.action: r for r in (workflow.stop, workflow.resume, workflow.extend) if r}
    marks = {workflow.stop: Mark.STOP, workflow.resume: Mark.RESUME, workflow.extend: Mark.EXTEND}

    def count(day: date, *, ended: bool) -> None:
        counted = _period(workflow, position, calendars, day, ended=ended)
        if counted is not None:
            periods.append(counted[0])
            sources.update(counted[1])

    for recorded in rest:
        action = Action(
            on=recorded.on, action=recorded.action, role=Role(recorded.role), days=recorded.days
        )
        rule = clocks.get(recorded.action)
        if rule is None:  # a transition: the period of the state it leaves ends that day
            article = workflow.move(position.state, action.action, action.role).article
            count(recorded.on, ended=True)
            position = apply(workflow, position, action)
            mark = Mark.DECISION if recorded.action == workflow.decide else Mark.TRANSITION
            milestones.append(_milestone(workflow, recorded, mark, position, article))
        else:
            added = -position.extension_days
            position = apply(workflow, position, action)
            added += position.extension_days
            milestones.append(
                _milestone(workflow, recorded, marks[rule], position, rule.article, added or None)
            )
    count(as_of, ended=False)
    return CaseTimeline(
        case_id=case_id,
        regime=workflow.regime,
        as_of=as_of,
        milestones=tuple(milestones),
        periods=tuple(periods),
        later=len(history) - len(shown),
        calendar_sources=tuple(sorted(sources)),
    )


def _milestone(
    workflow: Workflow,
    recorded: ActionRecord,
    mark: Mark,
    after: Position,
    article: str | None,
    days: int | None = None,
) -> Milestone:
    state = workflow.states[after.state]
    return Milestone(
        on=recorded.on,
        action=recorded.action,
        mark=mark,
        role=recorded.role,
        state=state.id,
        state_title=state.title,
        article=article,
        days=days,
        note=recorded.note,
    )


def _period(
    workflow: Workflow,
    position: Position,
    calendars: Callable[[str], WorkCalendar],
    day: date,
    *,
    ended: bool,
) -> tuple[Period, tuple[str, ...]] | None:
    """The period of `position`'s state counted on `day` (the day it ends when `ended`, else
    the timeline's day) and the calendar data the count rests on; None for a state that runs
    on no clock."""
    state = workflow.states[position.state]
    if state.deadline is None or state.final:
        return None
    counted = clock(workflow, position, calendars(workflow.calendar_name(state.deadline)), day)
    period = Period(
        state=state.id,
        title=state.title,
        article=state.article,
        started=position.entered,
        ended=day if ended else None,
        days=counted.days,
        unit=counted.unit.value,
        extension_days=position.extension_days,
        pauses=tuple((p.since, p.until) for p in position.pauses),
        paused_days=counted.paused_days,
        due=counted.due,
        late=counted.due is not None and day > counted.due,
        left=None if ended else counted.left,
        provisional=counted.provisional,
    )
    return period, counted.sources
