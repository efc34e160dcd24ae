"""Test helper: run `chainreview` in a child process and measure what it cost.

The child caps its own address space (`ADDRESS_SPACE`), so a reader that regresses into a memory
blow-up fails its test with a MemoryError instead of taking the machine down. Peak RSS is the
child's `VmHWM`, written as it exits: the kernel's `ru_maxrss` of a child also counts the pages
it shared with this (large) test process between fork and exec.
"""

from __future__ import annotations

import os
import subprocess
import sys
import tempfile
import threading
import time
from dataclasses import dataclass
from pathlib import Path

ADDRESS_SPACE = 4 * 1024**3
"""Virtual memory a measured child may map (bytes)."""


@dataclass(frozen=True)
class Run:
    """How one child process ended and what it cost."""

    code: int
    stdout: str
    stderr: str
    seconds: float
    peak_mib: float
    """Peak resident set size of the child, in MiB."""

    @property
    def error_lines(self) -> list[str]:
        """The non-blank lines of standard error."""
        return [line for line in self.stderr.splitlines() if line.strip()]


_PRELUDE = """
import atexit, resource, sys
from pathlib import Path
resource.setrlimit(resource.RLIMIT_AS, ({cap}, {cap}))
def _peak() -> None:
    status = Path("/proc/self/status").read_text()
    Path({peak!r}).write_text(status.split("VmHWM:")[1].split()[0])
atexit.register(_peak)
{python}
from chainreview.cli.app import main
main()
"""


def run(args: list[str], home: Path, timeout: float = 120, python: str = "") -> Run:
    """Run `chainreview ARGS` with `$CHAINREVIEW_HOME` at `home`; `python` is code run first
    in the child (e.g. a shorter limit), before the CLI starts. Killed after `timeout` s."""
    env = {**os.environ, "CHAINREVIEW_HOME": str(home), "COLUMNS": "200"}
    with (
        tempfile.TemporaryFile() as out,
        tempfile.TemporaryFile() as err,
        tempfile.TemporaryDirectory() as scratch,
    ):
        peak = Path(scratch) / "peak"
        prelude = _PRELUDE.format(cap=ADDRESS_SPACE, peak=str(peak), python=python)
        started = time.monotonic()
        child = subprocess.Popen(
            [sys.executable, "-c", prelude, *args],
            env=env,
            stdin=subprocess.DEVNULL,
            stdout=out,
            stderr=err,
        )
        timer = threading.Timer(timeout, child.kill)
        timer.start()
        try:
            code = child.wait()
        finally:
            timer.cancel()
        seconds = time.monotonic() - started
        out.seek(0)
        err.seek(0)
        return Run(
            code=code,
            stdout=out.read().decode(errors="replace"),
            stderr=err.read().decode(errors="replace"),
            seconds=seconds,
            peak_mib=int(peak.read_text()) / 1024 if peak.exists() else float("inf"),
        )
