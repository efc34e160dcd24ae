"""End-to-end tests of `read_sbom` on the CycloneDX conformance suite and every real SBOM we hold.

Files are found by walking the data folders and recognising each by its content here (with
`json`, `xml.etree`, `yaml` and line matching), never by its name and never through our sniffer.
Every expected number is computed here from the raw document:

- CycloneDX: `metadata.component` plus all `components`, recursively (nested ones too), counting
  only entries with a non-blank `name` (the readers skip the others); `services` likewise.
- SPDX 2.x: `packages` with a non-blank name and a distinct SPDXID (the reader skips repeats);
  `files` are counted separately.
- SPDX 3: package elements (`software_Package` and its AI and dataset subclasses) with a
  non-blank name and a distinct `spdxId`; `software_File` elements are counted separately.

CSV manifests (cyclonedx-buildroot-testdata), schemas, ontologies, checksums, lock and
requirements files are not SBOMs: by design they are not read, and each must be refused with a
clear one-line `InputError`.
"""

from __future__ import annotations

import json
import os
import re
import xml.etree.ElementTree as ET
from collections.abc import Iterator
from functools import cache
from pathlib import Path
from typing import Any

import pytest
import yaml

from chainreview.components.model import Encoding, SbomDocument, SbomFormat
from chainreview.errors import InputError, UnsupportedFormat
from chainreview.evidence.sbom import read_sbom

DATA = Path(os.environ["CHAINREVIEW_SHARED_DATA"])
SPEC_TESTS = "cyclonedx-specification/tools/src/test/resources"
CONFORMANCE_VERSIONS = ("1.2", "1.3", "1.4", "1.5", "1.6", "1.7")
SBOM_FOLDERS = (
    "cyclonedx-bom-examples",
    "guac-data-sboms",
    "sbomqs-samples",
    "spdx-examples",
    "spdx-spec",
    "osv-scanner-fixtures",
    "cyclonedx-buildroot-testdata",
)
SBOM_INSECURE = "osv-scanner-fixtures/cmd/osv-scanner/scan/source/testdata/sbom-insecure"

CDX_JSON, CDX_XML = "cyclonedx-json", "cyclonedx-xml"
SPDX_JSON, SPDX_YAML, SPDX_TV = "spdx-json", "spdx-yaml", "spdx-tag-value"
SPDX3, SPDX_RDF, SPDX_XML = "spdx-3", "spdx-rdf-xml", "spdx-xml"
READABLE = (CDX_JSON, CDX_XML, SPDX_JSON, SPDX_YAML, SPDX_TV, SPDX3)
ENCODINGS = {
    CDX_JSON: (SbomFormat.CYCLONEDX, Encoding.JSON),
    CDX_XML: (SbomFormat.CYCLONEDX, Encoding.XML),
    SPDX_JSON: (SbomFormat.SPDX, Encoding.JSON),
    SPDX_YAML: (SbomFormat.SPDX, Encoding.YAML),
    SPDX_TV: (SbomFormat.SPDX, Encoding.TAG_VALUE),
    SPDX3: (SbomFormat.SPDX, Encoding.JSON),
}
_TV_VERSION = re.compile(r"^\s*SPDXVersion:\s*SPDX-2\.\d\s*$", re.MULTILINE)
_YAML_VERSION = re.compile(r"""^spdxVersion:\s*["']?SPDX-2\.\d["']?\s*$""", re.MULTILINE)
_TV_LINE = re.compile(r"^\s*([A-Za-z][A-Za-z0-9_-]*)\s*:(.*)$")


# --- recognising files by content, independently of chainreview ----------------------------


def classify(path: Path) -> str | None:
    """What `path` holds, judged from its content; None for anything that is not an SBOM."""
    data = path.read_bytes()
    try:
        text = data.decode("utf-8-sig")
    except UnicodeDecodeError:
        return None
    head = text.lstrip()
    if head.startswith(("{", "[")):
        try:
            return _classify_json(json.loads(text))
        except ValueError:
            return None
    if head.startswith("<"):
        return _classify_xml(ET.fromstring(data), text)
    if _TV_VERSION.search(text):
        return SPDX_TV
    if _YAML_VERSION.search(text):
        return SPDX_YAML
    return None


def _classify_json(doc: Any) -> str | None:
    if not isinstance(doc, dict):
        return None
    if doc.get("bomFormat") == "CycloneDX":
        return CDX_JSON
    version = doc.get("spdxVersion")
    if isinstance(version, str):
        return SPDX3 if version.startswith("SPDX-3") else SPDX_JSON
    context = doc.get("@context")
    if "@graph" in doc and isinstance(context, (str, list)) and "spdx.org/rdf/3" in str(context):
        return SPDX3
    return None


def _classify_xml(root: ET.Element, text: str) -> str | None:
    if root.tag.startswith("{http://cyclonedx.org/schema/bom/"):
        return CDX_XML
    if root.tag == "{http://www.w3.org/1999/02/22-rdf-syntax-ns#}RDF" and "spdx.org" in text:
        return SPDX_RDF
    if root.tag == "Document" and (root.findtext("spdxVersion") or "").startswith("SPDX-2"):
        return SPDX_XML
    return None


def _walk_files() -> Iterator[tuple[str, str | None]]:
    for folder in SBOM_FOLDERS:
        for path in sorted((DATA / folder).rglob("*")):
            if path.is_file():
                yield path.relative_to(DATA).as_posix(), classify(path)


CLASSIFIED: dict[str, str | None] = dict(_walk_files()) if DATA.is_dir() else {}
READABLE_FILES = sorted(f for f, kind in CLASSIFIED.items() if kind in READABLE)
UNREADABLE_SBOMS = sorted(f for f, kind in CLASSIFIED.items() if kind in (SPDX_RDF, SPDX_XML))
NOT_SBOMS = sorted(f for f, kind in CLASSIFIED.items() if kind is None)


# --- expected numbers, from the raw documents ------------------------------------------------


def _named(value: object) -> bool:
    if isinstance(value, (int, float)) and not isinstance(value, bool):
        return True  # the SPDX reader reads a number as text
    return isinstance(value, str) and bool(value.strip())


def _cdx_json_tree(entries: Any, key: str, pointer: str) -> Iterator[tuple[str, dict[str, Any]]]:
    """Each object of array `entries` and, depth first, of its nested `key` arrays."""
    for index, entry in enumerate(entries if isinstance(entries, list) else []):
        if isinstance(entry, dict):
            where = f"{pointer}/{index}"
            yield where, entry
            yield from _cdx_json_tree(entry.get(key), key, f"{where}/{key}")


def cdx_json_components(doc: dict[str, Any]) -> list[tuple[str, dict[str, Any]]]:
    """Every component entry with its JSON pointer: metadata.component, then components."""
    found: list[tuple[str, dict[str, Any]]] = []
    primary = (doc.get("metadata") or {}).get("component")
    if isinstance(primary, dict):
        found.append(("/metadata/component", primary))
        found += _cdx_json_tree(primary.get("components"), "components", "/metadata/component")
    found += _cdx_json_tree(doc.get("components"), "components", "/components")
    return found


def cdx_xml_components(root: ET.Element) -> list[ET.Element]:
    ns = root.tag[1 : root.tag.index("}")]

    def q(name: str) -> str:
        return f"{{{ns}}}{name}"

    def tree(elements: list[ET.Element], wrapper: str, item: str) -> list[ET.Element]:
        found = []
        for element in elements:
            found.append(element)
            found += tree(element.findall(f"{q(wrapper)}/{q(item)}"), wrapper, item)
        return found

    primary = root.findall(f"{q('metadata')}/{q('component')}")[:1]
    return tree(
        primary + root.findall(f"{q('components')}/{q('component')}"), "components", "component"
    )


def cdx_xml_services(root: ET.Element) -> list[ET.Element]:
    ns = root.tag[1 : root.tag.index("}")]
    q = f"{{{ns}}}"
    found: list[ET.Element] = []
    stack = root.findall(f"{q}services/{q}service")
    while stack:
        service = stack.pop()
        found.append(service)
        stack += service.findall(f"{q}services/{q}service")
    return found


def _xml_name(element: ET.Element) -> str | None:
    ns = element.tag[: element.tag.index("}") + 1]
    name = element.find(f"{ns}name")
    return None if name is None else name.text or ""


def spdx_counts(doc: dict[str, Any]) -> tuple[int, int]:
    """(packages that become components, files) of a parsed SPDX 2.x JSON/YAML document."""
    refs: set[str] = set()
    for index, package in enumerate(doc.get("packages") or []):
        if isinstance(package, dict) and _named(package.get("name")):
            ref = package.get("SPDXID")
            refs.add(ref.strip() if isinstance(ref, str) and ref.strip() else f"#{index}")
    return len(refs), len(doc.get("files") or [])


def spdx3_counts(doc: dict[str, Any]) -> tuple[int, int]:
    """(package elements with a name and a distinct id, file elements) of an SPDX 3 graph."""
    package_types = ("software_Package", "ai_AIPackage", "dataset_DatasetPackage")
    refs = {
        e.get("spdxId")
        for e in doc["@graph"]
        if e.get("type") in package_types and _named(e.get("name"))
    }
    return len(refs), sum(e.get("type") == "software_File" for e in doc["@graph"])


def tag_value_counts(text: str) -> tuple[int, int]:
    """(named packages with distinct SPDXIDs, files) of a tag-value text, by line matching."""
    refs: list[str] = []
    files = 0
    in_text = False
    current: str | None = None  # the section the last starter tag opened
    for line in text.split("\n"):
        if in_text:
            in_text = "</text>" not in line
            continue
        match = _TV_LINE.match(line)
        if match is None or line.lstrip().startswith("#"):
            continue
        tag, value = match.group(1), match.group(2).strip()
        if value.startswith("<text>") and "</text>" not in value:
            in_text = True
        if tag in ("PackageName", "FileName", "SnippetSPDXID", "LicenseID"):
            current = tag if tag != "PackageName" or value else None
            files += tag == "FileName"
            if current == "PackageName":
                refs.append(f"#package{len(refs)}")
        elif tag == "SPDXID" and current == "PackageName":
            refs[-1] = value
    return len(set(refs)), files


@cache
def _schema_required(kind: str, version: str) -> dict[str, frozenset[str]]:
    """Required properties of components/services (CycloneDX) or packages/files (SPDX)."""
    if kind == "cyclonedx":
        path = DATA / f"cyclonedx-specification/schema/bom-{version}.schema.json"
        definitions = json.loads(path.read_text())["definitions"]
        return {key: frozenset(definitions[key].get("required", ())) for key in ("component",)}
    folder = {"2.2": "v2.2.2", "2.3": "v2.3.1"}[version]
    schema = json.loads((DATA / f"spdx-spec/{folder}/schemas/spdx-schema.json").read_text())
    return {
        key: frozenset(schema["properties"][key]["items"]["required"])
        for key in ("packages", "files")
    }


def _missing_required(relative: str, kind: str) -> set[tuple[str, str]] | None:
    """(JSON pointer, property) of every required property an entry lacks, per the official
    schema; None for encodings whose warnings are not located by JSON pointer."""
    path = DATA / relative
    if kind == CDX_JSON:
        doc = json.loads(path.read_bytes())
        required = _schema_required("cyclonedx", doc["specVersion"])["component"]
        return {
            (pointer, prop)
            for pointer, entry in cdx_json_components(doc)
            for prop in required
            if prop not in entry
        }
    if kind in (SPDX_JSON, SPDX_YAML):
        doc = (
            json.loads(path.read_bytes()) if kind == SPDX_JSON else yaml.safe_load(path.read_text())
        )
        spec = _schema_required("spdx", doc["spdxVersion"].removeprefix("SPDX-"))
        return {
            (f"/{key}/{index}", prop)
            for key, required in spec.items()
            for index, entry in enumerate(doc.get(key) or [])
            for prop in required
            if prop not in entry
        }
    return None


def expected_counts(relative: str, kind: str) -> tuple[int, int, int]:
    """(components, services, SPDX files) of one document, computed from its raw text."""
    path = DATA / relative
    if kind == CDX_JSON:
        doc = json.loads(path.read_bytes())
        components = sum(_named(e.get("name")) for _, e in cdx_json_components(doc))
        services = sum(
            _named(e.get("name")) for _, e in _cdx_json_tree(doc.get("services"), "services", "")
        )
        return components, services, 0
    if kind == CDX_XML:
        root = ET.parse(path).getroot()
        components = sum(_named(_xml_name(e)) for e in cdx_xml_components(root))
        services = sum(_named(_xml_name(e)) for e in cdx_xml_services(root))
        return components, services, 0
    if kind == SPDX_TV:
        packages, files = tag_value_counts(path.read_text(encoding="utf-8-sig"))
        return packages, 0, files
    if kind == SPDX3:
        packages, files = spdx3_counts(json.loads(path.read_bytes()))
        return packages, 0, files
    doc = json.loads(path.read_bytes()) if kind == SPDX_JSON else yaml.safe_load(path.read_text())
    packages, files = spdx_counts(doc)
    return packages, 0, files


@cache
def read_real(relative: str) -> SbomDocument:
    """`read_sbom` of one shared file, read once for all the tests that look at it."""
    return read_sbom(DATA / relative, relative)


def assert_clear_error(error: InputError, display: str) -> None:
    """An error for the user: one short line that starts with the file's display name."""
    text = str(error)
    assert "\n" not in text and "\r" not in text, text
    assert text.startswith(f"{display}: "), text
    assert len(text) < 300 + len(display), text


# --- 1. conformance suite ----------------------------------------------------------------------


def _conformance_files(prefix: str) -> list[str]:
    root = DATA / SPEC_TESTS
    return sorted(
        f"{version}/{p.name}"
        for version in CONFORMANCE_VERSIONS
        if (root / version).is_dir()
        for p in (root / version).iterdir()
        if p.name.startswith(prefix) and p.suffix in (".json", ".xml")
    )


VALID_SPEC_FILES = _conformance_files("valid-")
INVALID_SPEC_FILES = _conformance_files("invalid-")


def test_conformance_files_are_found(shared_data: Path) -> None:
    for version in CONFORMANCE_VERSIONS:
        names = {p.name for p in (shared_data / SPEC_TESTS / version).iterdir()}
        valid = [f for f in VALID_SPEC_FILES if f.startswith(f"{version}/")]
        invalid = [f for f in INVALID_SPEC_FILES if f.startswith(f"{version}/")]
        assert len(valid) == sum(
            n.startswith("valid-") and n.endswith((".json", ".xml")) for n in names
        )
        assert len(invalid) == sum(
            n.startswith("invalid-") and n.endswith((".json", ".xml")) for n in names
        )
        assert valid and invalid


@pytest.mark.parametrize("relative", VALID_SPEC_FILES)
def test_valid_spec_file_reads_without_any_warning(shared_data: Path, relative: str) -> None:
    path = shared_data / SPEC_TESTS / relative
    document = read_sbom(path, relative)
    assert document.warnings == (), [str(w) for w in document.warnings]
    assert document.format is SbomFormat.CYCLONEDX
    assert document.spec_version == relative.split("/")[0]
    assert document.encoding is (Encoding.XML if path.suffix == ".xml" else Encoding.JSON)


@pytest.mark.parametrize("relative", INVALID_SPEC_FILES)
def test_invalid_spec_file_warns_or_is_refused(shared_data: Path, relative: str) -> None:
    try:
        document = read_sbom(shared_data / SPEC_TESTS / relative, relative)
    except InputError as error:
        assert_clear_error(error, relative)
        return
    assert document.warnings, f"{relative} is invalid but read without a warning"
    assert all(w.location.file == relative for w in document.warnings)


# --- 2. every real SBOM ----------------------------------------------------------------------


def test_real_sboms_are_found() -> None:
    kinds = list(CLASSIFIED.values())
    # Lower bounds only, so new files are welcome; each folder contributes something.
    assert kinds.count(CDX_JSON) >= 80 and kinds.count(CDX_XML) >= 20
    assert kinds.count(SPDX_JSON) >= 30 and kinds.count(SPDX_TV) >= 12
    assert kinds.count(SPDX_YAML) >= 2 and kinds.count(SPDX3) >= 25
    assert kinds.count(SPDX_RDF) >= 2 and kinds.count(SPDX_XML) >= 2
    for folder in SBOM_FOLDERS[:-1]:
        assert any(f.startswith(f"{folder}/") for f in READABLE_FILES), folder
    # cyclonedx-buildroot-testdata holds Buildroot CSV manifests and `make show-info` JSON,
    # which are not SBOMs: nothing there is read, by design.
    assert not [f for f in READABLE_FILES if f.startswith("cyclonedx-buildroot-testdata/")]
    assert any(f.endswith(".csv") for f in NOT_SBOMS)


@pytest.mark.parametrize("relative", READABLE_FILES)
def test_real_sbom_is_ingested_completely(shared_data: Path, relative: str) -> None:
    kind = CLASSIFIED[relative]
    assert kind is not None
    document = read_real(relative)
    components, services, files = expected_counts(relative, kind)

    assert (document.format, document.encoding) == ENCODINGS[kind]
    assert len(document.components) == components
    assert len(document.services) == services
    assert document.file_count == files
    assert document.file == relative
    assert all(c.sources and c.sources[0].file == relative for c in document.components)
    assert all(w.location.file == relative and "\n" not in w.message for w in document.warnings)

    missing = _missing_required(relative, kind)
    if missing is not None:
        # Every required property the official schema says an entry lacks is listed as a schema
        # warning at that entry, and no entry is said to lack one it has.
        reported = {
            (w.location.pointer, m.group(1))
            for w in document.warnings
            if w.code == "schema"
            and (m := re.fullmatch(r"'([^']+)' is a required property", w.message))
            and re.fullmatch(
                r"(/metadata/component|/components/\d+|/packages/\d+|/files/\d+)(/components/\d+)*",
                w.location.pointer,
            )
        }
        assert reported == missing


def test_syft_spdx_documents_list_their_schema_warnings(shared_data: Path) -> None:
    syft = []
    for relative in READABLE_FILES:
        if not relative.startswith("guac-data-sboms/") or CLASSIFIED[relative] != SPDX_JSON:
            continue
        creators = json.loads((shared_data / relative).read_bytes())["creationInfo"]["creators"]
        if any(c.startswith("Tool: syft") for c in creators):
            syft.append(relative)
    assert len(syft) == 14
    for relative in syft:
        document = read_real(relative)
        missing = _missing_required(relative, SPDX_JSON)
        assert missing, relative
        assert sum(w.code == "schema" for w in document.warnings) >= len(missing)


def test_bad_purls_warn_and_keep_their_components(shared_data: Path) -> None:
    relative = f"{SBOM_INSECURE}/bad-purls.cdx.xml"
    document = read_sbom(shared_data / relative, relative)
    root = ET.parse(shared_data / relative).getroot()
    ns = root.tag[: root.tag.index("}") + 1]
    entries = root.findall(f"{ns}components/{ns}component")
    named = {
        f"/bom/components/component[{i}]": e
        for i, e in enumerate(entries, start=1)
        if _named(_xml_name(e))
    }
    by_pointer = {c.sources[0].pointer: c for c in document.components}
    assert set(named) <= set(by_pointer)  # every named entry is kept, bad purl or not

    purl_warnings = [w for w in document.warnings if w.code == "purl"]
    assert purl_warnings
    for warning in purl_warnings:
        pointer = warning.location.pointer.removesuffix("/purl")
        assert warning.location.pointer.endswith("/purl") and pointer in named
        assert (named[pointer].findtext(f"{ns}purl") or "").strip()
        assert by_pointer[pointer].purl is None
    # Every kept purl is one the document wrote on that entry (normalised, never invented).
    for pointer, component in by_pointer.items():
        if component.purl is not None and pointer in named:
            assert component.purl.split("@")[0] in (named[pointer].findtext(f"{ns}purl") or "")


def test_alpine_zlib_fixture_reads_with_warnings_not_failure(shared_data: Path) -> None:
    relative = f"{SBOM_INSECURE}/alpine-zlib-16.cdx.json"
    raw = json.loads((shared_data / relative).read_bytes())
    document = read_sbom(shared_data / relative, relative)
    assert [c.name for c in document.components] == [raw["components"][0]["name"]]
    assert document.components[0].purl is not None
    assert document.components[0].purl.startswith("pkg:apk/alpine/zlib@1.2.12-r1")
    # The metadata component has an empty name and type: skipped with a reason, and warned.
    assert [s.location.pointer for s in document.skipped] == ["/metadata/component"]
    assert any(w.location.pointer == "/metadata/component/type" for w in document.warnings)


@pytest.mark.parametrize("relative", UNREADABLE_SBOMS)
def test_unsupported_sbom_gives_a_one_line_unsupported_format(
    shared_data: Path, relative: str
) -> None:
    with pytest.raises(UnsupportedFormat) as caught:
        read_sbom(shared_data / relative, relative)
    assert_clear_error(caught.value, relative)
    kind = CLASSIFIED[relative]
    assert "not supported" in str(caught.value)
    assert ("RDF" in str(caught.value)) is (kind == SPDX_RDF)


def test_spdx_3_examples_are_all_found() -> None:
    spdx3 = [f for f, kind in CLASSIFIED.items() if kind == SPDX3]
    assert "spdx-spec/v3.0-develop/examples/jsonld/package_sbom.json" in spdx3
    assert all(f.startswith("spdx-examples/") for f in spdx3 if "v3.0-develop" not in f)
    assert len([f for f in spdx3 if "/spdx3.0/" in f]) >= 20


def test_cyclonedx_vex_documents_are_boms(shared_data: Path) -> None:
    vex = [
        f
        for f in READABLE_FILES
        if CLASSIFIED[f] == CDX_JSON
        and "vulnerabilities" in json.loads((shared_data / f).read_bytes())
    ]
    assert len(vex) >= 20
    empty = 0
    for relative in vex:
        document = read_real(relative)
        components, _, _ = expected_counts(relative, CDX_JSON)
        assert len(document.components) == components
        empty += components == 0
    assert empty >= 5  # VEX-only documents: no components at all, and still read


@pytest.mark.parametrize("relative", NOT_SBOMS)
def test_non_sbom_file_is_refused_clearly(shared_data: Path, relative: str) -> None:
    with pytest.raises(InputError) as caught:
        read_sbom(shared_data / relative, relative)
    assert_clear_error(caught.value, relative)
