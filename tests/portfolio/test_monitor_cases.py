"""`chainreview monitor run --cases`: the monitor over the declarations in the case database,
across the two real snapshots of tests/monitor_kit.py, against the same monitor over the same
package read from its folder (`--inventory`, tested on its own in test_monitor_cli.py): the
same packages, the same products flagged for the same reasons, each product under its case;
and the case store remembered for the next run."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from datetime import date
from pathlib import Path

from chainreview.case.access import Caller
from chainreview.case.procedure import Opening, Role
from chainreview.case.rounds import submit_package
from chainreview.case.service import Opened, open_case
from chainreview.case.users import Person, register
from chainreview.store.db import open_store
from monitor_kit import import_first, import_second

EXAMPLE = Path(__file__).parents[2] / "examples" / "cloud-pi-service"
OPERATOR = "Yuhai Commercial Bank Co., Ltd."
ADMIN = Caller(name="root", role=Role.ADMIN, org=None)


def monitor(home: Path, *args: str) -> subprocess.CompletedProcess[str]:
    environment = {**os.environ, "COLUMNS": "200", "CHAINREVIEW_HOME": str(home)}
    environment.pop("CHAINREVIEW_DATABASE_URL", None)
    return subprocess.run(
        [sys.executable, "-m", "chainreview", "monitor", "run", *args],
        capture_output=True, text=True, env=environment, timeout=300, check=False,
    )  # fmt: skip


def _declared(home: Path) -> str:
    """A case of the example's operator with the example submitted; its id."""
    with open_store(None, home=home) as store:
        register(store, Person(name="root", role=Role.ADMIN), by=None)
        register(store, Person(name="li", role=Role.REVIEWER), by=ADMIN)
        bank = Caller(name="li", role=Role.REVIEWER, org=None)
        opened = Opened(
            regime="cn-crm-2022",
            title="eKYC service",
            applicant=OPERATOR,
            vendor="Xiyue Cloud Services Co., Ltd.",
            opening=Opening.DECLARATION,
            on=date(2026, 11, 2),
        )
        case_id = open_case(store, opened, caller=bank, home=None).case.id
        submit_package(store, case_id, EXAMPLE, caller=bank)
    return case_id


def test_the_case_stores_declarations_are_monitored_as_their_folder_is(
    tmp_path: Path, shared_data: Path, pypa_until_cutoff: Path
) -> None:
    by_folder, by_cases = tmp_path / "folder", tmp_path / "cases"
    case_id = _declared(by_cases)
    for home in (by_folder, by_cases):
        import_first(home, pypa_until_cutoff)
    folder = monitor(by_folder, "--inventory", str(EXAMPLE), "--format", "json")
    cases = monitor(by_cases, "--cases", "--as-user", "li", "--format", "json")
    assert folder.returncode == 0, folder.stderr
    assert cases.returncode == 0, cases.stderr
    first_folder, first_cases = json.loads(folder.stdout), json.loads(cases.stdout)
    assert first_cases["inventory"] == "case store"
    assert first_cases["operator"] == first_folder["operator"] == OPERATOR
    assert first_cases["packages"] == first_folder["packages"] > 0
    for home in (by_folder, by_cases):
        import_second(home, shared_data)
    again_folder = monitor(by_folder, "--format", "json")
    again_cases = monitor(by_cases, "--as-user", "li", "--format", "json")  # remembered
    assert again_cases.returncode == again_folder.returncode, again_cases.stderr
    folder_report, cases_report = json.loads(again_folder.stdout), json.loads(again_cases.stdout)
    assert cases_report["inventory"] == "case store"
    assert cases_report["rematched"] == folder_report["rematched"]
    assert again_folder.returncode == 1 and folder_report["flagged"]  # something to compare
    flagged = [
        (f"{case_id}/{f['product']}", [c["reason"] for c in f["changes"]])
        for f in folder_report["flagged"]
    ]
    assert [
        (f["product"], [c["reason"] for c in f["changes"]]) for f in cases_report["flagged"]
    ] == flagged
    both = monitor(by_cases, "--cases", "--inventory", str(EXAMPLE))
    assert both.returncode == 2 and "give --inventory or --cases, not both" in both.stderr
