"""Where a portfolio re-match runs: a Dask scheduler named by the caller, or a local cluster
started for the call (DESIGN §6; docs/portfolio.md).

A scheduler is named `tcp://HOST:PORT` (a running `dask scheduler`, whose workers must see the
intel snapshot at the same path) or `local[:N]` (a `LocalCluster` of N worker processes, one
thread each, on this machine; N defaults to its CPU count). `parse_scheduler` reads the name;
`dask_client` connects, or starts the local cluster, only when called, and closes what it
opened on leaving. The client is never made the process's default Dask client, and the local
cluster serves no dashboard.
"""

from __future__ import annotations

import logging
import os
import re
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from typing import TYPE_CHECKING, Final

from chainreview.errors import NetworkError

if TYPE_CHECKING:
    from distributed import Client

__all__ = ["CONNECT_TIMEOUT", "Scheduler", "dask_client", "parse_scheduler"]

CONNECT_TIMEOUT: Final = 10.0
"""Seconds to wait for a scheduler to answer, or a local cluster to start."""
MAX_LOCAL_WORKERS: Final = 256
"""Worker processes a `local:N` cluster may start."""

_TCP: Final = re.compile(r"tcp://(?P<host>\[[0-9A-Fa-f:.]+\]|[A-Za-z0-9.-]+):(?P<port>\d{1,5})")
_LOCAL: Final = re.compile(r"local(?::(?P<workers>\d{1,4}))?")


@dataclass(frozen=True, slots=True, kw_only=True)
class Scheduler:
    """A scheduler to run on: `address` (`tcp://…`), or a local cluster of `workers`."""

    address: str | None
    workers: int
    """Worker processes of the local cluster (0 with an address)."""

    def __str__(self) -> str:
        return self.address if self.address is not None else f"local:{self.workers}"


def parse_scheduler(text: str) -> Scheduler:
    """The scheduler `text` names (module doc); `ValueError` for anything else."""
    if (tcp := _TCP.fullmatch(text)) is not None:
        if not 0 < int(tcp["port"]) < 65536:
            raise ValueError(f"{text!r}: the port must be 1 to 65535")
        return Scheduler(address=text, workers=0)
    if (local := _LOCAL.fullmatch(text)) is not None:
        workers = int(local["workers"]) if local["workers"] else os.cpu_count() or 1
        if not 0 < workers <= MAX_LOCAL_WORKERS:
            raise ValueError(f"{text!r}: a local cluster has 1 to {MAX_LOCAL_WORKERS} workers")
        return Scheduler(address=None, workers=workers)
    raise ValueError(f"{text!r} is not a scheduler: give tcp://HOST:PORT, local or local:N")


@contextmanager
def dask_client(scheduler: Scheduler, *, timeout: float = CONNECT_TIMEOUT) -> Iterator[Client]:
    """A Dask client of `scheduler` for the block (module doc); raises `NetworkError` naming
    the address when the scheduler does not answer within `timeout` seconds."""
    from distributed import Client, LocalCluster  # loaded only when a scheduler is asked for

    if scheduler.address is None:
        with (
            LocalCluster(  # type: ignore[no-untyped-call]
                n_workers=scheduler.workers,
                threads_per_worker=1,
                processes=True,
                dashboard_address=None,
                scheduler_kwargs={"dashboard_address": ":0"},  # its HTTP server: any free port
                silence_logs=logging.ERROR,
            ) as cluster,
            Client(cluster, set_as_default=False) as client,  # type: ignore[no-untyped-call]
        ):
            yield client
        return
    try:
        client = Client(  # type: ignore[no-untyped-call]
            scheduler.address, timeout=timeout, set_as_default=False
        )
    except OSError as exc:  # refused, no such host, or no answer in time
        raise NetworkError(
            scheduler.address, f"cannot reach the Dask scheduler within {timeout:g} s ({exc})"
        ) from exc
    with client:
        yield client
