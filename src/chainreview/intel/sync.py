"""`intel sync`: download the official feeds, verify them, and import them in one step.

Files go to `$CHAINREVIEW_HOME/intel/downloads/<source>/<path>`, one sync at a time (a lock
file in that folder). `intel.downloads` fetches and verifies each file over `intel.http_client`
(timeouts, bounded retries, an unreachable host failing at once with a `NetworkError`), and
`intel.nvd_api` pages the NVD API. Everything fetched is then imported in one
`importer.import_paths` call, so a failed sync — download, verification or import — leaves the
previous snapshot current. Progress is reported through a `SyncObserver`; the core prints
nothing.
"""

from __future__ import annotations

import fcntl
import urllib.parse
from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import datetime
from pathlib import Path
from typing import Protocol

from chainreview.intel import importer, snapshot, sources
from chainreview.intel.downloads import Fetched, Outcome, download, forget
from chainreview.intel.http_client import HttpClient, TransferObserver, Transport
from chainreview.intel.interface import IntelError
from chainreview.intel.nvd_api import NvdRun


class SyncObserver(TransferObserver, Protocol):
    """Receives progress from a sync (the CLI draws it; the core never prints)."""

    def reading(self, display: str, done: int, total: int) -> None:
        """Import progress: files of input `display` read (see `importer.Progress`)."""


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
        client = HttpClient(transport, observer)
        fetched: list[Fetched] = []
        nvd: NvdRun | None = None
        for source in sorted({s.name: s for s in chosen}.values(), key=sources.SOURCES.index):
            base = bases[source.name]
            if source.is_api:
                nvd = NvdRun(client, base, folder / source.name, plan.nvd_api_key, now)
                fetched.extend(nvd.fetch())
                continue
            for relative in source.files(plan.ecosystems, plan.alpine_branches):
                url = f"{base}/{relative}"
                target = folder / source.name / urllib.parse.unquote(relative)
                label = f"{source.name}/{urllib.parse.unquote(relative)}"
                fetched.append(download(client, source, url, target, label))
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
                forget(item.path)
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
