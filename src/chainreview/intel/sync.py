"""`intel sync`: download the official feeds, resume, verify, and import them in one step.

Files go to `$CHAINREVIEW_HOME/intel/downloads/<source>/<path>`. A download is written to
`<file>.part` and renamed when complete; an interrupted one resumes with an HTTP `Range` request
(guarded by `If-Range` with the server's validator), and starts over cleanly when the server
ignores the range or the validator changed. A finished file keeps its ETag/Last-Modified in
`<file>.meta.json`, so the next sync asks `If-None-Match`/`If-Modified-Since` and reuses it on
`304 Not Modified`. Each request has a timeout; stalls, dropped connections, short reads, `429`
and `5xx` are retried a bounded number of times with doubling waits (honouring `Retry-After`).
A host that cannot be reached at all — its name does not resolve, the connection is refused, no
route leads to it — is not retried: the sync stops at once with a `NetworkError`, as it does
when retries run out or the server answers another error status. A network failure is never
reported as bad input; a file that arrives but is wrong is (`IntelError`).

Every file is verified before anything is imported: the size caps of `chainreview.limits`, no
HTML answer where a feed was expected, a `<file>.sha256` sidecar when the server publishes one,
a zip read end to end through `zipsafe` (central directory, member CRCs), and the feed kind
detected from the content by the importer's own readers. The NVD API is paged by `startIndex`
and `resultsPerPage` under NVD's rate limit (5 requests per 30 s, 50 with an API key); once a full
download has been imported, later syncs fetch only what changed since (`lastModStartDate`,
`lastModEndDate`, windows up to 120 days) and import it over the earlier pages.

Everything fetched is then imported in one `importer.import_paths` call, so a failed sync —
download, verification or import — leaves the previous snapshot current. Progress is reported
through a `SyncObserver`; the core prints nothing.
"""

from __future__ import annotations

import collections
import errno
import fcntl
import hashlib
import http.client
import os
import re
import shutil
import socket
import time
import urllib.error
import urllib.parse
import urllib.request
import zlib
from collections.abc import Callable, Iterator, Mapping
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from email.message import Message
from enum import StrEnum
from pathlib import Path
from typing import Any, Final, Protocol, TypeVar

import orjson

from chainreview import limits, raw
from chainreview.errors import LimitExceeded, NetworkError
from chainreview.intel import importer, snapshot, sources, zipsafe
from chainreview.intel.interface import FeedKind, IntelError
from chainreview.version import __version__

USER_AGENT: Final = f"chainreview/{__version__} (intel sync)"
NVD_PAGE_SIZE: Final = 2000
"""`resultsPerPage` asked of the NVD API (its maximum for CVEs)."""
NVD_REQUESTS: Final = 5
"""Requests NVD allows per rate window without an API key."""
NVD_REQUESTS_WITH_KEY: Final = 50
"""Requests NVD allows per rate window with an API key (sent as the `apiKey` header)."""
NVD_MAX_WINDOW: Final = timedelta(days=120)
"""Longest `lastModStartDate`..`lastModEndDate` range NVD accepts; older syncs start over."""

_UNREACHABLE: Final = frozenset(
    {errno.ECONNREFUSED, errno.ENETUNREACH, errno.EHOSTUNREACH, errno.EADDRNOTAVAIL}
)
"""Connection failures that waiting does not cure: not retried."""
_RETRY_STATUSES: Final = frozenset({408, 425, 429, 500, 502, 503, 504})
_NVD_RETRY_STATUSES: Final = _RETRY_STATUSES | {403}
"""NVD answers 403 when a client goes over its rate limit."""
_CHUNK: Final = 256 * 1024
_SHA256: Final = re.compile(rb"\s*([0-9a-fA-F]{64})(?:\s|$)")
_CONTENT_RANGE: Final = re.compile(r"bytes (\d+)-\d+/(?:\d+|\*)")

_T = TypeVar("_T")


class SyncObserver(Protocol):
    """Receives progress from a sync (the CLI draws it; the core never prints)."""

    def transfer(self, label: str, done: int, total: int | None) -> None:
        """Progress of one download: bytes of a file (`total` when the server said), or CVEs
        of the NVD API (`total` is its `totalResults`)."""

    def note(self, message: str) -> None:
        """Something worth telling: a retry, a rate-limit wait, a file reused."""

    def reading(self, display: str, done: int, total: int) -> None:
        """Import progress: files of input `display` read (see `importer.Progress`)."""


@dataclass(frozen=True, slots=True, kw_only=True)
class Transport:
    """How requests behave on the wire; tests shorten the waits."""

    timeout: float = 60.0
    """Seconds a connection or a read may stall."""
    attempts: int = 6
    """Tries per request, the first included."""
    backoff: float = 2.0
    """Seconds before the first retry; each further retry doubles it."""
    max_backoff: float = 120.0
    """Longest wait before a retry, `Retry-After` included."""
    nvd_window: float = 30.0
    """Seconds of NVD's rate window (`NVD_REQUESTS` requests per window)."""
    sleep: Callable[[float], None] = time.sleep
    clock: Callable[[], float] = time.monotonic


@dataclass(frozen=True, slots=True, kw_only=True)
class Plan:
    """What to sync."""

    only: tuple[str, ...] = ()
    """Source names to sync (`sources.SOURCES`); empty means all."""
    ecosystems: tuple[str, ...] = sources.DEFAULT_ECOSYSTEMS
    alpine_branches: tuple[str, ...] = sources.DEFAULT_ALPINE_BRANCHES
    base_urls: Mapping[str, str] = field(default_factory=dict)
    """Per-source base URL overrides (`--base-url NAME=URL`)."""
    nvd_api_key: str | None = None
    workers: int = 1
    """Processes that parse OSV records during the import."""
    replace: bool = False
    """Replace each source even when that removes many of its records (see `importer`)."""


class Outcome(StrEnum):
    """How a file was obtained."""

    DOWNLOADED = "downloaded"
    RESUMED = "resumed"
    UNCHANGED = "unchanged"
    """The server answered 304 Not Modified; the earlier download was reused."""


@dataclass(frozen=True, slots=True, kw_only=True)
class Fetched:
    """One file a sync obtained."""

    source: str
    url: str
    path: Path
    size: int
    outcome: Outcome


@dataclass(frozen=True, slots=True, kw_only=True)
class SyncResult:
    """The outcome of a successful sync: the files and the import that made them current."""

    fetched: tuple[Fetched, ...]
    imported: importer.ImportResult | None
    """None when nothing changed (every file unchanged, no NVD update): no import was needed."""


def downloads_dir(home: Path) -> Path:
    """Return `$CHAINREVIEW_HOME/intel/downloads`."""
    return snapshot.intel_dir(home) / "downloads"


def sync(
    home: Path,
    plan: Plan | None = None,
    *,
    transport: Transport | None = None,
    observer: SyncObserver | None = None,
    environ: Mapping[str, str] | None = None,
    now: datetime | None = None,
) -> SyncResult:
    """Download, verify and import the planned sources (see the module doc)."""
    plan = plan or Plan()
    transport = transport or Transport()
    chosen = [sources.by_name(name) for name in plan.only] or list(sources.SOURCES)
    bases = sources.base_urls(home, plan.base_urls, environ)
    folder = downloads_dir(home)
    folder.mkdir(parents=True, exist_ok=True)
    with (folder / "lock").open("a") as lock:
        try:
            fcntl.flock(lock, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except BlockingIOError as exc:
            raise IntelError(str(folder), "another intel sync is running") from exc
        client = _Client(transport, observer)
        fetched: list[Fetched] = []
        nvd: _NvdRun | None = None
        for source in sorted({s.name: s for s in chosen}.values(), key=sources.SOURCES.index):
            base = bases[source.name]
            if source.is_api:
                nvd = _NvdRun(client, base, folder / source.name, plan.nvd_api_key, now)
                fetched.extend(nvd.fetch())
                continue
            for relative in source.files(plan.ecosystems, plan.alpine_branches):
                url = f"{base}/{relative}"
                target = folder / source.name / urllib.parse.unquote(relative)
                label = f"{source.name}/{urllib.parse.unquote(relative)}"
                fetched.append(client.download(source, url, target, label))
        inputs = [f.path for f in fetched if f.source != "nvd"]
        if nvd is not None:
            inputs.extend(nvd.inputs())
        if not _needs_import(home, fetched, inputs):
            if nvd is not None:
                nvd.commit()
            return SyncResult(fetched=tuple(fetched), imported=None)
        try:
            result = importer.import_paths(
                inputs,
                home=home,
                workers=plan.workers,
                progress=None if observer is None else observer.reading,
                complete=True,  # the publishers' whole feeds (NVD: all pages, then changes)
                replace=plan.replace,
            )
        except BaseException:
            for item in fetched:  # fetch these again next time rather than reuse them on 304
                _meta_path(item.path).unlink(missing_ok=True)
            raise
        if nvd is not None:
            nvd.commit()
        return SyncResult(fetched=tuple(fetched), imported=result)


def _needs_import(home: Path, fetched: list[Fetched], inputs: list[Path]) -> bool:
    """Whether anything is new, or the current snapshot was not built from these very files."""
    if any(item.outcome is not Outcome.UNCHANGED for item in fetched):
        return True
    current = snapshot.open_current(home)
    if current is None:
        return bool(inputs)
    with current:
        built_from = {name for s in current.manifest["sources"] for name in s["inputs"]}
    return any(str(path) not in built_from for path in inputs)


# --- HTTP -----------------------------------------------------------------------------------


class _Transient(Exception):
    """A failure worth retrying: connection trouble, a short read, 429, 5xx."""

    def __init__(self, reason: str, retry_after: float | None = None) -> None:
        super().__init__(reason)
        self.retry_after = retry_after


class _Client:
    """Requests with timeouts, bounded retries and resumable downloads."""

    def __init__(self, transport: Transport, observer: SyncObserver | None) -> None:
        self._transport = transport
        self._observer = observer
        self._opener = urllib.request.build_opener()

    @property
    def transport(self) -> Transport:
        """The wire settings."""
        return self._transport

    def _note(self, message: str) -> None:
        if self._observer is not None:
            self._observer.note(message)

    def progress(self, label: str, done: int, total: int | None) -> None:
        """Report progress to the observer, if any."""
        if self._observer is not None:
            self._observer.transfer(label, done, total)

    def retrying(self, what: str, attempt: Callable[[], _T]) -> _T:
        """Run `attempt` until it succeeds, retrying `_Transient` failures with backoff."""
        t = self._transport
        failure: _Transient | None = None
        for number in range(t.attempts):
            if failure is not None:
                delay = min(t.max_backoff, max(failure.retry_after or 0.0, t.backoff * 2**number))
                self._note(f"{what}: {failure}; retry {number} in {delay:.1f} s")
                t.sleep(delay)
            try:
                return attempt()
            except _Transient as exc:
                failure = exc
        raise NetworkError(what, f"gave up after {t.attempts} attempts: {failure}") from failure

    def open(
        self, url: str, headers: Mapping[str, str], retry_on: frozenset[int]
    ) -> http.client.HTTPResponse:
        """Send one GET; transient failures raise `_Transient`, an unreachable host
        `NetworkError`, other HTTP errors `HTTPError`."""
        request = urllib.request.Request(
            url, headers={"User-Agent": USER_AGENT, "Accept-Encoding": "identity", **headers}
        )
        try:
            response: http.client.HTTPResponse = self._opener.open(
                request, timeout=self._transport.timeout
            )
        except urllib.error.HTTPError as exc:
            if exc.code in retry_on:
                exc.close()
                raise _Transient(f"HTTP {exc.code}", _retry_after(exc.headers)) from exc
            raise
        except (urllib.error.URLError, OSError, http.client.HTTPException) as exc:
            reason = getattr(exc, "reason", None) or exc
            if isinstance(reason, socket.gaierror) or (
                isinstance(reason, OSError) and reason.errno in _UNREACHABLE
            ):
                raise NetworkError(url, f"cannot connect: {reason}") from exc
            raise _Transient(str(reason)) from exc
        if response.headers.get_content_type() == "text/html":
            response.close()
            raise IntelError(url, "the server answered with an HTML page, not a feed")
        return response

    def chunks(self, response: http.client.HTTPResponse) -> Iterator[bytes]:
        """The body in chunks; a stall or a reset becomes `_Transient`."""
        while True:
            try:
                chunk = response.read(_CHUNK)
            except (OSError, http.client.HTTPException) as exc:
                raise _Transient(f"connection lost: {exc}") from exc
            if not chunk:
                return
            yield chunk

    def get_bytes(
        self,
        url: str,
        *,
        headers: Mapping[str, str] | None = None,
        limit: int,
        retry_on: frozenset[int] = _RETRY_STATUSES,
        before: Callable[[], None] | None = None,
    ) -> bytes:
        """GET a whole (small) body with retries; `before` runs ahead of every attempt."""

        def attempt() -> bytes:
            if before is not None:
                before()
            try:
                response = self.open(url, headers or {}, retry_on)
            except urllib.error.HTTPError as exc:
                exc.close()
                raise NetworkError(url, f"HTTP {exc.code} {exc.reason}") from exc
            with response:
                expected = _content_length(response.headers)
                if expected is not None and expected > limit:
                    raise LimitExceeded(url, f"response of {expected:,} bytes, over {limit:,}")
                body = bytearray()
                for chunk in self.chunks(response):
                    body += chunk
                    if len(body) > limit:
                        raise LimitExceeded(url, f"response over {limit:,} bytes")
            if expected is not None and len(body) < expected:
                raise _Transient(f"connection closed after {len(body):,} of {expected:,} bytes")
            return bytes(body)

        return self.retrying(url, attempt)

    def download(self, source: sources.Source, url: str, target: Path, label: str) -> Fetched:
        """Fetch `url` into `target` (resuming, reusing on 304) and verify it."""
        target.parent.mkdir(parents=True, exist_ok=True)
        outcome = self.retrying(url, lambda: self._download_once(url, target, label))
        if outcome is not Outcome.UNCHANGED:
            try:
                digest = self._verify(source, url, target)
            except BaseException:
                target.unlink(missing_ok=True)
                _meta_path(target).unlink(missing_ok=True)
                raise
            _write_json(_meta_path(target), {**_read_json(_part_meta(target)), "sha256": digest})
            _part_meta(target).unlink(missing_ok=True)
        else:
            self._note(f"{url}: not modified, reusing {target.name}")
        return Fetched(
            source=source.name, url=url, path=target, size=target.stat().st_size, outcome=outcome
        )

    def _download_once(self, url: str, target: Path, label: str) -> Outcome:
        part = target.with_name(target.name + ".part")
        partial = _read_json(_part_meta(target))
        if partial.get("url") != url:
            part.unlink(missing_ok=True)
        have = part.stat().st_size if part.exists() else 0
        headers: dict[str, str] = {}
        if have:
            headers["Range"] = f"bytes={have}-"
            validator = _strong(partial.get("etag")) or partial.get("last_modified")
            if validator:
                headers["If-Range"] = validator
        else:
            done = _read_json(_meta_path(target)) if target.is_file() else {}
            if done.get("url") == url and done.get("etag"):
                headers["If-None-Match"] = done["etag"]
            elif done.get("url") == url and done.get("last_modified"):
                headers["If-Modified-Since"] = done["last_modified"]
        try:
            response = self.open(url, headers, _RETRY_STATUSES)
        except urllib.error.HTTPError as exc:
            exc.close()
            if exc.code == 304 and ("If-None-Match" in headers or "If-Modified-Since" in headers):
                return Outcome.UNCHANGED
            if exc.code == 416 and have:
                part.unlink()
                raise _Transient("the server refused the resume range; starting over") from exc
            raise NetworkError(url, f"HTTP {exc.code} {exc.reason}") from exc
        with response:
            resumed = response.status == 206
            if resumed and _range_start(response.headers) != have:
                part.unlink()
                raise _Transient("the server resumed at another offset; starting over")
            if not resumed:
                have = 0  # the server ignored the range (or the file changed): start over
            length = _content_length(response.headers)
            total = None if length is None else have + length
            if total is not None and total > limits.MAX_DOWNLOAD_BYTES:
                raise LimitExceeded(url, f"{total:,} bytes, over {limits.MAX_DOWNLOAD_BYTES:,}")
            _write_json(
                _part_meta(target),
                {
                    "url": url,
                    "etag": response.headers.get("ETag"),
                    "last_modified": response.headers.get("Last-Modified"),
                },
            )
            received = have
            with part.open("ab" if resumed else "wb") as handle:
                for chunk in self.chunks(response):
                    received += len(chunk)
                    if received > limits.MAX_DOWNLOAD_BYTES:
                        raise LimitExceeded(url, f"over {limits.MAX_DOWNLOAD_BYTES:,} bytes")
                    handle.write(chunk)
                    self.progress(label, received, total)
        if total is not None and received < total:
            raise _Transient(f"connection closed after {received:,} of {total:,} bytes")
        os.replace(part, target)
        return Outcome.RESUMED if resumed else Outcome.DOWNLOADED

    def _verify(self, source: sources.Source, url: str, path: Path) -> str:
        """Check a finished download (see the module doc); return its SHA-256."""
        digest = _sha256(path)
        published = self._sidecar(url + ".sha256")
        if published is not None and published != digest:
            raise IntelError(url, f"SHA-256 {digest} does not match the published {published}")
        if source.kind is FeedKind.OSV or zipsafe.is_zip(path):
            try:  # reading every member checks its CRC
                collections.deque(zipsafe.read_members(path, url), maxlen=0)
            except zlib.error as exc:  # not mapped by zipsafe
                raise IntelError(url, f"corrupt zip archive: {exc}") from exc
        found = importer.detect(path)
        if found is not source.kind:
            what = found.value if found else "no known feed"
            raise IntelError(url, f"downloaded file is {what}, not a {source.kind.value} feed")
        return digest

    def _sidecar(self, url: str) -> str | None:
        """The SHA-256 a `<file>.sha256` sidecar states, or None when none is published."""

        def attempt() -> str | None:
            try:
                response = self.open(url, {}, _RETRY_STATUSES)
            except urllib.error.HTTPError as exc:
                exc.close()
                if 400 <= exc.code < 500:
                    return None
                raise NetworkError(url, f"HTTP {exc.code} {exc.reason}") from exc
            except IntelError:  # an HTML "not found" page
                return None
            with response:
                body = b"".join(self.chunks(response))[: limits.MAX_SIDECAR_BYTES]
            match = _SHA256.match(body)
            return match.group(1).decode().lower() if match else None

        return self.retrying(url, attempt)


# --- NVD API --------------------------------------------------------------------------------


class _RateLimiter:
    """At most `requests` calls to `wait` per `window` seconds (a sliding window)."""

    def __init__(self, requests: int, transport: Transport) -> None:
        self._requests = requests
        self._transport = transport
        self._sent: collections.deque[float] = collections.deque()

    def wait(self) -> None:
        clock, window = self._transport.clock, self._transport.nvd_window
        now = clock()
        while self._sent and now - self._sent[0] >= window:
            self._sent.popleft()
        if len(self._sent) >= self._requests:
            self._transport.sleep(window - (now - self._sent.popleft()))
            now = clock()
        self._sent.append(now)


class _NvdRun:
    """One NVD sync: a full paged download, or the changes since the last imported one.

    `<folder>/state.json` records the base URL and the time the imported data reaches
    (`synced_to`); `full/` holds the pages of the full download, `updates/<time>/` those of each
    incremental one. An interrupted full download keeps its pages and resumes from them.
    """

    def __init__(
        self,
        client: _Client,
        base: str,
        folder: Path,
        api_key: str | None,
        now: datetime | None,
    ) -> None:
        self._client = client
        self._base = base
        self._folder = folder
        self._headers = {"apiKey": api_key} if api_key else {}
        requests = NVD_REQUESTS_WITH_KEY if api_key else NVD_REQUESTS
        self._limiter = _RateLimiter(requests, client.transport)
        self._now = (now or datetime.now(UTC)).astimezone(UTC).replace(microsecond=0)
        self._state = _read_json(folder / "state.json")

    def fetch(self) -> list[Fetched]:
        """Fetch the pages this run needs; return them (an empty update gives none)."""
        synced_to = self._state.get("synced_to")
        since = None if synced_to is None else datetime.fromisoformat(synced_to)
        if (
            since is not None
            and self._state.get("base_url") == self._base
            and self._now - since <= NVD_MAX_WINDOW
            and any((self._folder / "full").glob("page-*.json"))
        ):
            window = {"lastModStartDate": _nvd_time(since), "lastModEndDate": _nvd_time(self._now)}
            target = self._folder / "updates" / self._now.strftime("%Y%m%dT%H%M%SZ")
            shutil.rmtree(target, ignore_errors=True)
        else:
            window = {}
            target = self._folder / "full"
            if self._state.get("pending") != self._base:  # not resuming: start afresh
                shutil.rmtree(self._folder, ignore_errors=True)
                self._state = {"pending": self._base}
                self._folder.mkdir(parents=True)
                _write_json(self._folder / "state.json", self._state)
        target.mkdir(parents=True, exist_ok=True)
        return self._pages(window, target)

    def _pages(self, window: Mapping[str, str], target: Path) -> list[Fetched]:
        fetched: list[Fetched] = []
        start = 0
        for _ in range(limits.MAX_NVD_PAGES):
            page = target / f"page-{start:09d}.json"
            params = {"startIndex": str(start), "resultsPerPage": str(NVD_PAGE_SIZE), **window}
            url = f"{self._base}?{urllib.parse.urlencode(params)}"
            if page.is_file():  # kept from an interrupted full download
                body = raw.read_bytes(page, str(page), limits.MAX_FEED_FILE_BYTES)
                doc = _nvd_page(body, str(page), start)
                outcome = Outcome.RESUMED
            else:
                body = self._client.get_bytes(
                    url,
                    headers=self._headers,
                    limit=limits.MAX_FEED_FILE_BYTES,
                    retry_on=_NVD_RETRY_STATUSES,
                    before=self._limiter.wait,
                )
                doc = _nvd_page(body, url, start)
                outcome = Outcome.DOWNLOADED
                if doc["vulnerabilities"]:
                    _write_atomically(page, body)
            count = len(doc["vulnerabilities"])
            self._client.progress("nvd", start + count, doc["totalResults"])
            if count:
                fetched.append(
                    Fetched(
                        source="nvd", url=url, path=page, size=page.stat().st_size, outcome=outcome
                    )
                )
            start += count
            if start >= doc["totalResults"]:
                return fetched
            if not count:
                raise IntelError(url, "NVD returned an empty page before totalResults was reached")
        raise LimitExceeded(self._base, f"more than {limits.MAX_NVD_PAGES:,} NVD pages")

    def inputs(self) -> list[Path]:
        """Every page to import, oldest first: the full download, then each update in order."""
        full = sorted((self._folder / "full").glob("page-*.json"))
        updates = sorted((self._folder / "updates").glob("*/page-*.json"))
        return full + updates

    def commit(self) -> None:
        """Record that the data up to now is imported (called after the import succeeded)."""
        state = {"base_url": self._base, "synced_to": self._now.isoformat()}
        _write_json(self._folder / "state.json", state)


def _nvd_page(body: bytes, url: str, start: int) -> dict[str, Any]:
    try:
        doc = orjson.loads(body)
    except orjson.JSONDecodeError as exc:
        raise IntelError(url, f"NVD page is not JSON: {exc}") from exc
    if (
        not isinstance(doc, dict)
        or not isinstance(doc.get("vulnerabilities"), list)
        or not isinstance(doc.get("totalResults"), int)
    ):
        raise IntelError(url, "not an NVD API 2.0 page (vulnerabilities, totalResults)")
    if doc.get("startIndex", start) != start:
        raise IntelError(url, f"NVD page starts at {doc.get('startIndex')}, asked {start}")
    return doc


def _nvd_time(moment: datetime) -> str:
    """NVD's extended ISO-8601 form, e.g. `2024-05-01T00:00:00.000+00:00`."""
    return moment.strftime("%Y-%m-%dT%H:%M:%S.000+00:00")


# --- small helpers --------------------------------------------------------------------------


def _meta_path(target: Path) -> Path:
    return target.with_name(target.name + ".meta.json")


def _part_meta(target: Path) -> Path:
    return target.with_name(target.name + ".part.json")


def _read_json(path: Path) -> dict[str, Any]:
    try:
        value = orjson.loads(path.read_bytes())
    except (OSError, orjson.JSONDecodeError):
        return {}
    return value if isinstance(value, dict) else {}


def _write_json(path: Path, value: Mapping[str, Any]) -> None:
    _write_atomically(path, orjson.dumps(value, option=orjson.OPT_SORT_KEYS))


def _write_atomically(path: Path, data: bytes) -> None:
    temporary = path.with_name(path.name + ".tmp")
    temporary.write_bytes(data)
    os.replace(temporary, path)


def _sha256(path: Path) -> str:
    digest = hashlib.sha256()
    with path.open("rb") as handle:
        while block := handle.read(_CHUNK):
            digest.update(block)
    return digest.hexdigest()


def _content_length(headers: Message) -> int | None:
    value = headers.get("Content-Length")
    return int(value) if value is not None and value.strip().isdigit() else None


def _range_start(headers: Message) -> int | None:
    match = _CONTENT_RANGE.fullmatch(headers.get("Content-Range", "").strip())
    return int(match.group(1)) if match else None


def _retry_after(headers: Message) -> float | None:
    value = headers.get("Retry-After", "").strip()
    return float(value) if value.isdigit() else None


def _strong(etag: str | None) -> str | None:
    """An ETag usable in `If-Range` (weak ones are not)."""
    return etag if etag and not etag.startswith("W/") else None
