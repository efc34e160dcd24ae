"""Decisions (Arts. 12(2), 14): an approver records a case's outcome with its reason, and the
same transaction takes the workflow's decision action (cn-crm-2022: `conclude`), which is never
taken alone: a concluded case always has its decision, and a decision always concludes.

A pass with conditions sets tracked conditions: by default those of the case's latest review
round (its result.json), plus any the approver adds. A round states when each is due as a term
(`before-go-live`, `within-days`, `ongoing`, …); the approver gives the dates the terms fall on
for this purchase, and a condition whose term is given no date has no due date (never overdue).
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import date, timedelta
from enum import StrEnum
from typing import Final

from chainreview.case.access import Caller, visible_case
from chainreview.case.diff import Condition, result_conditions
from chainreview.case.opinions import Stance
from chainreview.case.outcomes import Party
from chainreview.case.procedure import Workflow, load_workflow
from chainreview.case.service import Step, record_step
from chainreview.errors import InputError, RefusedAction
from chainreview.store import outcomes, rounds
from chainreview.store.db import Store, Tx
from chainreview.store.records import (
    ActionRecord,
    ConditionRecord,
    DecisionRecord,
    NewCondition,
)


class Outcome(StrEnum):
    """What a review concludes."""

    PASS = "pass"
    PASS_WITH_CONDITIONS = "pass-with-conditions"
    FAIL = "fail"


TERMS: Final = ("during-review", "before-contract", "before-go-live", "before-listing-application")
"""The round terms a decision may date; `within-days` counts calendar days from the
`before-contract` date, and `ongoing` has no due date."""
ROUND_PARTIES: Final = {"operator": Party.APPLICANT, "vendor": Party.VENDOR}
"""The party a result.json condition names → the party the tracked condition binds."""


@dataclass(frozen=True, slots=True, kw_only=True)
class Required:
    """A condition the approver sets: `party` must do `text` by `due` (None: no date)."""

    text: str
    party: Party
    due: date | None


@dataclass(frozen=True, slots=True, kw_only=True)
class Decided:
    """A decision to record, on the day it is taken."""

    outcome: Outcome
    reason: str
    on: date
    conditions: tuple[Required, ...] = ()
    """Conditions the approver adds (only with a pass with conditions)."""
    from_round: bool = True
    """Take over the conditions of the case's latest review round."""
    dates: Mapping[str, date] = field(default_factory=dict)
    """The day each round term falls on for this purchase (keys from `TERMS`)."""


@dataclass(frozen=True, slots=True, kw_only=True)
class Ruling:
    """A recorded decision, the conditions it set, and the state it left the case in."""

    decision: DecisionRecord
    conditions: tuple[ConditionRecord, ...]
    state: str


def decide(
    store: Store,
    case_id: str,
    decided: Decided,
    *,
    caller: Caller,
    expected_version: int | None = None,
) -> Ruling:
    """Record the decision and take the workflow's decision action with it, in one
    transaction; raises `RefusedAction` (nothing written) when the procedure, the caller's
    role or the conditions do not allow it, `ConflictError` when the case moved on since
    `expected_version`."""
    unknown = sorted(set(decided.dates) - set(TERMS))
    if unknown:
        raise InputError("decision", f"no term {unknown[0]!r} to date (terms: {', '.join(TERMS)})")
    if not decided.reason.strip():
        raise RefusedAction("a decision states its reason")
    conditional = decided.outcome is Outcome.PASS_WITH_CONDITIONS
    if decided.conditions and not conditional:
        raise RefusedAction(
            f"a {decided.outcome.value} decision sets no conditions: only "
            f"{Outcome.PASS_WITH_CONDITIONS.value} does"
        )
    with store.transaction(caller.name) as tx:
        record, history = visible_case(tx, caller, case_id)
        workflow = load_workflow(record.regime)
        action = workflow.decide
        if action is None:
            raise RefusedAction(f"the {record.regime} procedure records no decisions")
        if workflow.states[record.state].agreement:
            _check_agreement(tx, workflow, record.state, history)
        step = Step(action=action, on=decided.on, note=f"decision: {decided.outcome.value}")
        position = record_step(
            tx, caller, record, history, step, expected_version=expected_version, with_decision=True
        )
        taken = decided.from_round and conditional
        wanted = [
            *(_from_round(tx, case_id, decided.dates) if taken else ()),
            *(NewCondition(text=c.text, party=c.party, due=c.due) for c in decided.conditions),
        ]
        if conditional and not wanted:
            raise RefusedAction(
                f"a {Outcome.PASS_WITH_CONDITIONS.value} decision sets at least one condition: "
                f"case {case_id}'s latest review round states none; add them"
            )
        made = outcomes.record_decision(
            tx, case_id, outcome=decided.outcome.value, reason=decided.reason
        )
        conditions = tuple(
            outcomes.add_condition(tx, case_id, wanted_one, decision_id=made.id)
            for wanted_one in wanted
        )
    return Ruling(decision=made, conditions=conditions, state=position.state)


def _check_agreement(
    tx: Tx, workflow: Workflow, state: str, history: tuple[ActionRecord, ...]
) -> None:
    """`RefusedAction` naming the dissenting units, if any member unit's opinion since the case
    was last put to the member units is a dissent (Art. 12(2): the opinions differ). A unit may
    revise its opinion: its latest counts."""
    consulting = workflow.consulting()
    put = [a.recorded_at for a in history if a.action in consulting]
    since = put[-1] if put else None
    latest = {  # opinions come oldest first: a unit's later one replaces its earlier
        o.unit: o.position
        for o in outcomes.list_opinions(tx, history[0].case_id)
        if since is None or o.given_at >= since
    }
    dissenting = sorted(u for u, position in latest.items() if position == Stance.DISSENT.value)
    if dissenting:
        onward = sorted(
            t.action
            for t in workflow.transitions
            if state in t.sources and t.action != workflow.decide
        )
        raise RefusedAction(
            f"no decision in {state}: the member units' opinions differ "
            f"({', '.join(dissenting)} dissenting); the case goes on: {', '.join(onward)}"
        )


def _from_round(tx: Tx, case_id: str, dates: Mapping[str, date]) -> list[NewCondition]:
    """The conditions of the case's latest round, each due on the date of its term."""
    kept = rounds.list_rounds(tx, case_id)
    if not kept:
        return []
    latest = kept[-1]
    stated = result_conditions(latest.result_json, f"case {case_id} round {latest.number}")
    return [
        NewCondition(
            text=c.text,
            party=ROUND_PARTIES[c.party],
            due=_due(c, dates),
            from_round=latest.number,
            term=c.due,
            verification=c.verification,
        )
        for c in stated
    ]


def _due(condition: Condition, dates: Mapping[str, date]) -> date | None:
    if condition.due == "within-days":
        start = dates.get("before-contract")
        if start is None or condition.days is None:
            return None
        return start + timedelta(days=condition.days)
    return dates.get(condition.due)
