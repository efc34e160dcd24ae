"""`chainreview serve --workers 2`: two uvicorn worker processes over one case database, one
development secret for both (a session cookie either signs works on the other), and each counts
its share of the failed-login budget."""

from __future__ import annotations

import http.client
import json
import os
import socket
import subprocess
import sys
import time
from pathlib import Path

PASSWORD = "a long enough passphrase"


def _workers(pid: int) -> list[int]:
    """The server's worker processes (multiprocessing's; not its resource tracker)."""
    found = [int(child) for child in Path(f"/proc/{pid}/task/{pid}/children").read_text().split()]
    return [c for c in found if b"spawn_main" in Path(f"/proc/{c}/cmdline").read_bytes()]


def _request(
    port: int, method: str, path: str, body: dict[str, str] | None = None, cookie: str = ""
) -> tuple[int, list[str], bytes]:
    """One request on a new connection (the kernel hands each to either worker): its status,
    the cookies it sets, its body."""
    connection = http.client.HTTPConnection("127.0.0.1", port, timeout=10)
    headers = {"Content-Type": "application/json", "Cookie": cookie} if body or cookie else {}
    try:
        connection.request(method, path, body=json.dumps(body) if body else None, headers=headers)
        answer = connection.getresponse()
        return answer.status, answer.headers.get_all("set-cookie") or [], answer.read()
    finally:
        connection.close()


def test_two_workers_share_the_database_and_the_session_secret(tmp_path: Path) -> None:
    environment = {**os.environ, "CHAINREVIEW_HOME": str(tmp_path)}
    for name in ("CHAINREVIEW_DATABASE_URL", "CHAINREVIEW_SECRET_KEY", "CHAINREVIEW_DEV"):
        environment.pop(name, None)
    added = subprocess.run(
        [sys.executable, "-m", "chainreview", "user", "add", "root", "--role", "admin",
         "--password-stdin"],
        input=PASSWORD, capture_output=True, text=True, env=environment, timeout=120, check=False,
    )  # fmt: skip
    assert added.returncode == 0, added.stderr
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    server = subprocess.Popen(
        [sys.executable, "-m", "chainreview", "serve", "--dev", "--workers", "2",
         "--port", str(port)],
        env=environment, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE,
    )  # fmt: skip
    try:
        for _ in range(300):
            try:
                if _request(port, "GET", "/openapi.json")[0] == 200:
                    break
            except OSError:
                time.sleep(0.1)
        else:
            raise AssertionError("the server did not answer")
        for _ in range(100):  # the second worker may still be starting
            if len(_workers(server.pid)) >= 2:
                break
            time.sleep(0.1)
        assert len(_workers(server.pid)) == 2
        status, cookies, _ = _request(
            port, "POST", "/v1/auth/login", {"name": "root", "password": PASSWORD}
        )
        assert status == 200
        cookie = "; ".join(c.split(";")[0] for c in cookies)
        # 20 new connections: were the secrets the workers' own, about half would be refused.
        answers = [_request(port, "GET", "/v1/cases", cookie=cookie)[0] for _ in range(20)]
        assert answers == [200] * 20
        # Each worker counts ceil(5 / 2) = 3 failed logins per account: 6 in all, not 10.
        wrong = {"name": "root", "password": "not the passphrase"}
        tries = [_request(port, "POST", "/v1/auth/login", wrong)[0] for _ in range(12)]
        assert set(tries) == {401, 429} and tries.count(401) <= 6
    finally:
        server.terminate()
        server.communicate(timeout=30)
