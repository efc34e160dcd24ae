"""The compiled jsonschema-rs gate and the full jsonschema walk must agree on every document.

`validation` trusts the fast validator's "valid" and only walks invalid documents with
`jsonschema`; that is sound only while both give the same verdict, which this checks on every
JSON conformance file and real SBOM in the shared data.
"""

from __future__ import annotations

from pathlib import Path

import orjson
import pytest

from chainreview.evidence import validation

CORPORA = (
    "cyclonedx-specification/tools/src/test/resources",
    "cyclonedx-bom-examples",
    "guac-data-sboms",
    "sbomqs-samples",
    "spdx-examples",
    "spdx-spec",
    "osv-scanner-fixtures",
)


def schema_for(document: object) -> str | None:
    """The bundled schema a document claims, read straight from its version field."""
    if not isinstance(document, dict):
        return None
    version = document.get("specVersion")
    if document.get("bomFormat") == "CycloneDX" and version in validation.CYCLONEDX_JSON_VERSIONS:
        return f"bom-{version}.schema.json"
    spdx = str(document.get("spdxVersion", "")).removeprefix("SPDX-")
    if spdx in validation.SPDX_VERSIONS:
        return f"spdx-{spdx}.schema.json"
    return None


def json_documents(root: Path) -> list[tuple[str, object, str]]:
    found = []
    for corpus in CORPORA:
        for path in sorted((root / corpus).rglob("*.json")):
            try:
                document = orjson.loads(path.read_bytes())
            except orjson.JSONDecodeError:
                continue
            schema = schema_for(document)
            if schema:
                found.append((str(path.relative_to(root)), document, schema))
    return found


def test_fast_and_full_validators_agree(shared_data: Path) -> None:
    documents = json_documents(shared_data)
    assert len(documents) > 300
    disagreements = []
    invalid = 0
    for name, document, schema in documents:
        fast = validation._fast_validator(schema).is_valid(document)
        full = next(iter(validation._json_validator(schema).iter_errors(document)), None) is None
        invalid += not full
        if fast != full:
            disagreements.append(name)
    assert disagreements == []
    assert invalid > 50  # both verdicts occur, so agreement is not trivial


@pytest.mark.parametrize("value", ["2020-02-30T00:00:00Z", "yesterday", "2021-13-01"])
def test_fast_path_applies_our_date_time_rule(value: str) -> None:
    bom = {"bomFormat": "CycloneDX", "specVersion": "1.5", "metadata": {"timestamp": value}}
    assert not validation._fast_validator("bom-1.5.schema.json").is_valid(bom)
    assert validation.validate_cyclonedx_json(bom, "1.5", "t.json")
