"""Findings: alias groups, severity sources, KEV, fixed versions, evidence, VEX and suppressions.

A small snapshot of hand-written OSV records plus the real CISA KEV catalogue, one real NVD
record (CVE-2022-3602, CVSS 3.1 AV:N/AC:L/PR:N/UI:N/S:U/C:N/I:N/A:H = 7.5 high) and the real
Alpine 3.16 `main` secdb.
"""

from __future__ import annotations

from datetime import date
from pathlib import Path
from typing import Any

import pytest
from tests.intel.conftest import write_record

from chainreview.components.model import Component, Location
from chainreview.evidence.vex import VexStatement, VexStatus
from chainreview.findings.build import build_findings
from chainreview.findings.model import Finding, Level, Status
from chainreview.findings.policy import FailOn, tripping
from chainreview.findings.suppressed import apply_suppressions
from chainreview.findings.suppressions import IgnoreEntry, Suppressions
from chainreview.findings.vex_status import apply_vex
from chainreview.intel import importer
from chainreview.intel.snapshot import Snapshot, open_current
from chainreview.matches.distro import DistroMatch, DistroMatcher
from chainreview.matches.local import LocalMatcher
from chainreview.matches.model import Match

NVD = "nvd-cve-firmware-selection/CVE-2022/CVE-2022-36xx/CVE-2022-3602.json"
KEV = "cisa-kev/known_exploited_vulnerabilities.json"
SECDB = "alpine-secdb/alpine/v3.16/main.json"
V31_CRITICAL = "CVSS:3.1/AV:N/AC:L/PR:N/UI:N/S:U/C:H/I:H/A:H"  # 9.8
V40_MEDIUM = "CVSS:4.0/AV:N/AC:L/AT:N/PR:N/UI:N/VC:L/VI:N/VA:N/SC:N/SI:N/SA:N"  # 6.9


def pypi(name: str, *events: dict[str, str], **extra: Any) -> dict[str, Any]:
    return {
        "package": {"ecosystem": "PyPI", "name": name},
        "ranges": [{"type": "ECOSYSTEM", "events": list(events)}],
        **extra,
    }


def record(id: str, *affected: dict[str, Any], **extra: Any) -> dict[str, Any]:
    return {"id": id, "modified": "2024-01-01T00:00:00Z", "affected": list(affected), **extra}


OPEN = ({"introduced": "0"}, {"fixed": "2.0"})
RECORDS = [
    # two records of one vulnerability (through CVE-2023-44487, which is in KEV), one scored
    record("PYSEC-T-1", pypi("alpha", *OPEN), aliases=["CVE-2023-44487"]),
    record(
        "GHSA-aaaa-bbbb-cccc",
        pypi("alpha", *OPEN),
        aliases=["CVE-2023-44487"],
        severity=[{"type": "CVSS_V3", "score": V31_CRITICAL}],
    ),
    # v4 preferred over v3 when both are given
    record(
        "RUSTSEC-T-2",
        pypi("beta", *OPEN),
        severity=[
            {"type": "CVSS_V3", "score": V31_CRITICAL},
            {"type": "CVSS_V4", "score": V40_MEDIUM},
        ],
    ),
    # no vector: the record's own word
    record("GHSA-dddd-eeee-ffff", pypi("gamma", *OPEN), database_specific={"severity": "MODERATE"}),
    # no vector, no word: the NVD record of its CVE alias
    record("GO-T-3", pypi("delta", *OPEN), aliases=["CVE-2022-3602"]),
    # nothing at all: unknown
    record("GO-T-4", pypi("epsilon", *OPEN)),
    # two affected entries of one package; fixed versions from both, above the version only
    record(
        "PYSEC-T-5",
        pypi(
            "zeta", {"introduced": "0"}, {"fixed": "1.0"}, {"introduced": "1.2"}, {"fixed": "1.4"}
        ),
        pypi("zeta", {"introduced": "1.3"}, {"fixed": "1.5"}),
    ),
    # an OSV record of an Alpine package whose CVE a secdb fix also lists (see test_distro_*)
    record(
        "ALPINE-T-6",
        {
            "package": {"ecosystem": "Alpine:v3.16", "name": "openssl"},
            "ranges": [
                {"type": "ECOSYSTEM", "events": [{"introduced": "0"}, {"fixed": "1.1.1t-r1"}]}
            ],
        },
        aliases=["CVE-2023-0286"],
        database_specific={"severity": "HIGH"},
    ),
    # a PyPI record of another CVE of that secdb fix: its group must not take the fix in
    record("PYSEC-T-7", pypi("eta", *OPEN), aliases=["CVE-2022-4450"]),
]


@pytest.fixture(scope="module")
def snapshot(tmp_path_factory: pytest.TempPathFactory, shared_data: Path) -> Snapshot:
    root = tmp_path_factory.mktemp("findings")
    for item in RECORDS:
        write_record(root / "osv", item)
    feeds = [root / "osv", shared_data / KEV, shared_data / NVD, shared_data / SECDB]
    importer.import_paths(feeds, home=root / "home")
    opened = open_current(root / "home")
    assert opened is not None
    return opened


def component(name: str, version: str) -> Component:
    return Component(
        ref=f"ref-{name}",
        name=name,
        version=version,
        purl=f"pkg:pypi/{name}@{version}",
        sources=(Location(file="sbom.json"),),
    )


NAMES = ["alpha", "beta", "gamma", "delta", "epsilon", "zeta"]
COMPONENTS = {c.ref: c for c in (component(name, "1.3.5") for name in NAMES)}


@pytest.fixture(scope="module")
def findings(snapshot: Snapshot) -> dict[str, Finding]:
    matches = [
        m for m in LocalMatcher(snapshot).match_all(COMPONENTS.values()) if isinstance(m, Match)
    ]
    built = build_findings(matches, COMPONENTS, snapshot)
    assert [f.name for f in built] == sorted(f.name for f in built)
    return {f.name: f for f in built}


def test_alias_group_merges_records_into_one_finding(findings: dict[str, Finding]) -> None:
    alpha = findings["alpha"]
    assert alpha.id == "CVE-2023-44487"
    assert alpha.aliases == ("CVE-2023-44487", "GHSA-aaaa-bbbb-cccc", "PYSEC-T-1")
    assert [e.record for e in alpha.evidence] == ["GHSA-aaaa-bbbb-cccc", "PYSEC-T-1"]


def test_severity_from_a_matched_record_vector(findings: dict[str, Finding]) -> None:
    severity = findings["alpha"].severity
    assert (severity.level, severity.score, severity.vector) == (Level.CRITICAL, 9.8, V31_CRITICAL)
    assert severity.source == "GHSA-aaaa-bbbb-cccc severity CVSS_V3"


def test_kev_membership_and_due_date(findings: dict[str, Finding]) -> None:
    # CISA KEV 2025.08.25: CVE-2023-44487 added 2023-10-10, due 2023-10-31
    kev = findings["alpha"].kev
    assert kev is not None
    assert (kev.cve, kev.date_added, kev.due_date) == ("CVE-2023-44487", "2023-10-10", "2023-10-31")
    assert findings["beta"].kev is None


def test_cvss_v4_preferred(findings: dict[str, Finding]) -> None:
    severity = findings["beta"].severity
    assert (severity.level, severity.score) == (Level.MEDIUM, 6.9)


def test_database_specific_word(findings: dict[str, Finding]) -> None:
    severity = findings["gamma"].severity
    assert (severity.level, severity.source) == (
        Level.MEDIUM,
        "GHSA-dddd-eeee-ffff database_specific",
    )


def test_nvd_alias_fallback(findings: dict[str, Finding]) -> None:
    severity = findings["delta"].severity
    assert (severity.level, severity.score) == (Level.HIGH, 7.5)
    assert severity.source == "NVD CVE-2022-3602 CVSS_V3"


def test_unknown_when_nothing_scores(findings: dict[str, Finding]) -> None:
    assert findings["epsilon"].severity.level is Level.UNKNOWN
    assert findings["epsilon"].id == "GO-T-4"


def test_overlapping_entries_one_finding_two_evidence_refs(findings: dict[str, Finding]) -> None:
    zeta = findings["zeta"]
    assert [(e.record, e.affected_index, e.decision) for e in zeta.evidence] == [
        ("PYSEC-T-5", 0, "ranges[0] ECOSYSTEM introduced 1.2, fixed 1.4"),
        ("PYSEC-T-5", 1, "ranges[0] ECOSYSTEM introduced 1.3, fixed 1.5"),
    ]
    # fixed 1.0 is below 1.3.5 and left out
    assert zeta.fixed_versions == ("1.4", "1.5")


def test_vex_changes_status_and_keeps_the_finding(findings: dict[str, Finding]) -> None:
    statement = VexStatement(
        vulnerability="CVE-2023-44487",
        products=("pkg:pypi/alpha@1.3.5",),
        status=VexStatus.NOT_AFFECTED,
        justification="vulnerable_code_not_in_execute_path",
        location=Location(file="vex.json", pointer="/statements/0"),
    )
    out = apply_vex(list(findings.values()), [statement], COMPONENTS)
    assert len(out) == len(findings)
    (alpha,) = [f for f in out if f.name == "alpha"]
    assert (alpha.status, alpha.justification) == (
        Status.NOT_AFFECTED,
        "vulnerable_code_not_in_execute_path",
    )
    assert alpha.status_source == "vex.json: /statements/0"
    assert not alpha.active
    assert all(f.status is Status.AFFECTED for f in out if f.name != "alpha")


def test_suppression_flags_and_reports(findings: dict[str, Finding]) -> None:
    where = Location(file="ignore.yaml")
    rules = Suppressions(
        [
            IgnoreEntry(
                id="PYSEC-T-5", reason="not reachable", expires=date(2099, 1, 1), location=where
            ),
            IgnoreEntry(id="GO-T-404", reason="stale", location=where),
        ]
    )
    out = apply_suppressions(list(findings.values()), rules, date(2026, 1, 1))
    (zeta,) = [f for f in out if f.name == "zeta"]
    assert zeta.suppressed is not None
    assert (zeta.suppressed.id, zeta.suppressed.expires) == ("PYSEC-T-5", "2099-01-01")
    assert [e.id for e in rules.unused()] == ["GO-T-404"]


@pytest.mark.parametrize(
    ("fail_on", "names"),
    [
        (FailOn.NEVER, []),
        (FailOn.KEV, ["alpha"]),
        # epsilon and zeta are unscored (unknown): they count at every severity threshold
        (FailOn.CRITICAL, ["alpha", "epsilon", "zeta"]),
        (FailOn.HIGH, ["alpha", "delta", "epsilon", "zeta"]),
        (FailOn.MEDIUM, ["alpha", "beta", "delta", "epsilon", "gamma", "zeta"]),
        (FailOn.ANY, ["alpha", "beta", "delta", "epsilon", "gamma", "zeta"]),
    ],
)
def test_fail_on_thresholds(
    findings: dict[str, Finding], fail_on: FailOn, names: list[str]
) -> None:
    assert sorted(f.name for f in tripping(findings.values(), fail_on)) == names


def test_every_fail_on_is_handled() -> None:
    for member in FailOn:
        levels = member.levels()
        assert levels is None or Level.UNKNOWN in levels


def test_distro_and_osv_matches_of_one_vulnerability_are_one_finding(snapshot: Snapshot) -> None:
    libssl = Component(
        ref="ref-libssl",
        name="libssl1.1",
        version="1.1.1q-r0",
        purl="pkg:apk/alpine/libssl1.1@1.1.1q-r0?distro=alpine-3.16.2&upstream=openssl",
        ecosystem="Alpine:v3.16",
    )
    eta = component("eta", "1.0")
    inventory = {c.ref: c for c in (libssl, eta)}
    osv = [m for m in LocalMatcher(snapshot).match_all(inventory.values()) if isinstance(m, Match)]
    distro = [
        m
        for m in DistroMatcher(snapshot).match_components([libssl], None)
        if isinstance(m, DistroMatch)
    ]
    # v3.16/main.json openssl secfixes "1.1.1t-r0": CVE-2022-4304 CVE-2022-4450 CVE-2023-0215
    # CVE-2023-0286 (and "1.1.1s-r0", "1.1.1q-r0"… with other CVEs)
    fix = "Alpine:v3.16/main/openssl@1.1.1t-r0"
    assert fix in {m.advisory_id for m in distro}
    built = {(f.name, f.id): f for f in build_findings([*osv, *distro], inventory, snapshot)}
    # one finding per CVE the fix concerns, shown under the CVE, the fix among the aliases
    for cve in ("CVE-2022-4304", "CVE-2022-4450", "CVE-2023-0215", "CVE-2023-0286"):
        found = built[("libssl1.1", cve)]
        assert fix in found.aliases and found.evidence[0].record == fix
        assert found.fixed_versions == ("1.1.1t-r0",)
        assert found.evidence[0].decision == "Alpine:v3.16 openssl 1.1.1q-r0: fixed in 1.1.1t-r0"
    one = built[("libssl1.1", "CVE-2023-0286")]
    # ALPINE-T-6 names CVE-2023-0286 only: it joins that finding, and scores it alone
    assert one.aliases == ("ALPINE-T-6", fix, "CVE-2023-0286")
    assert [e.record for e in one.evidence] == [fix, "ALPINE-T-6"]
    assert one.severity.source == "ALPINE-T-6 database_specific"
    assert built[("libssl1.1", "CVE-2022-4304")].severity.level is Level.UNKNOWN
    # every id of each CVE's group: PYSEC-T-7 names CVE-2022-4450 too (for another package)
    assert built[("libssl1.1", "CVE-2022-4450")].aliases == (fix, "CVE-2022-4450", "PYSEC-T-7")
    assert not any(key[1] in ("ALPINE-T-6", fix) for key in built)
    # the other secdb fixes of the package: findings of their CVEs, unscored without NVD
    others = [f for (name, _), f in built.items() if name == "libssl1.1" and fix not in f.aliases]
    assert others and all(f.severity.level is Level.UNKNOWN for f in others)
    assert all(f.id.startswith("CVE-") for f in others)
    assert all(any(a.startswith("Alpine:v3.16/main/openssl@") for a in f.aliases) for f in others)
    # the PyPI finding of CVE-2022-4450 is not pulled into the secdb fix's group
    assert built[("eta", "CVE-2022-4450")].aliases == ("CVE-2022-4450", "PYSEC-T-7")
