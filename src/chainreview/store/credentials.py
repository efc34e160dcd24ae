"""What the web service checks people and machines against: each user's password hash, and API
tokens (kept as the SHA-256 of the token, never the token).

Which hash, which scopes and who may set or revoke them is `chainreview.case.credentials`'s to
say; the store keeps them and audits every change (`user.password`, `token.create`,
`token.revoke`), never a hash or a token.
"""

from __future__ import annotations

from typing import Final

from sqlalchemy import bindparam, select

from chainreview.errors import NotFound
from chainreview.store import audit
from chainreview.store.db import Tx
from chainreview.store.records import TokenRecord, UserRecord
from chainreview.store.tables import ApiToken, User


def password_hash(tx: Tx, name: str) -> str | None:
    """The user's password hash (None: none set); `NotFound` if there is no such user."""
    row = tx.session.get(User, name)
    if row is None:
        raise NotFound(f"no user {name!r}")
    return row.password_hash


def set_password_hash(tx: Tx, name: str, digest: str) -> None:
    """Keep `digest` as the user's password hash (replacing any)."""
    audit.lock(tx)
    row = tx.session.get(User, name)
    if row is None:
        raise NotFound(f"no user {name!r}")
    row.password_hash = digest
    tx.session.flush()
    audit.append(tx, "user.password", {"name": name})


def add_token(tx: Tx, user: str, digest: str, scopes: tuple[str, ...], label: str) -> TokenRecord:
    """Keep a new token of `user` by its SHA-256 `digest`."""
    audit.lock(tx)
    if tx.session.get(User, user) is None:
        raise NotFound(f"no user {user!r}")
    row = ApiToken(
        user_name=user,
        digest=digest,
        scopes=" ".join(scopes),
        label=label,
        created_at=tx.now(),
        created_by=tx.actor,
    )
    tx.session.add(row)
    tx.session.flush()
    audit.append(
        tx, "token.create", {"id": row.id, "user": user, "scopes": list(scopes), "label": label}
    )
    return _record(row)


_TOKEN_AND_USER: Final = (
    select(
        ApiToken.id,
        ApiToken.user_name,
        ApiToken.scopes,
        ApiToken.label,
        ApiToken.created_at,
        ApiToken.created_by,
        ApiToken.revoked_at,
        ApiToken.revoked_by,
        User.role,
        User.org,
        User.active,
        User.added_at,
        User.added_by,
    )
    .join(User, User.name == ApiToken.user_name)
    .where(ApiToken.digest == bindparam("digest"))
)
"""Built once: building a statement costs more than running this one."""


def token_and_user(tx: Tx, digest: str) -> tuple[TokenRecord, UserRecord] | None:
    """The token whose SHA-256 is `digest`, revoked or not, with its user as stored now, in
    one query of plain columns (what every request with a token asks); None if there is none."""
    row = tx.connection().execute(_TOKEN_AND_USER, {"digest": digest}).first()
    if row is None:
        return None
    token = TokenRecord(
        id=row.id,
        user=row.user_name,
        scopes=tuple(row.scopes.split()),
        label=row.label,
        created_at=row.created_at,
        created_by=row.created_by,
        revoked_at=row.revoked_at,
        revoked_by=row.revoked_by,
    )
    user = UserRecord(
        name=row.user_name,
        role=row.role,
        org=row.org,
        active=row.active,
        added_at=row.added_at,
        added_by=row.added_by,
    )
    return token, user


def get_token(tx: Tx, token_id: int) -> TokenRecord:
    """The token numbered `token_id`; `NotFound` if there is none."""
    row = tx.session.get(ApiToken, token_id)
    if row is None:
        raise NotFound(f"no API token {token_id}")
    return _record(row)


def revoke_token(tx: Tx, token_id: int) -> TokenRecord:
    """Revoke the token (once: revoking it again changes nothing)."""
    audit.lock(tx)
    row = tx.session.get(ApiToken, token_id)
    if row is None:
        raise NotFound(f"no API token {token_id}")
    if row.revoked_at is None:
        row.revoked_at = tx.now()
        row.revoked_by = tx.actor
        tx.session.flush()
        audit.append(tx, "token.revoke", {"id": token_id, "user": row.user_name})
    return _record(row)


def _record(row: ApiToken) -> TokenRecord:
    return TokenRecord(
        id=row.id,
        user=row.user_name,
        scopes=tuple(row.scopes.split()),
        label=row.label,
        created_at=row.created_at,
        created_by=row.created_by,
        revoked_at=row.revoked_at,
        revoked_by=row.revoked_by,
    )
