"""Paging the NVD CVE API 2.0 for `intel sync`, under its rate limit.

The API is paged by `startIndex` and `resultsPerPage` under NVD's rate limit (5 requests per
30 s, 50 with an API key). Once a full download has been imported, later syncs fetch only what
changed since (`lastModStartDate`, `lastModEndDate`, windows up to 120 days), to be imported
over the earlier pages.
"""

from __future__ import annotations

import collections
import shutil
import urllib.parse
from collections.abc import Mapping
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any, Final

import orjson

from chainreview import limits, raw
from chainreview.errors import LimitExceeded
from chainreview.intel.downloads import Fetched, Outcome
from chainreview.intel.http_client import RETRY_STATUSES, HttpClient, Transport
from chainreview.intel.interface import IntelError
from chainreview.intel.state_files import read_json, write_atomically, write_json

NVD_PAGE_SIZE: Final = 2000
"""`resultsPerPage` asked of the NVD API (its maximum for CVEs)."""
NVD_REQUESTS: Final = 5
"""Requests NVD allows per rate window without an API key."""
NVD_REQUESTS_WITH_KEY: Final = 50
"""Requests NVD allows per rate window with an API key (sent as the `apiKey` header)."""
NVD_MAX_WINDOW: Final = timedelta(days=120)
"""Longest `lastModStartDate`..`lastModEndDate` range NVD accepts; older syncs start over."""

_NVD_RETRY_STATUSES: Final = RETRY_STATUSES | {403}
"""NVD answers 403 when a client goes over its rate limit."""


class RateLimiter:
    """At most `requests` calls to `wait` per `transport.nvd_window` seconds (a sliding window)."""

    def __init__(self, requests: int, transport: Transport) -> None:
        self._requests = requests
        self._transport = transport
        self._sent: collections.deque[float] = collections.deque()

    def wait(self) -> None:
        """Return when one more request fits in the window, sleeping if it does not yet."""
        clock, window = self._transport.clock, self._transport.nvd_window
        now = clock()
        while self._sent and now - self._sent[0] >= window:
            self._sent.popleft()
        if len(self._sent) >= self._requests:
            self._transport.sleep(window - (now - self._sent.popleft()))
            now = clock()
        self._sent.append(now)


class NvdRun:
    """One NVD sync: a full paged download, or the changes since the last imported one.

    `<folder>/state.json` records the base URL and the time the imported data reaches
    (`synced_to`); `full/` holds the pages of the full download, `updates/<time>/` those of each
    incremental one. An interrupted full download keeps its pages and resumes from them.
    """

    def __init__(
        self,
        client: HttpClient,
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
        self._limiter = RateLimiter(requests, client.transport)
        self._now = (now or datetime.now(UTC)).astimezone(UTC).replace(microsecond=0)
        self._state = read_json(folder / "state.json")

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
                write_json(self._folder / "state.json", self._state)
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
                    write_atomically(page, body)
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
        write_json(self._folder / "state.json", state)


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
