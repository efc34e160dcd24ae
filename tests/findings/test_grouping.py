"""Alias groups kept beside the snapshot: whole groups are kept and read back without a walk; a
walk cut short at `MAX_GROUP` is not kept; a kept group that does not hold its id is not
believed."""

from __future__ import annotations

import marshal
import sqlite3
from collections.abc import Iterator
from contextlib import closing
from pathlib import Path

import pytest
from tests.intel.conftest import write_record

from chainreview.findings.grouping import ALIAS_GROUPS, alias_groups
from chainreview.findings.records import Records
from chainreview.intel import importer
from chainreview.intel.snapshot import Snapshot, open_current
from chainreview.matches.aliases import MAX_GROUP

SMALL = ("CVE-2024-0001", "GHSA-aaaa-bbbb-cccc", "PYSEC-2024-1")
HUGE = tuple(f"CVE-2024-{n:05d}" for n in range(1000, 1000 + MAX_GROUP + 44))


def _record(identifier: str, aliases: tuple[str, ...]) -> dict[str, object]:
    return {
        "id": identifier,
        "modified": "2024-01-01T00:00:00Z",
        "aliases": list(aliases),
        "affected": [
            {
                "package": {"ecosystem": "PyPI", "name": "demo"},
                "ranges": [{"type": "ECOSYSTEM", "events": [{"introduced": "0"}]}],
            }
        ],
    }


@pytest.fixture
def snapshot(tmp_path: Path) -> Iterator[Snapshot]:
    folder = tmp_path / "osv"
    write_record(folder, _record("PYSEC-2024-1", ("CVE-2024-0001",)))
    write_record(folder, _record("GHSA-aaaa-bbbb-cccc", ("CVE-2024-0001",)))
    write_record(folder, _record("PYSEC-2024-2", HUGE))  # 301 ids: more than a walk visits
    importer.import_paths([folder], home=tmp_path / "home")
    opened = open_current(tmp_path / "home")
    assert opened is not None
    with opened:
        yield opened


class _Counted(Records):
    """`Records` counting the OSV look-ups of alias walks."""

    walked = 0

    def osv_aliases(self, advisory_id: str) -> tuple[str, ...]:
        self.walked += 1
        return super().osv_aliases(advisory_id)


def _kept(snapshot: Snapshot) -> dict[str, tuple[str, ...]]:
    with closing(sqlite3.connect(snapshot.derived.path)) as db:
        rows = db.execute("SELECT key, body FROM derived WHERE kind = ?", (ALIAS_GROUPS.name,))
        return {key.strip('"'): marshal.loads(body) for key, body in rows}


def test_whole_groups_are_kept_and_read_back_without_a_walk(snapshot: Snapshot) -> None:
    first = _Counted(snapshot)
    groups = alias_groups(["PYSEC-2024-1", "PYSEC-2024-2"], first, snapshot.derived)
    assert groups["PYSEC-2024-1"] == SMALL
    assert len(groups["PYSEC-2024-2"]) == MAX_GROUP + 45  # the record and its 300 aliases
    assert first.walked > 0
    assert _kept(snapshot) == {"PYSEC-2024-1": SMALL}  # the cut-short walk is not kept
    again = _Counted(snapshot)
    assert alias_groups(["PYSEC-2024-1"], again, snapshot.derived) == {"PYSEC-2024-1": SMALL}
    assert again.walked == 0


def test_a_kept_group_without_its_own_id_is_walked_again(snapshot: Snapshot) -> None:
    alias_groups(["PYSEC-2024-1"], Records(snapshot), snapshot.derived)
    with closing(sqlite3.connect(snapshot.derived.path)) as db, db:
        db.execute("UPDATE derived SET body = ?", (marshal.dumps(("OTHER-1",)),))
    again = _Counted(snapshot)
    assert alias_groups(["PYSEC-2024-1"], again, snapshot.derived) == {"PYSEC-2024-1": SMALL}
    assert again.walked > 0
    assert _kept(snapshot) == {"PYSEC-2024-1": SMALL}  # and kept again, whole
