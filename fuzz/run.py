"""Run the atheris harnesses: `python fuzz/run.py [--seconds N] [--jobs J] [TARGET …]`.

Each target (all when none is named; see `targets.py`) is fuzzed by `harness.py` in its own
process for `--seconds`, `--jobs` at a time, with a per-input time limit (`--input-seconds`) and
a memory limit (`--rss-mb`): an input that takes longer or more counts as a crash, like an
exception other than `InputError`. Crash inputs are kept in `--out` (by default a temporary
folder, named in the report); `python fuzz/harness.py TARGET FILE` replays one. `--corpus DIR`
keeps what each target's fuzzer learnt in `DIR/TARGET`, for the next run to start from.

Prints one line per target (executions, executions per second, crashes, the first crash's
input and exception) and exits 1 when any target crashed or did not run.
"""

from __future__ import annotations

import argparse
import re
import subprocess
import sys
import tempfile
import time
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from pathlib import Path
from typing import Final

HERE: Final = Path(__file__).resolve().parent
START_SECONDS: Final = 120
"""Allowance beyond `--seconds` for starting (imports, seeds) and stopping before a run counts
as hung."""
_EXECUTED: Final = re.compile(r"^stat::number_of_executed_units: (\d+)$", re.M)
_PROGRESS: Final = re.compile(r"^#(\d+)\s", re.M)
_ARTIFACT: Final = re.compile(r"Test unit written to (\S+)")
_EXCEPTION: Final = re.compile(r"=== Uncaught Python exception: ===\n(.+)")
_ERROR: Final = re.compile(r"==\d+== ERROR: libFuzzer: (.+)")


@dataclass(frozen=True, slots=True)
class Outcome:
    """One target's run."""

    target: str
    seconds: float
    executions: int
    crashes: int
    artifact: str | None = None
    """The crash input kept, if any."""
    problem: str | None = None
    """The exception (or libFuzzer's error: timeout, out of memory) of the crash."""


def fuzz(
    target: str,
    seconds: int,
    out: Path,
    *,
    corpus: Path | None = None,
    input_seconds: int = 10,
    rss_mb: int = 2048,
    max_len: int | None = None,
) -> Outcome:
    """Fuzz `target` for `seconds` in a child process and read its report."""
    import targets

    command = [
        sys.executable,
        str(HERE / "harness.py"),
        target,
        f"-max_total_time={seconds}",
        f"-timeout={input_seconds}",
        f"-rss_limit_mb={rss_mb}",
        f"-max_len={max_len or targets.MAX_SEED_BYTES}",
        f"-artifact_prefix={out}/{target}-",
        "-print_final_stats=1",
        "-close_fd_mask=1",
    ]
    if corpus is not None:
        (corpus / target).mkdir(parents=True, exist_ok=True)
        command.append(str(corpus / target))
    start = time.monotonic()
    try:
        done = subprocess.run(
            command,
            stdin=subprocess.DEVNULL,
            stdout=subprocess.DEVNULL,
            stderr=subprocess.PIPE,
            text=True,
            errors="replace",
            timeout=seconds + START_SECONDS,
            check=False,
        )
        report, code = done.stderr, done.returncode
    except subprocess.TimeoutExpired as exc:
        report = exc.stderr.decode(errors="replace") if isinstance(exc.stderr, bytes) else ""
        code = -1
        report += f"\n==0== ERROR: libFuzzer: run hung past {seconds + START_SECONDS} s\n"
    elapsed = time.monotonic() - start
    executed = _EXECUTED.findall(report) or _PROGRESS.findall(report) or ["0"]
    artifact = _ARTIFACT.search(report)
    problem = _EXCEPTION.search(report) or _ERROR.search(report)
    crashed = code != 0 or artifact is not None
    if crashed and problem is None:
        (out / f"{target}.log").write_text(report)
    return Outcome(
        target=target,
        seconds=elapsed,
        executions=int(executed[-1]),
        crashes=1 if crashed else 0,
        artifact=artifact[1] if artifact else None,
        problem=problem[1].strip()
        if problem
        else (f"exit {code}, report in {out}/{target}.log" if crashed else None),
    )


def main() -> None:
    """Fuzz the targets named (or all) and print what each run found."""
    import targets

    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("targets", nargs="*", metavar="TARGET", help=", ".join(targets.TARGETS))
    parser.add_argument("--seconds", type=int, default=60, help="fuzzing time per target")
    parser.add_argument("--jobs", type=int, default=1, help="targets fuzzed at once")
    parser.add_argument("--input-seconds", type=int, default=10, help="time limit per input")
    parser.add_argument("--rss-mb", type=int, default=2048, help="memory limit of a run")
    parser.add_argument("--max-len", type=int, default=None, help="largest input, in bytes")
    parser.add_argument("--corpus", type=Path, help="keep each target's corpus in DIR/TARGET")
    parser.add_argument("--out", type=Path, help="where crash inputs go (default: temporary)")
    options = parser.parse_args()
    unknown = [t for t in options.targets if t not in targets.TARGETS]
    if unknown:
        parser.error(f"unknown target(s) {', '.join(unknown)}; known: {', '.join(targets.TARGETS)}")
    chosen = options.targets or list(targets.TARGETS)
    unseeded = [t for t in chosen if not targets.TARGETS[t].files()]
    if unseeded:
        parser.error(
            f"no real files to seed {', '.join(unseeded)} under {targets.SHARED_DATA}: "
            "set CHAINREVIEW_SHARED_DATA to the shared data folder"
        )
    out = options.out or Path(tempfile.mkdtemp(prefix="chainreview-fuzz-crashes-"))
    out.mkdir(parents=True, exist_ok=True)

    def one(target: str) -> Outcome:
        return fuzz(
            target,
            options.seconds,
            out,
            corpus=options.corpus,
            input_seconds=options.input_seconds,
            rss_mb=options.rss_mb,
            max_len=options.max_len,
        )

    print(f"{'target':16} {'seconds':>8} {'executions':>11} {'exec/s':>7} {'crashes':>7}")
    failed = False
    with ThreadPoolExecutor(max_workers=max(1, options.jobs)) as pool:
        for outcome in pool.map(one, chosen):
            rate = outcome.executions / max(outcome.seconds, 1e-9)
            print(
                f"{outcome.target:16} {outcome.seconds:8.0f} {outcome.executions:11,} "
                f"{rate:7.0f} {outcome.crashes:7}",
                flush=True,
            )
            if outcome.crashes:
                failed = True
                print(f"  crash: {outcome.problem}\n  input: {outcome.artifact}", flush=True)
    if failed:
        print(f"crash inputs in {out}; replay one with: python fuzz/harness.py TARGET FILE")
    sys.exit(1 if failed else 0)


if __name__ == "__main__":
    sys.path.insert(0, str(HERE))
    main()
