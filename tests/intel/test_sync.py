"""`intel sync` against a real HTTP server on 127.0.0.1 serving the shared data.

The server (a `ThreadingHTTPServer` on port 0) honours `Range`, sends ETags and answers
`If-None-Match`; per-path switches make it drop the connection midway, ignore `Range`, serve a
corrupt zip or HTML, and throttle the NVD API with 429. Waits are shortened through `Transport`.
"""

from __future__ import annotations

import hashlib
import io
import json
import socket
import threading
import time
import zipfile
from collections.abc import Iterator
from dataclasses import dataclass, field, replace
from datetime import UTC, datetime, timedelta
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any
from urllib.parse import parse_qs, urlsplit

import pytest
from typer.testing import CliRunner

from chainreview.cli.app import app
from chainreview.errors import InputError, NetworkError
from chainreview.intel import snapshot, sources
from chainreview.intel import sync as syncing
from chainreview.intel.downloads import Outcome
from chainreview.intel.http_client import Transport
from chainreview.intel.interface import FeedKind, IntelError
from chainreview.intel.nvd_api import NVD_REQUESTS, RateLimiter

KEV = "/kev/known_exploited_vulnerabilities.json"
GO_ZIP = "/osv/Go/all.zip"
PYPI_ZIP = "/osv/PyPI/all.zip"
GO_RECORDS = 120
"""Real Go records put in the test all.zip (a slice keeps the import quick)."""
SERVER_PAGE = 12
"""CVEs per NVD page the test server returns, whatever is asked (so 32 CVEs take 3 pages)."""
FAST = Transport(timeout=5, attempts=4, backoff=0.05, max_backoff=0.3, nvd_window=0.5)


@dataclass
class Site:
    """What the server serves and how it misbehaves; the handler reads it, tests set it."""

    files: dict[str, bytes] = field(default_factory=dict)
    nvd: list[dict[str, Any]] = field(default_factory=list)
    nvd_updates: list[dict[str, Any]] = field(default_factory=list)
    drop_once: set[str] = field(default_factory=set)
    """Paths whose next GET stops after half the body and closes the connection."""
    ignore_range: set[str] = field(default_factory=set)
    html: set[str] = field(default_factory=set)
    nvd_min_gap: float = 0.0
    """Seconds the NVD API wants between requests; faster ones get 429."""
    log: list[tuple[str, dict[str, str]]] = field(default_factory=list)
    """(path, headers with lower-case names) of every request."""
    statuses: list[int] = field(default_factory=list)
    last_nvd: float = 0.0
    lock: threading.Lock = field(default_factory=threading.Lock)


class Handler(BaseHTTPRequestHandler):
    """Serves `Site` (set as the server's `site` attribute)."""

    server: Server

    def log_message(self, format: str, *args: Any) -> None:
        """Quiet."""

    def do_GET(self) -> None:
        site = self.server.site
        parts = urlsplit(self.path)
        with site.lock:
            site.log.append((self.path, {k.lower(): v for k, v in self.headers.items()}))
        if parts.path == "/nvd":
            self._nvd(site, parse_qs(parts.query))
            return
        data = site.files.get(parts.path)
        if data is None:
            self._status(404)
            return
        etag = '"' + hashlib.sha256(data).hexdigest()[:16] + '"'
        if self.headers.get("If-None-Match") == etag:
            self._status(304)
            return
        start = 0
        wanted = self.headers.get("Range")
        if wanted and parts.path not in site.ignore_range:
            start = int(wanted.removeprefix("bytes=").removesuffix("-"))
        body = data[start:]
        self.send_response(206 if start else 200)
        self.send_header("ETag", etag)
        kind = "text/html" if parts.path in site.html else "application/octet-stream"
        self.send_header("Content-Type", kind)
        self.send_header("Content-Length", str(len(body)))
        if start:
            self.send_header("Content-Range", f"bytes {start}-{len(data) - 1}/{len(data)}")
        self.end_headers()
        with site.lock:
            site.statuses.append(206 if start else 200)
            drop = parts.path in site.drop_once
            site.drop_once.discard(parts.path)
        if drop:
            self.wfile.write(body[: len(body) // 2])
            self.wfile.flush()
            self.connection.shutdown(socket.SHUT_RDWR)
            self.close_connection = True
            return
        self.wfile.write(body)

    def _nvd(self, site: Site, query: dict[str, list[str]]) -> None:
        now = self.server.clock()
        with site.lock:
            too_fast = now - site.last_nvd < site.nvd_min_gap
            site.last_nvd = now
        if too_fast:
            site.statuses.append(429)
            self._status(429, {"Retry-After": "0"})
            return
        if query.get("resultsPerPage") != ["2000"] or "startIndex" not in query:
            self._status(400)
            return
        start = int(query["startIndex"][0])
        records = site.nvd_updates if "lastModStartDate" in query else site.nvd
        if "lastModStartDate" in query and "lastModEndDate" not in query:
            self._status(400)
            return
        if start % SERVER_PAGE or start > len(records):
            self._status(400)
            return
        page = {
            "resultsPerPage": SERVER_PAGE,
            "startIndex": start,
            "totalResults": len(records),
            "format": "NVD_CVE",
            "version": "2.0",
            "timestamp": "2026-01-01T00:00:00.000",
            "vulnerabilities": records[start : start + SERVER_PAGE],
        }
        body = json.dumps(page).encode()
        site.statuses.append(200)
        self.send_response(200)
        self.send_header("Content-Type", "application/json")
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)

    def _status(self, code: int, headers: dict[str, str] | None = None) -> None:
        self.send_response(code)
        for name, value in (headers or {}).items():
            self.send_header(name, value)
        self.send_header("Content-Length", "0")
        self.end_headers()


class Server(ThreadingHTTPServer):
    """The test server, carrying its `Site`."""

    daemon_threads = True

    def __init__(self, site: Site) -> None:
        super().__init__(("127.0.0.1", 0), Handler)
        self.site = site
        self.clock = time.monotonic

    def handle_error(self, request: object, client_address: object) -> None:
        """Quiet: the connections this server drops on purpose end in resets."""

    @property
    def root(self) -> str:
        """The mirror root URL."""
        return f"http://127.0.0.1:{self.server_address[1]}"


def go_zip(shared_data: Path, count: int = GO_RECORDS) -> bytes:
    """An osv.dev-style all.zip of the first `count` real Go records."""
    files = sorted((shared_data / "golang-vulndb" / "data" / "osv").glob("GO-*.json"))[:count]
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED) as archive:
        for path in files:
            archive.writestr(path.name, path.read_bytes())
    return buffer.getvalue()


def nvd_records(shared_data: Path) -> list[dict[str, Any]]:
    """The 32 real NVD API 2.0 records of the shared data, as `vulnerabilities` items."""
    samples = shared_data / "osv-dev-vulnfeeds-nvd" / "vulnfeeds" / "test_data" / "nvdcve-2.0"
    items = [
        i
        for p in sorted(samples.glob("*.json"))
        for i in json.loads(p.read_text())["vulnerabilities"]
    ]
    firmware = sorted((shared_data / "nvd-cve-firmware-selection").rglob("CVE-*.json"))
    items += [{"cve": json.loads(p.read_text())} for p in firmware]
    return items


@pytest.fixture(autouse=True)
def _no_proxy(monkeypatch: pytest.MonkeyPatch) -> None:
    """Loopback only: no proxy may intercept the test server."""
    for name in (
        "http_proxy",
        "https_proxy",
        "HTTP_PROXY",
        "HTTPS_PROXY",
        "all_proxy",
        "ALL_PROXY",
    ):
        monkeypatch.delenv(name, raising=False)
    monkeypatch.delenv(sources.MIRROR_ENV, raising=False)


@pytest.fixture
def server(shared_data: Path) -> Iterator[Server]:
    """A running server with the real KEV, a Go all.zip and the NVD records."""
    site = Site(
        files={
            KEV: (shared_data / "cisa-kev" / "known_exploited_vulnerabilities.json").read_bytes(),
            GO_ZIP: go_zip(shared_data),
        },
        nvd=nvd_records(shared_data),
    )
    httpd = Server(site)
    thread = threading.Thread(target=httpd.serve_forever, kwargs={"poll_interval": 0.05})
    thread.start()
    try:
        yield httpd
    finally:
        httpd.shutdown()
        httpd.server_close()
        thread.join(timeout=5)


def plan(server: Server, *only: str, **kwargs: Any) -> syncing.Plan:
    """A plan fetching `only` from the test server (every source pointed at its root)."""
    bases = {s.name: f"{server.root}/{s.name}" for s in sources.SOURCES}
    return syncing.Plan(only=only, ecosystems=("Go",), base_urls=bases, **kwargs)


def test_sync_kev_osv_nvd_then_unchanged(server: Server, tmp_path: Path) -> None:
    server.site.nvd_min_gap = 0.1  # the client's second page comes too fast: 429, back off
    result = syncing.sync(tmp_path, plan(server, "osv", "kev", "nvd"), transport=FAST)
    assert result.imported is not None
    with snapshot.open_current(tmp_path) as current:  # type: ignore[union-attr]
        feeds = current.manifest["feeds"]
        assert current.record(FeedKind.NVD, "CVE-2024-3094") is not None
    kev = json.loads(server.site.files[KEV])
    assert feeds["kev"] == len(kev["vulnerabilities"])
    assert feeds["osv"] == GO_RECORDS
    assert feeds["nvd"] == len(server.site.nvd) == 32
    nvd_pages = [p for p, _ in server.site.log if p.startswith("/nvd?")]
    assert {urlsplit(p).query.split("&")[0] for p in nvd_pages} == {
        "startIndex=0",
        "startIndex=12",
        "startIndex=24",
    }
    assert 429 in server.site.statuses  # the client backed off and went on
    again = syncing.sync(tmp_path, plan(server, "osv", "kev"), transport=FAST)
    assert {f.outcome for f in again.fetched} == {Outcome.UNCHANGED}
    assert again.imported is None
    assert snapshot.current_hash(tmp_path) == result.imported.hash


def test_dropped_connection_resumes_with_range(server: Server, tmp_path: Path) -> None:
    server.site.drop_once.add(KEV)
    result = syncing.sync(tmp_path, plan(server, "kev"), transport=FAST)
    (fetched,) = result.fetched
    assert fetched.outcome is Outcome.RESUMED
    assert fetched.path.read_bytes() == server.site.files[KEV]
    half = len(server.site.files[KEV]) // 2
    ranges = [h.get("range") for p, h in server.site.log if p == KEV]
    assert ranges == [None, f"bytes={half}-"]
    assert server.site.statuses[:2] == [200, 206]
    assert not list(fetched.path.parent.glob("*.part"))


def test_server_ignoring_range_restarts_cleanly(server: Server, tmp_path: Path) -> None:
    server.site.drop_once.add(GO_ZIP)
    server.site.ignore_range.add(GO_ZIP)
    result = syncing.sync(tmp_path, plan(server, "osv"), transport=FAST)
    (fetched,) = result.fetched
    assert fetched.outcome is Outcome.DOWNLOADED
    assert fetched.path.read_bytes() == server.site.files[GO_ZIP]


def test_corrupt_zip_fails_and_keeps_the_snapshot(
    server: Server, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    first = syncing.sync(tmp_path, plan(server, "kev"), transport=FAST)
    assert first.imported is not None
    monkeypatch.setenv("CHAINREVIEW_HOME", str(tmp_path))
    runner = CliRunner()
    before = runner.invoke(app, ["intel", "status", "--format", "json"])
    good = server.site.files[GO_ZIP]
    server.site.files[PYPI_ZIP] = good[:100] + bytes(b ^ 0x5A for b in good[100:4000]) + good[4000:]
    bad = replace(plan(server, "osv", "kev"), ecosystems=("PyPI",))
    with pytest.raises(IntelError, match="zip"):
        syncing.sync(tmp_path, bad, transport=FAST)
    assert snapshot.current_hash(tmp_path) == first.imported.hash
    after = runner.invoke(app, ["intel", "status", "--format", "json"])
    assert after.exit_code == 0 and after.stdout == before.stdout
    assert not (syncing.downloads_dir(tmp_path) / "osv" / "PyPI" / "all.zip").exists()


def test_html_answer_and_missing_file_are_refused(server: Server, tmp_path: Path) -> None:
    server.site.html.add(KEV)
    with pytest.raises(IntelError, match="HTML"):
        syncing.sync(tmp_path, plan(server, "kev"), transport=FAST)
    with pytest.raises(NetworkError, match="HTTP 404"):
        syncing.sync(tmp_path, plan(server, "csl"), transport=FAST)
    assert snapshot.current_hash(tmp_path) is None


def closed_port() -> int:
    """A loopback port nothing listens on (connections to it are refused)."""
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


def test_an_unreachable_host_fails_at_once_not_after_retries(tmp_path: Path) -> None:
    """Connection refused is not retried like a 5xx: one attempt, no waits (the default
    transport would wait 2 + 4 + 8 + 16 + 32 s between six attempts)."""
    waits: list[float] = []
    patient = Transport(sleep=waits.append)
    root = f"http://127.0.0.1:{closed_port()}"
    started = time.monotonic()
    with pytest.raises(NetworkError, match="cannot connect") as caught:
        syncing.sync(
            tmp_path, syncing.Plan(only=("kev",), base_urls={"kev": root}), transport=patient
        )
    assert time.monotonic() - started < 5 and waits == []
    assert not isinstance(caught.value, InputError)  # a network failure is not bad input


def test_a_name_that_does_not_resolve_fails_at_once(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    def no_dns(*_args: object, **_kwargs: object) -> object:
        raise socket.gaierror(socket.EAI_NONAME, "Name or service not known")

    monkeypatch.setattr(socket, "getaddrinfo", no_dns)
    waits: list[float] = []
    base = {"kev": "http://feeds.example.invalid/kev"}
    with pytest.raises(NetworkError, match="cannot connect"):
        syncing.sync(
            tmp_path,
            syncing.Plan(only=("kev",), base_urls=base),
            transport=Transport(sleep=waits.append),
        )
    assert waits == []


def test_a_failing_server_is_a_network_error_after_its_retries(tmp_path: Path) -> None:
    site = Site()  # every file 404s but the NVD API, which answers 429 for ever
    site.nvd_min_gap = 3600
    site.last_nvd = time.monotonic()
    httpd = Server(site)
    thread = threading.Thread(target=httpd.serve_forever, kwargs={"poll_interval": 0.05})
    thread.start()
    try:
        with pytest.raises(NetworkError, match="gave up after 4 attempts: HTTP 429"):
            syncing.sync(tmp_path, plan(httpd, "nvd"), transport=FAST)
    finally:
        httpd.shutdown()
        httpd.server_close()
        thread.join(timeout=5)


def test_cli_sync_without_a_network_exits_5_in_one_line(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("CHAINREVIEW_HOME", str(tmp_path))
    root = f"http://127.0.0.1:{closed_port()}"
    started = time.monotonic()
    done = CliRunner().invoke(app, ["intel", "sync", "--only", "kev", "--base-url", f"kev={root}"])
    assert time.monotonic() - started < 10
    assert done.exit_code == 5, done.output
    (line,) = [text for text in done.output.splitlines() if text.strip()]
    assert line.startswith("error:") and "cannot connect" in line and root in line


def test_sha256_sidecar_is_checked(server: Server, tmp_path: Path) -> None:
    data = server.site.files[KEV]
    server.site.files[KEV + ".sha256"] = b"0" * 64 + b"  known_exploited_vulnerabilities.json\n"
    with pytest.raises(IntelError, match="does not match"):
        syncing.sync(tmp_path, plan(server, "kev"), transport=FAST)
    server.site.files[KEV + ".sha256"] = hashlib.sha256(data).hexdigest().encode() + b"\n"
    assert syncing.sync(tmp_path, plan(server, "kev"), transport=FAST).imported is not None


def test_nvd_incremental_update(server: Server, tmp_path: Path, shared_data: Path) -> None:
    start = datetime(2026, 1, 1, tzinfo=UTC)
    syncing.sync(tmp_path, plan(server, "nvd"), transport=FAST, now=start)
    changed = json.loads(json.dumps(server.site.nvd[0]))
    changed["cve"]["descriptions"] = [{"lang": "en", "value": "updated description"}]
    server.site.nvd_updates = [changed]
    later = start + timedelta(days=3)
    result = syncing.sync(tmp_path, plan(server, "nvd"), transport=FAST, now=later)
    assert result.imported is not None
    queries = [parse_qs(urlsplit(p).query) for p, _ in server.site.log if p.startswith("/nvd?")]
    assert queries[-1]["lastModStartDate"] == ["2026-01-01T00:00:00.000+00:00"]
    assert queries[-1]["lastModEndDate"] == ["2026-01-04T00:00:00.000+00:00"]
    with snapshot.open_current(tmp_path) as current:  # type: ignore[union-attr]
        assert current.manifest["feeds"]["nvd"] == 32
        record = current.record(FeedKind.NVD, changed["cve"]["id"])
    assert record["description"] == "updated description"
    server.site.nvd_updates = []
    quiet = syncing.sync(
        tmp_path, plan(server, "nvd"), transport=FAST, now=later + timedelta(days=1)
    )
    assert quiet.imported is None and quiet.fetched == ()


def test_rate_limiter_spaces_requests() -> None:
    now = [0.0]
    waits: list[float] = []

    def sleep(seconds: float) -> None:
        waits.append(seconds)
        now[0] += seconds

    limiter = RateLimiter(
        NVD_REQUESTS,
        Transport(nvd_window=30.0, sleep=sleep, clock=lambda: now[0]),
    )
    for _ in range(12):
        limiter.wait()
        now[0] += 1.0
    assert waits == [25.0, 25.0]  # requests 6 and 11 wait for the window to slide


def test_base_url_resolution(tmp_path: Path) -> None:
    (tmp_path / sources.CONFIG_FILE).write_text(
        'mirror = "http://mirror.test/root"\n[base_url]\nkev = "http://kev.test/feeds/"\n'
    )
    bases = sources.base_urls(tmp_path, {"nvd": "http://nvd.test/api"}, environ={})
    assert bases["kev"] == "http://kev.test/feeds"
    assert bases["nvd"] == "http://nvd.test/api"
    assert bases["osv"] == "http://mirror.test/root/osv"
    env = {sources.MIRROR_ENV: "http://env.test"}
    assert sources.base_urls(tmp_path, {}, environ=env)["epss"] == "http://env.test/epss"
    assert sources.base_urls(tmp_path / "none", {}, environ={})["kev"].startswith(
        "https://www.cisa"
    )
    with pytest.raises(InputError, match="unknown intel source"):
        sources.parse_override("nope=http://x.test")
    with pytest.raises(InputError, match="http"):
        sources.parse_override("kev=file:///etc/passwd")


def test_cli_sync_with_mirror_and_api_key(
    server: Server, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("CHAINREVIEW_HOME", str(tmp_path))
    monkeypatch.setenv(sources.MIRROR_ENV, server.root)
    monkeypatch.setenv("NVD_API_KEY", "test-key")
    done = CliRunner().invoke(app, ["intel", "sync", "--only", "kev,nvd", "--format", "json"])
    assert done.exit_code == 0, done.output
    report = json.loads(done.stdout)
    assert report["hash"] == snapshot.current_hash(tmp_path)
    assert {f["source"] for f in report["fetched"]} == {"kev", "nvd"}
    nvd_headers = [h for p, h in server.site.log if p.startswith("/nvd?")]
    assert nvd_headers and all(h.get("apikey") == "test-key" for h in nvd_headers)
