"""`chainreview serve`: the REST API (docs/api-http.md) on uvicorn, over the case database the
other commands use (`CHAINREVIEW_DATABASE_URL`, else the SQLite file under `$CHAINREVIEW_HOME`).

FastAPI, uvicorn and the store load inside the command: this module is imported whenever the CLI
starts.
"""

from __future__ import annotations

from typing import Annotated

import typer

from chainreview import home


def serve(
    host: Annotated[str, typer.Option("--host", help="The address to listen on.")] = "127.0.0.1",
    port: Annotated[int, typer.Option("--port", help="The port.", min=1, max=65535)] = 8000,
    dev: Annotated[
        bool,
        typer.Option(
            "--dev",
            help="Development mode: a secret made up for this run when CHAINREVIEW_SECRET_KEY "
            "is unset, cookies without Secure (plain HTTP), interactive docs at /docs.",
        ),
    ] = False,
) -> None:
    """Serve the REST API until interrupted; refused (exit 3) without a proper
    CHAINREVIEW_SECRET_KEY outside --dev."""
    import os

    import uvicorn

    from chainreview.api.app import create_app
    from chainreview.api.settings import from_env
    from chainreview.store.db import open_store

    settings = from_env(os.environ, home=home.data_home(), dev=dev)
    with open_store(settings.database_url, home=settings.home) as store:
        uvicorn.run(create_app(settings, store), host=host, port=port, log_level="info")
