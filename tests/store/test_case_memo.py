"""What a store keeps in its memo is never shown once the database has moved on: the case page,
its findings, the case list and a token are read through one store (its memo warm) after
another store on the same database (standing in for a second worker, or the CLI) changed them;
on both backends. The expected answers are written out by hand."""

from __future__ import annotations

import json
import threading
import time
from collections.abc import Iterator
from concurrent.futures import ThreadPoolExecutor
from dataclasses import replace
from datetime import UTC, date, datetime

import pytest
from store_kit import Backend

from chainreview.case.access import Caller
from chainreview.case.credentials import BadCredentials, Scope, bearer, issue_token, revoke_token
from chainreview.case.procedure import Opening, Role
from chainreview.case.service import (
    Opened,
    Step,
    case_listing,
    case_today,
    open_case,
    take_action,
    view_case,
    view_case_now,
)
from chainreview.case.triage import current_findings
from chainreview.case.users import Person, register
from chainreview.errors import NotFound
from chainreview.store import files, outcomes, rounds
from chainreview.store.db import Store
from chainreview.store.memo import Memo
from chainreview.store.records import NewCondition

OPENED = Opened(
    regime="cn-crm-2022",
    title="Substation gateway",
    applicant="State Grid Demo Co.",
    vendor="Example Energy Systems Ltd.",
    opening=Opening.DECLARATION,
    on=date(2026, 3, 2),
)
OFFICE = Caller(name="office", role=Role.REVIEWER, org=None)
OPERATOR = Caller(name="operator", role=Role.APPLICANT, org=OPENED.applicant)
SUPPLIER = Caller(name="supplier", role=Role.VENDOR, org=OPENED.vendor)
TODAY = date(2026, 4, 1)
SNAPSHOT = "a" * 64


@pytest.fixture
def two(backend: Backend) -> Iterator[tuple[Store, Store]]:
    """Two stores on one database: `first` reads (its memo warm), `second` changes."""
    with backend.open() as first, backend.open() as second:
        yield first, second


def _page(store: Store, case_id: str, caller: Caller = OFFICE) -> tuple[str, int, list[str], int]:
    view = view_case(store, case_id, caller=caller, today=TODAY, home=None)
    actions = [a.action for a in view.history or ()]
    return view.case.state, view.case.version, actions, view.overdue_conditions


def test_the_case_page_follows_an_action_taken_through_another_store(
    two: tuple[Store, Store],
) -> None:
    first, second = two
    case_id = open_case(first, OPENED, caller=OPERATOR, home=None).case.id
    opened = ("received", 2, ["declaration"], 0)  # inserted at 1, its opening recorded: 2
    assert _page(first, case_id) == opened
    assert _page(first, case_id) == opened  # again, from the memo
    assert len(first.memo) > 0
    take_action(
        second,
        case_id,
        Step(action="check", on=date(2026, 3, 3)),
        caller=OFFICE,
        expected_version=None,
        home=None,
    )
    assert _page(first, case_id) == ("completeness-check", 3, ["declaration", "check"], 0)
    # A condition overdue on TODAY moves no version: it is read each time all the same.
    with second.transaction("office") as tx:
        outcomes.add_condition(
            tx, case_id, NewCondition(text="Sign the SBOM", party="vendor", due=date(2026, 3, 20))
        )
    assert _page(first, case_id) == ("completeness-check", 3, ["declaration", "check"], 1)
    assert _page(first, case_id, OPERATOR)[3] == 0  # binds the vendor, not the operator
    # The day a view is seen from follows the case's regime (Asia/Shanghai: already 2 April).
    late = datetime(2026, 4, 1, 20, 0, tzinfo=UTC)
    assert case_today(first, case_id, caller=OFFICE, now=late) == date(2026, 4, 2)
    now_view = view_case_now(first, case_id, caller=OFFICE, now=late, home=None)
    assert (now_view.today, now_view.case.version) == (date(2026, 4, 2), 3)


def test_access_is_checked_on_every_read_from_the_memo(two: tuple[Store, Store]) -> None:
    first, _ = two
    case_id = open_case(first, OPENED, caller=OPERATOR, home=None).case.id
    assert _page(first, case_id)[0] == "received"  # the office warms the memo
    stranger = Caller(name="other", role=Role.APPLICANT, org="Another Operator")
    unit = Caller(name="unit", role=Role.MEMBER_UNIT, org="Ministry of Industry")
    for caller in (stranger, unit):
        with pytest.raises(NotFound, match=f"no case {case_id}"):
            view_case(first, case_id, caller=caller, today=TODAY, home=None)
        with pytest.raises(NotFound, match=f"no case {case_id}"):
            case_today(first, case_id, caller=caller, now=datetime(2026, 4, 1, tzinfo=UTC))
    with pytest.raises(NotFound, match="no case CR-2026-0099"):
        view_case(first, "CR-2026-0099", caller=OFFICE, today=TODAY, home=None)


def _listed(store: Store, caller: Caller = OFFICE) -> list[tuple[str, str, int]]:
    found = case_listing(store, caller=caller, today=TODAY, home=None)
    return [(v.case.id, v.case.state, v.overdue_conditions) for v in found.views]


def test_the_case_list_follows_changes_made_through_another_store(
    two: tuple[Store, Store],
) -> None:
    first, second = two
    case_id = open_case(first, OPENED, caller=OPERATOR, home=None).case.id
    assert _listed(first) == [(case_id, "received", 0)]
    before = case_listing(first, caller=OFFICE, today=TODAY, home=None)
    assert case_listing(first, caller=OFFICE, today=TODAY, home=None) is before  # memo
    take_action(
        second,
        case_id,
        Step(action="check", on=date(2026, 3, 3)),
        caller=OFFICE,
        expected_version=None,
        home=None,
    )
    assert _listed(first) == [(case_id, "completeness-check", 0)]
    other = replace(OPENED, applicant="Another Operator", title="Router")
    stranger = Caller(name="other", role=Role.APPLICANT, org="Another Operator")
    second_id = open_case(second, other, caller=stranger, home=None).case.id
    assert _listed(first) == [(case_id, "completeness-check", 0), (second_id, "received", 0)]
    assert _listed(first, OPERATOR) == [(case_id, "completeness-check", 0)]  # by caller, not shared
    assert _listed(first, stranger) == [(second_id, "received", 0)]
    with second.transaction("office") as tx:
        outcomes.add_condition(
            tx, case_id, NewCondition(text="Sign the SBOM", party="vendor", due=date(2026, 3, 20))
        )
    assert _listed(first) == [(case_id, "completeness-check", 1), (second_id, "received", 0)]
    assert _listed(first, OPERATOR) == [(case_id, "completeness-check", 0)]
    # Another day is another list.
    earlier = case_listing(first, caller=OFFICE, today=date(2026, 3, 20), home=None)
    assert [v.overdue_conditions for v in earlier.views] == [0, 0]


def _result(findings: list[dict[str, object]]) -> bytes:
    """The parts of a result.json the findings are read from."""
    determination = {
        "as_of": "2026-03-10",
        "outcome": "conditional",
        "final": True,
        "provisional": False,
        "assessments": [{"factor_id": "F1", "level": "moderate"}],
    }
    products = [{"product": "gateway", "findings": findings}]
    return json.dumps({"determination": determination, "products": products}).encode()


FINDING = {
    "id": "CVE-2024-0001",
    "aliases": ["CVE-2024-0001", "GHSA-xxxx-yyyy-zzzz"],
    "component": "pkg:pypi/example@1.0",
    "name": "example",
    "version": "1.0",
    "severity": {"level": "high", "score": 7.5},
    "status": "affected",
}


def test_findings_follow_a_round_recorded_through_another_store(
    two: tuple[Store, Store],
) -> None:
    first, second = two
    case_id = open_case(first, OPENED, caller=OPERATOR, home=None).case.id
    with pytest.raises(NotFound, match="no review round yet"):
        current_findings(first, case_id, caller=OFFICE)
    with second.transaction("office") as tx:
        files.submit(tx, case_id, {"declaration.yaml": b"x: 1\n"}, party="vendor")
        rounds.add_round(tx, case_id, submission=1, snapshot_hash=SNAPSHOT, result_json=_result([]))
    seen = current_findings(first, case_id, caller=OFFICE)
    assert (seen.round, seen.findings) == (1, ())
    assert current_findings(first, case_id, caller=OFFICE) is seen  # memo
    with pytest.raises(NotFound, match="no review round yet"):  # the vendor's submission
        current_findings(first, case_id, caller=OPERATOR)
    with second.transaction("office") as tx:
        rounds.add_round(
            tx, case_id, submission=1, snapshot_hash=SNAPSHOT, result_json=_result([FINDING])
        )
    again = current_findings(first, case_id, caller=SUPPLIER)
    assert again.round == 2
    assert [(f.id, f.aliases, f.severity, f.active) for f in again.findings] == [
        ("CVE-2024-0001", ("GHSA-xxxx-yyyy-zzzz",), "high", True)
    ]


def test_a_token_revoked_through_another_store_is_refused_at_once(
    two: tuple[Store, Store],
) -> None:
    first, second = two
    admin = Caller(name="admin", role=Role.ADMIN, org=None)
    register(first, Person(name="admin", role=Role.ADMIN), by=None)
    register(first, Person(name="office", role=Role.REVIEWER), by=admin)
    issued = issue_token(first, "office", frozenset({Scope.CASES_READ}), "ci", by=admin)
    assert bearer(first, issued.token).caller == OFFICE
    revoke_token(second, issued.record.id, by=admin)
    with pytest.raises(BadCredentials, match="unknown or revoked API token"):
        bearer(first, issued.token)


def test_the_memo_keeps_the_most_recently_used_entries() -> None:
    memo = Memo(2)
    made: list[str] = []

    def make(key: str) -> str:
        made.append(key)
        return key.upper()

    assert memo.get("a", str, lambda: make("a")) == "A"
    assert memo.get("b", str, lambda: make("b")) == "B"
    assert memo.get("a", str, lambda: make("a")) == "A"  # kept; now the most recent
    assert memo.get("c", str, lambda: make("c")) == "C"  # drops b, the least recent
    assert memo.get("a", str, lambda: make("a")) == "A"
    assert memo.get("b", str, lambda: make("b")) == "B"
    assert made == ["a", "b", "c", "b"]
    assert len(memo) == 2
    with pytest.raises(TypeError, match="memo entry 'a' is a str, not int"):
        memo.get("a", int, lambda: 0)
    with pytest.raises(ValueError, match="at least one entry"):
        Memo(0)


def test_a_value_asked_for_at_once_by_many_threads_is_made_once() -> None:
    memo = Memo(4)
    made: list[int] = []
    start = threading.Barrier(8)

    def make() -> str:
        made.append(1)
        time.sleep(0.2)  # long enough for every other thread to ask meanwhile
        return "listing"

    def ask() -> str:
        start.wait()
        return memo.get("list", str, make)

    with ThreadPoolExecutor(8) as pool:
        answers = list(pool.map(lambda _: ask(), range(8)))
    assert answers == ["listing"] * 8
    assert made == [1]
