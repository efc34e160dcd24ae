"""Optimistic locking with real concurrent writers: no update is lost, the loser is told.

Writers are threads, each with its own connections; a barrier makes them read the case before
either writes, so both decide on the same version.
"""

from __future__ import annotations

import threading
import time
from collections.abc import Callable

import pytest
from sqlalchemy import event, text
from sqlalchemy.orm import Session
from store_kit import Backend

from chainreview.errors import ConflictError
from chainreview.store.cases import get_case, open_case, update_case
from chainreview.store.db import Store
from chainreview.store.records import NewCase

CASE = NewCase(
    regime="cn-crm-2022",
    title="",
    state="submitted",
    applicant_org="Demo Port",
    vendor_org="Demo Cranes",
)


def _in_threads(*work: Callable[[], object]) -> list[object]:
    """Run each callable in its own thread; return what each returned or raised."""
    results: list[object] = [None] * len(work)

    def run(index: int) -> None:
        try:
            results[index] = work[index]()
        except Exception as exc:  # handed back to the test
            results[index] = exc

    threads = [threading.Thread(target=run, args=(i,)) for i in range(len(work))]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=60)
    assert not any(thread.is_alive() for thread in threads), "a writer hung"
    return results


def test_two_writers_on_one_version_one_wins_the_other_is_told(store: Store) -> None:
    with store.transaction("clerk") as tx:
        case = open_case(tx, CASE)
    both_read = threading.Barrier(2, timeout=30)

    def writer(name: str, state: str) -> object:
        with store.transaction(name) as tx:
            seen = get_case(tx, case.id)
        both_read.wait()
        with store.transaction(name) as tx:
            return update_case(tx, case.id, expected_version=seen.version, state=state)

    results = _in_threads(lambda: writer("ann", "approved"), lambda: writer("ben", "refused"))
    conflicts = [r for r in results if isinstance(r, ConflictError)]
    winners = [r for r in results if not isinstance(r, BaseException)]
    assert len(conflicts) == 1 and len(winners) == 1, results
    assert (conflicts[0].case_id, conflicts[0].expected, conflicts[0].found) == (case.id, 1, 2)
    with store.transaction("clerk") as tx:
        final = get_case(tx, case.id)
    assert final == winners[0]
    assert final.version == 2


def test_writers_that_retry_on_conflict_lose_no_update(store: Store) -> None:
    with store.transaction("clerk") as tx:
        case = open_case(tx, CASE)
    rounds = 8
    start = threading.Barrier(2, timeout=30)
    conflicts = {"a": 0, "b": 0}

    def writer(letter: str) -> None:
        start.wait()
        done = 0
        while done < rounds:
            with store.transaction(letter) as tx:
                seen = get_case(tx, case.id)
            try:
                with store.transaction(letter) as tx:
                    update_case(
                        tx, case.id, expected_version=seen.version, title=seen.title + letter
                    )
                done += 1
            except ConflictError:
                conflicts[letter] += 1

    results = _in_threads(lambda: writer("a"), lambda: writer("b"))
    assert results == [None, None]
    with store.transaction("clerk") as tx:
        final = get_case(tx, case.id)
    assert sorted(final.title) == ["a"] * rounds + ["b"] * rounds
    assert final.version == 1 + 2 * rounds


def test_an_update_racing_a_commit_in_flight_is_refused(postgres: Backend) -> None:
    """The UPDATE itself names the version: a change committed between reading the case and
    writing it (here by direct SQL, as a writer that skipped the store's lock would) wins.
    PostgreSQL only: an SQLite writer holds the file's lock from its first statement."""
    backend = postgres
    with backend.open() as store:
        with store.transaction("clerk") as tx:
            case = open_case(tx, CASE)

        def meanwhile(session: Session, *args: object) -> None:
            with backend.sql() as sql:
                sql.execute(text("UPDATE cases SET title = 'sneaked', version = version + 1"))

        with pytest.raises(ConflictError) as caught, store.transaction("ann") as tx:
            event.listen(tx.session, "before_flush", meanwhile, once=True)
            update_case(tx, case.id, expected_version=1, state="approved")
        assert (caught.value.expected, caught.value.found) == (1, 2)
        with store.transaction("clerk") as tx:
            assert (get_case(tx, case.id).title, get_case(tx, case.id).state) == (
                "sneaked",
                "submitted",
            )


def test_a_second_writer_waits_for_the_first_rather_than_failing(store: Store) -> None:
    """Writers queue (PostgreSQL: the audit log's lock; SQLite: the file's): the second waits
    for the first to commit, then its stale version is refused, never silently applied."""
    with store.transaction("clerk") as tx:
        case = open_case(tx, CASE)
    first_has_lock = threading.Event()
    held = 0.5

    def first() -> object:
        with store.transaction("ann") as tx:
            update_case(tx, case.id, expected_version=1, state="approved")
            first_has_lock.set()
            time.sleep(held)
        return "committed"

    def second() -> object:
        assert first_has_lock.wait(timeout=30)
        started = time.monotonic()
        try:
            with store.transaction("ben") as tx:
                update_case(tx, case.id, expected_version=1, state="refused")
        except ConflictError as exc:
            return (exc, time.monotonic() - started)
        return "committed"

    results = _in_threads(first, second)
    assert results[0] == "committed"
    assert isinstance(results[1], tuple), results
    refused, waited = results[1]
    assert (refused.expected, refused.found) == (1, 2)
    assert waited > held / 2
