"""The open case database: `open_store(url, home=…)` and the `Store` it returns.

`open_store` connects (`engines`), brings the schema up to date (`migrate`) and returns a
`Store`. Work happens in `Store.transaction(actor)`: one database transaction, committed when
the block ends, rolled back when it raises; every change and its audit entry go in together.
Times come from the store's clock (injectable), never from the code that records them.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from contextlib import contextmanager
from datetime import UTC, datetime
from pathlib import Path
from types import TracebackType
from typing import Final

from sqlalchemy import Connection, Engine
from sqlalchemy.orm import Session, sessionmaker

from chainreview.store import migrate
from chainreview.store.engines import READ_ONLY, database_url, engine_for, reachable
from chainreview.store.memo import Memo

SMALL_ENTRIES: Final = 16384
"""Entries `Store.memo` keeps: a case's history, its page's view and JSON, its regime (four a
case, a few kilobytes together)."""
LARGE_ENTRIES: Final = 16
"""Entries `Store.large_memo` keeps: a round's findings or a case list, up to megabytes."""

Clock = Callable[[], datetime]
"""Returns the current time as an aware datetime (stored in UTC)."""


def utc_now() -> datetime:
    """The default clock: now, in UTC."""
    return datetime.now(UTC)


class Tx:
    """One transaction of one actor: the session the store's modules work in, and the time."""

    def __init__(
        self, session: Session, actor: str, clock: Clock, connection: Connection | None = None
    ) -> None:
        self.session = session
        self.actor = actor
        self._clock = clock
        self._connection = connection
        self.audit_head: tuple[int, str] | None = None
        """The last audit entry (sequence, hash) once this transaction holds the log's lock."""

    def connection(self) -> Connection:
        """The connection to run plain-column queries on: in a `Store.read_only` pass the one
        it checked out, used directly (the session's bookkeeping per query costs more than a
        short query's round trip); else the session's."""
        return self.session.connection() if self._connection is None else self._connection

    def now(self) -> datetime:
        """The clock's reading in UTC; a naive reading is refused."""
        stamp = self._clock()
        if stamp.tzinfo is None or stamp.utcoffset() is None:
            raise ValueError(f"the clock gave a naive time {stamp.isoformat()}: give aware UTC")
        return stamp.astimezone(UTC)


class Store:
    """An open case database. Close it (or use it as a context manager) when done."""

    def __init__(self, engine: Engine, clock: Clock) -> None:
        self._engine = engine
        self._clock = clock
        self._sessions = sessionmaker(engine, expire_on_commit=False)
        self._reader = (
            engine.execution_options(isolation_level="AUTOCOMMIT")
            if engine.dialect.name == "postgresql"
            else engine.execution_options(**{READ_ONLY: True})
        )
        self.memo = Memo(SMALL_ENTRIES)
        """What this store computed from rows that do not change under their key (`memo`),
        each entry a few kilobytes (a case's history, its page's view and JSON)."""
        self.large_memo = Memo(LARGE_ENTRIES)
        """The same for entries that may be large (a round's findings, the case list)."""

    @property
    def backend(self) -> str:
        """`sqlite` or `postgresql`."""
        return self._engine.dialect.name

    @contextmanager
    def transaction(self, actor: str) -> Iterator[Tx]:
        """One transaction on behalf of `actor`: committed at the end of the block, rolled
        back if it raises."""
        if not actor:
            raise ValueError("a transaction needs the actor it is done for")
        with reachable(self._engine), self._sessions() as session, session.begin():
            yield Tx(session, actor, self._clock)

    @contextmanager
    def read_only(self, actor: str) -> Iterator[Tx]:
        """A `transaction` for reads only, the cheapest each backend has: on PostgreSQL no
        BEGIN and COMMIT (autocommit; each statement sees what was committed when it began,
        as it would in a READ COMMITTED transaction), on SQLite a deferred transaction (a
        reader never waits for a writer), rolled back at the end. Write nothing in it: on
        PostgreSQL a write would be kept at once, audit or not."""
        if not actor:
            raise ValueError("a transaction needs the actor it is done for")
        with (
            reachable(self._engine),
            self._reader.connect() as connection,
            Session(bind=connection) as session,
        ):
            yield Tx(session, actor, self._clock, connection)

    @contextmanager
    def reading(self) -> Iterator[Connection]:
        """A read-only connection in one transaction that sees one snapshot of the database
        throughout (PostgreSQL: REPEATABLE READ; SQLite: a deferred transaction in WAL), for
        the store's own queries."""
        with reachable(self._engine), self._engine.connect() as connection:
            if self.backend == "postgresql":
                connection.execution_options(
                    isolation_level="REPEATABLE READ", postgresql_readonly=True
                )
            else:
                connection.execution_options(**{READ_ONLY: True})
            with connection.begin():
                yield connection

    def close(self) -> None:
        """Release every connection."""
        self._engine.dispose()

    def __enter__(self) -> Store:
        return self

    def __exit__(
        self,
        kind: type[BaseException] | None,
        value: BaseException | None,
        traceback: TracebackType | None,
    ) -> None:
        self.close()


def open_store(url: str | None = None, *, home: Path, clock: Clock = utc_now) -> Store:
    """Open the case database at `url` (SQLAlchemy form; `postgresql://…` uses psycopg), or the
    SQLite file `home / "cases.sqlite"` when `url` is None, migrated to this code's schema.

    Raises `StoreError` when the database cannot be reached, is neither SQLite nor PostgreSQL,
    or is at a schema revision newer than this chainreview knows (it is then left untouched).
    """
    engine = engine_for(database_url(url, home=home))
    try:
        with reachable(engine):
            migrate.upgrade(engine, "head")
    except BaseException:
        engine.dispose()
        raise
    return Store(engine, clock)
