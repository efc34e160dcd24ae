"""Who runs a case or user command, and the case database it runs on.

The user is `--as-user`, else `CHAINREVIEW_USER`, else the login name; the case database checks
that they are one of its active users (`chainreview.case.users.identify`) and acts in their
role. The database is `CHAINREVIEW_DATABASE_URL` when set, else the SQLite file under
`$CHAINREVIEW_HOME`. The store loads inside the commands: this module is imported whenever the
CLI starts.
"""

from __future__ import annotations

import os
from typing import TYPE_CHECKING, Annotated

import typer

from chainreview import home
from chainreview.cli.audit import DATABASE_ENV

if TYPE_CHECKING:
    from chainreview.case.access import Caller
    from chainreview.store.db import Store

USER_ENV = "CHAINREVIEW_USER"

AsUserOpt = Annotated[
    str | None,
    typer.Option(
        "--as-user",
        envvar=USER_ENV,
        help="The case-database user you act as (default: your login name). You act in their "
        "role and see only the cases it may see.",
        show_default=False,
    ),
]


def open_cases() -> Store:
    """The case database, migrated to this chainreview's schema."""
    from chainreview.store.db import open_store

    return open_store(os.environ.get(DATABASE_ENV) or None, home=home.data_home())


def caller(store: Store, given: str | None) -> Caller:
    """The active user named (or the login name's), as the library's `Caller`."""
    from chainreview.case.users import identify

    return identify(store, given or login_name())


def login_name() -> str:
    """The operating system's name for whoever runs the command."""
    import getpass

    try:
        return getpass.getuser()
    except (KeyError, OSError):
        return "unknown"
