"""Tests of the SPDX 2.x tag-value parser and reader.

Counts are worked out here by counting lines of the raw files; the spdx-spec examples are checked
against their JSON twins (read with `json`) and against the official SPDX JSON schemas.
"""

from __future__ import annotations

import json
import re
from pathlib import Path
from typing import Any

import jsonschema
import pytest

from chainreview import limits
from chainreview.components.model import EdgeKind, Encoding, SbomDocument
from chainreview.errors import InputError, LimitExceeded
from chainreview.evidence import spdx_json, spdx_tagvalue

TWINS = [
    ("v2.2.2", "SPDXTagExample-v2.2.spdx", "SPDXJSONExample-v2.2.spdx.json"),
    ("v2.3.1", "SPDXTagExample-v2.3.spdx", "SPDXJSONExample-v2.3.spdx.json"),
]


def tag_value_files(root: Path) -> list[Path]:
    paths = [
        *root.glob("spdx-spec/v2.*/examples/*.spdx"),
        *root.glob("spdx-examples/software/*/spdx2.*/*.spdx"),
    ]
    return sorted(paths)


def count_tag(text: str, tag: str) -> int:
    return len(re.findall(rf"^{tag}:", text, flags=re.MULTILINE))


def test_every_tag_value_file_reads(shared_data: Path) -> None:
    paths = tag_value_files(shared_data)
    assert len(paths) == 14
    for path in paths:
        text = path.read_text(encoding="utf-8")
        doc = spdx_tagvalue.read(text, str(path))
        assert doc.encoding is Encoding.TAG_VALUE
        assert len(doc.components) == count_tag(text, "PackageName"), path
        assert doc.file_count == count_tag(text, "FileName"), path
        assert [c.name for c in doc.components] == re.findall(
            r"^PackageName: *(.*?)\s*$", text, re.M
        )
        assert doc.skipped == ()
        assert doc.warnings == (), path
        assert all(c.sources[0].pointer.startswith("line ") for c in doc.components)


def test_shape_counts_match_raw_lines(shared_data: Path) -> None:
    for path in tag_value_files(shared_data):
        text = path.read_text(encoding="utf-8")
        shape = spdx_tagvalue.to_json_shape(text, str(path))
        assert len(shape.get("snippets", [])) == count_tag(text, "SnippetSPDXID"), path
        assert len(shape.get("relationships", [])) == count_tag(text, "Relationship"), path
        licences = shape.get("hasExtractedLicensingInfos", [])
        assert len(licences) == count_tag(text, "LicenseID"), path
        annotations = [a for e in _elements(shape) for a in e.get("annotations", [])]
        assert len(annotations) == count_tag(text, "Annotator"), path


def _elements(shape: dict[str, Any]) -> list[dict[str, Any]]:
    return [shape, *(e for key in ("packages", "files", "snippets") for e in shape.get(key, []))]


@pytest.mark.parametrize(("version", "tag_name", "json_name"), TWINS)
def test_tag_value_matches_json_twin(
    shared_data: Path, version: str, tag_name: str, json_name: str
) -> None:
    folder = shared_data / "spdx-spec" / version / "examples"
    tag_doc = spdx_tagvalue.read((folder / tag_name).read_text(encoding="utf-8"), tag_name)
    raw = json.loads((folder / json_name).read_text(encoding="utf-8"))
    json_doc = spdx_json.read(raw, json_name, Encoding.JSON)
    assert _identity(tag_doc) == _identity(json_doc)
    assert tag_doc.edges == json_doc.edges
    assert tag_doc.metadata == json_doc.metadata
    assert tag_doc.file_count == len(raw["files"])
    assert tag_doc.spec_version == json_doc.spec_version
    purls = {
        p["name"]: r["referenceLocator"]
        for p in raw["packages"]
        for r in p.get("externalRefs", [])
        if r["referenceType"] == "purl"
    }
    assert {c.name: c.purl for c in tag_doc.components if c.purl} == purls


def _identity(doc: SbomDocument) -> list[tuple[Any, ...]]:
    return [
        (c.ref, c.name, c.version, c.purl, c.supplier, c.manufacturer, c.licenses, c.hashes, c.type)
        for c in doc.components
    ]


@pytest.mark.parametrize(("version", "tag_name", "json_name"), TWINS)
def test_shape_is_valid_against_the_spdx_schema(
    shared_data: Path, version: str, tag_name: str, json_name: str
) -> None:
    folder = shared_data / "spdx-spec" / version
    schema = json.loads((folder / "schemas/spdx-schema.json").read_text(encoding="utf-8"))
    text = (folder / "examples" / tag_name).read_text(encoding="utf-8")
    shape = spdx_tagvalue.to_json_shape(text, tag_name)
    errors = [e.message for e in jsonschema.Draft7Validator(schema).iter_errors(shape)]
    assert errors == []


@pytest.mark.parametrize(("version", "tag_name", "json_name"), TWINS)
def test_multi_line_text_matches_json_twin(
    shared_data: Path, version: str, tag_name: str, json_name: str
) -> None:
    folder = shared_data / "spdx-spec" / version / "examples"
    shape = spdx_tagvalue.to_json_shape((folder / tag_name).read_text(encoding="utf-8"), tag_name)
    raw = json.loads((folder / json_name).read_text(encoding="utf-8"))
    assert shape["creationInfo"] == raw["creationInfo"]
    assert shape["annotations"] == raw["annotations"]
    assert shape["snippets"] == raw["snippets"]
    assert shape["hasExtractedLicensingInfos"] == raw["hasExtractedLicensingInfos"]
    assert shape["externalDocumentRefs"] == raw["externalDocumentRefs"]


DOC = """\
SPDXVersion: SPDX-2.3
DataLicense: CC0-1.0
SPDXID: SPDXRef-DOCUMENT
DocumentName: demo
DocumentNamespace: https://example.com/demo
Creator: Tool: maker-1.0
Creator: Organization: Acme (sbom@acme.example)
Created: 2024-05-01T00:00:00Z
# a comment
Relationship: SPDXRef-DOCUMENT DESCRIBES SPDXRef-app

PackageName: app
SPDXID: SPDXRef-app
PackageVersion: 2.0
PackageSupplier: Organization: Acme
PackageDownloadLocation: NOASSERTION
PackageChecksum: SHA256: {sha}
PackageDescription: <text>line one
line two</text>
PrimaryPackagePurpose: APPLICATION
ExternalRef: PACKAGE-MANAGER purl pkg:pypi/app@2.0
Relationship: SPDXRef-app DEPENDS_ON SPDXRef-lib
RelationshipComment: needed at run time

PackageName: lib
SPDXID: SPDXRef-lib
PackageDownloadLocation: NOASSERTION
ExternalRef: PACKAGE-MANAGER purl {lib_purl}
Relationship: SPDXRef-lib CONTAINED_BY SPDXRef-app

FileName: ./lib.py
SPDXID: SPDXRef-file
FileChecksum: SHA1: {sha1}
Relationship: SPDXRef-app CONTAINS SPDXRef-file
"""


def demo(lib_purl: str = "pkg:pypi/lib@1.0") -> str:
    return DOC.format(sha="AB" * 32, sha1="cd" * 20, lib_purl=lib_purl)


def test_small_document_components_and_edges() -> None:
    doc = spdx_tagvalue.read(demo(), "demo.spdx")
    app, lib = doc.components
    assert (app.name, app.version, app.purl, app.supplier) == (
        "app",
        "2.0",
        "pkg:pypi/app@2.0",
        "Acme",
    )
    assert app.description == "line one\nline two"
    assert app.type.value == "application"
    assert [(h.algorithm, h.value) for h in app.hashes] == [("SHA-256", "ab" * 32)]
    assert app.sources[0].pointer == "line 12"
    assert lib.purl == "pkg:pypi/lib@1.0"
    assert [(e.source, e.target, e.kind) for e in doc.edges] == [
        ("SPDXRef-app", "SPDXRef-lib", EdgeKind.DEPENDS_ON),
        ("SPDXRef-app", "SPDXRef-lib", EdgeKind.CONTAINS),
    ]
    assert doc.metadata.primary == "SPDXRef-app"
    assert doc.metadata.tools == ("maker-1.0",)
    assert doc.metadata.authors == ("Acme",)
    assert doc.file_count == 1
    assert doc.warnings == ()
    shape = spdx_tagvalue.to_json_shape(demo(), "demo.spdx")
    assert shape["relationships"][1]["comment"] == "needed at run time"


def test_bad_purl_warning_names_its_line() -> None:
    doc = spdx_tagvalue.read(demo(lib_purl="not-a-purl"), "demo.spdx")
    assert doc.components[1].purl is None
    assert [(w.code, w.location.pointer) for w in doc.warnings] == [("purl", "line 28")]


def test_line_that_is_not_tag_value_names_the_line() -> None:
    text = "SPDXVersion: SPDX-2.3\n\nPackageName: x\nthis line has no tag\n"
    with pytest.raises(InputError) as caught:
        spdx_tagvalue.to_json_shape(text, "bad.spdx")
    assert caught.value.location == "line 4"
    assert str(caught.value).startswith("bad.spdx: line 4: ")


def test_unclosed_text_names_its_opening_line() -> None:
    text = "SPDXVersion: SPDX-2.3\nDocumentComment: <text>never\nclosed\n"
    with pytest.raises(InputError) as caught:
        spdx_tagvalue.read(text, "bad.spdx")
    assert caught.value.location == "line 2"


def test_unknown_and_misplaced_tags_are_diagnostics() -> None:
    text = demo().replace(
        "DataLicense: CC0-1.0\n", "DataLicense: CC0-1.0\nPackageVersion: 9\nFancyTag: x\n"
    )
    doc = spdx_tagvalue.read(text, "demo.spdx")
    assert [(w.code, w.location.pointer) for w in doc.warnings] == [
        ("tag-value", "line 3"),
        ("tag-value", "line 4"),
    ]
    assert "unknown tag FancyTag" in doc.warnings[1].message
    assert len(doc.components) == 2


def test_malformed_values_are_diagnostics() -> None:
    text = (
        demo()
        .replace("PackageChecksum: SHA256:", "PackageChecksum:")
        .replace(
            "Relationship: SPDXRef-app DEPENDS_ON SPDXRef-lib",
            "Relationship: SPDXRef-app DEPENDS_ON",
        )
    )
    doc = spdx_tagvalue.read(text, "demo.spdx")
    assert [w.location.pointer for w in doc.warnings] == ["line 17", "line 22"]
    assert doc.components[0].hashes == ()
    assert all(e.kind is EdgeKind.CONTAINS for e in doc.edges)


def test_crlf_bom_and_comments() -> None:
    text = "\ufeff" + demo().replace("\n", "\r\n")
    doc = spdx_tagvalue.read(text, "demo.spdx")
    assert [c.name for c in doc.components] == ["app", "lib"]
    assert doc.components[0].description == "line one\nline two"


def test_line_limit(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(limits, "MAX_TAG_VALUE_LINES", 10)
    with pytest.raises(LimitExceeded):
        spdx_tagvalue.to_json_shape(demo(), "demo.spdx")


def test_package_without_name_is_skipped() -> None:
    text = demo().replace("PackageName: lib", "PackageName:")
    doc = spdx_tagvalue.read(text, "demo.spdx")
    assert [c.name for c in doc.components] == ["app"]
    assert [(s.location.pointer, s.reason) for s in doc.skipped] == [
        ("line 25", "package has no usable name")
    ]
