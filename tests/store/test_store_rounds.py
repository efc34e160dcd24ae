"""Review rounds keep result.json byte for byte; opinions, decisions and conditions read back."""

from __future__ import annotations

import hashlib
import json
from datetime import UTC, date, datetime

import pytest
from sqlalchemy import text
from sqlalchemy.exc import IntegrityError
from store_kit import Backend

from chainreview.errors import NotFound
from chainreview.store import audit
from chainreview.store.cases import open_case
from chainreview.store.db import Store
from chainreview.store.files import submit
from chainreview.store.outcomes import (
    add_condition,
    add_opinion,
    list_conditions,
    list_decisions,
    list_opinions,
    record_decision,
    set_condition_status,
)
from chainreview.store.records import (
    ConditionRecord,
    ConditionStatus,
    DecisionRecord,
    NewCase,
    NewCondition,
    OpinionRecord,
)
from chainreview.store.rounds import add_round, get_round, list_rounds

CASE = NewCase(
    regime="cn-crm-2022",
    title="Substation gateway",
    state="submitted",
    applicant_org="Demo Grid",
    vendor_org="Demo Devices",
)
SNAPSHOT = "5e" * 32
RESULT = (
    b'{\n  "determination": {\n    "outcome": "conditions",\n    "rationale": "\xe7\xbb\x93"\n'
    b'  },\n  "trailing spaces": "  "\n}\n'
)
"""result.json as the canonical writer leaves it: indented, UTF-8, a trailing newline."""
ODD = b"\xef\xbb\xbf{}\r\n\x00"
"""Bytes no JSON writer of ours makes (BOM, CRLF, NUL): kept as given all the same."""
DUE = date(2026, 6, 30)


def test_result_json_reads_back_byte_for_byte(store: Store) -> None:
    with store.transaction("reviewer") as tx:
        case = open_case(tx, CASE)
        submit(tx, case.id, {"declaration.yaml": b"id: x\n"})
        first = add_round(tx, case.id, submission=1, snapshot_hash=SNAPSHOT, result_json=RESULT)
        add_round(tx, case.id, submission=1, snapshot_hash="0" * 64, result_json=ODD)
    with store.transaction("approver") as tx:
        read = get_round(tx, case.id, 1)
        every = list_rounds(tx, case.id)
        trail = audit.entries(tx, case_id=case.id)
    assert read == first
    assert read.result_json == RESULT and isinstance(read.result_json, bytes)
    assert [(r.number, r.result_json, r.snapshot_hash) for r in every] == [
        (1, RESULT, SNAPSHOT),
        (2, ODD, "0" * 64),
    ]
    assert (read.created_by, read.created_at) == (
        "reviewer",
        datetime(2026, 3, 2, 9, 0, 3, tzinfo=UTC),
    )
    assert json.loads(trail[-2].payload) == {
        "round": 1,
        "submission": 1,
        "snapshot": SNAPSHOT,
        "result_sha256": hashlib.sha256(RESULT).hexdigest(),
    }


def test_a_round_needs_a_submission_and_a_snapshot_hash(store: Store) -> None:
    with store.transaction("reviewer") as tx:
        case = open_case(tx, CASE)
    with pytest.raises(NotFound, match="has no submission 1"), store.transaction("r") as tx:
        add_round(tx, case.id, submission=1, snapshot_hash=SNAPSHOT, result_json=RESULT)
    with pytest.raises(ValueError, match="64 hex"), store.transaction("r") as tx:
        add_round(tx, case.id, submission=1, snapshot_hash=SNAPSHOT.upper(), result_json=b"")
    with pytest.raises(NotFound, match="has no round 1"), store.transaction("r") as tx:
        get_round(tx, case.id, 1)


def test_opinions_decisions_and_conditions_read_back(store: Store) -> None:
    with store.transaction("reviewer") as tx:
        case = open_case(tx, CASE)
        submit(tx, case.id, {"declaration.yaml": b"id: x\n"})
    with store.transaction("member-unit-1") as tx:
        opinion = add_opinion(
            tx, case.id, unit="Ministry A", position="concur", text="No objection."
        )
    with store.transaction("approver") as tx:
        decision = record_decision(
            tx, case.id, outcome="approved-with-conditions", reason="Residual risk."
        )
        condition = add_condition(
            tx,
            case.id,
            NewCondition(text="Replace the end-of-life OpenSSL", party="vendor", due=DUE),
            decision_id=decision.id,
        )
        met = set_condition_status(
            tx,
            case.id,
            condition.id,
            ConditionStatus.MET,
            note="Release 2.1 ships 3.0.",
            submission=1,
        )
        broken = add_condition(
            tx, case.id, NewCondition(text="Escrow", party="applicant", due=None)
        )
        broken = set_condition_status(
            tx, case.id, broken.id, ConditionStatus.BREACHED, note="No escrow agent."
        )
    with store.transaction("auditor") as tx:
        opinions = list_opinions(tx, case.id)
        decisions = list_decisions(tx, case.id)
        conditions = list_conditions(tx, case.id)
        trail = audit.entries(tx, case_id=case.id)
    assert opinions == (
        OpinionRecord(
            id=opinion.id,
            case_id=case.id,
            unit="Ministry A",
            position="concur",
            text="No objection.",
            given_at=datetime(2026, 3, 2, 9, 0, 3, tzinfo=UTC),
            given_by="member-unit-1",
        ),
    )
    assert decisions == (
        DecisionRecord(
            id=decision.id,
            case_id=case.id,
            outcome="approved-with-conditions",
            reason="Residual risk.",
            decided_at=datetime(2026, 3, 2, 9, 0, 4, tzinfo=UTC),
            decided_by="approver",
        ),
    )
    assert conditions == (met, broken)
    assert met == ConditionRecord(
        id=condition.id,
        case_id=case.id,
        decision_id=decision.id,
        text="Replace the end-of-life OpenSSL",
        party="vendor",
        due=DUE,
        status=ConditionStatus.MET,
        reason="Release 2.1 ships 3.0.",
        updated_at=datetime(2026, 3, 2, 9, 0, 6, tzinfo=UTC),
        updated_by="approver",
        from_round=None,
        term=None,
        verification=None,
        submission=1,
    )
    assert (broken.status, broken.reason, broken.due) == (
        ConditionStatus.BREACHED,
        "No escrow agent.",
        None,
    )
    assert [e.action for e in trail] == [
        "case.open",
        "submission.upload",
        "opinion.add",
        "decision.record",
        "condition.add",
        "condition.status",
        "condition.add",
        "condition.status",
    ]
    assert json.loads(trail[5].payload) == {
        "condition": condition.id,
        "status": ["open", "met"],
        "submission": 1,
        "note_sha256": hashlib.sha256(b"Release 2.1 ships 3.0.").hexdigest(),
    }


def test_conditions_refuse_what_makes_no_sense(backend: Backend) -> None:
    with backend.open() as store:
        with store.transaction("approver") as tx:
            case = open_case(tx, CASE)
            other = open_case(tx, CASE)
            decision = record_decision(tx, other.id, outcome="approved", reason="Fine.")
            patch = NewCondition(text="Patch", party="vendor", due=None)
            condition = add_condition(tx, case.id, patch)
        with pytest.raises(ValueError, match="needs a note"), store.transaction("a") as tx:
            set_condition_status(tx, case.id, condition.id, ConditionStatus.MET, note=" ")
        with pytest.raises(NotFound, match="has no decision"), store.transaction("a") as tx:
            add_condition(tx, case.id, patch, decision_id=decision.id)
        with pytest.raises(NotFound, match="has no submission 1"), store.transaction("a") as tx:
            set_condition_status(
                tx, case.id, condition.id, ConditionStatus.MET, note="n", submission=1
            )
        elsewhere = pytest.raises(NotFound, match=f"case {other.id} has no condition")
        with elsewhere, store.transaction("a") as tx:
            set_condition_status(tx, other.id, condition.id, ConditionStatus.MET, note="n")
    for status in ("forgotten", "overdue", "waived"):  # the last two are read, never stored
        with pytest.raises(IntegrityError, match="status_known"), backend.sql() as sql:
            sql.execute(text("UPDATE conditions SET status = :s"), {"s": status})
    with backend.sql() as sql:
        sql.execute(text("UPDATE conditions SET status = 'breached'"))
