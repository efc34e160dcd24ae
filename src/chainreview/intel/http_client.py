"""HTTP GETs for `intel sync`: timeouts, bounded retries with backoff, and the wire settings.

Each request has a timeout; stalls, dropped connections, short reads, `429` and `5xx` are
retried a bounded number of times with doubling waits (honouring `Retry-After`). A host that
cannot be reached at all — its name does not resolve, the connection is refused, no route leads
to it — is not retried: the request fails at once with a `NetworkError`, as it does when retries
run out. A network failure is never reported as bad input; an HTML page where a feed was
expected is (`IntelError`). `Transport` holds the settings, so tests can shorten the waits.
"""

from __future__ import annotations

import errno
import http.client
import socket
import time
import urllib.error
import urllib.request
from collections.abc import Callable, Iterator, Mapping
from dataclasses import dataclass
from email.message import Message
from typing import Final, Protocol, TypeVar

from chainreview.errors import LimitExceeded, NetworkError
from chainreview.intel.interface import IntelError
from chainreview.version import __version__

USER_AGENT: Final = f"chainreview/{__version__} (intel sync)"
RETRY_STATUSES: Final = frozenset({408, 425, 429, 500, 502, 503, 504})
"""HTTP statuses retried with backoff."""
_UNREACHABLE: Final = frozenset(
    {errno.ECONNREFUSED, errno.ENETUNREACH, errno.EHOSTUNREACH, errno.EADDRNOTAVAIL}
)
"""Connection failures that waiting does not cure: not retried."""
_CHUNK: Final = 256 * 1024

_T = TypeVar("_T")


class TransferObserver(Protocol):
    """Receives what the client has to tell while it fetches (the core never prints)."""

    def transfer(self, label: str, done: int, total: int | None) -> None:
        """Progress of one download: bytes of a file (`total` when the server said), or CVEs
        of the NVD API (`total` is its `totalResults`)."""

    def note(self, message: str) -> None:
        """Something worth telling: a retry, a rate-limit wait, a file reused."""


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
    """Seconds of NVD's rate window (`nvd_api.NVD_REQUESTS` requests per window)."""
    sleep: Callable[[float], None] = time.sleep
    clock: Callable[[], float] = time.monotonic


class Transient(Exception):
    """A failure worth retrying: connection trouble, a short read, 429, 5xx."""

    def __init__(self, reason: str, retry_after: float | None = None) -> None:
        super().__init__(reason)
        self.retry_after = retry_after


class HttpClient:
    """Requests with timeouts and bounded retries, reporting to an optional observer."""

    def __init__(self, transport: Transport, observer: TransferObserver | None) -> None:
        self._transport = transport
        self._observer = observer
        self._opener = urllib.request.build_opener()

    @property
    def transport(self) -> Transport:
        """The wire settings."""
        return self._transport

    def note(self, message: str) -> None:
        """Tell the observer, if any, something worth knowing."""
        if self._observer is not None:
            self._observer.note(message)

    def progress(self, label: str, done: int, total: int | None) -> None:
        """Report progress to the observer, if any."""
        if self._observer is not None:
            self._observer.transfer(label, done, total)

    def retrying(self, what: str, attempt: Callable[[], _T]) -> _T:
        """Run `attempt` until it succeeds, retrying `Transient` failures with backoff."""
        t = self._transport
        failure: Transient | None = None
        for number in range(t.attempts):
            if failure is not None:
                delay = min(t.max_backoff, max(failure.retry_after or 0.0, t.backoff * 2**number))
                self.note(f"{what}: {failure}; retry {number} in {delay:.1f} s")
                t.sleep(delay)
            try:
                return attempt()
            except Transient as exc:
                failure = exc
        raise NetworkError(what, f"gave up after {t.attempts} attempts: {failure}") from failure

    def open(
        self, url: str, headers: Mapping[str, str], retry_on: frozenset[int]
    ) -> http.client.HTTPResponse:
        """Send one GET; transient failures raise `Transient`, an unreachable host
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
                raise Transient(f"HTTP {exc.code}", _retry_after(exc.headers)) from exc
            raise
        except (urllib.error.URLError, OSError, http.client.HTTPException) as exc:
            reason = getattr(exc, "reason", None) or exc
            if isinstance(reason, socket.gaierror) or (
                isinstance(reason, OSError) and reason.errno in _UNREACHABLE
            ):
                raise NetworkError(url, f"cannot connect: {reason}") from exc
            raise Transient(str(reason)) from exc
        if response.headers.get_content_type() == "text/html":
            response.close()
            raise IntelError(url, "the server answered with an HTML page, not a feed")
        return response

    def chunks(self, response: http.client.HTTPResponse) -> Iterator[bytes]:
        """The body in chunks; a stall or a reset becomes `Transient`."""
        while True:
            try:
                chunk = response.read(_CHUNK)
            except (OSError, http.client.HTTPException) as exc:
                raise Transient(f"connection lost: {exc}") from exc
            if not chunk:
                return
            yield chunk

    def get_bytes(
        self,
        url: str,
        *,
        headers: Mapping[str, str] | None = None,
        limit: int,
        retry_on: frozenset[int] = RETRY_STATUSES,
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
                expected = content_length(response.headers)
                if expected is not None and expected > limit:
                    raise LimitExceeded(url, f"response of {expected:,} bytes, over {limit:,}")
                body = bytearray()
                for chunk in self.chunks(response):
                    body += chunk
                    if len(body) > limit:
                        raise LimitExceeded(url, f"response over {limit:,} bytes")
            if expected is not None and len(body) < expected:
                raise Transient(f"connection closed after {len(body):,} of {expected:,} bytes")
            return bytes(body)

        return self.retrying(url, attempt)


def content_length(headers: Message) -> int | None:
    """The `Content-Length` a response declares, or None when it declares none usable."""
    value = headers.get("Content-Length")
    return int(value) if value is not None and value.strip().isdigit() else None


def _retry_after(headers: Message) -> float | None:
    value = headers.get("Retry-After", "").strip()
    return float(value) if value.isdigit() else None
