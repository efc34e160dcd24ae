"""Ignore files: chainreview YAML and osv-scanner TOML, expiry, usage tracking and bad input."""

from __future__ import annotations

import os
from datetime import date
from pathlib import Path

import pytest

from chainreview.errors import InputError
from chainreview.findings.suppressions import IgnoreEntry, Suppressions, load_ignore_file

DATA = Path(os.environ["CHAINREVIEW_SHARED_DATA"])
TODAY = date(2026, 6, 30)

YAML = """\
ignore:
  - id: CVE-2021-44228
    reason: JNDI lookups disabled (log4j2.formatMsgNoLookups=true)
    expires: 2026-07-01
  - id: GHSA-jfh8-c2jp-5v3q
    reason: duplicate of CVE-2021-44228
  - id: CVE-2020-0001
    reason: accepted until the spring release
    expires: 2026-03-01
"""


def _load(tmp_path: Path, content: str, name: str = "ignore.yaml") -> Suppressions:
    path = tmp_path / name
    path.write_text(content, encoding="utf-8")
    return load_ignore_file(path, name)


def _error(tmp_path: Path, content: str, name: str = "ignore.yaml") -> InputError:
    with pytest.raises(InputError) as caught:
        _load(tmp_path, content, name)
    assert "\n" not in str(caught.value)
    assert str(caught.value).startswith(f"{name}: ")
    return caught.value


def test_yaml_entries(tmp_path: Path) -> None:
    suppressions = _load(tmp_path, YAML)
    first, second, third = suppressions.entries
    assert first == IgnoreEntry(
        id="CVE-2021-44228",
        reason="JNDI lookups disabled (log4j2.formatMsgNoLookups=true)",
        expires=date(2026, 7, 1),
        location=first.location,
    )
    assert str(first.location) == "ignore.yaml: /ignore/0"
    assert second.expires is None
    assert third.expires == date(2026, 3, 1)
    assert suppressions.warnings == ()


def test_match_by_alias_group_case_insensitively(tmp_path: Path) -> None:
    suppressions = _load(tmp_path, YAML)
    found = suppressions.match({"GHSA-AAAA-BBBB-CCCC", "cve-2021-44228"}, TODAY)
    assert found is not None and found.id == "CVE-2021-44228"
    assert suppressions.match(["CVE-1999-0001"], TODAY) is None


def test_expired_never_matches_and_is_reported(tmp_path: Path) -> None:
    suppressions = _load(tmp_path, YAML)
    assert suppressions.match(["CVE-2020-0001"], TODAY) is None
    assert [e.id for e in suppressions.expired(TODAY)] == ["CVE-2020-0001"]
    # `expires` is the first day the entry no longer applies
    assert suppressions.match(["CVE-2021-44228"], date(2026, 6, 30)) is not None
    assert suppressions.match(["CVE-2021-44228"], date(2026, 7, 1)) is None
    assert [e.id for e in suppressions.expired(date(2026, 7, 1))] == [
        "CVE-2021-44228",
        "CVE-2020-0001",
    ]


def test_unused_entries_are_reported(tmp_path: Path) -> None:
    suppressions = _load(tmp_path, YAML)
    assert len(suppressions.unused()) == 3
    suppressions.match(["GHSA-JFH8-C2JP-5V3Q"], TODAY)
    suppressions.match(["CVE-2020-0001"], TODAY)  # expired: no match, stays unused
    assert [e.id for e in suppressions.unused()] == ["CVE-2021-44228", "CVE-2020-0001"]


def test_osv_scanner_toml(tmp_path: Path) -> None:
    content = """\
[[IgnoredVulns]]
id = "GO-2022-0968"
ignoreUntil = 2022-11-09
reason = "No ssh servers are connected to or hosted in Go lang"

[[IgnoredVulns]]
id = "GO-2022-1059"
ignoreUntil = 2030-11-09T12:00:00Z
reason = "No external http servers are written in Go lang."

[[IgnoredVulns]]
id = "CVE-2023-0001"
reason = "Not reachable"
"""
    suppressions = _load(tmp_path, content, "osv-scanner.toml")
    assert [e.expires for e in suppressions.entries] == [date(2022, 11, 9), date(2030, 11, 9), None]
    assert str(suppressions.entries[1].location) == "osv-scanner.toml: /IgnoredVulns/1"
    assert suppressions.match(["GO-2022-0968"], TODAY) is None
    assert suppressions.match(["GO-2022-1059"], TODAY) is not None


def test_osv_scanner_fixture_package_overrides_are_reported_not_applied() -> None:
    relative = (
        "osv-scanner-fixtures/cmd/osv-scanner/scan/source/testdata/sbom-insecure/osv-scanner.toml"
    )
    suppressions = load_ignore_file(DATA / relative, "osv-scanner.toml")
    assert suppressions.entries == ()
    (warning,) = suppressions.warnings
    assert warning.location.pointer == "/PackageOverrides"
    assert "not applied" in warning.message


@pytest.mark.parametrize(
    ("content", "location", "message"),
    [
        (
            "ignore:\n  - id: CVE-1\n    reason: r\n    expiry: 2026-01-01\n",
            "/ignore/0/expiry",
            "unknown key 'expiry' (allowed: expires, id, reason)",
        ),
        ("ignore: []\nignores: []\n", "/ignores", "unknown key 'ignores' (allowed: ignore)"),
        ("ignore:\n  - id: CVE-1\n", "/ignore/0/reason", "reason is missing"),
        ("ignore:\n  - id: CVE-1\n    reason: '  '\n", "/ignore/0/reason", "non-empty string"),
        ("ignore:\n  - reason: r\n", "/ignore/0/id", "id is missing"),
        (
            "ignore:\n  - id: CVE-1\n    reason: r\n    expires: 31/12/2026\n",
            "/ignore/0/expires",
            "is not an ISO date",
        ),
        (
            "ignore:\n  - id: CVE-1\n    reason: r\n    expires: 2026-02-30\n",
            "/ignore/0/expires",
            "is not an ISO date",
        ),
        (
            "ignore:\n  - {id: CVE-1, reason: a}\n  - {id: cve-1, reason: b}\n",
            "/ignore/1",
            "already ignored at /ignore/0",
        ),
        ("ignore: CVE-1\n", "/ignore", "must be a list"),
        ("ignore:\n  - CVE-1\n", "/ignore/0", "must be a mapping"),
        ("- id: CVE-1\n", "", "mapping with an 'ignore' list"),
    ],
)
def test_bad_yaml(tmp_path: Path, content: str, location: str, message: str) -> None:
    error = _error(tmp_path, content)
    assert error.location == location
    assert message in error.message


@pytest.mark.parametrize(
    ("content", "location", "message"),
    [
        (
            '[[IgnoredVulns]]\nid = "X"\nreason = "r"\nuntil = 2020-01-01\n',
            "/IgnoredVulns/0/until",
            "unknown key 'until'",
        ),
        ('[[IgnoredVulns]]\nid = "X"\n', "/IgnoredVulns/0/reason", "reason is missing"),
        ("[Other]\nx = 1\n", "/Other", "unknown key 'Other' (allowed: IgnoredVulns)"),
        ('[[IgnoredVulns]]\nid = "X\n', "", "not valid TOML"),
    ],
)
def test_bad_toml(tmp_path: Path, content: str, location: str, message: str) -> None:
    error = _error(tmp_path, content, "osv-scanner.toml")
    assert error.location == location
    assert message in error.message


def test_missing_file(tmp_path: Path) -> None:
    with pytest.raises(InputError, match="no such file"):
        load_ignore_file(tmp_path / "absent.yaml", "absent.yaml")
