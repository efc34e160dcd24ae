"""Cases on the statutory clock: open a case, take procedure actions on it, and see where it
stands, with the store keeping every action and the procedure deciding which are allowed.

A case's first action is its opening (`declaration` or `ex-officio`, with its date); every later
one is checked by replaying the whole history through the regime's workflow (`procedure.replay`,
then `procedure.apply`) before it is written, under the case's lock version, so two reviewers
acting on the same case at once cannot both succeed. The position it leads to is stored with it,
so the case list reads no history (`list_case_views`). Roles are those the caller states; checking
them against users and their access to each case comes with the user model.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from datetime import date
from pathlib import Path
from typing import Final

from chainreview.case.procedure import (
    Action,
    Clock,
    Opening,
    Pause,
    Position,
    Role,
    Workflow,
    apply,
    clock,
    load_workflow,
    replay,
)
from chainreview.case.workdays import WorkCalendar, load_calendar
from chainreview.errors import RefusedAction
from chainreview.store import cases
from chainreview.store.db import Store
from chainreview.store.records import (
    ActionRecord,
    CaseRecord,
    NewAction,
    NewCase,
    PositionRecord,
)

OPENERS: Final = {
    Opening.DECLARATION: frozenset({Role.APPLICANT, Role.REVIEWER}),
    Opening.EX_OFFICIO: frozenset({Role.REVIEWER, Role.APPROVER}),
}
"""Who may open a case each way: the operator declares (or the office registers what it
received); only the office opens one of its own motion (Art. 16)."""


@dataclass(frozen=True, slots=True, kw_only=True)
class CaseView:
    """A case with its procedure history, where that leaves it, and its clock on `today`."""

    case: CaseRecord
    history: tuple[ActionRecord, ...] | None
    """None in `list_case_views`, which reads no history."""
    position: Position
    clock: Clock | None
    """None when the state runs on no clock (received, concluded, …)."""
    today: date


@dataclass(frozen=True, slots=True, kw_only=True)
class Opened:
    """How a new case is opened."""

    regime: str
    title: str
    applicant: str
    vendor: str
    opening: Opening
    on: date
    role: Role
    snapshot_hash: str | None = None


def open_case(store: Store, opened: Opened, *, actor: str, home: Path | None) -> CaseView:
    """Open a case and record its opening as its first action."""
    workflow = load_workflow(opened.regime)
    state = workflow.start(opened.opening)
    if opened.role not in OPENERS[opened.opening]:
        allowed = ", ".join(sorted(r.value for r in OPENERS[opened.opening]))
        raise RefusedAction(
            f"a case is opened {opened.opening.value} by {allowed}, not {opened.role.value}"
        )
    new = NewCase(
        regime=opened.regime,
        title=opened.title,
        state=state,
        applicant_org=opened.applicant,
        vendor_org=opened.vendor,
        ex_officio=opened.opening is Opening.EX_OFFICIO,
        snapshot_hash=opened.snapshot_hash,
    )
    first = NewAction(on=opened.on, action=opened.opening.value, role=opened.role.value)
    position = _stored(replay(workflow, opened.opening, opened.on, ()))
    with store.transaction(actor) as tx:
        record = cases.open_case(tx, new)
        cases.record_action(
            tx, record.id, first, position=position, expected_version=record.version
        )
    return view_case(store, record.id, today=opened.on, home=home)


def take_action(
    store: Store,
    case_id: str,
    action: Action,
    *,
    actor: str,
    expected_version: int | None,
    home: Path | None,
    note: str | None = None,
) -> CaseView:
    """Check `action` against the case's procedure and history, then record it; raises
    `RefusedAction` (nothing written) or `ConflictError` when the case moved on since
    `expected_version` (None: the version just read, for a single user at a terminal)."""
    with store.transaction(actor) as tx:
        record = cases.get_case(tx, case_id)
        history = cases.list_actions(tx, case_id)
        workflow = load_workflow(record.regime)
        position = apply(workflow, _replayed(workflow, record, history), action)
        new = NewAction(
            on=action.on, action=action.action, role=action.role.value, days=action.days, note=note
        )
        version = record.version if expected_version is None else expected_version
        cases.record_action(tx, case_id, new, position=_stored(position), expected_version=version)
    return view_case(store, case_id, today=action.on, home=home)


def view_case(store: Store, case_id: str, *, today: date, home: Path | None) -> CaseView:
    """The case, its history, its position and its clock on `today`."""
    with store.transaction("reader") as tx:
        record = cases.get_case(tx, case_id)
        history = cases.list_actions(tx, case_id)
    position = _replayed(load_workflow(record.regime), record, history)
    return _view(record, history, position, today, _calendars(home))


def list_case_views(store: Store, *, today: date, home: Path | None) -> tuple[CaseView, ...]:
    """Every case with its clock on `today`, oldest first: each case's position as its last
    action stored it (no history is read), only the clock counted now."""
    calendars = _calendars(home)
    return tuple(
        _view(record, None, _restored(record, stored), today, calendars)
        for record, stored in cases.list_positions(store)
    )


def _view(
    record: CaseRecord,
    history: tuple[ActionRecord, ...] | None,
    position: Position,
    today: date,
    calendars: Callable[[str], WorkCalendar],
) -> CaseView:
    workflow = load_workflow(record.regime)
    state = workflow.states[position.state]
    current = None
    if state.deadline is not None and not state.final:
        calendar = calendars(workflow.calendar_name(state.deadline))
        current = clock(workflow, position, calendar, today)
    return CaseView(
        case=record,
        history=history,
        position=position,
        clock=current,
        today=today,
    )


def _replayed(
    workflow: Workflow, record: CaseRecord, history: tuple[ActionRecord, ...]
) -> Position:
    """Where the recorded history leaves the case (its first action is the opening)."""
    if not history:
        raise RefusedAction(f"case {record.id} has no recorded opening")
    opening, *rest = history
    actions = [Action(on=a.on, action=a.action, role=Role(a.role), days=a.days) for a in rest]
    return replay(workflow, Opening(opening.action), opening.on, actions)


def _stored(position: Position) -> PositionRecord:
    """`position` as the store keeps it."""
    return PositionRecord(
        state=position.state,
        entered=position.entered,
        pauses=tuple((p.since, p.until) for p in position.pauses),
        extension_days=position.extension_days,
    )


def _restored(record: CaseRecord, stored: PositionRecord | None) -> Position:
    """The position the store kept for the case."""
    if stored is None:
        raise RefusedAction(f"case {record.id} has no recorded opening")
    return Position(
        state=stored.state,
        entered=stored.entered,
        pauses=tuple(Pause(since=since, until=until) for since, until in stored.pauses),
        extension_days=stored.extension_days,
    )


def _calendars(home: Path | None) -> Callable[[str], WorkCalendar]:
    """Calendars by name, each loaded once."""
    loaded: dict[str, WorkCalendar] = {}

    def calendar(name: str) -> WorkCalendar:
        if name not in loaded:
            loaded[name] = load_calendar(name, home=home)
        return loaded[name]

    return calendar
