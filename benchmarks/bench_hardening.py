"""Hardening figures per reader: executions fuzzed, crashes, and time and peak memory per MB.

    python benchmarks/bench_hardening.py [--fuzz-seconds N] [TARGET …]

For each reader of hostile input (the targets of `fuzz/targets.py`, all when none is named):

* fuzzes it with its atheris harness for `--fuzz-seconds` (`fuzz/run.py`): executions and
  crashes (target: 0);
* reads the largest real file of its format in `$CHAINREVIEW_SHARED_DATA` the way the harness
  does (the OSV reader: the Go vulndb folder, its largest real input; EPSS, absent from the
  data: a generated file of FIRST's size; the declaration: the largest example package), in a
  fresh process, and prints the time and the peak RSS gained while reading, each per MB of
  input, with the ratio to parsing the same bytes with the plain library (orjson, lxml, PyYAML's
  C loader, tomllib, or splitting lines) measured in the same run, a process apiece.

Needs atheris (`pip install -e '.[fuzz]'`). Exits 0 either way; prints MET / MISSED for "no crash".
"""

from __future__ import annotations

import argparse
import json
import subprocess
import sys
import tempfile
from pathlib import Path
from typing import Final

from _common import verdict

FUZZ: Final = Path(__file__).resolve().parents[1] / "fuzz"
sys.path.insert(0, str(FUZZ))

import run as fuzz_run  # noqa: E402  (fuzz/ is not a package)
import targets  # noqa: E402

PLAIN: Final = {
    "cyclonedx-json": "json",
    "cyclonedx-xml": "xml",
    "spdx-json": "json",
    "spdx-yaml": "yaml",
    "spdx-tagvalue": "lines",
    "spdx3-json": "json",
    "osv": "json",
    "nvd": "json",
    "kev": "json",
    "epss": "lines",
    "debian": "lines",
    "alpine": "json",
    "vex-cyclonedx": "json",
    "vex-openvex": "json",
    "vex-csaf": "json",
    "declaration": "yaml",
    "ignore": "toml",
    "inventory": "yaml",
    "calendar": "yaml",
}
"""How the same bytes are parsed for the baseline (a folder: each file of it)."""

_CHILD: Final = """
import json, resource, sys, time
from pathlib import Path
sys.path.insert(0, sys.argv[1])
mode, name, path, warm = sys.argv[2], sys.argv[3], Path(sys.argv[4]), Path(sys.argv[5])
if mode == "reader":
    import targets
    from chainreview.errors import InputError
    target = targets.TARGETS[name]
    def work(place):
        target.run(place, 1)
    try:
        work(warm)
    except InputError:
        pass
else:
    import orjson, tomllib, yaml
    from lxml import etree
    parse = {
        "json": orjson.loads,
        "xml": lambda data: etree.fromstring(data, etree.XMLParser(resolve_entities=False)),
        "yaml": lambda data: yaml.load(data, Loader=yaml.CSafeLoader),
        "toml": lambda data: tomllib.loads(data.decode()),
        "lines": lambda data: data.decode(errors="replace").splitlines(),
    }[mode]
    def work(place):
        kept = []
        found = sorted(p for p in place.rglob("*") if p.is_file()) if place.is_dir() else [place]
        for file in found:
            data = file.read_bytes()
            try:
                kept.append(parse(data))
            except Exception:  # a README beside the data, or a file of another format
                kept.append(data)
        return kept
def status(field):
    for line in Path("/proc/self/status").read_text().splitlines():
        if line.startswith(field + ":"):
            return int(line.split()[1])
    raise LookupError(field)
try:  # Linux: reset the high-water mark to the current RSS, so the peak is this read's own
    Path("/proc/self/clear_refs").write_text("5")
    before = status("VmRSS")
    peak = lambda: status("VmHWM")
except OSError:
    before = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
    peak = lambda: resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
start = time.perf_counter()
work(path)
elapsed = time.perf_counter() - start
after = peak()
files = [p for p in path.rglob("*") if p.is_file()] if path.is_dir() else [path]
print(json.dumps({"seconds": elapsed, "rss": (after - before) * 1024,
                  "bytes": sum(f.stat().st_size for f in files)}))
"""
"""Runs in a fresh process: the reader (everything imported, then warmed up on the smallest
seed, so that what loads on first use is not counted) or the plain parse of the input, timed,
with the peak RSS it adds over the RSS before it (Linux: the high-water mark reset through
`/proc/self/clear_refs`; elsewhere the growth of `ru_maxrss`, a lower bound)."""


def measure(mode: str, name: str, path: Path, warm: Path) -> dict[str, float]:
    """Time, RSS gained and bytes of reading `path` in a fresh process (`mode`: reader or a
    plain parser), after reading `warm`."""
    done = subprocess.run(
        [sys.executable, "-c", _CHILD, str(FUZZ), mode, name, str(path), str(warm)],
        capture_output=True,
        text=True,
        check=False,
    )
    if done.returncode != 0:
        raise RuntimeError(f"{name} ({mode}) failed: {done.stderr.strip()[-500:]}")
    figures: dict[str, float] = json.loads(done.stdout)
    return figures


def _smallest_seed(target: targets.Target, scratch: Path) -> Path:
    """The target's smallest seed, written where the reader takes it."""
    _, data = min(target.seeds(), key=lambda seed: (len(seed[1]), seed[0]))
    place = scratch / f"warm-{target.name}"
    if target.folder:
        place.mkdir()
        targets.unpack(data, place)
    else:
        place.write_bytes(data)
    return place


def main() -> None:
    """Fuzz and measure each reader, one line each."""
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("targets", nargs="*", metavar="TARGET", help=", ".join(targets.TARGETS))
    parser.add_argument("--fuzz-seconds", type=int, default=20, help="fuzzing time per reader")
    options = parser.parse_args()
    chosen = options.targets or list(targets.TARGETS)
    print(
        f"{'reader':15} {'executions':>10} {'crashes':>7}  {'input':32} {'MB':>6}"
        f" {'s/MB':>7} {'×plain':>7} {'peak MiB/MB':>11} {'×plain':>7}"
    )
    crashes = 0
    crashes_kept = Path(tempfile.mkdtemp(prefix="chainreview-fuzz-crashes-"))
    with tempfile.TemporaryDirectory(prefix="chainreview-bench-hardening-") as folder:
        scratch = Path(folder)
        for name in chosen:
            target = targets.TARGETS[name]
            outcome = fuzz_run.fuzz(name, options.fuzz_seconds, crashes_kept)
            crashes += outcome.crashes
            path = target.largest(scratch)
            warm = _smallest_seed(target, scratch)
            reader = measure("reader", name, path, warm)
            plain = measure(PLAIN[name], name, path, warm)
            megabytes = reader["bytes"] / 1e6
            shown = path.name if len(path.name) <= 32 else path.name[:31] + "…"
            rss = reader["rss"] / 2**20
            print(
                f"{name:15} {outcome.executions:10,} {outcome.crashes:7}  {shown:32} "
                f"{megabytes:6.2f} {reader['seconds'] / megabytes:7.3f} "
                f"{reader['seconds'] / max(plain['seconds'], 1e-6):6.1f}× "
                f"{rss / megabytes:11.1f} "
                + (f"{reader['rss'] / max(plain['rss'], 2**20):6.1f}×" if rss >= 1 else "  <1MiB"),
                flush=True,
            )
            if outcome.crashes:
                print(f"  crash: {outcome.problem} (input {outcome.artifact})", flush=True)
    print(f"no crash in {len(chosen)} readers: {verdict(crashes == 0)}")


if __name__ == "__main__":
    main()
