"""Who may call what, on both backends: every role (and no one) × every route, each answer worked
out by hand from the cn-crm-2022 workflow and Art. 17's rules (docs/cases.md), and
a vendor that never sees another vendor's case: 404, the very body of a case that does not
exist."""

from __future__ import annotations

import io
import tempfile
import zipfile
from collections.abc import Callable
from datetime import date
from pathlib import Path
from typing import Final

import httpx2
import pytest
from api_kit import (
    ADMIN,
    APPROVER,
    DAY,
    GRID,
    PEOPLE,
    REVIEWER,
    SUPPLIER_A,
    SUPPLIER_B,
    TELECOM,
    UNIT,
    VENDOR_A,
    VENDOR_B,
    World,
)
from declare_kit import AS_OF, package_files, zipped
from fastapi.testclient import TestClient

from chainreview.case import acceptances, decisions
from chainreview.case.access import Caller
from chainreview.case.outcomes import Party
from chainreview.case.rounds import submit_package
from chainreview.case.service import view_case
from chainreview.intel import bundled

NOBODY: Final = "(no credential)"
DECIDING: Final = ((REVIEWER, "check"), (REVIEWER, "accept"))
"""received → completeness-check → deciding (a timed state: its clock can stop)."""
STOPPED: Final = (*DECIDING, (REVIEWER, "request-materials"))
CONSULTED: Final = (*DECIDING, (REVIEWER, "decide-review"), (REVIEWER, "recommend"))
"""… → initial-review → member-opinions, where member units are consulted."""

EXPECTED: Final[dict[str, dict[str, int]]] = {
    # Everyone signed in lists (what they may see); no one unsigned.
    "list": {"root": 200, "li": 200, "zhao": 200, "wang": 200, "chen": 200, "anna": 200,
             "bo": 200, "unit": 200, NOBODY: 401},
    # Case of wang's operator about anna's vendor, before member units are consulted.
    "show": {"root": 200, "li": 200, "zhao": 200, "wang": 200, "chen": 404, "anna": 200,
             "bo": 404, "unit": 404, NOBODY: 401},
    # The same case once put to member units: the unit sees it now.
    "show-consulted": {"root": 200, "li": 200, "zhao": 200, "wang": 200, "chen": 404,
                       "anna": 200, "bo": 404, "unit": 200, NOBODY: 401},
    # Stopping the clock (Art. 15) is the reviewer's; those who see the case but may not act
    # are refused (403), those who may not see it are told it is not there (404).
    "request-materials": {"root": 403, "li": 200, "zhao": 403, "wang": 403, "chen": 404,
                          "anna": 403, "bo": 404, "unit": 404, NOBODY: 401},
    # Restarting it: applicant, vendor or reviewer.
    "supply-materials": {"root": 403, "li": 200, "zhao": 403, "wang": 200, "chen": 404,
                         "anna": 200, "bo": 404, "unit": 404, NOBODY: 401},
    # decide-review from deciding: reviewer or approver (Art. 9).
    "advance": {"root": 403, "li": 200, "zhao": 200, "wang": 403, "chen": 404, "anna": 403,
                "bo": 404, "unit": 404, NOBODY: 401},
    "intel": {"root": 200, "li": 200, "zhao": 200, "wang": 200, "chen": 200, "anna": 200,
              "bo": 200, "unit": 200, NOBODY: 401},
    # The audit log is the office's to check.
    "audit": {"root": 200, "li": 200, "zhao": 200, "wang": 403, "chen": 403, "anna": 403,
              "bo": 403, "unit": 403, NOBODY: 401},
    # The OSV service (public advisories, intel:read): everyone signed in; no one unsigned
    # unless the settings open it (test_api_osv.py).
    "osv-query": {"root": 200, "li": 200, "zhao": 200, "wang": 200, "chen": 200, "anna": 200,
                  "bo": 200, "unit": 200, NOBODY: 401},
    "osv-querybatch": {"root": 200, "li": 200, "zhao": 200, "wang": 200, "chen": 200,
                       "anna": 200, "bo": 200, "unit": 200, NOBODY: 401},
    "osv-vuln": {"root": 200, "li": 200, "zhao": 200, "wang": 200, "chen": 200, "anna": 200,
                 "bo": 200, "unit": 200, NOBODY: 401},
    # A declaration uploaded (grid-storage, declared by wang's operator about anna's vendor):
    # opened on a declaration by an applicant for its own organisation or by a reviewer.
    "declare": {"root": 403, "li": 201, "zhao": 403, "wang": 201, "chen": 403, "anna": 403,
                "bo": 403, "unit": 403, NOBODY: 401},
    # The same package sent file by file.
    "declare-files": {"root": 403, "li": 201, "zhao": 403, "wang": 201, "chen": 403,
                      "anna": 403, "bo": 403, "unit": 403, NOBODY: 401},
    # The findings of the round li recorded on the upload: the office and the operator see it;
    # the vendor sees the case but not the office's submission, so no round (404).
    "findings": {"root": 200, "li": 200, "zhao": 200, "wang": 200, "chen": 404, "anna": 404,
                 "bo": 404, "unit": 404, NOBODY: 401},
    # A triage of that round's finding: a reviewer's; refused (403) to those who see the case.
    "triage": {"root": 403, "li": 201, "zhao": 403, "wang": 403, "chen": 404, "anna": 403,
               "bo": 404, "unit": 404, NOBODY: 401},
    # That round's report: the office's (a review made again); refused (403) to the parties
    # who see the case, not there (404) for those who do not.
    "report": {"root": 200, "li": 200, "zhao": 200, "wang": 403, "chen": 404, "anna": 403,
               "bo": 404, "unit": 404, NOBODY: 401},
    # A product's VEX document of that round: the office's, as the report.
    "vex": {"root": 200, "li": 200, "zhao": 200, "wang": 403, "chen": 404, "anna": 403,
            "bo": 404, "unit": 404, NOBODY: 401},
    # The portfolio of the declarations one sees (that reviewer's upload, operator
    # "State Grid Demo Co."): the office and wang see it; anna sees the case but not the
    # office's submission, and chen, bo and the unit see no case: no declaration, 422.
    "portfolio": {"root": 200, "li": 200, "zhao": 200, "wang": 200, "chen": 422, "anna": 422,
                  "bo": 422, "unit": 422, NOBODY: 401},
    # A product of that upload (P-ARRAY): those who see the office's submission; the vendor
    # sees the case but only its own submissions, so for it the product is not there (404),
    # as for everyone who does not see the case.
    "product": {"root": 200, "li": 200, "zhao": 200, "wang": 200, "chen": 404, "anna": 404,
                "bo": 404, "unit": 404, NOBODY: 401},
    # The product list: everyone signed in (what they may see, perhaps nothing).
    "products": {"root": 200, "li": 200, "zhao": 200, "wang": 200, "chen": 200, "anna": 200,
                 "bo": 200, "unit": 200, NOBODY: 401},
    # A case's outcome: whoever sees the case (the unit only once it is consulted).
    "outcomes": {"root": 200, "li": 200, "zhao": 200, "wang": 200, "chen": 404, "anna": 200,
                 "bo": 404, "unit": 404, NOBODY: 401},
    # The next submission: the parties and the office's reviewer (the role is checked first,
    # so another operator or vendor is refused by role only after it, not there: 404).
    "submit": {"root": 403, "li": 201, "zhao": 403, "wang": 201, "chen": 404, "anna": 201,
               "bo": 404, "unit": 403, NOBODY: 401},
    # A review round: a reviewer's (the role checked before the case).
    "review-round": {"root": 403, "li": 201, "zhao": 403, "wang": 403, "chen": 403,
                     "anna": 403, "bo": 403, "unit": 403, NOBODY: 401},
    # An opinion on the consulted case: a member unit's (the role checked first).
    "opinion": {"root": 403, "li": 403, "zhao": 403, "wang": 403, "chen": 403, "anna": 403,
                "bo": 403, "unit": 201, NOBODY: 401},
    # The decision concluding the consulted case: the approver's (conclude, Art. 12(2)); the
    # case is read first, so who does not see it is told it is not there.
    "decision": {"root": 403, "li": 403, "zhao": 201, "wang": 403, "chen": 404, "anna": 403,
                 "bo": 404, "unit": 403, NOBODY: 401},
    # The applicant's condition of that decision met: a reviewer's (the role checked first).
    "condition-met": {"root": 403, "li": 200, "zhao": 403, "wang": 403, "chen": 403,
                      "anna": 403, "bo": 403, "unit": 403, NOBODY: 401},
    # Its waiver proposed: a reviewer or an approver (the role checked first).
    "propose-risk": {"root": 403, "li": 201, "zhao": 201, "wang": 403, "chen": 403,
                     "anna": 403, "bo": 403, "unit": 403, NOBODY: 401},
    # The reviewer's proposal approved: an approver. The case's acceptances are read first and
    # are the office's to see: for the parties and the unit, who see the case but none of its
    # acceptances, it is not there, as for those who do not see the case.
    "approve-risk": {"root": 403, "li": 403, "zhao": 200, "wang": 404, "chen": 404,
                     "anna": 404, "bo": 404, "unit": 404, NOBODY: 401},
}  # fmt: skip

Call = Callable[[TestClient, dict[str, str]], httpx2.Response]


def _version(world: World, case_id: str) -> int:
    return view_case(world.store, case_id, caller=REVIEWER, today=DAY, home=None).case.version


def _route(world: World, route: str) -> Call:
    """The call of `route` on a case made afresh for it (a successful action changes it)."""
    day = DAY.isoformat()
    if route == "list":
        world.open(GRID, VENDOR_A)
        return lambda c, h: c.get("/v1/cases", params={"today": day}, headers=h)
    if route in ("show", "show-consulted"):
        case_id = world.open(GRID, VENDOR_A, *(CONSULTED if route == "show-consulted" else ()))
        return lambda c, h: c.get(f"/v1/cases/{case_id}", params={"today": day}, headers=h)
    if route == "intel":
        return lambda c, h: c.get("/v1/intel/status", headers=h)
    if route == "audit":
        return lambda c, h: c.get("/v1/audit/verify", headers=h)
    if route.startswith("osv-"):
        bundled.ensure_snapshot(world.backend.home)
        asked = {"package": {"purl": "pkg:pypi/flask@0.12.2"}}
        if route == "osv-query":
            return lambda c, h: c.post("/v1/query", json=asked, headers=h)
        if route == "osv-querybatch":
            return lambda c, h: c.post("/v1/querybatch", json={"queries": [asked]}, headers=h)
        return lambda c, h: c.get("/v1/vulns/PYSEC-2018-66", headers=h)
    archive = zipped(package_files())
    if route == "declare":
        return lambda c, h: c.post(
            "/v1/declarations",
            files={"package": ("grid.zip", archive, "application/zip")},
            data={"as_of": AS_OF},
            headers=h,
        )
    if route == "declare-files":
        parts = [("files", (n, d, "application/octet-stream")) for n, d in package_files().items()]
        return lambda c, h: c.post(
            "/v1/declarations/files", files=parts, data={"as_of": AS_OF}, headers=h
        )
    if route == "products":
        return lambda c, h: c.get("/v1/products", headers=h)
    if route in ("findings", "triage", "report", "vex", "portfolio", "product"):
        with world.client() as client:
            made = client.post(
                "/v1/declarations",
                files={"package": ("grid.zip", archive, "application/zip")},
                data={"as_of": AS_OF},
                headers=world.auth(REVIEWER),
            )
        found = f"/v1/cases/{made.json()['case']['id']}/findings"
        if route == "report":
            report = found.replace("/findings", "/rounds/1/report")
            return lambda c, h: c.get(report, params={"format": "json"}, headers=h)
        if route == "vex":
            vex = found.replace("/findings", "/rounds/1/vex")
            return lambda c, h: c.get(vex, params={"product": "P-ARRAY"}, headers=h)
        if route == "portfolio":
            return lambda c, h: c.get("/v1/portfolio/concentration", headers=h)
        if route == "product":
            product = f"/v1/products/{made.json()['case']['id']}/P-ARRAY"
            return lambda c, h: c.get(product, headers=h)
        if route == "findings":
            return lambda c, h: c.get(found, headers=h)
        given = {
            "vulnerability": "CVE-2024-1086",
            "component": "linux-kernel",
            "status": "fixed",
            "note": "Patched kernel in firmware 7.4.3.",
            "as_of": AS_OF,
        }
        return lambda c, h: c.post(f"{found}/triage", json=given, headers=h)
    if route in CASEWORK:
        return _casework(world, route, archive)
    steps = STOPPED if route == "supply-materials" else DECIDING
    case_id = world.open(GRID, VENDOR_A, *steps)
    body: dict[str, object] = {"expected_version": _version(world, case_id), "on": day}
    path = route
    if route == "advance":
        body["action"] = "decide-review"
    return lambda c, h: c.post(f"/v1/cases/{case_id}/{path}", json=body, headers=h)


CASEWORK: Final = (
    "outcomes",
    "submit",
    "review-round",
    "opinion",
    "decision",
    "condition-met",
    "propose-risk",
    "approve-risk",
)


def _casework(world: World, route: str, archive: bytes) -> Call:
    """The calls of `api.routes_casework`, each on a case of wang's operator about anna's
    vendor made afresh for it."""
    day = DAY.isoformat()
    case_id = world.open(GRID, VENDOR_A, *(() if route in ("outcomes", "submit") else CONSULTED))
    base = f"/v1/cases/{case_id}"
    if route == "outcomes":
        return lambda c, h: c.get(f"{base}/outcomes", params={"today": day}, headers=h)
    if route == "submit":
        package = {"package": ("grid.zip", archive, "application/zip")}
        return lambda c, h: c.post(f"{base}/submissions", files=package, headers=h)
    if route == "review-round":
        submit_package(world.store, case_id, _unzipped(archive, world), caller=GRID)
        return lambda c, h: c.post(f"{base}/rounds", json={"as_of": AS_OF}, headers=h)
    if route == "opinion":
        given = {"stance": "concur", "text": "Agreed."}
        return lambda c, h: c.post(f"{base}/opinions", json=given, headers=h)
    if route == "decision":
        decision = {
            "outcome": "pass",
            "reason": "No finding stands in the way.",
            "on": day,
            "expected_version": _version(world, case_id),
        }
        return lambda c, h: c.post(f"{base}/decision", json=decision, headers=h)
    ruling = decisions.decide(
        world.store,
        case_id,
        decisions.Decided(
            outcome=decisions.Outcome.PASS_WITH_CONDITIONS,
            reason="Conditions set.",
            on=DAY,
            conditions=(decisions.Required(text="Patch it.", party=Party.APPLICANT, due=None),),
            from_round=False,
        ),
        caller=APPROVER,
    )
    condition = ruling.conditions[0].id
    if route == "condition-met":
        met = {"note": "Patched (site report).", "on": day}
        return lambda c, h: c.post(f"{base}/conditions/{condition}/met", json=met, headers=h)
    waiver = {
        "kind": "condition",
        "condition": condition,
        "owner": "CISO",
        "reason": "Accepted until the next release.",
        "expires": "2027-06-30",
        "on": day,
    }
    if route == "propose-risk":
        return lambda c, h: c.post(f"{base}/acceptances", json=waiver, headers=h)
    proposal = acceptances.Proposal(
        kind=acceptances.Kind.CONDITION,
        owner="CISO",
        reason="Accepted until the next release.",
        expires=date(2027, 6, 30),
        on=DAY,
        condition=condition,
    )
    made = acceptances.propose(world.store, case_id, proposal, caller=REVIEWER).id
    approval = f"{base}/acceptances/{made}/approve"
    return lambda c, h: c.post(approval, json={"on": day}, headers=h)


def _unzipped(archive: bytes, world: World) -> Path:
    folder = Path(tempfile.mkdtemp(dir=world.backend.home))
    with zipfile.ZipFile(io.BytesIO(archive)) as opened:
        opened.extractall(folder)
    return folder


@pytest.mark.parametrize("route", sorted(EXPECTED))
def test_every_role_on_every_route_gets_the_answer_worked_out_by_hand(
    world: World, route: str
) -> None:
    assert {p.name for p in PEOPLE} | {NOBODY} == set(EXPECTED[route])
    found: dict[str, int] = {}
    with world.client() as client:
        for who in [*PEOPLE, None]:
            call = _route(world, route)
            headers = {} if who is None else world.auth(who)
            found[NOBODY if who is None else who.name] = call(client, headers).status_code
    assert found == EXPECTED[route]


def test_a_vendor_never_lists_or_fetches_another_vendors_case(world: World) -> None:
    case_a = world.open(GRID, VENDOR_A)
    case_b = world.open(TELECOM, VENDOR_B, *DECIDING)
    missing = "CR-2025-9999"

    def listed(who: Caller) -> list[str]:
        with world.client() as client:
            answer = client.get(
                "/v1/cases", params={"today": "2026-11-02"}, headers=world.auth(who)
            )
        assert answer.status_code == 200
        return [c["id"] for c in answer.json()["cases"]]

    assert listed(SUPPLIER_A) == [case_a]
    assert listed(SUPPLIER_B) == [case_b]
    assert listed(GRID) == [case_a]
    assert listed(REVIEWER) == [case_a, case_b]
    assert listed(UNIT) == []
    with world.client() as client:
        hidden = client.get(f"/v1/cases/{case_b}", headers=world.auth(SUPPLIER_A))
        absent = client.get(f"/v1/cases/{missing}", headers=world.auth(SUPPLIER_A))
        acted = client.post(
            f"/v1/cases/{case_b}/supply-materials",
            json={"expected_version": 1, "on": DAY.isoformat()},
            headers=world.auth(SUPPLIER_A),
        )
        seen = client.get(f"/v1/cases/{case_b}", headers=world.auth(SUPPLIER_B))
    assert hidden.status_code == absent.status_code == acted.status_code == 404
    assert hidden.json() == {"error": "not-found", "message": f"no case {case_b}"}
    assert absent.json() == {"error": "not-found", "message": f"no case {missing}"}
    assert acted.json() == hidden.json()
    # the same bytes but for the id: nothing tells a hidden case from a missing one
    assert hidden.content.replace(case_b.encode(), b"ID") == absent.content.replace(
        missing.encode(), b"ID"
    )
    assert hidden.headers["content-type"] == absent.headers["content-type"]
    assert seen.status_code == 200
    assert seen.json()["vendor"] == VENDOR_B
    assert ADMIN.name in world.tokens and APPROVER.name in world.tokens
