"""The OSV query service on the bundled snapshot: osv.dev's shapes (`{}` for nothing, ids and
`modified` in a batch, whole records by id), its refusals, who may query (a token with
`intel:read`, as a bearer or as the HTTP Basic password; anyone when opened), and pip-audit
2.10.1 — a real OSV client — pointed at a live server on 127.0.0.1 with `--osv-url`, reporting
exactly the advisories worked out by hand from the PyPA records."""

from __future__ import annotations

import base64
import dataclasses
import json
import os
import socket
import subprocess
import sys
import time
import urllib.error
import urllib.request
from pathlib import Path
from typing import Any, Final

from api_kit import ADMIN, REVIEWER, SECRET, World, settings
from fastapi.testclient import TestClient
from test_api_cli import PASSWORD, run

from chainreview.api.app import create_app
from chainreview.case.credentials import Scope, issue_token
from chainreview.intel import bundled

REQUESTS: Final = {"package": {"name": "requests", "ecosystem": "PyPI"}, "version": "2.19.1"}
PINNED: Final = {
    # requests: PYSEC-2018-28 <2.20.0; PYSEC-2023-74 2.3.0..2.31.0 (2014-13/-14 fixed 2.3.0,
    # 2015-17 2.1.0..2.6.0: not 2.19.1)
    ("requests", "2.19.1"): ["PYSEC-2018-28", "PYSEC-2023-74"],
    # flask: PYSEC-2018-66 <0.12.3, PYSEC-2019-179 <1.0, PYSEC-2023-62 <2.2.5
    ("flask", "0.12.2"): ["PYSEC-2018-66", "PYSEC-2019-179", "PYSEC-2023-62"],
    # PyYAML: PYSEC-2020-96 5.1..5.3.1, PYSEC-2021-142 <5.4 (2018-49 <5.1, 2020-176 5.1..5.2b1)
    ("pyyaml", "5.3"): ["PYSEC-2020-96", "PYSEC-2021-142"],
    # no PyPA record of requests-toolbelt
    ("requests-toolbelt", "1.0.0"): [],
}
"""What pip-audit must report for the pins, worked out by hand from the PyPA YAML files."""


def _query(client: TestClient, body: Any, **headers: str) -> Any:
    return client.post("/v1/query", json=body, headers=headers)


def test_queries_are_answered_in_osvs_shapes(world: World) -> None:
    bundled.ensure_snapshot(world.backend.home)
    auth = world.auth(REVIEWER)
    with world.client() as client:
        found = _query(client, REQUESTS, **auth)
        assert found.status_code == 200
        vulns = found.json()["vulns"]
        assert [v["id"] for v in vulns] == ["PYSEC-2018-28", "PYSEC-2023-74"]
        for vuln in vulns:  # whole records, as GET /v1/vulns/{id} gives them
            alone = client.get(f"/v1/vulns/{vuln['id']}", headers=auth)
            assert alone.status_code == 200 and alone.json() == vuln
            assert vuln["affected"][0]["package"]["name"] == "requests"
        assert _query(client, REQUESTS, **auth).content == found.content  # same bytes
        # a body with no Content-Type, as pip-audit sends it, is read as JSON
        bare = client.post("/v1/query", content=json.dumps(REQUESTS).encode(), headers=auth)
        assert bare.status_code == 200 and bare.content == found.content
        clean = {"package": {"name": "requests", "ecosystem": "PyPI"}, "version": "2.31.0"}
        nothing = _query(client, clean, **auth)
        assert nothing.status_code == 200 and nothing.json() == {}  # as osv.dev answers
        # empty strings are fields left out, as in osv.dev's protocol buffers
        by_purl = {"package": {"purl": "pkg:pypi/requests@2.19.1", "name": ""}, "commit": ""}
        assert _query(client, by_purl, **auth).content == found.content
        batch = client.post(
            "/v1/querybatch",
            json={"queries": [REQUESTS, clean, {"package": {"purl": "pkg:pypi/flask@2.3.1"}}]},
            headers=auth,
        )
        assert batch.status_code == 200
        assert batch.json() == {
            "results": [
                {
                    "vulns": [
                        {"id": "PYSEC-2018-28", "modified": "2021-06-16T00:03:24.800813Z"},
                        {"id": "PYSEC-2023-74", "modified": "2023-06-05T01:13:00.534973Z"},
                    ]
                },
                {},
                {"vulns": [{"id": "PYSEC-2023-62", "modified": "2023-06-05T01:12:52.229549Z"}]},
            ]
        }
        odd = {"package": {"name": "flask", "ecosystem": "PyPI"}, "version": "not a version!"}
        undecided = _query(client, odd, **auth).json()
        assert set(undecided) == {"undetermined"}
        assert undecided["undetermined"][0]["ids"] == [
            "PYSEC-2018-66",
            "PYSEC-2019-179",
            "PYSEC-2023-62",
        ]


def test_a_batch_of_a_thousand_queries_is_answered(world: World) -> None:
    """osv-scanner sends 1,000 queries a batch: some 90 KB, past the other routes' 64 KiB."""
    bundled.ensure_snapshot(world.backend.home)
    queries = [REQUESTS] * 1000
    with world.client() as client:
        answer = client.post(
            "/v1/querybatch", json={"queries": queries}, headers=world.auth(REVIEWER)
        )
        too_many = client.post(
            "/v1/querybatch", json={"queries": [REQUESTS] * 1001}, headers=world.auth(REVIEWER)
        )
    assert len(json.dumps({"queries": queries})) > 64 * 1024
    assert answer.status_code == 200
    results = answer.json()["results"]
    assert len(results) == 1000
    assert {tuple(v["id"] for v in r["vulns"]) for r in results} == {
        ("PYSEC-2018-28", "PYSEC-2023-74")
    }
    assert too_many.status_code == 422


def test_what_cannot_be_answered_is_refused_in_one_line(world: World) -> None:
    bundled.ensure_snapshot(world.backend.home)
    auth = world.auth(REVIEWER)
    with world.client() as client:
        commit = _query(client, {"commit": "6879efc2c1596d11a6a6ad296f80063b558d5e0f"}, **auth)
        assert commit.status_code == 400
        assert commit.json() == {
            "error": "bad-query",
            "message": "query: queries by commit are not answered here: the intel snapshot "
            "holds no repository histories; query by package and version",
        }
        npm = {"package": {"purl": "pkg:npm/lodash@4.17.20"}}
        batch = client.post("/v1/querybatch", json={"queries": [REQUESTS, npm]}, headers=auth)
        assert batch.status_code == 400
        assert batch.json()["message"].startswith("queries[1]: the intel snapshot holds no npm")
        missing = client.get("/v1/vulns/CVE-2018-18074", headers=auth)
        assert missing.status_code == 404
        assert missing.json() == {
            "error": "not-found",
            "message": "no vulnerability CVE-2018-18074 in the intel snapshot",
        }
        unknown_field = _query(client, {**REQUESTS, "ecosystem": "PyPI"}, **auth)
        assert unknown_field.status_code == 422


def test_no_snapshot_is_a_503_not_an_empty_answer(world: World) -> None:
    with world.client() as client:
        answer = _query(client, REQUESTS, **world.auth(REVIEWER))
    assert answer.status_code == 503
    assert answer.json()["error"] == "no-snapshot"


def test_who_may_query(world: World) -> None:
    bundled.ensure_snapshot(world.backend.home)
    cases_only = issue_token(world.store, REVIEWER.name, {Scope.CASES_READ}, "t", by=ADMIN).token
    intel = issue_token(world.store, REVIEWER.name, {Scope.INTEL_READ}, "t", by=ADMIN).token

    def basic(password: str) -> str:
        return "Basic " + base64.b64encode(f"osv:{password}".encode()).decode()

    with world.client() as client:
        assert _query(client, REQUESTS).status_code == 401
        assert _query(client, REQUESTS, Authorization=f"Bearer {cases_only}").status_code == 403
        assert _query(client, REQUESTS, Authorization=f"Bearer {intel}").status_code == 200
        assert _query(client, REQUESTS, Authorization=basic(intel)).status_code == 200
        assert _query(client, REQUESTS, Authorization=basic(cases_only)).status_code == 403
        refused = _query(client, REQUESTS, Authorization=basic("crt_not-a-token"))
        assert refused.status_code == 401
        assert refused.json()["message"] == "unknown or revoked API token"
        # Basic is for the OSV routes only
        assert client.get("/v1/cases", headers={"Authorization": basic(intel)}).status_code == 401
    opened = create_app(dataclasses.replace(settings(world.backend), osv_open=True), world.store)
    with TestClient(opened, base_url="https://testserver") as anyone:
        assert _query(anyone, REQUESTS).status_code == 200
        assert anyone.get("/v1/vulns/PYSEC-2018-28").status_code == 200
        assert anyone.get("/v1/intel/status").status_code == 401  # nothing else opens


def _pip_audit(url: str, requirements: Path, cache: Path) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "pip_audit", "-r", str(requirements), "--no-deps",
         "--disable-pip", "-s", "osv", "--osv-url", url, "--cache-dir", str(cache),
         "--progress-spinner", "off", "-f", "json"],
        capture_output=True, text=True, timeout=120, check=False,
    )  # fmt: skip


def test_pip_audit_pointed_at_a_live_server_reports_what_the_snapshot_holds(
    tmp_path: Path,
) -> None:
    home = tmp_path / "home"
    bundled.ensure_snapshot(home)
    added = run(home, "user", "add", "root", "--role", "admin", "--password-stdin", stdin=PASSWORD)
    assert added.returncode == 0, added.stderr
    made = run(home, "user", "token", "create", "root", "--scope", "intel:read",
               "--label", "pip-audit", "--as-user", "root", "--format", "json")  # fmt: skip
    assert made.returncode == 0, made.stderr
    token = json.loads(made.stdout)["token"]
    requirements = tmp_path / "requirements.txt"
    requirements.write_text(
        "requests==2.19.1\nflask==0.12.2\nPyYAML==5.3\nrequests-toolbelt==1.0.0\n"
    )
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    environment = {**os.environ, "CHAINREVIEW_HOME": str(home), "CHAINREVIEW_SECRET_KEY": SECRET}
    for name in ("CHAINREVIEW_DATABASE_URL", "CHAINREVIEW_DEV", "CHAINREVIEW_OSV_OPEN"):
        environment.pop(name, None)
    server = subprocess.Popen(
        [sys.executable, "-m", "chainreview", "serve", "--host", "127.0.0.1", "--port", str(port)],
        env=environment,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.PIPE,
    )
    base = f"127.0.0.1:{port}"
    try:
        _wait_for(f"http://{base}/openapi.json")
        refused = _pip_audit(f"http://{base}/v1/query", requirements, tmp_path / "cache")
        assert refused.returncode != 0 and "401" in refused.stderr
        audited = _pip_audit(f"http://osv:{token}@{base}/v1/query", requirements, tmp_path / "c2")
    finally:
        server.terminate()
        server.communicate(timeout=20)
    assert audited.returncode == 1, audited.stderr  # 1: vulnerabilities found
    report = json.loads(audited.stdout)
    found = {
        (d["name"], d["version"]): sorted(v["id"] for v in d["vulns"])
        for d in report["dependencies"]
    }
    assert found == PINNED
    fixes = {v["id"]: v["fix_versions"] for d in report["dependencies"] for v in d["vulns"]}
    assert fixes["PYSEC-2023-62"] == ["2.2.5", "2.3.2"]  # read from the records we served


def _wait_for(url: str) -> None:
    for _ in range(150):
        try:
            with urllib.request.urlopen(url, timeout=2):
                return
        except (urllib.error.URLError, ConnectionError):
            time.sleep(0.1)
    raise AssertionError("the server did not answer")
