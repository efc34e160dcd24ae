"""Tests of the CycloneDX JSON reader against the spec's test BOMs, real SBOMs and edge cases.

Expected numbers are computed here by walking the raw JSON with the standard library, never
copied from the reader's output.
"""

from __future__ import annotations

import json
import os
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from chainreview import limits, raw
from chainreview.components.model import (
    ComponentType,
    EdgeKind,
    Encoding,
    SbomDocument,
)
from chainreview.errors import InputError, LimitExceeded
from chainreview.evidence import cyclonedx_json

SPEC_TESTS = "cyclonedx-specification/tools/src/test/resources"
AIRFLOW = "sbomqs-samples/samples/apache_airflow-sbom-2.8.0-python3.10.json"
JUICE_FLAT = "cyclonedx-bom-examples/SBOM/juice-shop/via_npm/flat/bom.1.4.json"
JUICE_BARE = "cyclonedx-bom-examples/SBOM/juice-shop/via_npm/bare/bom.1.4.json"
SBOM_INSECURE = "osv-scanner-fixtures/cmd/osv-scanner/scan/source/testdata/sbom-insecure"
ALPINE_ZLIB = f"{SBOM_INSECURE}/alpine-zlib-16.cdx.json"


def _spec_test_files() -> list[str]:
    """`valid-*.json` of spec 1.2–1.7, relative to the shared data (listed at collection time)."""
    root = Path(os.environ["CHAINREVIEW_SHARED_DATA"]) / SPEC_TESTS
    found = []
    for version in ("1.2", "1.3", "1.4", "1.5", "1.6", "1.7"):
        found += [f"{SPEC_TESTS}/{version}/{p.name}" for p in (root / version).glob("valid-*.json")]
    return sorted(found)


VALID_FILES = _spec_test_files()


def _load(shared_data: Path, relative: str) -> tuple[dict[str, Any], SbomDocument]:
    """The raw JSON (standard library) and the reader's document for one shared file."""
    path = shared_data / relative
    doc = raw.load_json(path.read_bytes(), relative)
    return json.loads(path.read_text(encoding="utf-8-sig")), cyclonedx_json.read(doc, relative)


def _walk(doc: dict[str, Any]) -> Iterator[tuple[dict[str, Any], dict[str, Any] | None]]:
    """Every component entry (metadata.component first) with its parent entry."""
    stack: list[tuple[dict[str, Any], dict[str, Any] | None]] = [
        (c, None) for c in reversed(doc.get("components", []))
    ]
    primary = doc.get("metadata", {}).get("component")
    if isinstance(primary, dict):
        stack.append((primary, None))
    while stack:
        entry, parent = stack.pop()
        yield entry, parent
        stack += [(child, entry) for child in reversed(entry.get("components", []))]


def _named(entry: dict[str, Any]) -> bool:
    return isinstance(entry.get("name"), str) and bool(entry["name"].strip())


def _walk_services(services: list[dict[str, Any]]) -> Iterator[dict[str, Any]]:
    for service in services:
        yield service
        yield from _walk_services(service.get("services", []))


def _resolve(doc: Any, pointer: str) -> Any:
    """Follow a JSON pointer (no escapes needed for our pointers)."""
    for part in pointer.split("/")[1:]:
        doc = doc[int(part)] if isinstance(doc, list) else doc[part]
    return doc


def test_spec_test_files_are_found() -> None:
    assert len(VALID_FILES) > 150, "the CycloneDX spec test BOMs were not found"


@pytest.mark.parametrize("relative", VALID_FILES)
def test_reads_every_valid_spec_file(shared_data: Path, relative: str) -> None:
    original, document = _load(shared_data, relative)
    entries = list(_walk(original))
    named = [entry for entry, _ in entries if _named(entry)]
    assert document.spec_version == original["specVersion"]
    assert document.encoding is Encoding.JSON
    assert [c.name for c in document.components] == [e["name"].strip() for e in named]
    assert len(document.skipped) == len(entries) - len(named)
    services = list(_walk_services(original.get("services", [])))
    assert len(document.services) == len(services)
    for component in document.components:
        (source,) = component.sources
        assert _resolve(original, source.pointer)["name"].strip() == component.name


def test_juice_shop_counts_and_dependencies(shared_data: Path) -> None:
    original, document = _load(shared_data, JUICE_FLAT)
    entries = list(_walk(original))
    assert len(document.components) == len(entries) > 1000
    pairs = {(d["ref"], t) for d in original["dependencies"] for t in d.get("dependsOn", [])}
    assert {(e.source, e.target) for e in document.edges} == pairs
    assert all(e.kind is EdgeKind.DEPENDS_ON for e in document.edges)
    assert document.metadata.primary == original["metadata"]["component"]["bom-ref"]
    assert document.metadata.name == original["metadata"]["component"]["name"]
    assert not document.warnings


def test_nested_components_give_contains_edges(shared_data: Path) -> None:
    original, document = _load(shared_data, JUICE_BARE)
    nested = [(entry, parent) for entry, parent in _walk(original) if parent is not None]
    assert nested, "the bare juice-shop BOM should nest components"
    contains = {(e.source, e.target) for e in document.edges if e.kind is EdgeKind.CONTAINS}
    assert contains == {(parent["bom-ref"], entry["bom-ref"]) for entry, parent in nested}
    assert len(document.components) == len(list(_walk(original)))


def test_nested_components_without_refs_get_path_refs(shared_data: Path) -> None:
    _, document = _load(shared_data, f"{SPEC_TESTS}/1.6/valid-assembly-1.6.json")
    refs = [c.ref for c in document.components]
    assert refs == ["#/components/0", "#/components/0/components/0"]
    assert [(e.source, e.target, e.kind) for e in document.edges] == [
        ("#/components/0", "#/components/0/components/0", EdgeKind.CONTAINS)
    ]


def test_airflow_sbom(shared_data: Path) -> None:
    original, document = _load(shared_data, AIRFLOW)
    components = original["components"]
    assert len(document.components) == len(components) + 1 == 1750
    assert document.components[0].ref == original["metadata"]["component"]["bom-ref"]
    with_purl = sum(1 for c in components if c.get("purl"))
    assert sum(1 for c in document.components[1:] if c.purl) == with_purl
    ecosystems = {c.ecosystem for c in document.components[1:]}
    assert {"PyPI", "npm"} <= ecosystems
    edges = {(d["ref"], t) for d in original["dependencies"] for t in d.get("dependsOn", [])}
    assert len(document.edges) == len(edges)
    tools = original["metadata"]["tools"]
    assert len(document.metadata.tools) == len(tools)
    assert document.metadata.timestamp == original["metadata"]["timestamp"]
    assert document.metadata.serial == original["serialNumber"]


def test_alpine_zlib_fixture(shared_data: Path) -> None:
    original, document = _load(shared_data, ALPINE_ZLIB)
    assert original["metadata"]["component"]["name"] == ""
    assert [s.location.pointer for s in document.skipped] == ["/metadata/component"]
    assert document.metadata.primary is None
    (zlib,) = document.components
    assert zlib.name == "zlib"
    assert zlib.ecosystem == "Alpine:v3.22"
    assert document.metadata.tools == ("SCALIBR",)
    assert document.metadata.authors == ()


def test_services_and_data_flows_1_6(shared_data: Path) -> None:
    original, document = _load(shared_data, f"{SPEC_TESTS}/1.6/valid-service-1.6.json")
    (raw_service,) = original["services"]
    (service,) = document.services
    assert service.name == raw_service["name"]
    assert service.provider == raw_service["provider"]["name"]
    assert service.endpoints == tuple(raw_service["endpoints"])
    assert service.authenticated is True
    assert service.crosses_trust_boundary is True
    assert [(f.flow, f.classification) for f in service.data] == [
        (d["flow"], d["classification"]) for d in raw_service["data"]
    ]
    assert any(e.target == service.ref for e in document.edges)


def test_saasbom_nested_services_and_flows(shared_data: Path) -> None:
    original, document = _load(shared_data, f"{SPEC_TESTS}/1.6/valid-saasbom-1.6.json")
    services = list(_walk_services(original["services"]))
    assert [s.ref for s in document.services] == [s["bom-ref"] for s in services]
    for read_service, raw_service in zip(document.services, services, strict=True):
        assert read_service.trust_zone == raw_service.get("trustZone")
        expected = [
            (
                d["flow"],
                d["classification"],
                tuple(d.get("source", [])),
                tuple(d.get("destination", [])),
            )
            for d in raw_service.get("data", [])
        ]
        got = [(f.flow, f.classification, f.sources, f.destinations) for f in read_service.data]
        assert got == expected


def _bom(**fields: Any) -> dict[str, Any]:
    return {"bomFormat": "CycloneDX", "specVersion": "1.6", **fields}


def test_entry_without_usable_name_is_skipped_with_reason() -> None:
    doc = _bom(
        components=[
            {"type": "library", "name": "kept"},
            {"type": "library"},
            {"type": "library", "name": "   "},
            {"type": "library", "name": 7},
        ]
    )
    document = cyclonedx_json.read(doc, "x.json")
    assert [c.name for c in document.components] == ["kept"]
    skipped = [(s.location.pointer, s.reason) for s in document.skipped]
    assert skipped == [
        ("/components/1", "component has no name"),
        ("/components/2", "component name is empty"),
        ("/components/3", "component name is not a string"),
    ]
    assert all(s.location.file == "x.json" for s in document.skipped)


def test_field_mapping() -> None:
    doc = _bom(
        components=[
            {
                "type": "firmware",
                "name": "fw",
                "version": 2,
                "group": "acme",
                "cpe": " cpe:2.3:o:acme:fw:2:*:*:*:*:*:*:* ",
                "supplier": {"contact": [{"email": "a@example.com"}]},
                "manufacturer": {"name": "Acme Devices"},
                "authors": [{"name": "Ann"}, {"name": "Bob"}],
                "hashes": [
                    {"alg": "sha256", "content": "ABCDEF"},
                    {"alg": "SHA3-512", "content": "1"},
                ],
                "licenses": [{"license": {"id": "MIT"}}, {"license": {"name": "Custom"}}],
                "description": "firmware image",
            },
            {
                "type": "gadget",
                "name": "odd",
                "author": "Carol",
                "supplier": {"url": ["https://s"]},
            },
            {"type": "library", "name": "expr", "licenses": [{"expression": "MIT OR Apache-2.0"}]},
        ]
    )
    document = cyclonedx_json.read(doc, "x.json")
    fw, odd, expr = document.components
    assert fw.type is ComponentType.FIRMWARE
    assert fw.version == "2"
    assert fw.cpe == "cpe:2.3:o:acme:fw:2:*:*:*:*:*:*:*"
    assert fw.supplier == "a@example.com"
    assert fw.manufacturer == "Acme Devices"
    assert fw.author == "Ann, Bob"
    assert [(h.algorithm, h.value) for h in fw.hashes] == [("SHA-256", "abcdef"), ("SHA3-512", "1")]
    assert fw.licenses == ("MIT", "Custom")
    assert fw.description == "firmware image"
    assert fw.ref == "#/components/0"
    assert odd.type is ComponentType.UNKNOWN
    assert odd.author == "Carol"
    assert odd.supplier == "https://s"
    assert expr.licenses == ("MIT OR Apache-2.0",)
    warnings = {(w.location.pointer, w.code) for w in document.warnings}
    assert ("/components/0/version", "schema") in warnings
    assert ("/components/1/type", "schema") in warnings


def test_legacy_manufacture_and_wrong_types_do_not_crash() -> None:
    doc = _bom(
        components=[
            {"name": "a", "manufacture": {"name": "Old Co"}, "hashes": "nope", "licenses": [3]},
            "not an object",
        ],
        services={"name": "not a list"},
        dependencies=[{"ref": 1, "dependsOn": ["a"]}, {"ref": "a", "dependsOn": [None, "b"]}],
    )
    document = cyclonedx_json.read(doc, "x.json")
    (component,) = document.components
    assert component.manufacturer == "Old Co"
    assert component.hashes == () and component.licenses == ()
    assert [(e.source, e.target) for e in document.edges] == [("1", "a"), ("a", "b")]
    pointers = {w.location.pointer for w in document.warnings}
    assert {
        "/components/0/hashes",
        "/components/1",
        "/services",
        "/dependencies/1/dependsOn/0",
    } <= pointers


def test_bad_purl_keeps_component_with_warning() -> None:
    doc = _bom(
        components=[{"name": "a", "purl": "pkg:pypi/"}, {"name": "b", "purl": "pkg:pypi/b@1"}]
    )
    document = cyclonedx_json.read(doc, "x.json")
    a, b = document.components
    assert a.purl is None and a.ecosystem is None
    assert b.purl == "pkg:pypi/b@1" and b.ecosystem == "PyPI"
    (warning,) = document.warnings
    assert warning.code == "purl"
    assert warning.location.pointer.startswith("/components/0")
    assert "'pkg:pypi/'" in warning.message


def test_repeated_purls_give_the_same_result_and_each_its_warning() -> None:
    bad, good = "pkg:maven/only-a-name@1", "pkg:PyPI/Flask_Login@0.6"
    purls = (bad, good, bad, good)
    doc = _bom(components=[{"name": n, "purl": p} for n, p in zip("abcd", purls, strict=True)])
    document = cyclonedx_json.read(doc, "x.json")
    assert [(c.purl, c.ecosystem) for c in document.components] == [
        (None, None),
        ("pkg:pypi/flask-login@0.6", "PyPI"),
        (None, None),
        ("pkg:pypi/flask-login@0.6", "PyPI"),
    ]
    assert [(w.location.pointer, w.code) for w in document.warnings] == [
        ("/components/0/purl", "purl"),
        ("/components/2/purl", "purl"),
    ]
    assert document.warnings[0].message == document.warnings[1].message


def test_warnings_keep_field_order_on_the_quick_and_the_checked_path() -> None:
    """An entry whose fields are all strings is read without per-field checks; either way the
    warnings come in field order."""
    long = "x" * (limits.MAX_STRING_CHARS + 1)
    hashes = [{"alg": 1, "content": "ab"}, {"alg": "MD5"}, "no"]
    entries = [
        {"name": "a", "type": "librar", "version": long, "purl": "bad", "hashes": hashes},
        {"name": "b", "type": "librar", "version": long, "purl": "bad", "supplier": {"url": [3]}},
        {"name": "c", "group": 7, "author": " ", "licenses": [{"license": {"id": 5}}]},
    ]
    document = cyclonedx_json.read(_bom(components=entries), "x.json")
    assert [(w.location.pointer, w.code) for w in document.warnings] == [
        ("/components/0/hashes/2", "schema"),  # not an object: dropped while listing the hashes
        ("/components/0/hashes/0/alg", "schema"),  # a number: kept as text
        ("/components/0/purl", "purl"),
        ("/components/0/version", "limit"),
        ("/components/0/type", "schema"),
        ("/components/0/hashes/1", "schema"),  # no content
        ("/components/1/supplier/url/0", "schema"),
        ("/components/1/purl", "purl"),
        ("/components/1/version", "limit"),
        ("/components/1/type", "schema"),
        ("/components/2/group", "schema"),
        ("/components/2/licenses/0/license/id", "schema"),
    ]
    a, b, c = document.components
    assert [(h.algorithm, h.value) for h in a.hashes] == [("1", "ab")]
    assert a.version is None and b.supplier is None
    assert (c.group, c.author, c.licenses) == ("7", None, ("5",))


def test_overlong_string_is_refused_for_that_field() -> None:
    long = "x" * (limits.MAX_STRING_CHARS + 1)
    doc = _bom(components=[{"name": "a", "version": long}, {"name": long}])
    document = cyclonedx_json.read(doc, "x.json")
    (component,) = document.components
    assert component.version is None
    assert [w.code for w in document.warnings] == ["limit"]
    assert "longer than" in document.skipped[0].reason


def test_component_limit(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(limits, "MAX_COMPONENTS", 2)
    doc = _bom(components=[{"name": "a", "components": [{"name": "b"}, {"name": "c"}]}])
    with pytest.raises(LimitExceeded, match="more than 2 components"):
        cyclonedx_json.read(doc, "x.json")


def test_metadata_authors_and_tools() -> None:
    doc = _bom(
        serialNumber="urn:uuid:1",
        metadata={
            "timestamp": "2024-01-01T00:00:00Z",
            "authors": [{"name": "Ann"}, {"email": "bob@example.com"}, {}],
            "tools": {
                "components": [{"name": "gen", "version": "1"}],
                "services": [{"name": "svc"}],
            },
            "component": {"bom-ref": "app", "name": "App", "type": "application"},
        },
    )
    metadata = cyclonedx_json.read(doc, "x.json").metadata
    assert metadata.authors == ("Ann", "bob@example.com")
    assert metadata.tools == ("gen 1", "svc")
    assert (metadata.primary, metadata.name, metadata.serial) == ("app", "App", "urn:uuid:1")
    legacy = _bom(metadata={"tools": [{"vendor": "v", "name": "old", "version": "0.1"}]})
    assert cyclonedx_json.read(legacy, "y.json").metadata.tools == ("old 0.1",)


def test_dangling_dependency_refs_are_kept() -> None:
    doc = _bom(
        components=[{"name": "a", "bom-ref": "a"}],
        dependencies=[{"ref": "a", "dependsOn": ["ghost"]}],
    )
    edges = cyclonedx_json.read(doc, "x.json").edges
    assert [(e.source, e.target) for e in edges] == [("a", "ghost")]


def test_not_an_object_or_not_cyclonedx_is_refused() -> None:
    with pytest.raises(InputError, match="must be an object"):
        cyclonedx_json.read([1, 2], "x.json")
    with pytest.raises(InputError, match="bomFormat is 'SPDX'"):
        cyclonedx_json.read({"bomFormat": "SPDX"}, "x.json")
