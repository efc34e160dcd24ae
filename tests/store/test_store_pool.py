"""A pooled PostgreSQL connection the server closed while it rested is replaced before use, not
handed to a request (`engines._ping_when_idle`); a busy one is used without a check."""

from __future__ import annotations

import pytest
from sqlalchemy import text
from store_kit import Backend

from chainreview.errors import StoreError
from chainreview.store import engines
from chainreview.store.db import Store


def _pid(store: Store) -> int:
    with store.read_only("test") as tx:
        found = tx.session.connection().execute(text("SELECT pg_backend_pid()")).scalar()
    assert isinstance(found, int)
    return found


def _terminate(postgres: Backend, pid: int) -> None:
    with postgres.sql() as connection:
        connection.execute(text("SELECT pg_terminate_backend(:pid)"), {"pid": pid})


def test_a_connection_closed_while_idle_is_replaced(
    postgres: Backend, monkeypatch: pytest.MonkeyPatch
) -> None:
    with postgres.open() as store:
        first = _pid(store)
        _terminate(postgres, first)
        monkeypatch.setattr(engines, "PING_AFTER_IDLE", 0.0)  # it has rested long enough
        assert _pid(store) != first


def test_a_connection_used_a_moment_ago_is_not_checked(
    postgres: Backend, monkeypatch: pytest.MonkeyPatch
) -> None:
    with postgres.open() as store:
        first = _pid(store)
        _terminate(postgres, first)
        monkeypatch.setattr(engines, "PING_AFTER_IDLE", 3600.0)
        with pytest.raises(StoreError, match="case database"):
            _pid(store)
        assert _pid(store) != first  # the failed connection was thrown away


def test_a_checked_connection_serves_reads_and_writes(
    postgres: Backend, monkeypatch: pytest.MonkeyPatch
) -> None:
    with postgres.open() as store:
        first = _pid(store)
        monkeypatch.setattr(engines, "PING_AFTER_IDLE", 0.0)  # every checkout is checked
        assert _pid(store) == first  # alive: kept, and usable without a transaction
        with store.transaction("test") as tx:
            found = tx.session.connection().execute(text("SELECT pg_backend_pid()")).scalar()
        assert found == first
        assert _pid(store) == first
