"""The people who use the case database: who is asking (`identify`), and adding, listing and
deactivating users, which only an admin may do, except the very first user: an admin, added
by whoever sets the database up.
"""

from __future__ import annotations

from dataclasses import dataclass

from chainreview.case.access import OFFICE, Caller, check_role
from chainreview.case.procedure import Role
from chainreview.errors import NotFound, RefusedAction
from chainreview.store import users
from chainreview.store.db import Store
from chainreview.store.records import NewUser, UserRecord


@dataclass(frozen=True, slots=True, kw_only=True)
class Person:
    """Someone to register: a name, one role and, for a party or member unit, whom they act for
    (an applicant's operator, a vendor's company, a member unit's own name)."""

    name: str
    role: Role
    org: str | None = None


class UnknownUser(RefusedAction):
    """The name given is not an active user of the case database."""


def identify(store: Store, name: str) -> Caller:
    """The active user `name` as a `Caller`; `UnknownUser` otherwise."""
    with store.transaction(name) as tx:
        try:
            found = users.get_user(tx, name)
        except NotFound:
            found = None
    if found is None or not found.active:
        state = "no" if found is None else "a deactivated"
        raise UnknownUser(
            f"{name!r} is {state} user of the case database: act as a user an admin has added "
            "(`chainreview user add`)"
        )
    return Caller(name=found.name, role=Role(found.role), org=found.org)


def register(store: Store, person: Person, *, by: Caller | None) -> UserRecord:
    """Add `person`; `by` is the admin adding them, or None for the first user (an admin)."""
    _check_org(person)
    new = NewUser(name=person.name, role=person.role.value, org=_org(person.org))
    if by is None:
        if person.role is not Role.ADMIN:
            raise RefusedAction(f"the first user is an admin, not {person.role.value}")
        with store.transaction(person.name) as tx:
            return users.add_user(tx, new, first=True)
    check_role(by, {Role.ADMIN}, "adding a user")
    with store.transaction(by.name) as tx:
        return users.add_user(tx, new)


def list_users(store: Store, *, by: Caller) -> tuple[UserRecord, ...]:
    """Every user, by name (for an admin)."""
    check_role(by, {Role.ADMIN}, "listing users")
    with store.transaction(by.name) as tx:
        return users.list_users(tx)


def deactivate(store: Store, name: str, *, by: Caller) -> UserRecord:
    """Stop `name` acting or reading (an admin, never themself); what they did stays theirs."""
    check_role(by, {Role.ADMIN}, "deactivating a user")
    if name == by.name:
        raise RefusedAction(f"{by.name} cannot deactivate themself: another admin can")
    with store.transaction(by.name) as tx:
        return users.deactivate_user(tx, name)


def _check_org(person: Person) -> None:
    named = _org(person.org)
    if person.role in OFFICE and named is not None:
        raise RefusedAction(f"a {person.role.value} acts for the office, not for {named}")
    if person.role not in OFFICE and named is None:
        raise RefusedAction(
            f"a {person.role.value} acts for an organisation (or, a member unit, for itself): "
            "name it"
        )


def _org(org: str | None) -> str | None:
    return org.strip() or None if org is not None else None


def any_users(store: Store) -> bool:
    """Whether anyone is registered yet (if not, the first user to add is an admin)."""
    with store.transaction("setup") as tx:
        return users.count_users(tx) > 0
