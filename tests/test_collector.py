"""`collector.paused`: the cycle collector off for a block, then back as it was, nothing lost."""

from __future__ import annotations

import gc
import weakref

from chainreview import collector


class _Node:
    def __init__(self) -> None:
        self.other: _Node | None = None


def _cycle() -> weakref.ref[_Node]:
    a, b = _Node(), _Node()
    a.other, b.other = b, a
    return weakref.ref(a)


def test_collector_is_off_inside_and_back_after() -> None:
    assert gc.isenabled()
    with collector.paused():
        assert not gc.isenabled()
    assert gc.isenabled()


def test_a_disabled_collector_stays_disabled() -> None:
    gc.disable()
    try:
        with collector.paused():
            pass
        assert not gc.isenabled()
    finally:
        gc.enable()


def test_objects_made_inside_go_to_the_oldest_generation_and_cycles_are_still_freed() -> None:
    with collector.paused():
        kept = [_Node() for _ in range(1000)]
        garbage = _cycle()
        assert gc.get_count()[0] >= 1000
    assert gc.get_freeze_count() == 0  # nothing left frozen
    assert gc.get_count()[0] < 1000  # the young generation was emptied, unexamined
    assert garbage() is not None  # a cycle waits for a full collection...
    gc.collect()
    assert garbage() is None  # ...and is freed by it
    assert all(isinstance(node, _Node) for node in kept)


def test_a_freeze_of_the_process_s_own_is_kept() -> None:
    gc.freeze()
    try:
        frozen = gc.get_freeze_count()
        with collector.paused():
            _cycle()
        assert gc.get_freeze_count() == frozen
    finally:
        gc.unfreeze()
