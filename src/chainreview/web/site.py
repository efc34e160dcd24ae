"""The whole service `chainreview serve` runs: the REST API (`api.app.create_app`) with the web
pages added at the root (they are left out of its OpenAPI schema)."""

from __future__ import annotations

from collections.abc import Callable
from datetime import datetime
from typing import TypeAlias

from fastapi import FastAPI

from chainreview.api.app import create_app
from chainreview.api.ratelimit import LoginLimits
from chainreview.api.settings import Settings
from chainreview.store.db import Store, utc_now
from chainreview.web import pages

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
    app = create_app(settings, store, clock=clock, limits=limits)
    app.include_router(pages.router)
    return app
