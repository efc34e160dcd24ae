"""`intel import`: read feed files, build a new snapshot, and make it current atomically.

Feed readers are found through a small registry (`READERS`): each feed module
`chainreview.intel.<name>` exposes `read(path, display) -> FeedData` and `sniff(path) -> bool`,
and is imported only when needed, so a missing module only makes its feed unavailable. The kind of
each input is taken from `--source KIND` or detected from its content.

Only the OSV reader reads a folder as one input. Any other folder (NVD's one file per CVE, the
Alpine secdb tree, the Debian tracker's `data/`) is read file by file, in sorted order with hidden
entries left out: each file's kind is detected (among the readers of `--source KIND`, if given)
and a file no reader accepts is skipped with a `skipped` warning, so a README beside the data
does not fail the import; so is a recognised file that holds no record and rejects none (an
Alpine secdb branch with no packages). Given alone, such a file is an error.

Whether the files of a source hold its whole feed (an ecosystem's entire advisory database, the
whole KEV catalogue) or a selection cannot be told from the files: the caller says so with
`complete` (`intel import --complete`; `intel sync` downloads whole feeds), and a source is
recorded as a partial selection otherwise. `demo` marks the bundled capture. Scans and reviews
read both: a component checked only against a partial source is not reported as clean.

An import replaces the sources it reads (by source name, e.g. `osv:PyPI`, `kev`) and copies every
other source of the current snapshot unchanged, so importing KEV after OSV keeps OSV. It runs under
an exclusive lock; any failure leaves the current snapshot as it was. The phases are `reading`,
`indexing` and `switching`; setting `CHAINREVIEW_TEST_PAUSE_AT=<phase>` (tests only) makes the
import write `intel/paused-<phase>` and sleep there, so a test can kill it at that point.
"""

from __future__ import annotations

import fcntl
import importlib
import os
import time
from collections.abc import Callable, Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass, replace
from datetime import UTC, datetime
from enum import StrEnum
from pathlib import Path
from types import ModuleType
from typing import Any, Final

from chainreview import collector, limits
from chainreview.components.model import Diagnostic, Location
from chainreview.errors import LimitExceeded
from chainreview.intel import snapshot
from chainreview.intel.interface import FeedData, FeedKind, IntelError

PAUSE_ENV: Final = "CHAINREVIEW_TEST_PAUSE_AT"
"""Tests only: the phase at which an import pauses (see the module doc)."""

Progress = Callable[[str, int, int], None]
"""Called with (input display name, files done, files in that input)."""

READERS: Final[tuple[tuple[FeedKind, str], ...]] = (
    (FeedKind.OSV, "osv"),
    (FeedKind.KEV, "kev"),
    (FeedKind.NVD, "nvd"),
    (FeedKind.EPSS, "epss"),
    (FeedKind.SANCTIONS, "sanctions"),
    (FeedKind.EOL, "eol"),
    (FeedKind.DISTRO, "alpine"),
    (FeedKind.DISTRO, "debian"),
)
"""Feed modules in detection order: the first whose `sniff` accepts an input reads it."""


class Phase(StrEnum):
    """The points an import passes, in order."""

    READING = "reading"
    INDEXING = "indexing"
    SWITCHING = "switching"


@dataclass(frozen=True, slots=True, kw_only=True)
class SourceReport:
    """What one source contributed to an import."""

    name: str
    kind: FeedKind
    complete: bool
    """The inputs were declared to hold the whole feed (else: a partial selection)."""
    inputs: tuple[str, ...]
    records: int
    withdrawn: int
    warnings: tuple[Diagnostic, ...]
    rejected: tuple[Diagnostic, ...]


@dataclass(frozen=True, slots=True, kw_only=True)
class ImportResult:
    """The outcome of a successful import."""

    hash: str
    previous: str | None
    sources: tuple[SourceReport, ...]
    manifest: dict[str, Any]


def _module(name: str) -> ModuleType | None:
    qualified = f"chainreview.intel.{name}"
    try:
        return importlib.import_module(qualified)
    except ModuleNotFoundError as exc:
        if exc.name == qualified:
            return None
        raise


def detect(path: Path) -> FeedKind | None:
    """Return the feed kind of `path` judged from its content, or None when no reader accepts it.

    A folder the OSV reader does not claim has the kind its recognised files share (None when
    they differ or none is recognised).
    """
    if path.is_dir() and not _reads_folder(path, None):
        kinds = {found[0] for file in _folder_files(path, str(path)) if (found := _detect(file))}
        return kinds.pop() if len(kinds) == 1 else None
    found = _detect(path)
    return None if found is None else found[0]


def _detect(path: Path) -> tuple[FeedKind, ModuleType] | None:
    return _detect_module(path, READERS)


def _reads_folder(path: Path, kind: FeedKind | None) -> bool:
    """Whether the OSV reader takes folder `path` whole (named with `--source osv`, or sniffed)."""
    if kind is not None:
        return kind is FeedKind.OSV
    module = _module("osv")
    return module is not None and bool(module.sniff(path))


def _folder_files(root: Path, display: str) -> list[Path]:
    """The files under `root` in sorted order, hidden files and folders left out (capped)."""
    files = [
        path
        for path in sorted(root.rglob("*"))
        if path.is_file() and not any(p.startswith(".") for p in path.relative_to(root).parts)
    ]
    if len(files) > limits.MAX_FEED_FILES:
        raise LimitExceeded(display, f"more than {limits.MAX_FEED_FILES:,} files")
    return files


def _detect_module(
    path: Path, candidates: Sequence[tuple[FeedKind, str]]
) -> tuple[FeedKind, ModuleType] | None:
    for kind, name in candidates:
        module = _module(name)
        if module is not None and module.sniff(path):
            return kind, module
    return None


def read_path(
    path: Path,
    display: str,
    *,
    kind: FeedKind | None = None,
    workers: int = 1,
    progress: Progress | None = None,
) -> tuple[tuple[str, FeedData], ...]:
    """Read one import argument into (input name, feed) pairs: the argument itself, or each
    recognised file of a folder not read whole (see the module doc)."""
    if not path.is_dir() or _reads_folder(path, kind):
        return (
            (display, read_input(path, display, kind=kind, workers=workers, progress=progress)),
        )
    candidates = _candidates(kind)
    feeds: list[tuple[str, FeedData]] = []
    skipped: list[Diagnostic] = []
    recognised = False
    for file in _folder_files(path, display):
        shown = f"{display}/{file.relative_to(path)}"
        found = _detect_module(file, candidates)
        if found is None:
            skipped.append(_skipped(shown, f"not recognised as {_what(kind)}"))
            continue
        recognised = True
        feed = _read_found(found, file, shown, workers=workers, progress=progress, empty_ok=True)
        if feed.records:
            feeds.append((shown, feed))
        else:  # a valid file with nothing in it, e.g. an Alpine secdb with no packages
            skipped.append(_skipped(shown, f"holds no {feed.kind.value} records"))
    if not feeds:
        what = "holds a record of" if recognised else "is recognised as"
        raise IntelError(display, f"no file in this folder {what} {_what(kind)}")
    first, feed = feeds[0]
    feeds[0] = (first, replace(feed, warnings=(*skipped, *feed.warnings)))
    return tuple(feeds)


def _skipped(shown: str, why: str) -> Diagnostic:
    return Diagnostic(location=Location(file=shown), message=f"{why}; skipped", code="skipped")


def _candidates(kind: FeedKind | None) -> list[tuple[FeedKind, str]]:
    return [entry for entry in READERS if kind is None or entry[0] is kind]


def _what(kind: FeedKind | None) -> str:
    return f"a {kind.value} feed" if kind else "any known feed (OSV, KEV, NVD, EPSS, …)"


def read_input(
    path: Path,
    display: str,
    *,
    kind: FeedKind | None = None,
    workers: int = 1,
    progress: Progress | None = None,
) -> FeedData:
    """Read one input (a file, or an OSV folder or zip) as `kind` (or the detected kind)."""
    if not path.exists():
        raise IntelError(display, "no such file or directory")
    candidates = _candidates(kind)
    if kind is not None and len(candidates) == 1:
        module = _module(candidates[0][1])
        if module is None:
            raise IntelError(display, f"no reader for {kind.value} feeds is installed")
        found: tuple[FeedKind, ModuleType] | None = (kind, module)
    else:
        found = _detect_module(path, candidates)
    if found is None:
        raise IntelError(display, f"not recognised as {_what(kind)}; name the kind with --source")
    return _read_found(found, path, display, workers=workers, progress=progress)


def _read_found(
    found: tuple[FeedKind, ModuleType],
    path: Path,
    display: str,
    *,
    workers: int,
    progress: Progress | None,
    empty_ok: bool = False,
) -> FeedData:
    """Read `path` with the reader `found`; no records is an error unless `empty_ok` and none
    was rejected either (a valid, empty file)."""
    if found[0] is FeedKind.OSV:
        feed: FeedData = found[1].read(
            path,
            display,
            workers=workers,
            progress=None if progress is None else lambda d, t: progress(display, d, t),
        )
    else:
        feed = found[1].read(path, display)
        if progress is not None:
            progress(display, 1, 1)
    if not feed.records and (feed.rejected or not empty_ok):
        reason = f": first rejected {feed.rejected[0]}" if feed.rejected else ""
        raise IntelError(display, f"no usable {feed.kind.value} records{reason}")
    return feed


def import_paths(
    paths: Sequence[Path],
    *,
    home: Path,
    kind: FeedKind | None = None,
    workers: int = 1,
    progress: Progress | None = None,
    complete: bool = False,
    demo: bool = False,
) -> ImportResult:
    """Import `paths` into a new snapshot and make it current (see the module doc).

    `complete`: the inputs hold the whole feed of every source they give; `demo`: they are
    demo data, for trying the tool only.
    """
    if not paths:
        raise IntelError("intel import", "no input given")
    folder = snapshot.intel_dir(home)
    folder.mkdir(parents=True, exist_ok=True)
    with _exclusive(folder / "lock"), collector.paused():
        groups: dict[str, list[tuple[str, FeedData]]] = {}
        for path in paths:
            parts = read_path(path, str(path), kind=kind, workers=workers, progress=progress)
            for shown, feed in parts:
                groups.setdefault(feed.source, []).append((shown, feed))
        feeds = [_merge(parts) for parts in groups.values()]
        _pause_point(home, Phase.READING)
        previous = snapshot.current_hash(home)
        base = snapshot.open_current(home)
        try:
            builder = snapshot.Builder(home, base)
            try:
                for inputs, feed in feeds:
                    builder.add_feed(feed, inputs, complete=complete, demo=demo)
                builder.keep_sources({feed.source for _, feed in feeds})
                _pause_point(home, Phase.INDEXING)
                built = builder.finish(datetime.now(UTC).isoformat(timespec="seconds"))
            except BaseException:
                builder.abandon()
                raise
        finally:
            if base is not None:
                base.close()
        _pause_point(home, Phase.SWITCHING)
        snapshot.switch(home, built.hash)
        snapshot.collect_garbage(home, {built.hash} | ({previous} if previous else set()))
    return ImportResult(
        hash=built.hash,
        previous=previous,
        sources=tuple(_report(inputs, feed, complete) for inputs, feed in feeds),
        manifest=built.manifest,
    )


def _merge(parts: list[tuple[str, FeedData]]) -> tuple[tuple[str, ...], FeedData]:
    """Fold several inputs that give the same source into one (later inputs win per key)."""
    inputs = tuple(display for display, _ in parts)
    if len(parts) == 1:
        return inputs, parts[0][1]
    feeds = [feed for _, feed in parts]
    records = {record.key: record for feed in feeds for record in feed.records}
    newest = [feed.newest for feed in feeds if feed.newest]
    return inputs, FeedData(
        kind=feeds[0].kind,
        source=feeds[0].source,
        records=tuple(records[key] for key in sorted(records)),
        warnings=tuple(w for feed in feeds for w in feed.warnings),
        rejected=tuple(r for feed in feeds for r in feed.rejected),
        newest=max(newest, default=None),
        licence="; ".join(sorted({feed.licence for feed in feeds if feed.licence})),
        attribution="; ".join(sorted({feed.attribution for feed in feeds if feed.attribution})),
    )


def _report(inputs: tuple[str, ...], feed: FeedData, complete: bool) -> SourceReport:
    return SourceReport(
        name=feed.source,
        kind=feed.kind,
        complete=complete,
        inputs=inputs,
        records=len(feed.records),
        withdrawn=sum(1 for r in feed.records if getattr(r, "is_withdrawn", False)),
        warnings=feed.warnings,
        rejected=feed.rejected,
    )


@contextmanager
def _exclusive(path: Path) -> Iterator[None]:
    with path.open("a") as handle:
        try:
            fcntl.flock(handle, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except BlockingIOError as exc:
            raise IntelError(str(path.parent), "another intel import is running") from exc
        try:
            yield
        finally:
            fcntl.flock(handle, fcntl.LOCK_UN)


def _pause_point(home: Path, phase: Phase) -> None:
    """Tests only: stop here when `CHAINREVIEW_TEST_PAUSE_AT` names this phase."""
    if os.environ.get(PAUSE_ENV) != phase.value:
        return
    (snapshot.intel_dir(home) / f"paused-{phase.value}").write_text(str(os.getpid()))
    time.sleep(600)
