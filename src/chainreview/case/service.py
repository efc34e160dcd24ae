"""Cases on the statutory clock: open a case, take procedure actions on it, and see where it
stands, with the store keeping every action and the procedure deciding which are allowed.

A case's first action is its opening (`declaration` or `ex-officio`, with its date); every later
one is checked by replaying the whole history through the regime's workflow (`procedure.replay`,
then `procedure.apply`) before it is written, under the case's lock version, so two reviewers
acting on the same case at once cannot both succeed. The position it leads to is stored with it
(and whether member units have been consulted), so the case list reads no history
(`list_case_views`). A case page and the case list are read in one read-only pass
(`Store.read_only`), what cannot have changed under its key taken from the store's memo
(`chainreview.store.memo`: a case's history by its version, a case page's view by its row,
day and overdue conditions (`case_page`), the list by a fingerprint of every case); the case
row, the overdue conditions and the caller's access are read each time.
Every call is made by a `Caller` (a registered user, `chainreview.case.users.identify`): actions
are taken in the caller's role, and a case the caller may not see (`chainreview.case.access`) is
reported as absent.
"""

from __future__ import annotations

from collections.abc import Callable, Hashable
from dataclasses import dataclass
from datetime import UTC, date, datetime
from pathlib import Path
from typing import Final
from zoneinfo import ZoneInfo

from chainreview.case.access import (
    Caller,
    bound_parties,
    check_case,
    check_role,
    consulted,
    kept_history,
    read_case,
    same_org,
    sees_case,
    visible_case,
)
from chainreview.case.arrangement import stored_stamp
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
from chainreview.factors.catalogue import load_profile
from chainreview.store import cases, outcomes, pages
from chainreview.store.db import Store, Tx
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
    overdue_conditions: int
    """Conditions overdue on `today` among those the caller may see (open, past their due
    date, not waived by a risk acceptance in force)."""


@dataclass(frozen=True, slots=True, kw_only=True)
class Opened:
    """How a new case is opened."""

    regime: str
    title: str
    applicant: str
    vendor: str
    opening: Opening
    on: date
    snapshot_hash: str | None = None


@dataclass(frozen=True, slots=True, kw_only=True)
class Step:
    """A procedure action to take on a case (in the caller's role)."""

    action: str
    on: date
    days: int | None = None
    """For an extension: the days added (default: the step's stated extension)."""
    note: str | None = None


def open_case(store: Store, opened: Opened, *, caller: Caller, home: Path | None) -> CaseView:
    """Open a case and record its opening as its first action; an applicant opens cases only
    for its own organisation."""
    with store.transaction(caller.name) as tx:
        record = open_in(tx, opened, caller=caller)
    return view_case(store, record.id, caller=caller, today=opened.on, home=home)


def open_in(tx: Tx, opened: Opened, *, caller: Caller) -> CaseRecord:
    """`open_case` in `tx`, for the modules that open a case together with what it is opened
    on (a declaration package)."""
    workflow = load_workflow(opened.regime)
    state = workflow.start(opened.opening)
    check_role(caller, OPENERS[opened.opening], f"opening a case {opened.opening.value}")
    if caller.role is Role.APPLICANT and not same_org(caller.org, opened.applicant):
        raise RefusedAction(
            f"{caller.name} declares for {caller.org}, not for {opened.applicant.strip()}"
        )
    new = NewCase(
        regime=opened.regime,
        title=opened.title,
        state=state,
        applicant_org=opened.applicant,
        vendor_org=opened.vendor,
        ex_officio=opened.opening is Opening.EX_OFFICIO,
        snapshot_hash=opened.snapshot_hash,
        year=opened.on.year,
    )
    first = NewAction(on=opened.on, action=opened.opening.value, role=caller.role.value)
    position = _stored(replay(workflow, opened.opening, opened.on, ()))
    record = cases.open_case(tx, new)
    cases.record_action(
        tx,
        record.id,
        first,
        position=position,
        consulted=first.action in workflow.consulting(),
        expected_version=record.version,
    )
    return record


def take_action(
    store: Store,
    case_id: str,
    step: Step,
    *,
    caller: Caller,
    expected_version: int | None,
    home: Path | None,
) -> CaseView:
    """Check `step`, taken in the caller's role, against the case's procedure and history,
    then record it; raises `RefusedAction` (nothing written) or `ConflictError` when the case
    moved on since `expected_version` (None: the version just read, for a single user at a
    terminal)."""
    with store.transaction(caller.name) as tx:
        record, history = visible_case(tx, caller, case_id)
        record_step(tx, caller, record, history, step, expected_version=expected_version)
    return view_case(store, case_id, caller=caller, today=step.on, home=home)


def record_step(
    tx: Tx,
    caller: Caller,
    record: CaseRecord,
    history: tuple[ActionRecord, ...],
    step: Step,
    *,
    expected_version: int | None,
    with_decision: bool = False,
) -> Position:
    """Check `step` against the case's procedure and history and record it in `tx`, for the
    modules that take an action together with what it rests on (a decision, a breach). The
    workflow's decision action is refused unless `with_decision`: it is never taken alone."""
    workflow = load_workflow(record.regime)
    action = Action(on=step.on, action=step.action, role=caller.role, days=step.days)
    position = apply(workflow, _replayed(workflow, record, history), action)
    if step.action == workflow.decide and not with_decision:
        raise RefusedAction(
            f"{step.action} is taken with the decision it concludes on: record the decision "
            f"(case decide {record.id})"
        )
    new = NewAction(
        on=step.on, action=step.action, role=caller.role.value, days=step.days, note=step.note
    )
    version = record.version if expected_version is None else expected_version
    cases.record_action(
        tx,
        record.id,
        new,
        position=_stored(position),
        consulted=consulted(workflow, history) or step.action in workflow.consulting(),
        expected_version=version,
    )
    return position


def case_today(store: Store, case_id: str, *, caller: Caller, now: datetime) -> date:
    """The day it is at `now` (aware) in the time zone of the case's regime, for a case the
    caller may see: the default day of an action or a view of it."""
    with store.read_only(caller.name) as tx:
        record, _ = read_case(tx, store.memo, caller, case_id)
    return _day_at(record.regime, now)


def view_case(
    store: Store, case_id: str, *, caller: Caller, today: date, home: Path | None
) -> CaseView:
    """The case, its history, its position and its clock on `today`."""
    return _page(store, case_id, caller, lambda regime: today, home).view


def view_case_now(
    store: Store, case_id: str, *, caller: Caller, now: datetime, home: Path | None
) -> CaseView:
    """`view_case` on the day it is at `now` in the time zone of the case's regime (as
    `case_today` gives it), in one read of the store."""
    return _page(store, case_id, caller, _days_at(now), home).view


@dataclass(frozen=True, slots=True, kw_only=True)
class CasePage:
    """A case as a caller sees it on a day, and the key of everything it was made from."""

    key: Hashable
    """Equal for two pages only if the case row (its version), its recorded actions, the day,
    the overdue conditions the caller sees and the imported calendars were the same: then
    the views are the same, whoever of those who may see the case asked."""
    view: CaseView


def case_page(
    store: Store,
    case_id: str,
    *,
    caller: Caller,
    today: date | None,
    now: datetime,
    home: Path | None,
) -> CasePage:
    """`view_case` on `today`, else `view_case_now` at `now`, with its key."""
    if today is None:
        return _page(store, case_id, caller, _days_at(now), home)
    return _page(store, case_id, caller, lambda regime: today, home)


def _page(
    store: Store,
    case_id: str,
    caller: Caller,
    day_of: Callable[[str | None], date],
    home: Path | None,
) -> CasePage:
    """The page in one read-only pass: the case row, its action count and the overdue
    conditions the caller sees in one query (`store.pages.page_row`) and the caller's access
    checked on every call; the view made only when the store's memo has none under the key
    (its history read and replayed). `day_of` gives the day in a regime (None: a guess, for a
    case whose regime the memo does not know yet); the day is checked against the regime read,
    and the row read again on that day when the guess was not it."""
    stamp = () if home is None else stored_stamp(home)
    parties = bound_parties(caller)
    with store.read_only(caller.name) as tx:
        day = day_of(store.memo.peek(("regime", case_id), str))
        row = pages.page_row(tx, case_id, today=day, parties=parties)
        record = row.case
        if day_of(record.regime) != day:
            day = day_of(record.regime)
            row = pages.page_row(tx, case_id, today=day, parties=parties)
            record = row.case
        check_case(caller, record, record.consulted)
        store.memo.get(("regime", case_id), str, lambda: record.regime)  # never changes
        key = ("case-page", record, row.actions, day, row.overdue, stamp)
        view = store.memo.get(
            key, CaseView, lambda: _made(tx, store, record, row.actions, day, row.overdue, home)
        )
    return CasePage(key=key, view=view)


def _days_at(now: datetime) -> Callable[[str | None], date]:
    """The day it is at `now` in a regime's time zone (None: in UTC, a first guess)."""

    def day_of(regime: str | None) -> date:
        return now.astimezone(UTC).date() if regime is None else _day_at(regime, now)

    return day_of


def _made(
    tx: Tx,
    store: Store,
    record: CaseRecord,
    actions: int,
    today: date,
    overdue: int,
    home: Path | None,
) -> CaseView:
    """The view of the case at the row read: its history (`kept_history`) replayed."""
    history = kept_history(tx, store.memo, record, actions)
    position = _replayed(load_workflow(record.regime), record, history)
    return _view(record, history, position, today, _calendars(home), overdue)


def _day_at(regime: str, now: datetime) -> date:
    return now.astimezone(ZoneInfo(load_profile(regime).timezone)).date()


@dataclass(frozen=True, slots=True, kw_only=True)
class Listing:
    """The case list a caller sees on a day, and the key of everything it was made from."""

    key: Hashable
    """Equal for two listings only if every case, every overdue condition the list counts,
    the day, the caller's role and organisation and the imported calendars were the same."""
    views: tuple[CaseView, ...]


def list_case_views(
    store: Store, *, caller: Caller, today: date, home: Path | None
) -> tuple[CaseView, ...]:
    """Every case the caller may see, with its clock on `today`, oldest first: each case's
    position as its last action stored it (no history is read), only the clock counted now."""
    return case_listing(store, caller=caller, today=today, home=home).views


def case_listing(store: Store, *, caller: Caller, today: date, home: Path | None) -> Listing:
    """`list_case_views` with its key: made once for as long as the key holds, in the store's
    `large_memo` (the key is read before the cases, so a listing is never older than it)."""
    stamp = () if home is None else stored_stamp(home)
    with store.read_only(caller.name) as tx:
        overdue = outcomes.overdue_counts(tx, today)
        key = (
            "case-list",
            cases.fingerprint(tx),
            tuple(sorted(overdue.items())),
            today,
            caller.role,
            caller.org,
            stamp,
        )
        return store.large_memo.get(
            key, Listing, lambda: Listing(key=key, views=_listed(tx, caller, today, home, overdue))
        )


def _listed(
    tx: Tx, caller: Caller, today: date, home: Path | None, overdue: dict[tuple[str, str], int]
) -> tuple[CaseView, ...]:
    calendars = _calendars(home)
    return tuple(
        _view(
            record,
            None,
            _restored(record, stored),
            today,
            calendars,
            _seen(caller, overdue, record.id),
        )
        for record, stored in cases.list_positions(tx)
        if sees_case(caller, record, record.consulted)
    )


def _seen(caller: Caller, overdue: dict[tuple[str, str], int], case_id: str) -> int:
    """The overdue conditions of the case among those that bind a party the caller sees."""
    return sum(overdue.get((case_id, party), 0) for party in bound_parties(caller))


def _view(
    record: CaseRecord,
    history: tuple[ActionRecord, ...] | None,
    position: Position,
    today: date,
    calendars: Callable[[str], WorkCalendar],
    overdue: int,
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
        overdue_conditions=overdue,
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
        latest=position.latest,
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
        latest=stored.latest,
    )


def _calendars(home: Path | None) -> Callable[[str], WorkCalendar]:
    """Calendars by name, each loaded once."""
    loaded: dict[str, WorkCalendar] = {}

    def calendar(name: str) -> WorkCalendar:
        if name not in loaded:
            loaded[name] = load_calendar(name, home=home)
        return loaded[name]

    return calendar
