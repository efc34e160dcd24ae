"""What the web tests share: a case database with people of each kind (a reviewer, an approver,
two operators, two vendors, each with a password), four cases of two vendors (the first with the
grid-storage example submitted and reviewed, so its page shows factors; one overdue in initial
review, one whose clock is stopped for materials), and the site over it."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import UTC, date, datetime
from pathlib import Path
from typing import Final

from fastapi import FastAPI

import chainreview
from chainreview.api.ratelimit import LoginLimits
from chainreview.api.settings import Settings
from chainreview.case.access import Caller
from chainreview.case.credentials import set_password
from chainreview.case.procedure import Opening, Role
from chainreview.case.rounds import review_round, submit_package
from chainreview.case.service import Opened, Step, open_case, take_action
from chainreview.case.users import Person, register
from chainreview.reviewer import Reviewer
from chainreview.store.db import Store, open_store
from chainreview.web.site import create_site

EXAMPLE: Final = Path(__file__).parents[2] / "examples" / "grid-storage"
OPENED: Final = date(2026, 11, 2)
"""The day both cases are declared (a Monday)."""
NOW: Final = datetime(2026, 11, 20, 2, 0, tzinfo=UTC)
"""The site's clock: 2026-11-20 10:00 in Beijing."""
AS_OF: Final = date(2026, 11, 19)
SECRET: Final = "k7Qw9zR2mXv4Lp8sNb3Tc6Hy1Jd5Fg0A"
PASSWORD: Final = "correct horse battery staple"
GRID_OP, TELECOM_OP = "State Grid Demo Co.", "Telecom Demo Co."
VENDOR_A, VENDOR_B = "Example Energy Systems Ltd.", "Lanxuan Data"

ADMIN = Caller(name="root", role=Role.ADMIN, org=None)
REVIEWER = Caller(name="li", role=Role.REVIEWER, org=None)
APPROVER = Caller(name="zhao", role=Role.APPROVER, org=None)
GRID = Caller(name="wang", role=Role.APPLICANT, org=GRID_OP)
TELECOM = Caller(name="chen", role=Role.APPLICANT, org=TELECOM_OP)
SUPPLIER_A = Caller(name="anna", role=Role.VENDOR, org=VENDOR_A)
SUPPLIER_B = Caller(name="bo", role=Role.VENDOR, org=VENDOR_B)
PEOPLE: Final = (ADMIN, REVIEWER, APPROVER, GRID, TELECOM, SUPPLIER_A, SUPPLIER_B)


@dataclass(frozen=True)
class Site:
    store: Store
    app: FastAPI
    reviewed: str
    """The case of vendor A, operator Grid: submitted, reviewed once, in completeness check."""
    other: str
    """The case of vendor B, operator Telecom: just received."""
    overdue: str
    """Vendor A, operator Grid: in initial review since 2026-08-03, past its 30 working days."""
    stopped: str
    """Vendor B, operator Telecom: in initial review, its clock stopped for materials."""


def settings(home: Path, url: str | None) -> Settings:
    """Development mode: cookies without Secure, for plain HTTP on 127.0.0.1."""
    return Settings(home=home, database_url=url, secret=SECRET, dev=True)


@contextmanager
def build_site(home: Path, url: str | None, intel_home: Path) -> Iterator[Site]:
    with open_store(url, home=home) as store:
        for person in PEOPLE:
            by = None if person is ADMIN else ADMIN
            register(store, Person(name=person.name, role=person.role, org=person.org), by=by)
            if person is not ADMIN:
                set_password(store, person.name, PASSWORD, by=person)
        reviewed = _opened(store, GRID, VENDOR_A, "Grid storage controllers")
        submit_package(store, reviewed, EXAMPLE, caller=GRID)
        with chainreview.open_snapshot(intel_home) as snapshot:
            review_round(store, reviewed, Reviewer(snapshot), as_of=AS_OF, caller=REVIEWER)
        other = _opened(store, TELECOM, VENDOR_B, "Core network <b>database</b> cluster")
        overdue = _opened(store, GRID, VENDOR_A, "Substation SCADA gateways", date(2026, 8, 3))
        _steps(store, overdue, date(2026, 8, 3), "check", "accept", "decide-review")
        stopped = _opened(store, TELECOM, VENDOR_B, "Billing platform upgrade")
        _steps(store, stopped, OPENED, "check", "accept", "decide-review")
        _steps(store, stopped, date(2026, 11, 10), "request-materials")
        app = create_site(
            settings(home, url), store, clock=lambda: NOW, limits=LoginLimits.default()
        )
        yield Site(
            store=store,
            app=app,
            reviewed=reviewed,
            other=other,
            overdue=overdue,
            stopped=stopped,
        )


def _steps(store: Store, case_id: str, on: date, *actions: str) -> None:
    for action in actions:
        step = Step(action=action, on=on)
        take_action(store, case_id, step, caller=REVIEWER, expected_version=None, home=None)


def _opened(store: Store, applicant: Caller, vendor: str, title: str, on: date = OPENED) -> str:
    assert applicant.org is not None
    opened = Opened(
        regime="cn-crm-2022",
        title=title,
        applicant=applicant.org,
        vendor=vendor,
        opening=Opening.DECLARATION,
        on=on,
    )
    return open_case(store, opened, caller=applicant, home=None).case.id
