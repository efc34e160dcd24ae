"""Migrations: a database made at the first revision, holding data, upgrades to the newest with
its data intact; the tables the code maps are the tables the migrations make; a database newer
than the code, or one that is not there, is refused with a clear error.

The data is written with plain SQL against the first revision's schema (which never changes),
then read through the store at head: as revisions are added, this test upgrades through all.
The positions revision (0004) is checked from the revision before it, on procedure histories
whose positions were worked out by hand.
"""

from __future__ import annotations

import hashlib
import re
import subprocess
import sys
from datetime import UTC, date, datetime
from pathlib import Path

import pytest
from alembic.autogenerate import compare_metadata
from alembic.runtime.migration import MigrationContext
from sqlalchemy import inspect, text
from store_kit import Backend, chained_hash

from chainreview.case.access import Caller
from chainreview.case.procedure import Role
from chainreview.case.service import view_case
from chainreview.errors import StoreError
from chainreview.store import migrate
from chainreview.store.acceptances import approve, list_acceptances, propose
from chainreview.store.audit import verify_audit
from chainreview.store.cases import (
    get_case,
    list_positions,
    open_case,
    pinned_snapshots,
    update_case,
)
from chainreview.store.db import Store, open_store
from chainreview.store.engines import database_url, engine_for
from chainreview.store.files import download, get_submission
from chainreview.store.outcomes import (
    add_condition,
    list_conditions,
    list_decisions,
    list_opinions,
    set_condition_status,
)
from chainreview.store.records import (
    ConditionStatus,
    NewAcceptance,
    NewCase,
    NewCondition,
    PositionRecord,
)
from chainreview.store.rounds import get_round
from chainreview.store.tables import Base

FIRST = "0001"
TABLES = {
    "acceptances",
    "api_tokens",
    "alembic_version",
    "audit_head",
    "audit_log",
    "blobs",
    "case_actions",
    "cases",
    "conditions",
    "decisions",
    "opinions",
    "portfolio_records",
    "rounds",
    "rereview_flags",
    "submission_files",
    "submissions",
    "triages",
    "users",
}
SBOM = b'{"bomFormat": "CycloneDX"}\n'
RESULT = b'{\n  "outcome": "pass"\n}\n'
SNAPSHOT = "ab" * 32
OPENED = datetime(2025, 11, 3, 8, 30, tzinfo=UTC)
PAYLOAD = '{\n  "regime": "cn-crm-2022"\n}\n'
AT = "2025-11-03T08:30:00.000000Z"
CASE = NewCase(
    regime="cn-crm-2022", title="Gateway", state="monitoring", applicant_org="Op", vendor_org="V"
)


def _first_revision_data(backend: Backend) -> str:
    """Write one case of every kind of row with plain SQL; return the audit head's hash."""
    digest = hashlib.sha256(SBOM).hexdigest()
    first = chained_hash("0" * 64, 1, "CR-2025-0007", AT, "alice", "case.open", PAYLOAD)
    second = chained_hash(first, 2, None, AT, "admin", "override", "{}\n")
    rows = [
        (
            "INSERT INTO cases (id, regime, title, state, applicant_org, vendor_org, ex_officio,"
            " opened_at, opened_by, snapshot_hash, version) VALUES ('CR-2025-0007',"
            " 'cn-crm-2022', 'Old case', 'under-review', 'Op', 'Vend', :t, :at, 'alice', :s, 3)",
            {"t": True, "at": OPENED, "s": SNAPSHOT},
        ),
        (
            "INSERT INTO blobs (sha256, size, content) VALUES (:d, :n, :c)",
            {"d": digest, "n": len(SBOM), "c": SBOM},
        ),
        (
            "INSERT INTO submissions (case_id, number, submitted_at, submitted_by)"
            " VALUES ('CR-2025-0007', 1, :at, 'alice')",
            {"at": OPENED},
        ),
        (
            "INSERT INTO submission_files (case_id, submission, path, sha256)"
            " VALUES ('CR-2025-0007', 1, 'sbom/app.cdx.json', :d)",
            {"d": digest},
        ),
        (
            "INSERT INTO rounds (case_id, number, submission, snapshot_hash, result_json,"
            " created_at, created_by) VALUES ('CR-2025-0007', 1, 1, :s, :r, :at, 'bob')",
            {"s": "cd" * 32, "r": RESULT, "at": OPENED},
        ),
        (
            "INSERT INTO opinions (case_id, unit, position, text, given_at, given_by)"
            " VALUES ('CR-2025-0007', 'Unit A', 'concur', 'Fine.', :at, 'unit-a')",
            {"at": OPENED},
        ),
        (
            "INSERT INTO decisions (case_id, outcome, reason, decided_at, decided_by)"
            " VALUES ('CR-2025-0007', 'approved', 'Low risk.', :at, 'carol')",
            {"at": OPENED},
        ),
        (
            "INSERT INTO conditions (case_id, decision_id, text, party, due, status, reason,"
            " updated_at, updated_by) VALUES ('CR-2025-0007', NULL, 'Patch', 'vendor', :due,"
            " 'overdue', NULL, :at, 'carol')",
            {"due": date(2026, 1, 31), "at": OPENED},
        ),
        (
            "INSERT INTO conditions (case_id, decision_id, text, party, due, status, reason,"
            " updated_at, updated_by) VALUES ('CR-2025-0007', NULL, 'Escrow', 'applicant', NULL,"
            " 'waived', 'Moot.', :at, 'carol')",
            {"at": OPENED},
        ),
        (
            "INSERT INTO audit_log (seq, case_id, at, actor, action, payload, prev_hash, hash)"
            " VALUES (1, 'CR-2025-0007', :at, 'alice', 'case.open', :p, :z, :h)",
            {"at": AT, "p": PAYLOAD, "z": "0" * 64, "h": first},
        ),
        (
            "INSERT INTO audit_log (seq, case_id, at, actor, action, payload, prev_hash, hash)"
            " VALUES (2, NULL, :at, 'admin', 'override', '{}\n', :prev, :h)",
            {"at": AT, "prev": first, "h": second},
        ),
        ("UPDATE audit_head SET seq = 2, hash = :h", {"h": second}),
    ]
    with backend.sql() as sql:
        for statement, values in rows:
            sql.execute(text(statement), values)
    return second


def test_a_database_with_data_upgrades_from_the_first_revision(backend: Backend) -> None:
    engine = engine_for(database_url(backend.url, home=backend.home))
    try:
        migrate.upgrade(engine, FIRST)
        head = _first_revision_data(backend)
        for revision in migrate.revisions()[1:]:
            migrate.upgrade(engine, revision)
    finally:
        engine.dispose()
    with backend.open() as store:
        assert verify_audit(store).head == head
        assert verify_audit(store).checked == 2
        assert pinned_snapshots(store) == {SNAPSHOT, "cd" * 32}
        with store.transaction("dave") as tx:
            case = get_case(tx, "CR-2025-0007")
            submitted = get_submission(tx, case.id, 1)
            files = submitted.files
            content = download(tx, case.id, 1, "sbom/app.cdx.json")
            result = get_round(tx, case.id, 1).result_json
            opinions = [(o.unit, o.text) for o in list_opinions(tx, case.id)]
            decisions = [(d.outcome, d.reason) for d in list_decisions(tx, case.id)]
            conditions = [(c.status, c.due, c.reason) for c in list_conditions(tx, case.id)]
            update_case(tx, case.id, expected_version=3, state="decided")
        assert (case.title, case.ex_officio, case.opened_at, case.version) == (
            "Old case",
            True,
            OPENED,
            3,
        )
        assert [(f.path, f.size) for f in files] == [("sbom/app.cdx.json", len(SBOM))]
        assert submitted.party == "applicant"  # made before parties were kept: the operator's
        assert (content, result) == (SBOM, RESULT)
        assert opinions == [("Unit A", "Fine.")]
        assert decisions == [("approved", "Low risk.")]
        # 0005 stores no overdue or waived: the due date makes it overdue again, and a waiver
        # no second person approved reads open, its note kept.
        assert conditions == [
            (ConditionStatus.OPEN, date(2026, 1, 31), None),
            (ConditionStatus.OPEN, None, "Moot."),
        ]
        verdict = verify_audit(store)
    assert (verdict.ok, verdict.checked) == (True, 4)


POSITIONS = "0004"
"""The revision that keeps each case's position (and whether it was put to member units)."""
HISTORIES = {
    # Declared, checked, accepted Fri 2025-09-26; materials requested Mon 29, supplied Oct 10.
    "CR-2025-0001": (
        "cn-crm-2022",
        "deciding",
        [
            ("2025-09-22", "declaration", "applicant", None),
            ("2025-09-24", "check", "reviewer", None),
            ("2025-09-26", "accept", "reviewer", None),
            ("2025-09-29", "request-materials", "reviewer", None),
            ("2025-10-10", "supply-materials", "applicant", None),
        ],
    ),
    # Opened ex officio, extended by the stated 15 days, materials requested and not supplied.
    "CR-2025-0002": (
        "cn-crm-2022",
        "initial-review",
        [
            ("2023-03-31", "ex-officio", "reviewer", None),
            ("2023-04-10", "extend", "approver", None),
            ("2023-04-12", "request-materials", "reviewer", None),
        ],
    ),
    # An extension and a pause in the initial review, then recommended to the member units:
    # the new state starts afresh, and member units are consulted from then on.
    "CR-2025-0003": (
        "cn-crm-2022",
        "member-opinions",
        [
            ("2025-01-06", "ex-officio", "reviewer", None),
            ("2025-01-08", "extend", "reviewer", 5),
            ("2025-01-09", "request-materials", "reviewer", None),
            ("2025-01-13", "supply-materials", "vendor", None),
            ("2025-01-20", "recommend", "reviewer", None),
            ("2025-01-22", "request-materials", "reviewer", None),
            ("2025-01-24", "supply-materials", "applicant", None),
            ("2025-01-27", "request-materials", "reviewer", None),
        ],
    ),
    # 15 CFR 791: the agencies were notified (consulted), then an initial determination.
    "CR-2025-0004": (
        "us-icts-791",
        "initial-determination",
        [
            ("2025-02-03", "declaration", "applicant", None),
            ("2025-02-05", "notify-agencies", "reviewer", None),
            ("2025-03-10", "issue-initial", "approver", None),
        ],
    ),
    "CR-2025-0005": ("cn-crm-2022", "received", []),  # written past the service: no opening
}


def test_the_positions_of_recorded_histories_are_filled(backend: Backend) -> None:
    engine = engine_for(database_url(backend.url, home=backend.home))
    revisions = migrate.revisions()
    try:
        migrate.upgrade(engine, revisions[revisions.index(POSITIONS) - 1])
        with backend.sql() as sql:
            for case_id, (regime, state, history) in HISTORIES.items():
                sql.execute(
                    text(
                        "INSERT INTO cases (id, regime, title, state, applicant_org, vendor_org,"
                        " ex_officio, opened_at, opened_by, snapshot_hash, version, actions)"
                        " VALUES (:id, :regime, 'Old', :state, 'Op', 'Vend', :eo, :at, 'alice',"
                        " NULL, :v, :n)"
                    ),
                    {
                        "id": case_id,
                        "regime": regime,
                        "state": state,
                        "eo": bool(history) and history[0][1] == "ex-officio",
                        "at": OPENED,
                        "v": len(history) + 1,
                        "n": len(history),
                    },
                )
                for seq, (on, action, role, days) in enumerate(history, start=1):
                    sql.execute(
                        text(
                            "INSERT INTO case_actions (case_id, seq, on_date, action, role, days,"
                            " note, recorded_at, recorded_by) VALUES (:c, :s, :on, :a, :r, :d,"
                            " NULL, :at, 'alice')"
                        ),
                        {
                            "c": case_id,
                            "s": seq,
                            "on": date.fromisoformat(on),
                            "a": action,
                            "r": role,
                            "d": days,
                            "at": OPENED,
                        },
                    )
        migrate.upgrade(engine, "head")
    finally:
        engine.dispose()
    d = date.fromisoformat
    with backend.open() as store:
        with store.transaction("dave") as tx:
            found = {case.id: (position, case.consulted) for case, position in list_positions(tx)}
        office = Caller(name="carol", role=Role.REVIEWER, org=None)
        resumed = view_case(store, "CR-2025-0001", caller=office, today=d("2025-10-13"), home=None)
    assert found == {
        "CR-2025-0001": (
            PositionRecord(
                state="deciding",
                entered=d("2025-09-26"),
                pauses=((d("2025-09-29"), d("2025-10-10")),),
                latest=d("2025-10-10"),
            ),
            False,
        ),
        "CR-2025-0002": (
            PositionRecord(
                state="initial-review",
                entered=d("2023-03-31"),
                pauses=((d("2023-04-12"), None),),
                extension_days=15,
                latest=d("2023-04-12"),
            ),
            False,
        ),
        "CR-2025-0003": (
            PositionRecord(
                state="member-opinions",
                entered=d("2025-01-20"),
                pauses=((d("2025-01-22"), d("2025-01-24")), (d("2025-01-27"), None)),
                latest=d("2025-01-27"),
            ),
            True,
        ),
        "CR-2025-0004": (
            PositionRecord(state="initial-determination", entered=d("2025-03-10")),
            True,
        ),
        "CR-2025-0005": (None, False),
    }
    # The stored position counts as the history does (tests/store/test_case_service.py: 10
    # working days from Sep 26, 3 of them stood still, National Day off: due Oct 21).
    assert resumed.clock is not None and resumed.clock.due == d("2025-10-21")


def test_the_migrations_make_exactly_the_mapped_tables(store: Store, backend: Backend) -> None:
    with backend.sql() as sql:
        assert set(inspect(sql).get_table_names()) == TABLES
        differences = compare_metadata(
            MigrationContext.configure(sql, opts={"compare_type": True}), Base.metadata
        )
    assert differences == []


def test_down_to_nothing_and_up_again(backend: Backend) -> None:
    backend.open().close()
    engine = engine_for(database_url(backend.url, home=backend.home))
    try:
        migrate.downgrade(engine, "base")
        with backend.sql() as sql:
            assert set(inspect(sql).get_table_names()) == {"alembic_version"}
        migrate.upgrade(engine, "head")
    finally:
        engine.dispose()
    with backend.open() as store:
        assert verify_audit(store).ok


def test_risk_acceptances_and_breaches_go_down_and_up_again(backend: Backend) -> None:
    with backend.open() as store, store.transaction("carol") as tx:
        case = open_case(tx, CASE)
        condition = add_condition(tx, case.id, NewCondition(text="Patch", party="vendor", due=None))
        set_condition_status(tx, case.id, condition.id, ConditionStatus.BREACHED, note="Not done.")
        waiver = propose(
            tx,
            case.id,
            NewAcceptance(
                kind="finding",
                owner="Head of review",
                reason="Unreachable.",
                expires=date(2027, 1, 31),
                subject="CVE-2024-3094",
            ),
        )
    with backend.open() as store, store.transaction("dave") as tx:
        approve(tx, waiver.id)
    before = migrate.revisions()[migrate.revisions().index("0005") - 1]
    engine = engine_for(database_url(backend.url, home=backend.home))
    try:
        migrate.downgrade(engine, before)
        with backend.sql() as sql:
            assert "acceptances" not in inspect(sql).get_table_names()
            assert sql.execute(text("SELECT status FROM conditions")).scalars().all() == ["open"]
        migrate.upgrade(engine, "head")
    finally:
        engine.dispose()
    with backend.open() as store:
        with store.transaction("erin") as tx:
            assert [c.status for c in list_conditions(tx, case.id)] == [ConditionStatus.OPEN]
            assert list_acceptances(tx, case.id) == ()
        assert verify_audit(store).ok


def test_a_database_newer_than_the_code_is_refused_and_left_alone(backend: Backend) -> None:
    backend.open().close()
    with backend.sql() as sql:
        sql.execute(text("UPDATE alembic_version SET version_num = '9999_from_the_future'"))
    with pytest.raises(StoreError) as caught:
        backend.open()
    message = str(caught.value)
    assert "schema revision 9999_from_the_future" in message
    assert f"its newest is {migrate.revisions()[-1]}" in message
    assert "upgrade chainreview" in message
    with backend.sql() as sql:
        assert sql.execute(text("SELECT version_num FROM alembic_version")).scalar() == (
            "9999_from_the_future"
        )


def test_the_embedded_default_is_a_wal_file_with_foreign_keys(tmp_path: Path) -> None:
    home = tmp_path / "home"
    with open_store(home=home) as store, store.reading() as connection:
        assert connection.exec_driver_sql("PRAGMA journal_mode").scalar() == "wal"
        assert connection.exec_driver_sql("PRAGMA foreign_keys").scalar() == 1
    assert (home / "cases.sqlite").is_file()


@pytest.mark.parametrize(
    ("url", "message"),
    [
        ("mysql://user@localhost/cases", "unsupported database 'mysql'"),
        ("not a database", "not a database URL"),
        ("sqlite://", "must be a file"),
        (
            "postgresql://reviewer:s3cret@127.0.0.1:1/cases",
            "case database postgresql+psycopg://reviewer:***@127.0.0.1:1/cases: connection failed",
        ),
    ],
)
def test_a_database_that_cannot_be_used_is_named(url: str, message: str, tmp_path: Path) -> None:
    with pytest.raises(StoreError, match=re.escape(message)) as caught:
        open_store(url, home=tmp_path)
    assert "s3cret" not in str(caught.value)


def test_opening_and_migrating_print_nothing_and_set_up_no_logging(tmp_path: Path) -> None:
    probe = (
        "import logging, sys\n"
        "from pathlib import Path\n"
        "from chainreview.store.db import open_store\n"
        "from chainreview.store.audit import verify_audit\n"
        f"with open_store(home=Path({str(tmp_path)!r})) as store:\n"
        "    verify_audit(store)\n"
        "print(logging.getLogger().handlers, file=sys.stderr)\n"
    )
    done = subprocess.run(
        [sys.executable, "-c", probe], capture_output=True, text=True, check=True, timeout=60
    )
    assert (done.stdout, done.stderr) == ("", "[]\n")
