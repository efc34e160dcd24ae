"""The web tests' world: the site over a real case database (a SQLite file; the PostgreSQL
server too for the pages' tests, as `tests/api/` does), and for the browser tests a live uvicorn
server on 127.0.0.1 (the browser is the suite's `chromium`, `tests/conftest.py`)."""

from __future__ import annotations

import os
import shutil
import sys
import threading
import time
from collections.abc import Iterator
from pathlib import Path

import pytest

sys.path.insert(0, str(Path(__file__).parents[1] / "store"))

from store_kit import postgres_schema, postgres_url
from web_kit import Site, build_site


@pytest.fixture(params=["sqlite", "postgresql"])
def site(request: pytest.FixtureRequest, tmp_path: Path, bundled_home: Path) -> Iterator[Site]:
    """The site over a fresh database on each backend."""
    if request.param == "sqlite":
        with build_site(tmp_path, None, bundled_home) as built:
            yield built
        return
    with postgres_schema(postgres_url()) as url, build_site(tmp_path, url, bundled_home) as built:
        yield built


@pytest.fixture
def live(
    request: pytest.FixtureRequest, tmp_path: Path, bundled_home: Path
) -> Iterator[tuple[Site, str]]:
    """The site on a SQLite file (or, parametrized indirectly with `postgresql`, on the
    PostgreSQL server), served by uvicorn on 127.0.0.1 (a free port), and its URL."""
    if getattr(request, "param", "sqlite") == "postgresql":
        with postgres_schema(postgres_url()) as url:
            yield from _served(tmp_path, url, bundled_home)
        return
    yield from _served(tmp_path, None, bundled_home)


def _served(tmp_path: Path, url: str | None, bundled_home: Path) -> Iterator[tuple[Site, str]]:
    import uvicorn

    with build_site(tmp_path, url, bundled_home) as built:
        server = uvicorn.Server(
            uvicorn.Config(built.app, host="127.0.0.1", port=0, log_level="warning")
        )
        thread = threading.Thread(target=server.run, daemon=True)
        thread.start()
        deadline = time.monotonic() + 30
        while not server.started:
            assert thread.is_alive() and time.monotonic() < deadline, "uvicorn did not start"
            time.sleep(0.05)
        port = server.servers[0].sockets[0].getsockname()[1]
        try:
            yield built, f"http://127.0.0.1:{port}"
        finally:
            server.should_exit = True
            thread.join(timeout=30)


@pytest.fixture
def shots(tmp_path: Path) -> Iterator[Path]:
    """A folder for a browser test's screenshots, copied to `CHAINREVIEW_WEB_SHOTS` after."""
    folder = tmp_path / "shots"
    folder.mkdir()
    yield folder
    target = os.environ.get("CHAINREVIEW_WEB_SHOTS")
    if target:
        Path(target).mkdir(parents=True, exist_ok=True)
        for shot in folder.iterdir():
            shutil.copy2(shot, Path(target) / shot.name)
