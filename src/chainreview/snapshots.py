"""Opening the current intel snapshot for the library's callers (CLI, service, workers).

`open_snapshot` never installs anything unless asked: with no current snapshot it raises the
one-line `InputError` that says how to get one, or, with `install_bundled`, installs the bundled
demo snapshot first (a second or two, once; concurrent callers wait for one install). The
snapshot it returns is read-only and cheap to keep open; close it (or use it as a context
manager) when done. It belongs to the thread that opened it (its SQLite connection does): a
server opens one per worker thread.
"""

from __future__ import annotations

from pathlib import Path

from chainreview import home as chainreview_home
from chainreview.errors import InputError
from chainreview.intel import bundled
from chainreview.intel.snapshot import Snapshot, intel_dir, open_current, snapshot_path
from chainreview.progress import Progress, silent

__all__ = ["open_snapshot"]


def open_snapshot(
    home: Path | None = None, *, install_bundled: bool = False, progress: Progress = silent
) -> Snapshot:
    """The current snapshot under `home` (default: `$CHAINREVIEW_HOME`, see `chainreview.home`).

    Raises `InputError` when there is none and `install_bundled` is false. With
    `install_bundled`, the bundled snapshot is installed when none is current, or when the
    current one is the bundle's own of an older format; `progress` hears of the install.
    """
    data_home = chainreview_home.data_home() if home is None else home
    if install_bundled:
        return Snapshot(snapshot_path(data_home, bundled.ensure_snapshot(data_home, progress)))
    snapshot = open_current(data_home)
    if snapshot is None:
        how = "chainreview intel import PATH…, intel sync, or intel import --bundled"
        raise InputError(str(intel_dir(data_home)), f"no intel snapshot: get one with {how}")
    return snapshot
