"""F02, F04, F17, F18 on findings made by the real pipeline from the bundled intel snapshot.

The minimal package's SBOMs are Maven and SaaS (the bundled snapshot has no Maven advisories),
so the KEV cases use a variant whose product ships a PyPI SBOM with apache-airflow 1.10.10: real
advisories, two of them (CVE-2020-11978, CVE-2020-13927) in CISA KEV.
"""

from __future__ import annotations

import dataclasses
import json
import shutil
from collections.abc import Iterator
from datetime import date
from pathlib import Path
from typing import Any

import pytest
from factor_kit import AS_OF, MINIMAL, by_id, edit_yaml, gaps, limits, make_context, measures
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from chainreview.evidence.declaration import load_declaration
from chainreview.factors.interface import RANK, FactorAssessment, ReviewContext
from chainreview.factors.registry import build_context
from chainreview.factors.vulnerabilities import VulnerabilityEvaluator, finding_level
from chainreview.findings.model import Finding, Kev, Status
from chainreview.findings.model import Level as Severity
from chainreview.intel.snapshot import Snapshot, open_current
from chainreview.levels import Level
from chainreview.reviewer import Reviewer

KEV_CVES = ("CVE-2020-11978", "CVE-2020-13927")
AIRFLOW = "pkg:pypi/apache-airflow@1.10.10"


@pytest.fixture(scope="module")
def snapshot(bundled_home: Path) -> Iterator[Snapshot]:
    """The bundled snapshot, open for the module."""
    opened = open_current(bundled_home)
    assert opened is not None
    with opened:
        yield opened


def write_json(path: Path, value: Any) -> None:
    path.write_text(json.dumps(value), encoding="utf-8")


def use_pypi_sbom(package: Path, *, vex: dict[str, Any] | None = None) -> None:
    """Make P-ARRAY ship a PyPI SBOM (apache-airflow 1.10.10, jinja2 2.10), with `vex` if given."""
    components = [
        {"type": "library", "bom-ref": "airflow", "name": "apache-airflow", "version": "1.10.10",
         "purl": AIRFLOW},
        {"type": "library", "bom-ref": "jinja2", "name": "jinja2", "version": "2.10",
         "purl": "pkg:pypi/jinja2@2.10"},
    ]  # fmt: skip
    bom = {"bomFormat": "CycloneDX", "specVersion": "1.5", "version": 1, "components": components}
    write_json(package / "sbom" / "scheduler.cdx.json", bom)
    if vex is not None:
        write_json(package / "sbom" / "scheduler.vex.json", vex)

    def change(value: dict[str, Any]) -> None:
        value["products"][0]["sboms"] = ["sbom/scheduler.cdx.json"]
        value["products"][0]["vex"] = ["sbom/scheduler.vex.json"] if vex is not None else []

    edit_yaml(package / "declaration.yaml", change)


def not_affected(*cves: str) -> dict[str, Any]:
    """A CycloneDX VEX saying apache-airflow 1.10.10 is not affected by `cves`."""
    vulnerabilities = [
        {"id": cve, "analysis": {"state": "not_affected", "justification": "code_not_reachable"},
         "affects": [{"ref": AIRFLOW}]}
        for cve in cves
    ]  # fmt: skip
    return {"bomFormat": "CycloneDX", "specVersion": "1.5", "version": 1,
            "vulnerabilities": vulnerabilities}  # fmt: skip


def context(package: Path, snapshot: Snapshot, as_of: date = AS_OF) -> ReviewContext:
    """The review context of `package` with the findings of the real scan pipeline."""
    declaration = load_declaration(package)
    scans = Reviewer(snapshot).scan(declaration, as_of)
    return build_context(
        declaration,
        snapshot=snapshot,
        as_of=as_of,
        findings=tuple(f for s in scans for f in s.findings),
        indeterminate=tuple(u for s in scans for u in s.indeterminate),
        coverage={s.product: s.coverage for s in scans if s.coverage is not None},
    )


def assess(ctx: ReviewContext) -> dict[str, FactorAssessment]:
    return by_id(VulnerabilityEvaluator().assess(ctx))


def test_hosts_the_vulnerability_family_in_order(package: Path) -> None:
    assert tuple(assess(make_context(package))) == ("F02", "F04", "F17", "F18")


def test_minimal_package_maven_components_are_missing_evidence_not_no_risk(
    package: Path, snapshot: Snapshot
) -> None:
    f02 = assess(context(package, snapshot))["F02"]
    assert f02.level is Level.UNDETERMINED
    # the bundle holds no Maven advisories: a limitation of the review's data, not the vendor's
    assert any("no advisories for Maven in the intel snapshot" in m for m in limits(f02))
    assert not any("Maven" in m for m in gaps(f02))
    assert any("SBOM of P-CTRL" in m for m in gaps(f02))


def test_no_snapshot_leaves_f02_and_f17_undetermined(package: Path) -> None:
    result = assess(make_context(package))
    assert result["F02"].level is Level.UNDETERMINED
    assert (
        "not assessed: components against advisories (no intel snapshot: OSV, CISA KEV)"
        in limits(result["F02"])
    )
    assert result["F17"].level is Level.UNDETERMINED


def test_kev_finding_makes_f02_and_f17_at_least_high(package: Path, snapshot: Snapshot) -> None:
    use_pypi_sbom(package)
    ctx = context(package, snapshot)
    assert {f.id for f in ctx.findings if f.kev is not None} == set(KEV_CVES)
    result = assess(ctx)
    f02, f17 = result["F02"], result["F17"]
    assert RANK[f02.level] >= RANK[Level.HIGH]
    assert f02.rule.startswith("F02.R3")
    assert any("CVE-2020-11978 (apache-airflow 1.10.10)" in r for r in f02.reasons)
    assert "GB 40050-2021 5.3(a)" in f02.citations
    assert RANK[f17.level] >= RANK[Level.HIGH]
    assert f17.rule.startswith("F17.R1")
    assert any(e.ref.startswith("CVE-2020-11978@") for e in f02.evidence)


def test_internet_facing_kev_is_critical_for_f17(package: Path, snapshot: Snapshot) -> None:
    use_pypi_sbom(package)
    edit_yaml(
        package / "declaration.yaml", lambda v: v["cii_systems"][0].update(internet_facing=True)
    )
    assert assess(context(package, snapshot))["F17"].level is Level.CRITICAL


def test_vex_not_affected_lowers_f02_and_keeps_the_findings(
    package: Path, snapshot: Snapshot
) -> None:
    use_pypi_sbom(package)
    before = assess(context(package, snapshot))["F02"]
    use_pypi_sbom(package, vex=not_affected(*KEV_CVES))
    ctx = context(package, snapshot)
    resolved = {f.id: f for f in ctx.findings if f.status is Status.NOT_AFFECTED}
    assert set(resolved) == set(KEV_CVES)  # kept, with their new status
    assert resolved["CVE-2020-11978"].status_source is not None
    after = assess(ctx)["F02"]
    assert RANK[after.level] <= RANK[before.level]
    assert not after.rule.startswith("F02.R3")
    assert any("resolved by VEX" in r for r in after.reasons)


def test_unknown_severity_is_never_read_as_low(package: Path, snapshot: Snapshot) -> None:
    use_pypi_sbom(package)
    finding = context(package, snapshot).findings[0]
    unknown = dataclasses.replace(
        finding,
        severity=dataclasses.replace(finding.severity, level=Severity.UNKNOWN),
        kev=None,
        epss=None,
    )
    assert RANK[finding_level(unknown)] >= RANK[Level.HIGH]


def test_fixed_versions_make_f18_low_and_list_the_upgrade(
    package: Path, snapshot: Snapshot
) -> None:
    use_pypi_sbom(package)
    f18 = assess(context(package, snapshot))["F18"]
    assert f18.level is Level.UNDETERMINED  # the mitigation records are not declared yet
    assert "missing evidence: answer to F18.Q1 (whether the product can be isolated)" in (gaps(f18))
    answers = [{"question": "F18.Q1", "answer": True}, {"question": "F18.Q2", "answer": True}]
    edit_yaml(package / "questionnaire.yaml", lambda v: v["answers"].extend(answers))
    f18 = assess(context(package, snapshot))["F18"]
    # low on what the scans found; still open while the fixture's P-CTRL has no SBOM (what no
    # scan checked leaves F18 as open as F02 and F17)
    assert (f18.level, f18.floor) == (Level.UNDETERMINED, Level.LOW)
    assert gaps(f18) == ("missing evidence: an SBOM of P-CTRL",)
    assert any("active finding(s) have a fixed version" in r for r in f18.reasons), f18.reasons
    assert any(m.startswith("Upgrade apache-airflow 1.10.10 → ") for m in measures(f18))


def test_support_end_passed_is_high(package: Path) -> None:
    f04 = assess(make_context(package, as_of=date(2031, 1, 5)))["F04"]
    assert f04.level is Level.HIGH
    assert "P-ARRAY 4.10: security support ended (2030-12-31)" in f04.reasons


def test_missing_eol_feed_is_a_limitation(package: Path, snapshot: Snapshot) -> None:
    f04 = assess(context(package, snapshot))["F04"]
    assert (
        "not assessed: component lifecycles (no endoflife.date data in the intel snapshot)"
        in limits(f04)
    )


# --- properties -----------------------------------------------------------------------------


@pytest.fixture(scope="module")
def pypi_context(tmp_path_factory: pytest.TempPathFactory, snapshot: Snapshot) -> ReviewContext:
    """The context of the PyPI variant, shared by the property tests (they vary its findings)."""
    target = tmp_path_factory.mktemp("pypi") / "package"
    shutil.copytree(MINIMAL, target)
    for path in target.rglob("*"):
        path.chmod(0o644 if path.is_file() else 0o755)
    use_pypi_sbom(target)
    return context(target, snapshot)


def levels(ctx: ReviewContext, findings: tuple[Finding, ...]) -> dict[str, Level]:
    result = assess(dataclasses.replace(ctx, findings=findings))
    return {f: result[f].level for f in ("F02", "F17")}


def rank(level: Level) -> int:
    """Undetermined ranks lowest: the property then holds for determined levels only."""
    return RANK.get(level, -1)


_PROPERTY = settings(
    max_examples=40, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)


@_PROPERTY
@given(data=st.data())
def test_adding_a_kev_finding_never_lowers_f02_or_f17(
    pypi_context: ReviewContext, data: st.DataObject
) -> None:
    base = tuple(data.draw(st.lists(st.sampled_from(pypi_context.findings), unique=True)))
    extra = data.draw(st.sampled_from(pypi_context.findings))
    kev = dataclasses.replace(
        extra,
        id="CVE-2099-0001",
        aliases=("CVE-2099-0001",),
        kev=Kev(cve="CVE-2099-0001", date_added="2026-01-01", due_date="2026-01-22"),
        status=data.draw(st.sampled_from([Status.AFFECTED, Status.UNDER_INVESTIGATION])),
    )
    before, after = levels(pypi_context, base), levels(pypi_context, (*base, kev))
    for factor in before:
        assert rank(after[factor]) >= rank(before[factor])
        assert rank(after[factor]) >= RANK[Level.HIGH]


@_PROPERTY
@given(data=st.data())
def test_vex_not_affected_never_raises_f02_or_f17(
    pypi_context: ReviewContext, data: st.DataObject
) -> None:
    base = list(
        data.draw(st.lists(st.sampled_from(pypi_context.findings), unique=True, min_size=1))
    )
    index = data.draw(st.integers(min_value=0, max_value=len(base) - 1))
    resolved = base.copy()
    resolved[index] = dataclasses.replace(base[index], status=Status.NOT_AFFECTED)
    before, after = levels(pypi_context, tuple(base)), levels(pypi_context, tuple(resolved))
    for factor in before:
        if before[factor] is not Level.UNDETERMINED:
            assert rank(after[factor]) <= rank(before[factor])
