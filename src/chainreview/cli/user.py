"""`chainreview user …`: the people who may use the case database, each with one role.

The first user is an admin, added by whoever sets the database up; after that only an admin
adds or deactivates users. Operators (`applicant`), suppliers (`vendor`) and member units act
for an organisation (`--org`): it is what decides which cases they see.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Annotated

import typer

from chainreview.cli import output, token
from chainreview.cli.identity import AsUserOpt, caller, open_cases
from chainreview.cli.output import OutputFormat, print_json, safe_text

if TYPE_CHECKING:
    from chainreview.store.records import UserRecord

app = typer.Typer(
    help="The people who may use the case database: add, list, deactivate.",
    no_args_is_help=True,
)
app.add_typer(token.app, name="token")

FormatOpt = Annotated[
    OutputFormat, typer.Option("--format", help="table for people, json for machines.")
]
PasswordOpt = Annotated[
    bool, typer.Option("--password", help="Ask for a password for the web service (twice).")
]
PasswordStdinOpt = Annotated[
    bool,
    typer.Option(
        "--password-stdin", help="Read the web-service password from standard input's first line."
    ),
]
PASSWORD_READ = 1024
"""Characters read from standard input for a password at most (longer ones are refused)."""


@app.command("add")
def add(
    name: Annotated[str, typer.Argument(help="The user's name, as they will give it.")],
    role: Annotated[
        str,
        typer.Option(
            "--role",
            help="applicant, vendor, reviewer, member-unit, approver or admin.",
            show_default=False,
        ),
    ],
    org: Annotated[
        str | None,
        typer.Option(
            "--org",
            help="Whom an applicant, vendor or member unit acts for, as cases name it.",
        ),
    ] = None,
    password: PasswordOpt = False,
    password_stdin: PasswordStdinOpt = False,
    as_user: AsUserOpt = None,
    output_format: FormatOpt = OutputFormat.TABLE,
) -> None:
    """Add a user (an admin does; the very first user, an admin, needs no one), with a
    password for the web service if asked (`--password`, `--password-stdin`)."""
    from chainreview.case.credentials import check_password, set_password
    from chainreview.case.procedure import Role
    from chainreview.case.users import Person, any_users, identify, register

    try:
        chosen = Role(role)
    except ValueError:
        known = ", ".join(r.value for r in Role)
        raise typer.BadParameter(
            f"no role {role!r} (roles: {known})", param_hint="--role"
        ) from None
    secret = _password(password, password_stdin)
    if secret is not None:
        check_password(secret)
    with open_cases() as store:
        by = caller(store, as_user) if any_users(store) else None
        added = register(store, Person(name=name, role=chosen, org=org), by=by)
        if secret is not None:
            set_password(store, name, secret, by=by or identify(store, name))
    _print([added], output_format)


@app.command("password")
def password_(
    name: Annotated[str, typer.Argument(help="The user whose password is set.")],
    password_stdin: PasswordStdinOpt = False,
    as_user: AsUserOpt = None,
) -> None:
    """Set a user's password for the web service (yours, or anyone's as an admin); asked for
    twice unless read from standard input."""
    from chainreview.case.credentials import set_password

    secret = _password(True, password_stdin)
    assert secret is not None
    with open_cases() as store:
        set_password(store, name, secret, by=caller(store, as_user))
    output.stdout.print(safe_text(f"password set for {name}"), markup=False)


def _password(prompt: bool, stdin: bool) -> str | None:
    """The password asked for (None: none): read from standard input's first line, or asked
    twice on the terminal without echo."""
    import sys

    if stdin:
        line = sys.stdin.readline(PASSWORD_READ)
        return line.rstrip("\r\n")
    if prompt:
        secret: str = typer.prompt("Password", hide_input=True, confirmation_prompt=True)
        return secret
    return None


@app.command("list")
def list_(as_user: AsUserOpt = None, output_format: FormatOpt = OutputFormat.TABLE) -> None:
    """Every user with their role and organisation (for an admin)."""
    from chainreview.case.users import list_users

    with open_cases() as store:
        found = list_users(store, by=caller(store, as_user))
    _print(list(found), output_format)


@app.command("deactivate")
def deactivate(
    name: Annotated[str, typer.Argument(help="The user to stop.")],
    as_user: AsUserOpt = None,
    output_format: FormatOpt = OutputFormat.TABLE,
) -> None:
    """Stop a user acting or reading; what they did stays recorded as theirs."""
    from chainreview.case.users import deactivate as stop

    with open_cases() as store:
        stopped = stop(store, name, by=caller(store, as_user))
    _print([stopped], output_format)


def _print(found: list[UserRecord], output_format: OutputFormat) -> None:
    if output_format is OutputFormat.JSON:
        print_json(found)
        return
    for user in found:
        line = f"{user.name:<20} {user.role:<12} {user.org or '(office)':<30}"
        line += "" if user.active else " deactivated"
        output.stdout.print(safe_text(line.rstrip()), markup=False)
