"""A review's triage as VEX, one document per product: schema-valid, read back with the same
statuses, and written by `review --vex`.

Every example is reviewed on the bundled intel; each product with findings gets a document in
each format, validated against the official schema of the shared data. The product's SBOMs are
then scanned again with only that document as VEX: every finding must come back with the status
the review gave it (grid-storage's fleet agent has an OpenVEX with not_affected statements, so
not every status is `affected`).
"""

from __future__ import annotations

import io
import json
import os
import subprocess
import sys
from collections.abc import Iterator
from datetime import date
from pathlib import Path

import pytest
from jsonschema.protocols import Validator
from vex_checks import csaf_vex_problems, schema_problems

import chainreview
from chainreview.evidence.declaration import Declaration
from chainreview.formats import VEX_FORMATS
from chainreview.report.vex_triage import ProductTriage, triage_of_review
from chainreview.reviewer import ReviewResult, load_package

EXAMPLES = Path(__file__).resolve().parents[2] / "examples"
AS_OF = date(2026, 11, 20)
NAMES = sorted(p.parent.name for p in EXAMPLES.glob("*/declaration.yaml"))


@pytest.fixture(scope="module")
def reviewed(bundled_home: Path) -> Iterator[dict[str, tuple[Declaration, ReviewResult]]]:
    with chainreview.open_snapshot(bundled_home) as snapshot:
        reviewer = chainreview.Reviewer(snapshot)
        out = {}
        for name in NAMES:
            declaration = load_package(EXAMPLES / name)
            out[name] = (declaration, reviewer.review(declaration, as_of=AS_OF))
        yield out


def triaged(reviewed: dict[str, tuple[Declaration, ReviewResult]]) -> list[ProductTriage]:
    return [t for d, r in reviewed.values() for t in triage_of_review(r, d)]


def written(product: ProductTriage, fmt: str) -> bytes:
    buffer = io.BytesIO()
    VEX_FORMATS[fmt].write(product.triage, buffer)
    return buffer.getvalue()


def test_each_product_with_findings_has_its_triage(
    reviewed: dict[str, tuple[Declaration, ReviewResult]],
) -> None:
    for declaration, result in reviewed.values():
        expected = [p.product for p in result.products if p.findings]
        assert [t.product for t in triage_of_review(result, declaration)] == expected
    statuses = {f.status.value for t in triaged(reviewed) for f, _ in t.triage.entries}
    assert "affected" in statuses and "not_affected" in statuses
    every = triaged(reviewed)
    assert all(t.triage.issued == "2026-11-20T00:00:00Z" for t in every)


@pytest.mark.parametrize("fmt", sorted(VEX_FORMATS))
def test_valid_and_read_back_with_the_same_statuses(
    fmt: str,
    reviewed: dict[str, tuple[Declaration, ReviewResult]],
    schema_validators: dict[str, Validator],
    bundled_home: Path,
    tmp_path: Path,
) -> None:
    checked = 0
    with chainreview.open_snapshot(bundled_home) as snapshot:
        scanner = chainreview.Scanner(snapshot)
        for name, (declaration, result) in reviewed.items():
            scans = {p.product: p for p in result.products}
            for product in triage_of_review(result, declaration):
                data = written(product, fmt)
                document = json.loads(data)
                assert schema_problems(schema_validators[fmt], document) == []
                if fmt == "csaf-vex":
                    assert csaf_vex_problems(document) == []
                path = tmp_path / f"{name}-{product.product}{VEX_FORMATS[fmt].suffix}"
                path.write_bytes(data)
                folder = EXAMPLES / name
                sboms = [folder / s for s in scans[product.product].sboms]
                again = scanner.scan(sboms, vex=[path], today=AS_OF)
                status = {(f.id, f.component): f.status for f in again.report.findings}
                assert status == {
                    (f.id, f.component): f.status for f in scans[product.product].findings
                }
                # each status now comes from the written document, none by default
                assert all(f.status_source for f in again.report.findings)
                checked += 1
    assert checked >= 4


def test_review_writes_the_documents_it_is_asked_for(bundled_home: Path, tmp_path: Path) -> None:
    out = tmp_path / "review"
    environment = {**os.environ, "CHAINREVIEW_HOME": str(bundled_home), "COLUMNS": "200"}
    run = subprocess.run(
        [sys.executable, "-m", "chainreview", "review", str(EXAMPLES / "grid-storage"),
         "--as-of", "2026-11-20", "-o", str(out), "--vex", "openvex", "--vex", "csaf-vex"],
        capture_output=True, text=True, env=environment, timeout=300, check=False,
    )  # fmt: skip
    assert run.returncode == 0, run.stderr
    # grid-storage's two products both have findings on the bundled intel.
    assert sorted(p.name for p in (out / "vex").iterdir()) == [
        "P-AGENT.csaf.json",
        "P-AGENT.openvex.json",
        "P-ARRAY.csaf.json",
        "P-ARRAY.openvex.json",
    ]
    assert "vex/P-ARRAY.openvex.json" in run.stdout
