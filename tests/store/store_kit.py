"""What the store tests share: the backends, a clock, direct SQL.

Every store test runs on both backends: SQLite (a real file under tmp_path) and PostgreSQL.

PostgreSQL comes from `CHAINREVIEW_TEST_DATABASE_URL` (`.ci/run` starts one; docs/store.md says
how to run one locally); each test gets a schema of its own, dropped afterwards. Without the
variable the PostgreSQL cases skip, unless `CHAINREVIEW_REQUIRE_POSTGRES=1` (CI), where they fail.

`Backend.sql()` edits the database directly, past the store, as someone with access to the
database could.
"""

from __future__ import annotations

import hashlib
import os
import uuid
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest
from sqlalchemy import Connection, create_engine, make_url, text

from chainreview.store.db import Store, open_store

URL_ENV = "CHAINREVIEW_TEST_DATABASE_URL"
REQUIRE_ENV = "CHAINREVIEW_REQUIRE_POSTGRES"
START = datetime(2026, 3, 2, 9, 0, tzinfo=UTC)


class Clock:
    """A clock that moves one second each time it is read, from `START`."""

    def __init__(self, start: datetime = START) -> None:
        self.now = start

    def __call__(self) -> datetime:
        self.now += timedelta(seconds=1)
        return self.now


@dataclass(frozen=True)
class Backend:
    """One database to test on: `url` for the store (None: SQLite under `home`)."""

    name: str
    url: str | None
    home: Path
    raw_url: str

    def open(self, clock: Callable[[], datetime] | None = None) -> Store:
        return open_store(self.url, home=self.home, clock=clock or Clock())

    @contextmanager
    def sql(self) -> Iterator[Connection]:
        """A direct connection past the store, committed at the end."""
        engine = create_engine(self.raw_url)
        try:
            with engine.begin() as connection:
                yield connection
        finally:
            engine.dispose()

    def allow_rewrite(self) -> None:
        """Drop the append-only triggers, as a database administrator could."""
        with self.sql() as connection:
            if self.name == "postgresql":
                connection.execute(text("DROP TRIGGER audit_log_append_only ON audit_log"))
            else:
                connection.execute(text("DROP TRIGGER audit_log_no_update"))
                connection.execute(text("DROP TRIGGER audit_log_no_delete"))


def postgres_url() -> str:
    """The PostgreSQL URL to test on; skips (locally) or fails (CI) without one."""
    url = os.environ.get(URL_ENV)
    if url:
        parsed = make_url(url)
        if parsed.drivername == "postgresql":
            parsed = parsed.set(drivername="postgresql+psycopg")
        return parsed.render_as_string(hide_password=False)
    if os.environ.get(REQUIRE_ENV) == "1":
        pytest.fail(f"{REQUIRE_ENV}=1 but {URL_ENV} is not set: the PostgreSQL tests cannot run")
    pytest.skip(f"PostgreSQL tests need {URL_ENV} (docs/store.md)")


@contextmanager
def postgres_schema(url: str) -> Iterator[str]:
    """A fresh schema in the test database; yields a URL whose search path is only that."""
    schema = f"t_{uuid.uuid4().hex[:16]}"
    admin = create_engine(url)
    try:
        with admin.begin() as connection:
            connection.execute(text(f'CREATE SCHEMA "{schema}"'))
        scoped = make_url(url).update_query_dict({"options": f"-csearch_path={schema}"})
        yield scoped.render_as_string(hide_password=False)
    finally:
        with admin.begin() as connection:
            connection.execute(text(f'DROP SCHEMA IF EXISTS "{schema}" CASCADE'))
        admin.dispose()


def chained_hash(
    prev: str, seq: int, case_id: str | None, at: str, actor: str, action: str, payload: str
) -> str:
    """An audit entry's hash as docs/store.md defines it, written from the text, not the code."""
    material = b"chainreview-audit-v1\n"
    for field in (prev, str(seq), case_id, at, actor, action, payload):
        if field is None:
            material += b"~"
        else:
            data = field.encode("utf-8")
            material += str(len(data)).encode("ascii") + b":" + data
    return hashlib.sha256(material).hexdigest()
