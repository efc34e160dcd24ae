"""A `Reviewer` on the current intel snapshot under the service's home, for one request (the
bundled snapshot is installed on first use, as `chainreview review` does)."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager

from chainreview.api.context import Context
from chainreview.reviewer import Reviewer
from chainreview.snapshots import open_snapshot


@contextmanager
def reviewer(shared: Context) -> Iterator[Reviewer]:
    """A reviewer on the current snapshot, closed after the request (it belongs to the thread
    that opened it)."""
    with open_snapshot(shared.settings.home, install_bundled=True) as snapshot:
        yield Reviewer(snapshot, clock=shared.clock)
