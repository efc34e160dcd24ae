"""Resumable, verified downloads of feed files for `intel sync`.

A download is written to `<file>.part` and renamed when complete; an interrupted one resumes
with an HTTP `Range` request (guarded by `If-Range` with the server's validator), and starts over
cleanly when the server ignores the range or the validator changed. A finished file keeps its
ETag/Last-Modified in `<file>.meta.json`, so the next download asks
`If-None-Match`/`If-Modified-Since` and reuses it on `304 Not Modified`.

Every finished file is verified: the size caps of `chainreview.limits`, a `<file>.sha256` sidecar
when the server publishes one, a zip read end to end through `zipsafe` (central directory,
member CRCs), and the feed kind detected from the content by the importer's own readers. A file
that fails is deleted, so the next sync fetches it afresh.
"""

from __future__ import annotations

import collections
import hashlib
import os
import re
import urllib.error
import zlib
from dataclasses import dataclass
from email.message import Message
from enum import StrEnum
from pathlib import Path
from typing import Final

from chainreview import limits
from chainreview.errors import LimitExceeded, NetworkError
from chainreview.intel import importer, sources, zipsafe
from chainreview.intel.http_client import RETRY_STATUSES, HttpClient, Transient, content_length
from chainreview.intel.interface import FeedKind, IntelError
from chainreview.intel.state_files import read_json, write_json

_SHA256: Final = re.compile(rb"\s*([0-9a-fA-F]{64})(?:\s|$)")
_CONTENT_RANGE: Final = re.compile(r"bytes (\d+)-\d+/(?:\d+|\*)")


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


def download(
    client: HttpClient, source: sources.Source, url: str, target: Path, label: str
) -> Fetched:
    """Fetch `url` into `target` (resuming, reusing on 304) and verify it."""
    target.parent.mkdir(parents=True, exist_ok=True)
    outcome = client.retrying(url, lambda: _download_once(client, url, target, label))
    if outcome is not Outcome.UNCHANGED:
        try:
            digest = _verify(client, source, url, target)
        except BaseException:
            target.unlink(missing_ok=True)
            _meta_path(target).unlink(missing_ok=True)
            raise
        write_json(_meta_path(target), {**read_json(_part_meta(target)), "sha256": digest})
        _part_meta(target).unlink(missing_ok=True)
    else:
        client.note(f"{url}: not modified, reusing {target.name}")
    return Fetched(
        source=source.name, url=url, path=target, size=target.stat().st_size, outcome=outcome
    )


def forget(target: Path) -> None:
    """Drop the validators kept for `target`: the next sync fetches it again, not reuses it."""
    _meta_path(target).unlink(missing_ok=True)


def _download_once(client: HttpClient, url: str, target: Path, label: str) -> Outcome:
    part = target.with_name(target.name + ".part")
    partial = read_json(_part_meta(target))
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
        done = read_json(_meta_path(target)) if target.is_file() else {}
        if done.get("url") == url and done.get("etag"):
            headers["If-None-Match"] = done["etag"]
        elif done.get("url") == url and done.get("last_modified"):
            headers["If-Modified-Since"] = done["last_modified"]
    try:
        response = client.open(url, headers, RETRY_STATUSES)
    except urllib.error.HTTPError as exc:
        exc.close()
        if exc.code == 304 and ("If-None-Match" in headers or "If-Modified-Since" in headers):
            return Outcome.UNCHANGED
        if exc.code == 416 and have:
            part.unlink()
            raise Transient("the server refused the resume range; starting over") from exc
        raise NetworkError(url, f"HTTP {exc.code} {exc.reason}") from exc
    with response:
        resumed = response.status == 206
        if resumed and _range_start(response.headers) != have:
            part.unlink()
            raise Transient("the server resumed at another offset; starting over")
        if not resumed:
            have = 0  # the server ignored the range (or the file changed): start over
        length = content_length(response.headers)
        total = None if length is None else have + length
        if total is not None and total > limits.MAX_DOWNLOAD_BYTES:
            raise LimitExceeded(url, f"{total:,} bytes, over {limits.MAX_DOWNLOAD_BYTES:,}")
        write_json(
            _part_meta(target),
            {
                "url": url,
                "etag": response.headers.get("ETag"),
                "last_modified": response.headers.get("Last-Modified"),
            },
        )
        received = have
        with part.open("ab" if resumed else "wb") as handle:
            for chunk in client.chunks(response):
                received += len(chunk)
                if received > limits.MAX_DOWNLOAD_BYTES:
                    raise LimitExceeded(url, f"over {limits.MAX_DOWNLOAD_BYTES:,} bytes")
                handle.write(chunk)
                client.progress(label, received, total)
    if total is not None and received < total:
        raise Transient(f"connection closed after {received:,} of {total:,} bytes")
    os.replace(part, target)
    return Outcome.RESUMED if resumed else Outcome.DOWNLOADED


def _verify(client: HttpClient, source: sources.Source, url: str, path: Path) -> str:
    """Check a finished download (see the module doc); return its SHA-256."""
    with path.open("rb") as handle:
        digest = hashlib.file_digest(handle, "sha256").hexdigest()
    published = _sidecar(client, url + ".sha256")
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


def _sidecar(client: HttpClient, url: str) -> str | None:
    """The SHA-256 a `<file>.sha256` sidecar states, or None when none is published."""

    def attempt() -> str | None:
        try:
            response = client.open(url, {}, RETRY_STATUSES)
        except urllib.error.HTTPError as exc:
            exc.close()
            if 400 <= exc.code < 500:
                return None
            raise NetworkError(url, f"HTTP {exc.code} {exc.reason}") from exc
        except IntelError:  # an HTML "not found" page
            return None
        with response:
            body = b"".join(client.chunks(response))[: limits.MAX_SIDECAR_BYTES]
        match = _SHA256.match(body)
        return match.group(1).decode().lower() if match else None

    return client.retrying(url, attempt)


def _meta_path(target: Path) -> Path:
    return target.with_name(target.name + ".meta.json")


def _part_meta(target: Path) -> Path:
    return target.with_name(target.name + ".part.json")


def _range_start(headers: Message) -> int | None:
    match = _CONTENT_RANGE.fullmatch(headers.get("Content-Range", "").strip())
    return int(match.group(1)) if match else None


def _strong(etag: str | None) -> str | None:
    """An ETag usable in `If-Range` (weak ones are not)."""
    return etag if etag and not etag.startswith("W/") else None
