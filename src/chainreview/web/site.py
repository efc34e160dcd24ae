"""The whole service `chainreview serve` runs: the REST API (`api.app.create_app`) with the web
pages added at the root (they are left out of its OpenAPI schema)."""

from __future__ import annotations

import os
from collections.abc import AsyncIterator, Callable
from contextlib import asynccontextmanager
from datetime import datetime
from typing import TypeAlias

from fastapi import FastAPI

from chainreview.api.app import create_app
from chainreview.api.ratelimit import LoginLimits
from chainreview.api.settings import Settings, from_env
from chainreview.home import data_home
from chainreview.store.db import Store, open_store, utc_now
from chainreview.web import pages, pages_outcomes, pages_portfolio, pages_work

Site: TypeAlias = FastAPI
"""The served application, as the CLI names it (only the faces under it import FastAPI)."""


def create_site(
    settings: Settings,
    store: Store,
    *,
    clock: Callable[[], datetime] = utc_now,
    limits: LoginLimits | None = None,
) -> Site:
    """The API and the pages over `store` (which the caller opens and closes)."""
    app = create_app(
        settings,
        store,
        clock=clock,
        limits=limits,
        uploads=pages_work.UPLOAD_PATHS,
        too_large=pages.too_large,
    )
    app.include_router(pages.router)
    app.include_router(pages_work.router)
    app.include_router(pages_outcomes.router)
    app.include_router(pages_portfolio.router)
    return app


def site_from_environment() -> Site:
    """One worker's site (`chainreview serve --workers N` names this factory to uvicorn): the
    settings from the process's environment and data home, its own connection to the case
    database (already migrated by `serve`), closed when the worker stops."""
    settings = from_env(os.environ, home=data_home())
    store = open_store(settings.database_url, home=settings.home)
    site = create_site(settings, store)

    @asynccontextmanager
    async def closing(_: Site) -> AsyncIterator[None]:
        try:
            yield
        finally:
            store.close()

    site.router.lifespan_context = closing
    return site
