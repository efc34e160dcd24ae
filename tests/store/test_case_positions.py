"""What each case keeps for the case list (its position, and whether member units have been
consulted) is always what its recorded history gives, on both backends: random action
sequences, legal and refused, in every regime's workflow, through `case.service`. The oracles
are `procedure.replay` and `access.consulted` over the history the store holds, called here."""

from __future__ import annotations

import contextlib
from datetime import date, timedelta

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from chainreview.case.access import Caller, consulted
from chainreview.case.procedure import (
    Action,
    Opening,
    Position,
    Role,
    Workflow,
    load_workflow,
    replay,
    workflow_ids,
)
from chainreview.case.service import (
    Opened,
    Step,
    list_case_views,
    open_case,
    take_action,
    view_case,
)
from chainreview.errors import RefusedAction
from chainreview.store import cases
from chainreview.store.db import Store
from chainreview.store.records import ActionRecord, PositionRecord

APPLICANT, VENDOR = "Operator Co.", "Vendor Ltd."
OPENERS = {Opening.DECLARATION: Role.APPLICANT, Opening.EX_OFFICIO: Role.REVIEWER}
MEMBER_UNIT = Caller(name="unit", role=Role.MEMBER_UNIT, org=None)


def _as(role: Role) -> Caller:
    org = {Role.APPLICANT: APPLICANT, Role.VENDOR: VENDOR}.get(role)
    return Caller(name=f"{role.value}-user", role=role, org=org)


def _moves(workflow: Workflow, position: Position) -> list[tuple[str, Role]]:
    """Every action and role the workflow names from `position`'s state (a transition is
    still refused while the clock stands still; an extension beyond the allowed, too)."""
    moves = [
        (t.action, role)
        for t in workflow.transitions
        if position.state in t.sources
        for role in sorted(t.roles)
    ]
    state = workflow.states[position.state]
    if state.deadline is not None and not state.final:
        rules = (workflow.resume,) if position.stopped else (workflow.stop, workflow.extend)
        moves += [(r.action, role) for r in rules if r is not None for role in sorted(r.roles)]
    return moves


def _kept(store: Store, case_id: str) -> tuple[PositionRecord | None, bool]:
    with store.transaction("test") as tx:
        found = {c.id: (p, c.consulted) for c, p in cases.list_positions(tx)}
    return found[case_id]


def _history(store: Store, case_id: str) -> tuple[ActionRecord, ...]:
    with store.transaction("test") as tx:
        return cases.list_actions(tx, case_id)


def _from_history(workflow: Workflow, history: tuple[ActionRecord, ...]) -> PositionRecord:
    opening, *rest = history
    actions = [Action(on=a.on, action=a.action, role=Role(a.role), days=a.days) for a in rest]
    position = replay(workflow, Opening(opening.action), opening.on, actions)
    return PositionRecord(
        state=position.state,
        entered=position.entered,
        pauses=tuple((p.since, p.until) for p in position.pauses),
        extension_days=position.extension_days,
        latest=position.latest,
    )


@settings(
    max_examples=80,
    deadline=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)
@given(
    regime=st.sampled_from(workflow_ids()),
    opening=st.sampled_from(sorted(OPENERS)),
    opened_on=st.dates(min_value=date(2024, 1, 1), max_value=date(2026, 6, 30)),
    data=st.data(),
)
def test_what_a_case_keeps_is_what_its_history_gives(
    store: Store, regime: str, opening: Opening, opened_on: date, data: st.DataObject
) -> None:
    workflow = load_workflow(regime)
    opened = Opened(
        regime=regime,
        title="Random walk",
        applicant=APPLICANT,
        vendor=VENDOR,
        opening=opening,
        on=opened_on,
    )
    view = open_case(store, opened, caller=_as(OPENERS[opening]), home=None)
    case_id, on = view.case.id, opened_on
    for _ in range(data.draw(st.integers(min_value=0, max_value=12), label="steps")):
        history = _history(store, case_id)
        assert _kept(store, case_id) == (
            _from_history(workflow, history),
            consulted(workflow, history),
        )
        moves = _moves(workflow, view.position)
        if not moves:
            break  # a final state
        action, role = data.draw(st.sampled_from(moves), label="move")
        on += timedelta(days=data.draw(st.integers(min_value=0, max_value=20), label="gap"))
        days = data.draw(st.none() | st.integers(min_value=1, max_value=20), label="days")
        with contextlib.suppress(RefusedAction):  # refused: nothing written, nothing moved
            view = take_action(
                store,
                case_id,
                Step(action=action, on=on, days=days),
                caller=_as(role),
                expected_version=None,
                home=None,
            )
    history = _history(store, case_id)
    assert _kept(store, case_id) == (_from_history(workflow, history), consulted(workflow, history))
    office = _as(Role.REVIEWER)
    listed = {v.case.id: v for v in list_case_views(store, caller=office, today=on, home=None)}
    page = view_case(store, case_id, caller=office, today=on, home=None)
    assert (listed[case_id].position, listed[case_id].clock) == (page.position, page.clock)
    assert listed[case_id].history is None
    seen = {v.case.id for v in list_case_views(store, caller=MEMBER_UNIT, today=on, home=None)}
    assert (case_id in seen) == consulted(workflow, history)
