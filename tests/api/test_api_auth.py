"""Signing in, on both backends: a password right and wrong, the session cookie's attributes,
CSRF refused without the token, login rate limits per account and per address (and their
window), bearer tokens with and without the scope and after revocation, logout, and a secret
that refuses insecure defaults."""

from __future__ import annotations

from http.cookies import SimpleCookie
from typing import Final

import httpx2
import pytest
from api_kit import (
    ADMIN,
    DAY,
    GRID,
    PASSWORD,
    REVIEWER,
    SECRET,
    SUPPLIER_A,
    VENDOR_A,
    World,
    build_world,
)
from fastapi.testclient import TestClient
from store_kit import Backend

from chainreview.api.app import create_app
from chainreview.api.ratelimit import PER_ACCOUNT, PER_ADDRESS, WINDOW_SECONDS, LoginLimits
from chainreview.api.settings import Settings, from_env
from chainreview.case.credentials import Scope, issue_token, revoke_token
from chainreview.case.service import view_case
from chainreview.case.users import deactivate
from chainreview.errors import InputError

WRONG: Final = {"error": "unauthenticated", "message": "wrong user name or password"}
DECIDING: Final = ((REVIEWER, "check"), (REVIEWER, "accept"))


class Ticker:
    """A monotonic clock the test moves."""

    def __init__(self) -> None:
        self.now = 1000.0

    def __call__(self) -> float:
        return self.now


def _login(world: World, name: str, password: str, address: str = "203.0.113.7") -> httpx2.Response:
    with world.client(address) as client:
        return client.post("/v1/auth/login", json={"name": name, "password": password})


def _stop_clock_body(world: World, case_id: str) -> dict[str, object]:
    version = view_case(world.store, case_id, caller=REVIEWER, today=DAY, home=None).case.version
    return {"expected_version": version, "on": DAY.isoformat()}


def test_a_right_password_opens_a_session_and_a_wrong_one_does_not(world: World) -> None:
    case_id = world.open(GRID, VENDOR_A)
    with world.client() as client:
        wrong = client.post("/v1/auth/login", json={"name": "li", "password": PASSWORD + "!"})
        assert (wrong.status_code, wrong.json()) == (401, WRONG)
        assert "set-cookie" not in wrong.headers
        assert client.get("/v1/cases").status_code == 401
        right = client.post("/v1/auth/login", json={"name": "li", "password": PASSWORD})
        assert right.status_code == 200
        body = right.json()
        assert (body["name"], body["role"], body["org"]) == ("li", "reviewer", None)
        cookies = SimpleCookie()
        for header in right.headers.get_list("set-cookie"):
            cookies.load(header)
        session = cookies["chainreview_session"]
        assert session["httponly"] and session["secure"]
        assert session["samesite"].lower() == "lax"
        assert cookies["chainreview_csrf"].value == body["csrf_token"]
        assert not cookies["chainreview_csrf"]["httponly"]  # the page reads it
        listed = client.get("/v1/cases", params={"today": DAY.isoformat()})
        assert listed.status_code == 200
        assert [c["id"] for c in listed.json()["cases"]] == [case_id]


@pytest.mark.parametrize(
    "name",
    ["nobody", "zhao", "anna-deactivated"],  # unknown; no password set; deactivated
)
def test_every_kind_of_wrong_login_gets_the_same_answer(world: World, name: str) -> None:
    if name == "anna-deactivated":
        deactivate(world.store, SUPPLIER_A.name, by=ADMIN)
        name = SUPPLIER_A.name
    answer = _login(world, name, PASSWORD)
    assert (answer.status_code, answer.json()) == (401, WRONG)


def test_failed_logins_are_limited_per_account_then_per_address(backend: Backend) -> None:
    ticker = Ticker()
    with build_world(backend, limits=LoginLimits.default(clock=ticker)) as world:
        for _ in range(PER_ACCOUNT):
            assert _login(world, "li", "wrong password 1").status_code == 401
        refused = _login(world, "li", PASSWORD)  # the right one, but too late
        assert refused.status_code == 429
        assert refused.headers["retry-after"] == str(WINDOW_SECONDS + 1)
        assert refused.json()["error"] == "rate-limited"
        # from another address too: the account is what is limited
        assert _login(world, "li", PASSWORD, "198.51.100.1").status_code == 429
        # another account from the first address is not limited yet
        assert _login(world, "wang", PASSWORD).status_code == 200
        ticker.now += WINDOW_SECONDS + 1
        assert _login(world, "li", PASSWORD).status_code == 200

        # per address: PER_ADDRESS failures spread over names, then even a right login fails
        for n in range(PER_ADDRESS):
            assert _login(world, f"guess{n % 4}", "x", "192.0.2.9").status_code == 401
        assert _login(world, "wang", PASSWORD, "192.0.2.9").status_code == 429
        assert _login(world, "wang", PASSWORD, "192.0.2.10").status_code == 200


def test_workers_each_count_their_share_of_the_login_budget() -> None:
    # Three workers each allow ceil(5 / 3) = 2 failures per account and ceil(20 / 3) = 7 per
    # address: whichever worker each try reaches, 3 x 2 = 6 and 3 x 7 = 21 in all at most,
    # against 15 and 60 were each worker to count the whole budget.
    ticker = Ticker()
    workers = [LoginLimits.default(clock=ticker, workers=3) for _ in range(3)]
    allowed = 0
    for n in range(30):
        worker = workers[n % 3]
        if worker.retry_after("li", "203.0.113.7") == 0:
            worker.failed("li", "203.0.113.7")
            allowed += 1
    assert allowed == 6
    allowed = 0
    for n in range(90):
        worker = workers[(n * 7) % 3]
        if worker.retry_after(f"guess{n}", "192.0.2.9") == 0:
            worker.failed(f"guess{n}", "192.0.2.9")
            allowed += 1
    assert allowed == 21
    assert LoginLimits.default(clock=ticker).retry_after("li", "203.0.113.7") == 0


@pytest.mark.parametrize("given", ["0", "65", "two", "-1"])
def test_the_worker_count_must_be_one_to_sixty_four(given: str, tmp_path: object) -> None:
    env = {"CHAINREVIEW_SECRET_KEY": SECRET, "CHAINREVIEW_WORKERS": given}
    with pytest.raises(InputError, match="not a worker count") as raised:
        from_env(env, home=tmp_path)  # type: ignore[arg-type]
    assert raised.value.path == "CHAINREVIEW_WORKERS"
    env["CHAINREVIEW_WORKERS"] = "4"
    assert from_env(env, home=tmp_path).workers == 4  # type: ignore[arg-type]


def test_an_unsafe_request_with_the_session_cookie_needs_the_csrf_token(world: World) -> None:
    case_id = world.open(GRID, VENDOR_A, *DECIDING)
    path = f"/v1/cases/{case_id}/request-materials"
    with world.client() as client:
        csrf = client.post("/v1/auth/login", json={"name": "li", "password": PASSWORD}).json()[
            "csrf_token"
        ]
        body = _stop_clock_body(world, case_id)
        missing = client.post(path, json=body)
        wrong = client.post(path, json=body, headers={"X-CSRF-Token": csrf[:-1] + "x"})
        for answer in (missing, wrong):
            assert answer.status_code == 403
            assert answer.json() == {
                "error": "csrf",
                "message": "a request with the session cookie needs the X-CSRF-Token header",
            }
        assert _stop_clock_body(world, case_id) == body  # nothing was recorded
        done = client.post(path, json=body, headers={"X-CSRF-Token": csrf})
        assert done.status_code == 200
        assert done.json()["deadline"] == "stopped"
        assert done.json()["version"] == body["expected_version"] + 1  # type: ignore[operator]


def test_a_bearer_token_acts_within_its_scopes_until_revoked(world: World) -> None:
    case_id = world.open(GRID, VENDOR_A, *DECIDING)
    reader = issue_token(world.store, "li", frozenset({Scope.CASES_READ}), "ci", by=REVIEWER)
    headers = {"Authorization": f"Bearer {reader.token}"}
    with world.client() as client:
        assert client.get(f"/v1/cases/{case_id}", headers=headers).status_code == 200
        acted = client.post(
            f"/v1/cases/{case_id}/request-materials",
            json=_stop_clock_body(world, case_id),
            headers=headers,
        )
        assert (acted.status_code, acted.json()) == (
            403,
            {"error": "insufficient-scope", "message": "the API token lacks the scope cases:act"},
        )
        assert client.get("/v1/audit/verify", headers=headers).status_code == 403
        revoke_token(world.store, reader.record.id, by=REVIEWER)
        gone = client.get(f"/v1/cases/{case_id}", headers=headers)
        assert (gone.status_code, gone.json()) == (
            401,
            {"error": "unauthenticated", "message": "unknown or revoked API token"},
        )
        assert gone.headers["www-authenticate"] == "Bearer"
        # no CSRF token needed with a bearer token: a page of another site cannot send one
        acted = client.post(
            f"/v1/cases/{case_id}/request-materials",
            json=_stop_clock_body(world, case_id),
            headers=world.auth(REVIEWER),
        )
        assert acted.status_code == 200
        for bad in ("Bearer", "Bearer crt_nothing", "Basic bGk6cHc=", "Bearer " + "crt_" * 40):
            refused = client.get("/v1/cases", headers={"Authorization": bad})
            assert refused.status_code == 401, bad


def test_logout_needs_the_csrf_token_and_ends_the_session(world: World) -> None:
    with world.client() as client:
        csrf = client.post("/v1/auth/login", json={"name": "wang", "password": PASSWORD}).json()[
            "csrf_token"
        ]
        assert client.post("/v1/auth/logout").status_code == 403
        assert client.get("/v1/cases").status_code == 200
        assert client.post("/v1/auth/logout", headers={"X-CSRF-Token": csrf}).status_code == 204
        assert client.get("/v1/cases").status_code == 401
        assert client.post("/v1/auth/logout").status_code == 401


def test_a_tampered_session_cookie_or_a_deactivated_user_is_refused(world: World) -> None:
    with world.client() as client:
        client.post("/v1/auth/login", json={"name": "anna", "password": PASSWORD})
        cookie = client.cookies["chainreview_session"]
        payload, stamp, signature = cookie.split(".")
        name_swapped = payload.replace(payload[3], "A" if payload[3] != "A" else "B", 1)
        for forged in (f"{name_swapped}.{stamp}.{signature}", f"{payload}.{stamp}.{signature}x"):
            with world.client() as other:
                other.cookies.set("chainreview_session", forged)
                answer = other.get("/v1/cases")
                assert answer.status_code == 401
                assert "expired or is not valid" in answer.json()["message"]
        assert client.get("/v1/cases").status_code == 200
        deactivate(world.store, "anna", by=ADMIN)
        assert client.get("/v1/cases").status_code == 401
        assert client.get("/v1/cases", headers=world.auth(SUPPLIER_A)).status_code == 401


@pytest.mark.parametrize(
    ("secret", "problem"),
    [
        ("", "not set"),
        ("Zx8Qp2Lm4Vb6Nc1Rt3", "18 characters"),
        ("ab" * 20, "too few distinct characters"),
        ("changeme-0123456789-ABCDEFGHIJKLMN", "placeholder"),
    ],
)
def test_the_secret_refuses_insecure_values_outside_development_mode(
    secret: str, problem: str, tmp_path: object
) -> None:
    env = {"CHAINREVIEW_SECRET_KEY": secret}
    with pytest.raises(InputError, match=problem) as raised:
        from_env(env, home=tmp_path, dev=False)  # type: ignore[arg-type]
    assert raised.value.path == "CHAINREVIEW_SECRET_KEY"


def test_development_mode_makes_up_a_secret_and_drops_secure(tmp_path: object) -> None:
    first = from_env({}, home=tmp_path, dev=True)  # type: ignore[arg-type]
    second = from_env({"CHAINREVIEW_DEV": "1"}, home=tmp_path)  # type: ignore[arg-type]
    assert first.dev and second.dev
    assert len(first.secret) >= 32 and first.secret != second.secret
    given = "Q1w2E3r4T5y6U7i8O9p0A1s2D3f4G5h6J7"
    assert from_env({"CHAINREVIEW_SECRET_KEY": given}, home=tmp_path).secret == given  # type: ignore[arg-type]


def test_development_mode_cookies_work_over_plain_http(world: World) -> None:
    settings = Settings(
        home=world.backend.home, database_url=world.backend.url, secret=SECRET, dev=True
    )
    dev = create_app(settings, world.store)
    with TestClient(dev, base_url="http://127.0.0.1") as client:
        answer = client.post("/v1/auth/login", json={"name": "li", "password": PASSWORD})
        assert answer.status_code == 200
        cookies = SimpleCookie()
        for header in answer.headers.get_list("set-cookie"):
            cookies.load(header)
        assert not cookies["chainreview_session"]["secure"]
        assert cookies["chainreview_session"]["httponly"]
        assert client.get("/v1/cases").status_code == 200  # sent back over plain HTTP
