"""The library API the CLI, the service and the workers share (`docs/api.md`).

One open snapshot serves many scans and reviews; results equal what the CLI writes; the library
opens nothing it was not asked to and leaves the process as it found it.
"""

from __future__ import annotations

import gc
import io
import json
import os
import subprocess
import sys
from datetime import date
from pathlib import Path

import pytest

import chainreview
from chainreview import canonical
from chainreview.errors import InputError
from chainreview.factors.screening import Screener

ROOT = Path(__file__).resolve().parents[1]
EXAMPLES = sorted(p for p in (ROOT / "examples").iterdir() if (p / "declaration.yaml").is_file())
AS_OF = date(2026, 12, 1)
RUST = "spdx-examples/software/example11/spdx2.3/sbom.spdx.json"


def test_the_public_names_resolve_and_import_chainreview_stays_cheap() -> None:
    for name in chainreview.__all__:
        assert getattr(chainreview, name) is not None, name
    with pytest.raises(AttributeError):
        chainreview.nothing_of_that_name  # noqa: B018
    probe = "import sys, chainreview; print(sorted(m for m in sys.modules if 'chainreview.' in m))"
    done = subprocess.run([sys.executable, "-c", probe], capture_output=True, text=True, check=True)
    assert json.loads(done.stdout.replace("'", '"')) == ["chainreview.version"]


def test_opening_installs_nothing_unless_asked(tmp_path: Path) -> None:
    with pytest.raises(InputError, match="no intel snapshot: get one with"):
        chainreview.open_snapshot(tmp_path)
    assert not (tmp_path / "intel" / "CURRENT").exists()


def test_one_reviewer_reviews_every_example_as_the_one_call_form_does(
    bundled_home: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    built: list[object] = []
    original = Screener.__init__

    def counting(self: Screener, *args: object, **kwargs: object) -> None:
        built.append(self)
        original(self, *args, **kwargs)  # type: ignore[arg-type]

    with chainreview.open_snapshot(bundled_home) as snapshot:
        monkeypatch.setattr(Screener, "__init__", counting)
        reviewer = chainreview.Reviewer(snapshot)
        held = [reviewer.review(p, as_of=AS_OF) for p in EXAMPLES]
        again = reviewer.review(EXAMPLES[0], as_of=AS_OF)
        monkeypatch.undo()
    assert len(built) <= 1  # the screening index is made once, or kept from before
    assert canonical.dumps(again) == canonical.dumps(held[0])
    for package, result in zip(EXAMPLES, held, strict=True):
        alone = chainreview.review(package, home=bundled_home, as_of=AS_OF)
        assert canonical.dumps(result) == canonical.dumps(alone), package.name


def test_a_scan_writes_what_the_cli_prints(bundled_home: Path, shared_data: Path) -> None:
    sbom = shared_data / RUST
    with chainreview.open_snapshot(bundled_home) as snapshot:
        scan = chainreview.Scanner(snapshot).scan([sbom])
    buffer = io.BytesIO()
    chainreview.SCAN_FORMATS["json"].write(scan, buffer)
    env = {**os.environ, "CHAINREVIEW_HOME": str(bundled_home)}
    env.pop("CHAINREVIEW_SCAN_FAIL_ON", None)
    done = subprocess.run(
        [sys.executable, "-m", "chainreview", "scan", "--format", "json", str(sbom)],
        capture_output=True,
        env=env,
        check=True,
    )
    assert buffer.getvalue() == done.stdout
    assert scan.report.counts.findings == 7  # RustSec advisories of the example's crates


def test_the_library_leaves_the_garbage_collector_as_it_found_it(
    bundled_home: Path, shared_data: Path
) -> None:
    assert gc.isenabled()
    with chainreview.open_snapshot(bundled_home) as snapshot:
        chainreview.Scanner(snapshot).scan([shared_data / RUST])
        assert gc.isenabled()
        chainreview.Reviewer(snapshot).review(EXAMPLES[0], as_of=AS_OF)
    assert gc.isenabled()


def test_a_scan_tells_its_progress(bundled_home: Path, shared_data: Path) -> None:
    heard: list[tuple[str, int, int]] = []
    sbom = shared_data / RUST
    with chainreview.open_snapshot(bundled_home) as snapshot:
        chainreview.Scanner(snapshot).scan(
            [sbom, sbom], progress=lambda what, done, total: heard.append((what, done, total))
        )
    stages = list(dict.fromkeys(what for what, _, _ in heard))
    assert stages == ["Reading SBOMs", "Matching", "Building findings", "Applying VEX"]
    for stage in stages:
        steps = [(done, total) for what, done, total in heard if what == stage]
        assert steps[0][0] == 0 and steps[-1][0] == steps[-1][1] > 0
        assert [done for done, _ in steps] == sorted(done for done, _ in steps)
    assert ("Reading SBOMs", 2, 2) in heard


def test_the_cli_draws_progress_on_a_terminal_only(bundled_home: Path, shared_data: Path) -> None:
    import pty

    env = {**os.environ, "CHAINREVIEW_HOME": str(bundled_home), "TERM": "xterm"}
    for name in ("CI", "CHAINREVIEW_SCAN_FORMAT", "CHAINREVIEW_SCAN_FAIL_ON"):
        env.pop(name, None)
    args = [
        sys.executable,
        "-m",
        "chainreview",
        "scan",
        "--format",
        "json",
        str(shared_data / RUST),
    ]
    leader, follower = pty.openpty()
    try:
        done = subprocess.run(args, stdout=subprocess.PIPE, stderr=follower, env=env, timeout=120)
        os.close(follower)
        drawn = b""
        while True:
            try:
                chunk = os.read(leader, 65536)
            except OSError:  # the follower closed: all read
                break
            if not chunk:
                break
            drawn += chunk
    finally:
        os.close(leader)
    assert done.returncode == 0
    assert b"Matching" in drawn and b"Reading SBOMs" in drawn
    piped = subprocess.run(args, capture_output=True, env=env, timeout=120)
    assert piped.returncode == 0 and piped.stderr == b""
    assert piped.stdout == done.stdout
