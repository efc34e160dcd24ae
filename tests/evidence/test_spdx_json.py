"""Tests of the SPDX 2.x JSON/YAML reader on every real SPDX 2.x document in the shared data.

Expected values are worked out here from the raw files with `json` / `yaml`, never copied from
the reader's output.
"""

from __future__ import annotations

import json
import re
from pathlib import Path
from typing import Any

import pytest
import yaml

from chainreview import limits
from chainreview.components.model import ComponentType, EdgeKind, Encoding, SbomDocument
from chainreview.errors import InputError, LimitExceeded, UnsupportedFormat
from chainreview.evidence import spdx_json

SPDX_JSON_SETS = [
    ("spdx-spec/v2.2.2/examples/*.json", 1),
    ("spdx-spec/v2.3.1/examples/*.json", 1),
    ("spdx-spec/v2.2.2/examples/*.yaml", 1),
    ("spdx-spec/v2.3.1/examples/*.yaml", 1),
    ("spdx-examples/software/*/spdx2.2/*.json", 7),
    ("spdx-examples/software/*/spdx2.3/*.json", 4),
    ("spdx-examples/software/example14/content/*.spdx.json", 1),
    ("guac-data-sboms/docs/spdx/*.json", 6),
    ("guac-data-sboms/top-dh-sboms/*.json", 8),
    ("sbomqs-samples/samples/*spdx*.json", 3),
    ("osv-scanner-fixtures/**/*spdx*.json", 1),
    ("openvex-vexctl-examples/examples/csaf/*.spdx.json", 1),
]
"""Glob under the shared data, and how many SPDX 2.x documents it must at least find."""

DEPENDS_FORWARD = {"DEPENDS_ON"}
DEPENDS_BACKWARD = {
    "DEPENDENCY_OF",
    "RUNTIME_DEPENDENCY_OF",
    "BUILD_DEPENDENCY_OF",
    "DEV_DEPENDENCY_OF",
    "OPTIONAL_DEPENDENCY_OF",
    "PROVIDED_DEPENDENCY_OF",
    "TEST_DEPENDENCY_OF",
}


def load(path: Path) -> Any:
    text = path.read_text(encoding="utf-8")
    return yaml.safe_load(text) if path.suffix == ".yaml" else json.loads(text)


def spdx2_documents(root: Path, pattern: str) -> list[tuple[Path, dict[str, Any]]]:
    found = []
    for path in sorted(root.glob(pattern)):
        raw = load(path)
        if isinstance(raw, dict) and str(raw.get("spdxVersion", "")).startswith("SPDX-2"):
            found.append((path, raw))
    return found


def read_raw(raw: dict[str, Any], path: Path) -> SbomDocument:
    encoding = Encoding.YAML if path.suffix == ".yaml" else Encoding.JSON
    return spdx_json.read(raw, str(path), encoding)


def expected_edges(raw: dict[str, Any]) -> set[tuple[str, str, EdgeKind]]:
    packages = {p["SPDXID"] for p in raw.get("packages", [])}
    edges = set()
    for rel in raw.get("relationships", []):
        a, kind, b = rel["spdxElementId"], rel["relationshipType"], rel["relatedSpdxElement"]
        if kind in DEPENDS_FORWARD:
            edges.add((a, b, EdgeKind.DEPENDS_ON))
        elif kind in DEPENDS_BACKWARD:
            edges.add((b, a, EdgeKind.DEPENDS_ON))
        elif kind == "CONTAINS":
            edges.add((a, b, EdgeKind.CONTAINS))
        elif kind == "CONTAINED_BY":
            edges.add((b, a, EdgeKind.CONTAINS))
    return {e for e in edges if e[0] in packages and e[1] in packages and e[0] != e[1]}


def purl_refs(raw: dict[str, Any]) -> set[str]:
    return {
        p["SPDXID"]
        for p in raw.get("packages", [])
        if any(r.get("referenceType") == "purl" for r in p.get("externalRefs", []))
    }


@pytest.mark.parametrize(("pattern", "minimum"), SPDX_JSON_SETS)
def test_real_documents_read_completely(shared_data: Path, pattern: str, minimum: int) -> None:
    documents = spdx2_documents(shared_data, pattern)
    assert len(documents) >= minimum, f"{pattern}: found {len(documents)} SPDX 2.x documents"
    for path, raw in documents:
        doc = read_raw(raw, path)
        packages = raw.get("packages", [])
        assert len(doc.components) == len(packages), path
        assert doc.skipped == (), path
        assert doc.file_count == len(raw.get("files", [])), path
        assert doc.spec_version == raw["spdxVersion"].removeprefix("SPDX-")
        assert [c.ref for c in doc.components] == [p["SPDXID"] for p in packages]
        assert [c.name for c in doc.components] == [p["name"] for p in packages]
        versions = [p.get("versionInfo") for p in packages]
        assert [c.version for c in doc.components] == [
            None if v in (None, "NOASSERTION", "NONE") else v for v in versions
        ]
        assert {(e.source, e.target, e.kind) for e in doc.edges} == expected_edges(raw), path
        assert len(doc.edges) == len(set(doc.edges))


@pytest.mark.parametrize(("pattern", "minimum"), SPDX_JSON_SETS)
def test_every_purl_is_kept_or_reported(shared_data: Path, pattern: str, minimum: int) -> None:
    for path, raw in spdx2_documents(shared_data, pattern):
        doc = read_raw(raw, path)
        kept = {c.ref for c in doc.components if c.purl is not None}
        reported = set()
        for warning in doc.warnings:
            match = re.match(r"/packages/(\d+)/externalRefs/", warning.location.pointer)
            if warning.code == "purl" and match:
                reported.add(raw["packages"][int(match.group(1))]["SPDXID"])
        assert kept | reported == purl_refs(raw), path
        assert not kept & reported
        assert all(c.purl is None or c.purl.startswith("pkg:") for c in doc.components)


@pytest.mark.parametrize(("pattern", "minimum"), SPDX_JSON_SETS)
def test_metadata_comes_from_creation_info(shared_data: Path, pattern: str, minimum: int) -> None:
    for path, raw in spdx2_documents(shared_data, pattern):
        meta = read_raw(raw, path).metadata
        creators = raw["creationInfo"].get("creators", [])
        assert meta.timestamp == raw["creationInfo"]["created"]
        assert meta.serial == raw["documentNamespace"]
        assert meta.name == raw["name"]
        assert len(meta.tools) == sum(c.startswith("Tool:") for c in creators)
        assert len(meta.authors) == sum(
            c.startswith(("Person:", "Organization:")) for c in creators
        )
        described = set(raw.get("documentDescribes", [])) | {
            r["relatedSpdxElement"]
            for r in raw.get("relationships", [])
            if r["relationshipType"] == "DESCRIBES" and r["spdxElementId"] == raw["SPDXID"]
        }
        packages = {p["SPDXID"] for p in raw.get("packages", [])}
        if described & packages:
            assert meta.primary in described & packages, path
        else:
            assert meta.primary is None, path


def test_syft_documents_that_break_the_schema_still_read(shared_data: Path) -> None:
    documents = spdx2_documents(shared_data, "guac-data-sboms/**/*.json")
    syft = [(p, r) for p, r in documents if "Tool: syft-0.57.0" in r["creationInfo"]["creators"]]
    assert len(syft) == 14
    total = sum(len(read_raw(raw, path).components) for path, raw in syft)
    assert total == sum(len(raw.get("packages", [])) for _, raw in syft)


def test_spec_example_fields(shared_data: Path) -> None:
    path = shared_data / "spdx-spec/v2.3.1/examples/SPDXJSONExample-v2.3.spdx.json"
    doc = read_raw(load(path), path)
    glibc = next(c for c in doc.components if c.name == "glibc")
    assert glibc.supplier == "Jane Doe"
    assert glibc.manufacturer == "ExampleCodeInspect"
    assert glibc.licenses == ("(LGPL-2.0-only OR LicenseRef-3)",)
    assert glibc.cpe == "cpe:2.3:a:pivotal_software:spring_framework:4.1.0:*:*:*:*:*:*:*"
    assert [h.algorithm for h in glibc.hashes] == ["MD5", "SHA-1", "SHA-256", "BLAKE2B-384"]
    assert glibc.type is ComponentType.LIBRARY  # primaryPackagePurpose SOURCE
    jena = next(c for c in doc.components if c.name == "Jena")
    assert jena.purl == "pkg:maven/org.apache.jena/apache-jena@3.12.0"
    assert jena.ecosystem == "Maven"
    saxon = next(c for c in doc.components if c.name == "Saxon")
    assert saxon.licenses == ("MPL-1.0",)
    assert doc.metadata.primary == "SPDXRef-Package"
    assert doc.metadata.tools == ("LicenseFind-1.0",)
    assert doc.metadata.authors == ("ExampleCodeInspect", "Jane Doe")


# --- synthetic documents ---------------------------------------------------------------------


def document(**fields: Any) -> dict[str, Any]:
    base: dict[str, Any] = {
        "spdxVersion": "SPDX-2.3",
        "SPDXID": "SPDXRef-DOCUMENT",
        "name": "test",
        "documentNamespace": "https://example.com/test",
        "dataLicense": "CC0-1.0",
        "creationInfo": {"created": "2024-01-01T00:00:00Z", "creators": ["Tool: t-1"]},
    }
    return base | fields


def package(ref: str, name: Any = "pkg", **fields: Any) -> dict[str, Any]:
    return {"SPDXID": ref, "name": name, "downloadLocation": "NOASSERTION", **fields}


def purl_ref(locator: str, category: str = "PACKAGE-MANAGER") -> dict[str, str]:
    return {"referenceCategory": category, "referenceType": "purl", "referenceLocator": locator}


def read(raw: Any) -> SbomDocument:
    return spdx_json.read(raw, "t.json", Encoding.JSON)


def test_package_without_name_is_skipped_with_reason_and_location() -> None:
    doc = read(document(packages=[package("SPDXRef-a"), package("SPDXRef-b", name=None), "x"]))
    assert [c.ref for c in doc.components] == ["SPDXRef-a"]
    assert [s.location.pointer for s in doc.skipped] == ["/packages/1", "/packages/2"]
    assert "no usable name" in doc.skipped[0].reason
    assert "not an object" in doc.skipped[1].reason


def test_bad_purl_keeps_component_with_diagnostic() -> None:
    raw = document(packages=[package("SPDXRef-a", externalRefs=[purl_ref("npm/left-pad@1.3.0")])])
    doc = read(raw)
    assert doc.components[0].purl is None
    assert [w.code for w in doc.warnings] == ["purl"]
    assert doc.warnings[0].location.pointer == "/packages/0/externalRefs/0/referenceLocator"


def test_purl_is_normalised_with_either_category_spelling() -> None:
    refs_a = [purl_ref("pkg:pypi/Django_Rest@1.0", "PACKAGE_MANAGER")]
    refs_b = [purl_ref("pkg:npm/left-pad@1.3.0")]
    raw = document(
        packages=[
            package("SPDXRef-a", externalRefs=refs_a),
            package("SPDXRef-b", externalRefs=refs_b),
        ]
    )
    doc = read(raw)
    assert [c.purl for c in doc.components] == [
        "pkg:pypi/django-rest@1.0",
        "pkg:npm/left-pad@1.3.0",
    ]
    assert [c.ecosystem for c in doc.components] == ["PyPI", "npm"]


def test_cpe23_preferred_over_cpe22() -> None:
    refs = [
        {
            "referenceCategory": "SECURITY",
            "referenceType": "cpe22Type",
            "referenceLocator": "cpe:/a:x:y:1",
        },
        {
            "referenceCategory": "SECURITY",
            "referenceType": "cpe23Type",
            "referenceLocator": " cpe:2.3:a:x:y:1:*:*:*:*:*:*:* ",
        },
    ]
    only22 = refs[:1]
    doc = read(
        document(
            packages=[
                package("SPDXRef-a", externalRefs=refs),
                package("SPDXRef-b", externalRefs=only22),
            ]
        )
    )
    assert [c.cpe for c in doc.components] == ["cpe:2.3:a:x:y:1:*:*:*:*:*:*:*", "cpe:/a:x:y:1"]


def test_parties_versions_hashes_and_licences() -> None:
    raw = document(
        packages=[
            package(
                "SPDXRef-a",
                versionInfo="NOASSERTION",
                supplier="Organization: Acme Corp (security@acme.example)",
                originator="Person: Jane Roe",
                checksums=[
                    {"algorithm": "SHA256", "checksumValue": "AB" * 32},
                    {"algorithm": "SHA3-256", "checksumValue": "cd" * 32},
                    {"algorithm": "SHA1", "checksumValue": "not hex"},
                ],
                licenseConcluded="NOASSERTION",
                licenseDeclared="MIT",
            ),
            package(
                "SPDXRef-b", versionInfo="1.0", supplier="NOASSERTION", licenseConcluded="NONE"
            ),
        ]
    )
    a, b = read(raw).components
    assert (a.version, a.supplier, a.manufacturer, a.licenses) == (
        None,
        "Acme Corp",
        "Jane Roe",
        ("MIT",),
    )
    assert [(h.algorithm, h.value) for h in a.hashes] == [
        ("SHA-256", "ab" * 32),
        ("SHA3-256", "cd" * 32),
    ]
    assert (b.version, b.supplier, b.licenses) == ("1.0", None, ())


@pytest.mark.parametrize(
    ("purpose", "expected"),
    [
        ("APPLICATION", ComponentType.APPLICATION),
        ("FRAMEWORK", ComponentType.FRAMEWORK),
        ("LIBRARY", ComponentType.LIBRARY),
        ("CONTAINER", ComponentType.CONTAINER),
        ("OPERATING-SYSTEM", ComponentType.OPERATING_SYSTEM),
        ("OPERATING_SYSTEM", ComponentType.OPERATING_SYSTEM),
        ("DEVICE", ComponentType.DEVICE),
        ("FIRMWARE", ComponentType.FIRMWARE),
        ("FILE", ComponentType.FILE),
        ("SOURCE", ComponentType.LIBRARY),
        ("ARCHIVE", ComponentType.FILE),
        ("INSTALL", ComponentType.APPLICATION),
        ("OTHER", ComponentType.UNKNOWN),
        (None, ComponentType.LIBRARY),
    ],
)
def test_primary_package_purpose(purpose: str | None, expected: ComponentType) -> None:
    fields = {} if purpose is None else {"primaryPackagePurpose": purpose}
    doc = read(document(packages=[package("SPDXRef-a", **fields)]))
    assert doc.components[0].type is expected
    assert doc.warnings == ()


def test_relationships_become_package_edges_only() -> None:
    refs = ["SPDXRef-a", "SPDXRef-b", "SPDXRef-c", "SPDXRef-d"]
    rels = [
        ("SPDXRef-a", "DEPENDS_ON", "SPDXRef-b"),
        ("SPDXRef-c", "DEPENDENCY_OF", "SPDXRef-a"),
        ("SPDXRef-d", "TEST_DEPENDENCY_OF", "SPDXRef-b"),
        ("SPDXRef-a", "CONTAINS", "SPDXRef-d"),
        ("SPDXRef-d", "CONTAINED_BY", "SPDXRef-c"),
        ("SPDXRef-a", "DEPENDS_ON", "SPDXRef-b"),  # repeated
        ("SPDXRef-a", "CONTAINS", "SPDXRef-file"),
        ("SPDXRef-a", "DEPENDS_ON", "NOASSERTION"),
        ("SPDXRef-a", "DEPENDS_ON", "DocumentRef-other:SPDXRef-x"),
        ("SPDXRef-a", "STATIC_LINK", "SPDXRef-c"),
        ("SPDXRef-DOCUMENT", "DESCRIBES", "SPDXRef-c"),
    ]
    raw = document(
        packages=[package(ref) for ref in refs],
        files=[{"SPDXID": "SPDXRef-file", "fileName": "./f", "checksums": []}],
        relationships=[
            {"spdxElementId": a, "relationshipType": t, "relatedSpdxElement": b} for a, t, b in rels
        ],
    )
    doc = read(raw)
    assert [(e.source, e.target, e.kind) for e in doc.edges] == [
        ("SPDXRef-a", "SPDXRef-b", EdgeKind.DEPENDS_ON),
        ("SPDXRef-a", "SPDXRef-c", EdgeKind.DEPENDS_ON),
        ("SPDXRef-b", "SPDXRef-d", EdgeKind.DEPENDS_ON),
        ("SPDXRef-a", "SPDXRef-d", EdgeKind.CONTAINS),
        ("SPDXRef-c", "SPDXRef-d", EdgeKind.CONTAINS),
    ]
    assert doc.metadata.primary == "SPDXRef-c"
    assert doc.file_count == 1
    assert doc.warnings == ()


def test_primary_from_described_by_and_document_describes() -> None:
    rel = {
        "spdxElementId": "SPDXRef-b",
        "relationshipType": "DESCRIBED_BY",
        "relatedSpdxElement": "SPDXRef-DOCUMENT",
    }
    doc = read(document(packages=[package("SPDXRef-a"), package("SPDXRef-b")], relationships=[rel]))
    assert doc.metadata.primary == "SPDXRef-b"
    doc = read(
        document(
            packages=[package("SPDXRef-a"), package("SPDXRef-b")],
            documentDescribes=["SPDXRef-b", "SPDXRef-a"],
        )
    )
    assert doc.metadata.primary == "SPDXRef-b"
    assert [w.code for w in doc.warnings] == ["primary"]


def test_wrong_types_are_diagnostics_not_crashes() -> None:
    raw = document(
        packages=[
            package(
                "SPDXRef-a",
                versionInfo=["1.0"],
                supplier={"name": "x"},
                checksums="abc",
                externalRefs=[42, {"referenceType": "purl"}],
                primaryPackagePurpose="GADGET",
            ),
            package("SPDXRef-b", name=7, versionInfo=2.5),
        ],
        files={"not": "a list"},
        relationships=[None, {"spdxElementId": "SPDXRef-a"}],
        creationInfo="yesterday",
    )
    doc = read(raw)
    a, b = doc.components
    assert (a.version, a.supplier, a.hashes, a.type) == (None, None, (), ComponentType.LIBRARY)
    assert (b.name, b.version) == ("7", "2.5")
    assert doc.file_count == 0
    assert doc.metadata.timestamp is None
    pointers = {w.location.pointer for w in doc.warnings}
    assert {
        "/packages/0/versionInfo",
        "/packages/0/supplier",
        "/packages/0/checksums",
        "/packages/0/externalRefs/0",
        "/packages/0/externalRefs/1",
        "/packages/0/primaryPackagePurpose",
        "/packages/1/name",
        "/packages/1/versionInfo",
        "/files",
        "/relationships/0",
        "/relationships/1",
        "/creationInfo",
    } <= pointers


def test_duplicate_spdxid_is_skipped_and_missing_spdxid_gets_a_ref() -> None:
    raw = document(
        packages=[package("SPDXRef-a"), package("SPDXRef-a", name="other"), {"name": "anon"}]
    )
    doc = read(raw)
    assert [c.ref for c in doc.components] == ["SPDXRef-a", "#/packages/2"]
    assert "duplicate SPDXID" in doc.skipped[0].reason
    assert doc.skipped[0].location.pointer == "/packages/1"


def test_too_long_string_is_dropped(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(limits, "MAX_STRING_CHARS", 30)
    doc = read(document(packages=[package("SPDXRef-a", versionInfo="1" * 31)]))
    assert doc.components[0].version is None
    assert [(w.code, w.location.pointer) for w in doc.warnings] == [
        ("limit", "/packages/0/versionInfo")
    ]


def test_too_many_packages(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(limits, "MAX_COMPONENTS", 2)
    with pytest.raises(LimitExceeded, match="3 packages"):
        read(document(packages=[package(f"SPDXRef-{i}") for i in range(3)]))


def test_warnings_are_capped(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(limits, "MAX_WARNINGS_PER_FILE", 3)
    doc = read(document(packages=[package(f"SPDXRef-{i}", versionInfo=[]) for i in range(10)]))
    assert len(doc.warnings) == 4
    assert doc.warnings[-1].message == "7 more warnings not shown"


def test_spdx_3_in_the_2_x_shape_is_unsupported() -> None:
    with pytest.raises(UnsupportedFormat, match=r"SPDX 3 is read from its JSON-LD serialisation"):
        read(document(spdxVersion="SPDX-3.0"))


def test_spdx_3_examples_are_not_spdx_2_json(shared_data: Path) -> None:
    paths = [
        *shared_data.glob("spdx-examples/**/spdx3.0/*.json"),
        *shared_data.glob("spdx-spec/v3.0-develop/examples/**/*.json"),
    ]
    assert len(paths) > 10
    assert all("spdxVersion" not in load(path) for path in paths)


@pytest.mark.parametrize("version", ["SPDX-2.0", "SPDX-2.1"])
def test_old_versions_read_with_a_diagnostic(version: str) -> None:
    doc = read(document(spdxVersion=version, packages=[package("SPDXRef-a")]))
    assert doc.spec_version == version.removeprefix("SPDX-")
    assert [w.code for w in doc.warnings] == ["version"]
    assert len(doc.components) == 1


@pytest.mark.parametrize("raw", [[], "text", {"packages": []}, document(spdxVersion="SPDX-9.9")])
def test_not_spdx_2_is_input_error(raw: Any) -> None:
    with pytest.raises(InputError, match=r"^t\.json: "):
        read(raw)
