"""`chainreview case open|act|show|list` and `chainreview user` end to end, in real subprocesses
on a SQLite file under a fresh home: exit codes (8 for a refused action or an unknown user, 7 for
a stale version, 3 for a case one may not see), the JSON a machine reads, and the table a
reviewer reads. The users (wang of the grid operator, li a reviewer, zhao an approver) are
registered through the library, except where the `user` commands are what is tested."""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
from pathlib import Path
from typing import Any

from chainreview.case.access import Caller
from chainreview.case.procedure import Role
from chainreview.case.users import Person, register
from chainreview.portfolio.kept import fingerprint
from chainreview.store import portfolio_records
from chainreview.store.db import open_store

OPERATOR = "State Grid Demo Co."


def run(
    home: Path, *args: str, user: str = "li", command: str = "case"
) -> subprocess.CompletedProcess[str]:
    """`chainreview case …` (or `command`) as `user` (CHAINREVIEW_USER)."""
    env = {**os.environ, "CHAINREVIEW_HOME": str(home), "COLUMNS": "200", "CHAINREVIEW_USER": user}
    env.pop("CHAINREVIEW_DATABASE_URL", None)
    return subprocess.run(
        [sys.executable, "-m", "chainreview", command, *args],
        capture_output=True,
        text=True,
        env=env,
        timeout=120,
        check=False,
    )


def as_json(result: subprocess.CompletedProcess[str]) -> Any:
    assert result.returncode == 0, result.stderr
    return json.loads(result.stdout)


def _people(home: Path) -> None:
    with open_store(None, home=home) as store:
        admin = register(store, Person(name="root", role=Role.ADMIN), by=None)
        by = Caller(name=admin.name, role=Role.ADMIN, org=None)
        for name, role, org in (
            ("wang", Role.APPLICANT, OPERATOR),
            ("li", Role.REVIEWER, None),
            ("zhao", Role.APPROVER, None),
        ):
            register(store, Person(name=name, role=role, org=org), by=by)


def _open(home: Path) -> str:
    _people(home)
    opened = as_json(
        run(
            home,
            "open",
            "--title",
            "Grid storage controllers",
            "--applicant",
            "State Grid Demo Co.",
            "--vendor",
            "Example Energy Systems Ltd.",
            "--on",
            "2025-09-22",
            "--format",
            "json",
            user="wang",
        )
    )
    case_id: str = opened["case"]["id"]
    return case_id


def test_a_case_from_declaration_to_a_running_decision_clock(tmp_path: Path) -> None:
    case_id = _open(tmp_path)
    for action, day in (("check", "2025-09-24"), ("accept", "2025-09-26")):
        result = run(tmp_path, "act", case_id, action, "--on", day)
        assert result.returncode == 0, result.stderr
    shown = as_json(run(tmp_path, "show", case_id, "--today", "2025-10-09", "--format", "json"))
    assert shown["case"]["state"] == "deciding"
    # National Day 2025 (tests/case/test_clock.py counts it): due Thu 2025-10-16, 6 days left.
    assert (shown["clock"]["due"], shown["clock"]["left"]) == ("2025-10-16", 6)
    assert shown["allowed"] == [
        "decide-no-review",
        "decide-review",
        "withdraw",
        "request-materials",
    ]  # and no extend: the Art. 9 decision has no extension
    first = shown["history"][0]
    assert (first["action"], first["role"], first["recorded_by"]) == (
        "declaration",
        "applicant",
        "wang",
    )
    table = run(tmp_path, "show", case_id, "--today", "2025-10-17")
    assert table.returncode == 0, table.stderr
    assert "deadline OVERDUE since 2025-10-16 (1 days)" in table.stdout
    listed = run(tmp_path, "list", "--today", "2025-10-09")
    assert f"{case_id}  deciding" in listed.stdout
    assert "due 2025-10-16, 6 days left" in listed.stdout
    (item,) = as_json(run(tmp_path, "list", "--today", "2025-10-09", "--format", "json"))
    assert (item["case"]["id"], item["clock"]["due"]) == (case_id, "2025-10-16")
    assert "history" not in item  # the list reads no history (`case show` has it)


def test_a_refused_action_exits_8_naming_what_is_allowed(tmp_path: Path) -> None:
    case_id = _open(tmp_path)
    result = run(tmp_path, "act", case_id, "conclude", "--on", "2025-09-23", user="zhao")
    assert result.returncode == 8
    assert "no action 'conclude' from state received (allowed from received: check, withdraw)" in (
        result.stderr.replace("\n", "")
    )
    assert result.stdout == ""


def test_a_stale_version_exits_7(tmp_path: Path) -> None:
    case_id = _open(tmp_path)
    seen = as_json(run(tmp_path, "show", case_id, "--format", "json"))["case"]["version"]
    assert run(tmp_path, "act", case_id, "check").returncode == 0
    late = run(tmp_path, "act", case_id, "withdraw", "--expect-version", str(seen), user="wang")
    assert late.returncode == 7, late.stderr


def test_wrong_role_unknown_user_and_unknown_case(tmp_path: Path) -> None:
    case_id = _open(tmp_path)
    wrong = run(tmp_path, "act", case_id, "check", user="wang")
    assert wrong.returncode == 8
    assert "check from received is for reviewer, not applicant" in wrong.stderr
    stranger = run(tmp_path, "list", user="janitor")
    assert stranger.returncode == 8
    assert "'janitor' is no user of the case database" in stranger.stderr
    missing = run(tmp_path, "show", "CR-2026-9999")
    assert missing.returncode == 3
    assert "no case CR-2026-9999" in missing.stderr


def test_submit_and_review_a_package_as_a_round(tmp_path: Path) -> None:
    case_id = _open(tmp_path)
    example = Path(__file__).parents[2] / "examples" / "grid-storage"
    submitted = as_json(run(tmp_path, "submit", case_id, str(example), "--format", "json"))
    assert submitted["number"] == 1
    assert "declaration.yaml" in {f["path"] for f in submitted["files"]}
    with open_store(None, home=tmp_path) as store, store.transaction("test") as tx:
        # its portfolio records kept with it, by this code (docs/store.md)
        assert portfolio_records.kept(tx, [(case_id, 1)])[case_id, 1][0] == fingerprint()
    kept = as_json(run(tmp_path, "review", case_id, "--as-of", "2026-11-30", "--format", "json"))
    assert (kept["round"], kept["submission"]) == (1, 1)
    assert len(kept["snapshot"]) == 64
    shown = as_json(run(tmp_path, "show", case_id, "--format", "json"))
    assert [len(s["files"]) for s in shown["submissions"]] == [len(submitted["files"])]
    (round_,) = shown["rounds"]
    assert (round_["number"], round_["submission"], round_["as_of"]) == (1, 1, "2026-11-30")
    assert round_["outcome"] == "fail"  # grid-storage's outcome (examples/README.md)
    notice = run(tmp_path, "exposure", "Example Energy Systems Ltd.")
    assert notice.returncode == 0, notice.stderr
    assert (
        "8 × VS-8400 NVMe all-flash array 7.4.2 → Provincial dispatch automation (SCADA/EMS) "
        "(critical), Backup dispatch centre (critical)"
    ) in notice.stdout
    page = run(tmp_path, "show", case_id)
    assert (
        "review rounds: 1" in page.stdout and "as of 2026-11-30  submission 1  fail" in page.stdout
    )
    empty = tmp_path / "empty"
    empty.mkdir()
    refused = run(tmp_path, "submit", case_id, str(empty))
    assert refused.returncode == 3
    assert "declaration.yaml" in refused.stderr
    env = {**os.environ, "CHAINREVIEW_HOME": str(tmp_path)}
    env.pop("CHAINREVIEW_DATABASE_URL", None)
    audit = subprocess.run(
        [sys.executable, "-m", "chainreview", "audit", "verify", "--format", "json"],
        capture_output=True,
        text=True,
        env=env,
        timeout=120,
        check=False,
    )
    verdict = json.loads(audit.stdout)
    # four users added; case.open, the opening action, the upload, a download per file for the
    # round, the round, and the exposure list's read of declaration.yaml
    assert verdict["ok"] and verdict["checked"] == 4 + 5 + len(submitted["files"])


def test_diff_between_two_rounds(tmp_path: Path) -> None:
    case_id = _open(tmp_path)
    example = Path(__file__).parents[2] / "examples" / "grid-storage"
    package = tmp_path / "package"
    shutil.copytree(example, package)
    firmware = package / "sbom" / "vs8400-firmware.cdx.json"  # the kernel out of CVE-2024-1086's
    firmware.write_text(  # NVD range: that finding goes and F02 falls from critical to high
        firmware.read_text(encoding="utf-8").replace("5.10.120", "5.15.149"), encoding="utf-8"
    )
    for folder in (example, package):
        assert run(tmp_path, "submit", case_id, str(folder)).returncode == 0
        assert run(tmp_path, "review", case_id, "--as-of", "2026-11-30").returncode == 0
    found = as_json(run(tmp_path, "diff", case_id, "--format", "json"))
    assert [(f["id"], f["component"]) for f in found["findings_resolved"]] == [
        ("CVE-2024-1086", "linux-kernel")
    ]
    assert [(m["factor"], m["before"], m["after"]) for m in found["levels_moved"]] == [
        ("F02", "critical", "high")
    ]
    assert [i["path"] for i in found["inputs_changed"]] == ["sbom/vs8400-firmware.cdx.json"]
    assert (found["outcome_moved"], found["empty"]) == (False, False)
    text = run(tmp_path, "diff", case_id, "--from", "1", "--to", "2")
    assert text.returncode == 0, text.stderr
    assert f"case {case_id} round 1 -> case {case_id} round 2" in text.stdout
    assert "outcome fail (CN.1, provisional), unchanged" in text.stdout
    assert "F02 critical -> high" in text.stdout
    assert "findings: 0 added, 1 resolved, 0 changed" in text.stdout
    assert "P-ARRAY CVE-2024-1086 linux 5.10.120 (high, affected, KEV)" in text.stdout
    same = run(tmp_path, "diff", case_id, "--from", "2", "--to", "2")
    assert "no difference in findings" in same.stdout
    missing = run(tmp_path, "diff", case_id, "--to", "9")
    assert missing.returncode == 3
    assert f"case {case_id} has no round 9" in missing.stderr


def test_users_are_added_by_an_admin_and_see_only_their_cases(tmp_path: Path) -> None:
    first = run(tmp_path, "add", "root", "--role", "reviewer", command="user", user="root")
    assert first.returncode == 8
    assert "the first user is an admin, not reviewer" in first.stderr
    assert run(tmp_path, "add", "root", "--role", "admin", command="user", user="x").returncode == 0
    added = run(
        tmp_path, "add", "chen", "--role", "applicant", "--org", "Telecom op", command="user"
    )
    assert added.returncode == 8  # li is nobody yet
    for name, role, org in (("wang", "applicant", OPERATOR), ("chen", "applicant", "Telecom op")):
        result = run(
            tmp_path, "add", name, "--role", role, "--org", org, command="user", user="root"
        )
        assert result.returncode == 0, result.stderr
    run(tmp_path, "add", "li", "--role", "reviewer", command="user", user="root")
    listed = as_json(run(tmp_path, "list", "--format", "json", command="user", user="root"))
    assert [(u["name"], u["role"], u["org"]) for u in listed] == [
        ("chen", "applicant", "Telecom op"),
        ("li", "reviewer", None),
        ("root", "admin", None),
        ("wang", "applicant", OPERATOR),
    ]
    opened = run(
        tmp_path,
        *("open", "--title", "Storage", "--applicant", OPERATOR, "--vendor", "V", "--format"),
        "json",
        user="wang",
    )
    case_id = as_json(opened)["case"]["id"]
    assert as_json(run(tmp_path, "list", "--format", "json", user="chen")) == []
    hidden = run(tmp_path, "show", case_id, user="chen")
    assert (hidden.returncode, hidden.stdout) == (3, "")
    assert f"no case {case_id}" in hidden.stderr
    example = Path(__file__).parents[2] / "examples" / "grid-storage"
    assert run(tmp_path, "submit", case_id, str(example), user="wang").returncode == 0
    fetched = run(tmp_path, "download", case_id, "1", "declaration.yaml", user="wang")
    assert fetched.stdout == (example / "declaration.yaml").read_text(encoding="utf-8")
    refused = run(tmp_path, "download", case_id, "1", "declaration.yaml", user="chen")
    assert (refused.returncode, refused.stdout) == (3, "")
    assert run(tmp_path, "deactivate", "wang", command="user", user="root").returncode == 0
    gone = run(tmp_path, "list", user="wang")
    assert gone.returncode == 8
    assert "'wang' is a deactivated user" in gone.stderr


def test_the_clock_commands_stop_resume_and_extend(tmp_path: Path) -> None:
    case_id = _open(tmp_path)
    for action, day, user in (
        ("check", "2025-10-14", "li"),
        ("accept", "2025-10-15", "li"),
        ("decide-review", "2025-10-20", "zhao"),
    ):
        assert run(tmp_path, "advance", case_id, action, "--on", day, user=user).returncode == 0
    # initial review, 30 working days from Mon 2025-10-20 (none of them a holiday): Oct 21-24
    # (4), Oct 27-31 (9), Nov 3-7 (14), 10-14 (19), 17-21 (24), 24-28 (29), Mon Dec 1 (30)
    shown = as_json(run(tmp_path, "show", case_id, "--today", "2025-10-21", "--format", "json"))
    assert shown["clock"]["due"] == "2025-12-01"
    asked = run(tmp_path, "request-materials", case_id, "--on", "2025-10-22", "--note", "SBOM")
    assert asked.returncode == 0, asked.stderr
    assert "deadline stopped since 2025-10-22" in asked.stdout
    supplied = run(tmp_path, "supply-materials", case_id, "--on", "2025-10-24", user="wang")
    assert supplied.returncode == 0, supplied.stderr
    # stopped Thu 23 and Fri 24 October (after the request, up to the day they arrived): two
    # working days more, Tue Dec 2 and Wed Dec 3
    assert "due 2025-12-03" in supplied.stdout
    extended = as_json(
        run(tmp_path, "extend", case_id, "--on", "2025-10-27", "--days", "5", "--format", "json")
    )
    # five more working days (Art. 11 allows up to 15): Dec 4, 5, 8, 9, 10
    assert extended["clock"]["due"] == "2025-12-10"
    assert [h["action"] for h in extended["history"]][-3:] == [
        "request-materials",
        "supply-materials",
        "extend",
    ]
    assert extended["history"][-3]["note"] == "SBOM"
    too_long = run(tmp_path, "extend", case_id, "--on", "2025-10-28", "--days", "11")
    assert too_long.returncode == 8
    assert "at most 15 days in all (5 already granted)" in too_long.stderr
