"""The command line of the web service, in real subprocesses on a SQLite file under a fresh
home: passwords set with `user add --password-stdin` and `user password`, tokens made and
revoked with `user token`, each then used against the app; `serve` refusing to start without a
proper secret and, in development mode, answering on 127.0.0.1; and `GET /v1/intel/status`
agreeing with `intel status --format json` on the bundled snapshot."""

from __future__ import annotations

import json
import os
import socket
import subprocess
import sys
import time
import urllib.error
import urllib.request
from pathlib import Path

from api_kit import SECRET
from fastapi.testclient import TestClient

from chainreview.api.app import create_app
from chainreview.api.settings import Settings
from chainreview.case.credentials import Scope
from chainreview.cli.token import SCOPES
from chainreview.intel import bundled
from chainreview.store.db import open_store

PASSWORD = "a long enough passphrase"


def run(
    home: Path, *args: str, stdin: str = "", env: dict[str, str] | None = None
) -> subprocess.CompletedProcess[str]:
    environment = {**os.environ, "CHAINREVIEW_HOME": str(home), "COLUMNS": "200", **(env or {})}
    for name in ("CHAINREVIEW_DATABASE_URL", "CHAINREVIEW_SECRET_KEY", "CHAINREVIEW_DEV"):
        if name not in (env or {}):
            environment.pop(name, None)
    return subprocess.run(
        [sys.executable, "-m", "chainreview", *args],
        input=stdin,
        capture_output=True,
        text=True,
        env=environment,
        timeout=120,
        check=False,
    )


def _app(home: Path) -> tuple[TestClient, object]:
    store = open_store(None, home=home)
    settings = Settings(home=home, database_url=None, secret=SECRET, dev=False)
    return TestClient(create_app(settings, store), base_url="https://testserver"), store


def test_passwords_and_tokens_set_on_the_command_line_work_against_the_api(tmp_path: Path) -> None:
    home = tmp_path / "home"
    first = run(
        home, "user", "add", "root", "--role", "admin", "--password-stdin", stdin=PASSWORD + "\n"
    )
    assert first.returncode == 0, first.stderr
    refused = run(home, "user", "add", "li", "--role", "reviewer", "--password-stdin",
                  "--as-user", "root", stdin="too short\n")  # fmt: skip
    assert refused.returncode == 8
    assert "not 9" in refused.stderr
    added = run(home, "user", "add", "li", "--role", "reviewer", "--as-user", "root")
    assert added.returncode == 0, added.stderr
    short = run(
        home, "user", "password", "li", "--password-stdin", "--as-user", "li", stdin="short\n"
    )
    assert short.returncode == 8
    assert "a password has 12 to 256 characters, not 5" in short.stderr
    other = run(
        home, "user", "password", "root", "--password-stdin", "--as-user", "li", stdin=PASSWORD
    )
    assert other.returncode == 8  # only an admin sets someone else's
    done = run(
        home, "user", "password", "li", "--password-stdin", "--as-user", "li", stdin=PASSWORD
    )
    assert done.returncode == 0, done.stderr
    made = run(home, "user", "token", "create", "li", "--scope", "cases:read", "--label", "ci",
               "--as-user", "li", "--format", "json")  # fmt: skip
    assert made.returncode == 0, made.stderr
    issued = json.loads(made.stdout)
    token, number = issued["token"], issued["record"]["id"]
    assert issued["record"]["scopes"] == ["cases:read"] and token.startswith("crt_")
    unknown = run(
        home, "user", "token", "create", "li", "--scope", "cases:everything", "--as-user", "li"
    )
    assert unknown.returncode == 2

    client, store = _app(home)
    with client:
        for name in ("root", "li"):
            answer = client.post("/v1/auth/login", json={"name": name, "password": PASSWORD})
            assert answer.status_code == 200, name
        bearer = {"Authorization": f"Bearer {token}"}
        assert client.get("/v1/cases", headers=bearer).status_code == 200
        revoked = run(home, "user", "token", "revoke", str(number), "--as-user", "li")
        assert revoked.returncode == 0, revoked.stderr
        assert f"token {number} of li: cases:read; revoked by li (ci)" in revoked.stdout
        assert client.get("/v1/cases", headers=bearer).status_code == 401
    store.close()  # type: ignore[attr-defined]
    kept = (home / "cases.sqlite").read_bytes()
    assert token.encode() not in kept and PASSWORD.encode() not in kept


def test_the_command_line_knows_the_librarys_scopes() -> None:
    assert set(SCOPES) == {s.value for s in Scope}


def test_serve_refuses_an_insecure_secret(tmp_path: Path) -> None:
    for env in ({}, {"CHAINREVIEW_SECRET_KEY": "changeme"}):
        refused = run(tmp_path, "serve", "--port", "9", env=env)
        assert refused.returncode == 3
        assert "CHAINREVIEW_SECRET_KEY: " in refused.stderr


def test_serve_answers_on_localhost_in_development_mode(tmp_path: Path) -> None:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    environment = {**os.environ, "CHAINREVIEW_HOME": str(tmp_path)}
    for name in ("CHAINREVIEW_DATABASE_URL", "CHAINREVIEW_SECRET_KEY"):
        environment.pop(name, None)
    server = subprocess.Popen(
        [sys.executable, "-m", "chainreview", "serve", "--dev", "--port", str(port)],
        env=environment,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.PIPE,
    )
    base = f"http://127.0.0.1:{port}"
    try:
        published = None
        for _ in range(150):
            try:
                with urllib.request.urlopen(f"{base}/openapi.json", timeout=2) as answer:
                    published = json.loads(answer.read())
                break
            except (urllib.error.URLError, ConnectionError):
                time.sleep(0.1)
        assert published is not None, "the server did not answer"
        assert "/v1/cases" in published["paths"]
        try:
            urllib.request.urlopen(f"{base}/v1/cases", timeout=2)
            raise AssertionError("answered without a credential")
        except urllib.error.HTTPError as refused:
            assert refused.code == 401
            assert json.loads(refused.read())["error"] == "unauthenticated"
        with urllib.request.urlopen(f"{base}/login", timeout=2) as page:  # the web pages too
            assert '<form class="login" method="post" action="/login">' in page.read().decode()
    finally:
        server.terminate()
        server.communicate(timeout=20)
    assert (tmp_path / "cases.sqlite").is_file()


def test_intel_status_agrees_with_the_command_line(tmp_path: Path) -> None:
    bundled.ensure_snapshot(tmp_path)
    shown = run(tmp_path, "intel", "status", "--format", "json")
    assert shown.returncode == 0, shown.stderr
    expected = json.loads(shown.stdout)
    run(tmp_path, "user", "add", "root", "--role", "admin", "--password-stdin", stdin=PASSWORD)
    client, store = _app(tmp_path)
    with client:
        login = client.post("/v1/auth/login", json={"name": "root", "password": PASSWORD})
        assert login.status_code == 200
        status = client.get("/v1/intel/status").json()
    store.close()  # type: ignore[attr-defined]
    assert status["current"] == expected["current"] and status["bundled"] is True
    assert status["demo"] is True
    assert (status["imported_at"], status["newest"]) == (
        expected["imported_at"],
        expected["newest"],
    )
    assert [(s["name"], s["kind"], s["records"], s["withdrawn"]) for s in status["sources"]] == [
        (s["name"], s["kind"], s["records"], s["withdrawn"]) for s in expected["sources"]
    ]
    assert status["feeds"] == expected["feeds"]
    assert status["missing_feeds"] == expected["missing_feeds"]
