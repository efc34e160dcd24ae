"""The case workflows of the US ICTS rule, the EU 5G Toolbox and NIST SP 800-161: each path to
its end as REGIMES.md §3.1, §3.3 and §3.4 describe it, refusals, who is consulted, and the one
clock among them (NIST's periodic supplier review, 365 calendar days)."""

from __future__ import annotations

from datetime import date, timedelta

import pytest

from chainreview.case.procedure import Action, Opening, Role, clock, load_workflow, replay
from chainreview.case.workdays import load_calendar
from chainreview.errors import RefusedAction

R, A, P = Role.REVIEWER, Role.APPLICANT, Role.APPROVER
DAY = date(2026, 3, 2)
OTHERS = ("us-icts-791", "eu-5g-toolbox", "nist-800-161")


def _steps(*steps: tuple[str, Role]) -> list[Action]:
    return [
        Action(on=DAY + timedelta(days=n + 1), action=a, role=r) for n, (a, r) in enumerate(steps)
    ]


@pytest.mark.parametrize(
    ("regime", "path", "end"),
    [
        (
            "us-icts-791",
            [
                ("notify-agencies", R),
                ("issue-initial", P),
                ("serve", R),
                ("consult", R),
                ("issue-final", P),
            ],
            "final-determination",
        ),
        ("us-icts-791", [("notify-agencies", R), ("close", P)], "no-action"),
        ("eu-5g-toolbox", [("assess", R), ("decide", P), ("close", R)], "closed"),
        ("nist-800-161", [("decide", P), ("monitor", R), ("retire", R)], "retired"),
    ],
)
def test_each_path_ends_in_a_final_state(
    regime: str, path: list[tuple[str, Role]], end: str
) -> None:
    workflow = load_workflow(regime)
    for opening in (Opening.DECLARATION, Opening.EX_OFFICIO):
        position = replay(workflow, opening, DAY, _steps(*path))
        assert position.state == end
        assert workflow.states[end].final


def test_the_initial_determination_is_the_approvers_and_comes_after_notifying_agencies() -> None:
    workflow = load_workflow("us-icts-791")
    with pytest.raises(RefusedAction, match="no action 'issue-initial' from state review"):
        replay(workflow, Opening.DECLARATION, DAY, _steps(("issue-initial", P)))
    with pytest.raises(RefusedAction, match="issue-initial from interagency-notification is for"):
        replay(
            workflow, Opening.DECLARATION, DAY, _steps(("notify-agencies", R), ("issue-initial", R))
        )


def test_agency_heads_are_consulted_at_notification_and_consultation() -> None:
    workflow = load_workflow("us-icts-791")
    assert workflow.consulting() == {"notify-agencies", "consult"}
    assert load_workflow("eu-5g-toolbox").consulting() == frozenset()


def test_no_clock_runs_where_the_regime_states_no_deadline() -> None:
    for regime in ("us-icts-791", "eu-5g-toolbox"):
        workflow = load_workflow(regime)
        assert [s.id for s in workflow.states.values() if s.deadline is not None] == []
        assert (workflow.stop, workflow.resume, workflow.extend) == (None, None, None)


def test_the_next_supplier_assessment_is_due_365_calendar_days_after_monitoring_starts() -> None:
    workflow = load_workflow("nist-800-161")
    monitored_on = date(2026, 3, 4)
    position = replay(
        workflow,
        Opening.DECLARATION,
        DAY,
        [
            Action(on=date(2026, 3, 3), action="decide", role=P),
            Action(on=monitored_on, action="monitor", role=R),
        ],
    )
    days = load_calendar("calendar-days", home=None)
    running = clock(workflow, position, days, date(2026, 12, 7))
    # 4 Mar 2026 + 365 days = 4 Mar 2027 (no 29 February in between)
    assert (running.due, running.days, running.overdue) == (date(2027, 3, 4), 365, False)
    assert running.left == (date(2027, 3, 4) - date(2026, 12, 7)).days
    late = clock(workflow, position, days, date(2027, 3, 5))
    assert (late.overdue, late.left) == (True, -1)
    again = replay(
        workflow,
        Opening.DECLARATION,
        DAY,
        [
            Action(on=date(2026, 3, 3), action="decide", role=P),
            Action(on=monitored_on, action="monitor", role=R),
            Action(on=date(2027, 2, 1), action="reassess", role=R),
        ],
    )
    assert again.state == "assessment"


def test_each_regime_names_what_its_decision_takes() -> None:
    # the Final Determination (§791.109), the SM03 restriction decision, NIST's accept /
    # mitigate / avoid; a breached commitment sends a NIST supplier back to assessment
    assert {r: (load_workflow(r).decide, load_workflow(r).breach) for r in OTHERS} == {
        "us-icts-791": ("issue-final", None),
        "eu-5g-toolbox": ("decide", None),
        "nist-800-161": ("decide", "reassess"),
    }
