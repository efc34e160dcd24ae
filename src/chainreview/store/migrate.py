"""Schema migrations: Alembic, run from code (no alembic.ini), shipped in `migrations/`.

`upgrade(engine, revision)` brings the database to `revision` in one transaction, refusing one
at a revision this code does not know (a newer chainreview wrote it). On SQLite the migration
runs with foreign keys off (batch mode rebuilds tables) and checks them before it commits; on
PostgreSQL an advisory lock keeps two processes from migrating at once.
"""

from __future__ import annotations

from pathlib import Path
from typing import Final

from alembic import command
from alembic.config import Config
from alembic.runtime.migration import MigrationContext
from alembic.script import ScriptDirectory
from sqlalchemy import Connection, Engine, text

from chainreview.errors import StoreError
from chainreview.store.engines import engine_for

MIGRATIONS: Final = Path(__file__).with_name("migrations")
_LOCK_KEY: Final = 0x63686E72  # "chnr": PostgreSQL advisory lock held while migrating


def config() -> Config:
    """An Alembic configuration for the shipped migrations (no file, no logging set up)."""
    cfg = Config()
    cfg.set_main_option("script_location", str(MIGRATIONS).replace("%", "%%"))
    return cfg


def revisions() -> tuple[str, ...]:
    """Every revision this code knows, oldest first."""
    script = ScriptDirectory.from_config(config())
    return tuple(reversed([rev.revision for rev in script.walk_revisions()]))


def current(connection: Connection) -> tuple[str, ...]:
    """The revisions the database says it is at (empty before the first migration)."""
    return MigrationContext.configure(connection).get_current_heads()


def upgrade(engine: Engine, revision: str) -> None:
    """Migrate the database behind `engine` to `revision` ("head": the newest)."""
    migrator = _migrating_engine(engine)
    try:
        with migrator.begin() as connection:
            if connection.dialect.name == "postgresql":
                connection.execute(text("SELECT pg_advisory_xact_lock(:key)"), {"key": _LOCK_KEY})
            _refuse_unknown(connection)
            cfg = config()
            cfg.attributes["connection"] = connection
            command.upgrade(cfg, revision)
            if connection.dialect.name == "sqlite":
                _check_foreign_keys(connection)
    finally:
        if migrator is not engine:
            migrator.dispose()


def downgrade(engine: Engine, revision: str) -> None:
    """Migrate the database behind `engine` back to `revision` ("base": empty)."""
    migrator = _migrating_engine(engine)
    try:
        with migrator.begin() as connection:
            cfg = config()
            cfg.attributes["connection"] = connection
            command.downgrade(cfg, revision)
    finally:
        if migrator is not engine:
            migrator.dispose()


def _refuse_unknown(connection: Connection) -> None:
    known = set(revisions())
    unknown = [rev for rev in current(connection) if rev not in known]
    if unknown:
        where = connection.engine.url.render_as_string(hide_password=True)
        newest = revisions()[-1]
        raise StoreError(
            f"case database {where} is at schema revision {', '.join(unknown)}, which this "
            f"chainreview does not know (its newest is {newest}): a newer chainreview wrote "
            "it; upgrade chainreview to use it"
        )


def _migrating_engine(engine: Engine) -> Engine:
    """`engine` itself, or on SQLite a twin with foreign keys off (a pragma that cannot change
    inside a transaction, so the twin sets it on each new connection)."""
    if engine.dialect.name != "sqlite":
        return engine
    return engine_for(engine.url, foreign_keys=False)


def _check_foreign_keys(connection: Connection) -> None:
    broken = connection.exec_driver_sql("PRAGMA foreign_key_check").fetchall()
    if broken:
        raise StoreError(f"migration left rows whose foreign keys point nowhere: {broken[:5]}")
