"""`chainreview audit verify` in a real subprocess, on both backends: exit 0 on a sound log,
1 naming the first bad entry, 6 on a database it cannot use."""

from __future__ import annotations

import json
import os
import subprocess
import sys

from sqlalchemy import text
from store_kit import Backend

from chainreview.store.audit import verify_audit
from chainreview.store.cases import open_case, update_case
from chainreview.store.records import NewCase

CASE = NewCase(
    regime="cn-crm-2022",
    title="Hospital PACS",
    state="submitted",
    applicant_org="Demo Hospital",
    vendor_org="Demo Imaging",
)


def _verify(backend: Backend, *args: str) -> subprocess.CompletedProcess[str]:
    env = {**os.environ, "CHAINREVIEW_HOME": str(backend.home), "COLUMNS": "200"}
    env.pop("CHAINREVIEW_DATABASE_URL", None)
    env.pop("CHAINREVIEW_AUDIT_FORMAT", None)
    if backend.url is not None:
        env["CHAINREVIEW_DATABASE_URL"] = backend.url
    return subprocess.run(
        [sys.executable, "-m", "chainreview", "audit", "verify", *args],
        capture_output=True,
        text=True,
        env=env,
        timeout=120,
        check=False,
    )


def _three_entries(backend: Backend) -> str:
    with backend.open() as store:
        with store.transaction("alice") as tx:
            case = open_case(tx, CASE)
            update_case(tx, case.id, expected_version=1, state="under-review")
            update_case(tx, case.id, expected_version=2, state="approved")
        return verify_audit(store).head


def test_a_sound_log_exits_0(backend: Backend) -> None:
    head = _three_entries(backend)
    table = _verify(backend)
    as_json = _verify(backend, "--format", "json")
    assert (table.returncode, table.stderr) == (0, "")
    assert table.stdout == f"audit log sound: 3 entries, head {head}\n"
    assert as_json.returncode == 0
    assert json.loads(as_json.stdout) == {
        "ok": True,
        "checked": 3,
        "head": head,
        "first_bad": None,
        "problem": None,
        "detail": None,
    }


def test_a_broken_log_exits_1_naming_the_first_bad_entry(backend: Backend) -> None:
    _three_entries(backend)
    backend.allow_rewrite()
    with backend.sql() as sql:
        sql.execute(text("UPDATE audit_log SET actor = 'mallory' WHERE seq = 2"))
    table = _verify(backend)
    as_json = _verify(backend, "--format", "json")
    expected = "audit log broken at entry 2: entry 2 was changed after it was written"
    assert table.returncode == 1
    assert " ".join(table.stderr.split()) == f"error: {expected}"
    assert table.stdout == ""
    assert as_json.returncode == 1
    verdict = json.loads(as_json.stdout)
    assert (verdict["ok"], verdict["first_bad"], verdict["problem"]) == (False, 2, "tampered")


def test_a_database_it_cannot_use_exits_6(backend: Backend) -> None:
    _three_entries(backend)
    with backend.sql() as sql:
        sql.execute(text("UPDATE alembic_version SET version_num = 'f00d'"))
    done = _verify(backend)
    assert done.returncode == 6
    assert "schema revision f00d, which this chainreview does not know" in done.stderr
