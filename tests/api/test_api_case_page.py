"""The case page (`GET /v1/cases/{id}`) is answered from the store's memo while nothing it shows
has changed, and never after: an action (the case's version moves), the day (it moves the
clock), a condition falling overdue (no version moves) each give a new page; its ETag follows
(a 304 only while the page is the one tagged). On both backends; expected values by hand."""

from __future__ import annotations

from datetime import UTC, date, datetime
from typing import Any

from api_kit import GRID, REVIEWER, SUPPLIER_B, VENDOR_A, World, settings
from fastapi.testclient import TestClient

from chainreview.api.app import create_app
from chainreview.store import outcomes
from chainreview.store.records import NewCondition

# Opened, checked and accepted on Mon 2 Nov 2026 (`api_kit.DAY`): the decision clock of 10
# working days (no holiday in November 2026 in China) runs from Tue 3 Nov to Mon 16 Nov.
DUE = "2026-11-16"
ACCEPTED_VERSION = 4
"""Inserted at 1, then the opening, check and accept recorded: 4."""


def _accepted(world: World) -> str:
    return world.open(GRID, VENDOR_A, (REVIEWER, "check"), (REVIEWER, "accept"))


def _shown(answer: Any) -> tuple[Any, ...]:
    body = answer.json()
    clock = body["clock"]
    return (
        body["today"],
        body["version"],
        body["deadline"],
        clock["due"],
        clock["left"],
        clock["stopped_since"],
        len(body["history"]),
        body["overdue_conditions"],
    )


def test_a_kept_page_moves_on_with_an_action(world: World) -> None:
    case_id = _accepted(world)
    page = f"/v1/cases/{case_id}"
    with world.client() as client:
        first = client.get(page, params={"today": "2026-11-03"}, headers=world.auth(REVIEWER))
        again = client.get(page, params={"today": "2026-11-03"}, headers=world.auth(REVIEWER))
        # Tue 3 Nov: Nov 4–6 and 9–13 and 16 are left, 9 working days.
        assert _shown(first) == ("2026-11-03", 4, "running", DUE, 9, None, 3, 0)
        assert again.content == first.content
        assert again.headers["ETag"] == first.headers["ETag"]
        stopped = client.post(
            f"{page}/request-materials",
            json={"on": "2026-11-03", "expected_version": ACCEPTED_VERSION},
            headers=world.auth(REVIEWER),
        )
        assert stopped.status_code == 200
        after = client.get(page, params={"today": "2026-11-03"}, headers=world.auth(REVIEWER))
    # The clock stands still from the request on: no due day; of the 10 working days Tue 3 Nov
    # (from acceptance to the request) was used, 9 are left.
    assert _shown(after) == ("2026-11-03", 5, "stopped", None, 9, "2026-11-03", 4, 0)
    assert after.headers["ETag"] != first.headers["ETag"]


def test_a_kept_page_moves_on_with_the_day(world: World) -> None:
    case_id = _accepted(world)
    now = [datetime(2026, 11, 3, 2, 0, tzinfo=UTC)]  # 10:00 on Tue 3 Nov in Shanghai
    app = create_app(settings(world.backend), world.store, clock=lambda: now[0])
    with TestClient(app, base_url="https://testserver") as client:
        tuesday = client.get(f"/v1/cases/{case_id}", headers=world.auth(REVIEWER))
        now[0] = datetime(2026, 11, 3, 17, 0, tzinfo=UTC)  # still 3 Nov in UTC: 01:00 on 4 Nov
        wednesday = client.get(f"/v1/cases/{case_id}", headers=world.auth(REVIEWER))
    assert _shown(tuesday) == ("2026-11-03", 4, "running", DUE, 9, None, 3, 0)
    assert _shown(wednesday) == ("2026-11-04", 4, "running", DUE, 8, None, 3, 0)


def test_a_kept_page_moves_on_when_a_condition_falls_overdue(world: World) -> None:
    case_id = _accepted(world)
    page = f"/v1/cases/{case_id}"
    day = {"today": "2026-11-04"}
    with world.client() as client:
        before = client.get(page, params=day, headers=world.auth(REVIEWER))
        assert _shown(before)[-1] == 0
        with world.store.transaction("li") as tx:  # moves no version
            outcomes.add_condition(
                tx,
                case_id,
                NewCondition(text="Sign the SBOM", party="vendor", due=date(2026, 11, 3)),
            )
        office = client.get(page, params=day, headers=world.auth(REVIEWER))
        operator = client.get(page, params=day, headers=world.auth(GRID))
        due_today = client.get(page, params={"today": "2026-11-03"}, headers=world.auth(REVIEWER))
    # Due on 3 Nov: overdue on the 4th, not yet on the 3rd; it binds the vendor, whose
    # conditions the office sees and the operator does not.
    assert _shown(office) == ("2026-11-04", 4, "running", DUE, 8, None, 3, 1)
    assert _shown(operator) == ("2026-11-04", 4, "running", DUE, 8, None, 3, 0)
    assert _shown(due_today)[-1] == 0
    assert office.headers["ETag"] != before.headers["ETag"]
    assert operator.content == before.content


def test_the_page_is_answered_304_while_it_is_the_one_tagged(world: World) -> None:
    case_id = _accepted(world)
    page = f"/v1/cases/{case_id}"
    day = {"today": "2026-11-03"}
    with world.client() as client:
        first = client.get(page, params=day, headers=world.auth(REVIEWER))
        tag = first.headers["ETag"]
        assert first.headers["Cache-Control"] == "private, no-cache"
        for asked in (tag, f'"other", W/{tag}', "*"):
            same = client.get(
                page, params=day, headers={**world.auth(REVIEWER), "If-None-Match": asked}
            )
            assert (same.status_code, same.content, same.headers["ETag"]) == (304, b"", tag)
        other_day = client.get(
            page,
            params={"today": "2026-11-04"},
            headers={**world.auth(REVIEWER), "If-None-Match": tag},
        )
        assert other_day.status_code == 200
        assert other_day.json()["today"] == "2026-11-04"
        # A caller who may not see the case gets its 404, tag or not.
        stranger = client.get(
            page, params=day, headers={**world.auth(SUPPLIER_B), "If-None-Match": tag}
        )
        assert stranger.status_code == 404


def test_a_first_visit_late_in_the_day_counts_on_the_case_regimes_day(world: World) -> None:
    case_id = _accepted(world)
    with world.store.transaction("li") as tx:
        outcomes.add_condition(
            tx,
            case_id,
            NewCondition(text="Patch the gateway", party="vendor", due=date(2026, 11, 3)),
        )
    late = datetime(2026, 11, 3, 20, 0, tzinfo=UTC)  # 3 Nov in UTC, 04:00 on 4 Nov in Shanghai
    # A store that has never seen the case (another worker's): its first read guesses the UTC
    # day, then counts again on Shanghai's, where the condition due on the 3rd is overdue.
    with world.backend.open() as fresh:
        app = create_app(settings(world.backend), fresh, clock=lambda: late)
        with TestClient(app, base_url="https://testserver") as client:
            first = client.get(f"/v1/cases/{case_id}", headers=world.auth(REVIEWER))
            again = client.get(f"/v1/cases/{case_id}", headers=world.auth(REVIEWER))
    assert _shown(first) == ("2026-11-04", 4, "running", DUE, 8, None, 3, 1)
    assert again.content == first.content
