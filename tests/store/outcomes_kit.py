"""What the tests of opinions, decisions, conditions and risk acceptances share: the people,
the days, and a case brought to member opinions (or decided with conditions) through the
library."""

from __future__ import annotations

from datetime import date

from chainreview.case.access import Caller
from chainreview.case.decisions import Decided, Outcome, Required, Ruling, decide
from chainreview.case.outcomes import Party
from chainreview.case.procedure import Opening, Role
from chainreview.case.service import Opened, Step, open_case, take_action
from chainreview.store.db import Store

DAY = date(2026, 11, 2)
"""The case is opened and brought to member opinions on this day (a Monday)."""
DECIDED = date(2026, 11, 16)
CONTRACT = date(2026, 12, 31)
GO_LIVE = date(2027, 3, 31)
GRID_OP, TELECOM_OP = "State Grid Demo Co.", "Telecom Demo Co."
VENDOR_A, VENDOR_B = "Veltrani Storage AG", "Lanxuan Data"

REVIEWER = Caller(name="li", role=Role.REVIEWER, org=None)
APPROVER = Caller(name="zhao", role=Role.APPROVER, org=None)
SECOND_APPROVER = Caller(name="qian", role=Role.APPROVER, org=None)
GRID = Caller(name="wang", role=Role.APPLICANT, org=GRID_OP)
TELECOM = Caller(name="chen", role=Role.APPLICANT, org=TELECOM_OP)
SUPPLIER_A = Caller(name="anna", role=Role.VENDOR, org=VENDOR_A)
SUPPLIER_B = Caller(name="bo", role=Role.VENDOR, org=VENDOR_B)
UNIT = Caller(name="unit", role=Role.MEMBER_UNIT, org="Ministry of Industry")
OTHER_UNIT = Caller(name="unit-2", role=Role.MEMBER_UNIT, org="Ministry of State Security")

SBOM = Required(text="A signed SBOM the operator can verify", party=Party.VENDOR, due=CONTRACT)
BOOT = Required(text="An integrity check at boot", party=Party.VENDOR, due=GO_LIVE)
REMOTE = Required(
    text="Vendor remote maintenance off by default", party=Party.APPLICANT, due=GO_LIVE
)
OWNERS = Required(text="Notify changes of ownership", party=Party.VENDOR, due=None)


def act(store: Store, case_id: str, caller: Caller, *actions: str, on: date = DAY) -> None:
    """Take each action in turn as `caller`."""
    for action in actions:
        take_action(
            store,
            case_id,
            Step(action=action, on=on),
            caller=caller,
            expected_version=None,
            home=None,
        )


def consulted(store: Store, applicant: Caller = GRID, vendor: str = VENDOR_A) -> str:
    """A case declared by `applicant` about `vendor`, brought to member opinions on `DAY`."""
    case_id = in_review(store, applicant, vendor)
    act(store, case_id, REVIEWER, "recommend")
    return case_id


def in_review(store: Store, applicant: Caller = GRID, vendor: str = VENDOR_A) -> str:
    """A case declared by `applicant` about `vendor`, in initial review from `DAY`."""
    assert applicant.org is not None
    opened = Opened(
        regime="cn-crm-2022",
        title=f"{vendor} for {applicant.org}",
        applicant=applicant.org,
        vendor=vendor,
        opening=Opening.DECLARATION,
        on=DAY,
    )
    case_id = open_case(store, opened, caller=applicant, home=None).case.id
    act(store, case_id, REVIEWER, "check", "accept", "decide-review")
    return case_id


def decided(store: Store, case_id: str, *conditions: Required, from_round: bool = False) -> Ruling:
    """The case passed with `conditions` on `DECIDED` by the approver."""
    ruling = Decided(
        outcome=Outcome.PASS_WITH_CONDITIONS,
        reason="Residual risk acceptable with the conditions set.",
        on=DECIDED,
        conditions=conditions,
        from_round=from_round,
    )
    return decide(store, case_id, ruling, caller=APPROVER)
