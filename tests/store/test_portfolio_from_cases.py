"""The declarations in the case store as one operator's portfolio, on both backends.

Expected systems, products, vendors and blast radii are read off the example packages by hand
(grid-storage and office-video-conferencing are declared by the same operator, domestic-database
by another): they are written out here, not computed by the code under test.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
from datetime import date
from pathlib import Path

import pytest
from store_kit import Backend

from chainreview.case.access import Caller
from chainreview.case.procedure import Opening, Role
from chainreview.case.rounds import submit_package
from chainreview.case.service import Opened, Step, open_case, take_action
from chainreview.case.users import Person, register
from chainreview.errors import InputError
from chainreview.portfolio import blast
from chainreview.portfolio.build import build_graph
from chainreview.portfolio.stored import stored_portfolio
from chainreview.store import outcomes
from chainreview.store.db import Store

EXAMPLES = Path(__file__).parents[2] / "examples"
GRID_OPERATOR = "Qiuyuan Provincial Grid Dispatch Co., Ltd."
TELECOM = "Mingzhou Public Communications Co., Ltd."
REVIEWER = Caller(name="reviewer", role=Role.REVIEWER, org=None)
GRID = Caller(name="grid", role=Role.APPLICANT, org=GRID_OPERATOR)
DAY = date(2026, 11, 2)


def _declare(store: Store, example: str, applicant: str, vendor: str, caller: Caller) -> str:
    opened = Opened(
        regime="cn-crm-2022",
        title=example,
        applicant=applicant,
        vendor=vendor,
        opening=Opening.DECLARATION,
        on=DAY,
    )
    case_id = open_case(store, opened, caller=caller, home=None).case.id
    submit_package(store, case_id, EXAMPLES / example, caller=caller)
    return case_id


@pytest.fixture
def declared(store: Store) -> dict[str, str]:
    telecom = Caller(name="telecom", role=Role.APPLICANT, org=TELECOM)
    return {
        "storage": _declare(store, "grid-storage", GRID_OPERATOR, "Veltrani", GRID),
        "video": _declare(store, "office-video-conferencing", GRID_OPERATOR, "Huiting", GRID),
        "database": _declare(store, "domestic-database", TELECOM, "Lanxuan", telecom),
    }


def test_one_operators_declarations_make_one_portfolio(
    store: Store, declared: dict[str, str]
) -> None:
    found = stored_portfolio(store, caller=REVIEWER, operator=GRID_OPERATOR.upper())
    portfolio = found.portfolio
    storage, video = declared["storage"], declared["video"]
    assert found.cases == (storage, video)
    assert found.left_out == ()
    assert portfolio.operator == GRID_OPERATOR
    assert sorted(s.id for s in portfolio.systems) == ["SYS-DISPATCH", "SYS-DR", "SYS-OFFICE"]
    assert sorted(v.id for v in portfolio.vendors) == ["huiting", "veltrani"]
    assert {(p.id, p.vendor, p.case) for p in portfolio.products} == {
        (f"{storage}/P-ARRAY", "veltrani", storage),
        (f"{storage}/P-AGENT", "veltrani", storage),
        (f"{video}/P-VC", "huiting", video),
    }
    # veltrani names P-ARRAY at its Malaysian site: the product keeps that under its new id.
    veltrani = next(v for v in portfolio.vendors if v.id == "veltrani")
    assert any(site.products == (f"{storage}/P-ARRAY",) for site in veltrani.sites)
    graph = build_graph(portfolio)
    assert [s.id for s in blast.of_vendor(graph, "huiting").systems] == ["SYS-OFFICE"]
    # Both dispatch systems are critical; ranked by name: "Backup …" before "Provincial …".
    assert [s.id for s in blast.of_country(graph, "US").systems] == ["SYS-DR", "SYS-DISPATCH"]


def test_several_operators_must_be_told_apart(store: Store, declared: dict[str, str]) -> None:
    with pytest.raises(InputError, match="2 operators"):
        stored_portfolio(store, caller=REVIEWER)
    telecom = stored_portfolio(store, caller=REVIEWER, operator=TELECOM)
    assert [p.id for p in telecom.portfolio.products] == [f"{declared['database']}/P-LXDB"]
    with pytest.raises(InputError, match="no declaration of operator 'Nobody'"):
        stored_portfolio(store, caller=REVIEWER, operator="Nobody")


def test_an_operator_sees_only_its_own_declarations(store: Store, declared: dict[str, str]) -> None:
    found = stored_portfolio(store, caller=GRID)
    assert found.cases == (declared["storage"], declared["video"])


def test_withdrawn_and_refused_purchases_are_left_out_with_the_reason(
    store: Store, declared: dict[str, str]
) -> None:
    step = Step(action="withdraw", on=DAY)
    take_action(store, declared["video"], step, caller=GRID, expected_version=None, home=None)
    with store.transaction("setup") as tx:
        outcomes.record_decision(tx, declared["storage"], outcome="fail", reason="test")
    with pytest.raises(InputError, match="no declaration of operator"):
        stored_portfolio(store, caller=REVIEWER, operator=GRID_OPERATOR)
    found = stored_portfolio(store, caller=REVIEWER, operator=TELECOM)
    assert {(left.case_id, left.reason) for left in found.left_out} == {
        (declared["video"], "the declaration was withdrawn"),
        (declared["storage"], "its decision refuses the purchase (fail)"),
    }


def test_a_case_without_a_package_is_left_out(store: Store) -> None:
    opened = Opened(
        regime="cn-crm-2022",
        title="nothing yet",
        applicant=GRID_OPERATOR,
        vendor="Veltrani",
        opening=Opening.DECLARATION,
        on=DAY,
    )
    bare = open_case(store, opened, caller=GRID, home=None).case.id
    storage = _declare(store, "grid-storage", GRID_OPERATOR, "Veltrani", GRID)
    again = _declare(store, "grid-storage", GRID_OPERATOR, "Veltrani", GRID)
    found = stored_portfolio(store, caller=REVIEWER)
    assert [(left.case_id, left.reason) for left in found.left_out] == [
        (bare, "no submitted package")
    ]
    # The same vendor declared twice is one vendor with both declarations' products.
    assert [v.id for v in found.portfolio.vendors] == ["veltrani"]
    assert sorted(p.id for p in found.portfolio.products) == sorted(
        [f"{storage}/P-AGENT", f"{storage}/P-ARRAY", f"{again}/P-AGENT", f"{again}/P-ARRAY"]
    )


def test_the_cli_reads_the_case_database(
    store: Store, backend: Backend, declared: dict[str, str]
) -> None:
    admin = Caller(name="root", role=Role.ADMIN, org=None)
    register(store, Person(name="root", role=Role.ADMIN), by=None)
    register(store, Person(name="reviewer", role=Role.REVIEWER), by=admin)
    environment = {**os.environ, "CHAINREVIEW_HOME": str(backend.home), "COLUMNS": "200"}
    environment.pop("CHAINREVIEW_DATABASE_URL", None)
    if backend.url is not None:
        environment["CHAINREVIEW_DATABASE_URL"] = backend.url

    def run(*args: str) -> subprocess.CompletedProcess[str]:
        command = [sys.executable, "-m", "chainreview", "portfolio", *args]
        return subprocess.run(
            command, capture_output=True, text=True, env=environment, timeout=120, check=False
        )

    asked = run("blast-radius", "--cases", "--operator", GRID_OPERATOR, "--vendor", "huiting",
                "--as-user", "reviewer", "--format", "json")  # fmt: skip
    assert asked.returncode == 0, asked.stderr
    answer = json.loads(asked.stdout)
    assert answer["cases"] == [declared["storage"], declared["video"]]
    assert answer["inventory"] == "case store: 2 declaration(s)"
    assert [system["id"] for system in answer["systems"]] == ["SYS-OFFICE"]
    both = run("concentration", "inventory.yaml", "--cases", "--as-user", "reviewer")
    assert both.returncode == 2
    assert "give an inventory file or package folder, or --cases" in both.stderr
    mixed = run("concentration", "--cases", "--as-user", "reviewer")
    assert mixed.returncode == 3
    assert "2 operators" in mixed.stderr
