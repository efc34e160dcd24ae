"""Portfolio records kept in the store (revision 0009), on both backends.

The oracle is the path every view took before the records were kept: each submission's package
read again from the store (`read_records`), or from the example folder itself, and put
together by `merge_declared`. The kept path must give equal records and equal answers to every
portfolio question; its own reads download nothing (the audit log shows each download).
"""

from __future__ import annotations

from datetime import date
from pathlib import Path

import pytest
from sqlalchemy import func, select, text
from store_kit import Backend

from chainreview.case.access import Caller
from chainreview.case.packages import declared_packages
from chainreview.case.procedure import Opening, Role
from chainreview.case.rounds import submit_package
from chainreview.case.service import Opened, open_case
from chainreview.errors import InvalidPackage
from chainreview.portfolio import blast
from chainreview.portfolio.build import build_graph
from chainreview.portfolio.concentration import measure_concentration
from chainreview.portfolio.declared import from_declaration
from chainreview.portfolio.kept import fingerprint, keep_records, read_records
from chainreview.portfolio.model import Portfolio
from chainreview.portfolio.product import declared_product
from chainreview.portfolio.stored import declared_portfolios, merge_declared, stored_portfolio
from chainreview.portfolio.what_if import vendor_fails
from chainreview.reviewer import load_package
from chainreview.store import files, outcomes
from chainreview.store.db import Store
from chainreview.store.tables import AuditEntry, PortfolioRecords, Submission

EXAMPLES = Path(__file__).parents[2] / "examples"
GRID_OPERATOR = "Qiuyuan Provincial Grid Dispatch Co., Ltd."
TELECOM = "Mingzhou Public Communications Co., Ltd."
REVIEWER = Caller(name="reviewer", role=Role.REVIEWER, org=None)
GRID = Caller(name="grid", role=Role.APPLICANT, org=GRID_OPERATOR)
TELCO = Caller(name="telecom", role=Role.APPLICANT, org=TELECOM)
DAY = date(2026, 11, 2)
DECLARED = (
    ("grid-storage", GRID_OPERATOR, "Veltrani", GRID),
    ("office-video-conferencing", GRID_OPERATOR, "Huiting", GRID),
    ("domestic-database", TELECOM, "Lanxuan", TELCO),
    ("grid-storage", GRID_OPERATOR, "Veltrani", GRID),
)


def _open(store: Store, example: str, applicant: str, vendor: str, caller: Caller) -> str:
    opened = Opened(
        regime="cn-crm-2022",
        title=example,
        applicant=applicant,
        vendor=vendor,
        opening=Opening.DECLARATION,
        on=DAY,
    )
    return open_case(store, opened, caller=caller, home=None).case.id


def _declare_all(store: Store, *, kept: bool) -> dict[str, str]:
    """Each of `DECLARED` as a case with one submission (its records kept or not): case id →
    example."""
    cases = {}
    for example, applicant, vendor, caller in DECLARED:
        case_id = _open(store, example, applicant, vendor, caller)
        keep = keep_records if kept else None
        submit_package(store, case_id, EXAMPLES / example, caller=caller, keep=keep)
        cases[case_id] = example
    return cases


def _downloads(store: Store) -> int:
    with store.transaction("count") as tx:
        found = tx.session.scalar(
            select(func.count()).select_from(AuditEntry).where(AuditEntry.action == "file.download")
        )
    return int(found or 0)


def _records(store: Store) -> dict[tuple[str, int], str]:
    with store.transaction("count") as tx:
        rows = tx.session.execute(
            select(
                PortfolioRecords.case_id, PortfolioRecords.submission, PortfolioRecords.fingerprint
            )
        )
        return {(case, number): kept for case, number, kept in rows}


def _questions(portfolio: Portfolio) -> list[object]:
    """The answer to every question of the portfolio: blast radius of each vendor, country and
    package, concentration, and each vendor failing."""
    graph = build_graph(portfolio)
    packages = sorted(
        {
            c.purl.split("@")[0]
            for p in portfolio.products
            if p.inventory is not None
            for c in p.inventory.components
            if c.purl
        }
    )
    countries = sorted({v.country for v in portfolio.vendors})
    return [
        *(blast.of_vendor(graph, v.name) for v in portfolio.vendors),
        *(blast.of_country(graph, country) for country in countries),
        *(blast.of_component(graph, purl) for purl in packages),
        measure_concentration(portfolio),
        *(vendor_fails(portfolio, v.name) for v in portfolio.vendors),
    ]


def test_records_are_kept_with_the_submission_and_equal_the_packages_read(store: Store) -> None:
    cases = _declare_all(store, kept=True)
    assert set(_records(store)) == {(case, 1) for case in cases}
    assert set(_records(store).values()) == {fingerprint()}
    before = _downloads(store)
    declared = declared_portfolios(store, caller=REVIEWER)
    assert _downloads(store) == before  # nothing read from the packages
    assert [case for case, _ in declared.portfolios] == list(cases)
    for case, portfolio in declared.portfolios:
        read = from_declaration(load_package(EXAMPLES / cases[case]), case=case)
        assert portfolio == read


@pytest.mark.parametrize("operator", [GRID_OPERATOR, TELECOM])
def test_every_question_is_answered_alike_from_the_records_and_from_the_packages(
    store: Store, operator: str
) -> None:
    _declare_all(store, kept=True)
    kept = stored_portfolio(store, caller=REVIEWER, operator=operator)
    read = [
        (s.case_id, read_records(store, s, caller=REVIEWER))
        for s in declared_packages(store, caller=REVIEWER).submissions
    ]
    reread = merge_declared([(c, p) for c, p in read if p.operator == operator], operator=operator)
    assert kept.portfolio == reread
    answers = _questions(kept.portfolio)
    assert len(answers) > 5
    assert answers == _questions(reread)


def test_submissions_stored_before_get_their_records_on_first_read(store: Store) -> None:
    cases = _declare_all(store, kept=False)
    assert _records(store) == {}
    before = _downloads(store)
    first = stored_portfolio(store, caller=REVIEWER, operator=GRID_OPERATOR)
    read = _downloads(store) - before
    assert read > 0  # each package read once, its downloads audited as before
    assert set(_records(store)) == {(case, 1) for case in cases}
    again = stored_portfolio(store, caller=REVIEWER, operator=GRID_OPERATOR)
    assert _downloads(store) - before == read
    assert again == first


def test_records_of_other_code_or_that_do_not_fit_are_derived_again(
    store: Store, backend: Backend
) -> None:
    cases = list(_declare_all(store, kept=True))
    expected = stored_portfolio(store, caller=REVIEWER, operator=GRID_OPERATOR)
    with backend.sql() as sql:
        sql.execute(
            text("UPDATE portfolio_records SET fingerprint = 'older' WHERE case_id = :c"),
            {"c": cases[0]},
        )
        # A quantity as text: valid JSON, not the model.
        document = sql.execute(
            text("SELECT document FROM portfolio_records WHERE case_id = :c"), {"c": cases[1]}
        ).scalar_one()
        changed = bytes(document).replace(b'"quantity":', b'"quantity":"', 1)
        changed = changed.replace(b',"function"', b'","function"', 1)
        assert changed != bytes(document)
        sql.execute(
            text("UPDATE portfolio_records SET document = :d WHERE case_id = :c"),
            {"d": changed, "c": cases[1]},
        )
    before = _downloads(store)
    assert stored_portfolio(store, caller=REVIEWER, operator=GRID_OPERATOR) == expected
    assert _downloads(store) > before
    assert set(_records(store).values()) == {fingerprint()}


def test_a_failed_submission_keeps_no_records(store: Store) -> None:
    case_id = _open(store, "grid-storage", GRID_OPERATOR, "Veltrani", GRID)

    def keep_then_fail(tx, submission, declaration):  # type: ignore[no-untyped-def]
        keep_records(tx, submission, declaration)
        raise RuntimeError("the transaction fails after the records were written")

    with pytest.raises(RuntimeError):
        submit_package(store, case_id, EXAMPLES / "grid-storage", caller=GRID, keep=keep_then_fail)
    with pytest.raises(InvalidPackage):
        submit_package(store, case_id, EXAMPLES / "calendars", caller=GRID, keep=keep_records)
    assert _records(store) == {}
    with store.transaction("count") as tx:
        assert tx.session.scalar(select(func.count()).select_from(Submission)) == 0


def test_the_product_page_reads_the_records(store: Store) -> None:
    cases = _declare_all(store, kept=True)
    case_id = next(iter(cases))
    before = _downloads(store)
    found = declared_product(store, case_id, "P-ARRAY", caller=GRID)
    assert _downloads(store) == before
    read = from_declaration(load_package(EXAMPLES / "grid-storage"), case=case_id)
    assert found.product == next(p for p in read.products if p.id == "P-ARRAY")
    assert found.submission == 1


def test_the_bulk_reads_give_what_the_per_case_reads_give(store: Store) -> None:
    cases = list(_declare_all(store, kept=False))
    submit_package(store, cases[0], EXAMPLES / "grid-storage", caller=GRID)
    with store.transaction("setup") as tx:
        outcomes.record_decision(tx, cases[1], outcome="pass", reason="first")
        outcomes.record_decision(tx, cases[1], outcome="fail", reason="then")
        outcomes.record_decision(tx, cases[2], outcome="pass", reason="once")
    with store.transaction("test") as tx:
        assert files.every_submission(tx) == {c: files.list_submissions(tx, c) for c in cases}
        assert [len(files.list_submissions(tx, c)) for c in cases] == [2, 1, 1, 1]
        assert outcomes.latest_outcomes(tx) == {cases[1]: "fail", cases[2]: "pass"}
