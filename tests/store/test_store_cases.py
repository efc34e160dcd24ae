"""Cases: opened under readable ids, read back as stored, changed only at the version named."""

from __future__ import annotations

import json
from datetime import UTC, datetime

import pytest
from sqlalchemy import text
from store_kit import Backend, Clock

from chainreview.errors import ConflictError, NotFound
from chainreview.store import audit
from chainreview.store.cases import get_case, list_cases, open_case, pinned_snapshots, update_case
from chainreview.store.db import Store
from chainreview.store.records import CaseRecord, NewCase

SNAPSHOT_A = "a" * 64
SNAPSHOT_B = "0123456789abcdef" * 4
GRID = NewCase(
    regime="cn-crm-2022",
    title="Grid storage controllers",
    state="submitted",
    applicant_org="State Grid Demo Co.",
    vendor_org="Example Energy Systems Ltd.",
    snapshot_hash=SNAPSHOT_A,
)


def test_a_case_reads_back_as_opened(store: Store) -> None:
    with store.transaction("alice") as tx:
        opened = open_case(tx, GRID)
    with store.transaction("bob") as tx:
        read = get_case(tx, opened.id)
    assert (
        read
        == opened
        == CaseRecord(
            id="CR-2026-0001",
            regime="cn-crm-2022",
            title="Grid storage controllers",
            state="submitted",
            applicant_org="State Grid Demo Co.",
            vendor_org="Example Energy Systems Ltd.",
            ex_officio=False,
            opened_at=datetime(2026, 3, 2, 9, 0, 1, tzinfo=UTC),
            opened_by="alice",
            snapshot_hash=SNAPSHOT_A,
            version=1,
            consulted=False,
        )
    )


def test_ids_count_up_within_a_year_and_restart_in_the_next(backend: Backend) -> None:
    clock = Clock()
    with backend.open(clock) as store:
        with store.transaction("alice") as tx:
            ids = [open_case(tx, GRID).id for _ in range(3)]
        clock.now = datetime(2027, 1, 1, 0, 0, tzinfo=UTC)
        with store.transaction("alice") as tx:
            ids.append(open_case(tx, GRID).id)
            ids.append(open_case(tx, NewCase(**{**_fields(GRID), "ex_officio": True})).id)
            everything = list_cases(tx)
    assert ids == ["CR-2026-0001", "CR-2026-0002", "CR-2026-0003", "CR-2027-0001", "CR-2027-0002"]
    assert [case.id for case in everything] == ids
    assert [case.ex_officio for case in everything] == [False, False, False, False, True]


def test_ids_past_9999_keep_counting(backend: Backend) -> None:
    with backend.open() as store, store.transaction("alice") as tx:
        first = open_case(tx, GRID)
    with backend.sql() as sql:
        sql.execute(text("UPDATE cases SET id = 'CR-2026-9999' WHERE id = :id"), {"id": first.id})
    with backend.open() as store, store.transaction("alice") as tx:
        assert open_case(tx, GRID).id == "CR-2026-10000"
        assert open_case(tx, GRID).id == "CR-2026-10001"


def test_an_update_at_the_current_version_is_kept_and_audited(store: Store) -> None:
    with store.transaction("alice") as tx:
        case = open_case(tx, GRID)
    with store.transaction("bob") as tx:
        moved = update_case(tx, case.id, expected_version=1, state="under-review")
        retitled = update_case(tx, case.id, expected_version=2, title="Grid storage, v2")
        unchanged = update_case(tx, case.id, expected_version=3, title="Grid storage, v2")
    assert (moved.state, moved.version) == ("under-review", 2)
    assert (retitled.title, retitled.version) == ("Grid storage, v2", 3)
    assert unchanged == retitled
    with store.transaction("carol") as tx:
        assert get_case(tx, case.id) == retitled
        trail = audit.entries(tx, case_id=case.id)
    assert [(e.action, e.actor) for e in trail] == [
        ("case.open", "alice"),
        ("case.transition", "bob"),
        ("case.update", "bob"),
    ]
    assert json.loads(trail[1].payload) == {
        "changes": {"state": ["submitted", "under-review"]},
        "version": [1, 2],
    }


def test_an_update_at_an_old_version_is_refused_and_changes_nothing(store: Store) -> None:
    with store.transaction("alice") as tx:
        case = open_case(tx, GRID)
        update_case(tx, case.id, expected_version=1, state="under-review")
    with pytest.raises(ConflictError) as caught, store.transaction("bob") as tx:
        update_case(tx, case.id, expected_version=1, state="withdrawn")
    assert (caught.value.case_id, caught.value.expected, caught.value.found) == (case.id, 1, 2)
    assert "case CR-2026-0001 was changed by someone else" in str(caught.value)
    assert "version 1" in str(caught.value) and "version 2" in str(caught.value)
    with store.transaction("carol") as tx:
        assert get_case(tx, case.id).state == "under-review"
        assert len(audit.entries(tx, case_id=case.id)) == 2


def test_a_failed_transaction_leaves_nothing_behind(store: Store) -> None:
    with pytest.raises(RuntimeError), store.transaction("alice") as tx:
        open_case(tx, GRID)
        raise RuntimeError("the reviewer's browser went away")
    with store.transaction("alice") as tx:
        assert list_cases(tx) == ()
        assert audit.entries(tx) == ()
        assert open_case(tx, GRID).id == "CR-2026-0001"


def test_unknown_cases_and_bad_values_are_named(store: Store) -> None:
    with pytest.raises(NotFound, match="no case CR-2026-0404"), store.transaction("a") as tx:
        get_case(tx, "CR-2026-0404")
    with pytest.raises(NotFound, match="no case CR-2026-0404"), store.transaction("a") as tx:
        update_case(tx, "CR-2026-0404", expected_version=1, state="x")
    with pytest.raises(ValueError, match="64 hex digits"), store.transaction("a") as tx:
        open_case(tx, NewCase(**{**_fields(GRID), "snapshot_hash": "latest"}))
    with pytest.raises(ValueError, match="actor"), store.transaction(""):
        pass


def test_a_naive_clock_is_refused(backend: Backend) -> None:
    naive = backend.open(clock=lambda: datetime(2026, 3, 2, 9, 0))
    with naive, pytest.raises(ValueError, match="naive"), naive.transaction("alice") as tx:
        open_case(tx, GRID)


def test_pinned_snapshots_are_those_cases_and_rounds_name(backend: Backend) -> None:
    from chainreview.store.files import submit
    from chainreview.store.rounds import add_round

    with backend.open() as store:
        assert pinned_snapshots(store) == frozenset()
        with store.transaction("alice") as tx:
            first = open_case(tx, GRID)
            open_case(tx, NewCase(**{**_fields(GRID), "snapshot_hash": None}))
            submit(tx, first.id, {"declaration.yaml": b"id: x\n"})
            add_round(tx, first.id, submission=1, snapshot_hash=SNAPSHOT_B, result_json=b"{}\n")
            update_case(tx, first.id, expected_version=1, snapshot_hash="c" * 64)
        assert pinned_snapshots(store) == {"c" * 64, SNAPSHOT_B}
        with store.transaction("alice") as tx:
            add_round(tx, first.id, submission=1, snapshot_hash=SNAPSHOT_A, result_json=b"{}\n")
        assert pinned_snapshots(store) == {SNAPSHOT_A, SNAPSHOT_B, "c" * 64}


def _fields(new: NewCase) -> dict[str, object]:
    return {name: getattr(new, name) for name in NewCase.__dataclass_fields__}
