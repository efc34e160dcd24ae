"""The bundled intelligence: its contents are the shared data, and it installs a real snapshot."""

from __future__ import annotations

import csv
import hashlib
import json
import lzma
import sqlite3
import tarfile
from pathlib import Path
from typing import Any

import pytest
from typer.testing import CliRunner

from chainreview.cli.app import app
from chainreview.intel import bundled, importer, snapshot
from chainreview.intel.interface import FeedKind, IntelError
from chainreview.snapshots import open_snapshot

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
    as_of = {s["name"]: s["as_of"] for s in manifest["sources"]}
    # KEV's catalogue of 2025-08-25 (its dateReleased, shared data MANIFEST.md)
    assert as_of["kev"] == "2025-08-25"
    # the SDN list carries no date: its capture's, the commit of 2024-05-03 (MANIFEST.md)
    assert as_of["ofac-sdn"] == "2024-05-03"
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
    # the prebuilt snapshot a fresh home gets holds, row for row, what these imports wrote
    prebuilt = snapshot.snapshot_path(ensured[0], ensured[1])
    assert differing_rows(prebuilt, snapshot.snapshot_path(tmp_path, manual)) == {}
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


# --- the prebuilt snapshot ----------------------------------------------------------------------

TABLES = ("records", "packages", "lookup")
"""Every table of a snapshot file but `meta` (whose manifest dates the import)."""


def differing_rows(one: Path, other: Path) -> dict[str, tuple[int, int]]:
    """Per table, the rows found in only one of two snapshot files (counted each way), by SQL
    alone; tables that agree are left out."""
    db = sqlite3.connect(f"file:{one}?mode=ro", uri=True)
    db.execute("ATTACH DATABASE ? AS other", (f"file:{other}?mode=ro",))
    found = {}
    for table in TABLES:
        only_one, only_other = (
            db.execute(
                f"SELECT COUNT(*) FROM (SELECT * FROM {a} EXCEPT SELECT * FROM {b})"
            ).fetchone()[0]
            for a, b in ((f"main.{table}", f"other.{table}"), (f"other.{table}", f"main.{table}"))
        )
        if only_one or only_other:
            found[table] = (only_one, only_other)
    db.close()
    return found


def test_the_prebuilt_snapshot_is_what_its_manifest_says() -> None:
    about = bundled.manifest()["snapshot"]
    packed = bundled.resource(about["name"])
    assert about["bytes"] == packed.stat().st_size
    assert about["sha256"] == hashlib.sha256(packed.read_bytes()).hexdigest()
    assert about["format"] == snapshot.FORMAT  # rebuild with scripts/build_bundled_snapshot.py
    assert len(lzma.decompress(packed.read_bytes())) == about["size"]


def test_a_fresh_home_gets_the_prebuilt_snapshot_without_importing(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    def refuse(*_args: object, **_kwargs: object) -> None:
        raise AssertionError("imported")

    monkeypatch.setattr(importer, "import_groups", refuse)
    told: list[tuple[str, int, int]] = []
    with open_snapshot(tmp_path, install_bundled=True, progress=lambda *a: told.append(a)) as got:
        digest, manifest = got.hash, got.manifest
    about = bundled.manifest()["snapshot"]
    assert digest == about["hash"] == snapshot.current_hash(tmp_path)
    assert bundled.installed_hash(tmp_path) == digest
    assert manifest["format"] == snapshot.FORMAT and manifest["demo"] is True
    # inputs are named by their place in the bundle, not by a folder of the machine that built it
    inputs = [i for source in manifest["sources"] for i in source["inputs"]]
    assert inputs and all(i.startswith("bundled/") for i in inputs)
    assert {what for what, _, _ in told} == {bundled.INSTALLING}
    assert [done for _, done, _ in told] == sorted({done for _, done, _ in told})
    assert told[-1][1:] == (about["size"], about["size"])
    assert [p.name for p in snapshot.snapshots_dir(tmp_path).iterdir()] == [f"{digest}.sqlite"]


def _set_format(path: Path, value: Any) -> None:
    """Rewrite the manifest of a snapshot file as one of another format would read."""
    db = sqlite3.connect(path)
    (body,) = db.execute("SELECT value FROM meta WHERE name = 'manifest'").fetchone()
    manifest = {**json.loads(body), "format": value}
    db.execute("UPDATE meta SET value = ? WHERE name = 'manifest'", (json.dumps(manifest),))
    db.commit()
    db.close()


def test_the_bundles_own_snapshot_of_an_older_format_is_installed_again(tmp_path: Path) -> None:
    """Snapshots of format 2 have no completeness or demo marks: the bundle's own is replaced
    (it holds nothing the user imported), a refused one is said to need importing again."""
    digest = bundled.ensure_snapshot(tmp_path)
    _set_format(snapshot.snapshot_path(tmp_path, digest), 2)
    with pytest.raises(IntelError, match=r"format 2 is not this chainreview's \(3\)"):
        open_snapshot(tmp_path)
    with open_snapshot(tmp_path, install_bundled=True) as again:
        assert (again.hash, again.manifest["format"]) == (digest, snapshot.FORMAT)


def test_an_imported_snapshot_of_an_older_format_is_never_replaced(
    shared_data: Path, tmp_path: Path
) -> None:
    kev = shared_data / "cisa-kev" / "known_exploited_vulnerabilities.json"
    digest = importer.import_paths([kev], home=tmp_path).hash
    _set_format(snapshot.snapshot_path(tmp_path, digest), 2)
    with pytest.raises(IntelError, match="import the feeds again"):
        open_snapshot(tmp_path, install_bundled=True)
    assert snapshot.current_hash(tmp_path) == digest
