"""The REST API under bounded load (issue #17): 50 concurrent clients on 127.0.0.1.

    python benchmarks/bench_api.py [--cases N] [--clients N] [--seconds S] [--workers W]
                                   [--url URL] [--quick]

Fills a throwaway case database with N cases (default 1,000; `bench_cases.fill_cases`: each
taken through the procedure, with a submission and three real review rounds) on SQLite under a
temporary home, or on the empty PostgreSQL database `--url` names. Starts `chainreview serve` in
its own process (W uvicorn workers, default 1, as the command runs by default) and, for each
endpoint in turn, runs C clients (default 50) that each send one request after the other for S
seconds (default 60), authenticated by a reviewer's API token (the office sees every case):

* baseline: `GET /v1/cases` without a credential, answered 401 (the framework's floor: routing,
  the error body, no database);
* the case list: `GET /v1/cases` (every case with its deadline);
* a case page: `GET /v1/cases/{id}`, a case picked at random per request;
* a case's findings: `GET /v1/cases/{id}/findings`, when the server has that route.

Prints per endpoint: requests, throughput, p50 and p99 latency, errors (any status but 200, or
a failed connection; 401 for the baseline), p50 as a ratio to the baseline's, and the CPU time
per request of the server's processes (/proc, its workers included) and of the clients' own
process: figures that hold up on a machine busy with other work. Targets: zero
errors everywhere; p99 ≤ 100 ms for the case page with 1,000 cases on PostgreSQL. Prints MET /
MISSED (the case page target is judged only on PostgreSQL) and exits 0 either way.
"""

from __future__ import annotations

import argparse
import asyncio
import os
import secrets
import socket
import statistics
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable, Coroutine
from dataclasses import dataclass, replace
from pathlib import Path
from random import choice
from typing import Final

import httpx2

from bench_cases import fill_cases, reviewed_result
from chainreview.case.access import Caller
from chainreview.case.credentials import Scope, issue_token
from chainreview.case.procedure import Role
from chainreview.case.users import Person, register
from chainreview.store.db import open_store

TARGET_PAGE_P99: Final = 0.100
ADMIN: Final = Caller(name="bench-admin", role=Role.ADMIN, org=None)


@dataclass(frozen=True, slots=True)
class Endpoint:
    """What to ask: a name, the path of each request, and the status that is no error."""

    name: str
    path: Callable[[], str]
    expected: int = 200


@dataclass(frozen=True, slots=True)
class Load:
    """What one endpoint answered under load."""

    name: str
    latencies: tuple[float, ...]
    errors: int
    seconds: float
    server_cpu: float
    """CPU seconds the server's processes used meanwhile (NaN where /proc cannot tell)."""
    client_cpu: float
    """CPU seconds this process (the clients) used meanwhile."""

    def quantile(self, q: int) -> float:
        """The q-th percentile latency in seconds."""
        if len(self.latencies) < 2:
            return self.latencies[0] if self.latencies else float("nan")
        return statistics.quantiles(self.latencies, n=100, method="inclusive")[q - 1]


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--cases", type=int, default=1000)
    parser.add_argument("--clients", type=int, default=50)
    parser.add_argument("--seconds", type=float, default=60.0)
    parser.add_argument("--workers", type=int, default=1, help="serve --workers")
    parser.add_argument(
        "--url", default=None, help="an empty PostgreSQL database (default: SQLite)"
    )
    parser.add_argument("--quick", action="store_true", help="200 cases, 10 s per endpoint")
    args = parser.parse_args()
    cases, seconds = (200, 10.0) if args.quick else (args.cases, args.seconds)
    if args.quick and "--seconds" in sys.argv:
        seconds = args.seconds
    with tempfile.TemporaryDirectory() as scratch:
        home = Path(scratch)
        result = reviewed_result(home / "intel-home")
        with open_store(args.url, home=home) as store:
            started = time.perf_counter()
            ids = fill_cases(store, cases, result)
            register(store, Person(name=ADMIN.name, role=Role.ADMIN), by=None)
            register(store, Person(name="bench-reviewer", role=Role.REVIEWER), by=ADMIN)
            token = issue_token(
                store, "bench-reviewer", frozenset({Scope.CASES_READ}), "bench", by=ADMIN
            ).token
            backend = store.backend
        print(
            f"{backend}: {cases:,} cases filled in {time.perf_counter() - started:.1f} s; "
            f"{args.clients} clients, {seconds:g} s per endpoint, {args.workers} worker(s)"
        )
        port = _free_port()
        server = _serve(home, args.url, port, args.workers)
        try:
            base = f"http://127.0.0.1:{port}"
            _wait_until_up(base, server, home)
            has_findings = "/v1/cases/{case_id}/findings" in httpx2.get(
                f"{base}/openapi.json"
            ).json().get("paths", {})
            endpoints: list[Endpoint] = [
                Endpoint("baseline: GET /v1/cases, no credential", lambda: "/v1/cases", 401),
                Endpoint("case list: GET /v1/cases", lambda: "/v1/cases"),
                Endpoint("case page: GET /v1/cases/{id}", lambda: f"/v1/cases/{choice(ids)}"),
            ]
            if has_findings:
                endpoints.append(
                    Endpoint(
                        "findings: GET /v1/cases/{id}/findings",
                        lambda: f"/v1/cases/{choice(ids)}/findings",
                    )
                )
            loads = [
                _measured(server.pid, _load(endpoint, base, token, args.clients, seconds))
                for endpoint in endpoints
            ]
        finally:
            server.terminate()
            server.wait(timeout=30)
    _report(loads, backend, has_findings)


def _report(loads: list[Load], backend: str, has_findings: bool) -> None:
    baseline = loads[0].quantile(50)
    print(f"  {'endpoint':<40} {'requests':>9} {'req/s':>8} {'p50 ms':>8} {'p99 ms':>8} "
          f"{'errors':>7} {'p50 / baseline':>15} {'server CPU ms':>14} "
          f"{'client CPU ms':>14}")  # fmt: skip
    for load in loads:
        p50, p99 = load.quantile(50), load.quantile(99)
        count = len(load.latencies) or 1
        print(
            f"  {load.name:<40} {len(load.latencies):>9,} "
            f"{len(load.latencies) / load.seconds:>8.1f} {p50 * 1000:>8.1f} {p99 * 1000:>8.1f} "
            f"{load.errors:>7} {p50 / baseline:>14.1f}× {load.server_cpu * 1000 / count:>14.2f} "
            f"{load.client_cpu * 1000 / count:>14.2f}"
        )
    print(
        "  (server / client CPU ms: CPU time per request of the server's processes and of the "
        "clients' process, whatever else the machine ran)"
    )
    errors = sum(load.errors for load in loads)
    print(f"zero errors: {errors} errors: {'MET' if errors == 0 else 'MISSED'}")
    page = next(load for load in loads if load.name.startswith("case page"))
    p99 = page.quantile(99) * 1000
    if backend == "postgresql":
        verdict = "MET" if page.quantile(99) <= TARGET_PAGE_P99 else "MISSED"
        print(f"case page p99 ≤ 100 ms on PostgreSQL: {p99:.1f} ms: {verdict}")
    else:
        print(f"case page p99 ≤ 100 ms is judged on PostgreSQL (--url); here {p99:.1f} ms")
    if not has_findings:
        print("findings: the server has no GET /v1/cases/{case_id}/findings route yet")


def _measured(pid: int, load: Coroutine[None, None, Load]) -> Load:
    """`load` run, with the CPU time the server (`pid` and its workers) and this process
    used meanwhile: what a request costs, whatever else the machine was doing."""
    server, client = _tree_cpu(pid), time.process_time()
    done = asyncio.run(load)
    return replace(
        done, server_cpu=_tree_cpu(pid) - server, client_cpu=time.process_time() - client
    )


def _tree_cpu(pid: int) -> float:
    """User and system CPU seconds of process `pid` and its descendants (Linux /proc)."""
    parents: dict[int, int] = {}
    used: dict[int, float] = {}
    for stat in Path("/proc").glob("[0-9]*/stat"):
        try:
            fields = stat.read_text().rsplit(")", 1)[1].split()
        except (OSError, IndexError):
            continue  # gone meanwhile, or no /proc
        child = int(stat.parent.name)
        parents[child] = int(fields[1])
        used[child] = (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")
    if pid not in used:
        return float("nan")
    tree, grown = {pid}, True
    while grown:
        more = {child for child, parent in parents.items() if parent in tree} - tree
        tree |= more
        grown = bool(more)
    return sum(used[member] for member in tree)


async def _load(endpoint: Endpoint, base: str, token: str, clients: int, seconds: float) -> Load:
    latencies: list[float] = []
    errors = 0
    limits = httpx2.Limits(max_connections=clients, max_keepalive_connections=clients)
    headers = {"Authorization": f"Bearer {token}"} if endpoint.expected == 200 else {}
    deadline = time.perf_counter() + seconds

    async def client(http: httpx2.AsyncClient) -> None:
        nonlocal errors
        while time.perf_counter() < deadline:
            started = time.perf_counter()
            try:
                answer = await http.get(endpoint.path())
                ok = answer.status_code == endpoint.expected
            except httpx2.HTTPError:
                ok = False
            latencies.append(time.perf_counter() - started)
            errors += not ok

    async with httpx2.AsyncClient(
        base_url=base, headers=headers, limits=limits, timeout=30.0
    ) as http:
        begun = time.perf_counter()
        await asyncio.gather(*(client(http) for _ in range(clients)))
        took = time.perf_counter() - begun
    return Load(
        name=endpoint.name,
        latencies=tuple(latencies),
        errors=errors,
        seconds=took,
        server_cpu=float("nan"),
        client_cpu=float("nan"),
    )


def _serve(home: Path, url: str | None, port: int, workers: int) -> subprocess.Popen[bytes]:
    environment = {
        **os.environ,
        "CHAINREVIEW_HOME": str(home),
        "CHAINREVIEW_SECRET_KEY": secrets.token_urlsafe(32),
    }
    environment.pop("CHAINREVIEW_DATABASE_URL", None)
    environment.pop("CHAINREVIEW_DEV", None)
    if url is not None:
        environment["CHAINREVIEW_DATABASE_URL"] = url
    command = [sys.executable, "-m", "chainreview", "serve", "--port", str(port)]
    command += ["--workers", str(workers)]
    log = (home / "serve.log").open("wb")  # a file: a pipe nobody reads would stall the server
    return subprocess.Popen(command, env=environment, stdout=subprocess.DEVNULL, stderr=log)


def _wait_until_up(base: str, server: subprocess.Popen[bytes], home: Path) -> None:
    for _ in range(600):
        if server.poll() is not None:
            told = (home / "serve.log").read_bytes().decode(errors="replace")[-2000:]
            raise SystemExit(f"chainreview serve stopped: {told}")
        try:
            if httpx2.get(f"{base}/openapi.json", timeout=1.0).status_code == 200:
                return
        except httpx2.HTTPError:
            time.sleep(0.1)
    raise SystemExit("chainreview serve did not answer within 60 s")


def _free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port: int = probe.getsockname()[1]
        return port


if __name__ == "__main__":
    main()
