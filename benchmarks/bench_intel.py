"""Benchmark `intel import` of the three real OSV corpora, and opening + looking up a snapshot.

Prints advisories/s for a full import (parse + validate + index + switch) with one and with two
worker processes, with the CPU time the import process and its workers spent (on a busy machine
the wall time says more about the neighbours), and the time to open the current snapshot and look
up 10,000 package names.
Targets: ≥ 2,500 advisories/s on one core, ≥ 4,500/s on two; open + 10,000 look-ups ≤ 0.2 s.

    python benchmarks/bench_intel.py [--data ../shared/data]
"""

from __future__ import annotations

import argparse
import os
import tempfile
import time
from pathlib import Path

from chainreview.intel import importer, snapshot

CORPORA = ("pypa-advisory-database", "golang-vulndb/data/osv", "rustsec-advisory-db-osv/crates")
LOOKUPS = 10_000


def bench_import(data: Path, workers: int) -> tuple[int, float, float, float]:
    """(advisories, wall seconds, CPU seconds of this process, CPU seconds of its workers)."""
    with tempfile.TemporaryDirectory() as home:
        before = os.times()
        start = time.perf_counter()
        result = importer.import_paths(
            [data / c for c in CORPORA], home=Path(home), workers=workers
        )
        elapsed = time.perf_counter() - start
        after = os.times()
    own = after.user + after.system - before.user - before.system
    children = (
        after.children_user + after.children_system - before.children_user - before.children_system
    )
    return sum(s.records for s in result.sources), elapsed, own, max(children, 0.0)


def bench_lookups(data: Path) -> tuple[float, int]:
    with tempfile.TemporaryDirectory() as home:
        importer.import_paths([data / c for c in CORPORA], home=Path(home), workers=2)
        names = sorted({p.parent.name for p in (data / CORPORA[0] / "vulns").rglob("*.yaml")})
        queries = [(names[i % len(names)] if i % 2 else f"absent-{i}") for i in range(LOOKUPS)]
        start = time.perf_counter()
        current = snapshot.open_current(Path(home))
        assert current is not None
        found = sum(len(current.advisories_for("PyPI", name)) for name in queries)
        elapsed = time.perf_counter() - start
        current.close()
        cold = _every_package_once(Path(home))
    print(f"cold: open + every package once ({cold[1]:,} look-ups, no repeats): {cold[0]:.3f} s")
    return elapsed, found


def _every_package_once(home: Path) -> tuple[float, int]:
    """Open a fresh view and look up every (ecosystem, name) once: no per-snapshot cache hits."""
    start = time.perf_counter()
    current = snapshot.open_current(home)
    assert current is not None
    with current:
        packages = current.packages()
        for ecosystem, name in packages:
            current.advisories_for(ecosystem, name)
    return time.perf_counter() - start, len(packages)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument(
        "--data",
        type=Path,
        default=Path(
            os.environ.get(
                "CHAINREVIEW_SHARED_DATA", Path(__file__).resolve().parents[2] / "shared" / "data"
            )
        ),
    )
    args = parser.parse_args()
    bench_import(args.data, 1)  # warm the file cache
    rates = []
    for workers in (1, 2):
        count, elapsed, own, children = bench_import(args.data, workers)
        rates.append(count / elapsed)
        print(
            f"import, {workers} worker(s): {count} advisories in {elapsed:.2f} s = "
            f"{rates[-1]:,.0f}/s (CPU: {own:.2f} s here, {children:.2f} s in workers)"
        )
    print(f"two workers / one: {rates[1] / rates[0]:.2f}×")
    elapsed, found = bench_lookups(args.data)
    print(f"open + {LOOKUPS:,} look-ups: {elapsed:.3f} s ({found} entries found)")


if __name__ == "__main__":
    main()
