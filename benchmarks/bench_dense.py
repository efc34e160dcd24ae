"""Scan speed on a finding-dense SBOM, and what the terminal table adds to it (issue #12).

    python benchmarks/bench_dense.py [--size N] [--repeat N] [--data ../shared/data]

`bench_match.py` draws its components at random from the advisories' versions, so about half
are affected, by one or two advisories each. A real application's old lock file is denser: the
issue's held-out 4,634-component PyPI SBOM gave 12,006 findings. This script writes such a file
from the PyPA advisories themselves (seeded, in a temporary folder): the (package, version)
pairs that the most advisories list among their affected `versions`, densest first, `--size`
of them (4,634 by default). Then, on a temporary `CHAINREVIEW_HOME` holding the PyPA and Go
advisories, alternated in one run, a first run each and then N measured runs each (median):

* `chainreview scan FILE --format json`, against trivy 0.59.1 offline on the same file (its
  database built from the same advisories by `shared/tools/peer-trivy/setup.sh`): wall time and
  peak RSS, and their ratios. Target: each ≤ 0.25× trivy's;
* `chainreview scan FILE` (the terminal table: counts by severity and the most severe findings)
  and `scan FILE --all` (every finding, a plain line each), written to a file as a pipe would
  be: what each adds to the JSON scan. Target: the table ≤ 20% of the scan's time.

The findings each tool reports are counted (chainreview's under its ids, trivy's under its own);
`bench_match.py` compares them pair by pair. The script always exits 0.
"""

from __future__ import annotations

import argparse
import json
import sys
import tempfile
from collections import Counter
from collections.abc import Sequence
from pathlib import Path
from typing import Final

from _common import (
    SHARED_DATA,
    Run,
    Stats,
    chainreview_command,
    chainreview_home,
    compile_package,
    load_advisories,
    mib,
    run_measured,
    trivy_available,
    trivy_command,
    verdict,
)
from bench_match import version_pairs, write_sbom

SIZE: Final = 4_634
SEED: Final = 20261207
TARGET_RATIO: Final = 0.25
TARGET_TABLE: Final = 0.20


def densest_pairs(data: Path, size: int) -> list[tuple[str, str]]:
    """The `size` PyPI (package, version) pairs the most live PyPA advisories list as affected,
    densest first (ties by name and version)."""
    advisories = load_advisories(data)
    listed: Counter[tuple[str, str]] = Counter()
    for (ecosystem, _), entries in advisories.by_package.items():
        if ecosystem != "PyPI":
            continue
        for entry in entries:
            if entry.withdrawn:
                continue
            name = str(entry.affected["package"]["name"])
            for version in {str(v) for v in entry.affected.get("versions") or ()}:
                listed[(name, version)] += 1
    real = set(version_pairs(advisories)["PyPI"])
    ranked = sorted((pair for pair in listed if pair in real), key=lambda p: (-listed[p], p))
    return ranked[:size]


def measured(commands: dict[str, list[str]], repeat: int) -> dict[str, list[Run]]:
    """A first run of each command (not kept), then `repeat` runs each, alternated."""
    for command in commands.values():
        run_measured(command)
    runs: dict[str, list[Run]] = {name: [] for name in commands}
    for _ in range(repeat):
        for name, command in commands.items():
            runs[name].append(run_measured(command))
    return runs


def main(argv: Sequence[str] | None = None) -> int:
    """Run the benchmark (see the module doc)."""
    parser = argparse.ArgumentParser(description=(__doc__ or "").splitlines()[0])
    parser.add_argument("--size", type=int, default=SIZE, help="components (default 4,634)")
    parser.add_argument("--repeat", type=int, default=3, help="measured runs of each command")
    parser.add_argument("--data", type=Path, default=SHARED_DATA, help="the shared data folder")
    options = parser.parse_args(argv)
    pairs = densest_pairs(options.data, options.size)
    with tempfile.TemporaryDirectory(prefix="bench-dense-") as folder:
        sbom = write_sbom(Path(folder), "PyPI", pairs, len(pairs), SEED)
        print(f"{sbom.name}: {len(pairs):,} components, the densest PyPI pairs of the PyPA data")
        compile_package()
        with chainreview_home(options.data):
            json_scan = chainreview_command(sbom)
            commands = {
                "scan --format json": json_scan,
                "scan (table)": json_scan[:-2],
                "scan --all": [*json_scan[:-2], "--all"],
            }
            if trivy_available():
                commands["trivy"] = trivy_command("PyPI", sbom)
            runs = measured(commands, options.repeat)
    report(runs)
    return 0


def report(runs: dict[str, list[Run]]) -> None:
    """Print the figures and the targets."""
    wall = {name: Stats.of(r.wall for r in done) for name, done in runs.items()}
    rss = {name: Stats.of(float(r.peak_rss) for r in done) for name, done in runs.items()}
    result = json.loads(runs["scan --format json"][0].stdout)
    findings = result["counts"]["findings"]
    print(f"chainreview: {findings:,} findings")
    if "trivy" in runs:
        reports = json.loads(runs["trivy"][0].stdout).get("Results") or []
        found = sum(len(r.get("Vulnerabilities") or ()) for r in reports)
        print(f"trivy:       {found:,} findings")
    print(f"{'command':<20} {'median s':>9} {'min s':>7} {'peak RSS':>10}")
    for name in runs:
        times = f"{wall[name].median:>9.2f} {wall[name].minimum:>7.2f}"
        print(f"{name:<20} {times} {mib(rss[name].median):>10}")
    scan = wall["scan --format json"].median
    for name in ("scan (table)", "scan --all"):
        added = (wall[name].median - scan) / scan
        target = f" (target ≤ {TARGET_TABLE:.0%}) {verdict(added <= TARGET_TABLE)}"
        print(f"{name} adds {added:+.0%} to the JSON scan" + (target if "table" in name else ""))
    if "trivy" in runs:
        time_ratio = scan / wall["trivy"].median
        memory_ratio = rss["scan --format json"].median / rss["trivy"].median
        for what, ratio in (("time", time_ratio), ("peak RSS", memory_ratio)):
            met = verdict(ratio <= TARGET_RATIO)
            print(f"{what}: chainreview / trivy = {ratio:.2f}x (target ≤ {TARGET_RATIO}x) {met}")
    else:
        print("trivy not set up (shared/tools/peer-trivy/setup.sh): no ratio", file=sys.stderr)


if __name__ == "__main__":
    raise SystemExit(main())
