"""The API tests' world: the real app over a real store on each backend (SQLite file, the
PostgreSQL server: `tests/store/store_kit.py`), with users of every role, their passwords and API
tokens made through the library, and two cases of two vendors."""

from __future__ import annotations

import sys
from collections.abc import Iterator
from pathlib import Path

import pytest

sys.path.insert(0, str(Path(__file__).parents[1] / "store"))

from api_kit import World, build_world
from store_kit import Backend, postgres_schema, postgres_url


@pytest.fixture(params=["sqlite", "postgresql"])
def backend(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[Backend]:
    """An empty database on each backend."""
    if request.param == "sqlite":
        yield Backend("sqlite", None, tmp_path, f"sqlite:///{tmp_path / 'cases.sqlite'}")
        return
    with postgres_schema(postgres_url()) as url:
        yield Backend("postgresql", url, tmp_path, url)


@pytest.fixture
def world(backend: Backend) -> Iterator[World]:
    """The app with its users, tokens and cases on `backend`."""
    with build_world(backend) as built:
        yield built
