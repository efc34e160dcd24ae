"""A review round's report, on both backends: the round reviewed again on its own snapshot gives
the stored result.json byte for byte (the JSON format is that file), the PDF and HTML are the
report of it in either language, only the office gets it, and `case report` writes the same
bytes the API sends."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from datetime import date
from pathlib import Path

import pytest
from api_kit import GRID, REVIEWER, TELECOM, VENDOR_A, World

import chainreview
from chainreview.case.rounds import review_round, submit_package
from chainreview.intel import bundled
from chainreview.store import rounds

EXAMPLE = Path(__file__).parents[2] / "examples" / "grid-storage"
AS_OF = date(2026, 11, 19)


@pytest.fixture
def reviewed(world: World) -> tuple[str, bytes]:
    """A case of wang's with grid-storage submitted and reviewed once: its id and round 1."""
    home = world.backend.home
    bundled.ensure_snapshot(home)
    case_id = world.open(GRID, VENDOR_A)
    submit_package(world.store, case_id, EXAMPLE, caller=GRID)
    with chainreview.open_snapshot(home) as snapshot:
        kept = review_round(
            world.store, case_id, chainreview.Reviewer(snapshot), as_of=AS_OF, caller=REVIEWER
        )
    return case_id, kept.result_json


def test_the_office_gets_the_rounds_report(
    world: World, reviewed: tuple[str, bytes], tmp_path: Path
) -> None:
    case_id, stored = reviewed
    path = f"/v1/cases/{case_id}/rounds/1/report"
    with world.client() as client:
        as_json = client.get(path, params={"format": "json"}, headers=world.auth(REVIEWER))
        pdf = client.get(path, headers=world.auth(REVIEWER))
        chinese = {"format": "html", "lang": "zh-CN"}
        zh = client.get(path, params=chinese, headers=world.auth(REVIEWER))
    assert as_json.status_code == 200 and as_json.content == stored
    declaration = json.loads(stored)["declaration"]["id"]
    outcome = json.loads(stored)["determination"]["outcome"]
    assert outcome == "fail"  # grid-storage on the bundled intel: KEV findings (CN.1)
    assert pdf.status_code == 200 and pdf.headers["content-type"] == "application/pdf"
    assert pdf.content.startswith(b"%PDF")
    (tmp_path / "report.pdf").write_bytes(pdf.content)
    text = subprocess.run(
        ["pdftotext", "-layout", str(tmp_path / "report.pdf"), "-"],
        capture_output=True, text=True, check=True,
    ).stdout  # fmt: skip
    assert declaration in text and "page 1 of" in text.lower()
    assert zh.status_code == 200 and "不予通过" in zh.text  # fail, in the Measures' words
    assert "审查时限" in zh.text  # the case's statutory clock


def test_the_report_shows_the_clock_as_of_the_day_asked_for(
    world: World, reviewed: tuple[str, bytes]
) -> None:
    case_id, _ = reviewed
    path = f"/v1/cases/{case_id}/rounds/1/report"
    with world.client() as client:
        default = client.get(path, params={"format": "html"}, headers=world.auth(REVIEWER))
        before = client.get(
            path, params={"format": "html", "as_of": "2020-01-01"}, headers=world.auth(REVIEWER)
        )
        bad = client.get(
            path, params={"format": "html", "as_of": "yesterday"}, headers=world.auth(REVIEWER)
        )
    assert default.status_code == before.status_code == 200
    assert f"as of {AS_OF.isoformat()}" in default.text  # the round's review date
    # the case opened on DAY, after 2020-01-01: its opening is counted, not shown
    assert "as of 2020-01-01" in before.text
    assert "1 step recorded after that day is not shown." in before.text
    assert bad.status_code == 422


def test_only_the_office_and_only_rounds_that_exist(
    world: World, reviewed: tuple[str, bytes]
) -> None:
    case_id, _ = reviewed
    path = f"/v1/cases/{case_id}/rounds/1/report"
    with world.client() as client:
        party = client.get(path, headers=world.auth(GRID))  # sees the case, may not render
        stranger = client.get(path, headers=world.auth(TELECOM))  # does not see it
        missing = client.get(f"/v1/cases/{case_id}/rounds/2/report", headers=world.auth(REVIEWER))
        nobody = client.get(path)
    assert party.status_code == 403
    assert stranger.status_code == 404
    assert missing.status_code == 404
    assert nobody.status_code == 401


def test_case_report_writes_what_the_api_sends(
    world: World, reviewed: tuple[str, bytes], tmp_path: Path
) -> None:
    case_id, _ = reviewed
    with world.client() as client:
        sent = client.get(
            f"/v1/cases/{case_id}/rounds/1/report",
            params={"format": "html"},
            headers=world.auth(REVIEWER),
        ).content
    environment = {**os.environ, "CHAINREVIEW_HOME": str(world.backend.home)}
    environment.pop("CHAINREVIEW_DATABASE_URL", None)
    if world.backend.url is not None:
        environment["CHAINREVIEW_DATABASE_URL"] = world.backend.url
    written = tmp_path / "report.html"
    run = subprocess.run(
        [sys.executable, "-m", "chainreview", "case", "report", case_id, "1", "--format", "html",
         "-o", str(written), "--as-user", REVIEWER.name],
        capture_output=True, text=True, env=environment, timeout=300, check=False,
    )  # fmt: skip
    assert run.returncode == 0, run.stderr
    assert written.read_bytes() == sent


def test_a_round_stored_by_an_earlier_result_schema_is_refused_by_name(
    world: World, reviewed: tuple[str, bytes]
) -> None:
    # A round as chainreview stored it before result schema 2.3 (no supply_chain): its report
    # cannot be made again byte for byte, and says so, instead of failing as a bug.
    case_id, stored = reviewed
    older = json.loads(stored)
    older["schema_version"] = "2.2"
    del older["supply_chain"]
    with world.store.transaction(REVIEWER.name) as tx:
        kept = rounds.get_round(tx, case_id, 1)
        rounds.add_round(
            tx,
            case_id,
            submission=kept.submission,
            snapshot_hash=kept.snapshot_hash,
            result_json=json.dumps(older).encode(),
        )
    with world.client() as client:
        answer = client.get(f"/v1/cases/{case_id}/rounds/2/report", headers=world.auth(REVIEWER))
    assert answer.status_code == 403
    assert answer.json()["message"] == (
        f"round 2 of case {case_id} was stored as result schema 2.2; this chainreview writes "
        "2.3 and cannot make its report again (its result.json is kept as stored: case diff "
        "and the case page read it)"
    )
