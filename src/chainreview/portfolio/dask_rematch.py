"""Re-matching a portfolio's packages on a Dask cluster, partitioned by package.

`rematch_on_dask(work, snapshot, client)` cuts `work` into runs of whole packages of about
equal size, submits `rematch.rematch(partition, snapshot)` once per partition to `client`, and
gathers the results in the order of `work`: the same `PackageResult`s, in the same order, as
`rematch(work, snapshot)` in one process (`rematch` matches each package on its own). A task
carries its packages and the snapshot's path, never the snapshot: each worker opens the file
itself (and keeps what it compiles beside it, `intel.derived`), so on a cluster of several
machines the intel home must be at the same path on every worker.

The client is the caller's (`scheduler.dask_client` makes one): this module starts nothing.
"""

from __future__ import annotations

from collections.abc import Sequence
from pathlib import Path
from typing import TYPE_CHECKING, Final

from chainreview.errors import NetworkError
from chainreview.portfolio.rematch import PackageResult, PackageWork, rematch

if TYPE_CHECKING:
    from distributed import Client

__all__ = ["PARTITIONS_PER_WORKER", "partitions", "rematch_on_dask"]

PARTITIONS_PER_WORKER: Final = 4
"""Partitions per worker thread: several, so that a worker done early takes another."""
PACKAGE_WEIGHT: Final = 8
"""A package's cost in instances: looking it up and compiling its advisories."""


def partitions(work: Sequence[PackageWork], count: int) -> list[Sequence[PackageWork]]:
    """`work` cut into at most `count` consecutive runs of whole packages, each about the
    same weight (instances, plus `PACKAGE_WEIGHT` per package); none empty."""
    weights = [len(item.instances) + PACKAGE_WEIGHT for item in work]
    total = sum(weights)
    cuts: list[Sequence[PackageWork]] = []
    start, done = 0, 0
    for end, weight in enumerate(weights, 1):
        done += weight
        if done * count >= total * (len(cuts) + 1) or end == len(work):
            cuts.append(work[start:end])
            start = end
    return cuts


def rematch_on_dask(
    work: Sequence[PackageWork], snapshot: Path, client: Client
) -> tuple[PackageResult, ...]:
    """`rematch(work, snapshot)`, run on `client`'s workers by partition (module doc).
    Raises `NetworkError` naming the scheduler when it has no worker, or the connection to it
    is lost; an error a partition raises is raised here as it was."""
    if not work:
        return ()
    from distributed.comm.core import CommClosedError

    address = str(getattr(client.scheduler, "address", "the Dask scheduler"))
    threads = sum(client.nthreads().values())  # type: ignore[no-untyped-call]
    if threads == 0:
        raise NetworkError(address, "the Dask scheduler has no worker")
    parts = partitions(work, threads * PARTITIONS_PER_WORKER)
    try:
        futures = client.map(rematch, parts, snapshot=snapshot, pure=False)
        gathered: list[tuple[PackageResult, ...]] = client.gather(futures)  # type: ignore[no-untyped-call]
    except CommClosedError as exc:  # the scheduler went away
        raise NetworkError(address, f"lost the Dask scheduler during the re-match ({exc})") from exc
    return tuple(result for part in gathered for result in part)
