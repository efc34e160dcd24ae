"""Risk acceptances: proposed by one user, approved by another (the two-person rule).

The rule holds three times over: `approve` refuses the proposer, and the table's CHECK
`two_people` refuses a row whose approver is its proposer, whatever writes it (the service,
`chainreview.case.acceptances`, also checks the approver's role). What an acceptance covers,
and whether it counts on a given day, is the case layer's business.
"""

from __future__ import annotations

import hashlib

from sqlalchemy import select

from chainreview.errors import NotFound, RefusedAction
from chainreview.store import audit
from chainreview.store.db import Tx
from chainreview.store.records import AcceptanceRecord, NewAcceptance
from chainreview.store.tables import Acceptance, Case, Condition


def propose(tx: Tx, case_id: str, new: NewAcceptance) -> AcceptanceRecord:
    """Record `new` as proposed by `tx.actor`; it counts only once another user approves it."""
    audit.lock(tx)
    if tx.session.get(Case, case_id) is None:
        raise NotFound(f"no case {case_id}")
    if new.condition_id is not None:
        condition = tx.session.get(Condition, new.condition_id)
        if condition is None or condition.case_id != case_id:
            raise NotFound(f"case {case_id} has no condition {new.condition_id}")
    now = tx.now()
    row = Acceptance(
        case_id=case_id,
        kind=new.kind,
        condition_id=new.condition_id,
        subject=new.subject,
        level=new.level,
        owner=new.owner,
        reason=new.reason,
        expires=new.expires,
        proposed_at=now,
        proposed_by=tx.actor,
        approved_at=None,
        approved_by=None,
    )
    tx.session.add(row)
    tx.session.flush()
    payload = {
        "acceptance": row.id,
        "kind": new.kind,
        "condition": new.condition_id,
        "subject": new.subject,
        "level": new.level,
        "owner": new.owner,
        "expires": new.expires.isoformat(),
        "reason_sha256": hashlib.sha256(new.reason.encode()).hexdigest(),
    }
    audit.append(tx, "risk.propose", payload, case_id=case_id, at=now)
    return _record(row)


def approve(tx: Tx, acceptance_id: int) -> AcceptanceRecord:
    """Approve the acceptance as `tx.actor`: refused for its proposer and when approved
    already."""
    audit.lock(tx)
    row = _row(tx, acceptance_id)
    if row.approved_by is not None:
        raise RefusedAction(
            f"risk acceptance {acceptance_id} was approved already, by {row.approved_by}"
        )
    if row.proposed_by == tx.actor:
        raise RefusedAction(
            f"risk acceptance {acceptance_id} was proposed by {tx.actor}: another approver "
            "approves it (two-person rule)"
        )
    now = tx.now()
    row.approved_at, row.approved_by = now, tx.actor
    tx.session.flush()
    payload = {"acceptance": acceptance_id, "proposed_by": row.proposed_by}
    audit.append(tx, "risk.approve", payload, case_id=row.case_id, at=now)
    return _record(row)


def get_acceptance(tx: Tx, acceptance_id: int) -> AcceptanceRecord:
    """One acceptance; `NotFound` if there is none of that id."""
    return _record(_row(tx, acceptance_id))


def list_acceptances(tx: Tx, case_id: str) -> tuple[AcceptanceRecord, ...]:
    """A case's acceptances, in the order proposed."""
    query = select(Acceptance).where(Acceptance.case_id == case_id).order_by(Acceptance.id)
    return tuple(_record(row) for row in tx.session.scalars(query))


def _row(tx: Tx, acceptance_id: int) -> Acceptance:
    row = tx.session.get(Acceptance, acceptance_id, populate_existing=True)
    if row is None:
        raise NotFound(f"no risk acceptance {acceptance_id}")
    return row


def _record(row: Acceptance) -> AcceptanceRecord:
    return AcceptanceRecord(
        id=row.id,
        case_id=row.case_id,
        kind=row.kind,
        condition_id=row.condition_id,
        subject=row.subject,
        level=row.level,
        owner=row.owner,
        reason=row.reason,
        expires=row.expires,
        proposed_at=row.proposed_at,
        proposed_by=row.proposed_by,
        approved_at=row.approved_at,
        approved_by=row.approved_by,
    )
