"""The append-only, hash-chained audit log: `append` inside the change's own transaction,
`verify_audit` over the whole log.

Entry n's hash is sha256 over a domain tag and, each as its UTF-8 length and bytes, the hash of
entry n-1 (`GENESIS` for the first), n, the case id (absent: `~`), the time as stored, the
actor, the action and the canonical JSON payload (`entry_hash`; `docs/store.md` spells it out).
Appending locks the one-row `audit_head` (SELECT … FOR UPDATE on PostgreSQL; SQLite's writers
hold the file lock), so concurrent writers chain one after the other. The database refuses
UPDATE and DELETE on the log (triggers); someone who can drop the triggers is caught by
`verify_audit`, up to rewriting every later entry and the head, which only a copy of the head
hash kept elsewhere reveals.
"""

from __future__ import annotations

import hashlib
from collections.abc import Mapping
from datetime import UTC, datetime
from typing import Any, Final

from sqlalchemy import Connection, insert, select, update

from chainreview import canonical
from chainreview.store.db import Store, Tx
from chainreview.store.records import AuditProblem, AuditRecord, AuditVerdict
from chainreview.store.tables import AuditEntry, AuditHead

GENESIS: Final = "0" * 64
"""The hash the first entry chains to."""
_DOMAIN: Final = b"chainreview-audit-v1\n"
_NO_CASE: Final = b"~"
_BATCH: Final = 5000
"""Rows fetched per round trip while verifying."""
_RENUMBERED: Final = 100_000
"""How far back an entry that lost its predecessor is looked for (entries deleted before it)."""


def entry_hash(
    prev_hash: str,
    seq: int,
    case_id: str | None,
    at: str,
    actor: str,
    action: str,
    payload: str,
) -> str:
    """The hash of one entry (see the module docstring)."""
    parts = [_DOMAIN]
    for field in (prev_hash, str(seq), case_id, at, actor, action, payload):
        if field is None:
            parts.append(_NO_CASE)
            continue
        data = field.encode()
        parts.append(b"%d:" % len(data))
        parts.append(data)
    return hashlib.sha256(b"".join(parts)).hexdigest()


def stamp(moment: datetime) -> str:
    """The audit log's form of an aware time: UTC, microseconds, `Z` (fixed width, so the
    text sorts as the times do)."""
    if moment.tzinfo is None:
        raise ValueError(f"naive datetime {moment.isoformat()}: give an aware time")
    return moment.astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%S.%fZ")


def append(
    tx: Tx,
    action: str,
    payload: Mapping[str, Any],
    *,
    case_id: str | None = None,
    at: datetime | None = None,
) -> AuditRecord:
    """Add one entry for what `tx.actor` did `at` (default: now), in `tx`'s transaction."""
    seq, prev_hash = _head(tx)
    seq += 1
    at_text = stamp(at if at is not None else tx.now())
    text = canonical.dumps(payload).decode()
    digest = entry_hash(prev_hash, seq, case_id, at_text, tx.actor, action, text)
    record = AuditRecord(
        seq=seq,
        case_id=case_id,
        at=at_text,
        actor=tx.actor,
        action=action,
        payload=text,
        prev_hash=prev_hash,
        hash=digest,
    )
    tx.session.execute(insert(AuditEntry).values(_columns(record)))
    tx.session.execute(update(AuditHead).where(AuditHead.id == 1).values(seq=seq, hash=digest))
    tx.audit_head = (seq, digest)
    return record


def lock(tx: Tx) -> None:
    """Take the log's lock now: what follows in `tx` is ordered after every earlier writer."""
    _head(tx)


def entries(tx: Tx, *, case_id: str | None = None) -> tuple[AuditRecord, ...]:
    """The entries of one case (every entry when None), in sequence order."""
    query = select(*_COLUMNS).order_by(AuditEntry.seq)
    if case_id is not None:
        query = query.where(AuditEntry.case_id == case_id)
    return tuple(AuditRecord(**row._mapping) for row in tx.session.execute(query))


def verify_audit(store: Store) -> AuditVerdict:
    """Check every entry in sequence order: each follows the one before without a gap, names
    its hash, and still matches its own; the last one is the head the log recorded."""
    with store.reading() as connection:
        return _verify(connection)


_COLUMNS: Final = (
    AuditEntry.seq,
    AuditEntry.case_id,
    AuditEntry.at,
    AuditEntry.actor,
    AuditEntry.action,
    AuditEntry.payload,
    AuditEntry.prev_hash,
    AuditEntry.hash,
)


def _verify(connection: Connection) -> AuditVerdict:
    head = connection.execute(select(AuditHead.seq, AuditHead.hash)).one_or_none()
    head_seq = head.seq if head is not None else -1
    rows = connection.execution_options(yield_per=_BATCH).execute(
        select(*_COLUMNS).order_by(AuditEntry.seq)
    )
    expected, prev_hash, before_last, at_head = 1, GENESIS, GENESIS, GENESIS
    bad: tuple[int, AuditProblem, str] | None = None
    for row in rows:
        seq, case_id, at, actor, action, payload, chained_to, digest = row
        if seq != expected:
            bad = (expected, AuditProblem.MISSING, _gap(expected, seq))
        elif chained_to != prev_hash:
            rows.close()
            bad = (seq, *_chain_problem(connection, tuple(row), seq))
        elif entry_hash(chained_to, seq, case_id, at, actor, action, payload) != digest:
            bad = (seq, AuditProblem.TAMPERED, f"entry {seq} was changed after it was written")
        if bad is not None:
            break
        if seq == head_seq:
            at_head = digest
        expected, prev_hash, before_last = seq + 1, digest, chained_to
    rows.close()
    last = expected - 1
    if bad is not None:
        return _broken(*bad, checked=last, sound=prev_hash)
    if head is None:
        return _broken(
            last + 1,
            AuditProblem.MISSING,
            "the log's head record was deleted",
            checked=last,
            sound=prev_hash,
        )
    if head_seq > last:
        what = f"entry {last + 1}" if head_seq == last + 1 else f"entries {last + 1}-{head_seq}"
        detail = f"{what} deleted: the log's head is entry {head_seq}"
        return _broken(last + 1, AuditProblem.MISSING, detail, checked=last, sound=prev_hash)
    if head_seq < last:
        detail = (
            f"entry {head_seq + 1} was not appended by chainreview: "
            f"the log's head is entry {head_seq}"
        )
        return _broken(head_seq + 1, AuditProblem.TAMPERED, detail, checked=head_seq, sound=at_head)
    if head.hash != prev_hash:
        detail = f"entry {last} does not match the log's head"
        return _broken(last, AuditProblem.TAMPERED, detail, checked=last - 1, sound=before_last)
    return AuditVerdict(ok=True, checked=last, head=prev_hash)


def _broken(
    first_bad: int, problem: AuditProblem, detail: str, *, checked: int, sound: str
) -> AuditVerdict:
    return AuditVerdict(
        ok=False, checked=checked, head=sound, first_bad=first_bad, problem=problem, detail=detail
    )


def _gap(expected: int, found: int) -> str:
    missing = f"entry {expected}" if found == expected + 1 else f"entries {expected}-{found - 1}"
    return f"{missing} deleted: the log goes from entry {expected - 1} to entry {found}"


def _chain_problem(
    connection: Connection, row: tuple[Any, ...], seq: int
) -> tuple[AuditProblem, str]:
    """Why entry `seq` (the database `row`) does not name its predecessor's hash: it was moved
    after an entry that now comes later, or moved up when entries before it were deleted, or
    one of the two was rewritten."""
    _, case_id, at, actor, action, payload, chained_to, digest = row
    origin = connection.execute(
        select(AuditEntry.seq).where(AuditEntry.hash == chained_to)
    ).scalar_one_or_none()
    if origin is not None and origin > seq:
        return (
            AuditProblem.REORDERED,
            f"entry {seq} was written after entry {origin}, which now comes later",
        )
    if origin is None:
        for written in range(seq + 1, seq + 1 + _RENUMBERED):
            if entry_hash(chained_to, written, case_id, at, actor, action, payload) == digest:
                gone = f"entry {seq}" if written == seq + 1 else f"entries {seq}-{written - 1}"
                return (
                    AuditProblem.MISSING,
                    f"{gone} deleted and the later entries renumbered: entry {seq} was "
                    f"written as entry {written}",
                )
    return (
        AuditProblem.BROKEN_CHAIN,
        f"entry {seq} does not follow entry {seq - 1}: one of them was rewritten",
    )


def _head(tx: Tx) -> tuple[int, str]:
    if tx.audit_head is None:
        row = tx.session.execute(
            select(AuditHead.seq, AuditHead.hash).where(AuditHead.id == 1).with_for_update()
        ).one()
        tx.audit_head = (row.seq, row.hash)
    return tx.audit_head


def _columns(record: AuditRecord) -> dict[str, Any]:
    return {
        "seq": record.seq,
        "case_id": record.case_id,
        "at": record.at,
        "actor": record.actor,
        "action": record.action,
        "payload": record.payload,
        "prev_hash": record.prev_hash,
        "hash": record.hash,
    }
