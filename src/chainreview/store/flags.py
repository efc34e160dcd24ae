"""Re-review flags: the monitor's record, on a case, that one of its products needs review again.

Each flag is appended with an audit entry in the same transaction (`monitor.flag`); flags are
never changed or removed here.
"""

from __future__ import annotations

import hashlib

from sqlalchemy import select

from chainreview.errors import NotFound
from chainreview.store import audit
from chainreview.store.db import Tx
from chainreview.store.records import FlagRecord, NewFlag
from chainreview.store.tables import Case, RereviewFlag

__all__ = ["list_flags", "record_flag"]


def record_flag(tx: Tx, case_id: str, new: NewFlag) -> FlagRecord:
    """Record `new` on the case as flagged by `tx.actor`; `NotFound` when there is no case."""
    audit.lock(tx)
    if tx.session.get(Case, case_id) is None:
        raise NotFound(f"no case {case_id}")
    now = tx.now()
    row = RereviewFlag(
        case_id=case_id,
        product=new.product,
        snapshot=new.snapshot,
        previous=new.previous,
        reasons=new.reasons,
        flagged_at=now,
        flagged_by=tx.actor,
    )
    tx.session.add(row)
    tx.session.flush()
    payload = {
        "flag": row.id,
        "product": new.product,
        "snapshot": new.snapshot,
        "previous": new.previous,
        "reasons_sha256": hashlib.sha256(new.reasons.encode()).hexdigest(),
    }
    audit.append(tx, "monitor.flag", payload, case_id=case_id, at=now)
    return _record(row)


def list_flags(tx: Tx, case_id: str) -> tuple[FlagRecord, ...]:
    """A case's re-review flags, oldest first."""
    query = select(RereviewFlag).where(RereviewFlag.case_id == case_id).order_by(RereviewFlag.id)
    return tuple(_record(row) for row in tx.session.scalars(query))


def _record(row: RereviewFlag) -> FlagRecord:
    return FlagRecord(
        id=row.id,
        case_id=row.case_id,
        product=row.product,
        snapshot=row.snapshot,
        previous=row.previous,
        reasons=row.reasons,
        flagged_at=row.flagged_at,
        flagged_by=row.flagged_by,
    )
