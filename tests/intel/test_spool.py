"""The spool: records on disk, each key once, as a sequence."""

from __future__ import annotations

from dataclasses import dataclass

import pytest

from chainreview.intel.spool import Spool


@dataclass(frozen=True)
class Item:
    name: str
    body: bytes

    @property
    def key(self) -> str:
        return self.name


def spool(*, by_key: bool = False) -> Spool[Item]:
    return Spool(Item, by_key=by_key)


def test_keeps_the_first_of_a_key_and_says_which_were_left_out() -> None:
    items = spool()
    assert items.add_first([("b", b"1"), ("a", b"2"), ("b", b"3")]) == [2]
    assert items.add_first([("a", b"4"), ("c", b"5")]) == [0]
    assert list(items) == [Item("b", b"1"), Item("a", b"2"), Item("c", b"5")]
    assert len(items) == 3 and items[-1] == Item("c", b"5") and items[1:] == items[1:3]
    with pytest.raises(IndexError):
        items[3]


def test_by_key_with_ranks_keeps_the_highest() -> None:
    items = spool(by_key=True)
    assert items.add_latest([("b", b"old", "2024-01-01"), ("a", b"x", "")]) == []
    again = items.add_latest(
        [
            ("b", b"older", "2023-01-01"),  # the later one stays
            ("b", b"newer", "2025-01-01"),  # replaces it
            ("c", b"y", ""),
            ("b", b"same", "2025-01-01"),  # a tie keeps the first
        ]
    )
    assert again == [(0, "2025-01-01"), (1, "2025-01-01"), (3, "2025-01-01")]
    assert list(items) == [Item("a", b"x"), Item("b", b"newer"), Item("c", b"y")]
    assert items == (Item("a", b"x"), Item("b", b"newer"), Item("c", b"y")) and items != ()


def test_an_empty_spool_equals_an_empty_tuple() -> None:
    assert spool() == () and not spool()
