"""Ignore files: chainreview YAML and osv-scanner TOML, expiry, usage tracking and bad input."""

from __future__ import annotations

import os
import tracemalloc
from datetime import date
from pathlib import Path

import pytest

from chainreview import limits
from chainreview.errors import InputError, LimitExceeded
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


# --- hostile ignore files -------------------------------------------------------------------------

TOML_ENTRY = '[[IgnoredVulns]]\nid = "GO-2022-0968"\nreason = "not reachable"\n'


@pytest.mark.parametrize(
    "nested",
    [
        "x = " + "[" * 5000 + "]" * 5000,  # arrays: tomllib recursed until RecursionError
        "x = " + "{a = " * 5000 + "1" + "}" * 5000,  # inline tables, likewise
        "x = [" + "{a = [" * 2000 + "]}" * 2000 + "]",
    ],
    ids=["arrays", "inline-tables", "mixed"],
)
def test_deeply_nested_toml_is_refused_in_one_line(tmp_path: Path, nested: str) -> None:
    error = _error(tmp_path, TOML_ENTRY + nested + "\n", "osv-scanner.toml")
    assert isinstance(error, LimitExceeded)
    assert error.message == f"nesting deeper than {limits.MAX_JSON_DEPTH} levels"
    assert error.location == "line 4"


@pytest.mark.parametrize(
    "nested",
    ["a." * 5000 + "b = 1", "[" + "a." * 5000 + "b]", "x = {" + "a." * 5000 + "b = 1}"],
    ids=["dotted-key", "table-header", "inline-dotted-key"],
)
def test_long_dotted_keys_are_refused_before_tomllib_spends_memory(
    tmp_path: Path, nested: str
) -> None:
    """tomllib keeps every prefix of a dotted key: 5,000 parts took it hundreds of MB."""
    path = tmp_path / "osv-scanner.toml"
    path.write_text(TOML_ENTRY + nested + "\n", encoding="utf-8")
    tracemalloc.start()
    try:
        with pytest.raises(LimitExceeded, match="nesting deeper than"):
            load_ignore_file(path, "osv-scanner.toml")
        peak = tracemalloc.get_traced_memory()[1]
    finally:
        tracemalloc.stop()
    assert peak < 10 * 1024 * 1024


def test_brackets_and_dots_inside_strings_and_comments_do_not_nest(tmp_path: Path) -> None:
    noise = "[{." * 200
    content = (
        f"# {noise}\n[[IgnoredVulns]]  # {noise}\nid = 'GO-2022-0968'\n"
        f'reason = "{noise} \\" {noise}"\n'
        f"[[IgnoredVulns]]\nid = \"GO-2022-0969\"\nreason = '''\n{noise}\n'''\n"
        f'[[IgnoredVulns]]\nid = "GO-2022-0970"\nreason = """{noise}\\""" {noise}"""\n'
    )
    suppressions = _load(tmp_path, content, "osv-scanner.toml")
    assert [e.id for e in suppressions.entries] == ["GO-2022-0968", "GO-2022-0969", "GO-2022-0970"]
    assert suppressions.entries[0].reason == f'{noise} " {noise}'
    assert suppressions.entries[2].reason == f'{noise}""" {noise}'


def test_nesting_within_the_limit_reaches_the_entry_checks(tmp_path: Path) -> None:
    depth = limits.MAX_JSON_DEPTH - 3
    content = TOML_ENTRY + "x = " + "[" * depth + "]" * depth + "\n"
    error = _error(tmp_path, content, "osv-scanner.toml")
    assert error.location == "/IgnoredVulns/0/x"


LONG_ID = "x" * 100_000


@pytest.mark.parametrize(
    ("content", "name"),
    [
        (TOML_ENTRY + f'ignoreUntil = "{"9" * 100_000}"\n', "osv-scanner.toml"),
        (TOML_ENTRY + f"ignoreUntil = 0x{'f' * 100_000}\n", "osv-scanner.toml"),
        (TOML_ENTRY + f"ignoreUntil = {'9' * 100_000}\n", "osv-scanner.toml"),
        (TOML_ENTRY + f"{'k' * 100_000} = 1\n", "osv-scanner.toml"),
        (f"ignore:\n  - id: CVE-1\n    reason: r\n    expires: {'9' * 100_000}\n", "ignore.yaml"),
        (
            f"ignore:\n  - {{id: {LONG_ID}, reason: r}}\n  - {{id: {LONG_ID}, reason: r}}\n",
            "ignore.yaml",
        ),
    ],
    ids=[
        "toml-date",
        "toml-hex-date",
        "toml-long-int",
        "toml-key",
        "yaml-date",
        "yaml-repeated-id",
    ],
)
def test_errors_about_huge_values_stay_short(tmp_path: Path, content: str, name: str) -> None:
    assert len(str(_error(tmp_path, content, name))) < 400


def test_ignore_file_over_its_size_limit_is_refused(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    path = tmp_path / "osv-scanner.toml"
    path.write_text(TOML_ENTRY, encoding="utf-8")
    monkeypatch.setattr(limits, "MAX_IGNORE_BYTES", len(TOML_ENTRY) - 1)
    with pytest.raises(LimitExceeded, match="over the"):
        load_ignore_file(path, "osv-scanner.toml")
    monkeypatch.setattr(limits, "MAX_IGNORE_BYTES", len(TOML_ENTRY))
    assert len(load_ignore_file(path, "osv-scanner.toml").entries) == 1
