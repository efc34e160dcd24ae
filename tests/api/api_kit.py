"""What the API tests share: the people (one of each role, two operators, two vendors), their
passwords and all-scope API tokens, two cases, and clients of the real app."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from datetime import date
from typing import Final

from fastapi import FastAPI
from fastapi.testclient import TestClient
from store_kit import Backend

from chainreview.api.app import create_app
from chainreview.api.ratelimit import LoginLimits
from chainreview.api.settings import Settings
from chainreview.case.access import Caller
from chainreview.case.credentials import ALL_SCOPES, issue_token, set_password
from chainreview.case.procedure import Opening, Role
from chainreview.case.service import Opened, Step, open_case, take_action
from chainreview.case.users import Person, register
from chainreview.store.db import Store

DAY: Final = date(2026, 11, 2)
"""The day everything happens (a Monday)."""
SECRET: Final = "k7Qw9zR2mXv4Lp8sNb3Tc6Hy1Jd5Fg0A"
GRID_OP, TELECOM_OP = "State Grid Demo Co.", "Telecom Demo Co."
VENDOR_A, VENDOR_B = "Veltrani Storage AG", "Lanxuan Data"
PASSWORD: Final = "correct horse battery staple"
"""Every test user's password."""

ADMIN = Caller(name="root", role=Role.ADMIN, org=None)
REVIEWER = Caller(name="li", role=Role.REVIEWER, org=None)
APPROVER = Caller(name="zhao", role=Role.APPROVER, org=None)
GRID = Caller(name="wang", role=Role.APPLICANT, org=GRID_OP)
TELECOM = Caller(name="chen", role=Role.APPLICANT, org=TELECOM_OP)
SUPPLIER_A = Caller(name="anna", role=Role.VENDOR, org=VENDOR_A)
SUPPLIER_B = Caller(name="bo", role=Role.VENDOR, org=VENDOR_B)
UNIT = Caller(name="unit", role=Role.MEMBER_UNIT, org="Member unit 1")
PEOPLE: Final = (ADMIN, REVIEWER, APPROVER, GRID, TELECOM, SUPPLIER_A, SUPPLIER_B, UNIT)
WITH_PASSWORD: Final = (REVIEWER, GRID, SUPPLIER_A)
"""Who gets a password (argon2 costs each one a fraction of a second)."""


@dataclass
class World:
    backend: Backend
    store: Store
    app: FastAPI
    limits: LoginLimits
    tokens: dict[str, str] = field(default_factory=dict)
    """Each user's all-scope API token, by name."""

    def client(self, address: str = "203.0.113.7") -> TestClient:
        """A client of the app over HTTPS (so Secure cookies are sent), from `address`."""
        return TestClient(self.app, base_url="https://testserver", client=(address, 50000))

    def auth(self, who: Caller) -> dict[str, str]:
        return {"Authorization": f"Bearer {self.tokens[who.name]}"}

    def open(self, applicant: Caller, vendor: str, *steps: tuple[Caller, str]) -> str:
        """A new case of `applicant` about `vendor`, taken through `steps` on `DAY`."""
        assert applicant.org is not None
        opened = Opened(
            regime="cn-crm-2022",
            title=f"{vendor} for {applicant.org}",
            applicant=applicant.org,
            vendor=vendor,
            opening=Opening.DECLARATION,
            on=DAY,
        )
        case_id = open_case(self.store, opened, caller=applicant, home=None).case.id
        for who, action in steps:
            take_action(
                self.store,
                case_id,
                Step(action=action, on=DAY),
                caller=who,
                expected_version=None,
                home=None,
            )
        return case_id


def settings(backend: Backend) -> Settings:
    return Settings(home=backend.home, database_url=backend.url, secret=SECRET, dev=False)


@contextmanager
def build_world(backend: Backend, *, limits: LoginLimits | None = None) -> Iterator[World]:
    with backend.open() as store:
        for person in PEOPLE:
            by = None if person is ADMIN else ADMIN
            register(store, Person(name=person.name, role=person.role, org=person.org), by=by)
        for person in WITH_PASSWORD:
            set_password(store, person.name, PASSWORD, by=person)
        chosen = limits or LoginLimits.default()
        world = World(backend, store, create_app(settings(backend), store, limits=chosen), chosen)
        for person in PEOPLE:
            issued = issue_token(store, person.name, ALL_SCOPES, "tests", by=ADMIN)
            world.tokens[person.name] = issued.token
        yield world
