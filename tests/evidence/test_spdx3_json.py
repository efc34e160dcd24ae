"""Tests of the SPDX 3.0 JSON-LD reader on every SPDX 3 document in the shared data.

Expected components are written out here by hand from reading the JSON, or computed from the raw
documents with `json`; the SPDX 2.3 edition of the same examples is the independent oracle for
what the 3.0 edition must read as.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest

from chainreview import limits
from chainreview.components.model import ComponentType, Edge, EdgeKind, SbomDocument, SbomFormat
from chainreview.errors import InputError, LimitExceeded, UnsupportedFormat
from chainreview.evidence import spdx3_json
from chainreview.evidence.sbom import read_sbom

DATA = Path(os.environ["CHAINREVIEW_SHARED_DATA"])
SPEC_EXAMPLE = "spdx-spec/v3.0-develop/examples/jsonld/package_sbom.json"
EXAMPLES = "spdx-examples/software"
CONTEXT = "https://spdx.org/rdf/3.0.1/spdx-context.jsonld"
PACKAGE_TYPES = ("software_Package", "ai_AIPackage", "dataset_DatasetPackage")


def _spdx3_files() -> list[str]:
    """Every JSON file of the shared data whose context is SPDX 3's, found by content."""
    found = []
    for path in sorted(DATA.rglob("*.json")):
        text = path.read_text(encoding="utf-8", errors="replace")
        if "spdx.org/rdf/3" in text:
            doc = json.loads(text)
            if isinstance(doc, dict) and "@graph" in doc:
                found.append(path.relative_to(DATA).as_posix())
    return found


SPDX3_FILES = _spdx3_files() if DATA.is_dir() else []


def read(relative: str) -> SbomDocument:
    return read_sbom(DATA / relative, relative)


def doc(*elements: dict[str, Any], context: Any = CONTEXT) -> dict[str, Any]:
    return {"@context": context, "@graph": list(elements)}


def read_doc(document: dict[str, Any], version: str = "3.0.1") -> SbomDocument:
    return spdx3_json.read(document, "sbom.spdx3.json", version)


def package(ref: str, name: str = "pkg", **fields: Any) -> dict[str, Any]:
    return {"type": "software_Package", "spdxId": ref, "name": name, **fields}


def relationship(source: Any, kind: str, *targets: Any) -> dict[str, Any]:
    return {"type": "Relationship", "from": source, "relationshipType": kind, "to": list(targets)}


def test_every_spdx3_file_is_found_and_read_without_error() -> None:
    assert len(SPDX3_FILES) == 27
    assert SPEC_EXAMPLE in SPDX3_FILES
    for relative in SPDX3_FILES:
        document = read(relative)
        raw = json.loads((DATA / relative).read_bytes())
        named = {
            e["spdxId"] for e in raw["@graph"] if e.get("type") in PACKAGE_TYPES and e.get("name")
        }
        files = sum(e.get("type") == "software_File" for e in raw["@graph"])
        assert (document.format, document.spec_version) == (SbomFormat.SPDX, "3.0.1"), relative
        assert {c.ref for c in document.components} == named, relative
        assert document.file_count == files, relative
        # The examples are valid against the SPDX 3.0.1 model: no schema warning.
        assert [w for w in document.warnings if w.code == "schema"] == [], relative
        assert all("\n" not in w.message for w in document.warnings)


def test_spec_example_by_hand() -> None:
    document = read(SPEC_EXAMPLE)
    (component,) = document.components
    assert component.ref == "http://spdx.example.com/Package1"
    assert (component.name, component.version) == ("my-package", "1.0.0")
    assert component.type is ComponentType.LIBRARY
    assert (component.purl, component.cpe, component.supplier) == (None, None, None)
    assert component.manufacturer == "Joshua Watt"  # originatedBy
    assert component.sources[0].pointer == "/@graph/4"
    assert document.file_count == 1
    assert document.edges == ()  # Package1 contains a file, not a package
    meta = document.metadata
    assert meta.primary == "http://spdx.example.com/Package1"  # Document1 → BOM1 → Package1
    assert meta.authors == ("Joshua Watt",)
    assert meta.tools == ()
    assert meta.timestamp == "2024-03-06T00:00:00Z"
    assert meta.serial == "http://spdx.example.com/Document1"
    assert document.warnings == ()


def test_rust_example_by_hand() -> None:
    document = read(f"{EXAMPLES}/example11/spdx3.0/sbom.spdx3.json")
    prefix = "https://spdx.org/spdxdocs/k8s-releng-bom-7c6a33ab-bd76-4b06-b291-a850e0815b07-specv3"
    got = {
        c.ref.removeprefix(prefix): (c.name, c.version, c.purl, c.supplier, c.licenses)
        for c in document.components
    }
    assert got == {
        "/SPDXRef-gnrtd5": (
            "hello-server-src",
            "0.1.0",
            "pkg:deb/debian/libselinux1-dev@3.1-3?arch=s390x",
            None,
            ("Apache-2.0",),
        ),
        "/SPDXRef-gnrtd7": ("hyper", "0.14", "pkg:cargo/hyper@0.14", None, ("MIT",)),
        "/SPDXRef-gnrtd13": ("tokio", "1.19.2", "pkg:cargo/tokio@1.19.2", None, ("MIT",)),
        "/SPDXRef-gnrtd17": (
            "pretty_env_logger",
            "0.4.0",
            "pkg:cargo/pretty_env_logger@0.4.0",
            None,
            ("(MIT OR Apache-2.0)",),
        ),
    }
    assert {c.ecosystem for c in document.components} == {"crates.io", "Debian"}
    assert set(document.edges) == {
        Edge(source=f"{prefix}/SPDXRef-gnrtd5", target=f"{prefix}/SPDXRef-gnrtd{n}")
        for n in (7, 13, 17)
    }
    # rootElement names the file gnrtd3 and the package gnrtd5: the package is primary.
    assert document.metadata.primary == f"{prefix}/SPDXRef-gnrtd5"
    assert document.metadata.authors == ("Unknown",)
    assert document.metadata.tools == ("sigs.k8s.io/bom/pkg/spdx",)
    assert document.file_count == 1


def test_acme_example_by_hand() -> None:
    document = read(f"{EXAMPLES}/example13/spdx3.0/example13.spdx3.json")
    suffix = "-4fe40e24-20e3-11ee-be56-0242ac120002"
    digest = "69665d02cb32192e52e07644d76bc6f25abeb5410edc1c7a81a10ba3f0efb90a"
    alpine = f"urn:container-alpine-latest-sha256:{digest}"
    got = {
        c.ref.removesuffix(suffix): (c.name, c.version, c.type, c.supplier, c.purl)
        for c in document.components
    }
    assert got == {
        "urn:product-acme-application-1.3": (
            "Acme Application",
            "1.3",
            ComponentType.APPLICATION,
            "Acme Company",
            None,
        ),
        "urn:npm-elliptic-6.5.2": (
            "npm-elliptic",
            "6.5.2",
            ComponentType.LIBRARY,
            "Fedor Indutny",
            None,  # its only identifier is of type `other`
        ),
        alpine: (
            "alpine:latest",
            digest,
            ComponentType.CONTAINER,
            "Alpine Linux",
            None,
        ),
        "urn:openssl-3.0.4": ("openssl", "3.0.4", ComponentType.LIBRARY, None, None),
    }
    edges = {
        (e.source.removesuffix(suffix), e.target.removesuffix(suffix), e.kind)
        for e in document.edges
    }
    assert edges == {
        ("urn:product-acme-application-1.3", "urn:npm-elliptic-6.5.2", EdgeKind.CONTAINS),
        ("urn:product-acme-application-1.3", alpine, EdgeKind.DEPENDS_ON),
        (alpine, "urn:openssl-3.0.4", EdgeKind.CONTAINS),
    }  # `availableFrom` a person is no component edge
    assert document.metadata.primary == f"urn:product-acme-application-1.3{suffix}"
    assert document.metadata.authors == ("Application Owner Jane Doe", "Acme Company")


def test_maven_example_by_hand() -> None:
    document = read(f"{EXAMPLES}/example8/spdx3.0/examplemaven-0.0.1.spdx3.json")
    got = {(c.name, c.version, c.supplier, c.manufacturer) for c in document.components}
    assert got == {
        ("examplemaven", "0.0.1", "SPDX", "Linux Foundation"),
        ("Apache Log4j API", None, None, None),
        ("SLF4J API Module", None, None, None),
        ("Apache Log4j Core", None, None, None),
        ("Apache Log4j SLF4J Binding", None, None, None),
        ("JUnit", "3.8.1", None, "JUnit"),
    }
    by_name = {c.name: c.ref for c in document.components}
    # examplemaven dependsOn JUnit; the log4j packages only `hasDynamicLink` to it.
    assert document.edges == (Edge(source=by_name["examplemaven"], target=by_name["JUnit"]),)
    assert document.metadata.tools == ("spdx-maven-plugin",)
    assert document.metadata.name == "examplemaven"


SAME_EXAMPLE = [
    (
        "example8/spdx2.3/examplemaven-0.0.1.spdx.json",
        "example8/spdx3.0/examplemaven-0.0.1.spdx3.json",
    ),
    ("example10/spdx2.3/hello-source.spdx.json", "example10/spdx3.0/hello-source.spdx3.json"),
    ("example11/spdx2.3/sbom.spdx.json", "example11/spdx3.0/sbom.spdx3.json"),
    (
        "example14/spdx2.3/examplemaven-0.0.1-enriched.spdx.json",
        "example14/spdx3.0/examplemaven-0.0.1-enriched.spdx3.json",
    ),
]


@pytest.mark.parametrize(("spdx2", "spdx3"), SAME_EXAMPLE)
def test_the_2_3_edition_is_the_oracle(spdx2: str, spdx3: str) -> None:
    old, new = read(f"{EXAMPLES}/{spdx2}"), read(f"{EXAMPLES}/{spdx3}")

    def facts(document: SbomDocument) -> set[tuple[Any, ...]]:
        return {
            (c.name, c.version, c.purl, c.supplier, c.manufacturer, c.type)
            for c in document.components
        }

    assert facts(new) == facts(old)
    assert len(new.edges) == len(old.edges)
    assert (new.metadata.authors, new.metadata.tools) == (old.metadata.authors, old.metadata.tools)
    assert new.metadata.timestamp == old.metadata.timestamp
    primary = {c.ref: c.name for c in old.components}[old.metadata.primary or ""]
    assert {c.ref: c.name for c in new.components}[new.metadata.primary or ""] == primary


def test_scan_reads_spdx3_end_to_end_like_its_2_3_edition(scan_home: Path) -> None:
    def scan(relative: str) -> dict[str, Any]:
        env = {**os.environ, "CHAINREVIEW_HOME": str(scan_home), "COLUMNS": "200"}
        env.pop("CHAINREVIEW_SCAN_FAIL_ON", None)
        env.pop("CHAINREVIEW_SCAN_FORMAT", None)
        result = subprocess.run(
            [sys.executable, "-m", "chainreview", "scan", "--format", "json", str(DATA / relative)],
            capture_output=True,
            env=env,
            timeout=120,
            check=False,
        )
        assert result.returncode == 0, result.stderr.decode()
        value: dict[str, Any] = json.loads(result.stdout)
        return value

    new = scan(f"{EXAMPLES}/example11/spdx3.0/sbom.spdx3.json")
    old = scan(f"{EXAMPLES}/example11/spdx2.3/sbom.spdx.json")
    assert new["counts"]["findings"] == 7

    def findings(report: dict[str, Any]) -> set[tuple[str, str]]:
        return {(f["id"], f["purl"]) for f in report["findings"]}

    assert findings(new) == findings(old)
    assert ("CVE-2021-32714", "pkg:cargo/hyper@0.14") in findings(new)


# --- mapping details, on documents written here -----------------------------------------------


def test_identifiers_hashes_and_purposes() -> None:
    sha = "A" * 64
    document = read_doc(
        doc(
            package(
                "urn:a",
                "a",
                software_primaryPurpose="firmware",
                externalIdentifier=[
                    {
                        "type": "ExternalIdentifier",
                        "externalIdentifierType": "cpe22",
                        "identifier": "cpe:/a:x:a:1",
                    },
                    {
                        "type": "ExternalIdentifier",
                        "externalIdentifierType": "cpe23",
                        "identifier": "cpe:2.3:a:x:a:1:*:*:*:*:*:*:*",
                    },
                    {
                        "type": "ExternalIdentifier",
                        "externalIdentifierType": "packageUrl",
                        "identifier": "pkg:npm/a@1",
                    },
                ],
                verifiedUsing=[
                    {"type": "Hash", "algorithm": "sha256", "hashValue": sha},
                    {"type": "Hash", "algorithm": "sha3_512", "hashValue": "ab"},
                    {"type": "Hash", "algorithm": "blake2b256", "hashValue": "cd"},
                    {"type": "PackageVerificationCode", "algorithm": "sha1", "hashValue": "ef"},
                    {"type": "Hash", "algorithm": "md5", "hashValue": "not hex"},
                ],
            ),
            {"type": "ai_AIPackage", "spdxId": "urn:m", "name": "model"},
            {"type": "dataset_DatasetPackage", "spdxId": "urn:d", "name": "data"},
            package("urn:s", "src", software_primaryPurpose="source"),
        )
    )
    a, model, data, source = document.components
    assert a.cpe == "cpe:2.3:a:x:a:1:*:*:*:*:*:*:*"  # cpe23 before cpe22
    assert (a.purl, a.ecosystem) == ("pkg:npm/a@1", "npm")
    assert [(h.algorithm, h.value) for h in a.hashes] == [
        ("SHA-256", "a" * 64),
        ("SHA3-512", "ab"),
        ("BLAKE2B-256", "cd"),
    ]
    assert a.type is ComponentType.FIRMWARE
    assert model.type is ComponentType.MACHINE_LEARNING_MODEL
    assert data.type is ComponentType.DATA
    assert source.type is ComponentType.LIBRARY
    assert [w.location.pointer for w in document.warnings] == ["/@graph/0/verifiedUsing/4"]


def test_software_package_url_wins_and_a_bad_purl_is_reported() -> None:
    document = read_doc(
        doc(
            package("urn:a", software_packageUrl="pkg:pypi/Foo_Bar@1.0"),
            package("urn:b", software_packageUrl="not a purl"),
        )
    )
    a, b = document.components
    assert a.purl == "pkg:pypi/foo-bar@1.0"
    assert b.purl is None
    (warning,) = document.warnings
    assert (warning.code, warning.location.pointer) == ("purl", "/@graph/1/software_packageUrl")


def test_unknown_types_are_counted_once_per_type() -> None:
    vulnerability = {"type": "security_Vulnerability", "spdxId": "urn:v"}
    document = read_doc(
        doc(
            package("urn:a"),
            vulnerability,
            {**vulnerability, "spdxId": "urn:w"},
            {"type": "software_Snippet", "spdxId": "urn:s"},
            {"type": "Annotation", "spdxId": "urn:n"},
        )
    )
    (warning,) = document.warnings
    assert warning.code == "ignored"
    assert warning.location.pointer == "/@graph/1"
    assert warning.message == "2 elements of type 'security_Vulnerability' not read"


def test_relationship_to_a_missing_element_warns() -> None:
    document = read_doc(
        doc(
            {
                "type": "SpdxDocument",
                "spdxId": "urn:doc",
                "rootElement": ["urn:a"],
                "import": [{"type": "ExternalMap", "externalSpdxId": "urn:elsewhere"}],
            },
            package("urn:a"),
            package("urn:b"),
            relationship("urn:a", "dependsOn", "urn:b", "urn:gone", "urn:elsewhere"),
            relationship("urn:a", "dependsOn", "https://spdx.org/rdf/3.0.1/terms/Core/NoneElement"),
        )
    )
    assert document.edges == (Edge(source="urn:a", target="urn:b"),)
    (warning,) = document.warnings
    assert (warning.code, warning.location.pointer) == ("reference", "/@graph/3/to/1")
    assert "'urn:gone' is not an element of the document" in warning.message


def test_wrong_types_are_warnings_not_crashes() -> None:
    document = read_doc(
        doc(
            "not an element",
            {"type": 7},
            package("urn:a", name=["list"]),
            package(
                "urn:b", software_packageVersion={"x": 1}, suppliedBy=3, originatedBy="urn:nobody"
            ),
            relationship(["urn:b"], "dependsOn", "urn:a"),
            {"type": "Relationship", "from": "urn:b", "relationshipType": "dependsOn", "to": 5},
            {"type": "software_Package", "spdxId": "urn:b", "name": "twin"},
        )
    )
    (component,) = document.components
    assert (component.ref, component.name, component.version) == ("urn:b", "pkg", None)
    assert [s.location.pointer for s in document.skipped] == ["/@graph/2"]
    pointers = {w.location.pointer for w in document.warnings}
    assert {
        "/@graph/0",
        "/@graph/1/type",
        "/@graph/2/name",
        "/@graph/3/software_packageVersion",
        "/@graph/3/suppliedBy",
        "/@graph/3/originatedBy",
        "/@graph/4/from",
        "/@graph/5/to",
        "/@graph/6",
    } <= pointers
    assert document.edges == ()


@pytest.mark.parametrize(
    ("graph", "pointer"),
    [({"@graph": {"type": "software_Package"}}, "/@graph"), ({"@graph": None}, "/@graph")],
)
def test_graph_not_an_array_is_a_one_line_error(graph: dict[str, Any], pointer: str) -> None:
    with pytest.raises(InputError) as caught:
        read_doc({"@context": CONTEXT, **graph})
    assert str(caught.value).startswith(f"sbom.spdx3.json: {pointer}: @graph is")


def test_graph_over_the_element_limit_is_refused(tmp_path: Path) -> None:
    count = limits.MAX_SPDX3_ELEMENTS + 1
    assert count > 1_000_000
    path = tmp_path / "huge.spdx3.json"
    path.write_bytes(
        b'{"@context": "'
        + CONTEXT.encode()
        + b'", "@graph": ['
        + b",".join([b"{}"] * count)
        + b"]}"
    )
    with pytest.raises(LimitExceeded) as caught:
        read_sbom(path, "huge.spdx3.json")
    assert str(caught.value) == (
        f"huge.spdx3.json: /@graph: {count:,} graph elements, over the limit of "
        f"{limits.MAX_SPDX3_ELEMENTS:,}"
    )


@pytest.mark.parametrize("levels", [200, 5000])
def test_deep_nesting_is_a_one_line_error(tmp_path: Path, levels: int) -> None:
    path = tmp_path / "deep.spdx3.json"
    deep = "[" * levels + "]" * levels
    path.write_text(f'{{"@context": "{CONTEXT}", "@graph": [{{"type": "Bogus", "x": {deep}}}]}}')
    with pytest.raises(InputError) as caught:
        read_sbom(path, "deep.spdx3.json")
    text = str(caught.value)
    assert text.startswith("deep.spdx3.json: ") and "\n" not in text and len(text) < 200
    assert ("nesting deeper than 100 levels" in text) is (levels == 200)


def test_other_majors_and_serialisations_are_refused(tmp_path: Path) -> None:
    cases = {
        "v4.json": (
            json.dumps(doc(context="https://spdx.org/rdf/4.0/spdx-context.jsonld")),
            "SPDX '4.0' is not supported",
        ),
        "noversion.json": (
            json.dumps(doc(context="https://spdx.org/rdf/spdx-context.jsonld")),
            "names no SPDX version",
        ),
        "tv.spdx": ("SPDXVersion: SPDX-3.0\n", "JSON-LD serialisation"),
        "old-shape.json": (json.dumps({"spdxVersion": "SPDX-3.0"}), "JSON-LD serialisation"),
    }
    for name, (text, message) in cases.items():
        (tmp_path / name).write_text(text)
        with pytest.raises(InputError) as caught:
            read_sbom(tmp_path / name, name)
        assert message in str(caught.value) and "\n" not in str(caught.value), name
        assert isinstance(caught.value, UnsupportedFormat) == (name != "noversion.json")


def test_a_later_3_x_is_read_with_a_warning() -> None:
    document = read_doc(doc(package("urn:a")), version="3.1")
    assert document.spec_version == "3.1"
    assert [w.code for w in document.warnings] == ["version"]
    assert "read with the 3.0 rules" in document.warnings[0].message


def test_package_limit(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(limits, "MAX_COMPONENTS", 2)
    with pytest.raises(LimitExceeded, match="3 packages, over the limit of 2"):
        read_doc(doc(package("urn:a"), package("urn:b"), package("urn:c")))


def test_a_huge_root_element_list_reads_in_linear_time() -> None:
    roots = [f"urn:r{i}" for i in range(300_000)]
    document = read_doc(
        doc(
            {"type": "SpdxDocument", "spdxId": "urn:doc", "rootElement": [*roots, "urn:a"]},
            *(
                {"type": "software_Sbom", "spdxId": f"urn:r{i}", "rootElement": roots}
                for i in range(3)
            ),
            package("urn:a"),
        )
    )
    assert document.metadata.primary == "urn:a"
    # each missing root is warned about once, not once per SBOM that lists it: 299,997 warnings
    # (the three SBOMs are elements), the first 10,000 kept and the rest counted
    kept, more = document.warnings[:-1], document.warnings[-1]
    assert len(kept) == limits.MAX_WARNINGS_PER_FILE
    assert {w.code for w in kept} == {"reference"}
    assert kept[0].location.pointer == "/@graph/0/rootElement/3"
    assert more.message == f"{299_997 - limits.MAX_WARNINGS_PER_FILE} more warnings not shown"
