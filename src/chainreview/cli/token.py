"""`chainreview user token …`: API tokens for machines using the web service.

A token is shown once, when created, and kept only as its SHA-256; it acts as its user, limited
to its scopes, until revoked. A user manages their own tokens; an admin anyone's.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Annotated

import typer

from chainreview.cli import output
from chainreview.cli.identity import AsUserOpt, caller, open_cases
from chainreview.cli.output import OutputFormat, print_json, safe_text

if TYPE_CHECKING:
    from chainreview.store.records import TokenRecord

SCOPES = ("cases:read", "cases:act", "intel:read", "audit:read")
"""The scopes a token may grant (`chainreview.case.credentials.Scope`; a test keeps them equal)."""

app = typer.Typer(help="API tokens for machines: create, revoke.", no_args_is_help=True)

FormatOpt = Annotated[
    OutputFormat, typer.Option("--format", help="table for people, json for machines.")
]


@app.command("create")
def create(
    name: Annotated[str, typer.Argument(help="The user the token acts as.")],
    scope: Annotated[
        list[str],
        typer.Option("--scope", help=f"A scope it grants (repeat): {', '.join(SCOPES)}."),
    ],
    label: Annotated[str, typer.Option("--label", help="What the token is for.")] = "",
    as_user: AsUserOpt = None,
    output_format: FormatOpt = OutputFormat.TABLE,
) -> None:
    """Create a token (printed once: keep it; only its hash is stored)."""
    from chainreview.case.credentials import Scope, issue_token

    unknown = sorted(set(scope) - set(SCOPES))
    if unknown:
        raise typer.BadParameter(
            f"no scope {', '.join(unknown)} (scopes: {', '.join(SCOPES)})", param_hint="--scope"
        )
    with open_cases() as store:
        issued = issue_token(
            store, name, frozenset(Scope(s) for s in scope), label, by=caller(store, as_user)
        )
    if output_format is OutputFormat.JSON:
        print_json(issued)
        return
    output.stdout.print(issued.token, markup=False)
    output.stdout.print(safe_text(_line(issued.record)), markup=False)


@app.command("revoke")
def revoke(
    token_id: Annotated[int, typer.Argument(help="The token's number (as created).", min=1)],
    as_user: AsUserOpt = None,
    output_format: FormatOpt = OutputFormat.TABLE,
) -> None:
    """Revoke a token: it is refused from now on."""
    from chainreview.case.credentials import revoke_token

    with open_cases() as store:
        revoked = revoke_token(store, token_id, by=caller(store, as_user))
    if output_format is OutputFormat.JSON:
        print_json(revoked)
        return
    output.stdout.print(safe_text(_line(revoked)), markup=False)


def _line(record: TokenRecord) -> str:
    state = "active" if record.revoked_at is None else f"revoked by {record.revoked_by}"
    return f"token {record.id} of {record.user}: {' '.join(record.scopes)}; {state}" + (
        f" ({record.label})" if record.label else ""
    )
