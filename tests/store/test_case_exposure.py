"""The notice list after a failed review: every case of a vendor, with the operator, the
products of its latest declaration and the CII systems they serve (values read by hand from
examples/grid-storage/declaration.yaml)."""

from __future__ import annotations

from datetime import date
from pathlib import Path

from chainreview.case.access import Caller
from chainreview.case.exposure import CiiSystem, DeclaredProduct, vendor_exposure
from chainreview.case.procedure import Opening, Role
from chainreview.case.rounds import submit_package
from chainreview.case.service import Opened, open_case
from chainreview.store.audit import entries
from chainreview.store.db import Store

EXAMPLES = Path(__file__).parents[2] / "examples"


def _operator(org: str) -> Caller:
    return Caller(name=f"{org} user", role=Role.APPLICANT, org=org)


def _opened(vendor: str, applicant: str) -> Opened:
    return Opened(
        regime="cn-crm-2022",
        title="a purchase",
        applicant=applicant,
        vendor=vendor,
        opening=Opening.DECLARATION,
        on=date(2026, 11, 20),
    )


def test_every_case_of_the_vendor_with_its_deployments(store: Store) -> None:
    grid = open_case(
        store, _opened("Veltrani Storage AG", "Grid op"), caller=_operator("Grid op"), home=None
    )
    submit_package(store, grid.case.id, EXAMPLES / "grid-storage", caller=_operator("Grid op"))
    other = open_case(
        store, _opened("Lanxuan Data", "Telecom op"), caller=_operator("Telecom op"), home=None
    )
    submit_package(
        store, other.case.id, EXAMPLES / "domestic-database", caller=_operator("Telecom op")
    )
    waiting = open_case(
        store, _opened(" veltrani storage ag", "Bank op"), caller=_operator("Bank op"), home=None
    )

    found = vendor_exposure(
        store, "VELTRANI STORAGE AG", caller=Caller(name="office", role=Role.REVIEWER, org=None)
    )

    assert [(e.case_id, e.operator, e.submission) for e in found] == [
        (grid.case.id, "Qiuyuan Provincial Grid Dispatch Co., Ltd.", 1),
        (waiting.case.id, "Bank op", None),  # no declaration yet: the case's applicant
    ]
    dispatch, replica = found[0].systems
    assert dispatch == CiiSystem(
        id="SYS-DISPATCH", name="Provincial dispatch automation (SCADA/EMS)", criticality="critical"
    )
    assert (replica.id, replica.name) == ("SYS-DR", "Backup dispatch centre")
    assert found[0].products == (
        DeclaredProduct(
            id="P-ARRAY",
            name="VS-8400 NVMe all-flash array",
            version="7.4.2",
            quantity=8,
            systems=("SYS-DISPATCH", "SYS-DR"),
        ),
        DeclaredProduct(
            id="P-AGENT",
            name="Veltrani Fleet Agent",
            version="3.4.1",
            quantity=4,
            systems=("SYS-DISPATCH", "SYS-DR"),
        ),
    )
    assert found[1].products == () and found[1].systems == ()
    # reading a submitted declaration for the list is a download: audited, by the office
    with store.transaction("test") as tx:
        reads = [e for e in entries(tx) if e.action == "file.download"]
    assert [(e.case_id, e.actor) for e in reads] == [(grid.case.id, "office")]


def test_a_vendors_own_package_is_not_read_as_the_operators_declaration(store: Store) -> None:
    # The operator declared grid-storage; the vendor then submitted a package naming another
    # operator: the list still names the operator's declaration (submission 1).
    grid = open_case(
        store, _opened("Veltrani Storage AG", "Grid op"), caller=_operator("Grid op"), home=None
    )
    submit_package(store, grid.case.id, EXAMPLES / "grid-storage", caller=_operator("Grid op"))
    vendor = Caller(name="anna", role=Role.VENDOR, org="Veltrani Storage AG")
    submit_package(store, grid.case.id, EXAMPLES / "domestic-database", caller=vendor)
    office = Caller(name="office", role=Role.REVIEWER, org=None)
    (found,) = vendor_exposure(store, "Veltrani Storage AG", caller=office)
    assert (found.operator, found.submission) == ("Qiuyuan Provincial Grid Dispatch Co., Ltd.", 1)
    assert [p.id for p in found.products] == ["P-ARRAY", "P-AGENT"]
