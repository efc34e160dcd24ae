"""Portfolio re-matching on Dask: a real local cluster of two worker processes gives what the
single-process `rematch` gives (itself tested in test_monitor.py), on real PyPA advisories.

The snapshot holds the advisories of every 10th package folder of the PyPA database (sorted),
and of duckdb, jinja2 and pyspark whole. The work is every version those advisories list as
affected, per package, and duckdb 1.0.0. Facts checked by hand in the advisory files:

* pyspark 3.2.1: PYSEC-2022-236 (CVE-2022-33891) lists it as affected;
* jinja2 2.10: PYSEC-2019-217 (CVE-2019-10906, fixed in 2.10.1) and PYSEC-2021-66
  (CVE-2020-28493, fixed in 2.11.3) affect it; the three others are fixed in 2.7.2, 2.7.3 and
  2.8.1;
* duckdb 1.0.0: its only advisory, PYSEC-2024-25, is fixed in 0.9.3.dev6, so nothing.
"""

from __future__ import annotations

import gc
import json
import os
import shutil
import socket
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path

import pytest
import yaml
from distributed import Client

from chainreview import canonical
from chainreview.cli.local_workers import pause_collectors
from chainreview.errors import NetworkError
from chainreview.intel import importer
from chainreview.intel.names import normalise_name
from chainreview.intel.snapshot import Snapshot
from chainreview.portfolio.dask_rematch import partitions, rematch_on_dask, weight
from chainreview.portfolio.deployments import Instance
from chainreview.portfolio.monitor_state import kept_results, read_state
from chainreview.portfolio.rematch import PackageWork, rematch
from chainreview.portfolio.scheduler import Scheduler, dask_client, parse_scheduler
from monitor_kit import INVENTORY, PYPA

WHOLE = ("duckdb", "jinja2", "pyspark")


@pytest.fixture(scope="module")
def client() -> Iterator[Client]:
    """A `LocalCluster` of 2 worker processes, one thread each, as `local:2` starts it."""
    with dask_client(parse_scheduler("local:2")) as made:
        yield made


@pytest.fixture(scope="module")
def corpus(shared_data: Path, tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, Path]:
    """The advisories (module doc) imported as a selection: (their folder, the snapshot file)."""
    source = shared_data / PYPA
    folders = sorted(p for p in source.iterdir() if p.is_dir())
    chosen = {*folders[::10], *(source / name for name in WHOLE)}
    root = tmp_path_factory.mktemp("dask-corpus")
    for folder in sorted(chosen):
        shutil.copytree(folder, root / "vulns" / folder.name)
    built = importer.import_paths([root / "vulns"], home=root / "home")
    return root / "vulns", root / "home" / "intel" / "snapshots" / f"{built.hash}.sqlite"


def affected_work(vulns: Path) -> list[PackageWork]:
    """Per package, the versions its advisory files list (read with PyYAML), sorted."""
    versions: dict[str, set[str]] = {"duckdb": {"1.0.0"}}
    for path in sorted(vulns.rglob("*.yaml")):
        for affected in yaml.safe_load(path.read_text(encoding="utf-8"))["affected"]:
            name = normalise_name("PyPI", affected["package"]["name"])
            versions.setdefault(name, set()).update(map(str, affected.get("versions") or ()))
    return [
        PackageWork(
            package=("PyPI", name),
            instances=tuple(Instance(purl=f"pkg:pypi/{name}@{v}", version=v) for v in sorted(vs)),
        )
        for name, vs in sorted(versions.items())
        if vs
    ]


def test_two_workers_match_what_one_process_matches(
    client: Client, corpus: tuple[Path, Path]
) -> None:
    vulns, snapshot = corpus
    work = affected_work(vulns)
    assert len(work) > 60 and sum(len(w.instances) for w in work) > 1_000
    alone = rematch(work, snapshot)
    assert sum(client.nthreads().values()) == 2
    on_dask = rematch_on_dask(work, snapshot, client)
    assert on_dask == alone  # the same dataclasses, in the same order
    assert canonical.dumps(on_dask) == canonical.dumps(alone)
    assert len(partitions(work, [1] * len(work), 8)) == 8  # the run was cut in partitions

    found = {(r.package[1], i.instance.version): i for r in on_dask for i in r.instances}
    assert "CVE-2022-33891" in [s.id for s in found[("pyspark", "3.2.1")].findings]
    assert [s.id for s in found[("jinja2", "2.10")].findings] == [
        "CVE-2019-10906",
        "CVE-2020-28493",
    ]
    assert found[("duckdb", "1.0.0")].findings == ()
    assert all(i.coverage == "partial" for i in found.values())  # a selection of PyPI
    assert sum(bool(i.findings) for i in found.values()) > 1_000  # listed versions are affected


def test_partitions_are_consecutive_whole_packages_of_about_equal_weight() -> None:
    """Weights 18, 10, 10, 38, 8 (84 in all): in 3 the cuts fall where 28 and 56 are reached,
    after the 2nd (28) and the 4th (66)."""
    items = [
        PackageWork(
            package=("PyPI", f"p{n}"),
            instances=(Instance(purl=f"pkg:pypi/p{n}@1", version="1"),),
        )
        for n in range(5)
    ]
    weights = [18, 10, 10, 38, 8]
    cut = partitions(items, weights, 3)
    assert [[w.package[1] for w in part] for part in cut] == [["p0", "p1"], ["p2", "p3"], ["p4"]]
    assert partitions(items, weights, 1) == [items]
    assert [len(p) for p in partitions(items, weights, 99)] == [1, 1, 1, 1, 1]


def test_a_package_weighs_its_advisories(corpus: tuple[Path, Path]) -> None:
    """jinja2 has 5 advisory files of one `affected` entry each, duckdb 1 (read by hand in the
    PyPA folders); a package the snapshot lacks has none. Weight: instances + 16 per advisory
    + 24: 2 instances of jinja2 weigh 2 + 80 + 24."""
    with Snapshot(corpus[1]) as opened:
        counts = opened.advisory_counts([("PyPI", "jinja2"), ("PyPI", "duckdb"), ("PyPI", "nope")])
    assert counts == {("PyPI", "jinja2"): 5, ("PyPI", "duckdb"): 1, ("PyPI", "nope"): 0}
    jinja2 = PackageWork(
        package=("PyPI", "jinja2"),
        instances=tuple(Instance(purl=f"pkg:pypi/jinja2@{v}", version=v) for v in ("2.10", "3.1")),
    )
    assert weight(jinja2, counts[jinja2.package]) == 106


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("tcp://10.0.0.5:8786", Scheduler(address="tcp://10.0.0.5:8786", workers=0)),
        (
            "tcp://scheduler.example:8786",
            Scheduler(address="tcp://scheduler.example:8786", workers=0),
        ),
        ("tcp://[::1]:8786", Scheduler(address="tcp://[::1]:8786", workers=0)),
        ("local:3", Scheduler(address=None, workers=3)),
        ("local", Scheduler(address=None, workers=os.cpu_count() or 1)),
    ],
)
def test_scheduler_names(text: str, expected: Scheduler) -> None:
    assert parse_scheduler(text) == expected


@pytest.mark.parametrize(
    "text",
    ["tcp://host", "tcp://host:0", "tcp://host:70000", "local:0", "local:x", "inproc://", ""],
)
def test_not_a_scheduler(text: str) -> None:
    with pytest.raises(ValueError, match=r"scheduler|port|workers"):
        parse_scheduler(text)


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port: int = probe.getsockname()[1]
        return port


def test_an_unreachable_scheduler_is_one_network_error() -> None:
    address = f"tcp://127.0.0.1:{free_port()}"
    with pytest.raises(NetworkError) as raised, dask_client(parse_scheduler(address), timeout=1):
        pass
    assert raised.value.url == address
    assert "cannot reach the Dask scheduler within 1 s" in str(raised.value)


def monitor(home: Path, *args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [
            sys.executable,
            "-m",
            "chainreview",
            "monitor",
            "run",
            "--inventory",
            str(INVENTORY),
            *args,
        ],
        capture_output=True,
        text=True,
        env={**os.environ, "COLUMNS": "200", "CHAINREVIEW_HOME": str(home)},
        timeout=120,
        check=False,
    )


def test_monitor_run_on_a_scheduler(
    client: Client, corpus: tuple[Path, Path], tmp_path: Path
) -> None:
    """`monitor run --scheduler local:2` (worker processes started from the CLI) and
    `--scheduler tcp://…` keep the state one process keeps; a scheduler that does not answer
    is exit 5 in one line, a name that is not one exit 2."""
    intel_home = corpus[1].parents[2]
    homes = [tmp_path / "alone", tmp_path / "local", tmp_path / "tcp"]
    for home in homes:
        shutil.copytree(intel_home, home)
    runs = [
        monitor(homes[0], "--format", "json"),
        monitor(homes[1], "--format", "json", "--scheduler", "local:2"),
        monitor(homes[2], "--format", "json", "--scheduler", client.scheduler.address),
    ]
    assert [r.returncode for r in runs] == [0, 0, 0], [r.stderr for r in runs]
    assert len({r.stdout for r in runs}) == 1  # the same report
    assert json.loads(runs[0].stdout)["rematched"] == [
        "PyPI/duckdb",
        "PyPI/jinja2",
        "PyPI/pyspark",
        "PyPI/requests",
        "PyPI/werkzeug",
    ]
    kept = [(read_state(h), canonical.dumps(sorted(kept_results(h).items()))) for h in homes]
    assert kept[0][0] is not None
    assert kept[1:] == [kept[0], kept[0]]

    address = f"tcp://127.0.0.1:{free_port()}"
    down = monitor(homes[1], "--scheduler", address)
    assert down.returncode == 5
    assert down.stderr.count("\n") == 1
    assert f"{address}: cannot reach the Dask scheduler" in down.stderr
    wrong = monitor(homes[1], "--scheduler", "udp://x:1")
    assert wrong.returncode == 2
    assert "is not a scheduler" in wrong.stderr


def test_local_workers_started_by_the_cli_pause_their_collector() -> None:
    """`monitor run --scheduler local:N` pauses the collector of the workers it started
    (`cli.local_workers`), as it pauses its own; the calling process is left as it was."""
    enabled = gc.isenabled()
    with dask_client(parse_scheduler("local:1")) as local:
        assert list(local.run(gc.isenabled).values()) == [True]
        pause_collectors(local)
        assert list(local.run(gc.isenabled).values()) == [False]
    assert gc.isenabled() is enabled
