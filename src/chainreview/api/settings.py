"""The web service's settings, read once from the environment: the case database, the data
home, the secret that signs session cookies, and whether this is a development server.

Outside development mode a missing, short, placeholder or low-variety secret is refused (an
`InputError` naming the variable); in development mode a missing one is made up for the process
(sessions then end with it) and cookies lose `Secure`, so they work over plain HTTP on
127.0.0.1.
"""

from __future__ import annotations

import secrets
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Final

from chainreview.errors import InputError

SECRET_ENV: Final = "CHAINREVIEW_SECRET_KEY"
DEV_ENV: Final = "CHAINREVIEW_DEV"
DATABASE_ENV: Final = "CHAINREVIEW_DATABASE_URL"
OSV_OPEN_ENV: Final = "CHAINREVIEW_OSV_OPEN"
WORKERS_ENV: Final = "CHAINREVIEW_WORKERS"
MAX_WORKERS: Final = 64
SECRET_MIN: Final = 32
"""Fewest characters of the signing secret (`python -c "import secrets;
print(secrets.token_urlsafe(32))"` gives 43)."""
SECRET_KINDS: Final = 10
"""Fewest distinct characters in it: `aaaa…` or `0000…` is no secret."""
PLACEHOLDERS: Final = ("secret", "changeme", "change-me", "password", "default", "example")
"""Words a secret copied from an example tends to contain."""
SESSION_HOURS: Final = 8


@dataclass(frozen=True, slots=True, kw_only=True)
class Settings:
    """What the web service runs with."""

    home: Path
    database_url: str | None
    """None: the SQLite file under `home`."""
    secret: str
    dev: bool
    session_seconds: int = SESSION_HOURS * 3600
    osv_open: bool = False
    """The OSV query routes answer without a credential (`CHAINREVIEW_OSV_OPEN=1`)."""
    workers: int = 1
    """How many worker processes serve together (`CHAINREVIEW_WORKERS`, which `serve
    --workers` sets): each counts failed logins for its share of the budget."""


def from_env(environ: Mapping[str, str], *, home: Path, dev: bool = False) -> Settings:
    """The settings from `environ` (`dev`: development mode asked for on the command line, or
    `CHAINREVIEW_DEV=1`)."""
    dev = dev or environ.get(DEV_ENV) == "1"
    secret = environ.get(SECRET_ENV, "")
    if not secret and dev:
        secret = secrets.token_urlsafe(32)
    check_secret(secret)
    return Settings(
        home=home,
        database_url=environ.get(DATABASE_ENV) or None,
        secret=secret,
        dev=dev,
        osv_open=environ.get(OSV_OPEN_ENV) == "1",
        workers=_workers(environ.get(WORKERS_ENV)),
    )


def _workers(given: str | None) -> int:
    """The worker count `CHAINREVIEW_WORKERS` gives (1 when unset)."""
    if given is None or not given.strip():
        return 1
    if not given.strip().isdigit() or not 1 <= int(given) <= MAX_WORKERS:
        raise InputError(WORKERS_ENV, f"{given!r} is not a worker count from 1 to {MAX_WORKERS}")
    return int(given)


def check_secret(secret: str) -> None:
    """`InputError` naming `CHAINREVIEW_SECRET_KEY` unless `secret` is fit to sign sessions."""
    if not secret:
        problem = "not set: give a random secret (or run in development mode, --dev)"
    elif len(secret) < SECRET_MIN:
        problem = f"{len(secret)} characters: give at least {SECRET_MIN} random ones"
    elif len(set(secret)) < SECRET_KINDS:
        problem = "too few distinct characters to be random"
    elif any(word in secret.casefold() for word in PLACEHOLDERS):
        problem = "looks like a placeholder from an example: give a random secret"
    else:
        return
    raise InputError(SECRET_ENV, problem)
