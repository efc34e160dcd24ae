"""Alembic's entry point: migrates the connection `chainreview.store.migrate` hands over.

Online only, in the caller's transaction; batch mode on SQLite (it rebuilds a table to alter
it). No logging is configured: the library leaves process-wide state alone.
"""

from __future__ import annotations

from alembic import context

from chainreview.store.tables import Base

connection = context.config.attributes["connection"]
context.configure(
    connection=connection,
    target_metadata=Base.metadata,
    render_as_batch=connection.dialect.name == "sqlite",
    compare_type=True,
)
with context.begin_transaction():
    context.run_migrations()
