"""The worker processes of a local Dask cluster that `monitor run --scheduler local[:N]` starts.

They are short-lived processes of the run, as the CLI's own process is, and hold the same kind
of work: the re-match builds long-lived objects without reference cycles. So they run with the
cyclic garbage collector paused (`chainreview.collector`), through a Dask worker plugin, as the
CLI's process does; on the benchmark's full re-match that halves the CPU each worker spends
(docs/portfolio.md). A running scheduler's workers (`tcp://…`) are long-running processes the
CLI did not start, and are left as they are.
"""

from __future__ import annotations

from contextlib import ExitStack
from typing import TYPE_CHECKING

from distributed.diagnostics.plugin import WorkerPlugin

from chainreview import collector

if TYPE_CHECKING:
    from distributed import Client, Worker

__all__ = ["PausedCollector", "pause_collectors"]


class PausedCollector(WorkerPlugin):
    """Pauses the cyclic collector of each worker process it is set up in, until torn down."""

    name = "chainreview-paused-collector"

    def setup(self, worker: Worker) -> None:
        self._paused = ExitStack()
        self._paused.enter_context(collector.paused())

    def teardown(self, worker: Worker) -> None:
        self._paused.close()


def pause_collectors(client: Client) -> None:
    """Pause the collector of every worker of `client`'s cluster, and of those joining later."""
    client.register_plugin(PausedCollector())
