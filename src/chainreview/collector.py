"""Pausing Python's cyclic garbage collector around bulk work.

An intel import or a scan builds hundreds of thousands of small containers that live until it
ends and form no reference cycles, so every collection pass over them is pure cost (a tenth of
an import, a third of a scan of a finding-dense SBOM). Reference counting still frees garbage
at once; only the cycle detector waits, and what the block made then joins the oldest
generation unexamined (`_promote_young`).

The collector is the whole process's: only the CLI, a short-lived process, pauses it (`scan`,
`review`, `sbom inspect`, `intel import` and `intel sync`, around their bulk work). The library
never does, so that a service running it beside other work keeps collecting cycles.
"""

from __future__ import annotations

import gc
from collections.abc import Iterator
from contextlib import contextmanager


@contextmanager
def paused() -> Iterator[None]:
    """Pause the cyclic collector for the block (in processes forked meanwhile too), then
    restore it as it was."""
    enabled = gc.isenabled()
    gc.disable()
    try:
        yield
    finally:
        if enabled:
            _promote_young()
            gc.enable()


def _promote_young() -> None:
    """Move every tracked object to the oldest generation, unexamined.

    Everything the block made is still in the youngest generation, so the collector's first
    pass once enabled would walk all of it (70 ms after a large scan) although it is mostly
    alive; in the oldest generation it waits for the next full collection, like any
    long-lived data, and cycles among it are freed then. A process that froze objects of its
    own (`gc.freeze` before forking workers) keeps its freeze: nothing is moved then.
    """
    if gc.get_freeze_count() == 0:
        gc.freeze()
        gc.unfreeze()
