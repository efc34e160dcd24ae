"""`scan --format json` against its published schema (`schemas/scan.schema.json`).

Real SBOMs of several formats and ecosystems are scanned through the library, with VEX and ignore
entries, against the bundled intel plus Alpine and Debian advisories and EPSS scores, and each
report's JSON is validated; the reports between them fill in every optional part of the schema.
"""

from __future__ import annotations

import copy
import io
import json
import shutil
from collections.abc import Callable
from dataclasses import dataclass, fields
from datetime import date
from pathlib import Path
from typing import Any

import pytest
from jsonschema import Draft202012Validator, FormatChecker

import chainreview
from chainreview.components.model import Location, SkippedComponent
from chainreview.findings import model
from chainreview.findings.coverage import Coverage, CoverageGroup, SourceUse
from chainreview.findings.scan import SCAN_SCHEMA_VERSION, Counts, ScanReport, Undecided
from chainreview.intel import importer

ROOT = Path(__file__).resolve().parents[1]
SCHEMA = ROOT / "src" / "chainreview" / "schemas" / "scan.schema.json"
HYPER_VEX = ROOT / "tests" / "fixtures" / "vex" / "hyper-not-affected.openvex.json"
TODAY = date(2025, 1, 1)

RUST = "spdx-examples/software/example11/spdx2.3/sbom.spdx.json"
AIRFLOW = "sbomqs-samples/samples/apache_airflow-sbom-2.8.0-python3.10.json"
IMAGES = "guac-data-sboms/docs/cyclonedx/syft-cyclonedx-docker.io-library-"
OSV_SCANNER = "osv-scanner-fixtures/cmd/osv-scanner/scan/source/testdata/sbom-insecure/"
SPDX_SPEC = "spdx-spec/v2.3.1/examples/"
CSAF = "openvex-vexctl-examples/examples/csaf/"
FEEDS = ("alpine-secdb/alpine/v3.16/main.json", "debian-security-tracker/data/DSA/list")

IGNORE = """ignore:
  - id: RUSTSEC-2023-0001
    reason: not reachable in this product
    expires: 2099-01-01
  - id: GHSA-0000-0000-0000
    reason: an entry no finding matches
  - id: CVE-2021-32714
    reason: accepted until the upgrade
    expires: 2024-06-01
"""
"""One entry in use, one unused, one expired on `TODAY` (the Rust example's findings)."""

EPSS = """#model_version:v2023.03.01,score_date:2023-03-09T00:00:00+0000
cve,epss,percentile
CVE-2021-32714,0.00512,0.7431
CVE-2023-0266,0.0044,0.71
"""
"""Made-up EPSS scores (no licensed EPSS file is in the shared data) for a CVE of the Rust
example (hyper) and one of the Debian image (linux, in CISA KEV)."""


@dataclass(frozen=True)
class Case:
    """One library scan: SBOMs (shared data), VEX files, and an ignore file's text."""

    sboms: tuple[str, ...]
    vex: tuple[Path | str, ...] = ()
    ignore: str | None = None


CASES = {
    "spdx-json-crates-vex-ignore": Case((RUST,), vex=(HYPER_VEX,), ignore=IGNORE),
    "cyclonedx-1.5-json-pypi-npm": Case((AIRFLOW,)),
    "cyclonedx-json-debian-image": Case((IMAGES + "python.latest.json",)),
    "cyclonedx-json-alpine-image": Case((IMAGES + "alpine.latest.json",)),
    "cyclonedx-xml-skipped-entries": Case((OSV_SCANNER + "bad-purls.cdx.xml",)),
    "cyclonedx-xml-debian-go-cpe": Case((OSV_SCANNER + "postgres-stretch.cdx.xml",)),
    "spdx-tag-value": Case((SPDX_SPEC + "SPDXTagExample-v2.3.spdx",)),
    "spdx-yaml-and-spdx-2.2-merged": Case(
        (SPDX_SPEC + "SPDXYAMLExample-2.3.spdx.yaml", "guac-data-sboms/top-dh-sboms/bonita.json")
    ),
    "spdx-json-csaf-vex": Case((CSAF + "sbom.spdx.json",), vex=(CSAF + "csaf.json",)),
}


def load_schema() -> dict[str, Any]:
    """The published schema, parsed."""
    value: dict[str, Any] = json.loads(SCHEMA.read_text(encoding="utf-8"))
    return value


@pytest.fixture(scope="module")
def validator() -> Draft202012Validator:
    """A validator of the schema, formats (dates) checked; the schema itself checked first."""
    schema = load_schema()
    Draft202012Validator.check_schema(schema)
    return Draft202012Validator(schema, format_checker=FormatChecker())


@pytest.fixture(scope="module")
def rich_home(
    bundled_home: Path, shared_data: Path, tmp_path_factory: pytest.TempPathFactory
) -> Path:
    """The bundled snapshot (OSV, NVD selection, KEV) plus Alpine 3.16, Debian DSA and EPSS."""
    home = tmp_path_factory.mktemp("scan-schema-home")
    shutil.copytree(bundled_home / "intel", home / "intel")
    epss = home / "epss_scores-2023-03-09.csv"
    epss.write_text(EPSS, encoding="utf-8")
    importer.import_paths([*(shared_data / feed for feed in FEEDS), epss], home=home)
    return home


@pytest.fixture(scope="module")
def reports(
    rich_home: Path, shared_data: Path, tmp_path_factory: pytest.TempPathFactory
) -> dict[str, dict[str, Any]]:
    """Each case scanned through the library, written by `SCAN_FORMATS["json"]`, parsed."""
    folder = tmp_path_factory.mktemp("scan-schema-inputs")
    written: dict[str, dict[str, Any]] = {}
    with chainreview.open_snapshot(rich_home) as snapshot:
        scanner = chainreview.Scanner(snapshot)
        for name, case in CASES.items():
            ignore = None
            if case.ignore is not None:
                ignore = folder / f"{name}.ignore.yaml"
                ignore.write_text(case.ignore, encoding="utf-8")
            vex = [v if isinstance(v, Path) else shared_data / v for v in case.vex]
            scan = scanner.scan(
                [shared_data / s for s in case.sboms], vex=vex, ignore=ignore, today=TODAY
            )
            buffer = io.BytesIO()
            chainreview.SCAN_FORMATS["json"].write(scan, buffer)
            written[name] = json.loads(buffer.getvalue())
    return written


def problems(validator: Draft202012Validator, document: Any) -> list[str]:
    """Every violation, as `pointer: message` (capped in length)."""
    errors = sorted(validator.iter_errors(document), key=lambda e: list(e.absolute_path))
    return [f"/{'/'.join(map(str, e.absolute_path))}: {e.message[:200]}" for e in errors]


@pytest.mark.parametrize("name", list(CASES))
def test_every_scan_report_validates(
    name: str, reports: dict[str, dict[str, Any]], validator: Draft202012Validator
) -> None:
    assert problems(validator, reports[name]) == []


def test_the_reports_fill_in_every_optional_part_of_the_schema(
    reports: dict[str, dict[str, Any]],
) -> None:
    """Without these, a wrong sub-schema of a field that is always null or empty would pass."""
    every = list(reports.values())
    findings = [f for r in every for f in r["findings"]]
    evidence = [e for f in findings for e in f["evidence"]]
    groups = [g for r in every for g in r["coverage"]["groups"]]
    assert any(f["kev"] for f in findings)
    assert any(f["epss"] for f in findings)
    assert any(f["suppressed"] and f["suppressed"]["expires"] for f in findings)
    assert any(f["justification"] and f["status_source"] for f in findings)
    assert {f["status"] for f in findings} >= {"affected", "not_affected"}
    assert any(f["severity"]["score"] is not None and f["severity"]["vector"] for f in findings)
    assert {e["affected_index"] is None for e in evidence} == {True, False}
    assert {e["range_index"] is None for e in evidence} == {True, False}
    assert any(e["labels"] and e["notes"] for e in evidence)
    assert any(r["unused_suppressions"] for r in every)
    assert any(r["expired_suppressions"] for r in every)
    assert any(r["indeterminate"] for r in every)
    assert any(i["version"] is None or i["advisory_ids"] for r in every for i in r["indeterminate"])
    assert any(r["skipped"] for r in every)
    assert any(len(r["inputs"]) > 1 for r in every)
    assert any(r["vex"] for r in every)
    assert any(r["coverage"]["roots"] for r in every)
    assert {g["state"] for g in groups} == {"checked", "partial", "not_checked"}
    assert {g["route"] for g in groups} == {"ecosystem", "distro", "cpe", "none"}
    assert {s["as_of"] is None for r in every for s in r["coverage"]["sources"]} == {True, False}
    assert {s["demo"] for r in every for s in r["coverage"]["sources"]} == {True, False}


def test_the_coverage_counts_every_component_once(reports: dict[str, dict[str, Any]]) -> None:
    """What the schema's description of `coverage` says of its numbers."""
    for name, report in reports.items():
        covered = report["coverage"]
        states = covered["checked"] + covered["partial"] + covered["not_checked"]
        assert covered["components"] == len(covered["roots"]) + states, name
        assert states == sum(len(g["components"]) for g in covered["groups"]), name
        assert report["counts"]["components"] == covered["components"], name


def _drop_version(d: dict[str, Any]) -> None:
    del d["schema_version"]


def _other_version(d: dict[str, Any]) -> None:
    d["schema_version"] = "2.0"


def _unknown_top_level(d: dict[str, Any]) -> None:
    d["generated_at"] = "2025-01-01T00:00:00Z"


def _unknown_in_finding(d: dict[str, Any]) -> None:
    d["findings"][0]["cvss"] = 9.8


def _unknown_in_evidence(d: dict[str, Any]) -> None:
    d["findings"][0]["evidence"][0]["url"] = "https://example.org"


def _unknown_in_group(d: dict[str, Any]) -> None:
    d["coverage"]["groups"][0]["note"] = ""


def _finding_without_severity(d: dict[str, Any]) -> None:
    del d["findings"][0]["severity"]


def _unknown_level(d: dict[str, Any]) -> None:
    d["findings"][0]["severity"]["level"] = "severe"


def _unknown_level_counted(d: dict[str, Any]) -> None:
    d["counts"]["by_severity"]["severe"] = 1


def _zero_counted(d: dict[str, Any]) -> None:
    d["counts"]["by_status"]["fixed"] = 0


def _bad_expiry(d: dict[str, Any]) -> None:
    d["unused_suppressions"][0]["expires"] = "soon"


def _short_snapshot(d: dict[str, Any]) -> None:
    d["snapshot"] = d["snapshot"][:12]


MUTATIONS: dict[str, Callable[[dict[str, Any]], None]] = {
    f.__name__.lstrip("_"): f
    for f in (
        _drop_version,
        _other_version,
        _unknown_top_level,
        _unknown_in_finding,
        _unknown_in_evidence,
        _unknown_in_group,
        _finding_without_severity,
        _unknown_level,
        _unknown_level_counted,
        _zero_counted,
        _bad_expiry,
        _short_snapshot,
    )
}


@pytest.mark.parametrize("mutation", list(MUTATIONS))
def test_the_schema_rejects_a_mutated_report(
    mutation: str, reports: dict[str, dict[str, Any]], validator: Draft202012Validator
) -> None:
    original = reports["spdx-json-crates-vex-ignore"]
    assert validator.is_valid(original)
    document = copy.deepcopy(original)
    MUTATIONS[mutation](document)
    assert not validator.is_valid(document)


def test_the_schema_version_is_the_constant(reports: dict[str, dict[str, Any]]) -> None:
    schema = load_schema()
    assert schema["properties"]["schema_version"]["const"] == SCAN_SCHEMA_VERSION
    assert schema["$id"].endswith(f"/scan-{SCAN_SCHEMA_VERSION}.json")
    assert {r["schema_version"] for r in reports.values()} == {SCAN_SCHEMA_VERSION}


DEFINED = {
    "": ScanReport,
    "counts": Counts,
    "coverage": Coverage,
    "coverage_group": CoverageGroup,
    "source_use": SourceUse,
    "finding": model.Finding,
    "severity": model.Severity,
    "kev": model.Kev,
    "epss": model.Epss,
    "evidence": model.EvidenceRef,
    "suppression": model.SuppressionRef,
    "undecided": Undecided,
    "skipped": SkippedComponent,
    "location": Location,
}
"""Each object of the schema (`""`: the report itself) and the dataclass it is written from."""


@pytest.mark.parametrize("name", list(DEFINED))
def test_each_object_of_the_schema_names_its_dataclass_fields(name: str) -> None:
    """Every field is described and required (canonical JSON writes them all, null or empty
    included), and no other is allowed."""
    schema = load_schema()
    defined = schema["$defs"][name] if name else schema
    names = {f.name for f in fields(DEFINED[name])}
    assert defined["type"] == "object" and defined["additionalProperties"] is False
    assert set(defined["properties"]) == names
    assert sorted(defined["required"]) == sorted(names)
