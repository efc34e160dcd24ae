"""The `chainreview` command: the Typer app, its groups, and where errors become exit codes."""

from __future__ import annotations

import sys
from typing import Annotated, Final

import typer

from chainreview import home
from chainreview.cli import (
    audit,
    calendar,
    case,
    case_outcomes,
    declare,
    intel,
    monitor,
    portfolio,
    quick_exit,
    review,
    sbom,
    scan,
    serve,
    user,
)
from chainreview.cli.exit_codes import ExitCode
from chainreview.cli.output import error_line, set_verbosity
from chainreview.errors import (
    ChainreviewError,
    ConflictError,
    InputError,
    InvalidPackage,
    NetworkError,
    NotFound,
    PolicyFailure,
    RefusedAction,
    StoreError,
)
from chainreview.version import __version__

app = typer.Typer(
    name="chainreview",
    help=(
        "Cybersecurity review of network products and services before they enter critical "
        "information infrastructure: evidence in, a reasoned determination out.\n\n"
        "Exit codes: 0 ok, 1 policy failure (--fail-on, a broken audit log), 2 usage, 3 bad input, "
        "4 internal error (traceback logged under $CHAINREVIEW_HOME/logs), 5 download failed or "
        "Dask scheduler unreachable, "
        "6 case database unusable, 7 case changed by someone else, 8 refused by the case's "
        "procedure or your role."
    ),
    no_args_is_help=True,
    add_completion=False,
    pretty_exceptions_enable=False,
)
app.add_typer(sbom.app, name="sbom")
app.add_typer(intel.app, name="intel")
app.add_typer(calendar.app, name="calendar")
case_outcomes.register(case.app)
app.add_typer(case.app, name="case")
app.add_typer(user.app, name="user")
app.add_typer(audit.app, name="audit")
app.add_typer(portfolio.app, name="portfolio")
app.add_typer(monitor.app, name="monitor")
app.command(name="scan")(scan.scan)
app.command(name="review")(review.review)
app.command(name="declare")(declare.declare)
app.command(name="serve")(serve.serve)


def _version(value: bool) -> None:
    if value:
        typer.echo(f"chainreview {__version__}")
        raise typer.Exit()


@app.callback()
def _root(
    version: Annotated[
        bool, typer.Option("--version", help="Print the version and exit.", callback=_version)
    ] = False,
    quiet: Annotated[
        bool, typer.Option("--quiet", "-q", help="No notices or progress on standard error.")
    ] = False,
    verbose: Annotated[
        bool,
        typer.Option("--verbose", "-v", help="Also say what a run rests on, on standard error."),
    ] = False,
) -> None:
    """Cybersecurity review of network products and services for critical infrastructure."""
    if quiet and verbose:
        raise typer.BadParameter("give --quiet or --verbose, not both")
    set_verbosity(-1 if quiet else 1 if verbose else 0)


def _log_internal_error(exc: BaseException) -> str:
    """Append the traceback to the log; return where it went (or why it could not be written)."""
    import logging
    import traceback

    path = home.log_path()
    try:
        path.parent.mkdir(parents=True, exist_ok=True)
        handler = logging.FileHandler(path, encoding="utf-8")
    except OSError as err:
        return f"(could not write the log {path}: {err.strerror})"
    logger = logging.getLogger("chainreview.internal")
    logger.addHandler(handler)
    try:
        logger.error("".join(traceback.format_exception(exc)))
    finally:
        logger.removeHandler(handler)
        handler.close()
    return f"(traceback in {path})"


def main() -> None:
    """Run the CLI and map errors to exit codes (see `ExitCode`); leave quickly where the
    command allowed it (`quick_exit`).

    Typer handles usage errors itself (exit 2); everything chainreview raises is mapped here, a
    declaration package's problems one line each.
    """
    try:
        _run()
    except SystemExit as done:
        quick_exit.leave(done.code)
        raise


_EXIT_CODES: Final[dict[type[ChainreviewError], ExitCode]] = {
    InputError: ExitCode.BAD_INPUT,
    NotFound: ExitCode.BAD_INPUT,
    PolicyFailure: ExitCode.POLICY_FAILURE,
    StoreError: ExitCode.STORE,
    RefusedAction: ExitCode.REFUSED,
    ConflictError: ExitCode.CONFLICT,
    NetworkError: ExitCode.NETWORK,
}
"""The exit code of each error printed as its one line (the error classes are siblings)."""


def _run() -> None:
    try:
        app()
    except InvalidPackage as exc:
        for problem in exc.problems:
            error_line(str(problem))
        sys.exit(ExitCode.BAD_INPUT)
    except tuple(_EXIT_CODES) as exc:
        error_line(str(exc))
        sys.exit(next(code for kind, code in _EXIT_CODES.items() if isinstance(exc, kind)))
    except Exception as exc:  # the one place a bug becomes exit 4 instead of a traceback
        where = _log_internal_error(exc)
        error_line(f"internal error: {type(exc).__name__}: {exc} {where}")
        sys.exit(ExitCode.INTERNAL)
