"""A scan report written with `Finding`s serialised natively equals the generic canonical JSON."""

from __future__ import annotations

import io
from dataclasses import fields, is_dataclass
from datetime import date
from pathlib import Path

import pytest

from chainreview import canonical
from chainreview.evidence.merge import merge_documents
from chainreview.evidence.sbom import read_sbom
from chainreview.evidence.vex import read_vex
from chainreview.findings import model
from chainreview.findings.model import Finding
from chainreview.findings.scan import ScanReport, matchers_for, scan
from chainreview.findings.suppressions import load_ignore_file
from chainreview.intel.snapshot import open_current

AIRFLOW = "sbomqs-samples/samples/apache_airflow-sbom-2.8.0-python3.10.json"
RUST = "spdx-examples/software/example11/spdx2.3/sbom.spdx.json"
HYPER_VEX = Path(__file__).parents[1] / "fixtures" / "vex" / "hyper-not-affected.openvex.json"


@pytest.mark.parametrize(
    "cls",
    [model.Finding, model.Severity, model.Kev, model.Epss, model.EvidenceRef, model.SuppressionRef],
)
def test_report_dataclasses_declare_their_fields_sorted(cls: type) -> None:
    names = [f.name for f in fields(cls)]
    assert names == sorted(names)


def _report(home: Path, sbom: Path, tmp_path: Path, flagged: bool) -> ScanReport:
    snapshot = open_current(home)
    assert snapshot is not None
    statements = []
    suppressions = None
    if flagged:
        vex = HYPER_VEX
        statements = list(read_vex(vex, str(vex)).statements)
        ignore = tmp_path / "ignore.yaml"
        ignore.write_text(
            "ignore:\n  - id: RUSTSEC-2023-0001\n    reason: x\n    expires: 2099-01-01\n"
        )
        suppressions = load_ignore_file(ignore, str(ignore))
    with snapshot:
        inventory = merge_documents([read_sbom(sbom, str(sbom), validate=False)])
        return scan(
            inventory,
            matchers_for(snapshot),
            snapshot,
            snapshot=snapshot.hash,
            statements=statements,
            suppressions=suppressions,
            today=date(2025, 1, 1),
        )


@pytest.mark.parametrize(("sbom", "flagged"), [(AIRFLOW, False), (RUST, True)])
def test_native_findings_write_the_canonical_bytes(
    sbom: str, flagged: bool, shared_data: Path, scan_home: Path, tmp_path: Path
) -> None:
    report = _report(scan_home, shared_data / sbom, tmp_path, flagged)
    assert report.findings
    if flagged:  # the optional members are filled in, not only their defaults
        assert any(f.suppressed for f in report.findings)
        assert any(f.justification for f in report.findings)
    stream = io.BytesIO()
    canonical.dump(report, stream, native=(Finding,))
    assert stream.getvalue() == canonical.dumps(report)
    assert all(is_dataclass(f) for f in report.findings)
