"""The people who may use the case database: add one, read one, list them, deactivate one.

Who may do what with them is `chainreview.case.access`'s to say; the store keeps them and
audits every change (`user.add`, `user.deactivate`).
"""

from __future__ import annotations

from sqlalchemy import func, select

from chainreview.errors import NotFound, RefusedAction
from chainreview.store import audit
from chainreview.store.db import Tx
from chainreview.store.records import NewUser, UserRecord
from chainreview.store.tables import User


def add_user(tx: Tx, new: NewUser, *, first: bool = False) -> UserRecord:
    """Add a user; `RefusedAction` if the name is taken (even by a deactivated user), or, when
    `first`, if there is any user already (checked under the audit log's lock, so two first
    users cannot both be added at once)."""
    if not new.name or new.name != new.name.strip():
        raise ValueError(f"a user name is not empty and has no surrounding spaces: {new.name!r}")
    audit.lock(tx)
    if first and count_users(tx):
        raise RefusedAction("there are users already: an admin among them adds the next")
    if tx.session.get(User, new.name) is not None:
        raise RefusedAction(f"there is already a user {new.name!r}")
    now = tx.now()
    row = User(
        name=new.name, role=new.role, org=new.org, active=True, added_at=now, added_by=tx.actor
    )
    tx.session.add(row)
    tx.session.flush()
    payload = {"name": new.name, "role": new.role, "org": new.org}
    audit.append(tx, "user.add", payload, at=now)
    return _record(row)


def get_user(tx: Tx, name: str) -> UserRecord:
    """The user named; `NotFound` if there is none."""
    row = tx.session.get(User, name)
    if row is None:
        raise NotFound(f"no user {name!r}")
    return _record(row)


def list_users(tx: Tx) -> tuple[UserRecord, ...]:
    """Every user, by name."""
    return tuple(_record(row) for row in tx.session.scalars(select(User).order_by(User.name)))


def count_users(tx: Tx) -> int:
    """How many users there are (deactivated ones included)."""
    return tx.session.scalar(select(func.count()).select_from(User)) or 0


def deactivate_user(tx: Tx, name: str) -> UserRecord:
    """Stop a user from acting or reading; kept, so that what they did stays attributed."""
    audit.lock(tx)
    row = tx.session.get(User, name)
    if row is None:
        raise NotFound(f"no user {name!r}")
    if row.active:
        row.active = False
        tx.session.flush()
        audit.append(tx, "user.deactivate", {"name": name})
    return _record(row)


def _record(row: User) -> UserRecord:
    return UserRecord(
        name=row.name,
        role=row.role,
        org=row.org,
        active=row.active,
        added_at=row.added_at,
        added_by=row.added_by,
    )
