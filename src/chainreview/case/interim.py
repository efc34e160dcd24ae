"""Interim risk measures (cn-crm-2022 Art. 16(2)): while a case is under review, the office
orders a party to take measures that prevent or mitigate the risk, before any decision.

An order is a tracked condition bound to no decision, with the term `during-review`: who must
act, what, by when; it stands open, overdue, met or waived like any condition (`case.outcomes`),
counts in the case list's overdue conditions, and is met or waived the same way
(`case.conditions`, `case.acceptances`). Where and by whom orders are given is the workflow's
(`interim:`); a regime without it orders none.
"""

from __future__ import annotations

from datetime import date
from typing import Final

from chainreview.case.access import Caller, check_role, visible_case
from chainreview.case.decisions import Required
from chainreview.case.outcomes import TrackedCondition, track
from chainreview.case.procedure import load_workflow
from chainreview.errors import RefusedAction
from chainreview.store import acceptances, outcomes
from chainreview.store.db import Store
from chainreview.store.records import NewCondition

__all__ = ["TERM", "order_measures"]

TERM: Final = "during-review"
"""The term of an interim order, as a review round names a condition due during the review."""


def order_measures(
    store: Store, case_id: str, measure: Required, *, on: date, caller: Caller
) -> TrackedCondition:
    """Order `measure.party` to take `measure.text` by `measure.due`, on `on`; refused (nothing
    written) outside the states and roles the case's workflow gives interim orders, without a
    text, or due before the day it is ordered."""
    if not measure.text.strip():
        raise RefusedAction("an interim measure says what is to be done: give its text")
    if measure.due is not None and measure.due < on:
        raise RefusedAction(f"an interim measure due on {measure.due} is overdue when ordered")
    with store.transaction(caller.name) as tx:
        record, _ = visible_case(tx, caller, case_id)
        orders = load_workflow(record.regime).interim
        if orders is None:
            raise RefusedAction(f"the {record.regime} procedure orders no interim measures")
        check_role(caller, orders.roles, f"ordering interim measures ({orders.article})")
        if record.state not in orders.states:
            raise RefusedAction(
                f"case {case_id} is in {record.state}: interim measures ({orders.article}) are "
                f"ordered in {', '.join(sorted(orders.states))}"
            )
        new = NewCondition(text=measure.text, party=measure.party, due=measure.due, term=TERM)
        made = outcomes.add_condition(tx, case_id, new)
        return track(made, acceptances.list_acceptances(tx, case_id), on)
