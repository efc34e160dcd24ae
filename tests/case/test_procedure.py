"""The cn-crm-2022 case workflow: its states against REGIMES.md §1.4, the ordinary, special and
ex-officio paths, refusals naming the states and roles, clock stops and extensions, and
hostile workflow data."""

from __future__ import annotations

import copy
from datetime import date
from typing import Any

import pytest
import yaml

from chainreview.case import procedure
from chainreview.case.procedure import (
    Action,
    Opening,
    Pause,
    Role,
    allowed_actions,
    load_workflow,
    parse_workflow,
    replay,
)
from chainreview.errors import InputError, RefusedAction
from chainreview.factors.catalogue import DayUnit, load_profile

CN = "cn-crm-2022"
R, A, P = Role.REVIEWER, Role.APPLICANT, Role.APPROVER
DAY = date(2025, 9, 1)


def _history(*steps: tuple[str, Role] | tuple[str, Role, int]) -> list[Action]:
    """Actions a day apart from DAY (dates do not matter to the state machine)."""
    return [
        Action(on=date(2025, 9, 2 + n), action=s[0], role=s[1], days=s[2] if len(s) > 2 else None)
        for n, s in enumerate(steps)
    ]


def test_timed_states_run_on_the_deadlines_of_regimes_1_4() -> None:
    workflow = load_workflow(CN)
    deadlines = {
        s.id: (s.deadline.days, s.deadline.extension_days, s.deadline.open_extension)
        for s in workflow.states.values()
        if s.deadline is not None
    }
    # REGIMES.md §1.4: 10 WD (Art. 9), 30 WD +15 (Art. 11), 15 WD (Art. 12(1)),
    # 90 WD + open (Art. 14)
    assert deadlines == {
        "deciding": (10, None, False),
        "initial-review": (30, 15, False),
        "member-opinions": (15, None, False),
        "special-review": (90, None, True),
    }
    units = {s.deadline.unit for s in workflow.states.values() if s.deadline is not None}
    assert units == {DayUnit.WORKING_DAYS}
    assert workflow.working_calendar == "cn-working-days"


def test_ordinary_review_ends_concluded() -> None:
    workflow = load_workflow(CN)
    history = _history(
        ("check", R), ("accept", R), ("decide-review", R), ("recommend", R), ("conclude", P)
    )
    position = replay(workflow, Opening.DECLARATION, DAY, history)
    assert (position.state, position.entered) == ("concluded", date(2025, 9, 6))
    allowed = {t.action for t in workflow.transitions if "concluded" in t.sources}
    assert allowed == {"monitor"}  # Art. 19: only commitment monitoring follows


def test_special_review_follows_differing_opinions() -> None:
    workflow = load_workflow(CN)
    history = _history(
        ("check", R), ("accept", R), ("decide-review", R), ("recommend", R), ("escalate", R)
    )
    assert replay(workflow, Opening.DECLARATION, DAY, history).state == "special-review"
    history.append(Action(on=date(2025, 12, 1), action="conclude", role=P))
    assert replay(workflow, Opening.DECLARATION, DAY, history).state == "concluded"


def test_ex_officio_case_opens_in_initial_review() -> None:
    # Art. 16, as in the 2023 memory-chip review: no declaration, no decision whether to review.
    workflow = load_workflow(CN)
    assert replay(workflow, Opening.EX_OFFICIO, DAY, []).state == "initial-review"
    with pytest.raises(RefusedAction, match="no action 'accept' from state initial-review"):
        replay(workflow, Opening.EX_OFFICIO, DAY, _history(("accept", R)))


def test_no_review_needed_is_final() -> None:
    workflow = load_workflow(CN)
    history = _history(("check", R), ("accept", R), ("decide-no-review", R))
    assert replay(workflow, Opening.DECLARATION, DAY, history).state == "no-review"
    with pytest.raises(RefusedAction, match=r"from state no-review \(none allowed\)"):
        late = Action(on=date(2025, 10, 1), action="recommend", role=R)
        replay(workflow, Opening.DECLARATION, DAY, [*history, late])


def test_illegal_transition_names_the_state_and_what_it_allows() -> None:
    workflow = load_workflow(CN)
    with pytest.raises(RefusedAction) as caught:
        workflow.move("initial-review", "conclude", P)
    assert str(caught.value) == (
        "no action 'conclude' from state initial-review (allowed from initial-review: recommend)"
    )


def test_role_is_checked_on_every_transition() -> None:
    workflow = load_workflow(CN)
    with pytest.raises(RefusedAction) as caught:
        workflow.move("deciding", "decide-review", A)
    assert (
        str(caught.value) == "decide-review from deciding is for approver, reviewer, not applicant"
    )
    assert workflow.move("received", "withdraw", A).target == "withdrawn"
    with pytest.raises(RefusedAction, match="withdraw from received is for applicant"):
        workflow.move("received", "withdraw", R)


def test_clock_stops_for_materials_and_resumes() -> None:
    workflow = load_workflow(CN)
    opened = _history(("check", R), ("accept", R))
    stop = Action(on=date(2025, 9, 10), action="request-materials", role=R)
    resume = Action(on=date(2025, 9, 20), action="supply-materials", role=A)
    position = replay(workflow, Opening.DECLARATION, DAY, [*opened, stop, resume])
    assert position.state == "deciding"
    assert position.pauses == (Pause(since=date(2025, 9, 10), until=date(2025, 9, 20)),)
    assert not position.stopped
    with pytest.raises(RefusedAction, match="stands still for materials requested on 2025-09-10"):
        decide = Action(on=date(2025, 9, 11), action="decide-review", role=R)
        replay(workflow, Opening.DECLARATION, DAY, [*opened, stop, decide])
    with pytest.raises(RefusedAction, match="already stands still"):
        replay(workflow, Opening.DECLARATION, DAY, [*opened, stop, stop])
    with pytest.raises(RefusedAction, match="is running"):
        replay(workflow, Opening.DECLARATION, DAY, [*opened, resume])
    with pytest.raises(RefusedAction, match="state received runs on no clock"):
        replay(workflow, Opening.DECLARATION, DAY, [stop])
    with pytest.raises(RefusedAction, match="request-materials is for reviewer, not applicant"):
        replay(
            workflow,
            Opening.DECLARATION,
            DAY,
            [*opened, Action(on=stop.on, action=stop.action, role=A)],
        )


def test_extensions_are_bounded_by_the_step() -> None:
    workflow = load_workflow(CN)
    to_initial = _history(("check", R), ("accept", R), ("decide-review", R))
    extend = Action(on=date(2025, 10, 1), action="extend", role=R)
    assert replay(workflow, Opening.DECLARATION, DAY, [*to_initial, extend]).extension_days == 15
    with pytest.raises(RefusedAction, match=r"at most 15 days in all \(15 already granted\)"):
        replay(workflow, Opening.DECLARATION, DAY, [*to_initial, extend, extend])
    ten = Action(on=date(2025, 10, 1), action="extend", role=R, days=10)
    five = Action(on=date(2025, 10, 2), action="extend", role=R, days=5)
    assert replay(workflow, Opening.DECLARATION, DAY, [*to_initial, ten, five]).extension_days == 15
    with pytest.raises(RefusedAction, match="runs on no clock"):
        replay(workflow, Opening.DECLARATION, DAY, [extend])


def test_open_extension_needs_its_days() -> None:
    workflow = load_workflow(CN)
    special = _history(
        ("check", R), ("accept", R), ("decide-review", R), ("recommend", R), ("escalate", R)
    )
    extend = Action(on=date(2026, 1, 5), action="extend", role=P)
    with pytest.raises(RefusedAction, match="state how many days"):
        replay(workflow, Opening.DECLARATION, DAY, [*special, extend])
    sixty = Action(on=date(2026, 1, 5), action="extend", role=P, days=60)
    assert (
        replay(workflow, Opening.DECLARATION, DAY, [*special, sixty, sixty]).extension_days == 120
    )


def test_history_never_goes_back_in_time() -> None:
    workflow = load_workflow(CN)
    history = [
        Action(on=date(2025, 9, 5), action="check", role=R),
        Action(on=date(2025, 9, 4), action="accept", role=R),
    ]
    with pytest.raises(RefusedAction, match="accept on 2025-09-04 is before 2025-09-05"):
        replay(workflow, Opening.DECLARATION, DAY, history)


def test_nothing_is_recorded_before_an_extension() -> None:
    # An extension moves no state, but its day is in the history: what follows is not earlier.
    workflow = load_workflow(CN)
    extend = Action(on=date(2025, 10, 20), action="extend", role=R, days=5)
    for later in (
        Action(on=date(2025, 10, 17), action="recommend", role=R),
        Action(on=date(2025, 10, 17), action="request-materials", role=R),
        Action(on=date(2025, 10, 17), action="extend", role=R, days=5),
    ):
        with pytest.raises(
            RefusedAction, match=f"{later.action} on 2025-10-17 is before 2025-10-20"
        ):
            replay(workflow, Opening.EX_OFFICIO, DAY, [extend, later])
    same_day = Action(on=date(2025, 10, 20), action="recommend", role=R)
    assert replay(workflow, Opening.EX_OFFICIO, DAY, [extend, same_day]).state == "member-opinions"


def test_unknown_regime_names_the_known_ones() -> None:
    with pytest.raises(InputError, match=r"no case workflow for regime 'xx' \(known: cn-crm-2022"):
        load_workflow("xx")


def _packaged() -> dict[str, Any]:
    text = (procedure._FOLDER / f"{CN}.yaml").read_text(encoding="utf-8")
    value: dict[str, Any] = yaml.safe_load(text)
    return value


@pytest.mark.parametrize(
    ("change", "expected"),
    [
        (
            lambda v: v["transitions"][0].update({"to": "limbo"}),
            "w.yaml: /transitions/0/to: unknown state 'limbo'",
        ),
        (
            lambda v: v["states"][2].update({"step": "lodging"}),
            "w.yaml: /states/2/step: step 'lodging' is not a procedure step of cn-crm-2022",
        ),
        (
            lambda v: v["transitions"].append(dict(v["transitions"][0], to="deciding")),
            "w.yaml: /transitions/12: check from received is given twice",
        ),
        (
            lambda v: v["clock"]["stop"].update({"action": "check"}),
            "w.yaml: /clock/stop/action: clock action 'check' is also a transition",
        ),
        (
            lambda v: v["transitions"][0].update({"from": ["no-review"]}),
            "w.yaml: /transitions/0/from/0: state 'no-review' is final",
        ),
        (
            lambda v: v["states"].append(dict(v["states"][0])),
            "w.yaml: /states/11/id: state 'received' is given twice",
        ),
        (
            lambda v: v.update({"regime": "us-icts-791"}),
            "w.yaml: /regime: regime 'us-icts-791' is not 'cn-crm-2022'",
        ),
        (
            lambda v: v["transitions"][0].update({"roles": ["janitor"]}),
            "w.yaml: /transitions/0/roles/0:",
        ),
        (
            lambda v: v["outcomes"].update({"breach": "revive"}),
            "w.yaml: /outcomes/breach: 'revive' is not a transition's action",
        ),
    ],
)
def test_workflow_data_is_checked(change: Any, expected: str) -> None:
    value = copy.deepcopy(_packaged())
    change(value)
    with pytest.raises(InputError) as caught:
        parse_workflow(value, "w.yaml", load_profile(CN))
    assert str(caught.value).startswith(expected)


def test_what_a_case_allows_now_names_who_may_take_it() -> None:
    workflow = load_workflow(CN)
    deciding = replay(workflow, Opening.DECLARATION, DAY, _history(("check", R), ("accept", R)))
    allowed = {a.action: {r.value for r in a.roles} for a in allowed_actions(workflow, deciding)}
    # the yaml's transitions from `deciding`, then the clock's stop (Art. 15); no extend: the
    # Art. 9 decision has no extension
    assert allowed == {
        "decide-no-review": {"reviewer", "approver"},
        "decide-review": {"reviewer", "approver"},
        "withdraw": {"applicant"},
        "request-materials": {"reviewer"},
    }
    with pytest.raises(
        RefusedAction, match=r"the deadline of deciding \(Art. 9\) has no extension"
    ):
        replay(
            workflow,
            Opening.DECLARATION,
            DAY,
            _history(("check", R), ("accept", R), ("extend", R)),
        )
    stopped = replay(
        workflow,
        Opening.DECLARATION,
        DAY,
        _history(("check", R), ("accept", R), ("request-materials", R)),
    )
    assert [a.action for a in allowed_actions(workflow, stopped)][-1] == "supply-materials"
    assert "request-materials" not in {a.action for a in allowed_actions(workflow, stopped)}


def test_the_conclusion_is_offered_only_with_a_decision() -> None:
    workflow = load_workflow(CN)
    opinions = replay(
        workflow,
        Opening.DECLARATION,
        DAY,
        _history(("check", R), ("accept", R), ("decide-review", P), ("recommend", R)),
    )
    offered = {a.action: a.with_decision for a in allowed_actions(workflow, opinions)}
    # cn-crm-2022 names `conclude` as what a decision takes (Art. 12(2): the written notice)
    assert offered["conclude"] is True
    assert offered["escalate"] is False
