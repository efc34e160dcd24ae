"""The screening index is built once per snapshot and kept beside it (`Snapshot.derived`): the
kept index screens exactly as a freshly built one, and a damaged or unwritable file only costs a
rebuild."""

from __future__ import annotations

import marshal
import os
import sqlite3
from collections.abc import Iterator
from contextlib import closing
from pathlib import Path

import pytest

from chainreview.factors import screening
from chainreview.factors.screening import Screener
from chainreview.intel import importer
from chainreview.intel.interface import FeedKind, load_record
from chainreview.intel.sanctions import ListedParty
from chainreview.intel.snapshot import Snapshot, open_current

QUERIES = (
    "CUBIT SEMICONDUCTOR LIMITED",
    "Corebai Microelectronics (Beijing) Co., Ltd.",
    "Rosoboronexport",
    "Bank Melli Iran",
    "Mohammed Ahmad",
    "Huawei Technologies Co Ltd",
    "Northwind Storage Systems",
)
"""Real list entries, spellings of them, common names and names on no list."""


@pytest.fixture(scope="module")
def sdn(shared_data: Path, tmp_path_factory: pytest.TempPathFactory) -> Iterator[Snapshot]:
    home = tmp_path_factory.mktemp("sdn-kept")
    importer.import_paths([shared_data / "ofac-sdn" / "sdn.csv"], home=home)
    snapshot = open_current(home)
    assert snapshot is not None
    yield snapshot
    snapshot.close()


@pytest.fixture
def fresh(sdn: Snapshot) -> Iterator[None]:
    """No screener kept in this process, no derived file beside the snapshot."""
    screening._KEPT.clear()
    sdn.derived.close()
    for path in sdn.path.parent.glob(f"{sdn.path.name}.derived-*"):
        path.unlink()
    yield
    screening._KEPT.clear()


def _kept(snapshot: Snapshot) -> list[bytes]:
    """The kept index's rows (its `marshal` bodies)."""
    if not snapshot.derived.path.exists():
        return []
    with closing(sqlite3.connect(snapshot.derived.path)) as db:
        rows = db.execute("SELECT body FROM derived WHERE kind = 'screening-index'")
        return [body for (body,) in rows]


def _damage(snapshot: Snapshot, body: bytes) -> None:
    with closing(sqlite3.connect(snapshot.derived.path)) as db, db:
        db.execute("UPDATE derived SET body = ? WHERE kind = 'screening-index'", (body,))


def _built(snapshot: Snapshot) -> Screener:
    """The index built straight from the records, as before any file was kept."""
    return Screener(
        load_record(ListedParty, record) for _, record in snapshot.every_record(FeedKind.SANCTIONS)
    )


def _queries(snapshot: Snapshot) -> list[str]:
    """`QUERIES` and every 400th list name, as written on the list and lower-cased."""
    names = [record["name"] for _, record in snapshot.every_record(FeedKind.SANCTIONS)]
    sample = names[::400]
    assert len(sample) > 20
    return [*QUERIES, *sample, *(name.lower() for name in sample)]


@pytest.mark.usefixtures("fresh")
def test_the_kept_index_screens_as_the_built_one(sdn: Snapshot) -> None:
    first = Screener.from_snapshot(sdn)
    assert first is not None
    assert len(_kept(sdn)) == 1
    screening._KEPT.clear()
    read = Screener.from_snapshot(sdn)  # from beside the snapshot this time
    assert read is not None and read is not first
    built = _built(sdn)
    assert read.lists == built.lists == ("ofac-sdn",)
    hits = 0
    for query in _queries(sdn):
        expected = built.screen(query)
        assert read.screen(query) == expected, query
        assert read.screen(query, entity_type="entity", country="China") == built.screen(
            query, entity_type="entity", country="China"
        )
        hits += bool(expected)
    assert hits > 40  # the sample's own names hit: the comparison is not of empty results


@pytest.mark.usefixtures("fresh")
def test_a_damaged_index_is_built_again(sdn: Snapshot) -> None:
    assert Screener.from_snapshot(sdn) is not None
    (whole,) = _kept(sdn)
    data = marshal.loads(whole)
    damaged = (data[: len(data) // 2], b"", b'{"parties": 1}', b"[]", "text", 1)
    for damage in (whole[: len(whole) // 2], *(marshal.dumps(d) for d in damaged)):
        _damage(sdn, damage)
        screening._KEPT.clear()
        screener = Screener.from_snapshot(sdn)
        assert screener is not None
        assert [h.uid for h in screener.screen("CUBIT SEMICONDUCTOR LIMITED")] == ["47593"]
        assert _kept(sdn) == [whole]  # written again, whole


@pytest.mark.usefixtures("fresh")
def test_an_unwritable_folder_only_costs_the_file(sdn: Snapshot) -> None:
    folder = sdn.path.parent
    folder.chmod(0o555)
    try:
        screener = Screener.from_snapshot(sdn)
    finally:
        folder.chmod(0o755)
    assert screener is not None
    assert [h.uid for h in screener.screen("CUBIT SEMICONDUCTOR LIMITED")] == ["47593"]
    if os.geteuid() != 0:  # root writes anywhere
        assert _kept(sdn) == []
