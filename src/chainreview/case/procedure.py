"""A regime's case procedure as data: its states, the actions that move a case between them and
who may take them, and its statutory clock (`workflows/<regime>.yaml`, checked against
`workflows/workflow.schema.json` and the regime profile's procedure steps).

`Workflow.move` is the one transition function: an action the current state does not allow,
or a role that may not take it, is refused naming both. `replay` rebuilds where a case stands
from its history (each action with its date and role), and `clock` tells the deadline of the
state it is in: the state's step deadline from the profile, plus extensions, with the working
days the clock stood still for requested materials (Art. 15) left out.
"""

from __future__ import annotations

import dataclasses
import functools
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from datetime import date
from enum import StrEnum
from importlib import resources
from typing import TYPE_CHECKING, Any, Final

import orjson
from jsonschema import Draft202012Validator

from chainreview import raw
from chainreview.errors import InputError, RefusedAction
from chainreview.evidence.schema_checks import raise_for_errors
from chainreview.factors.catalogue import DayUnit, Deadline, RegimeProfile, load_profile

if TYPE_CHECKING:
    from chainreview.case.workdays import WorkCalendar

_FOLDER: Final = resources.files("chainreview.case") / "workflows"
CALENDAR_DAYS: Final = "calendar-days"


class Role(StrEnum):
    """Who takes part in a case."""

    APPLICANT = "applicant"
    VENDOR = "vendor"
    REVIEWER = "reviewer"
    MEMBER_UNIT = "member-unit"
    APPROVER = "approver"
    ADMIN = "admin"


class Opening(StrEnum):
    """How a case comes to be opened."""

    DECLARATION = "declaration"
    EX_OFFICIO = "ex-officio"


@dataclass(frozen=True, slots=True, kw_only=True)
class State:
    """One state of a case."""

    id: str
    title: str
    article: str
    deadline: Deadline | None = None
    """The deadline of the profile's procedure step that runs in this state."""
    final: bool = False
    consulted: bool = False
    """Member units are consulted in this state: from then on they may see the case."""
    agreement: bool = False
    """A decision here needs the member units' opinions to agree: none dissenting since the
    case was last put to them (Art. 12(2)); otherwise the case goes on (to special review)."""


@dataclass(frozen=True, slots=True, kw_only=True)
class Transition:
    """An action that moves a case from one of `sources` to `target`."""

    action: str
    sources: tuple[str, ...]
    target: str
    roles: frozenset[Role]
    article: str | None = None


@dataclass(frozen=True, slots=True, kw_only=True)
class InterimOrders:
    """Interim risk measures the office may order while a case is under review: in which
    states, in which roles, under which article."""

    states: frozenset[str]
    roles: frozenset[Role]
    article: str


@dataclass(frozen=True, slots=True, kw_only=True)
class ClockAction:
    """An action on the clock of a timed state: stop, resume or extend it."""

    action: str
    article: str
    roles: frozenset[Role]


@dataclass(frozen=True, slots=True, kw_only=True)
class Workflow:
    """A regime's case procedure."""

    regime: str
    working_calendar: str
    """The calendar working-day deadlines count on (the profile's, e.g. `cn-working-days`)."""
    starts: Mapping[Opening, str]
    states: Mapping[str, State]
    transitions: tuple[Transition, ...]
    stop: ClockAction | None = None
    resume: ClockAction | None = None
    extend: ClockAction | None = None
    decide: str | None = None
    """The action a decision takes: recorded only together with the decision (`case.decisions`)."""
    breach: str | None = None
    """The action a breached condition takes (`case.conditions`); it may also be taken alone."""
    interim: InterimOrders | None = None
    """Interim measures ordered during the review (`case.interim`); None: the regime has none."""

    def start(self, opening: Opening) -> str:
        """The state a case opened this way starts in."""
        state = self.starts.get(opening)
        if state is None:
            raise RefusedAction(f"{self.regime}: a case cannot be opened {opening.value}")
        return state

    def move(self, current: str, action: str, role: Role) -> Transition:
        """The transition `action` takes from `current`, when `role` may take it."""
        for transition in self.transitions:
            if transition.action == action and current in transition.sources:
                if role not in transition.roles:
                    roles = ", ".join(sorted(r.value for r in transition.roles))
                    raise RefusedAction(f"{action} from {current} is for {roles}, not {role.value}")
                return transition
        allowed = sorted({t.action for t in self.transitions if current in t.sources})
        choices = f"allowed from {current}: {', '.join(allowed)}" if allowed else "none allowed"
        raise RefusedAction(f"no action {action!r} from state {current} ({choices})")

    def consulting(self) -> frozenset[str]:
        """The actions that bring a case into a state where member units are consulted."""
        return frozenset(t.action for t in self.transitions if self.states[t.target].consulted)

    def calendar_name(self, deadline: Deadline) -> str:
        """The calendar `deadline` counts on."""
        if deadline.unit is DayUnit.WORKING_DAYS:
            return self.working_calendar
        return CALENDAR_DAYS


@dataclass(frozen=True, slots=True, kw_only=True)
class Action:
    """One entry of a case's history: what was done, on which day, in which role."""

    on: date
    action: str
    role: Role
    days: int | None = None
    """For an extension: the days added (default: the step's stated extension)."""


@dataclass(frozen=True, slots=True, kw_only=True)
class Pause:
    """Working days not counted: after `since`, up to and including `until` (None: still
    stopped)."""

    since: date
    until: date | None


@dataclass(frozen=True, slots=True, kw_only=True)
class Position:
    """Where a case stands: its state, since when, and its clock's stops and extensions."""

    state: str
    entered: date
    pauses: tuple[Pause, ...] = ()
    extension_days: int = 0
    latest: date | None = None
    """The day of the latest action on the clock here (stop, resume, extension), if any."""

    @property
    def stopped(self) -> bool:
        """Whether the clock stands still now (materials requested, not yet supplied)."""
        return bool(self.pauses) and self.pauses[-1].until is None


@dataclass(frozen=True, slots=True, kw_only=True)
class Clock:
    """The deadline of the state a case is in, on `today`."""

    state: str
    article: str
    started: date
    days: int
    """Days allowed, extensions included."""
    unit: DayUnit
    paused_days: int
    """Days the clock stood still for requested materials (Art. 15)."""
    stopped_since: date | None
    due: date | None
    """None while the clock stands still."""
    left: int
    """Days left on `today` (negative when overdue)."""
    overdue: bool
    provisional: bool
    """Some day counted lies in a year no holiday arrangement covers (weekdays were counted)."""
    uncovered_years: tuple[int, ...]
    sources: tuple[str, ...]
    """The calendar data the count rests on."""


def replay(
    workflow: Workflow, opening: Opening, opened_on: date, history: Iterable[Action]
) -> Position:
    """Where a case opened on `opened_on` stands after `history`, each action checked in turn
    (dates never going back); raises `RefusedAction` at the first one not allowed."""
    position = Position(state=workflow.start(opening), entered=opened_on)
    for action in history:
        position = apply(workflow, position, action)
    return position


def apply(workflow: Workflow, position: Position, action: Action) -> Position:
    """`position` after `action`, or `RefusedAction` naming why it is not allowed."""
    latest = position.latest or position.entered
    if action.on < latest:
        raise RefusedAction(f"{action.action} on {action.on} is before {latest}")
    state = workflow.states[position.state]
    clock_action = _clock_action(workflow, action.action)
    if clock_action is not None:
        moved = _on_clock(workflow, position, state, clock_action, action)
        return dataclasses.replace(moved, latest=action.on)
    if position.stopped:
        since = position.pauses[-1].since
        raise RefusedAction(
            f"{action.action}: the clock of {state.id} stands still for materials requested on "
            f"{since}; record {_name(workflow.resume)} first"
        )
    transition = workflow.move(position.state, action.action, action.role)
    return Position(state=transition.target, entered=action.on)


def _on_clock(
    workflow: Workflow, position: Position, state: State, rule: ClockAction, action: Action
) -> Position:
    if action.role not in rule.roles:
        allowed = ", ".join(sorted(r.value for r in rule.roles))
        raise RefusedAction(f"{rule.action} is for {allowed}, not {action.role.value}")
    deadline = state.deadline
    if deadline is None or state.final:
        raise RefusedAction(f"{rule.action}: state {state.id} runs on no clock")
    if rule is workflow.stop:
        if position.stopped:
            raise RefusedAction(f"{rule.action}: the clock of {state.id} already stands still")
        pause = Pause(since=action.on, until=None)
        return dataclasses.replace(position, pauses=(*position.pauses, pause))
    if rule is workflow.resume:
        if not position.stopped:
            raise RefusedAction(f"{rule.action}: the clock of {state.id} is running")
        ended = Pause(since=position.pauses[-1].since, until=action.on)
        return dataclasses.replace(position, pauses=(*position.pauses[:-1], ended))
    return dataclasses.replace(
        position, extension_days=_extended(state, deadline, position, action)
    )


def _extended(state: State, deadline: Deadline, position: Position, action: Action) -> int:
    """The position's extension days after `action` extends the deadline."""
    if deadline.open_extension:
        if action.days is None or action.days < 1:
            raise RefusedAction(f"extend {state.id}: state how many days (the extension is open)")
        return position.extension_days + action.days
    allowed = deadline.extension_days or 0
    if not allowed:
        raise RefusedAction(
            f"extend: the deadline of {state.id} ({state.article}) has no extension"
        )
    days = allowed if action.days is None else action.days
    if days < 1 or position.extension_days + days > allowed:
        raise RefusedAction(
            f"extend {state.id}: at most {allowed} days in all "
            f"({position.extension_days} already granted)"
        )
    return position.extension_days + days


def clock(workflow: Workflow, position: Position, calendar: WorkCalendar, today: date) -> Clock:
    """The deadline of `position`'s state on `today`, counted on `calendar` (the one
    `Workflow.calendar_name` names for the state's deadline); raises `RefusedAction` for a state
    that runs on no clock."""
    state = workflow.states[position.state]
    deadline = state.deadline
    if deadline is None or state.final:
        raise RefusedAction(f"state {state.id} runs on no clock")
    days = deadline.days + position.extension_days
    counts = [calendar.between(p.since, p.until) for p in position.pauses if p.until is not None]
    paused = sum(c.workdays for c in counts)
    stopped_since = position.pauses[-1].since if position.stopped else None
    if stopped_since is not None:
        elapsed = calendar.between(position.entered, stopped_since)
        counts.append(elapsed)
        due = None
        left = days - (elapsed.workdays - paused)
    else:
        end = calendar.add(position.entered, days + paused)
        counts.append(end)
        due = end.due
        left = calendar.left(due, today)
    return Clock(
        state=state.id,
        article=state.article,
        started=position.entered,
        days=days,
        unit=deadline.unit,
        paused_days=paused,
        stopped_since=stopped_since,
        due=due,
        left=left,
        overdue=due is not None and today > due,
        provisional=any(c.provisional for c in counts),
        uncovered_years=tuple(sorted({y for c in counts for y in c.uncovered_years})),
        sources=tuple(sorted({s for c in counts for s in c.sources})),
    )


@dataclass(frozen=True, slots=True, kw_only=True)
class Allowed:
    """An action a case allows now, and the roles that may take it."""

    action: str
    roles: frozenset[Role]
    with_decision: bool = False
    """Taken only together with a decision (`chainreview.case.decisions.decide`), never alone."""


def allowed_actions(workflow: Workflow, position: Position) -> tuple[Allowed, ...]:
    """What the case at `position` allows now: its state's transitions, then (in a timed state)
    resuming its stopped clock or stopping it, and extending its deadline while the extension
    the regime allows is not used up."""
    state = workflow.states[position.state]
    found = [
        Allowed(action=t.action, roles=t.roles, with_decision=t.action == workflow.decide)
        for t in workflow.transitions
        if position.state in t.sources
    ]
    deadline = state.deadline
    if deadline is not None and not state.final:
        rules = [workflow.resume if position.stopped else workflow.stop]
        if deadline.open_extension or position.extension_days < (deadline.extension_days or 0):
            rules.append(workflow.extend)
        found += [Allowed(action=r.action, roles=r.roles) for r in rules if r is not None]
    return tuple(found)


def workflow_ids() -> tuple[str, ...]:
    """The regimes with a packaged case workflow, sorted."""
    return tuple(
        sorted(e.name[: -len(".yaml")] for e in _FOLDER.iterdir() if e.name.endswith(".yaml"))
    )


@functools.cache
def load_workflow(regime: str) -> Workflow:
    """The packaged case workflow of `regime`, checked against its regime profile."""
    known = workflow_ids()
    if regime not in known:
        message = f"no case workflow for regime {regime!r} (known: {', '.join(known)})"
        raise InputError("chainreview/case/workflows", message)
    display = f"chainreview/case/workflows/{regime}.yaml"
    value = raw.load_yaml((_FOLDER / f"{regime}.yaml").read_bytes(), display)
    return parse_workflow(value, display, load_profile(regime))


def parse_workflow(value: Any, file: str, profile: RegimeProfile) -> Workflow:
    """Build a workflow from YAML read from `file`, validated and cross-checked against
    `profile` (its regime, and every step named is one of its procedure steps); raises
    `InputError`."""
    raise_for_errors(list(_validator().iter_errors(value)), file)
    if value["regime"] != profile.id:
        raise InputError(file, f"regime {value['regime']!r} is not {profile.id!r}", "/regime")
    steps = {step.id: step for step in profile.procedure.steps}
    states: dict[str, State] = {}
    for n, item in enumerate(value["states"]):
        if item["id"] in states:
            raise InputError(file, f"state {item['id']!r} is given twice", f"/states/{n}/id")
        step_id = item.get("step")
        if step_id is not None and step_id not in steps:
            message = f"step {step_id!r} is not a procedure step of {profile.id}"
            raise InputError(file, message, f"/states/{n}/step")
        states[item["id"]] = State(
            id=item["id"],
            title=item["title"],
            article=item["article"],
            deadline=None if step_id is None else steps[step_id].deadline,
            final=item.get("final", False),
            consulted=item.get("consulted", False),
            agreement=item.get("agreement", False),
        )
    starts = {Opening(k): v for k, v in value["starts"].items()}
    for opening, state_id in starts.items():
        _check_state(state_id, states, file, f"/starts/{opening.value}")
    transitions = tuple(
        _transition(item, n, states, file) for n, item in enumerate(value["transitions"])
    )
    _check_deterministic(transitions, file)
    actions = {t.action for t in transitions}
    named = value.get("outcomes", {})
    for key, action in named.items():
        if action not in actions:
            raise InputError(file, f"{action!r} is not a transition's action", f"/outcomes/{key}")
    rules = {key: _clock_rule(item) for key, item in value["clock"].items()}
    for key, rule in rules.items():
        if any(t.action == rule.action for t in transitions):
            message = f"clock action {rule.action!r} is also a transition"
            raise InputError(file, message, f"/clock/{key}/action")
    interim = value.get("interim")
    if interim is not None:
        for n, state in enumerate(interim["states"]):
            _check_state(state, states, file, f"/interim/states/{n}")
    return Workflow(
        regime=profile.id,
        working_calendar=profile.procedure.calendar,
        starts=starts,
        states=states,
        transitions=transitions,
        stop=rules.get("stop"),
        resume=rules.get("resume"),
        extend=rules.get("extend"),
        decide=named.get("decide"),
        breach=named.get("breach"),
        interim=None
        if interim is None
        else InterimOrders(
            states=frozenset(interim["states"]),
            roles=frozenset(Role(r) for r in interim["roles"]),
            article=interim["article"],
        ),
    )


def _transition(
    item: Mapping[str, Any], n: int, states: Mapping[str, State], file: str
) -> Transition:
    for f, source in enumerate(item["from"]):
        _check_state(source, states, file, f"/transitions/{n}/from/{f}")
        if states[source].final:
            raise InputError(file, f"state {source!r} is final", f"/transitions/{n}/from/{f}")
    _check_state(item["to"], states, file, f"/transitions/{n}/to")
    return Transition(
        action=item["action"],
        sources=tuple(item["from"]),
        target=item["to"],
        roles=frozenset(Role(r) for r in item["roles"]),
        article=item.get("article"),
    )


def _check_deterministic(transitions: Sequence[Transition], file: str) -> None:
    """One action leads from one state to one state only."""
    seen: dict[tuple[str, str], str] = {}
    for n, transition in enumerate(transitions):
        for source in transition.sources:
            key = (source, transition.action)
            if key in seen:
                message = f"{transition.action} from {source} is given twice"
                raise InputError(file, message, f"/transitions/{n}")
            seen[key] = transition.target


def _check_state(state_id: str, states: Mapping[str, State], file: str, pointer: str) -> None:
    if state_id not in states:
        raise InputError(file, f"unknown state {state_id!r}", pointer)


def _clock_rule(item: Mapping[str, Any]) -> ClockAction:
    return ClockAction(
        action=item["action"],
        article=item["article"],
        roles=frozenset(Role(r) for r in item["roles"]),
    )


def _clock_action(workflow: Workflow, action: str) -> ClockAction | None:
    for rule in (workflow.stop, workflow.resume, workflow.extend):
        if rule is not None and rule.action == action:
            return rule
    return None


def _name(rule: ClockAction | None) -> str:
    return "the materials' arrival" if rule is None else rule.action


@functools.cache
def _validator() -> Draft202012Validator:
    schema = orjson.loads((_FOLDER / "workflow.schema.json").read_bytes())
    return Draft202012Validator(schema)
