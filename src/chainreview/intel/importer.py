"""`intel import`: read feed files, build a new snapshot, and make it current atomically.

Feed readers are found through a small registry (`READERS`): each feed module
`chainreview.intel.<name>` exposes `read(path, display) -> FeedData` and `sniff(path) -> bool`,
and is imported only when needed, so a missing module only makes its feed unavailable. The kind of
each input is taken from `--source KIND` or detected from its content.

An input is looked at before anything reads it: a folder or a regular file is read; a pipe
(`<(zcat …)`, a named FIFO) is read through `raw.read_bytes` — at most `MAX_FEED_FILE_BYTES`, and
refused when nothing arrives for `PIPE_IDLE_SECONDS` — into a temporary file, so that sniffing
and reading see a regular file; a device, a socket or anything else is refused at once.

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
read both: a component checked only against a partial source is not reported as clean. One
import may take several groups of inputs, each with its own kind and marks (`import_groups`):
the bundled capture installs that way, in one snapshot switched once.

An import replaces the sources it reads (by source name, e.g. `osv:PyPI`, `kev`) and copies every
other source of the current snapshot unchanged, so importing KEV after OSV keeps OSV. A source
whose records the import would leave out beyond `snapshot.MAX_SHRINK` is merged instead, unless
`replace` is given; each source's report says what the import added, changed, removed or kept. A
record dated after the day of the import is warned about. The import runs under an exclusive
lock; any failure leaves the current snapshot as it was. It passes the phases `reading`,
`indexing` and `switching`, calling `pause` (if given) at each: tests stop it there to kill it.
"""

from __future__ import annotations

import fcntl
import importlib
import stat
import tempfile
from collections.abc import Callable, Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass, replace
from datetime import UTC, datetime
from enum import StrEnum
from pathlib import Path
from types import ModuleType
from typing import Any, Final

from chainreview import limits, raw
from chainreview.components.model import Diagnostic, Location
from chainreview.intel import snapshot
from chainreview.intel._common import as_intel_error, file_kind, walk_files
from chainreview.intel.interface import FeedData, FeedKind, IntelError

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


Pause = Callable[["Phase"], None]
"""Called as an import reaches each phase (tests stop it there)."""


@dataclass(frozen=True, slots=True, kw_only=True)
class ImportGroup:
    """Inputs read alike: as one feed kind (None: detected per input), with the same marks."""

    paths: tuple[Path, ...]
    kind: FeedKind | None = None
    complete: bool = False
    """The inputs hold the whole feed of every source they give (else: partial selections)."""
    demo: bool = False
    """The inputs are demo data, for trying the tool only."""
    as_of: str | None = None
    """The date (YYYY-MM-DD) the inputs' data reaches when their records carry none (a list
    with no dates, like the OFAC SDN CSV): the date it was captured."""
    names: tuple[str, ...] = ()
    """How each of `paths` is named in messages and the snapshot manifest (default: its path),
    e.g. where a temporary copy stands for a file shipped with chainreview."""

    def named(self) -> Iterator[tuple[Path, str]]:
        """Each input with its name."""
        return zip(self.paths, self.names or map(str, self.paths), strict=True)


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
    change: snapshot.SourceChange
    """What the import added, changed, removed or kept, and whether it merged the source."""


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
        files = walk_files(path, str(path))
        kinds = {found[0] for _, file in files if (found := _detect(Path(file)))}
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
    for name, file in walk_files(path, display):
        shown = f"{display}/{name}"
        found = _detect_module(Path(file), candidates)
        if found is None:
            skipped.append(_skipped(shown, f"not recognised as {_what(kind)}"))
            continue
        recognised = True
        feed = _read_found(
            found, Path(file), shown, workers=workers, progress=progress, empty_ok=True
        )
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
    replace: bool = False,
    pause: Pause | None = None,
) -> ImportResult:
    """Import `paths` into a new snapshot and make it current (see the module doc).

    `complete`: the inputs hold the whole feed of every source they give; `demo`: they are
    demo data, for trying the tool only; `replace`: replace the sources they give even when
    that leaves out many of their records.
    """
    group = ImportGroup(paths=tuple(paths), kind=kind, complete=complete, demo=demo)
    return import_groups(
        [group], home=home, workers=workers, progress=progress, replace=replace, pause=pause
    )


def import_groups(
    groups: Sequence[ImportGroup],
    *,
    home: Path,
    workers: int = 1,
    progress: Progress | None = None,
    replace: bool = False,
    pause: Pause | None = None,
) -> ImportResult:
    """Import several groups of inputs into one new snapshot and make it current, once."""
    if not any(group.paths for group in groups):
        raise IntelError("intel import", "no input given")
    folder = snapshot.intel_dir(home)
    folder.mkdir(parents=True, exist_ok=True)
    today = datetime.now(UTC)
    inputs = [(group, path, name) for group in groups for path, name in group.named()]
    with (
        _exclusive(folder / "lock"),
        tempfile.TemporaryDirectory(prefix="chainreview-pipe-") as scratch,
    ):
        parts = [
            (shown, _dated(_undated(feed, group.as_of), shown, today), group)
            for number, (group, path, name) in enumerate(inputs)
            for shown, feed in read_path(
                _readable(path, name, Path(scratch) / str(number)),
                name,
                kind=group.kind,
                workers=workers,
                progress=progress,
            )
        ]
        _reached(pause, Phase.READING)
        previous = snapshot.current_hash(home)
        base = snapshot.open_current(home)
        try:
            builder = snapshot.Builder(home, base)
            try:
                for shown, feed, group in parts:
                    builder.add_feed(feed, [shown], complete=group.complete, demo=group.demo)
                changes = builder.carry_over(replace=replace)
                _reached(pause, Phase.INDEXING)
                built = builder.finish(today.isoformat(timespec="seconds"))
            except BaseException:
                builder.abandon()
                raise
        finally:
            if base is not None:
                base.close()
        _reached(pause, Phase.SWITCHING)
        snapshot.switch(home, built.hash)
        snapshot.collect_garbage(home, {built.hash} | ({previous} if previous else set()))
    return ImportResult(
        hash=built.hash,
        previous=previous,
        sources=tuple(_report(name, change, parts) for name, change in changes.items()),
        manifest=built.manifest,
    )


def _readable(path: Path, display: str, scratch: Path) -> Path:
    """`path` when it is a folder or a regular file; a pipe's content copied into `scratch`
    (see the module doc); anything else refused, before a byte is read from it."""
    try:
        mode = path.stat().st_mode  # follows a symlink; never blocks, not even on a FIFO
    except FileNotFoundError as exc:
        raise IntelError(display, "no such file or directory") from exc
    except OSError as exc:
        raise IntelError(display, f"cannot read: {exc.strerror or exc}") from exc
    if stat.S_ISDIR(mode) or stat.S_ISREG(mode):
        return path
    if not stat.S_ISFIFO(mode):
        raise IntelError(display, f"is not a regular file or a folder ({file_kind(mode)})")
    with as_intel_error():
        data = raw.read_bytes(path, display, limits.MAX_FEED_FILE_BYTES)
    scratch.mkdir(parents=True)
    copy = scratch / (path.name or "pipe")
    copy.write_bytes(data)
    return copy


def _undated(feed: FeedData, as_of: str | None) -> FeedData:
    """`feed` dated `as_of` when none of its records is dated."""
    return feed if feed.newest or as_of is None else replace(feed, newest=as_of)


def _dated(feed: FeedData, shown: str, now: datetime) -> FeedData:
    """`feed`, warned when its newest record is dated after the import (OSV records warn one
    by one, as they are read)."""
    today = now.date().isoformat()
    if feed.kind is FeedKind.OSV or not feed.newest or feed.newest[:10] <= today:
        return feed
    future = Diagnostic(
        location=Location(file=shown),
        message=f"newest record dated {feed.newest[:10]}, after today ({today}); the snapshot "
        "dates this source no later than its import",
        code="future",
    )
    return replace(feed, warnings=(*feed.warnings, future))


def _report(
    name: str,
    change: snapshot.SourceChange,
    parts: list[tuple[str, FeedData, ImportGroup]],
) -> SourceReport:
    mine = [(shown, feed, group) for shown, feed, group in parts if feed.source == name]
    return SourceReport(
        name=name,
        kind=mine[0][1].kind,
        complete=any(group.complete for _, _, group in mine),
        inputs=tuple(shown for shown, _, _ in mine),
        records=change.records,
        withdrawn=change.withdrawn,
        warnings=tuple(w for _, feed, _ in mine for w in feed.warnings),
        rejected=tuple(r for _, feed, _ in mine for r in feed.rejected),
        change=change,
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


def _reached(pause: Pause | None, phase: Phase) -> None:
    if pause is not None:
        pause(phase)
