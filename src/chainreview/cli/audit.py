"""`chainreview audit verify`: check the case database's hash-chained audit log.

The store (and SQLAlchemy with it) loads inside the command: this module is imported whenever
the CLI starts. The database is `CHAINREVIEW_DATABASE_URL` when set (PostgreSQL for several
users), else the SQLite file under `$CHAINREVIEW_HOME`.
"""

from __future__ import annotations

from typing import Annotated

import typer

from chainreview import home
from chainreview.cli import output
from chainreview.cli.output import OutputFormat, print_json
from chainreview.errors import PolicyFailure

DATABASE_ENV = "CHAINREVIEW_DATABASE_URL"

app = typer.Typer(
    help="The audit log of review cases: check that no entry was changed, removed or moved.",
    no_args_is_help=True,
)

FormatOpt = Annotated[
    OutputFormat,
    typer.Option("--format", envvar="CHAINREVIEW_AUDIT_FORMAT", help="table or json."),
]


@app.command()
def verify(output_format: FormatOpt = OutputFormat.TABLE) -> None:
    """Check every entry of the audit log in order; exit 1 naming the first bad entry."""
    import os

    from chainreview.store.audit import verify_audit
    from chainreview.store.db import open_store

    with open_store(os.environ.get(DATABASE_ENV) or None, home=home.data_home()) as store:
        verdict = verify_audit(store)
    if output_format is OutputFormat.JSON:
        print_json(verdict)
    elif verdict.ok:
        output.stdout.print(
            f"audit log sound: {verdict.checked:,} entries, head {verdict.head}",
            markup=False,
        )
    if not verdict.ok:
        raise PolicyFailure(f"audit log broken at entry {verdict.first_bad}: {verdict.detail}")
