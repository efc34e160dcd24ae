"""The derived data beside a snapshot: values read back by the next opener as they were kept,
never those another code's fingerprint wrote, and nothing but time lost when the file cannot be
made, read or written."""

from __future__ import annotations

import os
import sqlite3
from contextlib import closing
from pathlib import Path
from typing import Any

from chainreview.intel.derived import Derived, Held, Kind


def _pair(key: tuple[str, int], plain: Any) -> tuple[str, int]:
    name, number = plain
    if not isinstance(name, str) or not isinstance(number, int):
        raise TypeError("not a pair")
    return name, number


PAIRS = Kind[tuple[str, int], tuple[str, int]](
    name="pairs", modules=("chainreview.intel.derived",), encode=tuple, decode=_pair
)
OTHER_CODE = Kind[tuple[str, int], tuple[str, int]](
    name="pairs", modules=("chainreview.sql_batches",), encode=tuple, decode=_pair
)
"""The same kind as computed by other code."""


def test_values_are_read_back_by_the_next_opener(tmp_path: Path) -> None:
    snapshot = tmp_path / "abc.sqlite"
    first = Derived(snapshot)
    assert first.get(PAIRS, ("a", 1)) is None
    assert not first.path.exists()  # asking makes no file
    values = {("a", n): (f"v{n}", n * n) for n in range(2000)}  # more than one query's batch
    first.put(PAIRS, values)
    first.close()
    assert first.path.name == "abc.sqlite.derived-1"
    second = Derived(snapshot)
    assert second.get(PAIRS, ("a", 7)) == ("v7", 49)
    assert second.get_many(PAIRS, [*values, ("b", 1)]) == values
    assert second.get_many(OTHER_CODE, values) == {}  # another fingerprint: never read
    second.close()


def test_other_codes_rows_are_replaced_and_damaged_rows_skipped(tmp_path: Path) -> None:
    derived = Derived(tmp_path / "abc.sqlite")
    assert PAIRS.fingerprint != OTHER_CODE.fingerprint
    derived.put(OTHER_CODE, {("a", 1): ("old", 1), ("a", 2): ("old", 2)})
    derived.put(PAIRS, {("a", 1): ("new", 1)})
    with closing(sqlite3.connect(derived.path)) as db:
        assert db.execute("SELECT COUNT(*) FROM derived").fetchone()[0] == 2  # one row a key
        db.execute("UPDATE derived SET body = ? WHERE key = ?", (b"\x00no", '["a",2]'))
        db.commit()
    assert derived.get_many(OTHER_CODE, [("a", 1), ("a", 2)]) == {}
    derived.put(PAIRS, {("a", 2): ("new", 2)})
    assert derived.get_many(PAIRS, [("a", 1), ("a", 2)]) == {
        ("a", 1): ("new", 1),
        ("a", 2): ("new", 2),
    }
    derived.close()


def test_a_value_that_cannot_be_written_is_left_out(tmp_path: Path) -> None:
    derived = Derived(tmp_path / "abc.sqlite")
    derived.put(PAIRS, {("a", 1): ("kept", 1), ("a", 2): ("no", object())})  # type: ignore[dict-item]
    assert derived.get_many(PAIRS, [("a", 1), ("a", 2)]) == {("a", 1): ("kept", 1)}
    derived.close()


def test_a_file_that_cannot_be_made_costs_nothing_but_time(tmp_path: Path) -> None:
    derived = Derived(tmp_path / "missing" / "abc.sqlite")  # no folder: nothing can be created
    derived.put(PAIRS, {("a", 1): ("v", 1)})
    assert derived.get(PAIRS, ("a", 1)) is None
    assert derived.get_many(PAIRS, [("a", 1)]) == {}
    assert not (tmp_path / "missing").exists()


def test_an_unwritable_folder_is_tried_again_after_close(tmp_path: Path) -> None:
    tmp_path.chmod(0o555)
    derived = Derived(tmp_path / "abc.sqlite")
    try:
        derived.put(PAIRS, {("a", 1): ("v", 1)})
    finally:
        tmp_path.chmod(0o755)
    if os.geteuid() != 0:  # root writes anywhere
        assert not derived.path.exists()
    derived.close()
    derived.put(PAIRS, {("a", 1): ("v", 1)})
    assert derived.get(PAIRS, ("a", 1)) == ("v", 1)
    derived.close()


def test_held_values_are_made_once_while_open(tmp_path: Path) -> None:
    slot = Held[list[int]]("numbers")
    derived = Derived(tmp_path / "abc.sqlite")
    made = derived.held(slot, list)
    made.append(1)
    assert derived.held(slot, list) is made
    derived.close()
    assert derived.held(slot, list) == []
    assert not derived.path.exists()  # held values are never written


def test_keeping_what_is_kept_already_writes_nothing(tmp_path: Path) -> None:
    derived = Derived(tmp_path / "abc.sqlite")
    values = {("a", n): (f"v{n}", n) for n in range(100)}
    derived.put(PAIRS, values)
    derived.close()
    written = derived.path.stat().st_mtime_ns
    derived.put(PAIRS, values)  # a scan keeping again what it found
    derived.close()
    assert derived.path.stat().st_mtime_ns == written
    derived.put(PAIRS, {("a", 1): ("changed", 1)})
    derived.close()
    assert derived.path.stat().st_mtime_ns != written
    assert derived.get(PAIRS, ("a", 1)) == ("changed", 1)
    derived.close()
