"""Who sees what (Art. 17), on both backends: a party never lists or fetches another party's
case or files, and a case it may not see reads exactly as one that does not exist; a vendor sees
only its own submissions; a member unit sees a case once it is put to member units; users are
added by an admin, the first of them an admin."""

from __future__ import annotations

from datetime import date
from pathlib import Path

import pytest

from chainreview.case.access import Caller
from chainreview.case.procedure import Opening, Role
from chainreview.case.rounds import case_evidence, download, submit_package
from chainreview.case.service import (
    Opened,
    Step,
    list_case_views,
    open_case,
    take_action,
    view_case,
)
from chainreview.case.users import Person, UnknownUser, deactivate, identify, register
from chainreview.errors import NotFound, RefusedAction
from chainreview.store.db import Store

PACKAGE = Path(__file__).parents[2] / "examples" / "grid-storage"
DAY = date(2026, 11, 2)
GRID_OP, TELECOM_OP = "State Grid Demo Co.", "Telecom Demo Co."
VENDOR_A, VENDOR_B = "Veltrani Storage AG", "Lanxuan Data"

REVIEWER = Caller(name="li", role=Role.REVIEWER, org=None)
APPROVER = Caller(name="zhao", role=Role.APPROVER, org=None)
GRID = Caller(name="wang", role=Role.APPLICANT, org=GRID_OP)
TELECOM = Caller(name="chen", role=Role.APPLICANT, org=TELECOM_OP)
SUPPLIER_A = Caller(name="anna", role=Role.VENDOR, org=VENDOR_A)
SUPPLIER_B = Caller(name="bo", role=Role.VENDOR, org=VENDOR_B)
UNIT = Caller(name="unit", role=Role.MEMBER_UNIT, org="Member unit 1")


def _open(store: Store, applicant: Caller, vendor: str) -> str:
    assert applicant.org is not None
    opened = Opened(
        regime="cn-crm-2022",
        title=f"{vendor} for {applicant.org}",
        applicant=applicant.org,
        vendor=vendor,
        opening=Opening.DECLARATION,
        on=DAY,
    )
    return open_case(store, opened, caller=applicant, home=None).case.id


def _act(store: Store, case_id: str, caller: Caller, *actions: str) -> None:
    for action in actions:
        take_action(
            store,
            case_id,
            Step(action=action, on=DAY),
            caller=caller,
            expected_version=None,
            home=None,
        )


def test_a_vendor_never_lists_or_fetches_another_vendors_case(store: Store) -> None:
    case_a = _open(store, GRID, VENDOR_A)
    case_b = _open(store, TELECOM, VENDOR_B)
    submit_package(store, case_b, PACKAGE, caller=TELECOM)
    _act(store, case_b, REVIEWER, "check")

    def listed(caller: Caller) -> list[str]:
        return [v.case.id for v in list_case_views(store, caller=caller, today=DAY, home=None)]

    assert listed(SUPPLIER_A) == [case_a]
    assert listed(SUPPLIER_B) == [case_b]
    assert listed(GRID) == [case_a]
    assert listed(REVIEWER) == [case_a, case_b]
    absent = "CR-2025-9999"
    for reading in (
        lambda case: view_case(store, case, caller=SUPPLIER_A, today=DAY, home=None),
        lambda case: case_evidence(store, case, caller=SUPPLIER_A),
        lambda case: download(store, case, 1, "declaration.yaml", caller=SUPPLIER_A),
        lambda case: submit_package(store, case, PACKAGE, caller=SUPPLIER_A),
        lambda case: _act(store, case, SUPPLIER_A, "withdraw"),
    ):
        with pytest.raises(NotFound) as hidden:
            reading(case_b)
        with pytest.raises(NotFound) as missing:
            reading(absent)
        assert str(hidden.value) == str(missing.value).replace(absent, case_b)
    assert len(case_evidence(store, case_b, caller=TELECOM).submissions) == 1


def test_a_vendor_sees_only_its_own_submissions_and_the_operator_not_the_vendors(
    store: Store,
) -> None:
    case_id = _open(store, GRID, VENDOR_A)
    submit_package(store, case_id, PACKAGE, caller=GRID)
    submit_package(store, case_id, PACKAGE, caller=SUPPLIER_A)
    submit_package(store, case_id, PACKAGE, caller=REVIEWER)

    def seen(caller: Caller) -> list[tuple[int, str]]:
        evidence = case_evidence(store, case_id, caller=caller)
        return [(s.number, s.party) for s in evidence.submissions]

    assert seen(SUPPLIER_A) == [(2, "vendor")]
    assert seen(GRID) == [(1, "applicant"), (3, "office")]
    assert seen(REVIEWER) == [(1, "applicant"), (2, "vendor"), (3, "office")]
    manifest = (PACKAGE / "declaration.yaml").read_bytes()
    assert download(store, case_id, 2, "declaration.yaml", caller=SUPPLIER_A) == manifest
    with pytest.raises(NotFound, match=f"^case {case_id} has no submission 1$"):
        download(store, case_id, 1, "declaration.yaml", caller=SUPPLIER_A)
    with pytest.raises(NotFound, match=f"^case {case_id} has no submission 2$"):
        download(store, case_id, 2, "declaration.yaml", caller=GRID)


def test_a_member_unit_sees_a_case_once_it_is_put_to_member_units(store: Store) -> None:
    case_id = _open(store, GRID, VENDOR_A)
    _act(store, case_id, REVIEWER, "check", "accept")
    _act(store, case_id, APPROVER, "decide-review")
    with pytest.raises(NotFound):
        view_case(store, case_id, caller=UNIT, today=DAY, home=None)
    assert list_case_views(store, caller=UNIT, today=DAY, home=None) == ()
    _act(store, case_id, REVIEWER, "recommend")
    assert view_case(store, case_id, caller=UNIT, today=DAY, home=None).case.state == (
        "member-opinions"
    )
    assert [v.case.id for v in list_case_views(store, caller=UNIT, today=DAY, home=None)] == [
        case_id
    ]


def test_an_operator_declares_only_for_itself_and_parties_act_in_their_role(store: Store) -> None:
    for_another = Opened(
        regime="cn-crm-2022",
        title="x",
        applicant=TELECOM_OP,
        vendor=VENDOR_A,
        opening=Opening.DECLARATION,
        on=DAY,
    )
    with pytest.raises(RefusedAction, match=f"wang declares for {GRID_OP}, not for {TELECOM_OP}"):
        open_case(store, for_another, caller=GRID, home=None)
    spaced = Caller(name="wang", role=Role.APPLICANT, org=" state grid demo co. ")
    case_id = _open(store, spaced, VENDOR_A)  # the organisation compared as the exposure list does
    assert [v.case.id for v in list_case_views(store, caller=GRID, today=DAY, home=None)] == [
        case_id
    ]
    with pytest.raises(RefusedAction, match="check from received is for reviewer, not vendor"):
        _act(store, case_id, SUPPLIER_A, "check")
    with pytest.raises(RefusedAction, match="submitting a package is for"):
        submit_package(store, case_id, PACKAGE, caller=APPROVER)


def test_users_are_added_by_an_admin_the_first_of_them_an_admin(store: Store) -> None:
    with pytest.raises(RefusedAction, match="the first user is an admin, not reviewer"):
        register(store, Person(name="li", role=Role.REVIEWER), by=None)
    root = register(store, Person(name="root", role=Role.ADMIN), by=None)
    admin = identify(store, root.name)
    assert admin == Caller(name="root", role=Role.ADMIN, org=None)
    with pytest.raises(RefusedAction, match="there are users already"):
        register(store, Person(name="eve", role=Role.ADMIN), by=None)
    wang = register(store, Person(name="wang", role=Role.APPLICANT, org=f" {GRID_OP} "), by=admin)
    assert (wang.org, wang.added_by) == (GRID_OP, "root")
    assert identify(store, "wang") == GRID
    with pytest.raises(RefusedAction, match="adding a user is for admin, not applicant"):
        register(store, Person(name="mallory", role=Role.ADMIN), by=GRID)
    with pytest.raises(RefusedAction, match="there is already a user 'wang'"):
        register(store, Person(name="wang", role=Role.REVIEWER), by=admin)
    with pytest.raises(RefusedAction, match="a reviewer acts for the office, not for X"):
        register(store, Person(name="li", role=Role.REVIEWER, org="X"), by=admin)
    with pytest.raises(RefusedAction, match="a vendor acts for an organisation"):
        register(store, Person(name="anna", role=Role.VENDOR), by=admin)
    with pytest.raises(UnknownUser, match="'nobody' is no user"):
        identify(store, "nobody")
    assert not deactivate(store, "wang", by=admin).active
    with pytest.raises(UnknownUser, match="'wang' is a deactivated user"):
        identify(store, "wang")
    with pytest.raises(RefusedAction, match="root cannot deactivate themself"):
        deactivate(store, "root", by=admin)
