"""Schema validation against the official CycloneDX and SPDX schemas, on real conformance data."""

from __future__ import annotations

import json
import re
from importlib import resources
from pathlib import Path
from typing import Any

import pytest
from jsonschema.validators import validator_for
from lxml import etree
from referencing.exceptions import Unresolvable

from chainreview import limits
from chainreview.components.model import Diagnostic
from chainreview.errors import UnsupportedFormat
from chainreview.evidence import validation
from chainreview.evidence.sbom import read_sbom
from chainreview.raw import load_json, load_yaml, parse_xml

CONFORMANCE = "cyclonedx-specification/tools/src/test/resources"
SCHEMAS = resources.files("chainreview.evidence") / "schemas"
XML_POINTER = re.compile(r"line (?P<line>\d+)(?:, (?P<path>/\S+))?")


def _validate_file(path: Path, version: str) -> tuple[Diagnostic, ...]:
    data = path.read_bytes()
    if path.suffix == ".json":
        return validation.validate_cyclonedx_json(load_json(data, path.name), version, path.name)
    return validation.validate_cyclonedx_xml(parse_xml(data, path.name), version, path.name)


def _resolve_json_pointer(doc: Any, pointer: str) -> Any:
    """The value a JSON pointer names; raises KeyError/IndexError/TypeError when there is none."""
    node = doc
    for token in pointer.split("/")[1:]:
        key = token.replace("~1", "/").replace("~0", "~")
        node = node[int(key)] if isinstance(node, list) else node[key]
    return node


def _resolve_element_path(root: etree._Element, path: str) -> etree._Element:
    """The element an `/a/b[2]/c` local-name path names; fails the test when there is none."""
    steps = path.strip("/").split("/")
    assert etree.QName(root).localname == steps[0]
    node = root
    for step in steps[1:]:
        name, _, position = step.partition("[")
        matches = [child for child in node if etree.QName(child).localname == name]
        index = int(position.rstrip("]")) - 1 if position else 0
        assert position or len(matches) == 1, f"{path}: {step} is ambiguous"
        node = matches[index]
    return node


# --- the CycloneDX conformance suite ---------------------------------------------------------

CASES = [
    *((version, ".json") for version in validation.CYCLONEDX_JSON_VERSIONS),
    *((version, ".xml") for version in validation.CYCLONEDX_XML_VERSIONS),
]


@pytest.mark.parametrize(("version", "suffix"), CASES, ids=[f"{v}{s}" for v, s in CASES])
def test_conformance_suite(shared_data: Path, version: str, suffix: str) -> None:
    """Every `valid-*` BOM passes with no diagnostic; every other one (`invalid-*`,
    `informal-invalid-*`, `skip_invalid-*`) yields at least one."""
    files = sorted((shared_data / CONFORMANCE / version).glob(f"*{suffix}"))
    valid = [path for path in files if path.name.startswith("valid-")]
    invalid = [path for path in files if "invalid-" in path.name]
    assert valid and len(valid) + len(invalid) == len(files)
    assert invalid or version == "1.0"  # the suite has no invalid 1.0 BOM
    wrongly_flagged = {
        path.name: [str(d) for d in diagnostics]
        for path in valid
        if (diagnostics := _validate_file(path, version))
    }
    missed = [path.name for path in invalid if not _validate_file(path, version)]
    assert wrongly_flagged == {}
    assert missed == []


@pytest.mark.parametrize("version", validation.CYCLONEDX_JSON_VERSIONS)
def test_json_pointers_name_real_locations(shared_data: Path, version: str) -> None:
    for path in sorted((shared_data / CONFORMANCE / version).glob("invalid-*.json")):
        doc = load_json(path.read_bytes(), path.name)
        for diagnostic in validation.validate_cyclonedx_json(doc, version, path.name):
            assert diagnostic.code == "schema"
            assert diagnostic.location.file == path.name
            assert diagnostic.location.pointer == "" or diagnostic.location.pointer[0] == "/"
            _resolve_json_pointer(doc, diagnostic.location.pointer)


@pytest.mark.parametrize("version", validation.CYCLONEDX_XML_VERSIONS)
def test_xml_pointers_name_real_elements(shared_data: Path, version: str) -> None:
    for path in sorted((shared_data / CONFORMANCE / version).glob("*invalid-*.xml")):
        root = parse_xml(path.read_bytes(), path.name)
        for diagnostic in validation.validate_cyclonedx_xml(root, version, path.name):
            match = XML_POINTER.fullmatch(diagnostic.location.pointer)
            assert match and match["path"], diagnostic
            element = _resolve_element_path(root, match["path"])
            assert f"{element.sourceline}" == match["line"], diagnostic


def test_messages_are_single_short_lines(shared_data: Path) -> None:
    for version in validation.CYCLONEDX_JSON_VERSIONS:
        for path in sorted((shared_data / CONFORMANCE / version).glob("invalid-*")):
            if path.suffix in (".json", ".xml"):
                for diagnostic in _validate_file(path, version):
                    assert "\n" not in diagnostic.message
                    assert len(diagnostic.message) <= 400


def test_signed_boms_pass_because_uri_format_is_checked(shared_data: Path) -> None:
    """JSF `algorithm` is oneOf [JWA enum, format uri]: `ES256` must fail the `uri` branch."""
    path = shared_data / CONFORMANCE / "1.6" / "valid-signatures-1.6.json"
    assert _validate_file(path, "1.6") == ()
    doc = load_json(path.read_bytes(), path.name)
    doc["components"][0]["signature"]["algorithm"] = "no scheme"
    [diagnostic] = validation.validate_cyclonedx_json(doc, "1.6", path.name)
    assert diagnostic.location.pointer == "/components/0/signature"
    assert "is not valid under any of the given schemas" in diagnostic.message


# --- single rules ----------------------------------------------------------------------------


def _bom(**fields: Any) -> dict[str, Any]:
    return {"bomFormat": "CycloneDX", "specVersion": "1.6", "version": 1, **fields}


@pytest.mark.parametrize(
    ("timestamp", "ok"),
    [
        ("2020-04-13T20:20:39Z", True),
        ("2020-04-13t20:20:39.1234567+01:00", True),
        ("2016-12-31T23:59:60Z", True),
        ("2020-04-13", False),
        ("2020-02-30T00:00:00Z", False),
        ("2020-04-13T25:00:00Z", False),
        ("2020-04-13T20:20:39", False),
        ("2020-04-13 20:20:39Z", False),
    ],
)
def test_date_time_format(timestamp: str, ok: bool) -> None:
    diagnostics = validation.validate_cyclonedx_json(
        _bom(metadata={"timestamp": timestamp}), "1.6", "bom.json"
    )
    assert (diagnostics == ()) is ok
    if not ok:
        assert [d.location.pointer for d in diagnostics] == ["/metadata/timestamp"]


def test_unique_items_uses_json_equality() -> None:
    """Objects are equal whatever their key order; `1` equals `1.0`; `true` is not `1`."""
    twins = [{"type": "library", "name": "a"}, {"name": "a", "type": "library"}]
    [diagnostic] = validation.validate_cyclonedx_json(_bom(components=twins), "1.6", "b.json")
    assert diagnostic.location.pointer == "/components"
    assert diagnostic.message == "non-unique array items: item 1 equals item 0"
    key = validation._json_key
    assert key({"a": [1, None]}) == key({"a": [1.0, None]})
    assert key(True) != key(1)
    assert key("1") != key(1)
    assert key([1, 2]) != key([2, 1])


def test_long_instance_dumps_are_shortened() -> None:
    [diagnostic] = validation.validate_cyclonedx_json(_bom(metadata="x" * 5000), "1.6", "b.json")
    assert diagnostic.location.pointer == "/metadata"
    assert diagnostic.message.endswith("… is not of type 'object'")
    assert len(diagnostic.message) < 120


def test_pointer_escapes_slash_and_tilde() -> None:
    doc = _bom(metadata={"properties": [{"name": "a", "value": 1}]})
    doc["metadata"]["a/b~c"] = 1
    diagnostics = validation.validate_cyclonedx_json(doc, "1.6", "b.json")
    pointers = {d.location.pointer for d in diagnostics}
    assert pointers == {"/metadata", "/metadata/properties/0/value"}
    assert any("a/b~c" in d.message for d in diagnostics)
    [bad_key] = [p for p in pointers if p != "/metadata"]
    assert _resolve_json_pointer(doc, bad_key) == 1


def test_warnings_are_capped_per_file(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(limits, "MAX_WARNINGS_PER_FILE", 5)
    doc = _bom(components=[{"type": "nonsense", "name": str(i)} for i in range(12)])
    diagnostics = validation.validate_cyclonedx_json(doc, "1.6", "bom.json")
    assert len(diagnostics) == 6
    assert {d.code for d in diagnostics[:5]} == {"schema"}
    assert diagnostics[5].code == "limit"
    assert diagnostics[5].message == "7 more schema violations left out (limit 5 per file)"


def test_xml_warnings_are_capped_per_file(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(limits, "MAX_WARNINGS_PER_FILE", 2)
    components = "".join(
        f'<component type="nonsense"><name>{i}</name></component>' for i in range(4)
    )
    xml = f'<bom xmlns="http://cyclonedx.org/schema/bom/1.5"><components>{components}</components></bom>'
    diagnostics = validation.validate_cyclonedx_xml(
        parse_xml(xml.encode(), "b.xml"), "1.5", "b.xml"
    )
    assert [d.code for d in diagnostics] == ["schema", "schema", "limit"]
    assert diagnostics[0].location.pointer == "line 1, /bom/components/component[1]"
    assert diagnostics[2].message.startswith("2 more schema violations left out")


def test_version_range_needs_is_external_in_xml() -> None:
    def bom(attributes: str) -> etree._Element:
        xml = (
            '<bom xmlns="http://cyclonedx.org/schema/bom/1.7"><components>'
            f'<component type="library"{attributes}><name>x</name>'
            "<versionRange>vers:pypi/&lt;2</versionRange></component></components></bom>"
        )
        return parse_xml(xml.encode(), "b.xml")

    assert validation.validate_cyclonedx_xml(bom(' isExternal="true"'), "1.7", "b.xml") == ()
    for attributes in ("", ' isExternal="false"'):
        [diagnostic] = validation.validate_cyclonedx_xml(bom(attributes), "1.7", "b.xml")
        assert diagnostic.location.pointer == "line 1, /bom/components/component"
        assert "isExternal" in diagnostic.message


def test_unsupported_versions_raise() -> None:
    with pytest.raises(UnsupportedFormat, match=r"CycloneDX 1\.1 JSON"):
        validation.validate_cyclonedx_json({}, "1.1", "bom.json")
    with pytest.raises(UnsupportedFormat, match=r"CycloneDX 1\.8 XML"):
        validation.validate_cyclonedx_xml(etree.Element("bom"), "1.8", "bom.xml")
    with pytest.raises(UnsupportedFormat, match=r"SPDX 2\.1"):
        validation.validate_spdx_json({}, "2.1", "sbom.json")


# --- SPDX ------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("version", "path"),
    [
        ("2.2", "spdx-spec/v2.2.2/examples/SPDXJSONExample-v2.2.spdx.json"),
        ("2.2", "spdx-spec/v2.2.2/examples/SPDXYAMLExample-2.2.spdx.yaml"),
        ("2.3", "spdx-spec/v2.3.1/examples/SPDXJSONExample-v2.3.spdx.json"),
        ("2.3", "spdx-spec/v2.3.1/examples/SPDXYAMLExample-2.3.spdx.yaml"),
    ],
)
def test_spdx_spec_examples_validate(shared_data: Path, version: str, path: str) -> None:
    data = (shared_data / path).read_bytes()
    doc = load_json(data, path) if path.endswith(".json") else load_yaml(data, path)
    assert validation.validate_spdx_json(doc, version, path) == ()


def test_spdx_spec_examples_are_all_covered(shared_data: Path) -> None:
    examples = sorted(shared_data.glob("spdx-spec/v2.*/examples/*.spdx.[jy]*"))
    assert [p.name for p in examples] == [
        "SPDXJSONExample-v2.2.spdx.json",
        "SPDXYAMLExample-2.2.spdx.yaml",
        "SPDXJSONExample-v2.3.spdx.json",
        "SPDXYAMLExample-2.3.spdx.yaml",
    ]


def test_spdx_2_3_rejects_what_2_3_forbids(shared_data: Path) -> None:
    path = shared_data / "spdx-spec/v2.3.1/examples/SPDXJSONExample-v2.3.spdx.json"
    doc = load_json(path.read_bytes(), path.name)
    doc["packages"][0]["primaryPackagePurpose"] = "SPACESHIP"
    [diagnostic] = validation.validate_spdx_json(doc, "2.3", path.name)
    assert diagnostic.location.pointer == "/packages/0/primaryPackagePurpose"
    assert "'SPACESHIP' is not one of" in diagnostic.message


def test_syft_spdx_files_violate_the_schema(shared_data: Path) -> None:
    """syft 0.57 leaves out `copyrightText`, which SPDX 2.2 requires on files and packages."""
    root = shared_data / "guac-data-sboms"
    paths = sorted([*root.glob("docs/spdx/*.json"), *root.glob("top-dh-sboms/*.json")])
    assert len(paths) == 14
    for path in paths:
        doc = load_json(path.read_bytes(), path.name)
        assert doc["spdxVersion"] == "SPDX-2.2"
        diagnostics = validation.validate_spdx_json(doc, "2.2", path.name)
        assert diagnostics, path.name
        for diagnostic in diagnostics:
            assert re.fullmatch(r"/(files|packages)/\d+", diagnostic.location.pointer)
            assert diagnostic.message == "'copyrightText' is a required property"
            assert "copyrightText" not in _resolve_json_pointer(doc, diagnostic.location.pointer)


# --- the bundled schemas ---------------------------------------------------------------------

SOURCES = {
    **{
        name: f"cyclonedx-specification/schema/{name}"
        for name in (
            *(f"bom-{v}.schema.json" for v in validation.CYCLONEDX_JSON_VERSIONS),
            *(f"bom-{v}.xsd" for v in validation.CYCLONEDX_XML_VERSIONS),
            "spdx.schema.json",
            "spdx.xsd",
            "jsf-0.82.schema.json",
            "cryptography-defs.schema.json",
        )
    },
    "LICENSE-CycloneDX-Apache-2.0.txt": "cyclonedx-specification/LICENSE",
    "spdx-2.2.schema.json": "spdx-spec/v2.2.2/schemas/spdx-schema.json",
    "spdx-2.3.schema.json": "spdx-spec/v2.3.1/schemas/spdx-schema.json",
    "LICENSE-SPDX-CC-BY-3.0.txt": "spdx-spec/v2.3.1/LICENSE",
    "openvex-0.2.0.schema.json": "openvex-spec/openvex_json_schema.json",
    "LICENSE-OpenVEX-CC0-1.0.txt": "openvex-spec/LICENSE",
    "spdx-3.0.1-model.json-ld": "spdx-spec/v3.0-develop/rdf/spdx-model.json-ld",
    "spdx-3.0.1-context.jsonld": "spdx-spec/v3.0-develop/rdf/spdx-context.jsonld",
    "LICENSE-SPDX-3-Community-Spec-1.0-CC-BY-3.0.txt": "spdx-spec/v3.0-develop/LICENSE",
}


def test_bundled_files_are_unmodified_copies(shared_data: Path) -> None:
    bundled = sorted(entry.name for entry in SCHEMAS.iterdir())
    assert bundled == sorted([*SOURCES, "README.md"])
    for name, source in SOURCES.items():
        assert (SCHEMAS / name).read_bytes() == (shared_data / source).read_bytes(), name


def _refs(node: Any) -> list[str]:
    if isinstance(node, dict):
        own = [node["$ref"]] if isinstance(node.get("$ref"), str) else []
        return own + [ref for value in node.values() for ref in _refs(value)]
    if isinstance(node, list):
        return [ref for value in node for ref in _refs(value)]
    return []


def test_every_json_ref_resolves_inside_the_bundle() -> None:
    registry = validation._registry()
    for entry in SCHEMAS.iterdir():
        if entry.name.endswith(".schema.json"):
            schema = json.loads(entry.read_bytes())
            resolver = registry.resolver(base_uri=schema["$id"])
            for ref in set(_refs(schema)):
                resolver.lookup(ref)


def test_unbundled_json_refs_are_refused_not_fetched() -> None:
    with pytest.raises(Unresolvable):
        validation._registry().resolver().lookup("https://cyclonedx.org/schema/bom-1.8.schema.json")


def test_unbundled_xsd_imports_are_refused_not_fetched() -> None:
    parser = etree.XMLParser(no_network=True)
    parser.resolvers.add(validation._BundledResolver())
    xsd = (
        b'<xs:schema xmlns:xs="http://www.w3.org/2001/XMLSchema">'
        b'<xs:import namespace="urn:x" schemaLocation="https://example.invalid/x.xsd"/></xs:schema>'
    )
    with pytest.raises(etree.XMLSchemaParseError, match=r"example\.invalid"):
        etree.XMLSchema(etree.fromstring(xsd, parser))


def test_json_schemas_are_valid_under_their_meta_schemas() -> None:
    for entry in SCHEMAS.iterdir():
        if entry.name.endswith(".schema.json"):
            schema = json.loads(entry.read_bytes())
            validator_for(schema).check_schema(schema)


def test_yaml_non_string_keys_are_reported_not_crashed(shared_data: Path, tmp_path: Path) -> None:
    """An SPDX YAML package with `~:` and `1:` keys (YAML allows them, JSON and the compiled
    validator do not) is validated by the reference validator: warnings, every package read."""
    example = shared_data / "spdx-spec/v2.3.1/examples/SPDXYAMLExample-2.3.spdx.yaml"
    text = example.read_text(encoding="utf-8")
    plain = read_sbom(example, "plain.yaml", validate=True)
    marker = "\npackages:\n- "
    assert marker in text
    odd = tmp_path / "odd.yaml"
    odd.write_text(text.replace(marker, marker + "~: x\n  1: y\n  ", 1), encoding="utf-8")
    document = read_sbom(odd, "odd.yaml", validate=True)
    assert len(document.components) == len(plain.components)
    new = {w.message for w in document.warnings} - {w.message for w in plain.warnings}
    assert any("(1, None were unexpected)" in m or "(None, 1 were" in m for m in new), new
