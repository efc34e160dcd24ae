"""The fast (jsonschema-rs) OSV schema check agrees with `jsonschema`, real and mutated."""

from __future__ import annotations

import copy
import json
from pathlib import Path
from typing import Any

import pytest
import yaml
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from jsonschema.validators import validator_for

from chainreview.intel import osv_validate

SCHEMA = json.loads((Path(osv_validate.__file__).parent / "osv_schema.json").read_text())
REFERENCE = validator_for(SCHEMA)(SCHEMA)


def test_bundled_schema_is_the_official_one(shared_data: Path) -> None:
    assert json.loads((shared_data / "osv-schema/validation/schema.json").read_text()) == SCHEMA


def real_records(shared_data: Path) -> list[Any]:
    files = sorted((shared_data / "osv-schema/tools/osv-linter/testdata").glob("*.json"))
    files += sorted((shared_data / "golang-vulndb/data/osv").glob("GO-2023-*.json"))
    files += sorted((shared_data / "rustsec-advisory-db-osv/crates").glob("*.json"))[:300]
    records = [json.loads(p.read_text()) for p in files]
    pypa = sorted((shared_data / "pypa-advisory-database/vulns").rglob("*.yaml"))
    broken = {"PYSEC-2021-371", "PYSEC-2021-424", "PYSEC-2017-27", "PYSEC-2023-80"}
    chosen = [p for p in pypa if p.stem in broken] + pypa[:200]
    loader = type("L", (yaml.SafeLoader,), {})
    loader.add_constructor(
        "tag:yaml.org,2002:timestamp", lambda loader_, node: loader_.construct_scalar(node)
    )
    records += [yaml.load(p.read_text(), Loader=loader) for p in chosen]
    return records


def test_agrees_on_real_records(shared_data: Path) -> None:
    records = real_records(shared_data)
    verdicts = [(osv_validate.is_valid(r), REFERENCE.is_valid(r)) for r in records]
    assert all(mine == theirs for mine, theirs in verdicts)
    assert sum(not theirs for _, theirs in verdicts) >= 5  # invalid ones were included


JSON = st.recursive(
    st.none()
    | st.booleans()
    | st.integers()
    | st.sampled_from(["0", "GIT", "PyPI", "x", "CVSS_V3"]),
    lambda inner: (
        st.lists(inner, max_size=3)
        | st.dictionaries(
            st.sampled_from(["introduced", "fixed", "type", "repo", "events", "name"]),
            inner,
            max_size=3,
        )
    ),
    max_leaves=6,
)


def paths(value: Any, prefix: tuple[Any, ...] = ()) -> list[tuple[Any, ...]]:
    found = [prefix]
    if isinstance(value, dict):
        for key, item in value.items():
            found += paths(item, (*prefix, key))
    elif isinstance(value, list):
        for index, item in enumerate(value):
            found += paths(item, (*prefix, index))
    return found


@pytest.fixture(scope="module")
def seeds(shared_data: Path) -> list[Any]:
    names = [
        "GO-2020-0001.json",
        "PYSEC-2023-74.json",
        "GHSA-9v2f-6vcg-3hgv.json",
        "RHSA-2022_0216.json",
    ]
    folder = shared_data / "osv-schema/tools/osv-linter/testdata"
    return [json.loads((folder / n).read_text()) for n in names]


@settings(
    max_examples=200, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)
@given(data=st.data())
def test_agrees_on_mutations(seeds: list[Any], data: st.DataObject) -> None:
    record = copy.deepcopy(data.draw(st.sampled_from(seeds)))
    where = data.draw(st.sampled_from(paths(record)[1:]))
    parent = record
    for step in where[:-1]:
        parent = parent[step]
    if data.draw(st.booleans()):
        parent[where[-1]] = data.draw(JSON)
    else:
        del parent[where[-1]]
    assert osv_validate.is_valid(record) == REFERENCE.is_valid(record)


# --- cleaning part by part drops what the whole-record errors did ---------------------------


def _reference_targets(path: tuple[Any, ...], error: Any) -> list[tuple[Any, ...]]:
    """The parts the reader dropped when it mapped each `jsonschema` error of the whole record
    to the smallest part whose removal clears it (its former way, the reference here)."""
    if not path:
        if error.validator != "additionalProperties":
            return []
        return [(key,) for key in error.instance if key not in error.schema["properties"]]
    if path[0] == "id":
        return []
    if path[0] == "affected":
        if len(path) >= 4 and path[2] in ("ranges", "versions"):
            return [path[:4]]
        return [path[:3]] if len(path) >= 3 and path[2] != "package" else [path[:2]]
    lists = {"aliases", "related", "upstream", "severity", "references", "credits"}
    return [path[:2]] if path[0] in lists and len(path) >= 2 else [path[:1]]


def reference_clean(record: dict[str, Any]) -> None:
    targets = [
        target
        for error in REFERENCE.iter_errors(record)
        for target in _reference_targets(tuple(error.absolute_path), error)
    ]
    osv_validate.drop(record, targets)


def mutated(seeds: list[Any], data: st.DataObject, changes: int) -> dict[str, Any]:
    record: dict[str, Any] = copy.deepcopy(data.draw(st.sampled_from(seeds)))
    for _ in range(changes):
        where = data.draw(st.sampled_from(paths(record)[1:]))
        parent: Any = record
        for step in where[:-1]:
            parent = parent[step]
        if data.draw(st.booleans()):
            parent[where[-1]] = data.draw(JSON)
        else:
            del parent[where[-1]]
    return record


@settings(
    max_examples=300, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)
@given(data=st.data())
def test_cleaning_drops_what_the_whole_record_errors_dropped(
    seeds: list[Any], data: st.DataObject
) -> None:
    record = mutated(seeds, data, data.draw(st.integers(1, 4)))
    if REFERENCE.is_valid(record):
        return
    mine, theirs = copy.deepcopy(record), copy.deepcopy(record)
    violations = osv_validate.clean(mine)
    reference_clean(theirs)
    assert mine == theirs
    assert violations  # an invalid record is never cleaned without a word


def test_a_huge_broken_record_is_cleaned_part_by_part() -> None:
    """300,000 events, every 300th broken: one range dropped, one short message for it."""
    events: list[Any] = [{"introduced": "0"}] + [{"fixed": f"1.{i}"} for i in range(300_000)]
    events[1::300] = [{"fixed": 1}] * len(events[1::300])
    record = {
        "id": "PYSEC-2099-1",
        "modified": "2024-01-01T00:00:00Z",
        "affected": [
            {
                "package": {"ecosystem": "PyPI", "name": "x"},
                "ranges": [{"type": "ECOSYSTEM", "events": events}],
                "versions": ["1.0", 2, "3.0"],
            }
        ],
    }
    violations = osv_validate.clean(record)
    assert [(v.path, v.dropped) for v in violations] == [
        (("affected", 0, "ranges", 0), (("affected", 0, "ranges", 0),)),
        (("affected", 0, "versions", 1), (("affected", 0, "versions", 1),)),
    ]
    assert violations[0].message == "does not match the OSV schema"  # too big to itemise
    assert "is not of type 'string'" in violations[1].message  # small: jsonschema's words
    assert record["affected"][0] == {  # type: ignore[index]
        "package": {"ecosystem": "PyPI", "name": "x"},
        "ranges": [],
        "versions": ["1.0", "3.0"],
    }
