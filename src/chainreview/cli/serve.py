"""`chainreview serve`: the REST API (docs/api-http.md) and the web pages (docs/web.md) on
uvicorn, over the case database the other commands use (`CHAINREVIEW_DATABASE_URL`, else the
SQLite file under `$CHAINREVIEW_HOME`).

With `--workers N` uvicorn runs N processes, each building its app from the same environment
(`web.site.site_from_environment`): the database is migrated once, here, before they start, and
in development mode the secret made up for the run is handed to every worker, so a session
cookie one worker signs the others accept, and each worker's login limits are its share of the
budget (`CHAINREVIEW_WORKERS`). FastAPI, uvicorn and the store load inside the
command: this module is imported whenever the CLI starts.
"""

from __future__ import annotations

from typing import Annotated

import typer

from chainreview import home


def serve(
    host: Annotated[str, typer.Option("--host", help="The address to listen on.")] = "127.0.0.1",
    port: Annotated[int, typer.Option("--port", help="The port.", min=1, max=65535)] = 8000,
    workers: Annotated[
        int,
        typer.Option(
            "--workers",
            help="Worker processes (uvicorn's): one per core is a start; on PostgreSQL they "
            "share the database, on SQLite they share the file (one writer at a time).",
            min=1,
            max=64,  # api.settings.MAX_WORKERS (the API loads inside the command)
        ),
    ] = 1,
    dev: Annotated[
        bool,
        typer.Option(
            "--dev",
            help="Development mode: a secret made up for this run when CHAINREVIEW_SECRET_KEY "
            "is unset, cookies without Secure (plain HTTP), interactive docs at /docs.",
        ),
    ] = False,
) -> None:
    """Serve the REST API and the web pages until interrupted; refused (exit 3) without a proper
    CHAINREVIEW_SECRET_KEY outside --dev."""
    import os

    import uvicorn

    from chainreview.api.settings import DEV_ENV, SECRET_ENV, WORKERS_ENV, from_env
    from chainreview.store.db import open_store
    from chainreview.web.site import create_site

    settings = from_env(os.environ, home=home.data_home(), dev=dev)
    if workers == 1:
        with open_store(settings.database_url, home=settings.home) as store:
            uvicorn.run(create_site(settings, store), host=host, port=port, log_level="info")
        return
    open_store(settings.database_url, home=settings.home).close()  # migrated once, here
    os.environ[SECRET_ENV] = settings.secret  # the workers' environment: one secret for all
    os.environ[WORKERS_ENV] = str(workers)  # each counts failed logins for its share
    if settings.dev:
        os.environ[DEV_ENV] = "1"
    uvicorn.run(
        "chainreview.web.site:site_from_environment",
        factory=True,
        host=host,
        port=port,
        workers=workers,
        log_level="info",
    )
