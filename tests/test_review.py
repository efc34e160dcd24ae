"""`chainreview.review` end to end on the minimal package: the result, its schema, overrides,
the review date and staleness, provenance, policies, and byte-identical `result.json` across
processes and environments."""

from __future__ import annotations

import hashlib
import json
import os
import shutil
import subprocess
import sys
from datetime import UTC, date, datetime
from pathlib import Path, PurePosixPath
from typing import Any

import pytest
import yaml
from jsonschema import Draft202012Validator, FormatChecker

import chainreview
from chainreview import canonical
from chainreview.determination.model import Outcome
from chainreview.errors import InputError
from chainreview.levels import Level
from chainreview.report.html import render_html
from chainreview.reviewer import ReviewResult, review

ROOT = Path(__file__).resolve().parents[1]
MINIMAL = ROOT / "tests" / "fixtures" / "declarations" / "minimal"
SCHEMA = ROOT / "src" / "chainreview" / "schemas" / "result.schema.json"


AS_OF = date(2026, 12, 1)


@pytest.fixture(scope="module")
def minimal(bundled_home: Path) -> ReviewResult:
    return review(MINIMAL, home=bundled_home, as_of=AS_OF)


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
    assert d.rationale[0].endswith("(rule CN.6)")
    # its second product comes with no SBOM; the first's Maven parts are not in the bundled intel
    assert "F02 is undetermined: missing an SBOM of P-CTRL." in d.rationale
    assert any("no advisories for Maven" in lim.text for lim in d.limitations)
    assert [a.factor_id for a in d.assessments] == [f"F{n:02d}" for n in range(1, 21)]


def test_the_review_date_is_today_in_the_regime_time_zone(bundled_home: Path) -> None:
    # 2026-12-01 20:30 UTC is already 2 December in Asia/Shanghai (UTC+8)
    evening = datetime(2026, 12, 1, 20, 30, tzinfo=UTC)
    result = review(MINIMAL, home=bundled_home, clock=lambda: evening)
    d = result.determination
    assert (d.as_of, d.as_of_basis) == ("2026-12-02", "today in Asia/Shanghai")
    given = review(MINIMAL, home=bundled_home, as_of=AS_OF, clock=lambda: evening)
    assert (given.determination.as_of, given.determination.as_of_basis) == ("2026-12-01", "given")


@pytest.mark.parametrize("day", [date(1, 1, 1), date(9999, 12, 31), date(1969, 12, 31)])
def test_a_review_date_outside_the_accepted_range_is_refused(bundled_home: Path, day: date) -> None:
    with pytest.raises(InputError, match="lies outside 1970-01-01 to 2999-12-31"):
        review(MINIMAL, home=bundled_home, as_of=day)


def test_determination_records_what_it_rests_on(minimal: ReviewResult) -> None:
    d = minimal.determination
    assert d.intel is not None and d.intel.demo  # the bundled capture
    sources = {s.name: s for s in d.intel.sources}
    # KEV's bundled catalogue is of 2025-08-25 (shared data MANIFEST.md): 463 days before
    assert (sources["kev"].as_of, sources["kev"].age_days, sources["kev"].stale) == (
        "2025-08-25",
        (AS_OF - date(2025, 8, 25)).days,
        True,
    )
    assert sources["nvd"].complete is False and sources["osv:PyPI"].complete is True
    assert not d.final and d.provisional  # demo intelligence: no final determination
    assert d.policy.id == "cn-crm-2022" and len(d.policy.sha256) == 64
    assert d.plugins["evaluator:vulnerabilities"] == "1.0"
    assert "chainreview" in d.plugins
    assert set(d.inputs) >= {"declaration.yaml", "sbom/management-agent.vex.cdx.json"}
    assert all(not path.startswith("/") for path in d.inputs)


def test_result_holds_no_absolute_path_or_host(minimal: ReviewResult) -> None:
    text = canonical.dumps(canonical.to_plain(minimal)).decode()
    assert str(MINIMAL) not in text and str(ROOT) not in text
    assert os.uname().nodename not in text


def test_stale_sources_are_named_in_the_rationale(bundled_home: Path) -> None:
    later = review(MINIMAL, home=bundled_home, as_of=date(2027, 6, 1))
    intel = later.determination.intel
    assert intel is not None and all(s.stale for s in intel.sources if s.as_of)
    (stale,) = [w for w in intel.warnings if w.startswith("Sources older than 30 days")]
    assert "kev (2025-08-25, 645 days)" in stale
    assert stale in render_html(later)  # on the report's first page, not among the reasons
    assert stale not in later.determination.rationale


def test_screening_is_recorded_with_every_name_even_without_a_hit(minimal: ReviewResult) -> None:
    screening = minimal.determination.screening
    vendor = yaml.safe_load((MINIMAL / "vendor" / "northwind.yaml").read_text())
    expected = {vendor["legal_name"], *vendor.get("other_names", ())}
    expected |= {o["entity"] for o in vendor.get("ownership", ())}
    expected |= {s["entity"] for s in vendor.get("sites", ())}
    assert {n.name for n in screening.names} == expected
    assert screening.lists == ("ofac-sdn",)
    assert [s.name for s in screening.sources] == ["ofac-sdn"]
    assert screening.outcome == "no hit" and all(n.hits == () for n in screening.names)


def test_allow_demo_intel_makes_the_determination_final(bundled_home: Path) -> None:
    allowed = review(MINIMAL, home=bundled_home, as_of=AS_OF, allow_demo_intel=True)
    assert allowed.determination.final and allowed.determination.provisional == ()
    assert allowed.determination.intel is not None and allowed.determination.intel.demo


def test_overrides_are_applied_recorded_and_shown(bundled_home: Path, tmp_path: Path) -> None:
    path = tmp_path / "overrides.yaml"
    entries = [
        {"factor": "F02", "level": "low", "reason": "Maven parts checked by hand",
         "reviewer": "R. Li", "date": "2026-03-10"},
        {"factor": "F08", "reason": "intelligence assessment", "reviewer": "R. Li",
         "date": "2026-03-10", "basis_withheld": True},
    ]  # fmt: skip
    path.write_text(yaml.safe_dump({"schema_version": "1.0", "overrides": entries}))
    result = review(MINIMAL, home=bundled_home, overrides=path, as_of=AS_OF)
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
    result = review(MINIMAL, home=bundled_home, regime="nist-800-161", as_of=AS_OF)
    assert result.determination.regime == result.determination.policy.id == "nist-800-161"


def test_policy_for_another_regime_is_refused(bundled_home: Path) -> None:
    policy = ROOT / "src" / "chainreview" / "determination" / "policies" / "us-icts-791.yaml"
    with pytest.raises(InputError, match="is for us-icts-791"):
        review(MINIMAL, home=bundled_home, policy=policy)


def test_html_report_is_plain_and_complete(minimal: ReviewResult) -> None:
    html = render_html(minimal)
    assert html.count("<script") == 1  # the report's own, sorting the findings tables
    assert '<script id="table-sort">\n// Sorts a findings table' in html
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
        command += ["--as-of", AS_OF.isoformat()]
        done = subprocess.run(command, capture_output=True, env=env, cwd=cwd, timeout=180)
        assert done.returncode == 0, done.stderr.decode()
        outputs.append(((out / "result.json").read_bytes(), (out / "report.html").read_bytes()))
    assert outputs[0] == outputs[1]


def test_unidentified_vendor_firmware_is_a_transparency_gap_not_an_unknown(
    bundled_home: Path,
) -> None:
    # grid-storage's P-ARRAY firmware SBOM: components with a CPE are looked up in the bundled
    # NVD selection (a partial selection: a limitation of the review's data); the vendor's own
    # firmware images have neither purl nor CPE and the vendor as supplier: F12 asks for their
    # identifiers, F02 does not read them as third-party parts of unknown status.
    sbom = json.loads((ROOT / "examples/grid-storage/sbom/vs8400-firmware.cdx.json").read_text())
    root = sbom["metadata"]["component"]["name"]
    unidentified = sorted(
        c["name"] for c in sbom["components"] if "purl" not in c and "cpe" not in c
    )
    with_cpe = [c["name"] for c in sbom["components"] if "purl" not in c and "cpe" in c]
    assert unidentified and with_cpe and root not in unidentified
    result = review(ROOT / "examples/grid-storage", home=bundled_home, as_of=AS_OF)
    by_id = {a.factor_id: a for a in result.determination.assessments}
    f12 = by_id["F12"]
    assert any(
        r.startswith(f"P-ARRAY: {len(unidentified)} of the vendor's own components carry no purl")
        for r in f12.reasons
    )
    assert all(name not in g.what for g in by_id["F02"].missing_evidence for name in unidentified)
    (partial,) = [lim for lim in by_id["F02"].limitations if "of P-ARRAY" in lim.what]
    assert partial.what.startswith(
        f"{len(with_cpe)} component(s) of P-ARRAY not fully checked: NVD present only as a "
        "partial selection"
    )


def test_every_input_file_is_read_once_and_its_digest_is_of_those_bytes(
    bundled_home: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    from chainreview import raw

    reads: dict[str, list[bytes]] = {}
    read_bytes, digest_file = raw.read_bytes, raw.digest_file

    def counting_read(path: Path, display: str, max_bytes: int | None = None) -> bytes:
        data = read_bytes(path, display, max_bytes)
        reads.setdefault(Path(path).name, []).append(data)
        return data

    def counting_digest(path: Path, display: str, max_bytes: int) -> tuple[str, int]:
        reads.setdefault(Path(path).name, []).append(Path(path).read_bytes())
        return digest_file(path, display, max_bytes)

    monkeypatch.setattr(raw, "read_bytes", counting_read)
    monkeypatch.setattr(raw, "digest_file", counting_digest)
    overrides = tmp_path / "overrides.yaml"
    entry = {"factor": "F08", "reason": "r", "reviewer": "R. Li", "date": "2026-03-10",
             "basis_withheld": True}  # fmt: skip
    overrides.write_text(yaml.safe_dump({"schema_version": "1.0", "overrides": [entry]}))
    d = review(MINIMAL, home=bundled_home, as_of=AS_OF, overrides=overrides).determination
    for path, sha256 in d.inputs.items():
        (data,) = reads[PurePosixPath(path).name]  # read once, SBOM and VEX files included
        assert hashlib.sha256(data).hexdigest() == sha256, path
    (data,) = reads["overrides.yaml"]
    assert d.overrides_sha256 == hashlib.sha256(data).hexdigest()


def test_one_reviewer_reads_a_changed_package_afresh(bundled_home: Path, tmp_path: Path) -> None:
    # the reviewer keeps the YAML it parsed by the digest of its bytes: a review after a change
    # reads as a new reviewer's, and a review of the same bytes as the first one did
    package = tmp_path / "package"
    shutil.copytree(MINIMAL, package)
    with chainreview.open_snapshot(bundled_home) as snapshot:
        reviewer = chainreview.Reviewer(snapshot)
        first = canonical.dumps(reviewer.review(package, as_of=AS_OF))
        assert canonical.dumps(reviewer.review(package, as_of=AS_OF)) == first
        vendor = package / "vendor" / "northwind.yaml"
        text = vendor.read_text(encoding="utf-8")
        vendor.write_text(text.replace("jurisdiction: US", "jurisdiction: CN"), encoding="utf-8")
        changed = reviewer.review(package, as_of=AS_OF)
        fresh = chainreview.Reviewer(snapshot).review(package, as_of=AS_OF)
    assert canonical.dumps(changed) == canonical.dumps(fresh) != first
    digest = hashlib.sha256(vendor.read_bytes()).hexdigest()
    assert changed.determination.inputs["vendor/northwind.yaml"] == digest
