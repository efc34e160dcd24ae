"""Following the conditions a decision set (Art. 19): a reviewer records a condition met, with
the evidence (a note, and the submission that shows it when there is one), or breached; a
breach takes the workflow's breach action (cn-crm-2022: `reopen`, from monitoring back to
initial review) in the same transaction, so a breached condition always reopened its case.
Waiving a condition is a risk acceptance (`chainreview.case.acceptances`).
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date

from chainreview.case.access import Caller, check_role, visible_case
from chainreview.case.outcomes import Standing, TrackedCondition, track
from chainreview.case.procedure import Role, load_workflow
from chainreview.case.service import Step, record_step
from chainreview.errors import RefusedAction
from chainreview.store import acceptances, outcomes
from chainreview.store.db import Store, Tx
from chainreview.store.records import ConditionStatus


@dataclass(frozen=True, slots=True, kw_only=True)
class Settled:
    """A condition after the change, on the day it was made, and the case's state after it."""

    condition: TrackedCondition
    state: str


def mark_met(
    store: Store,
    case_id: str,
    condition_id: int,
    *,
    note: str,
    on: date,
    caller: Caller,
    submission: int | None = None,
) -> Settled:
    """Record the condition met on `on`, the evidence in `note` (and `submission`)."""
    check_role(caller, {Role.REVIEWER}, "recording a condition met")
    _check_note(note, "the evidence it was met on")
    with store.transaction(caller.name) as tx:
        record, _ = visible_case(tx, caller, case_id)
        _check(tx, case_id, condition_id, on, "met", {Standing.MET, Standing.BREACHED})
        outcomes.set_condition_status(
            tx, case_id, condition_id, ConditionStatus.MET, note=note, submission=submission
        )
        return Settled(condition=_tracked(tx, case_id, condition_id, on), state=record.state)


def mark_breached(
    store: Store,
    case_id: str,
    condition_id: int,
    *,
    note: str,
    on: date,
    caller: Caller,
    expected_version: int | None = None,
) -> Settled:
    """Record the condition breached on `on` (how, in `note`) and take the workflow's breach
    action with it; refused (nothing written) when the case's procedure does not allow that
    action now (cn-crm-2022: only from monitoring) or the condition is waived or breached."""
    check_role(caller, {Role.REVIEWER}, "recording a condition breached")
    _check_note(note, "how it was breached")
    with store.transaction(caller.name) as tx:
        record, history = visible_case(tx, caller, case_id)
        _check(tx, case_id, condition_id, on, "breached", {Standing.WAIVED, Standing.BREACHED})
        action = load_workflow(record.regime).breach
        if action is None:
            raise RefusedAction(f"the {record.regime} procedure takes no action on a breach")
        step = Step(action=action, on=on, note=f"condition {condition_id} breached")
        position = record_step(tx, caller, record, history, step, expected_version=expected_version)
        outcomes.set_condition_status(
            tx, case_id, condition_id, ConditionStatus.BREACHED, note=note
        )
        return Settled(condition=_tracked(tx, case_id, condition_id, on), state=position.state)


def _check_note(note: str, what: str) -> None:
    if not note.strip():
        raise RefusedAction(f"give a note: {what}")


def _check(
    tx: Tx, case_id: str, condition_id: int, on: date, becoming: str, refused: set[Standing]
) -> None:
    """`RefusedAction` when the condition stands, on `on`, where it cannot become `becoming`."""
    now = _tracked(tx, case_id, condition_id, on)
    if now.standing in refused:
        raise RefusedAction(
            f"condition {condition_id} of case {case_id} is {now.standing.value} on {on}: "
            f"it cannot be recorded {becoming}"
        )


def _tracked(tx: Tx, case_id: str, condition_id: int, on: date) -> TrackedCondition:
    condition = outcomes.get_condition(tx, case_id, condition_id)
    return track(condition, acceptances.list_acceptances(tx, case_id), on)
