"""Engines for the two backends: SQLite under `$CHAINREVIEW_HOME` by default, PostgreSQL by URL.

On SQLite every transaction starts with `BEGIN IMMEDIATE` (writers queue for the file's lock
instead of failing half-way) unless the connection carries `READ_ONLY` (a plain deferred
`BEGIN`: a reader never blocks a writer); the journal is WAL and foreign keys are on.
"""

from __future__ import annotations

import time
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any, Final

from sqlalchemy import URL, Connection, Engine, create_engine, event, make_url
from sqlalchemy.exc import ArgumentError, DisconnectionError, OperationalError

from chainreview.errors import StoreError

FILE_NAME: Final = "cases.sqlite"
"""The embedded database's file under `$CHAINREVIEW_HOME`."""
READ_ONLY: Final = "chainreview_read_only"
"""Execution option: on SQLite, begin deferred (a reader) instead of immediate (a writer)."""
_BUSY_SECONDS: Final = 30.0
"""How long an SQLite writer waits for another's lock before giving up."""
PING_AFTER_IDLE: Final = 5.0
"""Seconds a pooled PostgreSQL connection may rest before it is checked again before use."""
_IDLE_SINCE: Final = "chainreview_idle_since"
POOL_SIZE: Final = 20
"""PostgreSQL connections a process keeps open: a web server runs up to 40 requests at once
in its threads, and a connection opened beyond those kept is closed again after one use (each
costs a SCRAM handshake); 10 more may be opened for a burst."""


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
        engine = create_engine(url, pool_size=POOL_SIZE, max_overflow=10)
        _ping_when_idle(engine)
        return engine
    if backend == "sqlite":
        if url.database in (None, "", ":memory:"):
            raise StoreError("an SQLite case database must be a file, not in memory")
        engine = create_engine(url, connect_args={"timeout": _BUSY_SECONDS})
        _sqlite_setup(engine, foreign_keys=foreign_keys)
        return engine
    raise StoreError(f"unsupported database {backend!r}: the case database is SQLite or PostgreSQL")


def _ping_when_idle(engine: Engine) -> None:
    """Check a pooled connection before use when it has been idle `PING_AFTER_IDLE` seconds
    or more (the server may have closed it meanwhile), and replace it when it fails: as
    SQLAlchemy's `pool_pre_ping` does, without a round trip for every request of a busy
    server, whose connections are never idle that long."""

    @event.listens_for(engine, "checkin")
    def _checkin(dbapi_connection: Any, record: Any) -> None:
        record.info[_IDLE_SINCE] = time.monotonic()

    @event.listens_for(engine, "checkout")
    def _checkout(dbapi_connection: Any, record: Any, proxy: Any) -> None:
        since = record.info.get(_IDLE_SINCE)
        if since is None or time.monotonic() - since < PING_AFTER_IDLE:
            return
        try:
            cursor = dbapi_connection.cursor()
            cursor.execute("SELECT 1")
            cursor.close()
            dbapi_connection.rollback()  # the check's own transaction, ended before use
        except engine.dialect.loaded_dbapi.Error as err:
            raise DisconnectionError(f"a pooled connection failed its check: {err}") from err


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
