"""The position each case keeps (what the case list reads instead of the history) is always
what replaying its recorded history gives, on both backends: random action sequences, legal
and refused, through `case.service`; the oracle is `procedure.replay` over the history the
store holds, called here."""

from __future__ import annotations

import contextlib
from datetime import date, timedelta

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from chainreview.case.procedure import (
    Action,
    Opening,
    Position,
    Role,
    Workflow,
    load_workflow,
    replay,
)
from chainreview.case.service import Opened, list_case_views, open_case, take_action, view_case
from chainreview.errors import RefusedAction
from chainreview.store import cases
from chainreview.store.db import Store
from chainreview.store.records import PositionRecord

WORKFLOW = load_workflow("cn-crm-2022")
OPENERS = {Opening.DECLARATION: Role.APPLICANT, Opening.EX_OFFICIO: Role.REVIEWER}


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


def _stored(store: Store, case_id: str) -> PositionRecord | None:
    return {c.id: p for c, p in cases.list_positions(store)}[case_id]


def _replayed(store: Store, case_id: str) -> PositionRecord:
    with store.transaction("test") as tx:
        opening, *rest = cases.list_actions(tx, case_id)
    actions = [Action(on=a.on, action=a.action, role=Role(a.role), days=a.days) for a in rest]
    position = replay(WORKFLOW, Opening(opening.action), opening.on, actions)
    return PositionRecord(
        state=position.state,
        entered=position.entered,
        pauses=tuple((p.since, p.until) for p in position.pauses),
        extension_days=position.extension_days,
    )


@settings(
    max_examples=60,
    deadline=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)
@given(
    opening=st.sampled_from(sorted(OPENERS)),
    opened_on=st.dates(min_value=date(2024, 1, 1), max_value=date(2026, 6, 30)),
    data=st.data(),
)
def test_the_stored_position_is_the_replayed_history(
    store: Store, opening: Opening, opened_on: date, data: st.DataObject
) -> None:
    opened = Opened(
        regime="cn-crm-2022",
        title="Random walk",
        applicant="Op",
        vendor="Vend",
        opening=opening,
        on=opened_on,
        role=OPENERS[opening],
    )
    view = open_case(store, opened, actor="test", home=None)
    case_id, on = view.case.id, opened_on
    assert _stored(store, case_id) == _replayed(store, case_id)
    for _ in range(data.draw(st.integers(min_value=1, max_value=12), label="steps")):
        moves = _moves(WORKFLOW, view.position)
        if not moves:
            break  # a final state
        action, role = data.draw(st.sampled_from(moves), label="move")
        on += timedelta(days=data.draw(st.integers(min_value=0, max_value=20), label="gap"))
        days = data.draw(st.none() | st.integers(min_value=1, max_value=20), label="days")
        taken = Action(on=on, action=action, role=role, days=days)
        with contextlib.suppress(RefusedAction):  # refused: nothing written, nothing moved
            view = take_action(
                store, case_id, taken, actor="test", expected_version=None, home=None
            )
        assert _stored(store, case_id) == _replayed(store, case_id)
    listed = {v.case.id: v for v in list_case_views(store, today=on, home=None)}[case_id]
    page = view_case(store, case_id, today=on, home=None)
    assert (listed.position, listed.clock) == (page.position, page.clock)
    assert listed.history is None
