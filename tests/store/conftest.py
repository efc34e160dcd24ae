"""The `backend` fixture (SQLite and PostgreSQL: see `store_kit`) and the store opened on it."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest
from store_kit import Backend, postgres_schema, postgres_url

from chainreview.store.db import Store


@pytest.fixture(params=["sqlite", "postgresql"])
def backend(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[Backend]:
    """An empty database on each backend."""
    if request.param == "sqlite":
        yield Backend("sqlite", None, tmp_path, f"sqlite:///{tmp_path / 'cases.sqlite'}")
        return
    with postgres_schema(postgres_url()) as url:
        yield Backend("postgresql", url, tmp_path, url)


@pytest.fixture
def store(backend: Backend) -> Iterator[Store]:
    """The store opened (and so migrated) on `backend`."""
    with backend.open() as opened:
        yield opened


@pytest.fixture
def postgres(tmp_path: Path) -> Iterator[Backend]:
    """An empty PostgreSQL database, for what only PostgreSQL can show."""
    with postgres_schema(postgres_url()) as url:
        yield Backend("postgresql", url, tmp_path, url)
