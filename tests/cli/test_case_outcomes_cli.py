"""`chainreview case opinion|decide|conditions|condition|accept-risk|approve-risk` end to end,
in real subprocesses on a SQLite file under a fresh home: a case from member opinions through
a decision with conditions, overdue on the day asked (and in `case list`), a waiver approved
by a second approver and expiring, a breach that reopens the case; exit codes 8 (refused), 3
(a case or condition one may not see), 7 (a stale version), 2 (usage)."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path
from typing import Any

from chainreview.case.access import Caller
from chainreview.case.procedure import Role
from chainreview.case.users import Person, register
from chainreview.store.db import open_store

OPERATOR, VENDOR_A, VENDOR_B = "State Grid Demo Co.", "Veltrani Storage AG", "Lanxuan Data"


def run(home: Path, user: str, *args: str) -> subprocess.CompletedProcess[str]:
    """`chainreview case …` as `user`."""
    env = {**os.environ, "CHAINREVIEW_HOME": str(home), "COLUMNS": "200"}
    env.pop("CHAINREVIEW_DATABASE_URL", None)
    return subprocess.run(
        [sys.executable, "-m", "chainreview", "case", *args, "--as-user", user],
        capture_output=True,
        text=True,
        env=env,
        timeout=120,
        check=False,
    )


def ok(result: subprocess.CompletedProcess[str]) -> Any:
    assert result.returncode == 0, result.stderr
    return json.loads(result.stdout) if result.stdout.startswith(("{", "[")) else result.stdout


def _people(home: Path) -> None:
    with open_store(None, home=home) as store:
        register(store, Person(name="root", role=Role.ADMIN), by=None)
        admin = Caller(name="root", role=Role.ADMIN, org=None)
        for name, role, org in (
            ("wang", Role.APPLICANT, OPERATOR),
            ("anna", Role.VENDOR, VENDOR_A),
            ("bo", Role.VENDOR, VENDOR_B),
            ("li", Role.REVIEWER, None),
            ("zhao", Role.APPROVER, None),
            ("qian", Role.APPROVER, None),
            ("unit", Role.MEMBER_UNIT, "Ministry of Industry"),
        ):
            register(store, Person(name=name, role=role, org=org), by=admin)


def _opened(home: Path) -> str:
    """The users registered, a case on Veltrani's storage opened by the operator on 2026-11-02."""
    _people(home)
    opened = ok(
        run(
            home,
            "wang",
            *("open", "--title", "Storage", "--applicant", OPERATOR, "--vendor", VENDOR_A),
            *("--on", "2026-11-02", "--format", "json"),
        )
    )
    case_id: str = opened["case"]["id"]
    return case_id


def test_a_case_from_opinions_to_a_breach(tmp_path: Path) -> None:
    case = _opened(tmp_path)
    for action in ("check", "accept", "decide-review", "recommend"):
        ok(run(tmp_path, "li", "act", case, action, "--on", "2026-11-02"))
    given = ok(
        run(
            tmp_path,
            "unit",
            *("opinion", case, "--position", "concur", "--text", "No objection."),
            *("--format", "json"),
        )
    )
    assert (given["unit"], given["position"]) == ("Ministry of Industry", "concur")
    party = run(tmp_path, "wang", "opinion", case, "--position", "dissent", "--text", "No.")
    assert party.returncode == 8, party.stderr
    alone = run(tmp_path, "zhao", "act", case, "conclude", "--on", "2026-11-16")
    assert alone.returncode == 8
    assert "conclude is taken with the decision it concludes on" in alone.stderr
    decide = (
        *("decide", case, "--outcome", "pass-with-conditions", "--reason", "Residual risk."),
        *("--condition", "A signed SBOM", "--party", "vendor", "--due", "2026-12-31"),
        *("--condition", "Remote maintenance off", "--party", "applicant", "--due", "-"),
        *("--on", "2026-11-16"),
    )
    assert run(tmp_path, "zhao", *decide, "--condition", "Odd one").returncode == 2
    assert run(tmp_path, "zhao", *decide, "--expect-version", "2").returncode == 7
    ruling = ok(run(tmp_path, "zhao", *decide, "--format", "json"))
    assert ruling["state"] == "concluded"
    assert [(c["id"], c["party"], c["due"]) for c in ruling["conditions"]] == [
        (1, "vendor", "2026-12-31"),
        (2, "applicant", None),
    ]
    ok(run(tmp_path, "li", "act", case, "monitor", "--on", "2026-11-16"))

    def standings(user: str, today: str) -> list[tuple[int, str]]:
        shown = ok(run(tmp_path, user, "conditions", case, "--today", today, "--format", "json"))
        return [(c["id"], c["standing"]) for c in shown["conditions"]]

    assert standings("li", "2026-12-31") == [(1, "open"), (2, "open")]
    assert standings("li", "2027-01-01") == [(1, "overdue"), (2, "open")]
    assert standings("anna", "2027-01-01") == [(1, "overdue")]
    assert standings("wang", "2027-01-01") == [(2, "open")]
    other = run(tmp_path, "bo", "conditions", case, "--today", "2027-01-01")
    assert other.returncode == 3 and f"no case {case}" in other.stderr
    listed = ok(run(tmp_path, "li", "list", "--today", "2027-01-01"))
    assert f"{case}  monitoring" in listed and "[1 condition(s) OVERDUE]" in listed
    assert (
        ok(run(tmp_path, "wang", "list", "--today", "2027-01-01", "--format", "json"))[0][
            "overdue_conditions"
        ]
        == 0
    )

    waive = (
        *("condition", case, "1", "waive", "--reason", "Checked by hand meanwhile."),
        *("--owner", "CISO", "--expires", "2027-01-15", "--on", "2027-01-02", "--format", "json"),
    )
    proposed = ok(run(tmp_path, "zhao", *waive))
    assert (proposed["kind"], proposed["condition_id"], proposed["approved_by"]) == (
        "condition",
        1,
        None,
    )
    risk = str(proposed["id"])
    own = run(tmp_path, "zhao", "approve-risk", risk, "--on", "2027-01-02")
    assert own.returncode == 8 and "two-person rule" in own.stderr
    assert run(tmp_path, "li", "approve-risk", risk, "--on", "2027-01-02").returncode == 8
    approved = ok(
        run(tmp_path, "qian", "approve-risk", risk, "--on", "2027-01-02", "--format", "json")
    )
    assert (approved["approved_by"], approved["proposed_by"]) == ("qian", "zhao")
    assert standings("li", "2027-01-15") == [(1, "waived"), (2, "open")]
    assert standings("li", "2027-01-16") == [(1, "overdue"), (2, "open")]

    factor = (
        *("accept-risk", case, "--factor", "F01", "--level", "low", "--owner", "Head of review"),
        *("--reason", "Jump host only.", "--expires", "2027-06-30", "--on", "2027-01-02"),
    )
    accepted = ok(run(tmp_path, "li", *factor, "--format", "json"))
    assert (accepted["kind"], accepted["subject"], accepted["level"]) == ("factor", "F01", "low")
    assert run(tmp_path, "li", *factor, "--finding", "CVE-2024-3094").returncode == 2

    stray = run(tmp_path, "li", "condition", case, "1", "met", "--note", "x", "--owner", "CISO")
    assert stray.returncode == 2 and "--owner does not go with met" in stray.stderr
    missing = run(tmp_path, "li", "condition", case, "9", "met", "--note", "Done.")
    assert missing.returncode == 3 and f"case {case} has no condition 9" in missing.stderr
    breach = (
        *("condition", case, "2", "breach", "--note", "Remote maintenance found open."),
        *("--on", "2027-02-01", "--format", "json"),
    )
    breached = ok(run(tmp_path, "li", *breach))
    assert (breached["state"], breached["condition"]["standing"]) == ("initial-review", "breached")
    shown = ok(run(tmp_path, "li", "show", case, "--today", "2027-02-01", "--format", "json"))
    assert [c["standing"] for c in shown["outcomes"]["conditions"]] == ["overdue", "breached"]
    assert [e for _, e in shown["outcomes"]["acceptances"]] == ["expired", "proposed"]
    page = ok(run(tmp_path, "li", "show", case, "--today", "2027-02-01"))
    assert "state initial-review since 2027-02-01" in page
    assert "decision 1: pass-with-conditions" in page
    assert "risk acceptances: 2" in page
    assert "breached; applicant, due no date: Remote maintenance off" in page


def test_interim_measures_ordered_during_the_review(tmp_path: Path) -> None:
    case = _opened(tmp_path)
    order = ("order-measures", case, "--measure", "Cut the call-home link", "--party", "applicant")
    early = run(tmp_path, "li", *order, "--on", "2026-11-02")
    assert early.returncode == 8
    assert f"case {case} is in received: interim measures (Art. 16(2))" in early.stderr
    for action in ("check", "accept", "decide-review"):
        ok(run(tmp_path, "li", "act", case, action, "--on", "2026-11-02"))
    ordered = ok(
        run(tmp_path, "li", *order, "--due", "2026-11-06", "--on", "2026-11-02", "--format", "json")
    )
    assert (ordered["term"], ordered["party"], ordered["due"], ordered["standing"]) == (
        "during-review",
        "applicant",
        "2026-11-06",
        "open",
    )
    assert ordered["decision_id"] is None
    shown = ok(run(tmp_path, "wang", "conditions", case, "--today", "2026-11-09"))
    assert "OVERDUE; applicant, due 2026-11-06 (during-review): Cut the call-home link" in shown
    refused = run(tmp_path, "wang", *order)
    assert refused.returncode == 8
    assert "ordering interim measures (Art. 16(2)) is for approver, reviewer" in refused.stderr
