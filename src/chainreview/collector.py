"""Pausing Python's cyclic garbage collector around bulk work.

An intel import or a scan builds hundreds of thousands of small containers that live until it
ends and form no reference cycles, so every collection pass over them is pure cost (a tenth of
an import, a third of a scan of a finding-dense SBOM). Reference counting still frees garbage
at once; only the cycle detector waits until the block ends.
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
            gc.enable()
