"""How the web service knows who is asking: a user's password (kept as an argon2id hash) for a
person, an API token (random, kept as its SHA-256, with scopes, revocable) for a machine.

A user sets their own password and manages their own tokens; an admin may do either for anyone.
A deactivated user, a user with no password, an unknown name and a wrong password are refused
alike (`BadCredentials`, one message), and the unknown name costs a hash all the same, so the
answer's time does not tell which names exist.
"""

from __future__ import annotations

import hashlib
import secrets
from dataclasses import dataclass
from enum import StrEnum
from typing import Final

from argon2 import PasswordHasher
from argon2.exceptions import InvalidHashError, VerificationError

from chainreview.case.access import Caller
from chainreview.case.procedure import Role
from chainreview.errors import NotFound, RefusedAction
from chainreview.store import credentials, users
from chainreview.store.db import Store
from chainreview.store.records import TokenRecord

PASSWORD_MIN: Final = 12
"""Fewest characters of a password."""
PASSWORD_MAX: Final = 256
"""Most characters of a password (argon2 hashes any length; a huge one is only a cost)."""
TOKEN_PREFIX: Final = "crt_"
"""What every API token starts with (so a leaked one is recognisable in logs and scanners)."""
TOKEN_MAX: Final = 128
"""Longest token string looked at; a longer one is refused without a query."""
LABEL_MAX: Final = 200

_HASHER: Final = PasswordHasher()
"""argon2id with argon2-cffi's defaults (RFC 9106's second recommendation: 3 passes, 64 MiB)."""
_DUMMY: Final = _HASHER.hash("chainreview: no such user")
"""Verified against when there is no hash to check, so a missing user costs the same time."""


class Scope(StrEnum):
    """What an API token may be used for; a person's session has every scope (their role still
    decides what they may see and do)."""

    CASES_READ = "cases:read"
    CASES_ACT = "cases:act"
    INTEL_READ = "intel:read"
    AUDIT_READ = "audit:read"


ALL_SCOPES: Final = frozenset(Scope)
_KNOWN: Final = frozenset(s.value for s in Scope)


class BadCredentials(RefusedAction):
    """A name and password, or a token, that do not identify an active user."""


@dataclass(frozen=True, slots=True, kw_only=True)
class Issued:
    """A new API token: `token` is shown once and never stored; `record` is what is kept."""

    token: str
    record: TokenRecord


@dataclass(frozen=True, slots=True, kw_only=True)
class Bearer:
    """Who an API token acts for, and what it may do."""

    caller: Caller
    scopes: frozenset[Scope]
    token_id: int


def set_password(store: Store, name: str, password: str, *, by: Caller) -> None:
    """Set `name`'s password (themself, or an admin for anyone)."""
    _check_self_or_admin(by, name, "setting a password")
    check_password(password)
    digest = _HASHER.hash(password)
    with store.transaction(by.name) as tx:
        credentials.set_password_hash(tx, name, digest)


def check_password(password: str) -> None:
    """`RefusedAction` unless `password` has an allowed length (checked before anything is
    stored, so a command adding a user with a password adds neither when it is refused)."""
    if not PASSWORD_MIN <= len(password) <= PASSWORD_MAX:
        raise RefusedAction(
            f"a password has {PASSWORD_MIN} to {PASSWORD_MAX} characters, not {len(password)}"
        )


def log_in(store: Store, name: str, password: str) -> Caller:
    """The active user `name` as a `Caller` if `password` is theirs; `BadCredentials` if not."""
    found, digest = None, None
    if 0 < len(name) <= 200 and len(password) <= PASSWORD_MAX:
        with store.transaction(name) as tx:
            try:
                found = users.get_user(tx, name)
                digest = credentials.password_hash(tx, name)
            except NotFound:
                found = None
    usable = found is not None and found.active and digest is not None
    if not _verified(digest if usable and digest is not None else _DUMMY, password) or not usable:
        raise BadCredentials("wrong user name or password")
    assert found is not None
    return Caller(name=found.name, role=Role(found.role), org=found.org)


def issue_token(
    store: Store, user: str, scopes: frozenset[Scope], label: str, *, by: Caller
) -> Issued:
    """A new token for `user` (themself, or an admin for anyone) granting `scopes`."""
    _check_self_or_admin(by, user, "creating an API token")
    if not scopes:
        raise RefusedAction("an API token grants at least one scope")
    if len(label) > LABEL_MAX:
        raise RefusedAction(f"a token's label has at most {LABEL_MAX} characters")
    token = TOKEN_PREFIX + secrets.token_urlsafe(32)
    with store.transaction(by.name) as tx:
        if not users.get_user(tx, user).active:
            raise RefusedAction(f"{user!r} is deactivated: no token for them")
        kept = credentials.add_token(tx, user, _digest(token), tuple(sorted(scopes)), label)
    return Issued(token=token, record=kept)


def revoke_token(store: Store, token_id: int, *, by: Caller) -> TokenRecord:
    """Revoke token `token_id` (its user, or an admin); a token of someone else reads as absent
    to a non-admin."""
    with store.transaction(by.name) as tx:
        found = credentials.get_token(tx, token_id)
        if found.user != by.name and by.role is not Role.ADMIN:
            raise NotFound(f"no API token {token_id}")
        return credentials.revoke_token(tx, token_id)


def bearer(store: Store, token: str) -> Bearer:
    """Who `token` acts for and what it may do; `BadCredentials` if it is unknown, revoked,
    or its user is deactivated."""
    refused = BadCredentials("unknown or revoked API token")
    if not token.startswith(TOKEN_PREFIX) or len(token) > TOKEN_MAX:
        raise refused
    with store.read_only("api-token") as tx:
        both = credentials.token_and_user(tx, _digest(token))
    if both is None:
        raise refused
    found, user = both
    if found.revoked_at is not None or not user.active:
        raise refused
    return Bearer(
        caller=Caller(name=user.name, role=Role(user.role), org=user.org),
        scopes=frozenset(Scope(s) for s in found.scopes if s in _KNOWN),
        token_id=found.id,
    )


def _verified(digest: str, password: str) -> bool:
    try:
        return _HASHER.verify(digest, password)
    except (VerificationError, InvalidHashError):
        return False


def _digest(token: str) -> str:
    """A token's SHA-256: enough for a random 256-bit secret, and looked up by equality."""
    return hashlib.sha256(token.encode("utf-8")).hexdigest()


def _check_self_or_admin(by: Caller, name: str, doing: str) -> None:
    if by.name != name and by.role is not Role.ADMIN:
        raise RefusedAction(f"{doing} for {name!r} is for an admin or {name!r}, not {by.name}")
