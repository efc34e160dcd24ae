"""Tests of the CycloneDX XML reader against the spec's test BOMs, real SBOMs and edge cases.

Expected numbers are computed here by walking the raw XML with `xml.etree.ElementTree`, never
copied from the reader's output.
"""

from __future__ import annotations

import os
import re
import xml.etree.ElementTree as ET
from collections import Counter
from collections.abc import Iterator
from pathlib import Path

import pytest

from chainreview import raw
from chainreview.components.model import EdgeKind, Encoding, SbomDocument, SignatureStatus
from chainreview.errors import InputError
from chainreview.evidence import cyclonedx_json, cyclonedx_xml

SPEC_TESTS = "cyclonedx-specification/tools/src/test/resources"
JUICE = "cyclonedx-bom-examples/SBOM/juice-shop/via_npm/flat/bom.1.4"
JUICE_BARE = "cyclonedx-bom-examples/SBOM/juice-shop/via_npm/bare/bom.1.4.xml"
BAD_PURLS = (
    "osv-scanner-fixtures/cmd/osv-scanner/scan/source/testdata/sbom-insecure/bad-purls.cdx.xml"
)
# A purl shape good enough for this test data: type, optional namespace, a non-empty name.
PLAUSIBLE_PURL = re.compile(r"pkg:[a-z]+/(?:[^/@?#]+/)*[^/@?#]+(?:@[^?#]+)?(?:\?.*)?")


def _spec_test_files() -> list[str]:
    """`valid-*.xml` of spec 1.0–1.7, relative to the shared data (listed at collection time)."""
    root = Path(os.environ["CHAINREVIEW_SHARED_DATA"]) / SPEC_TESTS
    found = []
    for version in ("1.0", "1.1", "1.2", "1.3", "1.4", "1.5", "1.6", "1.7"):
        found += [f"{SPEC_TESTS}/{version}/{p.name}" for p in (root / version).glob("valid-*.xml")]
    return sorted(found)


VALID_FILES = _spec_test_files()


def _load(shared_data: Path, relative: str) -> tuple[ET.Element, str, SbomDocument]:
    """The stdlib-parsed root, its namespace, and the reader's document for one shared file."""
    path = shared_data / relative
    tree = ET.parse(path).getroot()
    namespace = tree.tag[1 : tree.tag.index("}")]
    document = cyclonedx_xml.read(raw.parse_xml(path.read_bytes(), relative), relative)
    return tree, namespace, document


def _walk(root: ET.Element, ns: str) -> Iterator[tuple[ET.Element, ET.Element | None, str]]:
    """Every component entry (metadata/component first) with its parent entry and its path."""
    q = f"{{{ns}}}"
    primary = root.find(f"{q}metadata/{q}component")
    if primary is not None:
        yield from _walk_entry(primary, None, "/bom/metadata/component", ns)
    for index, entry in enumerate(root.findall(f"{q}components/{q}component"), start=1):
        yield from _walk_entry(entry, None, f"/bom/components/component[{index}]", ns)


def _walk_entry(
    entry: ET.Element, parent: ET.Element | None, path: str, ns: str
) -> Iterator[tuple[ET.Element, ET.Element | None, str]]:
    yield entry, parent, path
    q = f"{{{ns}}}"
    for index, child in enumerate(entry.findall(f"{q}components/{q}component"), start=1):
        yield from _walk_entry(child, entry, f"{path}/components/component[{index}]", ns)


def _name(entry: ET.Element, ns: str) -> str:
    return (entry.findtext(f"{{{ns}}}name") or "").strip()


def _walk_services(parent: ET.Element, ns: str) -> Iterator[ET.Element]:
    q = f"{{{ns}}}"
    for service in parent.findall(f"{q}services/{q}service"):
        yield service
        yield from _walk_services(service, ns)


def test_spec_test_files_are_found() -> None:
    assert len(VALID_FILES) > 200, "the CycloneDX spec test BOMs were not found"


@pytest.mark.parametrize("relative", VALID_FILES)
def test_reads_every_valid_spec_file(shared_data: Path, relative: str) -> None:
    tree, ns, document = _load(shared_data, relative)
    entries = list(_walk(tree, ns))
    named = [(entry, path) for entry, _, path in entries if _name(entry, ns)]
    assert document.spec_version == ns.rsplit("/", 1)[1]
    assert document.encoding is Encoding.XML
    assert [c.name for c in document.components] == [_name(e, ns) for e, _ in named]
    assert [c.sources[0].pointer for c in document.components] == [path for _, path in named]
    assert len(document.skipped) == len(entries) - len(named)
    assert len(document.services) == len(list(_walk_services(tree, ns)))


def test_juice_shop_xml_matches_its_json_twin(shared_data: Path) -> None:
    tree, ns, document = _load(shared_data, f"{JUICE}.xml")
    assert len(document.components) == len(list(_walk(tree, ns))) > 1000
    q = f"{{{ns}}}"
    pairs = {
        (dependency.get("ref"), child.get("ref"))
        for dependency in tree.findall(f"{q}dependencies/{q}dependency")
        for child in dependency.findall(f"{q}dependency")
    }
    assert {(e.source, e.target) for e in document.edges} == pairs
    twin_path = shared_data / f"{JUICE}.json"
    twin = cyclonedx_json.read(raw.load_json(twin_path.read_bytes(), "j"), "j")

    def identity(doc: SbomDocument) -> Counter[tuple[object, ...]]:
        return Counter(
            (c.ref, c.name, c.version, c.group, c.purl, c.type, c.hashes, c.licenses, c.author)
            for c in doc.components
        )

    assert identity(document) == identity(twin)
    assert set(document.edges) == set(twin.edges)
    assert document.metadata.primary == twin.metadata.primary
    assert document.metadata.tools == twin.metadata.tools


def test_nested_components_give_contains_edges(shared_data: Path) -> None:
    tree, ns, document = _load(shared_data, JUICE_BARE)
    nested = [(e, p) for e, p, _ in _walk(tree, ns) if p is not None]
    assert nested
    contains = {(e.source, e.target) for e in document.edges if e.kind is EdgeKind.CONTAINS}
    assert contains == {(p.get("bom-ref"), e.get("bom-ref")) for e, p in nested}


def test_bad_purls_give_warnings_not_failures(shared_data: Path) -> None:
    tree, ns, document = _load(shared_data, BAD_PURLS)
    entries = list(_walk(tree, ns))
    named = [e for e, _, _ in entries if _name(e, ns)]
    assert len(document.components) == len(named)
    assert len(document.skipped) == len(entries) - len(named) > 0
    assert all(s.reason == "component name is empty" for s in document.skipped)
    raw_purls = [(e.findtext(f"{{{ns}}}purl") or "").strip() for e in named]
    bad = [p for p in raw_purls if p and not PLAUSIBLE_PURL.fullmatch(p)]
    assert bad, "the fixture should carry bad purls"
    purl_warnings = [w for w in document.warnings if w.code == "purl"]
    assert len(purl_warnings) == len(bad)
    assert [c.purl is None for c in document.components] == [not p or p in bad for p in raw_purls]
    for warning in purl_warnings:
        assert warning.location.pointer.startswith("/bom/components/component[")


def test_services_and_classifications_1_2(shared_data: Path) -> None:
    tree, ns, document = _load(shared_data, f"{SPEC_TESTS}/1.2/valid-service-1.2.xml")
    q = f"{{{ns}}}"
    (raw_service,) = list(_walk_services(tree, ns))
    (service,) = document.services
    assert service.name == raw_service.findtext(f"{q}name")
    assert service.provider == raw_service.findtext(f"{q}provider/{q}name")
    assert service.endpoints == tuple(
        e.text for e in raw_service.findall(f"{q}endpoints/{q}endpoint")
    )
    assert service.authenticated is (raw_service.findtext(f"{q}authenticated") == "true")
    assert service.crosses_trust_boundary is (
        raw_service.findtext(f"{q}x-trust-boundary") == "true"
    )
    expected = [(c.get("flow"), c.text) for c in raw_service.findall(f"{q}data/{q}classification")]
    assert [(f.flow, f.classification) for f in service.data] == expected


def test_saasbom_dataflows(shared_data: Path) -> None:
    tree, ns, document = _load(shared_data, f"{SPEC_TESTS}/1.6/valid-saasbom-1.6.xml")
    q = f"{{{ns}}}"
    services = list(_walk_services(tree, ns))
    assert [s.ref for s in document.services] == [s.get("bom-ref") for s in services]
    for read_service, raw_service in zip(document.services, services, strict=True):
        assert read_service.trust_zone == raw_service.findtext(f"{q}trustZone")
        expected = [
            (
                flow.find(f"{q}classification").get("flow"),  # type: ignore[union-attr]
                flow.findtext(f"{q}classification"),
                tuple(u.text for u in flow.findall(f"{q}source/{q}url")),
                tuple(u.text for u in flow.findall(f"{q}destination/{q}url")),
            )
            for flow in raw_service.findall(f"{q}data/{q}dataflow")
        ]
        got = [(f.flow, f.classification, f.sources, f.destinations) for f in read_service.data]
        assert got == expected
    assert any(f.sources for s in document.services for f in s.data)


def test_xml_signature_is_detected(shared_data: Path) -> None:
    _, _, document = _load(shared_data, f"{SPEC_TESTS}/1.6/valid-xml-signature-1.6.xml")
    assert document.signature.status is SignatureStatus.PRESENT
    assert document.signature.algorithm == "http://www.w3.org/2001/04/xmldsig-more#rsa-sha256"
    _, _, unsigned = _load(shared_data, f"{SPEC_TESTS}/1.6/valid-service-1.6.xml")
    assert unsigned.signature.status is SignatureStatus.ABSENT


def _parse(text: str) -> SbomDocument:
    return cyclonedx_xml.read(raw.parse_xml(text.encode(), "x.xml"), "x.xml")


def test_edge_cases_in_a_small_document() -> None:
    document = _parse(
        """<bom xmlns="http://cyclonedx.org/schema/bom/1.6" serialNumber="urn:uuid:1">
          <metadata>
            <timestamp>2024-01-01T00:00:00Z</timestamp>
            <tools><components><component type="application"><name>gen</name>
              <version>2</version></component></components></tools>
            <authors><author><name>Ann</name></author><author><email>b@x</email></author></authors>
          </metadata>
          <components>
            <component type="library"><name>a</name><version>1</version>
              <hashes><hash alg="sha-256">ABCD</hash></hashes>
              <licenses><expression>MIT OR BSD-3-Clause</expression></licenses>
              <supplier><contact><name>Sue</name></contact></supplier>
              <purl>pkg:npm/</purl></component>
            <component type="gizmo"><name/></component>
            <component type="library" bom-ref="c"><name>c</name></component>
          </components>
          <services><service><name>s</name><authenticated>maybe</authenticated></service></services>
          <dependencies><dependency ref="c"><dependency ref="ghost"/></dependency></dependencies>
        </bom>"""
    )
    assert document.spec_version == "1.6"
    a, c = document.components
    assert (a.ref, c.ref) == ("#/bom/components/component[1]", "c")
    assert [(h.algorithm, h.value) for h in a.hashes] == [("SHA-256", "abcd")]
    assert a.licenses == ("MIT OR BSD-3-Clause",)
    assert a.supplier == "Sue"
    assert a.purl is None
    assert [s.location.pointer for s in document.skipped] == ["/bom/components/component[2]"]
    assert [(e.source, e.target) for e in document.edges] == [("c", "ghost")]
    assert document.services[0].authenticated is None
    codes = Counter(w.code for w in document.warnings)
    assert codes == {"purl": 1, "schema": 1}
    assert document.metadata.authors == ("Ann", "b@x")
    assert document.metadata.tools == ("gen 2",)
    assert document.metadata.serial == "urn:uuid:1"


def test_not_cyclonedx_is_refused() -> None:
    with pytest.raises(InputError, match="not a CycloneDX XML document"):
        _parse("<bom xmlns='http://example.com/other'/>")
