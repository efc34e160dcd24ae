"""The portfolio routes over the declarations in the case store, on both backends: every role's
answer worked out by hand (who sees which declaration: docs/cases.md), and the answers against
what the example packages declare (read off their YAML, not computed by the code under test).

wang (State Grid's applicant) declares `examples/grid-storage` (operator Qiuyuan Provincial Grid
Dispatch, vendor veltrani, two critical dispatch systems) in a case about Veltrani; chen
(Telecom's applicant) declares `examples/domestic-database` (operator Mingzhou Public
Communications, vendor lanxuan) in a case about Lanxuan.
"""

from __future__ import annotations

from pathlib import Path
from typing import Final

import pytest
from api_kit import GRID, PEOPLE, TELECOM, VENDOR_A, VENDOR_B, World

from chainreview.case.rounds import submit_package

EXAMPLES = Path(__file__).parents[2] / "examples"
QIUYUAN: Final = "Qiuyuan Provincial Grid Dispatch Co., Ltd."
NOBODY: Final = "(no credential)"


@pytest.fixture
def declared(world: World) -> dict[str, str]:
    grid = world.open(GRID, VENDOR_A)
    submit_package(world.store, grid, EXAMPLES / "grid-storage", caller=GRID)
    telecom = world.open(TELECOM, VENDOR_B)
    submit_package(world.store, telecom, EXAMPLES / "domestic-database", caller=TELECOM)
    return {"grid": grid, "telecom": telecom}


# GET /v1/portfolio/concentration without an operator named, by hand:
# - the office (root, li, zhao) sees both declarations: two operators, so 422 until one is named;
# - wang and chen see their own case's declaration only: 200;
# - anna and bo (the vendors) see their cases but not the applicant's submission: no declaration
#   they may see, 422; the member unit sees no case before it is consulted: 422.
EXPECTED: Final = {"root": 422, "li": 422, "zhao": 422, "wang": 200, "chen": 200, "anna": 422,
                   "bo": 422, "unit": 422, NOBODY: 401}  # fmt: skip


def test_every_role_gets_the_answer_worked_out_by_hand(
    world: World, declared: dict[str, str]
) -> None:
    got = {}
    with world.client() as client:
        for person in PEOPLE:
            answer = client.get("/v1/portfolio/concentration", headers=world.auth(person))
            got[person.name] = answer.status_code
        got[NOBODY] = client.get("/v1/portfolio/concentration").status_code
    assert got == EXPECTED


def test_an_applicant_sees_its_own_declaration(world: World, declared: dict[str, str]) -> None:
    with world.client() as client:
        answer = client.get("/v1/portfolio/concentration", headers=world.auth(GRID)).json()
    assert answer["operator"] == QIUYUAN
    assert answer["cases"] == [declared["grid"]]
    assert answer["left_out"] == []
    assert answer["concentration"]


def test_the_office_names_an_operator(world: World, declared: dict[str, str]) -> None:
    reviewer = world.auth(next(p for p in PEOPLE if p.name == "li"))
    with world.client() as client:
        both = client.get("/v1/portfolio/blast-radius?vendor=veltrani", headers=reviewer)
        radius = client.get(
            "/v1/portfolio/blast-radius",
            params={"vendor": "veltrani", "operator": QIUYUAN.lower()},
            headers=reviewer,
        )
        lost = client.get(
            "/v1/portfolio/what-if",
            params={"vendor": "nobody", "operator": QIUYUAN},
            headers=reviewer,
        )
        neither = client.get("/v1/portfolio/blast-radius", headers=reviewer)
        bad = client.get(
            "/v1/portfolio/blast-radius",
            params={"component": "not a purl", "operator": QIUYUAN},
            headers=reviewer,
        )
    assert both.status_code == 422
    assert "2 operators" in both.json()["message"]
    assert radius.status_code == 200
    # Both dispatch systems are critical; ranked by name: "Backup …" before "Provincial …".
    assert [s["id"] for s in radius.json()["systems"]] == ["SYS-DR", "SYS-DISPATCH"]
    assert radius.json()["cases"] == [declared["grid"]]
    assert lost.status_code == 422 and "veltrani" in lost.json()["message"]
    assert neither.status_code == 422
    assert bad.status_code == 422 and bad.json()["error"] == "bad-input"
