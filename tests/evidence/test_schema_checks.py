"""The declaration schema check answers as the reference validator does (issue #12: a review's
fixed cost was mostly the pure-Python validator; a compiled one now answers first).

The oracle is `jsonschema`'s own Draft 2020-12 validator over the published schema files, built
here: a document has problems exactly when it has violations there, on every declaration
document of the examples and the test fixtures and on hostile variants of each.
"""

from __future__ import annotations

import copy
import json
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any, Final

import pytest
import yaml
from jsonschema import Draft202012Validator, FormatChecker
from referencing import Registry, Resource

from chainreview.evidence.schema_checks import DECLARATION_SCHEMA_ID, schema_problems

ROOT: Final = Path(__file__).resolve().parents[2]
SCHEMAS: Final = ROOT / "src" / "chainreview" / "schemas"
PACKAGES: Final = sorted(
    path.parent
    for folder in (ROOT / "examples", ROOT / "tests" / "fixtures" / "declarations")
    for path in folder.glob("*/declaration.yaml")
)
VENDOR: Final = f"{DECLARATION_SCHEMA_ID}#/$defs/vendor_profile"
QUESTIONNAIRE: Final = f"{DECLARATION_SCHEMA_ID}#/$defs/questionnaire"


def reference_violations(value: Any, reference: str) -> int:
    """How many violations the reference validator finds, over the schema files as shipped."""
    schema = json.loads((SCHEMAS / "declaration.schema.json").read_text())
    registry: Registry[Any] = Registry().with_resource(
        schema["$id"], Resource.from_contents(schema)
    )
    checker = FormatChecker(formats=("date",))
    validator = Draft202012Validator({"$ref": reference}, registry=registry, format_checker=checker)
    return sum(1 for _ in validator.iter_errors(value))


class _TextDates(yaml.SafeLoader):
    """YAML as the declaration reader reads it: dates stay text (the schema wants strings)."""


_TextDates.add_constructor(
    "tag:yaml.org,2002:timestamp", lambda loader, node: loader.construct_scalar(node)
)


def _load(path: Path) -> Any:
    return yaml.load(path.read_text(), Loader=_TextDates)  # a SafeLoader


def documents() -> Iterator[tuple[str, Any, str]]:
    """(name, parsed document, schema reference) of every declaration document at hand."""
    for package in PACKAGES:
        manifest = _load(package / "declaration.yaml")
        yield f"{package.name}/declaration.yaml", manifest, DECLARATION_SCHEMA_ID
        for path in sorted((package / "vendor").glob("*.yaml")):
            yield f"{package.name}/vendor/{path.name}", _load(path), VENDOR
        questionnaire = package / "questionnaire.yaml"
        if questionnaire.is_file():
            yield (
                f"{package.name}/questionnaire.yaml",
                _load(questionnaire),
                QUESTIONNAIRE,
            )


def _first_key(value: dict[str, Any]) -> str:
    return next(iter(value))


Mutation = Callable[[dict[str, Any]], None]

MUTATIONS: Final[dict[str, Mutation]] = {
    "a required field dropped": lambda d: d.pop(_first_key(d)),
    "an unknown field": lambda d: d.__setitem__("surplus", 1),
    "a boolean for the first field": lambda d: d.__setitem__(_first_key(d), True),
    "a list for the first field": lambda d: d.__setitem__(_first_key(d), ["x"]),
    "a key that is not a string": lambda d: d.__setitem__(7, "x"),
    "a string with a final line break": lambda d: d.__setitem__(
        _first_key(d), f"{d[_first_key(d)]}\n"
    ),
}


def _dated(value: Any, replacement: str) -> Any:
    """`value` with every YYYY-MM-DD string replaced (Feb 30 is no date; a format edge)."""
    if isinstance(value, dict):
        return {k: _dated(v, replacement) for k, v in value.items()}
    if isinstance(value, list):
        return [_dated(v, replacement) for v in value]
    if isinstance(value, str) and len(value) == 10 and value[4] == "-" and value[7] == "-":
        return replacement
    return value


CASES: Final = list(documents())


def test_there_are_valid_documents_of_every_kind() -> None:
    kinds = {reference for _, _, reference in CASES}
    assert kinds == {DECLARATION_SCHEMA_ID, VENDOR, QUESTIONNAIRE}
    assert len(PACKAGES) >= 5
    assert all(reference_violations(document, ref) == 0 for _, document, ref in CASES)


@pytest.mark.parametrize(("name", "document", "reference"), CASES, ids=[c[0] for c in CASES])
def test_problems_exactly_when_the_reference_validator_finds_violations(
    name: str, document: Any, reference: str
) -> None:
    variants: list[tuple[str, Any]] = [("as shipped", document)]
    for what, mutate in MUTATIONS.items():
        changed = copy.deepcopy(document)
        mutate(changed)
        variants.append((what, changed))
    variants.extend(
        (f"dates {date}", _dated(document, date))
        for date in ("2024-02-30", "2024-13-01", "2024-01-01")
    )
    for what, variant in variants:
        expected = reference_violations(variant, reference)
        problems = schema_problems(variant, reference, name)
        assert bool(problems) == bool(expected), (what, problems, expected)
        assert len(problems) >= (1 if expected else 0), what
