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

from sqlalchemy import Connection, Engine
from sqlalchemy.orm import Session, sessionmaker

from chainreview.store import migrate
from chainreview.store.engines import READ_ONLY, database_url, engine_for, reachable

Clock = Callable[[], datetime]
"""Returns the current time as an aware datetime (stored in UTC)."""


def utc_now() -> datetime:
    """The default clock: now, in UTC."""
    return datetime.now(UTC)


class Tx:
    """One transaction of one actor: the session the store's modules work in, and the time."""

    def __init__(self, session: Session, actor: str, clock: Clock) -> None:
        self.session = session
        self.actor = actor
        self._clock = clock
        self.audit_head: tuple[int, str] | None = None
        """The last audit entry (sequence, hash) once this transaction holds the log's lock."""

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
