"""Review rounds: each keeps result.json byte for byte and the intel snapshot it was made on."""

from __future__ import annotations

import hashlib

from sqlalchemy import func, select

from chainreview.errors import NotFound
from chainreview.store import audit
from chainreview.store.cases import SNAPSHOT_HASH
from chainreview.store.db import Tx
from chainreview.store.records import RoundRecord
from chainreview.store.tables import Round, Submission


def add_round(
    tx: Tx, case_id: str, *, submission: int, snapshot_hash: str, result_json: bytes
) -> RoundRecord:
    """Record the review of `submission` on snapshot `snapshot_hash` as the next round."""
    if not SNAPSHOT_HASH.fullmatch(snapshot_hash):
        raise ValueError(f"not an intel snapshot hash (64 hex digits): {snapshot_hash!r}")
    audit.lock(tx)
    if tx.session.get(Submission, (case_id, submission)) is None:
        raise NotFound(f"case {case_id} has no submission {submission}")
    number = 1 + (
        tx.session.scalar(select(func.max(Round.number)).where(Round.case_id == case_id)) or 0
    )
    now = tx.now()
    row = Round(
        case_id=case_id,
        number=number,
        submission=submission,
        snapshot_hash=snapshot_hash,
        result_json=result_json,
        created_at=now,
        created_by=tx.actor,
    )
    tx.session.add(row)
    tx.session.flush()
    audit.append(
        tx,
        "round.add",
        {
            "round": number,
            "submission": submission,
            "snapshot": snapshot_hash,
            "result_sha256": hashlib.sha256(result_json).hexdigest(),
        },
        case_id=case_id,
        at=now,
    )
    return _record(row)


def get_round(tx: Tx, case_id: str, number: int) -> RoundRecord:
    """One round; `NotFound` if the case has no such round."""
    row = tx.session.get(Round, (case_id, number))
    if row is None:
        raise NotFound(f"case {case_id} has no round {number}")
    return _record(row)


def round_parties(tx: Tx, case_id: str) -> tuple[tuple[int, str], ...]:
    """Every round of a case, first to last, as its number and the party that made the
    submission it reviewed, in one query (no result is read)."""
    query = (
        select(Round.number, Submission.party)
        .join(
            Submission,
            (Submission.case_id == Round.case_id) & (Submission.number == Round.submission),
        )
        .where(Round.case_id == case_id)
        .order_by(Round.number)
    )
    return tuple((number, party) for number, party in tx.session.connection().execute(query))


def list_rounds(tx: Tx, case_id: str) -> tuple[RoundRecord, ...]:
    """Every round of a case, first to last."""
    rows = tx.session.scalars(select(Round).where(Round.case_id == case_id).order_by(Round.number))
    return tuple(_record(row) for row in rows)


def _record(row: Round) -> RoundRecord:
    return RoundRecord(
        case_id=row.case_id,
        number=row.number,
        submission=row.submission,
        snapshot_hash=row.snapshot_hash,
        result_json=bytes(row.result_json),
        created_at=row.created_at,
        created_by=row.created_by,
    )
