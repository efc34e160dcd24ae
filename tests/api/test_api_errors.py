"""Errors answer in one shape: every class of the library's error tree has its status (from the
table in docs/api-http.md, written out here by hand), bodies that are too large, not JSON or
invalid get 413 and 422 with one line, and an unknown path 404."""

from __future__ import annotations

import json
from collections.abc import Iterator
from datetime import UTC, datetime

from api_kit import DAY, GRID, REVIEWER, VENDOR_A, World, settings
from fastapi.testclient import TestClient

from chainreview import errors
from chainreview.api.app import create_app
from chainreview.api.bodylimit import MAX_BODY
from chainreview.api.errors import status_of
from chainreview.case.credentials import BadCredentials
from chainreview.case.users import UnknownUser
from chainreview.errors import Problem

BY_HAND = {
    errors.InputError("f", "m"): (422, "bad-input"),
    errors.InvalidPackage([Problem("f", "", "m")]): (422, "bad-input"),
    errors.LimitExceeded("f", "m"): (422, "bad-input"),
    errors.UnsupportedFormat("f", "m"): (422, "bad-input"),
    errors.NetworkError("u", "m"): (500, "internal"),
    errors.PolicyFailure("m"): (422, "policy-failure"),
    errors.NotFound("m"): (404, "not-found"),
    errors.StoreError("m"): (503, "store-unavailable"),
    errors.ConflictError("CR-1", 1, 2): (409, "conflict"),
    errors.RefusedAction("m"): (403, "refused"),
    UnknownUser("m"): (403, "refused"),
    BadCredentials("m"): (401, "unauthenticated"),
}


def _subclasses(kind: type[errors.ChainreviewError]) -> Iterator[type[errors.ChainreviewError]]:
    for sub in kind.__subclasses__():
        yield sub
        yield from _subclasses(sub)


def test_every_error_of_the_tree_has_the_status_worked_out_by_hand() -> None:
    for error, expected in BY_HAND.items():
        assert status_of(error) == expected, type(error).__name__
    in_errors_py = {
        k for k in _subclasses(errors.ChainreviewError) if k.__module__ == errors.__name__
    }
    assert in_errors_py <= {type(e) for e in BY_HAND}


def test_bodies_too_large_not_json_or_invalid_get_one_line(world: World) -> None:
    headers = world.auth(REVIEWER)
    with world.client() as client:
        big = client.post("/v1/auth/login", content=b"{" + b" " * MAX_BODY + b"}")
        assert (big.status_code, big.json()) == (
            413,
            {"error": "too-large", "message": f"a request body has at most {MAX_BODY} bytes"},
        )

        def chunks() -> Iterator[bytes]:  # no Content-Length: counted as it streams
            yield b'{"name": "li", "password": "'
            for _ in range(MAX_BODY // 1024 + 1):
                yield b"x" * 1024
            yield b'"}'

        streamed = client.post(
            "/v1/auth/login", content=chunks(), headers={"Content-Type": "application/json"}
        )
        assert streamed.status_code == 413
        broken = client.post(
            "/v1/cases/CR-2026-0001/advance",
            content=b'{"action": ',
            headers={**headers, "Content-Type": "application/json"},
        )
        assert (broken.status_code, broken.json()) == (
            422,
            {"error": "bad-input", "message": "body.11: JSON decode error"},
        )
        invalid = client.post(
            "/v1/cases/CR-2026-0001/advance",
            json={"action": "check", "expected_version": 0, "days": 0},
            headers=headers,
        )
        assert invalid.status_code == 422
        assert invalid.json() == {
            "error": "bad-input",
            "message": "body.expected_version: Input should be greater than or equal to 1 "
            "(and 1 more problem)",
        }
        late = client.get("/v1/cases", params={"today": "1999-12-31"}, headers=headers)
        assert late.status_code == 422
        assert "greater than or equal to 2000-01-01" in late.json()["message"]
        nowhere = client.get("/v1/nothing-here", headers=headers)
        assert (nowhere.status_code, nowhere.json()) == (
            404,
            {"error": "not-found", "message": "Not Found"},
        )
    published = json.loads(world.client().get("/openapi.json").content)
    assert set(published["paths"]) == {
        "/v1/auth/login",
        "/v1/auth/logout",
        "/v1/cases",
        "/v1/cases/{case_id}",
        "/v1/cases/{case_id}/advance",
        "/v1/cases/{case_id}/request-materials",
        "/v1/cases/{case_id}/supply-materials",
        "/v1/intel/status",
        "/v1/audit/verify",
        "/v1/portfolio/blast-radius",
        "/v1/portfolio/concentration",
        "/v1/portfolio/what-if",
        "/v1/query",
        "/v1/querybatch",
        "/v1/vulns/{vuln_id}",
        "/v1/declarations",
        "/v1/declarations/files",
        "/v1/cases/{case_id}/findings",
        "/v1/cases/{case_id}/findings/triage",
        "/v1/cases/{case_id}/rounds/{number}/report",
        "/v1/products",
        "/v1/products/{case_id}/{product_id}",
        "/v1/cases/{case_id}/outcomes",
        "/v1/cases/{case_id}/opinions",
        "/v1/cases/{case_id}/decision",
        "/v1/cases/{case_id}/conditions/{condition_id}/met",
        "/v1/cases/{case_id}/conditions/{condition_id}/breached",
        "/v1/cases/{case_id}/acceptances",
        "/v1/cases/{case_id}/acceptances/{acceptance_id}/approve",
        "/v1/cases/{case_id}/submissions",
        "/v1/cases/{case_id}/rounds",
        "/v1/cases/{case_id}/rounds/{number}/vex",
    }


def test_an_action_on_a_case_that_moved_on_is_a_conflict(world: World) -> None:
    case_id = world.open(GRID, VENDOR_A)
    with world.client() as client:
        first = client.post(
            f"/v1/cases/{case_id}/advance",
            json={"action": "check", "expected_version": 2, "on": DAY.isoformat()},
            headers=world.auth(REVIEWER),
        )
        assert first.status_code == 200, first.json()
        assert (first.json()["state"], first.json()["version"]) == ("completeness-check", 3)
        stale = client.post(
            f"/v1/cases/{case_id}/advance",
            json={"action": "accept", "expected_version": 2, "on": DAY.isoformat()},
            headers=world.auth(REVIEWER),
        )
        assert (stale.status_code, stale.json()) == (
            409,
            {
                "error": "conflict",
                "message": f"case {case_id} was changed by someone else: the update was made on "
                "version 2, the case is now at version 3; reload it and try again",
            },
        )
        refused = client.post(
            f"/v1/cases/{case_id}/advance",
            json={"action": "monitor", "expected_version": 3, "on": DAY.isoformat()},
            headers=world.auth(REVIEWER),
        )
        assert refused.status_code == 403
        assert refused.json()["error"] == "refused"


def test_a_day_left_out_is_today_in_the_regimes_time_zone(world: World) -> None:
    case_id = world.open(GRID, VENDOR_A)
    evening = datetime(2026, 11, 2, 17, 0, tzinfo=UTC)  # already 3 November in Beijing
    app = create_app(settings(world.backend), world.store, clock=lambda: evening)
    with TestClient(app, base_url="https://testserver") as client:
        acted = client.post(
            f"/v1/cases/{case_id}/advance",
            json={"action": "check", "expected_version": 2},
            headers=world.auth(REVIEWER),
        )
        assert acted.status_code == 200
        assert acted.json()["history"][-1]["on"] == "2026-11-03"
        assert acted.json()["today"] == "2026-11-03"
        listed = client.get("/v1/cases", headers=world.auth(REVIEWER))
        assert listed.json()["cases"][0]["today"] == "2026-11-03"
