"""Tests of the SPDX 3 shape checks: each kind of violation the SPDX 3.0.1 model's SHACL shapes
state, made by hand in the spec's own example, is reported at its JSON pointer; the unchanged
example (and every real SPDX 3 document, in `test_spdx3_json.py`) passes."""

from __future__ import annotations

import copy
import json
import os
from pathlib import Path
from typing import Any

import pytest

from chainreview import limits
from chainreview.evidence.spdx3_shapes import validate_spdx3

DATA = Path(os.environ["CHAINREVIEW_SHARED_DATA"])
EXAMPLE = "spdx-spec/v3.0-develop/examples/jsonld/package_sbom.json"
# Graph indexes of the example: 0 CreationInfo, 1 Person, 2 SpdxDocument, 3 software_Sbom,
# 4 software_Package, 5 software_File, 6 Relationship.


@pytest.fixture
def example() -> dict[str, Any]:
    value: dict[str, Any] = json.loads((DATA / EXAMPLE).read_bytes())
    return value


def problems(doc: dict[str, Any]) -> list[tuple[str, str]]:
    return [(d.location.pointer, d.message) for d in validate_spdx3(doc, "x.json")]


def test_the_spec_example_is_valid(example: dict[str, Any]) -> None:
    assert problems(example) == []


@pytest.mark.parametrize(
    ("index", "change", "expected"),
    [
        (6, {"relationshipType": None}, ("/@graph/6", "'relationshipType' is a required property")),
        (6, {"from": None}, ("/@graph/6", "'from' is a required property")),
        (5, {"creationInfo": None}, ("/@graph/5", "'creationInfo' is a required property")),
        (0, {"created": None}, ("/@graph/0", "'created' is a required property")),
        (
            0,
            {"created": "2024-03-06"},
            (
                "/@graph/0/created",
                "'2024-03-06' does not match " + repr(r"^\d\d\d\d-\d\d-\d\dT\d\d:\d\d:\d\dZ$"),
            ),
        ),
        (1, {"name": ["a", "b"]}, ("/@graph/1/name", "name takes at most 1 value, not 2")),
        (4, {"name": 5}, ("/@graph/4/name", "name is a number, not a string")),
        (
            6,
            {"relationshipType": "likes"},
            (
                "/@graph/6/relationshipType",
                "'likes' is not in the SPDX 3 vocabulary of relationshipType",
            ),
        ),
        (
            4,
            {"software_primaryPurpose": "toaster"},
            (
                "/@graph/4/software_primaryPurpose",
                "'toaster' is not in the SPDX 3 vocabulary of software_primaryPurpose",
            ),
        ),
        (
            4,
            {"verifiedUsing": [{"type": "Hash", "algorithm": "sha256"}]},
            ("/@graph/4/verifiedUsing/0", "'hashValue' is a required property"),
        ),
        (
            4,
            {"verifiedUsing": [{"type": "IntegrityMethod"}]},
            (
                "/@graph/4/verifiedUsing/0",
                "IntegrityMethod is an abstract class and cannot be instantiated",
            ),
        ),
        (
            4,
            {"verifiedUsing": [7]},
            ("/@graph/4/verifiedUsing/0", "verifiedUsing is a number, not an id or an object"),
        ),
        (4, {"type": "software_Pakage"}, ("/@graph/4", "unknown type 'software_Pakage'")),
        (4, {"spdxId": "_:blank"}, ("/@graph/4", "a software_Package needs an spdxId (an IRI)")),
    ],
)
def test_each_violation_is_reported_where_it_is(
    example: dict[str, Any], index: int, change: dict[str, Any], expected: tuple[str, str]
) -> None:
    element = example["@graph"][index]
    for key, value in change.items():
        if value is None:
            del element[key]
        else:
            element[key] = value
    assert problems(example) == [expected]


def test_violations_are_capped(example: dict[str, Any], monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(limits, "MAX_WARNINGS_PER_FILE", 3)
    bad = copy.deepcopy(example["@graph"][6])
    del bad["relationshipType"]
    example["@graph"] += [bad] * 5
    found = validate_spdx3(example, "x.json")
    assert [d.code for d in found] == ["schema"] * 3 + ["limit"]
    assert found[-1].message == "2 more schema violations left out (limit 3 per file)"
