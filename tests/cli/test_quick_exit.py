"""A finished scan leaves without the interpreter's teardown, and nothing of a normal exit is
lost: the whole output, the exit code, the error line, the `atexit` handlers."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import chainreview
from chainreview.cli import quick_exit

AIRFLOW = "sbomqs-samples/samples/apache_airflow-sbom-2.8.0-python3.10.json"
SCRIPT = (
    "import atexit, sys\n"
    "flag = sys.argv[1]\n"
    "atexit.register(lambda: open(flag, 'w').write('ran'))\n"
    "class Teardown:\n"
    "    def __del__(self, _open=open, _to=flag + '.teardown'): _open(_to, 'w').write('ran')\n"
    "kept = Teardown()  # freed by the interpreter's teardown only\n"
    "sys.argv = ['chainreview', *sys.argv[2:]]\n"
    "from chainreview.cli.app import main\n"
    "main()\n"
    "print('main returned')\n"
)


def _main(home: Path, flag: Path, *args: str) -> subprocess.CompletedProcess[str]:
    path = [str(Path(chainreview.__file__).parents[1]), *(p for p in sys.path if p)]
    env = {**os.environ, "PYTHONPATH": os.pathsep.join(path), "CHAINREVIEW_HOME": str(home)}
    env.pop("CHAINREVIEW_SCAN_FAIL_ON", None)
    return subprocess.run(
        [sys.executable, "-c", SCRIPT, str(flag), *args],
        capture_output=True,
        text=True,
        env=env,
        timeout=300,
        check=False,
    )


def test_a_scan_ends_with_its_whole_output_and_the_exit_handlers_run(
    scan_home: Path, shared_data: Path, tmp_path: Path
) -> None:
    flag = tmp_path / "flag"
    result = _main(scan_home, flag, "scan", "--format", "json", str(shared_data / AIRFLOW))
    assert result.returncode == 0, result.stderr
    assert json.loads(result.stdout)["counts"]["components"] == 1750  # nothing cut off
    assert flag.read_text() == "ran"
    assert not Path(f"{flag}.teardown").exists()  # the teardown was skipped


def test_a_policy_failure_keeps_its_code_and_message(
    scan_home: Path, shared_data: Path, tmp_path: Path
) -> None:
    flag = tmp_path / "flag"
    args = ("scan", "--format", "json", "--fail-on", "any", str(shared_data / AIRFLOW))
    result = _main(scan_home, flag, *args)
    assert result.returncode == 1
    assert "meet --fail-on any" in result.stderr
    assert json.loads(result.stdout)["counts"]["active"] > 0
    assert flag.read_text() == "ran"


def test_commands_that_do_not_allow_it_exit_as_usual(scan_home: Path, tmp_path: Path) -> None:
    flag = tmp_path / "flag"
    result = _main(scan_home, flag, "--version")
    assert result.returncode == 0
    assert "main returned" not in result.stdout  # SystemExit still ends the program
    assert flag.read_text() == "ran"
    assert Path(f"{flag}.teardown").read_text() == "ran"  # a normal exit, teardown included


def test_leave_returns_when_not_allowed_or_for_message_codes() -> None:
    assert quick_exit.leave(0) is None  # not allowed in this process: back to the caller
    quick_exit.allow()
    try:
        assert quick_exit.leave("a message for the interpreter to print") is None
    finally:
        quick_exit._allowed[0] = False
