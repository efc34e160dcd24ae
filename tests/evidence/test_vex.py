"""Reading VEX documents: every real CycloneDX VEX, OpenVEX and CSAF VEX file, and broken ones."""

from __future__ import annotations

import json
import os
from pathlib import Path
from typing import Any

import pytest
import yaml
from lxml import etree

from chainreview.components.purl import parse_purl
from chainreview.errors import InputError, UnsupportedFormat
from chainreview.evidence.vex import VexDocument, VexFormat, VexStatus, read_vex

DATA = Path(os.environ["CHAINREVIEW_SHARED_DATA"])
ROOTS = (
    "cyclonedx-bom-examples/VEX",
    "cyclonedx-specification/tools/src/test/resources",
    "openvex-go-vex-testdata",
    "openvex-vexctl-examples",
    "ubuntu-osv-vex-samples",
    "oasis-csaf/csaf_2.0/examples/csaf/csaf_vex",
)
CDX_STATES = {"resolved", "resolved_with_pedigree", "exploitable", "in_triage"}
CDX_STATES |= {"false_positive", "not_affected"}
CDX = "{http://cyclonedx.org/schema/bom/"
CANONICAL = "ubuntu-osv-vex-samples/tests/unit/providers/ubuntu/test-fixtures/vex/cve"


def _parsed(path: Path) -> Any:
    """The file parsed as JSON, YAML or XML, or None; an independent, test-side sniff."""
    data = path.read_bytes()
    try:
        if path.suffix == ".xml":
            return etree.fromstring(data)
        if path.suffix == ".json":
            return json.loads(data)
        if path.suffix in (".yaml", ".yml"):
            return yaml.safe_load(data)
    except (ValueError, yaml.YAMLError, etree.XMLSyntaxError):
        return None
    return None


def _expected_count(document: Any) -> int | None:
    """How many statements the document holds, counted from the raw document, or None if no VEX.

    CycloneDX: one per `affects` entry (one for none) of each vulnerability with a VEX state;
    OpenVEX: `len(statements)`; CSAF: one per product id per status (`recommended` excluded).
    """
    if isinstance(document, etree._Element):
        if not str(document.tag).startswith(CDX):
            return None
        ns = {"c": str(document.tag)[1:].partition("}")[0]}
        vulnerabilities = [
            v
            for v in document.xpath("c:vulnerabilities/c:vulnerability", namespaces=ns)
            if v.findtext("c:analysis/c:state", namespaces=ns) in CDX_STATES
        ]
        if not vulnerabilities:
            return None
        return sum(
            max(1, len(v.xpath("c:affects/c:target", namespaces=ns))) for v in vulnerabilities
        )
    if not isinstance(document, dict):
        return None
    if document.get("bomFormat") == "CycloneDX":
        vulnerabilities = [
            v
            for v in document.get("vulnerabilities", [])
            if v.get("analysis", {}).get("state") in CDX_STATES
        ]
        return sum(max(1, len(v.get("affects", []))) for v in vulnerabilities) or None
    if "openvex" in str(document.get("@context")) or document.get("format") == "vex_attestation":
        return len(document["statements"])
    if document.get("document", {}).get("category") == "csaf_vex":
        return sum(
            len(ids)
            for vulnerability in document["vulnerabilities"]
            for status, ids in vulnerability["product_status"].items()
            if status != "recommended"
        )
    return None


def _discover() -> list[tuple[Path, int]]:
    found = []
    for root in ROOTS:
        for path in sorted((DATA / root).rglob("*")):
            if path.is_file() and path.name.startswith("invalid-"):
                continue
            count = _expected_count(_parsed(path)) if path.is_file() else None
            if count is not None:
                found.append((path, count))
    return found


VEX_FILES = _discover()


def _read(relative: str) -> VexDocument:
    return read_vex(DATA / relative, relative)


def test_discovery_finds_every_format() -> None:
    names = [str(path.relative_to(DATA)) for path, _ in VEX_FILES]
    assert len(names) >= 70
    assert any(name.endswith(".xml") for name in names)
    assert any(name.endswith(".yaml") for name in names)
    assert any("rhsa-2020_1358" in name for name in names)
    assert any("CVE-2016-20013" in name for name in names)


@pytest.mark.parametrize(
    ("path", "count"), VEX_FILES, ids=[str(p.relative_to(DATA)) for p, _ in VEX_FILES]
)
def test_every_vex_file_reads_with_its_statement_count(path: Path, count: int) -> None:
    document = read_vex(path, path.name)
    assert len(document.statements) == count
    assert document.file == path.name
    for statement in document.statements:
        assert statement.vulnerability
        assert statement.location.file == path.name
        assert statement.location.pointer


def test_cyclonedx_vex_statement() -> None:
    document = _read("cyclonedx-bom-examples/VEX/vex.json")
    assert document.format is VexFormat.CYCLONEDX
    (statement,) = document.statements
    assert statement.vulnerability == "CVE-2020-25649"
    assert statement.aliases == ("SNYK-JAVA-COMFASTERXMLJACKSONCORE-1048302",)
    assert statement.status is VexStatus.NOT_AFFECTED
    assert statement.justification == "code_not_reachable"
    assert statement.action == "will_not_fix, update"
    assert statement.impact is not None and statement.impact.startswith("Automated dataflow")
    assert statement.products == (
        "urn:cdx:3e671687-395b-41f5-a30f-a58921a69b79/1"
        "#pkg:maven/com.fasterxml.jackson.core/jackson-databind@2.10.0?type=jar",
    )
    assert statement.location.pointer == "/vulnerabilities/0/affects/0"


@pytest.mark.parametrize(
    ("name", "status"),
    [
        ("vex-affected.json", VexStatus.AFFECTED),
        ("vex-fixed.json", VexStatus.FIXED),
        ("vex-not_affected.json", VexStatus.NOT_AFFECTED),
        ("vex-under_investigation.json", VexStatus.UNDER_INVESTIGATION),
    ],
)
def test_cyclonedx_states_map_to_statuses(name: str, status: VexStatus) -> None:
    document = _read(f"cyclonedx-bom-examples/VEX/CISA-Use-Cases/Case-1/{name}")
    assert [s.status for s in document.statements] == [status]
    assert document.timestamp == "2022-03-03T00:00:00Z"
    assert document.statements[0].timestamp == "2022-03-03T00:00:00Z"


def test_cyclonedx_xml_matches_json() -> None:
    base = "cyclonedx-specification/tools/src/test/resources/1.6/valid-vulnerability-1.6"
    from_json = _read(f"{base}.json").statements[0]
    from_xml = _read(f"{base}.xml").statements[0]
    for field in ("vulnerability", "aliases", "products", "status", "justification", "timestamp"):
        assert getattr(from_xml, field) == getattr(from_json, field), field
    assert from_xml.aliases == ("CVE-2018-7489",)
    assert from_xml.timestamp == "2022-02-01T00:00:00.000Z"  # analysis.lastUpdated
    assert from_xml.location.pointer.startswith("line ")


def test_cyclonedx_vdr_without_analysis_has_no_statements() -> None:
    document = _read(
        "cyclonedx-specification/tools/src/test/resources/1.6/valid-compositions-1.6.json"
    )
    assert document.statements == ()
    assert any("no analysis state" in w.message for w in document.warnings)


def test_canonical_glibc_vex() -> None:
    document = _read(f"{CANONICAL}/2016/CVE-2016-20013.json")
    assert document.format is VexFormat.OPENVEX
    assert document.author == "Canonical Ltd."
    assert document.warnings == ()
    affected, not_affected = document.statements
    assert not_affected.status is VexStatus.NOT_AFFECTED
    assert not_affected.justification == "component_not_present"
    assert (
        not_affected.impact == "This package (for the given release) does not exist in the archive."
    )
    zabbix = parse_purl("pkg:deb/ubuntu/zabbix-agent@1:6.0.25+dfsg-1?arch=amd64&distro=noble")
    assert str(zabbix) in not_affected.products
    assert len(not_affected.products) == 111
    assert affected.status is VexStatus.AFFECTED
    assert "pkg:deb/ubuntu/libc6@2.35-0ubuntu3.13?arch=amd64&distro=jammy" in affected.products
    assert "https://ubuntu.com/security/CVE-2016-20013" in affected.aliases
    assert affected.timestamp == "2022-02-19T05:15:00Z"


def test_openvex_subcomponents_and_canonical_purls() -> None:
    document = _read("openvex-go-vex-testdata/pkg/vex/testdata/v0.2.0.json")
    assert document.warnings == ()
    statement = document.statements[3]
    assert statement.vulnerability == "CVE-2023-3446"
    assert statement.products == (
        "pkg:oci/alpine@sha256:124c7d2707904eea7431fffe91522a01e5a861a624ee31d03372cc1d138a3126",
    )
    assert statement.subcomponents == (
        "pkg:apk/alpine/libssl3@3.0.8-r3",
        "pkg:apk/alpine/libcrypto3@3.0.8-r3",
    )
    assert statement.impact == "affected functions were removed before packaging"
    assert statement.timestamp == document.timestamp  # inherited from the document


def test_openvex_v001_and_yaml() -> None:
    legacy = _read("openvex-go-vex-testdata/pkg/vex/testdata/v0.0.1.json")
    assert legacy.warnings == ()  # the older shape is not checked against the v0.2.0 schema
    assert legacy.statements[0].products == (
        "pkg:apk/wolfi/git@2.39.0-r1?arch=armv7",
        "pkg:apk/wolfi/git@2.39.0-r1?arch=x86_64",
    )
    from_yaml = _read("openvex-go-vex-testdata/pkg/vex/testdata/vex.yaml")
    assert from_yaml.statements[0].aliases == ("FEDORA-2022-1da581ac6d", "DSA-5162")
    assert from_yaml.statements[0].action == "Affected library function not called"
    assert from_yaml.statements[0].timestamp == "2022-08-29T17:48:53.697543267-05:00"
    assert any("no @context" in w.message for w in from_yaml.warnings)


def test_openvex_schema_violations_are_warnings() -> None:
    document = _read("openvex-vexctl-examples/examples/sarif/sample-1statement.openvex.json")
    assert len(document.statements) == 1
    (warning,) = document.warnings
    assert warning.code == "schema"
    assert warning.location.pointer == "/statements/0"
    assert "'statement' was unexpected" in warning.message


def test_csaf_vex_product_tree() -> None:
    document = _read("oasis-csaf/csaf_2.0/examples/csaf/csaf_vex/sec-vex-2022-0001.json")
    assert document.format is VexFormat.CSAF
    assert document.author is not None
    statement = document.statements[0]
    assert statement.vulnerability == "CVE-2021-44228"
    assert statement.products == ("CSAFPID-0001",)
    assert statement.status is VexStatus.NOT_AFFECTED
    assert statement.justification == "component_not_present"
    assert statement.impact == "Secvisogram is written in JavaScript. No Java is included."
    assert statement.timestamp == "2022-05-27T10:00:00.000Z"  # the flag's date
    assert statement.location.pointer == "/vulnerabilities/0/product_status/known_not_affected/0"


def test_csaf_purls_relationships_and_unknown_ids() -> None:
    document = _read("openvex-go-vex-testdata/pkg/csaf/testdata/csaf.json")
    by_status = {s.status: s for s in document.statements if s.vulnerability == "CVE-2009-4487"}
    assert by_status[VexStatus.NOT_AFFECTED].products == ("CSAFPID-0001", "pkg:maven/@1.3.4")
    messages = [w.message for w in document.warnings]
    assert any("pkg:maven/@1.3.4" in m and "kept as written" in m for m in messages)
    assert any("'ABC:CSAFPID-0002' is not in the product tree" in m for m in messages)


def test_red_hat_csaf_relationships_put_the_component_in_subcomponents() -> None:
    document = _read("openvex-go-vex-testdata/pkg/csaf/testdata/rhsa-2020_1358.json")
    assert document.author == "Red Hat Product Security"
    statement = next(
        s
        for s in document.statements
        if s.products[0]
        == "AppStream-8.1.0.Z.MAIN.EUS:hivex-0:1.3.15-7.module+el8.1.0+4066+0f1aadab.aarch64"
    )
    assert statement.status is VexStatus.FIXED
    assert statement.products[1:] == (
        "AppStream-8.1.0.Z.MAIN.EUS",
        "cpe:/a:redhat:enterprise_linux:8::appstream",
    )
    assert statement.subcomponents == ("hivex-0:1.3.15-7.module+el8.1.0+4066+0f1aadab.aarch64",)
    assert statement.action is not None and statement.action.startswith("vendor_fix: ")
    assert statement.aliases == ("https://bugzilla.redhat.com/show_bug.cgi?id=1794290",)


# --- malformed input ----------------------------------------------------------------------------


def _write(tmp_path: Path, content: str, name: str = "input.json") -> Path:
    path = tmp_path / name
    path.write_text(content, encoding="utf-8")
    return path


def _error(tmp_path: Path, content: str) -> InputError:
    with pytest.raises(InputError) as caught:
        read_vex(_write(tmp_path, content), "input.json")
    assert "\n" not in str(caught.value)
    assert str(caught.value).startswith("input.json: ")
    return caught.value


def test_not_json(tmp_path: Path) -> None:
    error = _error(tmp_path, '{"statements": [')
    assert "not valid JSON" in error.message
    assert error.location.startswith("line 1")


def test_plain_text_is_not_vex(tmp_path: Path) -> None:
    assert "not a VEX document" in _error(tmp_path, "hello world\n").message


def test_empty_file(tmp_path: Path) -> None:
    assert _error(tmp_path, "  \n").message == "empty file"


def test_wrong_context(tmp_path: Path) -> None:
    error = _error(
        tmp_path, '{"@context": "https://www.w3.org/ns/credentials/v2", "statements": []}'
    )
    assert "is not OpenVEX's" in error.message
    assert error.location == "/@context"


def test_spdx_is_not_vex(tmp_path: Path) -> None:
    assert "not a VEX document" in _error(tmp_path, '{"spdxVersion": "SPDX-2.3"}').message


def test_csaf_of_another_category(tmp_path: Path) -> None:
    content = '{"document": {"category": "csaf_security_advisory", "csaf_version": "2.0"}}'
    error = _error(tmp_path, content)
    assert isinstance(error, UnsupportedFormat)
    assert "only csaf_vex" in error.message
    assert error.location == "/document/category"


def test_cyclonedx_bom_without_vulnerabilities(tmp_path: Path) -> None:
    content = '{"bomFormat": "CycloneDX", "specVersion": "1.6", "version": 1, "components": []}'
    assert "without vulnerabilities" in _error(tmp_path, content).message


def test_xml_that_is_not_cyclonedx(tmp_path: Path) -> None:
    assert "XML root element is 'html'" in _error(tmp_path, "<html><body/></html>").message


def test_statement_without_vulnerability_is_skipped_with_a_warning(tmp_path: Path) -> None:
    content = json.dumps(
        {
            "@context": "https://openvex.dev/ns/v0.2.0",
            "@id": "https://example.com/vex-1",
            "author": "Example",
            "timestamp": "2024-01-01T00:00:00Z",
            "version": 1,
            "statements": [
                {"products": [{"@id": "pkg:npm/a@1.0.0"}], "status": "not_affected"},
                {
                    "vulnerability": {"name": "CVE-2024-1"},
                    "products": [{"@id": "pkg:npm/a@1.0.0"}],
                    "status": "fixed",
                },
                {"vulnerability": {"name": "CVE-2024-2"}, "status": "maybe"},
                {"vulnerability": {"name": "CVE-2024-3"}, "status": ["fixed"]},  # not hashable
            ],
        }
    )
    document = read_vex(_write(tmp_path, content), "input.json")
    assert [s.vulnerability for s in document.statements] == ["CVE-2024-1"]
    warnings = {(w.location.pointer, w.message) for w in document.warnings if w.code == "vex"}
    assert ("/statements/0", "statement without a vulnerability name: skipped") in warnings
    assert ("/statements/2/status", "unknown status 'maybe': statement skipped") in warnings
    assert ("/statements/3/status", "unknown status ['fixed']: statement skipped") in warnings
    assert any(w.code == "schema" for w in document.warnings)


def test_openvex_mixed_products_split(tmp_path: Path) -> None:
    content = json.dumps(
        {
            "@context": "https://openvex.dev/ns/v0.2.0",
            "statements": [
                {
                    "vulnerability": {"name": "CVE-2024-1"},
                    "status": "not_affected",
                    "justification": "component_not_present",
                    "products": [
                        {"@id": "pkg:npm/plain@1.0.0"},
                        {"@id": "pkg:oci/image", "subcomponents": [{"@id": "pkg:npm/inner@2"}]},
                    ],
                }
            ],
        }
    )
    plain, container = read_vex(_write(tmp_path, content), "input.json").statements
    assert (plain.products, plain.subcomponents) == (("pkg:npm/plain@1.0.0",), ())
    assert (container.products, container.subcomponents) == (
        ("pkg:oci/image",),
        ("pkg:npm/inner@2",),
    )
