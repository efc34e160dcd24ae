"""`chainreview.review` end to end on the minimal package: the result, its schema, overrides,
staleness, policies, and byte-identical `result.json` across processes and environments."""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
from datetime import date
from pathlib import Path
from typing import Any

import pytest
import yaml
from jsonschema import Draft202012Validator, FormatChecker

import chainreview
from chainreview import canonical
from chainreview.determination.model import Outcome
from chainreview.errors import InputError
from chainreview.evidence.overrides import Level
from chainreview.report.html import render_html
from chainreview.reviewer import ReviewResult, review

ROOT = Path(__file__).resolve().parents[1]
MINIMAL = ROOT / "tests" / "fixtures" / "declarations" / "minimal"
SCHEMA = ROOT / "src" / "chainreview" / "schemas" / "result.schema.json"


@pytest.fixture(scope="module")
def minimal(bundled_home: Path) -> ReviewResult:
    return review(MINIMAL, home=bundled_home)


def plain(result: ReviewResult) -> Any:
    return json.loads(canonical.dumps(canonical.to_plain(result)))


def test_result_validates_against_the_published_schema(minimal: ReviewResult) -> None:
    schema = json.loads(SCHEMA.read_text(encoding="utf-8"))
    Draft202012Validator.check_schema(schema)
    validator = Draft202012Validator(schema, format_checker=FormatChecker())
    assert list(validator.iter_errors(plain(minimal))) == []


def test_module_is_callable_as_the_library_entry(bundled_home: Path) -> None:
    # the package attribute is the function itself, imported lazily
    result = chainreview.review(MINIMAL, home=bundled_home)
    assert isinstance(result, ReviewResult)


def test_minimal_package_is_referred_for_its_unchecked_components(minimal: ReviewResult) -> None:
    d = minimal.determination
    assert d.outcome is Outcome.REFER_TO_SPECIAL_REVIEW
    assert d.rationale[0].endswith("(rule CN.5)")
    assert any("Maven" in sentence for sentence in d.rationale)
    assert [a.factor_id for a in d.assessments] == [f"F{n:02d}" for n in range(1, 21)]


def test_determination_records_what_it_rests_on(minimal: ReviewResult) -> None:
    d = minimal.determination
    assert d.snapshot is not None and d.as_of == d.snapshot.newest  # the default review date
    assert d.policy.id == "cn-crm-2022" and len(d.policy.sha256) == 64
    assert d.plugins["evaluator:vulnerabilities"] == "1.0"
    assert "chainreview" in d.plugins
    assert set(d.inputs) >= {"declaration.yaml", "sbom/management-agent.vex.cdx.json"}
    assert all(not path.startswith("/") for path in d.inputs)


def test_result_holds_no_absolute_path_or_host(minimal: ReviewResult) -> None:
    text = canonical.dumps(canonical.to_plain(minimal)).decode()
    assert str(MINIMAL) not in text and str(ROOT) not in text
    assert os.uname().nodename not in text


def test_old_snapshot_is_flagged_stale(bundled_home: Path) -> None:
    later = review(MINIMAL, home=bundled_home, as_of=date(2027, 6, 1))
    snapshot = later.determination.snapshot
    assert snapshot is not None and snapshot.stale
    assert snapshot.warning in later.determination.rationale


def test_overrides_are_applied_recorded_and_shown(bundled_home: Path, tmp_path: Path) -> None:
    path = tmp_path / "overrides.yaml"
    entries = [
        {"factor": "F02", "level": "low", "reason": "Maven parts checked by hand",
         "reviewer": "R. Li", "date": "2026-03-10"},
        {"factor": "F08", "reason": "intelligence assessment", "reviewer": "R. Li",
         "date": "2026-03-10", "basis_withheld": True},
    ]  # fmt: skip
    path.write_text(yaml.safe_dump({"schema_version": "1.0", "overrides": entries}))
    result = review(MINIMAL, home=bundled_home, overrides=path)
    d = result.determination
    f02 = next(a for a in d.assessments if a.factor_id == "F02")
    assert f02.level is Level.LOW
    first, second = d.overrides
    assert (first.factor, first.replaced, first.level) == ("F02", Level.UNDETERMINED, Level.LOW)
    assert second.basis_withheld and second.level is second.replaced
    assert d.overrides_sha256 is not None
    html = render_html(result)
    assert "(basis withheld)" in html
    assert "Maven parts checked by hand" in html


def test_regime_option_switches_profile_and_policy(bundled_home: Path) -> None:
    result = review(MINIMAL, home=bundled_home, regime="nist-800-161")
    assert result.determination.regime == result.determination.policy.id == "nist-800-161"


def test_policy_for_another_regime_is_refused(bundled_home: Path) -> None:
    policy = ROOT / "src" / "chainreview" / "determination" / "policies" / "us-icts-791.yaml"
    with pytest.raises(InputError, match="is for us-icts-791"):
        review(MINIMAL, home=bundled_home, policy=policy)


def test_html_report_is_plain_and_complete(minimal: ReviewResult) -> None:
    html = render_html(minimal)
    assert "<script" not in html
    assert "Refer to special review" in html
    assert "GB 40050-2021 5.3(a)" in html
    assert minimal.determination.policy.sha256 in html


def test_result_json_is_byte_identical_across_processes(bundled_home: Path, tmp_path: Path) -> None:
    elsewhere = tmp_path / "deep" / "copy of package"
    shutil.copytree(MINIMAL, elsewhere)
    runs = [
        (MINIMAL, tmp_path / "a", "1", "UTC", "C.UTF-8", ROOT),
        (elsewhere, tmp_path / "b" / "out", "987", "Asia/Shanghai", "POSIX", tmp_path),
    ]
    outputs = []
    for package, out, seed, tz, locale, cwd in runs:
        env = {
            **os.environ,
            "CHAINREVIEW_HOME": str(bundled_home),
            "PYTHONHASHSEED": seed,
            "TZ": tz,
            "LC_ALL": locale,
        }
        command = [sys.executable, "-m", "chainreview", "review", str(package), "--out", str(out)]
        done = subprocess.run(command, capture_output=True, env=env, cwd=cwd, timeout=180)
        assert done.returncode == 0, done.stderr.decode()
        outputs.append(((out / "result.json").read_bytes(), (out / "report.html").read_bytes()))
    assert outputs[0] == outputs[1]


def test_components_matched_by_cpe_are_not_reported_unchecked(bundled_home: Path) -> None:
    # grid-storage's P-ARRAY firmware SBOM: the Samsung SSD firmware has no purl but a CPE, which
    # the CPE fallback checks against the bundled NVD records; the vendor's own firmware image
    # has neither, so it alone stays "not checked".
    sbom = json.loads((ROOT / "examples/grid-storage/sbom/vs8400-firmware.cdx.json").read_text())
    listed = [sbom["metadata"]["component"], *sbom["components"]]  # the primary counts too
    unidentified = sorted(c["name"] for c in listed if "purl" not in c and "cpe" not in c)
    with_cpe_only = [c["name"] for c in sbom["components"] if "purl" not in c and "cpe" in c]
    assert unidentified and with_cpe_only
    result = review(ROOT / "examples/grid-storage", home=bundled_home)
    f02 = next(a for a in result.determination.assessments if a.factor_id == "F02")
    gaps = [g for g in f02.missing_evidence if "of P-ARRAY not checked" in g]
    assert gaps == [
        f"missing evidence: advisories with no purl ecosystem (and no CPE checked against NVD): "
        f"{len(unidentified)} component(s) of P-ARRAY not checked (e.g. {unidentified[0]})"
    ]
