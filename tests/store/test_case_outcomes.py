"""Opinions, decisions and tracked conditions through the case library, on both backends:
member units give opinions only while consulted, and only the office and member units read
them; a decision concludes the case in the same transaction (conclude alone is refused); a pass
with conditions takes over the latest round's conditions (expected values read from the
result.json with `json`); overdue is read on the day asked, in the case view and the list (one
grouped query); a breach reopens the case with it; a party sees only the conditions that bind
it, and another vendor not even the case."""

from __future__ import annotations

import io
import json
from datetime import date
from pathlib import Path
from typing import Any

import pytest
from outcomes_kit import (
    APPROVER,
    BOOT,
    CONTRACT,
    DAY,
    DECIDED,
    GO_LIVE,
    GRID,
    OTHER_UNIT,
    OWNERS,
    REMOTE,
    REVIEWER,
    SBOM,
    SUPPLIER_A,
    SUPPLIER_B,
    TELECOM,
    UNIT,
    VENDOR_B,
    act,
    consulted,
    decided,
    in_review,
)
from sqlalchemy import Engine, event, text
from store_kit import Backend

import chainreview
from chainreview.case.conditions import mark_breached, mark_met
from chainreview.case.decisions import Decided, Outcome, Required, decide
from chainreview.case.opinions import Stance, give_opinion
from chainreview.case.outcomes import Party, Standing, case_outcomes
from chainreview.case.procedure import Opening
from chainreview.case.rounds import submit_package
from chainreview.case.service import (
    Opened,
    Step,
    list_case_views,
    open_case,
    take_action,
    view_case,
)
from chainreview.errors import InputError, NotFound, RefusedAction
from chainreview.store import rounds
from chainreview.store.audit import verify_audit
from chainreview.store.db import Store

PACKAGE = Path(__file__).parents[2] / "examples" / "domestic-database"


@pytest.fixture(scope="module")
def result(bundled_home: Path) -> bytes:
    """examples/domestic-database reviewed on the bundled snapshot as of `DAY`: a pass with
    seven conditions (six the vendor's, one the operator's; four before go-live, three before
    the contract), as read by hand from the result.json."""
    with chainreview.open_snapshot(bundled_home) as snapshot:
        reviewed = chainreview.Reviewer(snapshot).review(PACKAGE, as_of=DAY)
    buffer = io.BytesIO()
    chainreview.REVIEW_FORMATS["json"].write(reviewed, buffer)
    return buffer.getvalue()


def _audit_count(backend: Backend) -> int:
    with backend.sql() as sql:
        found = sql.execute(text("SELECT count(*) FROM audit_log")).scalar()
    assert isinstance(found, int)
    return found


def test_member_units_give_opinions_while_consulted_and_parties_never_read_them(
    store: Store,
) -> None:
    case_id = consulted(store)
    for who in (REVIEWER, APPROVER, UNIT, GRID, SUPPLIER_A):
        assert case_outcomes(store, case_id, caller=who, today=DAY).opinions == ()
    with pytest.raises(RefusedAction, match="giving an opinion is for member-unit, not applicant"):
        give_opinion(store, case_id, Stance.CONCUR, "Fine.", caller=GRID)
    first = give_opinion(store, case_id, Stance.CONCUR, "No objection.", caller=UNIT)
    second = give_opinion(
        store, case_id, Stance.DISSENT, "Remote access too wide.", caller=OTHER_UNIT
    )
    assert (first.unit, first.position, first.text, first.given_by) == (
        "Ministry of Industry",
        "concur",
        "No objection.",
        "unit",
    )
    assert (second.unit, second.position) == ("Ministry of State Security", "dissent")
    for who in (REVIEWER, APPROVER, UNIT, OTHER_UNIT):
        seen = case_outcomes(store, case_id, caller=who, today=DAY).opinions
        assert [o.id for o in seen] == [first.id, second.id]
    for who in (GRID, SUPPLIER_A):
        assert case_outcomes(store, case_id, caller=who, today=DAY).opinions == ()
    # Art. 12(2): the opinions differ, so no conclusion from member opinions: special review
    with pytest.raises(
        RefusedAction,
        match="no decision in member-opinions: the member units' opinions differ "
        r"\(Ministry of State Security dissenting\); the case goes on: escalate",
    ):
        decided(store, case_id, SBOM)
    act(store, case_id, REVIEWER, "escalate")
    assert decided(store, case_id, SBOM).state == "concluded"  # special review needs no agreement
    with pytest.raises(
        RefusedAction,
        match=f"case {case_id} is in concluded: member units give opinions in member-opinions, "
        "special-review",
    ):
        give_opinion(store, case_id, Stance.CONCUR, "Late.", caller=UNIT)


def test_a_member_unit_sees_and_gives_an_opinion_only_once_the_case_is_put_to_it(
    store: Store,
) -> None:
    case_id = in_review(store)
    absent = "CR-2026-9999"
    with pytest.raises(NotFound) as hidden:
        give_opinion(store, case_id, Stance.CONCUR, "Early.", caller=UNIT)
    with pytest.raises(NotFound) as missing:
        give_opinion(store, absent, Stance.CONCUR, "Early.", caller=UNIT)
    assert str(hidden.value) == str(missing.value).replace(absent, case_id)
    act(store, case_id, REVIEWER, "recommend", "escalate")  # special review: consulted too
    given = give_opinion(store, case_id, Stance.CONCUR, "Agreed after the review.", caller=UNIT)
    assert given.case_id == case_id


def test_a_decision_concludes_the_case_in_one_transaction(store: Store, backend: Backend) -> None:
    case_id = consulted(store)
    early = in_review(store, TELECOM, VENDOR_B)
    before = _audit_count(backend)
    with pytest.raises(RefusedAction, match="conclude is taken with the decision it concludes on"):
        take_action(
            store,
            case_id,
            Step(action="conclude", on=DECIDED),
            caller=APPROVER,
            expected_version=None,
            home=None,
        )
    fail = Decided(outcome=Outcome.FAIL, reason="Foreign control of updates.", on=DECIDED)
    with pytest.raises(
        RefusedAction, match="conclude from member-opinions is for approver, not reviewer"
    ):
        decide(store, case_id, fail, caller=REVIEWER)
    with pytest.raises(RefusedAction, match="a pass decision sets no conditions"):
        passed = Decided(outcome=Outcome.PASS, reason="Fine.", on=DECIDED, conditions=(SBOM,))
        decide(store, case_id, passed, caller=APPROVER)
    with pytest.raises(
        RefusedAction,
        match=f"sets at least one condition: case {case_id}'s latest review round states none",
    ):
        bare = Decided(outcome=Outcome.PASS_WITH_CONDITIONS, reason="Fine.", on=DECIDED)
        decide(store, case_id, bare, caller=APPROVER)
    with pytest.raises(InputError, match="no term 'go-live' to date"):
        dated = Decided(
            outcome=Outcome.PASS_WITH_CONDITIONS,
            reason="Fine.",
            on=DECIDED,
            dates={"go-live": GO_LIVE},
        )
        decide(store, case_id, dated, caller=APPROVER)
    assert _audit_count(backend) == before  # nothing written by any of them
    view = view_case(store, case_id, caller=REVIEWER, today=DECIDED, home=None)
    assert view.case.state == "member-opinions"
    ruling = decide(store, case_id, fail, caller=APPROVER)
    assert (ruling.state, ruling.conditions, ruling.decision.outcome) == ("concluded", (), "fail")
    view = view_case(store, case_id, caller=REVIEWER, today=DECIDED, home=None)
    last = view.history[-1]
    assert (view.case.state, last.action, last.role, last.on, last.note) == (
        "concluded",
        "conclude",
        "approver",
        DECIDED,
        "decision: fail",
    )
    with backend.sql() as sql:
        written = sql.execute(
            text("SELECT action FROM audit_log WHERE seq > :n ORDER BY seq"), {"n": before}
        ).scalars()
        assert list(written) == ["case.action", "decision.record"]
    for who in (GRID, SUPPLIER_A, UNIT):  # the written notice: everyone who sees the case
        seen = case_outcomes(store, case_id, caller=who, today=DECIDED).decisions
        assert [(d.outcome, d.reason) for d in seen] == [("fail", "Foreign control of updates.")]
    with pytest.raises(RefusedAction, match="no action 'conclude' from state concluded"):
        decide(store, case_id, fail, caller=APPROVER)
    with pytest.raises(
        RefusedAction,
        match=r"no action 'conclude' from state initial-review \(allowed from initial-review: "
        r"recommend\)",
    ):
        decide(store, early, fail, caller=APPROVER)
    assert verify_audit(store).ok


def test_a_pass_with_conditions_takes_over_the_latest_rounds_conditions(
    store: Store, result: bytes
) -> None:
    stated: list[dict[str, Any]] = json.loads(result)["determination"]["conditions"]
    assert len(stated) == 7
    case_id = consulted(store)
    submit_package(store, case_id, PACKAGE, caller=GRID)
    with store.transaction(REVIEWER.name) as tx:  # the round as review_round keeps it
        rounds.add_round(tx, case_id, submission=1, snapshot_hash="ab" * 32, result_json=result)
    quarterly = Required(text="Quarterly vulnerability report", party=Party.VENDOR, due=None)
    ruling = decide(
        store,
        case_id,
        Decided(
            outcome=Outcome.PASS_WITH_CONDITIONS,
            reason="As the review found.",
            on=DECIDED,
            conditions=(quarterly,),
            dates={"before-contract": CONTRACT, "before-go-live": GO_LIVE},
        ),
        caller=APPROVER,
    )
    party = {"operator": "applicant", "vendor": "vendor"}
    due = {"before-contract": CONTRACT, "before-go-live": GO_LIVE}
    assert [
        (c.text, c.party, c.due, c.term, c.verification, c.from_round) for c in ruling.conditions
    ] == [
        *(
            (s["text"], party[s["party"]], due[s["due"]], s["due"], s["verification"], 1)
            for s in stated
        ),
        ("Quarterly vulnerability report", "vendor", None, None, None, None),
    ]
    assert {c.decision_id for c in ruling.conditions} == {ruling.decision.id}
    assert [c.party for c in ruling.conditions].count("applicant") == 1


def test_the_round_terms_without_a_date_leave_the_condition_undated(
    store: Store, result: bytes
) -> None:
    case_id = consulted(store)
    submit_package(store, case_id, PACKAGE, caller=GRID)
    with store.transaction(REVIEWER.name) as tx:
        rounds.add_round(tx, case_id, submission=1, snapshot_hash="ab" * 32, result_json=result)
    ruling = decided(store, case_id, from_round=True)
    assert len(ruling.conditions) == 7
    assert {c.due for c in ruling.conditions} == {None}
    standings = case_outcomes(store, case_id, caller=REVIEWER, today=date(2030, 1, 1)).conditions
    assert {c.standing for c in standings} == {Standing.OPEN}  # never overdue without a date


def test_overdue_is_read_on_the_day_in_the_case_view_and_the_list(store: Store) -> None:
    grid = consulted(store)
    conditions = decided(store, grid, SBOM, BOOT, REMOTE, OWNERS).conditions
    telecom = consulted(store, TELECOM, VENDOR_B)
    decided(store, telecom, SBOM)

    def listed(who: Any, today: date) -> dict[str, int]:
        views = list_case_views(store, caller=who, today=today, home=None)
        return {v.case.id: v.overdue_conditions for v in views}

    def viewed(who: Any, case_id: str, today: date) -> int:
        return view_case(store, case_id, caller=who, today=today, home=None).overdue_conditions

    # Due 2026-12-31 (SBOM) and 2027-03-31 (boot, remote maintenance); owners: no date.
    on_due, after_due, after_go_live = CONTRACT, date(2027, 1, 1), date(2027, 4, 1)
    assert listed(REVIEWER, on_due) == {grid: 0, telecom: 0}  # the due day itself is in time
    assert listed(REVIEWER, after_due) == {grid: 1, telecom: 1}
    assert listed(SUPPLIER_A, after_due) == {grid: 1}
    assert listed(GRID, after_due) == {grid: 0}  # the overdue one binds the vendor
    assert listed(SUPPLIER_B, after_due) == {telecom: 1}
    assert listed(REVIEWER, after_go_live) == {grid: 3, telecom: 1}
    assert listed(GRID, after_go_live) == {grid: 1}
    assert listed(SUPPLIER_A, after_go_live) == {grid: 2}
    assert listed(UNIT, after_go_live) == {grid: 0, telecom: 0}  # member units see none
    assert viewed(REVIEWER, grid, after_go_live) == 3
    assert viewed(SUPPLIER_A, grid, after_due) == 1
    tracked = case_outcomes(store, grid, caller=REVIEWER, today=on_due).conditions
    assert {c.standing for c in tracked} == {Standing.OPEN}
    tracked = case_outcomes(store, grid, caller=REVIEWER, today=after_due).conditions
    assert [c.standing for c in tracked] == [
        Standing.OVERDUE,
        Standing.OPEN,
        Standing.OPEN,
        Standing.OPEN,
    ]
    mark_met(
        store,
        grid,
        conditions[0].id,
        note="Signed SBOM verified against the vendor's key.",
        on=date(2027, 1, 5),
        caller=REVIEWER,
    )
    assert listed(REVIEWER, date(2027, 1, 6)) == {grid: 0, telecom: 1}
    assert listed(REVIEWER, after_go_live) == {grid: 2, telecom: 1}
    tracked = case_outcomes(store, grid, caller=REVIEWER, today=after_go_live).conditions
    assert [c.standing for c in tracked] == [
        Standing.MET,
        Standing.OVERDUE,
        Standing.OVERDUE,
        Standing.OPEN,
    ]
    assert tracked[0].condition.reason == "Signed SBOM verified against the vendor's key."


def test_the_list_counts_overdue_conditions_in_one_grouped_query(store: Store) -> None:
    for _ in range(3):
        decided(store, consulted(store), SBOM, BOOT)
    statements: list[str] = []

    def seen(conn: Any, cursor: Any, statement: str, *args: Any) -> None:
        statements.append(statement)

    event.listen(Engine, "before_cursor_execute", seen)
    try:
        views = list_case_views(store, caller=REVIEWER, today=date(2027, 4, 1), home=None)
    finally:
        event.remove(Engine, "before_cursor_execute", seen)
    assert [v.overdue_conditions for v in views] == [2, 2, 2]
    touching = [s for s in statements if "conditions" in s]
    assert len(touching) == 1, touching
    assert "GROUP BY" in touching[0]


def test_a_breach_reopens_the_case_in_the_same_transaction(store: Store, backend: Backend) -> None:
    case_id = consulted(store)
    remote = decided(store, case_id, SBOM, REMOTE).conditions[1]
    before = _audit_count(backend)
    breach = "Remote maintenance found open at the 2027 inspection."
    with pytest.raises(
        RefusedAction,
        match=r"no action 'reopen' from state concluded \(allowed from concluded: monitor\)",
    ):
        mark_breached(store, case_id, remote.id, note=breach, on=date(2027, 2, 1), caller=REVIEWER)
    with pytest.raises(RefusedAction, match="recording a condition breached is for reviewer"):
        mark_breached(store, case_id, remote.id, note=breach, on=date(2027, 2, 1), caller=GRID)
    assert _audit_count(backend) == before
    assert case_outcomes(store, case_id, caller=REVIEWER, today=DECIDED).conditions[1].standing == (
        Standing.OPEN
    )
    act(store, case_id, REVIEWER, "monitor", on=DECIDED)
    settled = mark_breached(
        store, case_id, remote.id, note=breach, on=date(2027, 2, 1), caller=REVIEWER
    )
    assert (settled.state, settled.condition.standing, settled.condition.condition.reason) == (
        "initial-review",
        Standing.BREACHED,
        breach,
    )
    view = view_case(store, case_id, caller=REVIEWER, today=date(2027, 2, 1), home=None)
    last = view.history[-1]
    assert (view.case.state, last.action, last.role, last.on, last.note) == (
        "initial-review",
        "reopen",
        "reviewer",
        date(2027, 2, 1),
        f"condition {remote.id} breached",
    )
    assert view.clock is not None and view.clock.days == 30  # the initial review runs again
    with backend.sql() as sql:
        written = sql.execute(
            text("SELECT action FROM audit_log WHERE case_id = :c ORDER BY seq DESC LIMIT 2"),
            {"c": case_id},
        ).scalars()
        assert list(written) == ["condition.status", "case.action"]
    with pytest.raises(RefusedAction, match=f"condition {remote.id} of case {case_id} is breached"):
        mark_breached(
            store, case_id, remote.id, note="Again.", on=date(2027, 2, 2), caller=REVIEWER
        )
    assert verify_audit(store).ok


def test_a_party_sees_only_the_conditions_that_bind_it(store: Store) -> None:
    case_a = consulted(store)
    decided(store, case_a, SBOM, REMOTE)
    case_b = consulted(store, TELECOM, VENDOR_B)
    decided(store, case_b, BOOT)

    def texts(who: Any, case_id: str) -> list[str]:
        found = case_outcomes(store, case_id, caller=who, today=DECIDED).conditions
        return [c.condition.text for c in found]

    assert texts(REVIEWER, case_a) == [SBOM.text, REMOTE.text]
    assert texts(SUPPLIER_A, case_a) == [SBOM.text]
    assert texts(GRID, case_a) == [REMOTE.text]
    assert texts(UNIT, case_a) == []
    assert texts(SUPPLIER_B, case_b) == [BOOT.text]
    absent = "CR-2026-9999"
    with pytest.raises(NotFound) as hidden:
        case_outcomes(store, case_a, caller=SUPPLIER_B, today=DECIDED)
    with pytest.raises(NotFound) as missing:
        case_outcomes(store, absent, caller=SUPPLIER_B, today=DECIDED)
    assert str(hidden.value) == str(missing.value).replace(absent, case_a)
    assert [
        v.case.id for v in list_case_views(store, caller=SUPPLIER_B, today=DECIDED, home=None)
    ] == [case_b]
    with pytest.raises(RefusedAction, match="recording a condition met is for reviewer"):
        mark_met(store, case_a, 1, note="Done.", on=DECIDED, caller=SUPPLIER_A)


def test_a_dissent_before_the_case_was_last_put_to_the_units_does_not_block(
    store: Store,
) -> None:
    case_id = consulted(store)
    give_opinion(store, case_id, Stance.DISSENT, "Remote access too wide.", caller=OTHER_UNIT)
    act(store, case_id, REVIEWER, "escalate")
    decided(store, case_id, SBOM)  # concluded from special review on DECIDED
    later = date(2026, 11, 20)
    act(store, case_id, REVIEWER, "monitor", "reopen", "recommend", on=later)  # Art. 19
    give_opinion(store, case_id, Stance.CONCUR, "Fixed since.", caller=UNIT)
    again = Decided(outcome=Outcome.PASS, reason="The access is narrowed.", on=later)
    # the earlier dissent was on the earlier referral: these opinions agree
    assert decide(store, case_id, again, caller=APPROVER).state == "concluded"


def test_a_unit_revising_its_opinion_is_counted_by_its_latest(store: Store) -> None:
    revised = consulted(store)
    give_opinion(store, revised, Stance.DISSENT, "Remote access too wide.", caller=OTHER_UNIT)
    give_opinion(store, revised, Stance.CONCUR, "Narrowed since: agreed.", caller=OTHER_UNIT)
    give_opinion(store, revised, Stance.CONCUR, "No objection.", caller=UNIT)
    assert decided(store, revised, SBOM).state == "concluded"

    withdrawn = consulted(store)
    give_opinion(store, withdrawn, Stance.CONCUR, "No objection.", caller=UNIT)
    give_opinion(store, withdrawn, Stance.DISSENT, "On reflection, no.", caller=UNIT)
    with pytest.raises(RefusedAction, match=r"\(Ministry of Industry dissenting\)"):
        decided(store, withdrawn, SBOM)


def test_a_decision_takes_the_decision_action_of_another_regime(store: Store) -> None:
    assert GRID.org is not None
    opened = Opened(
        regime="nist-800-161",
        title="A supplier of routers",
        applicant=GRID.org,
        vendor=VENDOR_B,
        opening=Opening.DECLARATION,
        on=DAY,
    )
    case_id = open_case(store, opened, caller=GRID, home=None).case.id
    with pytest.raises(RefusedAction, match="decide is taken with the decision"):
        act(store, case_id, APPROVER, "decide")
    ruling = Decided(outcome=Outcome.PASS, reason="Assessed; low risk.", on=DECIDED)
    assert decide(store, case_id, ruling, caller=APPROVER).state == "decided"
