"""Snapshots: content hash, carried-over sources, garbage collection, the reader API."""

from __future__ import annotations

import json
import sqlite3
from pathlib import Path

import pytest
from tests.intel.conftest import Corpus, copy_records

from chainreview.intel import importer, snapshot
from chainreview.intel.interface import FeedKind

RUST = "rustsec-advisory-db-osv/crates"
UBUNTU = "ubuntu-osv-vex-samples"


def test_same_files_same_hash_import_time_outside(shared_data: Path, tmp_path: Path) -> None:
    first = importer.import_paths([shared_data / UBUNTU], home=tmp_path / "a")
    again = importer.import_paths([shared_data / UBUNTU], home=tmp_path / "a")
    elsewhere = importer.import_paths([shared_data / UBUNTU], home=tmp_path / "b")
    assert first.hash == again.hash == elsewhere.hash
    assert again.previous == first.hash
    assert snapshot.current_hash(tmp_path / "a") == first.hash


def test_hash_changes_with_content(shared_data: Path, tmp_path: Path) -> None:
    names = sorted(p.name for p in (shared_data / RUST).glob("*.json"))[:5]
    small = copy_records(shared_data / RUST, names[:4], tmp_path / "four")
    large = copy_records(shared_data / RUST, names, tmp_path / "five")
    assert (
        importer.import_paths([small], home=tmp_path / "h").hash
        != importer.import_paths([large], home=tmp_path / "h").hash
    )


def test_other_sources_are_kept_and_gc_keeps_previous(shared_data: Path, tmp_path: Path) -> None:
    home = tmp_path / "home"
    names = sorted(p.name for p in (shared_data / RUST).glob("*.json"))
    one = importer.import_paths([shared_data / UBUNTU], home=home)
    two = importer.import_paths(
        [copy_records(shared_data / RUST, names[:3], tmp_path / "r")], home=home
    )
    three = importer.import_paths(
        [copy_records(shared_data / RUST, names[:6], tmp_path / "s")], home=home
    )
    with snapshot.open_current(home) as snap:  # type: ignore[union-attr]
        sources = {s["name"]: s["records"] for s in snap.manifest["sources"]}
        assert sources == {"osv:Ubuntu": one.sources[0].records, "osv:crates.io": 6}
        assert snap.manifest["feeds"]["osv"] == one.sources[0].records + 6
    files = sorted(p.name for p in snapshot.snapshots_dir(home).iterdir())
    assert files == sorted([f"{two.hash}.sqlite", f"{three.hash}.sqlite"])


def test_reader_api(shared_data: Path, tmp_path: Path) -> None:
    home = tmp_path / "home"
    assert snapshot.open_current(home) is None
    result = importer.import_paths([shared_data / RUST], home=home)
    raw = json.loads((shared_data / RUST / "RUSTSEC-2016-0001.json").read_text())
    package = raw["affected"][0]["package"]
    with snapshot.open_current(home) as snap:  # type: ignore[union-attr]
        assert snap.hash == result.hash
        assert snap.record(FeedKind.OSV, raw["id"])["id"] == raw["id"]
        assert snap.record(FeedKind.KEV, raw["id"]) is None
        entries = snap.advisories_for("crates.io", package["name"].upper())
        mine = [e for e in entries if e.advisory_id == raw["id"]]
        assert len(mine) == 1 and not mine[0].withdrawn
        events = [(e.kind.value, e.version) for r in mine[0].affected.ranges for e in r.events]
        expected = [
            (k, v)
            for r in raw["affected"][0]["ranges"]
            for ev in r["events"]
            for k, v in ev.items()
        ]
        assert events == expected


def test_open_is_cheap_and_refuses_garbage(tmp_path: Path) -> None:
    bad = tmp_path / "x.sqlite"
    bad.write_bytes(b"not sqlite at all" * 100)
    with pytest.raises(snapshot.IntelError, match="not a readable intel snapshot"):
        snapshot.Snapshot(bad)


def test_a_snapshot_of_another_format_says_to_import_again(tmp_path: Path) -> None:
    old = tmp_path / "old.sqlite"
    with sqlite3.connect(old) as db:
        db.execute("CREATE TABLE meta(name TEXT PRIMARY KEY, value BLOB NOT NULL)")
        db.execute("INSERT INTO meta VALUES ('manifest', ?)", (b'{"format": 1, "hash": "x"}',))
    db.close()
    with pytest.raises(snapshot.IntelError, match=r"format 1 is not .* import the feeds again"):
        snapshot.Snapshot(old)


def test_packages_lists_every_indexed_package_and_lookups_are_kept(
    shared_data: Path, corpus: Corpus
) -> None:
    go_modules = set()
    for path in (shared_data / "golang-vulndb/data/osv").glob("*.json"):
        record = json.loads(path.read_text())
        go_modules |= {a["package"]["name"] for a in record.get("affected", []) if "package" in a}
    current = snapshot.open_current(corpus.home)
    assert current is not None
    with current:
        listed = current.packages()
        assert {name for ecosystem, name in listed if ecosystem == "Go"} == go_modules
        assert list(listed) == sorted(listed)
        first = current.advisories_for("PyPI", "Django")
        assert first  # PyPA has many django records
        assert current.advisories_for("PyPI", "django") is first  # decoded once, then kept


# --- one record brought by two sources ------------------------------------------------------

GO_RECORD = "golang-vulndb/data/osv/GO-2020-0001.json"
"""A real Go record (github.com/gin-gonic/gin): imported alone its source is `osv:Go`; beside a
PyPA record, in one folder, the source is named `osv:Go+PyPI`."""
PYPI_RECORD = "pypa-advisory-database/vulns/django/PYSEC-2017-9.yaml"


def _go_and_pypi(shared_data: Path, folder: Path, summary: str) -> Path:
    """A folder with the Go record (its summary replaced) and a PyPA record."""
    record = json.loads((shared_data / GO_RECORD).read_text())
    folder.mkdir(parents=True)
    (folder / "GO-2020-0001.json").write_text(json.dumps({**record, "summary": summary}))
    (folder / "PYSEC-2017-9.yaml").write_bytes((shared_data / PYPI_RECORD).read_bytes())
    return folder


def _gin_entries(home: Path) -> tuple[tuple[str, int], ...]:
    with snapshot.open_current(home) as snap:  # type: ignore[union-attr]
        return tuple(
            (a.advisory_id, a.affected_index)
            for a in snap.advisories_for("Go", "github.com/gin-gonic/gin")
            if a.advisory_id == "GO-2020-0001"
        )


def test_a_record_brought_again_under_another_source_replaces_the_kept_one(
    shared_data: Path, tmp_path: Path
) -> None:
    """Importing `osv:Go`, then a folder naming the same record `osv:Go+PyPI`: the new record
    wins, it is indexed once, and the old source, left with nothing, leaves the manifest."""
    home = tmp_path / "home"
    alone = importer.import_paths([shared_data / GO_RECORD], home=home)
    assert [s.name for s in alone.sources] == ["osv:Go"]
    once = _gin_entries(home)
    assert once
    importer.import_paths([_go_and_pypi(shared_data, tmp_path / "both", "second")], home=home)
    with snapshot.open_current(home) as snap:  # type: ignore[union-attr]
        assert [(s["name"], s["records"]) for s in snap.manifest["sources"]] == [("osv:Go+PyPI", 2)]
        assert snap.record(FeedKind.OSV, "GO-2020-0001")["summary"] == "second"  # type: ignore[index]
        assert snap.manifest["feeds"]["osv"] == 2
    assert _gin_entries(home) == once


def test_within_one_import_the_later_input_wins(shared_data: Path, tmp_path: Path) -> None:
    home = tmp_path / "home"
    both = _go_and_pypi(shared_data, tmp_path / "both", "later")
    importer.import_paths([shared_data / GO_RECORD, both], home=home)
    with snapshot.open_current(home) as snap:  # type: ignore[union-attr]
        assert [(s["name"], s["records"]) for s in snap.manifest["sources"]] == [("osv:Go+PyPI", 2)]
        assert snap.record(FeedKind.OSV, "GO-2020-0001")["summary"] == "later"  # type: ignore[index]
        assert snap.keys(FeedKind.OSV, "alias", "CVE-2020-36567") == ("GO-2020-0001",)
    alone = tmp_path / "alone"
    importer.import_paths([shared_data / GO_RECORD], home=alone)
    assert _gin_entries(home) == _gin_entries(alone)


def test_a_record_dated_in_the_future_does_not_date_the_source_after_its_import(
    shared_data: Path, tmp_path: Path
) -> None:
    (name,) = sorted(p.name for p in (shared_data / RUST).glob("*.json"))[:1]
    folder = copy_records(shared_data / RUST, [name], tmp_path / "one")
    record = json.loads((folder / name).read_text())
    record["modified"] = "2999-01-01T00:00:00Z"
    (folder / name).write_text(json.dumps(record))
    result = importer.import_paths([folder], home=tmp_path / "h")
    manifest = result.manifest
    imported_on = manifest["imported_at"][:10]
    (source,) = manifest["sources"]
    assert source["newest"].startswith("2999")  # what the record says, kept as evidence
    assert source["as_of"] == manifest["newest"] == imported_on
    (future,) = [w for w in result.sources[0].warnings if w.code == "future"]
    assert future.location.pointer == "/modified" and "2999-01-01" in future.message


def test_a_feed_dated_in_the_future_is_warned_about(shared_data: Path, tmp_path: Path) -> None:
    catalogue = json.loads(
        (shared_data / "cisa-kev/known_exploited_vulnerabilities.json").read_text()
    )
    catalogue["dateReleased"] = "2999-01-01T00:00:00.000Z"
    path = tmp_path / "kev.json"
    path.write_text(json.dumps(catalogue))
    (report,) = importer.import_paths([path], home=tmp_path / "h").sources
    (future,) = [w for w in report.warnings if w.code == "future"]
    assert "2999-01-01" in future.message


# --- an import that would shrink a source ---------------------------------------------------

GO = "golang-vulndb/data/osv"


@pytest.fixture()
def go_home(shared_data: Path, tmp_path: Path) -> tuple[Path, list[str]]:
    """A home whose snapshot holds 40 Go records as `osv:Go`, and their file names."""
    names = sorted(p.name for p in (shared_data / GO).glob("GO-*.json"))[:40]
    home = tmp_path / "home"
    importer.import_paths([copy_records(shared_data / GO, names, tmp_path / "forty")], home=home)
    return home, names


def _go_records(home: Path) -> int:
    with snapshot.open_current(home) as snap:  # type: ignore[union-attr]
        return next(s["records"] for s in snap.manifest["sources"] if s["name"] == "osv:Go")


def test_one_record_imported_as_a_whole_source_is_merged_not_replacing_it(
    shared_data: Path, go_home: tuple[Path, list[str]]
) -> None:
    """One Go record imported as `osv:Go` once replaced the whole Go source without a word."""
    home, names = go_home
    (report,) = importer.import_paths([shared_data / GO / names[0]], home=home).sources
    assert report.name == "osv:Go" and report.records == 1
    assert report.change.mode is snapshot.ImportMode.MERGED
    assert (report.change.kept, report.change.removed, report.change.added) == (39, 0, 0)
    assert _go_records(home) == 40
    (replaced,) = importer.import_paths(
        [shared_data / GO / names[0]], home=home, replace=True
    ).sources
    assert replaced.change.mode is snapshot.ImportMode.REPLACED
    assert (replaced.change.removed, replaced.change.kept) == (39, 0)
    assert _go_records(home) == 1


def test_a_small_shrink_replaces_and_says_what_it_removed(
    shared_data: Path, tmp_path: Path, go_home: tuple[Path, list[str]]
) -> None:
    """39 of 40 records (2.5% left out, within `MAX_SHRINK`): a feed may drop a few."""
    home, names = go_home
    fewer = copy_records(shared_data / GO, names[1:], tmp_path / "thirty-nine")
    record = json.loads((fewer / names[1]).read_text())
    (fewer / names[1]).write_text(json.dumps({**record, "summary": "changed"}))
    (report,) = importer.import_paths([fewer], home=home).sources
    assert report.change.mode is snapshot.ImportMode.REPLACED
    assert (report.change.removed, report.change.changed, report.change.added) == (1, 1, 0)
    assert _go_records(home) == 39


def test_a_merged_source_keeps_the_marks_of_both(
    shared_data: Path, go_home: tuple[Path, list[str]]
) -> None:
    home, names = go_home
    importer.import_paths([shared_data / GO / names[0]], home=home, complete=True, demo=True)
    with snapshot.open_current(home) as snap:  # type: ignore[union-attr]
        (go,) = [s for s in snap.manifest["sources"] if s["name"] == "osv:Go"]
    assert snapshot.source_complete(go) and snapshot.source_demo(go)
    assert len(go["inputs"]) == 2


def test_the_manifest_keeps_what_each_import_changed(
    shared_data: Path, go_home: tuple[Path, list[str]], monkeypatch: pytest.MonkeyPatch
) -> None:
    home, names = go_home
    monkeypatch.setattr(snapshot, "HISTORY", 2)
    importer.import_paths(
        [shared_data / "cisa-kev/known_exploited_vulnerabilities.json"], home=home
    )
    importer.import_paths([shared_data / GO / names[0]], home=home)
    with snapshot.open_current(home) as snap:  # type: ignore[union-attr]
        imports = snap.manifest["imports"]
    assert len(imports) == 2  # the first of three left out
    kev, go = imports
    assert [(s["name"], s["mode"], s["added"]) for s in kev["sources"]] == [("kev", "new", 1404)]
    assert [(s["name"], s["mode"], s["kept"]) for s in go["sources"]] == [("osv:Go", "merged", 39)]
