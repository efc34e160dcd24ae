"""Re-matching a portfolio's packages on a Dask cluster, partitioned by package.

`rematch_on_dask(work, snapshot, client)` cuts `work` into runs of whole packages of about
equal cost, submits `rematch.rematch(partition, snapshot)` once per partition to `client`, the
costliest first, and gathers the results in the order of `work`: the same `PackageResult`s, in
the same order, as `rematch(work, snapshot)` in one process (`rematch` matches each package on
its own). A package's cost is mostly its advisories (each is evaluated and built into findings
for every instance it affects), so a package weighs its advisories in the snapshot as well as
its instances (`weight`). A task carries its packages and the snapshot's path, never the
snapshot: each worker opens the file itself (and keeps what it compiles beside it,
`intel.derived`), so on a cluster of several machines the intel home must be at the same path
on every worker. A task returns only what the caller does not hold (`outcomes`).

The client is the caller's (`scheduler.dask_client` makes one): this module starts nothing.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from pathlib import Path
from typing import TYPE_CHECKING, Final, TypeAlias

from chainreview.errors import NetworkError
from chainreview.intel.snapshot import Snapshot
from chainreview.portfolio.deployments import PackageKey
from chainreview.portfolio.rematch import (
    InstanceResult,
    PackageResult,
    PackageWork,
    Seen,
    rematch,
)

if TYPE_CHECKING:
    from distributed import Client

__all__ = [
    "PARTITIONS_PER_WORKER",
    "Outcome",
    "outcomes",
    "partitions",
    "rematch_on_dask",
    "weight",
]

PARTITIONS_PER_WORKER: Final = 4
"""Partitions per worker thread: several, so that a worker done early takes another."""
PACKAGE_WEIGHT: Final = 24
"""A package's fixed cost in instances: looking it up and reading its compiled advisories."""
ADVISORY_WEIGHT: Final = 16
"""An advisory's cost in instances: evaluating it and building its findings. Measured on the
benchmark's 652 packages one by one: about 0.6 ms a package, 0.4 ms an advisory and 0.03 ms
an instance (the advisories alone explain 84 % of the variance, the instances 10 %)."""

Outcome: TypeAlias = tuple[str, tuple[Seen, ...], tuple[str, ...]]
"""An instance's result without the instance: its coverage, findings and undetermined ids."""


def weight(item: PackageWork, advisories: int) -> int:
    """The cost of re-matching `item`, a package with `advisories` advisories, in instances."""
    return len(item.instances) + ADVISORY_WEIGHT * advisories + PACKAGE_WEIGHT


def partitions(
    work: Sequence[PackageWork], weights: Sequence[int], count: int
) -> list[Sequence[PackageWork]]:
    """`work` cut into at most `count` consecutive runs of whole packages, each about the
    same total of `weights` (one per package); none empty."""
    total = sum(weights)
    cuts: list[Sequence[PackageWork]] = []
    start, done = 0, 0
    for end, each in enumerate(weights, 1):
        done += each
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
    with Snapshot(snapshot) as opened:
        counts: Mapping[PackageKey, int] = opened.advisory_counts(w.package for w in work)
    weights = [weight(item, counts[item.package]) for item in work]
    parts = partitions(work, weights, threads * PARTITIONS_PER_WORKER)
    try:
        # Dask runs the higher priority first: the costliest partitions, so that the last
        # ones to finish are short and the workers finish together.
        start, futures = 0, []
        for part in parts:
            cost = sum(weights[start : start + len(part)])
            start += len(part)
            futures.append(
                client.submit(outcomes, part, snapshot=snapshot, pure=False, priority=cost)
            )
        gathered: list[tuple[tuple[Outcome, ...], ...]] = client.gather(futures)  # type: ignore[no-untyped-call]
    except CommClosedError as exc:  # the scheduler went away
        raise NetworkError(address, f"lost the Dask scheduler during the re-match ({exc})") from exc
    return tuple(
        PackageResult(
            package=item.package,
            instances=tuple(
                InstanceResult(
                    instance=instance, coverage=coverage, findings=found, undetermined=undecided
                )
                for instance, (coverage, found, undecided) in zip(
                    item.instances, outcome, strict=True
                )
            ),
        )
        for part, results in zip(parts, gathered, strict=True)
        for item, outcome in zip(part, results, strict=True)
    )


def outcomes(work: Sequence[PackageWork], snapshot: Path) -> tuple[tuple[Outcome, ...], ...]:
    """`rematch(work, snapshot)` as a task returns it: per package, per instance, its result
    without what the caller holds already (the package and the instance), so that only the
    findings travel back, each distinct one pickled once (`rematch` makes one object of equal
    findings)."""
    return tuple(
        tuple((i.coverage, i.findings, i.undetermined) for i in result.instances)
        for result in rematch(work, snapshot)
    )
