"""The re-review monitor (issue #16): an incremental run against a full re-match of the same
portfolio, measured in the same run.

Two real snapshots are imported into a throwaway `CHAINREVIEW_HOME`: the PyPA advisories last
modified up to 2023-09-30, then every PyPA advisory and the CISA KEV catalogue (the monitor
tests' pair), or with `--new N` those up to 2023-09-30 and the N modified next. A seeded
synthetic portfolio (default 1,000 products × 500 components, 200 systems) is built in memory
from real (package, version) pairs: the versions the PyPA advisories list as affected, drawn
with a long-tailed weight so that popular packages are shared by many products. The baseline
run on the first snapshot is timed (it matches every deployed package), then, R times each,
alternately, from a copy of that baseline state:

* the incremental run on the second snapshot (`run_monitor`: the snapshot diff, then only the
  packages whose advisories changed);
* the full re-match of the same portfolio on the second snapshot: the same `run_monitor` with
  the first snapshot moved away, so every deployed package is matched again
  (`previous-snapshot-gone`); both must flag the same products for the same reasons and keep
  the same result for every deployed instance.

The first full run compiles every package of the second snapshot (kept beside it for the
later runs), so it is printed apart. Prints the times (median and min), the ratio, the
packages re-matched, the products flagged and this process's peak memory; exits 0.

With `--dask`, the full re-match of every deployed package on the second snapshot is then
timed in this process and on a local Dask cluster of 1, then 2 worker processes
(`dask_rematch.rematch_on_dask`), with the ratio; the results must be identical.

Each (package, version) pair is one `Component` object shared by the products carrying it, so
that 10,000 × 1,000 (10M component instances) fits in memory as references; the monitor
indexes each product's components one by one all the same.

    python benchmarks/bench_portfolio.py [--products N] [--components N] [--repeat R] [--new N]
        [--dask]
"""

from __future__ import annotations

import argparse
import hashlib
import itertools
import random
import resource
import shutil
import statistics
import tempfile
import time
from datetime import date
from pathlib import Path
from typing import Any

import yaml

from _common import SHARED_DATA
from chainreview import collector
from chainreview.cli.local_workers import pause_collectors
from chainreview.components.model import (
    Component,
    Encoding,
    Inventory,
    SbomDocument,
    SbomFormat,
)
from chainreview.evidence.declaration import Criticality
from chainreview.intel import importer
from chainreview.intel.snapshot import current_hash, open_current, snapshot_path
from chainreview.portfolio.dask_rematch import rematch_on_dask
from chainreview.portfolio.deployments import index_deployments
from chainreview.portfolio.model import DeployedProduct, Deployment, Portfolio, System, Vendor
from chainreview.portfolio.monitor import MonitorReport, run_monitor
from chainreview.portfolio.monitor_state import kept_results
from chainreview.portfolio.rematch import PackageWork, rematch
from chainreview.portfolio.scheduler import Scheduler, dask_client

CUTOFF = "2023-09-30"
PYPA = SHARED_DATA / "pypa-advisory-database" / "vulns"
KEV = SHARED_DATA / "cisa-kev" / "known_exploited_vulnerabilities.json"


def pairs_and_split(first: Path, second: Path, new: int | None) -> list[tuple[str, str]]:
    """Copy the advisories modified up to `CUTOFF` to `first`, and with `new` those and the
    `new` next ones by modification time to `second`; every (package, version) pair the
    advisories list as affected, sorted."""
    pairs: set[tuple[str, str]] = set()
    later: list[tuple[str, Path]] = []
    for path in sorted(PYPA.rglob("*.yaml")):
        record: dict[str, Any] = yaml.safe_load(path.read_text(encoding="utf-8"))
        modified = str(record["modified"])
        copies = [first, second] if modified[:10] <= CUTOFF else []
        if not copies:
            later.append((modified, path))
        for folder in copies:
            target = folder / path.relative_to(PYPA)
            target.parent.mkdir(parents=True, exist_ok=True)
            shutil.copyfile(path, target)
        for affected in record.get("affected") or ():
            name = affected["package"]["name"]
            pairs.update((name, str(v)) for v in affected.get("versions") or ())
    for _, path in sorted(later)[: new or 0]:
        target = second / path.relative_to(PYPA)
        target.parent.mkdir(parents=True, exist_ok=True)
        shutil.copyfile(path, target)
    return sorted(pairs)


def synthetic(pairs: list[tuple[str, str]], products: int, components: int) -> Portfolio:
    """A portfolio of `products` products of `components` real (package, version) pairs: one
    version per package, or, when there are fewer packages than `components` (652 PyPA packages
    for 1,000 components), distinct pairs, some packages then in several versions (as vendored
    copies are). Each pair is one `Component` object, shared by every product carrying it (its
    `ref` is its purl), so that 10M component instances fit in memory as references. Each
    product's inventory names one SBOM document whose `sha256` stands for its file's bytes (the
    digest of its pairs): what `read_sbom` records of a real file, and what tells the monitor
    that a product's SBOMs did not change."""
    rng = random.Random(16)
    pool = rng.sample(pairs, len(pairs))
    cumulative = list(itertools.accumulate(1 / (n + 1) ** 0.8 for n in range(len(pool))))
    criticality = list(Criticality)
    systems = tuple(
        System(
            id=f"SYS-{n}",
            name=f"System {n}",
            criticality=rng.choice(criticality),
            function=f"function {n % 20}",
        )
        for n in range(200)
    )
    shared: dict[tuple[str, str], Component] = {}
    by_name = components <= len({name for name, _ in pairs})
    made = []
    for p in range(products):
        picked: dict[object, tuple[str, str]] = {}
        while len(picked) < components:
            for pair in rng.choices(pool, cum_weights=cumulative, k=components - len(picked)):
                picked.setdefault(pair[0] if by_name else pair, pair)
        parts = []
        for pair in sorted(picked.values()):
            part = shared.get(pair)
            if part is None:
                name, version = pair
                purl = f"pkg:pypi/{name.lower()}@{version}"
                part = shared[pair] = Component(
                    ref=purl, name=name, version=version, purl=purl, ecosystem="PyPI"
                )
            parts.append(part)
        listed = "\n".join(f"{name} {version}" for name, version in sorted(picked.values()))
        document = SbomDocument(
            file=f"P-{p}.cdx.json",
            format=SbomFormat.CYCLONEDX,
            spec_version="1.6",
            encoding=Encoding.JSON,
            sha256=hashlib.sha256(listed.encode()).hexdigest(),
        )
        inventory = Inventory(
            documents=(document,),
            components=tuple(parts),
            services=(),
            edges=(),
            skipped=(),
            warnings=(),
            duplicates=(),
        )
        made.append(
            DeployedProduct(
                id=f"P-{p}",
                name=f"Product {p}",
                vendor="v",
                deployments=tuple(
                    Deployment(system=s.id, quantity=1, function=s.function)
                    for s in rng.sample(systems, rng.randint(1, 3))
                ),
                inventory=inventory,
            )
        )
    return Portfolio(
        operator="Synthetic operator",
        source="synthetic",
        systems=systems,
        vendors=(Vendor(id="v", name="V", country="DE"),),
        products=tuple(made),
    )


def timed_run(
    portfolio: Portfolio, home: Path, state: Path, day: date
) -> tuple[tuple[float, float], Any]:
    """One monitor run on `home`'s current snapshot with the state copied from `state`: its
    (wall, CPU) seconds and report. The CPU time says what the run costs when the machine's
    cores are shared with other work (its wall time then stretches)."""
    shutil.rmtree(home / "monitor", ignore_errors=True)
    shutil.copytree(state, home / "monitor")
    snapshot = open_current(home)
    assert snapshot is not None
    with snapshot, collector.paused():
        start, cpu = time.perf_counter(), time.process_time()
        report = run_monitor(portfolio, snapshot, home=home, inventory="synthetic", today=day)
        return (time.perf_counter() - start, time.process_time() - cpu), report


def seconds(runs: list[tuple[float, float]]) -> str:
    """Median and min of wall times, and the median CPU time."""
    wall = [w for w, _ in runs]
    cpu = statistics.median(c for _, c in runs)
    return (
        f"median {statistics.median(wall):.2f} s  min {min(wall):.2f} s  "
        f"(CPU {cpu:.2f} s; {len(runs)} runs)"
    )


def peak_mib() -> float:
    """This process's peak resident memory, MiB (Linux counts KiB)."""
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


def dask_workers(portfolio: Portfolio, snapshot: Path) -> None:
    """The full re-match of every deployed package on the current snapshot, as `monitor run`
    runs it: in this process with the collector paused, then on a local Dask cluster of 1 and
    of 2 worker processes (`rematch_on_dask`) whose collectors are paused
    (`cli.local_workers`); each timed after a first run (workers start, open the snapshot and
    read its compiled packages), the best of three, with this process's CPU time (the client,
    and the scheduler of a local cluster) and each worker's; the results must be identical."""
    index = index_deployments(portfolio)
    work = [PackageWork(package=k, instances=tuple(i)) for k, i in index.packages.items()]
    versions = sum(len(w.instances) for w in work)
    with collector.paused():
        rematch(work, snapshot)  # the compiled packages read once, as the workers' first run
        start, cpu = time.perf_counter(), time.process_time()
        alone = rematch(work, snapshot)
        took, cpu = time.perf_counter() - start, time.process_time() - cpu
    print(
        f"full re-match of {len(work):,} packages ({versions:,} versions), one process: "
        f"{took:.2f} s (CPU {cpu:.2f} s)"
    )
    best: dict[int, float] = {}
    for workers in (1, 2):
        with dask_client(Scheduler(address=None, workers=workers)) as client:
            pause_collectors(client)
            assert rematch_on_dask(work, snapshot, client) == alone
            runs = []
            for _ in range(3):
                before = client.run(time.process_time)  # type: ignore[no-untyped-call]
                start, cpu = time.perf_counter(), time.process_time()
                rematch_on_dask(work, snapshot, client)
                took, cpu = time.perf_counter() - start, time.process_time() - cpu
                after = client.run(time.process_time)  # type: ignore[no-untyped-call]
                spent = ", ".join(f"{after[w] - before[w]:.2f}" for w in sorted(before))
                runs.append((took, f"{took:.2f} s (CPU: client {cpu:.2f} s, workers {spent} s)"))
            best[workers] = min(took for took, _ in runs)
        print(f"  on Dask, {workers} worker(s), same results: " + "; ".join(t for _, t in runs))
    print(
        f"  best of 3: 1 worker {best[1]:.2f} s, 2 workers {best[2]:.2f} s; "
        f"1 / 2 workers: {best[1] / best[2]:.2f}× (target ≥ 1.6×)"
    )


def flags(report: MonitorReport) -> list[tuple[str, list[tuple[str, str]]]]:
    return [(f.product, [(c.reason, c.subject) for c in f.changes]) for f in report.flagged]


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--products", type=int, default=1_000)
    parser.add_argument("--components", type=int, default=500)
    parser.add_argument("--repeat", type=int, default=3)
    parser.add_argument(
        "--new",
        type=int,
        help="the second snapshot: the first and the N advisories modified next "
        "(default: every PyPA advisory and CISA KEV)",
    )
    parser.add_argument(
        "--dask",
        action="store_true",
        help="also time the full re-match on a local Dask cluster of 1, then 2 workers",
    )
    args = parser.parse_args()
    with tempfile.TemporaryDirectory(prefix="bench-portfolio-") as scratch:
        root = Path(scratch)
        pairs = pairs_and_split(root / "first", root / "second", args.new)
        home = root / "home"
        first = importer.import_paths([root / "first"], home=home, complete=True).hash
        portfolio = synthetic(pairs, args.products, args.components)
        instances = sum(len(p.inventory.components) for p in portfolio.products if p.inventory)
        print(
            f"portfolio: {args.products:,} products × {args.components:,} components "
            f"({instances:,} component instances) from {len(pairs):,} real PyPI "
            "(package, version) pairs"
        )
        snapshot = open_current(home)
        assert snapshot is not None
        with snapshot, collector.paused():
            start, cpu = time.perf_counter(), time.process_time()
            baseline = run_monitor(
                portfolio, snapshot, home=home, inventory="synthetic", today=date(2027, 1, 1)
            )
            took, cpu = time.perf_counter() - start, time.process_time() - cpu
        print(
            f"baseline run on the first snapshot (a full match): {took:.2f} s ({cpu:.2f} s CPU), "
            f"{len(baseline.rematched):,} packages ({baseline.instances_rematched:,} distinct "
            f"versions) matched; peak memory so far {peak_mib():,.0f} MiB"
        )
        state = root / "state"
        shutil.copytree(home / "monitor", state)
        if args.new is None:
            importer.import_paths([PYPA], home=home, complete=True)
            importer.import_paths([KEV], home=home, complete=True)
        else:
            importer.import_paths([root / "second"], home=home, complete=True)
        parked = root / f"{first}.sqlite"
        incremental: list[tuple[float, float]] = []
        full: list[tuple[float, float]] = []
        reports: dict[str, MonitorReport] = {}
        first_full = None
        kept: dict[str, object] = {}
        for _ in range(args.repeat):
            took, reports["incremental"] = timed_run(portfolio, home, state, date(2027, 1, 2))
            incremental.append(took)
            kept["incremental"] = kept.get("incremental") or kept_results(home)
            shutil.move(snapshot_path(home, first), parked)
            took, reports["full"] = timed_run(portfolio, home, state, date(2027, 1, 2))
            kept["full"] = kept.get("full") or kept_results(home)
            shutil.move(parked, snapshot_path(home, first))
            if first_full is None:
                first_full = took
            else:
                full.append(took)
        if args.repeat:
            inc, whole = reports["incremental"], reports["full"]
            assert flags(inc) == flags(whole), (
                "the incremental run must flag what the full one does"
            )
            assert kept["incremental"] == kept["full"], (
                "the incremental run must keep the results of a full re-match"
            )
            assert (inc.selection.value, whole.selection.value) == (
                "changed",
                "previous-snapshot-gone",
            )
            what = (
                "every PyPA advisory and KEV" if args.new is None else f"{args.new} advisories more"
            )
            print(
                f"second snapshot ({what}): {inc.changed_records:,} records changed; the "
                f"incremental run re-matches {len(inc.rematched):,} of {inc.packages:,} packages "
                f"({inc.instances_rematched:,} versions), the full one all "
                f"({whole.instances_rematched:,} versions); {len(inc.flagged):,} products flagged "
                "by both, for the same reasons"
            )
            print(
                "full re-match, first (compiles the new snapshot's packages): "
                f"{first_full[0]:.2f} s (CPU {first_full[1]:.2f} s)"
            )
            print(f"incremental run:    {seconds(incremental)}")
            if full:
                print(f"full re-match run:  {seconds(full)}")
                ratio = statistics.median(w for w, _ in incremental) / statistics.median(
                    w for w, _ in full
                )
                print(f"incremental / full: {ratio:.2f}")
        if args.dask:
            dask_workers(portfolio, snapshot_path(home, current_hash(home) or ""))
        print(f"peak memory (this process): {peak_mib():,.0f} MiB")


if __name__ == "__main__":
    main()
