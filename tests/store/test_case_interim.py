"""Interim risk measures (cn-crm-2022 Art. 16(2)) on both backends: ordered by the office only
while the case is under review (initial review, member opinions, special review), tracked like a
condition bound to no decision: overdue the day after its due date, in the case list's count for
the office and the party it binds, met with the evidence, and read by that party only."""

from __future__ import annotations

from datetime import date

import pytest
from outcomes_kit import (
    APPROVER,
    DAY,
    GRID,
    REVIEWER,
    SUPPLIER_A,
    SUPPLIER_B,
    UNIT,
    act,
    consulted,
    in_review,
)

from chainreview.case.conditions import mark_met
from chainreview.case.decisions import Decided, Outcome, Required, decide
from chainreview.case.interim import order_measures
from chainreview.case.outcomes import Party, Standing, case_outcomes
from chainreview.case.procedure import Opening
from chainreview.case.service import Opened, list_case_views, open_case
from chainreview.errors import NotFound, RefusedAction
from chainreview.store.audit import verify_audit
from chainreview.store.db import Store

ISOLATE = Required(
    text="Cut the array's call-home link until the review concludes",
    party=Party.APPLICANT,
    due=date(2026, 11, 6),
)
PATCH = Required(text="Ship the fixed controller firmware", party=Party.VENDOR, due=None)


def test_the_office_orders_interim_measures_while_the_case_is_under_review(store: Store) -> None:
    case_id = in_review(store)
    ordered = order_measures(store, case_id, ISOLATE, on=DAY, caller=REVIEWER)
    record = ordered.condition
    assert (record.text, record.party, record.due, record.term, record.decision_id) == (
        ISOLATE.text,
        "applicant",
        date(2026, 11, 6),
        "during-review",
        None,
    )
    assert ordered.standing is Standing.OPEN
    act(store, case_id, REVIEWER, "recommend")  # member opinions: still under review
    order_measures(store, case_id, PATCH, on=DAY, caller=APPROVER)
    act(store, case_id, REVIEWER, "escalate")  # special review
    order_measures(store, case_id, PATCH, on=DAY, caller=REVIEWER)
    seen = case_outcomes(store, case_id, caller=REVIEWER, today=DAY).conditions
    assert [c.condition.party for c in seen] == ["applicant", "vendor", "vendor"]
    assert verify_audit(store).ok


def test_interim_measures_are_refused_outside_the_review_and_the_office(store: Store) -> None:
    assert GRID.org is not None
    opened = Opened(
        regime="cn-crm-2022",
        title="Not yet under review",
        applicant=GRID.org,
        vendor="Veltrani Storage AG",
        opening=Opening.DECLARATION,
        on=DAY,
    )
    received = open_case(store, opened, caller=GRID, home=None).case.id
    with pytest.raises(
        RefusedAction,
        match=f"case {received} is in received: interim measures \\(Art. 16\\(2\\)\\) are "
        "ordered in initial-review, member-opinions, special-review",
    ):
        order_measures(store, received, ISOLATE, on=DAY, caller=REVIEWER)
    case_id = consulted(store)
    for who in (GRID, SUPPLIER_A, UNIT):
        with pytest.raises(
            RefusedAction,
            match=r"ordering interim measures \(Art\. 16\(2\)\) is for approver, reviewer",
        ):
            order_measures(store, case_id, ISOLATE, on=DAY, caller=who)
    with pytest.raises(RefusedAction, match="give its text"):
        order_measures(
            store,
            case_id,
            Required(text=" ", party=Party.VENDOR, due=None),
            on=DAY,
            caller=REVIEWER,
        )
    with pytest.raises(RefusedAction, match="due on 2026-11-06 is overdue when ordered"):
        order_measures(store, case_id, ISOLATE, on=date(2026, 11, 9), caller=REVIEWER)
    with pytest.raises(NotFound):
        order_measures(store, case_id, ISOLATE, on=DAY, caller=SUPPLIER_B)
    passed = Decided(outcome=Outcome.PASS, reason="No risk found.", on=DAY)
    decide(store, case_id, passed, caller=APPROVER)  # concluded: the review is over
    with pytest.raises(RefusedAction, match="is in concluded: interim measures"):
        order_measures(store, case_id, ISOLATE, on=DAY, caller=REVIEWER)
    assert case_outcomes(store, case_id, caller=REVIEWER, today=DAY).conditions == ()


def test_an_interim_measure_goes_overdue_and_is_met_like_a_condition(store: Store) -> None:
    case_id = in_review(store)
    isolate = order_measures(store, case_id, ISOLATE, on=DAY, caller=REVIEWER).condition
    order_measures(store, case_id, PATCH, on=DAY, caller=REVIEWER)
    due, after = date(2026, 11, 6), date(2026, 11, 7)

    def standing(today: date) -> list[Standing]:
        found = case_outcomes(store, case_id, caller=REVIEWER, today=today).conditions
        return [c.standing for c in found]

    assert standing(due) == [Standing.OPEN, Standing.OPEN]
    assert standing(after) == [Standing.OVERDUE, Standing.OPEN]  # the vendor's has no date
    listed = {
        v.case.id: v.overdue_conditions
        for v in list_case_views(store, caller=REVIEWER, today=after, home=None)
    }
    assert listed[case_id] == 1
    for party, count in ((GRID, 1), (SUPPLIER_A, 0)):
        views = list_case_views(store, caller=party, today=after, home=None)
        assert [v.overdue_conditions for v in views if v.case.id == case_id] == [count]
    # each party reads the measures that bind it, and only those
    for party, texts in ((GRID, [ISOLATE.text]), (SUPPLIER_A, [PATCH.text])):
        found = case_outcomes(store, case_id, caller=party, today=after).conditions
        assert [c.condition.text for c in found] == texts
    mark_met(store, case_id, isolate.id, note="Link cut on 5 Nov.", on=after, caller=REVIEWER)
    assert standing(after) == [Standing.MET, Standing.OPEN]
