"""What people conclude on a case: member units' opinions, decisions, and the conditions a
decision sets (who must act, by when; open, met or breached, with the note of the change).

A condition's overdue and waived standings are never stored: they depend on the day asked and
on the risk acceptances (`store.acceptances`) that cover it. `overdue_counts` reads them for
every case in one grouped query (`store.pages` for one case page, with the case's row), as
`chainreview.case.outcomes` reads them for one.
"""

from __future__ import annotations

import hashlib
from datetime import date

from sqlalchemy import ColumnElement, and_, exists, func, select

from chainreview.errors import NotFound
from chainreview.store import audit
from chainreview.store.db import Tx
from chainreview.store.records import (
    ConditionRecord,
    ConditionStatus,
    DecisionRecord,
    NewCondition,
    OpinionRecord,
)
from chainreview.store.tables import Acceptance, Case, Condition, Decision, Opinion, Submission


def add_opinion(tx: Tx, case_id: str, *, unit: str, position: str, text: str) -> OpinionRecord:
    """Record a member unit's opinion (its text's sha256 goes to the audit log)."""
    audit.lock(tx)
    _case_exists(tx, case_id)
    now = tx.now()
    row = Opinion(
        case_id=case_id,
        unit=unit,
        position=position,
        text=text,
        given_at=now,
        given_by=tx.actor,
    )
    tx.session.add(row)
    tx.session.flush()
    payload = {"opinion": row.id, "unit": unit, "position": position, "text_sha256": _sha(text)}
    audit.append(tx, "opinion.add", payload, case_id=case_id, at=now)
    return _opinion(row)


def record_decision(tx: Tx, case_id: str, *, outcome: str, reason: str) -> DecisionRecord:
    """Record a decision on the case."""
    audit.lock(tx)
    _case_exists(tx, case_id)
    now = tx.now()
    row = Decision(
        case_id=case_id, outcome=outcome, reason=reason, decided_at=now, decided_by=tx.actor
    )
    tx.session.add(row)
    tx.session.flush()
    payload = {"decision": row.id, "outcome": outcome, "reason_sha256": _sha(reason)}
    audit.append(tx, "decision.record", payload, case_id=case_id, at=now)
    return _decision(row)


def add_condition(
    tx: Tx, case_id: str, new: NewCondition, *, decision_id: int | None = None
) -> ConditionRecord:
    """Set an open condition: `new.party` must do `new.text` by `new.due`."""
    audit.lock(tx)
    _case_exists(tx, case_id)
    if decision_id is not None:
        decision = tx.session.get(Decision, decision_id)
        if decision is None or decision.case_id != case_id:
            raise NotFound(f"case {case_id} has no decision {decision_id}")
    now = tx.now()
    row = Condition(
        case_id=case_id,
        decision_id=decision_id,
        text=new.text,
        party=new.party,
        due=new.due,
        status=ConditionStatus.OPEN.value,
        reason=None,
        updated_at=now,
        updated_by=tx.actor,
        from_round=new.from_round,
        term=new.term,
        verification=new.verification,
        submission=None,
    )
    tx.session.add(row)
    tx.session.flush()
    payload = {
        "condition": row.id,
        "decision": decision_id,
        "party": new.party,
        "due": new.due.isoformat() if new.due else None,
        "round": new.from_round,
        "term": new.term,
        "text_sha256": _sha(new.text),
    }
    audit.append(tx, "condition.add", payload, case_id=case_id, at=now)
    return _condition(row)


def set_condition_status(
    tx: Tx,
    case_id: str,
    condition_id: int,
    status: ConditionStatus,
    *,
    note: str,
    submission: int | None = None,
) -> ConditionRecord:
    """Record that the case's condition is now `status`, with the note saying why (the
    evidence it was met on, how it was breached) and the submission that shows it."""
    if not note.strip():
        raise ValueError(f"condition {condition_id}: a change of status needs a note")
    audit.lock(tx)
    row = _condition_row(tx, case_id, condition_id)
    if submission is not None and tx.session.get(Submission, (case_id, submission)) is None:
        raise NotFound(f"case {case_id} has no submission {submission}")
    before = row.status
    row.status, row.reason, row.submission = status.value, note, submission
    now = tx.now()
    row.updated_at, row.updated_by = now, tx.actor
    tx.session.flush()
    payload = {
        "condition": condition_id,
        "status": [before, status.value],
        "submission": submission,
        "note_sha256": _sha(note),
    }
    audit.append(tx, "condition.status", payload, case_id=case_id, at=now)
    return _condition(row)


def get_condition(tx: Tx, case_id: str, condition_id: int) -> ConditionRecord:
    """One condition of the case; `NotFound` if the case has none of that id."""
    return _condition(_condition_row(tx, case_id, condition_id))


def overdue(today: date | ColumnElement[date]) -> ColumnElement[bool]:
    """Whether a condition is overdue on `today` (a day, or a bound parameter): open, due
    before `today`, and not waived by an approved acceptance that has not expired."""
    waived = exists().where(
        Acceptance.condition_id == Condition.id,
        Acceptance.approved_by.is_not(None),
        Acceptance.expires >= today,
    )
    return and_(Condition.status == ConditionStatus.OPEN.value, Condition.due < today, ~waived)


def overdue_counts(tx: Tx, today: date) -> dict[tuple[str, str], int]:
    """How many conditions are overdue on `today`, by case and party, in one grouped query:
    open, due before `today`, and not waived by an approved acceptance that has not expired."""
    query = (
        select(Condition.case_id, Condition.party, func.count())
        .where(overdue(today))
        .group_by(Condition.case_id, Condition.party)
    )
    return {(case, party): count for case, party, count in tx.session.execute(query)}


def list_opinions(tx: Tx, case_id: str) -> tuple[OpinionRecord, ...]:
    """A case's opinions, in the order given."""
    rows = tx.session.scalars(
        select(Opinion).where(Opinion.case_id == case_id).order_by(Opinion.id)
    )
    return tuple(_opinion(row) for row in rows)


def list_decisions(tx: Tx, case_id: str) -> tuple[DecisionRecord, ...]:
    """A case's decisions, in the order made."""
    query = select(Decision).where(Decision.case_id == case_id).order_by(Decision.id)
    return tuple(_decision(row) for row in tx.session.scalars(query))


def latest_outcomes(tx: Tx) -> dict[str, str]:
    """The outcome of each decided case's latest decision, in one query."""
    query = select(Decision.case_id, Decision.outcome).order_by(Decision.id)
    return dict(tx.session.execute(query).all())


def list_conditions(tx: Tx, case_id: str) -> tuple[ConditionRecord, ...]:
    """A case's conditions, in the order set."""
    query = select(Condition).where(Condition.case_id == case_id).order_by(Condition.id)
    return tuple(_condition(row) for row in tx.session.scalars(query))


def _case_exists(tx: Tx, case_id: str) -> None:
    if tx.session.get(Case, case_id) is None:
        raise NotFound(f"no case {case_id}")


def _condition_row(tx: Tx, case_id: str, condition_id: int) -> Condition:
    row = tx.session.get(Condition, condition_id, populate_existing=True)
    if row is None or row.case_id != case_id:
        raise NotFound(f"case {case_id} has no condition {condition_id}")
    return row


def _sha(text: str) -> str:
    return hashlib.sha256(text.encode()).hexdigest()


def _opinion(row: Opinion) -> OpinionRecord:
    return OpinionRecord(
        id=row.id,
        case_id=row.case_id,
        unit=row.unit,
        position=row.position,
        text=row.text,
        given_at=row.given_at,
        given_by=row.given_by,
    )


def _decision(row: Decision) -> DecisionRecord:
    return DecisionRecord(
        id=row.id,
        case_id=row.case_id,
        outcome=row.outcome,
        reason=row.reason,
        decided_at=row.decided_at,
        decided_by=row.decided_by,
    )


def _condition(row: Condition) -> ConditionRecord:
    return ConditionRecord(
        id=row.id,
        case_id=row.case_id,
        decision_id=row.decision_id,
        text=row.text,
        party=row.party,
        due=row.due,
        status=ConditionStatus(row.status),
        reason=row.reason,
        updated_at=row.updated_at,
        updated_by=row.updated_by,
        from_round=row.from_round,
        term=row.term,
        verification=row.verification,
        submission=row.submission,
    )
