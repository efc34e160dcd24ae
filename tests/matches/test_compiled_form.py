"""Compiled packages kept beside the snapshot read back as the same index, and change nothing.

The round trip is checked on every package of the three OSV corpora; scans with the store
absent, filled and unusable write the same report bytes; a damaged row or an unwritable folder
only costs a compile.
"""

from __future__ import annotations

import io
import json
import marshal
import sqlite3
from contextlib import closing
from datetime import date
from pathlib import Path

import pytest
from tests.conftest import Corpus

from chainreview import canonical
from chainreview.evidence.merge import merge_documents
from chainreview.evidence.sbom import read_sbom
from chainreview.findings.model import Finding
from chainreview.findings.scan import matchers_for, scan
from chainreview.intel.snapshot import Snapshot, collect_garbage, open_current
from chainreview.matches import compiled_store
from chainreview.matches.aliases import MAX_GROUP
from chainreview.matches.compiled_store import CompiledStore, fingerprint
from chainreview.matches.package_index import CompiledPackage, PackageIndex
from chainreview.matches.ranges import compile_affected

AIRFLOW = "sbomqs-samples/samples/apache_airflow-sbom-2.8.0-python3.10.json"


def _compiled(snapshot: Snapshot, ecosystem: str, name: str) -> CompiledPackage | None:
    rows = tuple(r for r in snapshot.advisories_for(ecosystem, name) if not r.withdrawn)
    if not rows:
        return None
    index = PackageIndex(ecosystem, [compile_affected(r.affected, ecosystem) for r in rows])
    return CompiledPackage(rows, index)


def _named(package: CompiledPackage) -> list[str]:
    named = {
        v
        for entry in package.entries
        for v in (
            *entry.affected.versions,
            *(e.version for r in entry.affected.ranges for e in r.events),
        )
    }
    return sorted(named)


def _round_trip(ecosystem: str, package: CompiledPackage) -> CompiledPackage:
    plain = marshal.loads(marshal.dumps(compiled_store._encode(package)))
    return compiled_store._decode(ecosystem, plain)


def test_every_corpus_package_reads_back_as_the_same_index(corpus: Corpus) -> None:
    snapshot = open_current(corpus.home)
    assert snapshot is not None
    checked = 0
    with snapshot:
        for ecosystem, name in snapshot.packages():
            package = _compiled(snapshot, ecosystem, name)
            if package is None:
                continue
            named = _named(package)
            for version in named[::2]:  # half the regions worked out before the trip
                package.index.evaluate(version)
            restored = _round_trip(ecosystem, package)
            assert restored.entries == package.entries
            fresh = _compiled(snapshot, ecosystem, name)
            assert fresh is not None
            for version in named + [v + ".1" for v in named] + ["v" + v for v in named]:
                assert restored.index.evaluate(version) == fresh.index.evaluate(version), (
                    ecosystem,
                    name,
                    version,
                )
                checked += 1
    assert checked > 50_000


def test_shared_decisions_stay_shared(corpus: Corpus) -> None:
    """The findings' evidence cache keys on decision identity: one region's decision is one
    object for every version landing in it, before and after the trip."""
    snapshot = open_current(corpus.home)
    assert snapshot is not None
    with snapshot:
        package = _compiled(snapshot, "PyPI", "django")
        assert package is not None
        restored = _round_trip("PyPI", package)
        first = restored.index.evaluate("1.4.1")
        again = restored.index.evaluate("1.4.1")
    assert first and all(a[1].decision is b[1].decision for a, b in zip(first, again, strict=True))


def _report_bytes(home: Path, sbom: Path) -> bytes:
    snapshot = open_current(home)
    assert snapshot is not None
    with snapshot:
        inventory = merge_documents([read_sbom(sbom, str(sbom), validate=False)])
        report = scan(
            inventory,
            matchers_for(snapshot),
            snapshot,
            snapshot=snapshot.hash,
            today=date(2025, 1, 1),
        )
    stream = io.BytesIO()
    canonical.dump(report, stream, native=(Finding,))
    return stream.getvalue()


def _store_files(home: Path) -> list[Path]:
    return sorted((home / "intel" / "snapshots").glob("*.compiled-*"))


@pytest.fixture
def own_home(corpus: Corpus, tmp_path: Path) -> Path:
    """A copy of the corpus home without any compiled store."""
    import shutil

    home = tmp_path / "home"
    shutil.copytree(corpus.home / "intel", home / "intel")
    for path in _store_files(home):
        path.unlink()
    return home


def _dense_sbom(home: Path, folder: Path) -> Path:
    """A CycloneDX SBOM of real (package, version) pairs the corpus names: three versions of
    each of 300 PyPI and Go packages, so that most components have findings."""
    snapshot = open_current(home)
    assert snapshot is not None
    components = []
    with snapshot:
        for ecosystem, name in snapshot.packages():
            package = _compiled(snapshot, ecosystem, name)
            if ecosystem not in ("PyPI", "Go") or package is None:
                continue
            kind = "pypi" if ecosystem == "PyPI" else "golang"
            components.extend(
                {
                    "type": "library",
                    "name": name,
                    "version": version,
                    "purl": f"pkg:{kind}/{name}@{version}",
                    "bom-ref": f"{kind}-{name}-{version}",
                }
                for version in _named(package)[1:4]
            )
            if len(components) >= 900:
                break
    sbom = folder / "dense.cdx.json"
    sbom.write_text(
        json.dumps({"bomFormat": "CycloneDX", "specVersion": "1.5", "components": components})
    )
    return sbom


def test_scans_with_and_without_the_store_write_the_same_bytes(
    own_home: Path, tmp_path: Path
) -> None:
    sbom = _dense_sbom(own_home, tmp_path)
    first = _report_bytes(own_home, sbom)  # compiles, then keeps
    stored = _store_files(own_home)
    assert [p.name.rsplit("-", 1)[1] for p in stored] == [fingerprint()[:16]]
    with closing(sqlite3.connect(stored[0])) as db:
        kept = [
            db.execute(f"SELECT COUNT(*) FROM {table}").fetchone()[0]
            for table in ("packages", "groups", "facts")
        ]
    assert min(kept) > 200  # compiled packages, alias groups, findings' record facts
    second = _report_bytes(own_home, sbom)  # reads every package, group and fact back
    assert second == first
    assert json.loads(first)["counts"]["findings"] > 500
    with closing(sqlite3.connect(stored[0])) as db, db:
        db.execute("UPDATE facts SET body = ?", (marshal.dumps(("not", "facts")),))
        db.execute("UPDATE groups SET members = ?", (marshal.dumps(("NOT-1",)),))
    assert _report_bytes(own_home, sbom) == first  # values of the wrong shape are worked out


def test_a_damaged_row_is_compiled_again(own_home: Path, shared_data: Path) -> None:
    sbom = shared_data / AIRFLOW
    expected = _report_bytes(own_home, sbom)
    (stored,) = _store_files(own_home)
    with closing(sqlite3.connect(stored)) as db, db:
        db.execute("UPDATE packages SET body = ?", (b"\x00not marshal",))
    snapshot = open_current(own_home)
    assert snapshot is not None
    with snapshot:
        store = CompiledStore(snapshot.path)
        ecosystem, name = snapshot.packages()[0]
        assert store.get(ecosystem, name) is None
        store.close()
    assert _report_bytes(own_home, sbom) == expected


def test_a_store_that_cannot_be_written_costs_nothing_but_time(
    own_home: Path, tmp_path: Path
) -> None:
    sbom = _dense_sbom(own_home, tmp_path)
    snapshot = open_current(own_home)
    assert snapshot is not None
    with snapshot:
        blocked = CompiledStore(snapshot.path).path
    blocked.mkdir()  # a folder where the file would go: SQLite cannot open it, even as root
    report = _report_bytes(own_home, sbom)
    assert blocked.is_dir() and not any(blocked.iterdir())
    blocked.rmdir()
    assert report == _report_bytes(own_home, sbom)


def test_a_store_that_cannot_be_opened_is_left_alone(tmp_path: Path) -> None:
    snapshot_path = tmp_path / "missing" / "abc.sqlite"  # no folder: nothing can be created
    store = CompiledStore(snapshot_path)
    assert store.get("PyPI", "django") is None
    store.put([])
    assert not (tmp_path / "missing").exists()


def test_snapshot_garbage_collection_takes_the_stores_with_it(
    own_home: Path, shared_data: Path
) -> None:
    _report_bytes(own_home, shared_data / AIRFLOW)
    assert _store_files(own_home)
    snapshot = open_current(own_home)
    assert snapshot is not None
    with snapshot:
        digest = snapshot.hash
    collect_garbage(own_home, keep=[digest])
    assert _store_files(own_home) == []
    assert (own_home / "intel" / "snapshots" / f"{digest}.sqlite").is_file()


def test_alias_groups_are_kept_whole_and_read_back(tmp_path: Path) -> None:
    store = CompiledStore(tmp_path / "abc.sqlite")
    small = ("CVE-1", "GHSA-1", "PYSEC-1")
    huge = tuple(f"X-{n}" for n in range(MAX_GROUP + 1))  # a walk cut short: not kept
    store.keep_groups({"PYSEC-1": small, "X-0": huge})
    assert store.groups(["PYSEC-1", "X-0", "NONE-1"]) == {"PYSEC-1": small}
    with closing(sqlite3.connect(store.path)) as db, db:
        db.execute("UPDATE groups SET members = ?", (marshal.dumps(("OTHER-1",)),))
    assert store.groups(["PYSEC-1"]) == {}  # a group without its own id is not believed
    store.close()
