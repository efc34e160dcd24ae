"""Engines for the two backends: SQLite under `$CHAINREVIEW_HOME` by default, PostgreSQL by URL.

On SQLite every transaction starts with `BEGIN IMMEDIATE` (writers queue for the file's lock
instead of failing half-way) unless the connection carries `READ_ONLY` (a plain deferred
`BEGIN`: a reader never blocks a writer); the journal is WAL and foreign keys are on.
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any, Final

from sqlalchemy import URL, Connection, Engine, create_engine, event, make_url
from sqlalchemy.exc import ArgumentError, OperationalError

from chainreview.errors import StoreError

FILE_NAME: Final = "cases.sqlite"
"""The embedded database's file under `$CHAINREVIEW_HOME`."""
READ_ONLY: Final = "chainreview_read_only"
"""Execution option: on SQLite, begin deferred (a reader) instead of immediate (a writer)."""
_BUSY_SECONDS: Final = 30.0
"""How long an SQLite writer waits for another's lock before giving up."""


def database_url(url: str | None, *, home: Path) -> URL:
    """`url` parsed (SQLAlchemy form; `postgresql://…` means psycopg), or the SQLite file
    `home / FILE_NAME` when None (`home` is then created)."""
    if url is None:
        home.mkdir(parents=True, exist_ok=True)
        return URL.create("sqlite+pysqlite", database=str(home / FILE_NAME))
    try:
        parsed = make_url(url)
    except ArgumentError as err:
        raise StoreError(f"not a database URL: {err}") from err
    if parsed.drivername == "postgresql":
        return parsed.set(drivername="postgresql+psycopg")
    return parsed


def engine_for(url: URL, *, foreign_keys: bool = True) -> Engine:
    """An engine for `url`, set up as described above; `foreign_keys` off only to migrate."""
    backend = url.get_backend_name()
    if backend == "postgresql":
        return create_engine(url, pool_pre_ping=True)
    if backend == "sqlite":
        if url.database in (None, "", ":memory:"):
            raise StoreError("an SQLite case database must be a file, not in memory")
        engine = create_engine(url, connect_args={"timeout": _BUSY_SECONDS})
        _sqlite_setup(engine, foreign_keys=foreign_keys)
        return engine
    raise StoreError(f"unsupported database {backend!r}: the case database is SQLite or PostgreSQL")


def _sqlite_setup(engine: Engine, *, foreign_keys: bool) -> None:
    """WAL, foreign keys, and transactions begun by us (pysqlite's own begin is turned off)."""

    @event.listens_for(engine, "connect")
    def _connect(dbapi_connection: Any, record: Any) -> None:
        dbapi_connection.isolation_level = None
        cursor = dbapi_connection.cursor()
        cursor.execute("PRAGMA journal_mode=WAL")
        cursor.execute(f"PRAGMA foreign_keys={'ON' if foreign_keys else 'OFF'}")
        cursor.close()

    @event.listens_for(engine, "begin")
    def _begin(connection: Connection) -> None:
        reader = connection.get_execution_options().get(READ_ONLY, False)
        connection.exec_driver_sql("BEGIN" if reader else "BEGIN IMMEDIATE")


@contextmanager
def reachable(engine: Engine) -> Iterator[None]:
    """Turn a database that cannot be reached or used into a `StoreError` naming it (no
    password)."""
    try:
        yield
    except OperationalError as err:
        where = engine.url.render_as_string(hide_password=True)
        raise StoreError(f"case database {where}: {_first_line(err.orig)}") from err


def _first_line(error: BaseException | None) -> str:
    text = str(error).strip() if error is not None else ""
    return text.splitlines()[0] if text else "cannot be used"
