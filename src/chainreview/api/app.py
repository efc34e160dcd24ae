"""The FastAPI application: `create_app(settings, store)` over an open case database."""

from __future__ import annotations

from collections.abc import Callable
from datetime import datetime

from fastapi import FastAPI

from chainreview.api import (
    errors,
    osv,
    routes,
    routes_casework,
    routes_declarations,
    routes_findings,
    routes_portfolio,
    routes_products,
    routes_reports,
)
from chainreview.api.bodylimit import BATCH_BODY, UPLOAD_BODY, BodyLimit, RefusalPage
from chainreview.api.context import Context
from chainreview.api.ratelimit import LoginLimits
from chainreview.api.settings import Settings
from chainreview.store.db import Store, utc_now
from chainreview.version import __version__


def create_app(
    settings: Settings,
    store: Store,
    *,
    clock: Callable[[], datetime] = utc_now,
    limits: LoginLimits | None = None,
    uploads: tuple[str, ...] = (),
    too_large: RefusalPage | None = None,
) -> FastAPI:
    """The API over `store` (which the caller opens and closes); its OpenAPI schema is served
    at `/openapi.json`, the interactive docs at `/docs` in development mode only. `uploads`
    names more paths that take a declaration package (the web's forms: the same cap);
    `too_large` answers a request outside `/v1/` whose body is over its cap (the web's page)."""
    app = FastAPI(
        title="chainreview",
        version=__version__,
        summary="Cybersecurity review cases: the REST API (docs/api-http.md).",
        docs_url="/docs" if settings.dev else None,
        redoc_url=None,
    )
    app.state.context = Context(
        settings=settings,
        store=store,
        limits=limits or LoginLimits.default(workers=settings.workers),
        clock=clock,
    )
    errors.install(app)
    app.add_middleware(
        BodyLimit,
        larger={
            "/v1/declarations": UPLOAD_BODY,
            "/v1/declarations/files": UPLOAD_BODY,
            "/v1/querybatch": BATCH_BODY,
            routes_casework.SUBMISSIONS: UPLOAD_BODY,
            **dict.fromkeys(uploads, UPLOAD_BODY),
        },
        page=too_large,
    )
    app.include_router(routes.router)
    app.include_router(routes_portfolio.router)
    app.include_router(routes_declarations.router)
    app.include_router(routes_findings.router)
    app.include_router(routes_casework.router)
    app.include_router(routes_reports.router)
    app.include_router(osv.router)
    app.include_router(routes_products.router)
    return app
