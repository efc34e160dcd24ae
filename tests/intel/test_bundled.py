"""The bundled intelligence: its contents are the shared data, and it installs a real snapshot."""

from __future__ import annotations

import csv
import hashlib
import json
import tarfile
from pathlib import Path

import pytest
from typer.testing import CliRunner

from chainreview.cli.app import app
from chainreview.intel import bundled, importer, snapshot
from chainreview.intel.interface import FeedKind

ROOT = Path(__file__).resolve().parents[2]


@pytest.fixture(scope="module")
def members() -> dict[str, tarfile.TarInfo]:
    """The archive's members by name."""
    with tarfile.open(bundled.resource(bundled.ARCHIVE), "r:xz") as tar:
        return {info.name: info for info in tar.getmembers()}


@pytest.fixture(scope="module")
def ensured(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, str]:
    """A fresh home after `ensure_snapshot`."""
    home = tmp_path_factory.mktemp("bundled-home")
    return home, bundled.ensure_snapshot(home)


def test_archive_holds_the_shared_data(
    shared_data: Path, members: dict[str, tarfile.TarInfo]
) -> None:
    expected: list[str] = []
    for dataset in bundled.DATASETS:
        root = shared_data / dataset.folder
        for pattern in (*dataset.records, *dataset.notices):
            expected += [p.relative_to(shared_data).as_posix() for p in root.glob(pattern)]
    assert sorted(members) == sorted(expected)
    assert all(m.isfile() and m.mtime == 0 and m.mode == 0o644 for m in members.values())
    sample = sorted(members)[::97] + [n for n in members if not n.endswith((".json", ".yaml"))]
    with tarfile.open(bundled.resource(bundled.ARCHIVE), "r:xz") as tar:
        for name in sample:
            handle = tar.extractfile(name)
            assert handle is not None and handle.read() == (shared_data / name).read_bytes(), name


def test_manifest_matches_archive_and_provenance(shared_data: Path) -> None:
    about = bundled.manifest()
    archive = bundled.resource(bundled.ARCHIVE)
    assert about["archive"]["sha256"] == hashlib.sha256(archive.read_bytes()).hexdigest()
    assert about["archive"]["bytes"] == archive.stat().st_size < 15 * 1024 * 1024
    assert {gap["feed"] for gap in about["lacks"]} >= {"epss", "sanctions", "eol", "distro"}
    provenance = (shared_data / "MANIFEST.md").read_text()
    notice = (ROOT / "NOTICE").read_text()
    for dataset in bundled.DATASETS:
        row = next(line for line in provenance.splitlines() if f"`{dataset.folder}/`" in line)
        if dataset.kind is not FeedKind.NVD:
            assert dataset.commit in row and dataset.commit in notice
        assert dataset.folder in notice
    for name in ("LICENSE-CC-BY-4.0.txt", "LICENSE-CC0-1.0.txt", "NVD-NOTICE.txt"):
        assert bundled.resource(name).is_file() and name in notice


def test_ensure_snapshot_installs_the_expected_feeds(
    shared_data: Path, ensured: tuple[Path, str]
) -> None:
    home, digest = ensured
    assert snapshot.current_hash(home) == digest == bundled.installed_hash(home)
    pypa = list((shared_data / "pypa-advisory-database" / "vulns").glob("*/*.yaml"))
    go = list((shared_data / "golang-vulndb" / "data" / "osv").glob("*.json"))
    rust = list((shared_data / "rustsec-advisory-db-osv" / "crates").glob("*.json"))
    kev = json.loads(
        (shared_data / "cisa-kev" / "known_exploited_vulnerabilities.json").read_text()
    )
    with (shared_data / "ofac-sdn" / "sdn.csv").open(encoding="utf-8", newline="") as handle:
        sdn = [row for row in csv.reader(handle) if row and row[0].strip().isdigit()]
    nvd = list((shared_data / "nvd-cve-firmware-selection").rglob("CVE-*.json"))
    with snapshot.open_current(home) as current:  # type: ignore[union-attr]
        manifest = current.manifest
        assert current.record(FeedKind.NVD, "CVE-2023-1389") is not None
    assert manifest["feeds"]["osv"] == len(pypa) + len(go) + len(rust)
    assert manifest["feeds"]["kev"] == len(kev["vulnerabilities"])
    assert manifest["feeds"]["sanctions"] == len(sdn)
    assert manifest["feeds"]["nvd"] == len(nvd)
    assert set(manifest["ecosystems"]) >= {"PyPI", "Go", "crates.io"}
    assert manifest["missing_feeds"] == ["epss", "eol", "distro"]
    assert not list(snapshot.intel_dir(home).glob("bundled-data*"))
    assert [len(i["sources"]) for i in manifest["imports"]] == [6]  # one import, switched once


def test_sources_are_marked_demo_and_the_nvd_selection_partial(
    ensured: tuple[Path, str],
) -> None:
    home, digest = ensured
    with snapshot.Snapshot(snapshot.snapshot_path(home, digest)) as opened:
        manifest = opened.manifest
    assert manifest["demo"] is True
    marks = {s["name"]: (s["complete"], s["demo"]) for s in manifest["sources"]}
    assert marks == {
        "kev": (True, True),
        "nvd": (False, True),
        "ofac-sdn": (True, True),
        "osv:Go": (True, True),
        "osv:PyPI": (True, True),
        "osv:crates.io": (True, True),
    }
    imported_on = manifest["imported_at"][:10]
    # KEV's catalogue of 2025-08-25 (its dateReleased, shared data MANIFEST.md)
    assert {s["name"]: s["as_of"] for s in manifest["sources"]}["kev"] == "2025-08-25"
    assert all(s["as_of"] is None or s["as_of"] <= imported_on for s in manifest["sources"])


def test_second_call_is_a_no_op(ensured: tuple[Path, str], monkeypatch: pytest.MonkeyPatch) -> None:
    home, digest = ensured
    path = snapshot.snapshot_path(home, digest)
    stamp = path.stat().st_mtime_ns

    def refuse(*_args: object, **_kwargs: object) -> None:
        raise AssertionError("imported again")

    monkeypatch.setattr(importer, "import_groups", refuse)
    assert bundled.ensure_snapshot(home) == digest
    assert path.stat().st_mtime_ns == stamp


def test_hash_equals_a_manual_import(
    shared_data: Path, ensured: tuple[Path, str], tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    inputs = [
        shared_data / "pypa-advisory-database" / "vulns",
        shared_data / "golang-vulndb" / "data" / "osv",
        shared_data / "rustsec-advisory-db-osv" / "crates",
        shared_data / "cisa-kev" / "known_exploited_vulnerabilities.json",
        shared_data / "ofac-sdn" / "sdn.csv",
    ]
    nvd = sorted((shared_data / "nvd-cve-firmware-selection").rglob("CVE-*.json"))
    plain = importer.import_paths(inputs, home=tmp_path / "plain", workers=2).hash
    marked = importer.import_paths(inputs, home=tmp_path, workers=2, complete=True, demo=True)
    assert plain != marked.hash  # the marks are part of what the hash identifies
    manual = importer.import_paths(nvd, home=tmp_path, kind=FeedKind.NVD, demo=True).hash
    assert manual == ensured[1]
    monkeypatch.setenv("CHAINREVIEW_HOME", str(tmp_path))
    runner = CliRunner()
    done = runner.invoke(app, ["intel", "import", "--bundled", "--workers", "2"])
    assert done.exit_code == 0, done.output
    assert snapshot.current_hash(tmp_path) == manual == bundled.installed_hash(tmp_path)
    status = runner.invoke(app, ["intel", "status"])
    assert "This is the bundled snapshot" in status.stdout and "epss" in status.stdout


def test_cli_fresh_home_and_usage(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("CHAINREVIEW_HOME", str(tmp_path))
    runner = CliRunner()
    status = runner.invoke(app, ["intel", "status"])
    assert "No intel snapshot yet" in status.stdout and "import --bundled" in status.stdout
    both = runner.invoke(app, ["intel", "import", "--bundled", str(tmp_path)])
    assert both.exit_code == 2
    assert runner.invoke(app, ["intel", "import"]).exit_code == 2
