"""Credentials in the store, on both backends: a password kept only as an argon2id hash, a
token only as its SHA-256 (computed here with hashlib), who may set and revoke them, and audit
entries that name what happened without a hash or a token."""

from __future__ import annotations

import hashlib
import json

import pytest
from argon2 import PasswordHasher
from sqlalchemy import text
from store_kit import Backend

from chainreview.case.access import Caller
from chainreview.case.credentials import (
    BadCredentials,
    Scope,
    bearer,
    issue_token,
    log_in,
    revoke_token,
    set_password,
)
from chainreview.case.procedure import Role
from chainreview.case.users import Person, register
from chainreview.errors import NotFound, RefusedAction
from chainreview.store import audit
from chainreview.store.db import Store

ADMIN = Caller(name="root", role=Role.ADMIN, org=None)
LI = Caller(name="li", role=Role.REVIEWER, org=None)
ZHAO = Caller(name="zhao", role=Role.APPROVER, org=None)
PASSWORD = "twelve chars and more"


def _people(store: Store) -> None:
    register(store, Person(name="root", role=Role.ADMIN), by=None)
    for person in (LI, ZHAO):
        register(store, Person(name=person.name, role=person.role), by=ADMIN)


def _log(store: Store) -> list[tuple[str, str, dict[str, object]]]:
    with store.transaction("reader") as tx:
        return [(e.actor, e.action, json.loads(e.payload)) for e in audit.entries(tx)]


def test_a_password_is_kept_as_an_argon2id_hash_and_set_by_its_user_or_an_admin(
    store: Store, backend: Backend
) -> None:
    _people(store)
    with pytest.raises(RefusedAction, match="for an admin or 'zhao', not li"):
        set_password(store, "zhao", PASSWORD, by=LI)
    with pytest.raises(RefusedAction, match="12 to 256 characters, not 11"):
        set_password(store, "li", "elevenchars", by=LI)
    set_password(store, "li", PASSWORD, by=LI)
    set_password(store, "zhao", PASSWORD + "!", by=ADMIN)
    with backend.sql() as sql:
        kept = dict(sql.execute(text("SELECT name, password_hash FROM users")).all())
    assert kept["root"] is None
    assert kept["li"].startswith("$argon2id$") and PasswordHasher().verify(kept["li"], PASSWORD)
    assert log_in(store, "li", PASSWORD) == LI
    with pytest.raises(BadCredentials):
        log_in(store, "zhao", PASSWORD)
    assert log_in(store, "zhao", PASSWORD + "!") == ZHAO
    with pytest.raises(BadCredentials):
        log_in(store, "root", "")
    assert _log(store)[-2:] == [
        ("li", "user.password", {"name": "li"}),
        ("root", "user.password", {"name": "zhao"}),
    ]


def test_a_token_is_kept_as_its_sha256_with_its_scopes_until_revoked(
    store: Store, backend: Backend
) -> None:
    _people(store)
    with pytest.raises(RefusedAction):
        issue_token(store, "zhao", frozenset({Scope.CASES_READ}), "", by=LI)
    issued = issue_token(
        store, "li", frozenset({Scope.CASES_ACT, Scope.CASES_READ}), "nightly", by=LI
    )
    with backend.sql() as sql:
        rows = sql.execute(text("SELECT digest, scopes, label FROM api_tokens")).all()
    assert [tuple(r) for r in rows] == [
        (hashlib.sha256(issued.token.encode()).hexdigest(), "cases:act cases:read", "nightly")
    ]
    found = bearer(store, issued.token)
    assert (found.caller, found.scopes) == (LI, {Scope.CASES_READ, Scope.CASES_ACT})
    with pytest.raises(NotFound, match=f"no API token {issued.record.id}"):
        revoke_token(store, issued.record.id, by=ZHAO)  # someone else's reads as absent
    revoked = revoke_token(store, issued.record.id, by=ADMIN)
    assert revoked.revoked_by == "root" and revoked.revoked_at is not None
    assert revoke_token(store, issued.record.id, by=LI).revoked_by == "root"  # once only
    with pytest.raises(BadCredentials, match="unknown or revoked API token"):
        bearer(store, issued.token)
    for made_up in ("crt_" + "A" * 43, issued.token[:-1], "x" + issued.token[1:]):
        with pytest.raises(BadCredentials):
            bearer(store, made_up)
    entries = [e for e in _log(store) if e[1].startswith("token.")]
    assert entries == [
        (
            "li",
            "token.create",
            {
                "id": issued.record.id,
                "user": "li",
                "scopes": ["cases:act", "cases:read"],
                "label": "nightly",
            },
        ),
        ("root", "token.revoke", {"id": issued.record.id, "user": "li"}),
    ]
    with backend.sql() as sql:
        everything = " ".join(
            str(row) for row in sql.execute(text("SELECT payload FROM audit_log")).all()
        )
    assert issued.token not in everything
