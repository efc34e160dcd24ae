"""The CSAF VEX profile check of `conftest.csaf_vex_problems` against the CSAF TC's own test
documents: it flags every document the TC marks as failing a test it implements, and passes
every one the TC marks valid for that test."""

from __future__ import annotations

import json
import os
from pathlib import Path
from typing import Any

import pytest
from vex_checks import csaf_vex_problems

SHARED_DATA = Path(os.environ["CHAINREVIEW_SHARED_DATA"])  # set by the top conftest
TESTS = "oasis-csaf/csaf_2.0/test/validator/data/"
CHECKED = {
    "6.1.1",
    "6.1.2",
    "6.1.6",
    "6.1.27.1",
    "6.1.27.4",
    "6.1.27.5",
    "6.1.27.7",
    "6.1.27.8",
    "6.1.27.9",
    "6.1.27.10",
    "6.1.27.11",
}


def cases() -> list[tuple[str, str, bool]]:
    listing = json.loads((SHARED_DATA / TESTS / "testcases.json").read_text(encoding="utf-8"))
    return [
        (test["id"], item["name"], item["valid"])
        for test in listing["tests"]
        if test["id"] in CHECKED
        for item in (*test.get("failures", []), *test.get("valid", []))
    ]


@pytest.mark.parametrize(("test_id", "name", "valid"), cases())
def test_the_check_agrees_with_the_tc(test_id: str, name: str, valid: bool) -> None:
    document: dict[str, Any] = json.loads((SHARED_DATA / TESTS / name).read_text("utf-8"))
    found = [p for p in csaf_vex_problems(document) if p.split(" ")[0] == test_id]
    assert bool(found) is not valid, found


def test_every_checked_test_has_tc_documents() -> None:
    assert {test_id for test_id, _, _ in cases()} == CHECKED
