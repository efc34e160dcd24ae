"""Compiled packages kept beside the snapshot read back as the same index, and change nothing.

The round trip is checked on every package of the three OSV corpora; scans with the derived
file absent, filled, damaged and unusable write the same report bytes; a damaged row or an
unwritable folder only costs a compile.
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
from chainreview.matches.compiled_form import COMPILED_PACKAGES
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
    plain = marshal.loads(marshal.dumps(COMPILED_PACKAGES.encode(package)))
    return COMPILED_PACKAGES.decode((ecosystem, "any"), plain)


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
    """The derived files beside the snapshots (their write-ahead logs left out)."""
    return sorted((home / "intel" / "snapshots").glob("*.derived-[0-9]"))


@pytest.fixture
def own_home(corpus: Corpus, tmp_path: Path) -> Path:
    """A copy of the corpus home without any derived file."""
    import shutil

    home = tmp_path / "home"
    shutil.copytree(corpus.home / "intel", home / "intel")
    for path in (home / "intel" / "snapshots").glob("*.derived-*"):
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


def test_scans_with_and_without_the_derived_file_write_the_same_bytes(
    own_home: Path, tmp_path: Path
) -> None:
    sbom = _dense_sbom(own_home, tmp_path)
    first = _report_bytes(own_home, sbom)  # compiles, then keeps
    (stored,) = _store_files(own_home)
    kinds = ("compiled-packages", "alias-groups", "finding-facts")
    count = "SELECT COUNT(*) FROM derived WHERE kind = ?"
    with closing(sqlite3.connect(stored)) as db:
        kept = [db.execute(count, (kind,)).fetchone()[0] for kind in kinds]
    assert min(kept) > 200  # compiled packages, alias groups, findings' record facts
    second = _report_bytes(own_home, sbom)  # reads every package, group and fact back
    assert second == first
    assert json.loads(first)["counts"]["findings"] > 500
    damage = "UPDATE derived SET body = ? WHERE kind = ?"
    with closing(sqlite3.connect(stored)) as db, db:
        db.execute(damage, (marshal.dumps(("not", "facts")), "finding-facts"))
        db.execute(damage, (marshal.dumps(("NOT-1",)), "alias-groups"))
        db.execute(damage, (marshal.dumps((99,)), "compiled-packages"))
    assert _report_bytes(own_home, sbom) == first  # values of the wrong shape are worked out
    damaged = [marshal.dumps(v) for v in (("not", "facts"), ("NOT-1",), (99,))]
    with closing(sqlite3.connect(stored)) as db:
        left = db.execute("SELECT COUNT(*) FROM derived WHERE body IN (?, ?, ?)", damaged)
        assert left.fetchone()[0] == 0  # and kept again, whole


def test_a_damaged_row_is_compiled_again(own_home: Path, shared_data: Path) -> None:
    sbom = shared_data / AIRFLOW
    expected = _report_bytes(own_home, sbom)
    (stored,) = _store_files(own_home)
    with closing(sqlite3.connect(stored)) as db, db:
        db.execute("UPDATE derived SET body = ?", (b"\x00not marshal",))
    snapshot = open_current(own_home)
    assert snapshot is not None
    with snapshot:
        ecosystem, name = snapshot.packages()[0]
        assert snapshot.derived.get(COMPILED_PACKAGES, (ecosystem, name)) is None
    assert _report_bytes(own_home, sbom) == expected


def test_a_derived_file_that_cannot_be_written_costs_nothing_but_time(
    own_home: Path, tmp_path: Path
) -> None:
    sbom = _dense_sbom(own_home, tmp_path)
    snapshot = open_current(own_home)
    assert snapshot is not None
    with snapshot:
        blocked = snapshot.derived.path
    blocked.mkdir()  # a folder where the file would go: SQLite cannot open it, even as root
    report = _report_bytes(own_home, sbom)
    assert blocked.is_dir() and not any(blocked.iterdir())
    blocked.rmdir()
    assert report == _report_bytes(own_home, sbom)


def test_snapshot_garbage_collection_takes_the_derived_file_with_it(
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
