"""The audit log: every change chained as it happens; `verify_audit` finds a changed, deleted or
moved entry, edited directly in the database on either backend, and names it."""

from __future__ import annotations

import json
import threading
from concurrent.futures import ThreadPoolExecutor

import pytest
from sqlalchemy import text
from sqlalchemy.exc import DBAPIError
from store_kit import Backend, chained_hash

from chainreview.store import audit
from chainreview.store.audit import verify_audit
from chainreview.store.cases import open_case, update_case
from chainreview.store.db import Store
from chainreview.store.files import download, submit
from chainreview.store.records import AuditProblem, AuditVerdict, NewCase

CASE = NewCase(
    regime="cn-crm-2022",
    title="Billing platform",
    state="submitted",
    applicant_org="Demo Bank",
    vendor_org="Demo Software",
)
ZERO = "0" * 64


def _history(store: Store) -> str:
    """Eight entries over two cases and three actors; returns the first case's id."""
    with store.transaction("applicant") as tx:
        first = open_case(tx, CASE).id
        submit(tx, first, {"declaration.yaml": b"id: 1\n"})
    with store.transaction("applicant") as tx:
        second = open_case(tx, CASE).id
    with store.transaction("reviewer") as tx:
        download(tx, first, 1, "declaration.yaml")
        update_case(tx, first, expected_version=1, state="under-review")
        audit.append(tx, "override", {"factor": "F02", "level": "low", "reason": "VEX"})
    with store.transaction("approver") as tx:
        update_case(tx, second, expected_version=1, state="withdrawn")
        update_case(tx, first, expected_version=2, state="approved")
    return first


def test_every_entry_chains_to_the_one_before_as_documented(store: Store) -> None:
    first = _history(store)
    with store.transaction("auditor") as tx:
        log = audit.entries(tx)
        mine = audit.entries(tx, case_id=first)
    assert [e.seq for e in log] == [1, 2, 3, 4, 5, 6, 7, 8]
    assert [e.action for e in log] == [
        "case.open",
        "submission.upload",
        "case.open",
        "file.download",
        "case.transition",
        "override",
        "case.transition",
        "case.transition",
    ]
    assert [e.seq for e in mine] == [1, 2, 4, 5, 8]
    assert log[5].case_id is None
    assert json.loads(log[5].payload) == {"factor": "F02", "level": "low", "reason": "VEX"}
    assert log[0].at == "2026-03-02T09:00:01.000000Z"
    prev = ZERO
    for entry in log:
        assert entry.prev_hash == prev
        fields = (entry.case_id, entry.at, entry.actor, entry.action, entry.payload)
        assert entry.hash == chained_hash(prev, entry.seq, *fields)
        prev = entry.hash
    assert verify_audit(store) == AuditVerdict(ok=True, checked=8, head=prev)


def test_an_empty_log_is_sound(store: Store) -> None:
    assert verify_audit(store) == AuditVerdict(ok=True, checked=0, head=ZERO)


def test_the_database_refuses_to_change_or_delete_an_entry(backend: Backend) -> None:
    with backend.open() as store:
        _history(store)
    for statement in ("UPDATE audit_log SET actor = 'mallory'", "DELETE FROM audit_log"):
        with pytest.raises(DBAPIError, match="append-only"), backend.sql() as sql:
            sql.execute(text(statement))
    with backend.open() as store:
        assert verify_audit(store).ok


@pytest.mark.parametrize(
    ("statement", "first_bad", "problem", "detail"),
    [
        (
            "UPDATE audit_log SET payload = replace(payload, 'under-review', 'approved') "
            "WHERE seq = 5",
            5,
            AuditProblem.TAMPERED,
            "entry 5 was changed after it was written",
        ),
        (
            "UPDATE audit_log SET actor = 'mallory' WHERE seq = 1",
            1,
            AuditProblem.TAMPERED,
            "entry 1 was changed after it was written",
        ),
        (
            "DELETE FROM audit_log WHERE seq = 4",
            4,
            AuditProblem.MISSING,
            "entry 4 deleted: the log goes from entry 3 to entry 5",
        ),
        (
            "DELETE FROM audit_log WHERE seq IN (2, 3)",
            2,
            AuditProblem.MISSING,
            "entries 2-3 deleted: the log goes from entry 1 to entry 4",
        ),
        (
            "DELETE FROM audit_log WHERE seq = 8",
            8,
            AuditProblem.MISSING,
            "entry 8 deleted: the log's head is entry 8",
        ),
        (
            f"UPDATE audit_head SET hash = '{'f' * 64}'",
            8,
            AuditProblem.TAMPERED,
            "entry 8 does not match the log's head",
        ),
        (
            "DELETE 4, 5 and renumber",
            4,
            AuditProblem.MISSING,
            "entries 4-5 deleted and the later entries renumbered: entry 4 was written as entry 6",
        ),
    ],
)
def test_a_changed_or_deleted_entry_is_named(
    backend: Backend, statement: str, first_bad: int, problem: AuditProblem, detail: str
) -> None:
    with backend.open() as store:
        _history(store)
        with store.transaction("auditor") as tx:
            hashes = [ZERO] + [entry.hash for entry in audit.entries(tx)]
    backend.allow_rewrite()
    with backend.sql() as sql:
        if statement == "DELETE 4, 5 and renumber":
            sql.execute(text("DELETE FROM audit_log WHERE seq IN (4, 5)"))
            for seq in range(6, 9):
                sql.execute(text("UPDATE audit_log SET seq = seq - 2 WHERE seq = :s"), {"s": seq})
            sql.execute(text("UPDATE audit_head SET seq = 6"))
        else:
            sql.execute(text(statement))
    with backend.open() as store:
        verdict = verify_audit(store)
    assert (verdict.ok, verdict.first_bad, verdict.problem, verdict.detail) == (
        False,
        first_bad,
        problem,
        detail,
    )
    assert verdict.checked == first_bad - 1
    assert verdict.head == hashes[first_bad - 1]


def test_two_swapped_entries_are_named_as_reordered(backend: Backend) -> None:
    with backend.open() as store:
        _history(store)
    backend.allow_rewrite()
    with backend.sql() as sql:
        for old, new in ((3, -3), (4, 3), (-3, 4)):
            sql.execute(text("UPDATE audit_log SET seq = :n WHERE seq = :o"), {"n": new, "o": old})
    with backend.open() as store:
        verdict = verify_audit(store)
    assert (verdict.ok, verdict.first_bad, verdict.problem, verdict.checked) == (
        False,
        3,
        AuditProblem.REORDERED,
        2,
    )
    assert verdict.detail == "entry 3 was written after entry 4, which now comes later"


def test_a_rewritten_entry_with_a_fresh_hash_breaks_the_chain_after_it(backend: Backend) -> None:
    with backend.open() as store:
        _history(store)
    backend.allow_rewrite()
    with backend.sql() as sql:
        row = sql.execute(text("SELECT * FROM audit_log WHERE seq = 6")).mappings().one()
        forged = chained_hash(
            row["prev_hash"], 6, None, row["at"], "mallory", row["action"], row["payload"]
        )
        sql.execute(
            text("UPDATE audit_log SET actor = 'mallory', hash = :h WHERE seq = 6"), {"h": forged}
        )
    with backend.open() as store:
        verdict = verify_audit(store)
    assert (verdict.first_bad, verdict.problem, verdict.detail) == (
        7,
        AuditProblem.BROKEN_CHAIN,
        "entry 7 does not follow entry 6: one of them was rewritten",
    )


def test_a_forged_entry_appended_past_the_head_is_named(backend: Backend) -> None:
    with backend.open() as store:
        _history(store)
        head = verify_audit(store).head
    at, payload = "2026-03-02T10:00:00.000000Z", '{"approved": true}\n'
    forged = chained_hash(head, 9, None, at, "mallory", "decision.record", payload)
    with backend.sql() as sql:
        sql.execute(
            text(
                "INSERT INTO audit_log (seq, case_id, at, actor, action, payload, prev_hash, hash)"
                " VALUES (9, NULL, :at, 'mallory', 'decision.record', :p, :prev, :h)"
            ),
            {"at": at, "p": payload, "prev": head, "h": forged},
        )
    with backend.open() as store:
        verdict = verify_audit(store)
    assert (verdict.first_bad, verdict.problem, verdict.checked) == (9, AuditProblem.TAMPERED, 8)
    assert verdict.head == head
    assert verdict.detail == "entry 9 was not appended by chainreview: the log's head is entry 8"


def test_verifying_while_others_append_sees_one_consistent_log(store: Store) -> None:
    """The head and the entries are read from one snapshot: entries appended meanwhile are
    neither counted as forged nor the head as pointing past the log."""
    with store.transaction("loader") as tx:
        for n in range(2000):
            audit.append(tx, "import", {"n": n})
    stop = threading.Event()

    def append_until_stopped() -> int:
        appended = 0
        while not stop.is_set():
            with store.transaction("writer") as tx:
                audit.append(tx, "tick", {"n": appended})
            appended += 1
        return appended

    with ThreadPoolExecutor(max_workers=1) as pool:
        writer = pool.submit(append_until_stopped)
        try:
            verdicts = [verify_audit(store) for _ in range(12)]
        finally:
            stop.set()
        appended = writer.result(timeout=60)
    assert appended > 0
    assert [(v.ok, v.problem) for v in verdicts] == [(True, None)] * 12
    assert verify_audit(store).checked == 2000 + appended
