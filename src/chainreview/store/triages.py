"""Triages: the office's VEX status of a finding of a case, kept for the rounds after it.

Each triage is appended with an audit entry in the same transaction (`finding.triage`); triages
are never changed or removed: a later one on the same finding supersedes it. Which statuses and
justifications are valid, and how a round applies them, is the case layer's business.
"""

from __future__ import annotations

import hashlib

from sqlalchemy import select

from chainreview.errors import NotFound
from chainreview.store import audit
from chainreview.store.db import Tx
from chainreview.store.records import NewTriage, TriageRecord
from chainreview.store.tables import Case, Triage

__all__ = ["list_triages", "record_triage"]


def record_triage(tx: Tx, case_id: str, new: NewTriage) -> TriageRecord:
    """Record `new` on the case as made by `tx.actor`; `NotFound` when there is no case."""
    audit.lock(tx)
    if tx.session.get(Case, case_id) is None:
        raise NotFound(f"no case {case_id}")
    now = tx.now()
    row = Triage(
        case_id=case_id,
        round=new.round,
        vulnerability=new.vulnerability,
        component=new.component,
        status=new.status,
        justification=new.justification,
        note=new.note,
        triaged_at=now,
        triaged_by=tx.actor,
    )
    tx.session.add(row)
    tx.session.flush()
    payload = {
        "triage": row.id,
        "round": new.round,
        "vulnerability": new.vulnerability,
        "component": new.component,
        "status": new.status,
        "justification": new.justification,
        "note_sha256": hashlib.sha256(new.note.encode()).hexdigest(),
    }
    audit.append(tx, "finding.triage", payload, case_id=case_id, at=now)
    return _record(row)


def list_triages(tx: Tx, case_id: str) -> tuple[TriageRecord, ...]:
    """A case's triages, oldest first."""
    query = select(Triage).where(Triage.case_id == case_id).order_by(Triage.id)
    return tuple(_record(row) for row in tx.session.scalars(query))


def _record(row: Triage) -> TriageRecord:
    return TriageRecord(
        id=row.id,
        case_id=row.case_id,
        round=row.round,
        vulnerability=row.vulnerability,
        component=row.component,
        status=row.status,
        justification=row.justification,
        note=row.note,
        triaged_at=row.triaged_at,
        triaged_by=row.triaged_by,
    )
