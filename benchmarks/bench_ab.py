"""Scan speed of two source trees of chainreview, measured alternately in one run (A/B).

    python benchmarks/bench_ab.py --before OLD/src --after NEW/src [--rounds N] [--size N]

On a shared machine the load changes from minute to minute, so two benchmark runs a few minutes
apart differ by more than most changes do. This script measures both trees in the same rounds,
one right after the other (the order swapped every round), on one synthetic CycloneDX SBOM of
real PyPI (package, version) pairs (as `bench_match.py` draws them) and one `CHAINREVIEW_HOME`
holding the PyPA and Go advisories:

* whole process, warm: `python -m chainreview scan FILE --format json`, each tree's first run
  (which compiles and keeps what its code keeps beside the snapshot) left out;
* in process, warm: a child process per tree and round opens the snapshot, scans once, then
  times `findings.scan.scan` (the matchers and findings built anew each time) `--repeat` times;
  the round's figure is the minimum;
* whole process, warm: `python -m chainreview review examples/grid-storage -o …` on a second
  home with the bundled snapshot installed (sanctions lists included, so the screening index
  is read back from beside the snapshot), each tree's first run left out.

Each tree runs with `PYTHONPATH` set to it, its bytecode written first. Figures: median and min
over the rounds, and the ratio after / before; target "not slower": the after median at most
1.05× the before median (printed MET / MISSED; the script always exits 0). Data:
`$CHAINREVIEW_SHARED_DATA` (default `../shared/data`).
"""

from __future__ import annotations

import argparse
import compileall
import os
import subprocess
import sys
import tempfile
from pathlib import Path
from typing import Final

from _common import SHARED_DATA, Stats, chainreview_home, load_advisories, run_measured, verdict
from bench_match import SEED, version_pairs, write_sbom

TARGET: Final = 1.05
EXAMPLE: Final = Path(__file__).resolve().parents[1] / "examples" / "grid-storage"

_WARM: Final = """
import sys, time
from datetime import date
from pathlib import Path
from chainreview import collector
from chainreview.evidence.merge import merge_documents
from chainreview.evidence.sbom import read_sbom
from chainreview.findings.scan import matchers_for, scan
from chainreview.intel.snapshot import open_current

home, sbom, repeat = Path(sys.argv[1]), Path(sys.argv[2]), int(sys.argv[3])
inventory = merge_documents([read_sbom(sbom, str(sbom), validate=False)])
snapshot = open_current(home)
with snapshot:
    def once():
        with collector.paused():
            scan(inventory, matchers_for(snapshot), snapshot, snapshot=snapshot.hash,
                 today=date(2026, 1, 1))
    once()
    times = []
    for _ in range(repeat):
        start = time.perf_counter()
        once()
        times.append(time.perf_counter() - start)
print(min(times))
"""
"""A warm in-process scan in a child, printing its best time in seconds."""


def _env(tree: Path) -> dict[str, str]:
    return {**os.environ, "PYTHONPATH": str(tree)}


def _whole(tree: Path, sbom: Path) -> float:
    command = [sys.executable, "-m", "chainreview", "scan", str(sbom), "--format", "json"]
    return run_measured(command, env=_env(tree)).wall


def _review(tree: Path, home: Path, folder: Path) -> float:
    out = tempfile.mkdtemp(dir=folder)  # a new output folder each run
    command = [sys.executable, "-m", "chainreview", "review", str(EXAMPLE), "-o", out]
    return run_measured(command, env={**_env(tree), "CHAINREVIEW_HOME": str(home)}).wall


def _warm(tree: Path, home: Path, sbom: Path, repeat: int) -> float:
    command = [sys.executable, "-c", _WARM, str(home), str(sbom), str(repeat)]
    done = subprocess.run(command, env=_env(tree), capture_output=True, check=True, text=True)
    return float(done.stdout.split()[-1])


def _report(label: str, before: list[float], after: list[float]) -> None:
    old, new = Stats.of(before), Stats.of(after)
    ratio = new.median / old.median
    print(
        f"  {label}: before median {old.median * 1000:.0f} ms (min {old.minimum * 1000:.0f}), "
        f"after median {new.median * 1000:.0f} ms (min {new.minimum * 1000:.0f}); "
        f"after/before {ratio:.3f}× (min/min {new.minimum / old.minimum:.3f}×); "
        f"target not slower (≤ {TARGET}×): {verdict(ratio <= TARGET)}"
    )


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--before", type=Path, required=True, help="source root of the baseline")
    parser.add_argument("--after", type=Path, required=True, help="source root of the change")
    parser.add_argument("--data", type=Path, default=SHARED_DATA)
    parser.add_argument("--rounds", type=int, default=10)
    parser.add_argument("--repeat", type=int, default=3, help="timed warm scans per child")
    parser.add_argument("--size", type=int, default=4_600, help="PyPI components of the SBOM")
    args = parser.parse_args()
    trees = {"before": args.before.resolve(), "after": args.after.resolve()}
    for tree in trees.values():
        compileall.compile_dir(tree / "chainreview", quiet=1)
    pairs = version_pairs(load_advisories(args.data))["PyPI"]
    with (
        tempfile.TemporaryDirectory(prefix="bench-ab-") as folder,
        chainreview_home(args.data) as home,
    ):
        sbom = write_sbom(Path(folder), "PyPI", pairs, args.size, SEED)
        bundled = Path(folder) / "bundled-home"
        for tree in trees.values():  # each compiles and keeps what its code keeps
            _whole(tree, sbom)
            _review(tree, bundled, Path(folder))  # the first installs the bundled snapshot
        whole: dict[str, list[float]] = {name: [] for name in trees}
        warm: dict[str, list[float]] = {name: [] for name in trees}
        review: dict[str, list[float]] = {name: [] for name in trees}
        for number in range(args.rounds):
            order = list(trees) if number % 2 == 0 else list(reversed(trees))
            for name in order:
                whole[name].append(_whole(trees[name], sbom))
                warm[name].append(_warm(trees[name], home, sbom, args.repeat))
                review[name].append(_review(trees[name], bundled, Path(folder)))
        print(f"\n== {sbom.name}, {args.rounds} alternated rounds")
        _report("whole process `chainreview scan --format json`", whole["before"], whole["after"])
        _report(
            f"warm in-process scan (best of {args.repeat} per round)",
            warm["before"],
            warm["after"],
        )
        _report(
            f"whole process `chainreview review {EXAMPLE.name}`", review["before"], review["after"]
        )


if __name__ == "__main__":
    main()
