"""OSV range evaluation, each spec edge case from a hand-written `affected` entry.

The expected verdicts follow the OSV schema's §Evaluation pseudocode
(../shared/data/osv-schema/docs/schema.md), worked by hand for each case.
"""

from __future__ import annotations

from typing import Any

import pytest

from chainreview.intel import osv_validate
from chainreview.intel.osv_model import Affected, Event, EventKind, RangeType
from chainreview.matches.ranges import Status, affected_by, compile_affected

INTRODUCED, FIXED, LAST, LIMIT = (
    EventKind.INTRODUCED,
    EventKind.FIXED,
    EventKind.LAST_AFFECTED,
    EventKind.LIMIT,
)


def entry(*ranges: dict[str, Any], versions: list[str] | None = None) -> Affected:
    """An `affected` entry of PyPI package `demo` with the given ranges."""
    return Affected.from_osv(
        {
            "package": {"ecosystem": "PyPI", "name": "demo"},
            "ranges": list(ranges),
            "versions": versions or [],
        }
    )


def ecosystem(*events: dict[str, str]) -> dict[str, Any]:
    return {"type": "ECOSYSTEM", "events": list(events)}


def semver(*events: dict[str, str]) -> dict[str, Any]:
    return {"type": "SEMVER", "events": list(events)}


def status(affected: Affected, version: str, eco: str = "PyPI") -> Status:
    return affected_by(affected, eco, version).status


A, N, U = Status.AFFECTED, Status.NOT_AFFECTED, Status.INDETERMINATE


@pytest.mark.parametrize(
    ("version", "expected"),
    [("0.9", A), ("1.0", A), ("1.9.9", A), ("2.0", N), ("2.0.1", N), ("3.5", N)],
)
def test_limit_bounds_the_range(version: str, expected: Status) -> None:
    # introduced 0, limit 2.0 (no fixed): BeforeLimits(v) needs v < 2.0, then the walk opens at 0
    affected = entry(ecosystem({"introduced": "0"}, {"limit": "2.0"}))
    assert status(affected, version) is expected


def test_any_of_several_limits_admits() -> None:
    # BeforeLimits is true when v is below *some* limit: 2.5 < 3.0 although 2.5 >= 1.5
    affected = entry(ecosystem({"introduced": "0"}, {"limit": "1.5"}, {"limit": "3.0"}))
    assert status(affected, "2.5") is A
    assert status(affected, "3.0") is N


def test_limit_star_is_infinity() -> None:
    affected = entry(ecosystem({"introduced": "1.0"}, {"limit": "*"}))
    assert status(affected, "999") is A
    assert status(affected, "0.5") is N


def test_limit_does_not_replace_fixed() -> None:
    # a limit restricts; it does not reopen what fixed closed
    affected = entry(ecosystem({"introduced": "1.0"}, {"fixed": "1.5"}, {"limit": "3.0"}))
    assert status(affected, "1.7") is N
    verdict = affected_by(affected, "PyPI", "1.2")
    assert verdict.decision.events == (
        Event(kind=INTRODUCED, version="1.0"),
        Event(kind=FIXED, version="1.5"),
    )


@pytest.mark.parametrize(
    ("version", "expected"),
    [("0.9", N), ("1.0", A), ("1.4", A), ("1.4.0", A), ("1.4.1", N), ("1.4.post1", N)],
)
def test_last_affected_is_inclusive(version: str, expected: Status) -> None:
    affected = entry(ecosystem({"introduced": "1.0"}, {"last_affected": "1.4"}))
    assert status(affected, version) is expected


def test_last_affected_decision_names_both_events() -> None:
    affected = entry(ecosystem({"introduced": "1.0"}, {"last_affected": "1.4"}))
    assert affected_by(affected, "PyPI", "1.2").decision.events == (
        Event(kind=INTRODUCED, version="1.0"),
        Event(kind=LAST, version="1.4"),
    )
    assert affected_by(affected, "PyPI", "1.5").decision.events == (
        Event(kind=LAST, version="1.4"),
    )


def test_versions_only_uses_normalised_equality() -> None:
    affected = entry(versions=["1.0", "1.1rc1"])
    assert status(affected, "1.0.0") is A  # PEP 440: 1.0 == 1.0.0
    assert status(affected, "1.1.0rc1") is A
    assert status(affected, "1.1") is N
    verdict = affected_by(affected, "PyPI", "1.0.0")
    assert verdict.decision.listed == "1.0"
    assert verdict.decision.range_index is None


def test_versions_only_without_ordering_compares_strings() -> None:
    # GitHub Actions has no version ordering: only exact strings can match, nothing is guessed
    affected = Affected.from_osv(
        {"package": {"ecosystem": "GitHub Actions", "name": "o/a"}, "versions": ["v1"]}
    )
    assert status(affected, "v1", "GitHub Actions") is A
    assert status(affected, "v1.0", "GitHub Actions") is N


def test_ranges_without_ordering_are_indeterminate() -> None:
    affected = Affected.from_osv(
        {
            "package": {"ecosystem": "GitHub Actions", "name": "o/a"},
            "ranges": [ecosystem({"introduced": "0"}, {"fixed": "v2"})],
        }
    )
    verdict = affected_by(affected, "GitHub Actions", "v1")
    assert verdict.status is U
    assert "no version ordering" in verdict.reason


@pytest.mark.parametrize(
    ("version", "expected"),
    [
        ("0.9.0", N),
        ("1.0.0", A),
        ("1.0.1", A),
        ("1.0.2", N),
        ("2.5.0", N),
        ("3.0.0", A),
        ("3.2.4", A),
        ("3.2.5", N),
    ],
)
def test_spec_multiple_range_example(version: str, expected: Status) -> None:
    # schema.md "Multiple range example": [1.0.0, 1.0.2) or [3.0.0, 3.2.5)
    affected = entry(
        semver(
            {"introduced": "1.0.0"}, {"fixed": "1.0.2"}, {"introduced": "3.0.0"}, {"fixed": "3.2.5"}
        )
    )
    assert status(affected, version) is expected


def test_every_range_of_an_entry_is_evaluated() -> None:
    affected = entry(
        ecosystem({"introduced": "1.0"}, {"fixed": "1.1"}),
        ecosystem({"introduced": "2.0"}, {"fixed": "2.1"}),
    )
    verdict = affected_by(affected, "PyPI", "2.0.5")
    assert verdict.status is A
    assert verdict.decision.range_index == 1


def test_git_range_does_not_stop_later_ranges() -> None:
    # GIT first (osv-scanner stops here, as read), ECOSYSTEM second: the second still decides
    affected = entry(
        {
            "type": "GIT",
            "repo": "https://example.org/demo.git",
            "events": [{"introduced": "0"}, {"fixed": "a" * 40}],
        },
        ecosystem({"introduced": "0"}, {"fixed": "2.0"}),
    )
    verdict = affected_by(affected, "PyPI", "1.5")
    assert verdict.status is A
    assert verdict.decision.range_index == 1
    assert verdict.decision.range_type is RangeType.ECOSYSTEM
    assert status(affected, "2.0") is N


def test_git_only_entry_is_not_affected_without_versions() -> None:
    affected = entry(
        {"type": "GIT", "repo": "https://example.org/d.git", "events": [{"introduced": "0"}]}
    )
    assert status(affected, "1.0") is N


def test_events_are_sorted_before_the_walk() -> None:
    # listed out of order, fixed first: walked in record order, 2.5 would be closed by fixed 2.0
    # and then reopened by introduced 1.0 (affected); sorted, 2.5 is past the fix
    affected = entry(ecosystem({"fixed": "2.0"}, {"introduced": "1.0"}))
    assert status(affected, "1.5") is A
    assert status(affected, "2.5") is N
    assert status(affected, "0.5") is N


def test_equal_introduced_and_fixed_is_empty() -> None:
    # tie order introduced < last_affected < fixed: [1.0, 1.0) holds nothing
    affected = entry(ecosystem({"fixed": "1.0"}, {"introduced": "1.0"}))
    assert status(affected, "1.0") is N


@pytest.mark.parametrize(
    ("version", "expected"),
    [("3.0.3", A), ("3.1.1", A), ("3.1.3", A), ("3.2.0", A), ("3.2.1", A), ("3.2.2", N)],
)
def test_touching_intervals_listed_out_of_order_join(version: str, expected: Status) -> None:
    """pyspark PYSEC-2023-72 (CVE-2023-32007 affects up to 3.1.3 and 3.2.0–3.2.1): its
    intervals touch at 3.1.1 and 3.2.0, where a `fixed` and an `introduced` share a version."""
    affected = entry(
        ecosystem(
            {"introduced": "0"},
            {"fixed": "3.1.1"},
            {"introduced": "3.2.0"},
            {"fixed": "3.2.2"},
            {"introduced": "3.1.1"},
            {"fixed": "3.2.0"},
        )
    )
    assert status(affected, version) is expected


def test_touching_intervals_decision_names_the_later_interval() -> None:
    affected = entry(
        ecosystem({"introduced": "0"}, {"fixed": "1.0"}, {"introduced": "1.0"}, {"fixed": "2.0"})
    )
    verdict = affected_by(affected, "PyPI", "1.0")
    assert verdict.decision.describe() == "ranges[0] ECOSYSTEM introduced 1.0, fixed 2.0"


def test_equal_introduced_and_last_affected_holds_one_version() -> None:
    affected = entry(ecosystem({"last_affected": "1.0"}, {"introduced": "1.0"}))
    assert status(affected, "1.0") is A
    assert status(affected, "1.0.1") is N


@pytest.mark.parametrize("version", ["0", "0.0.0a1", "0a1", "0.dev0", "1.2"])
def test_introduced_zero_precedes_every_version(version: str) -> None:
    affected = entry(ecosystem({"introduced": "0"}, {"fixed": "2.0"}))
    assert status(affected, version) is A


def test_introduced_zero_precedes_semver_prereleases_of_zero() -> None:
    # "0" read as a SemVer version would be 0.0.0, above 0.0.0-alpha; the schema says before all
    affected = Affected.from_osv(
        {
            "package": {"ecosystem": "npm", "name": "demo"},
            "ranges": [semver({"introduced": "0"}, {"fixed": "1.0.0"})],
        }
    )
    assert status(affected, "0.0.0-alpha", "npm") is A


@pytest.mark.parametrize(
    ("version", "expected"),
    [("1.0.0-rc.1", N), ("1.0.0", A), ("2.0.0-rc.1", A), ("2.0.0-0", A), ("2.0.0", N)],
)
def test_semver_prereleases(version: str, expected: Status) -> None:
    affected = Affected.from_osv(
        {
            "package": {"ecosystem": "crates.io", "name": "demo"},
            "ranges": [semver({"introduced": "1.0.0"}, {"fixed": "2.0.0"})],
        }
    )
    assert status(affected, version, "crates.io") is expected


@pytest.mark.parametrize(("version", "expected"), [("2.0rc1", A), ("2.0.dev3", A), ("2.0", N)])
def test_pypi_prereleases(version: str, expected: Status) -> None:
    affected = entry(ecosystem({"introduced": "1.0"}, {"fixed": "2.0"}))
    assert status(affected, version) is expected


def test_ecosystem_suffix_selects_the_scheme() -> None:
    # Debian:12 orders by dpkg: 1:1.0 (epoch 1) is above 2.0
    affected = Affected.from_osv(
        {
            "package": {"ecosystem": "Debian:12", "name": "demo"},
            "ranges": [ecosystem({"introduced": "0"}, {"fixed": "1:1.0-1"})],
        }
    )
    assert status(affected, "2.0-1", "Debian:12") is A
    assert status(affected, "1:1.0-1", "Debian:12") is N


def test_unparseable_version_is_indeterminate_unless_listed() -> None:
    affected = entry(ecosystem({"introduced": "0"}, {"fixed": "2.0"}), versions=["(devel)"])
    assert status(affected, "(devel)") is A  # listed verbatim
    verdict = affected_by(affected, "PyPI", "not a version!")
    assert verdict.status is U
    assert verdict.reason.startswith("version does not parse")


def test_unparseable_event_makes_only_that_range_indeterminate() -> None:
    affected = entry(
        ecosystem({"introduced": "0"}, {"fixed": "???"}),
        ecosystem({"introduced": "3.0"}, {"fixed": "4.0"}),
    )
    assert status(affected, "3.5") is A  # the good range still decides
    verdict = affected_by(affected, "PyPI", "1.0")
    assert verdict.status is U
    assert "ranges[0]" in verdict.reason


def test_not_affected_below_introduced_names_the_next_event() -> None:
    affected = entry(ecosystem({"introduced": "0.50.0"}, {"fixed": "0.51.0"}))
    verdict = affected_by(affected, "PyPI", "0.4")
    assert verdict.status is N
    assert verdict.decision.events == (Event(kind=INTRODUCED, version="0.50.0"),)


def test_compiled_entry_is_reusable() -> None:
    compiled = compile_affected(entry(ecosystem({"introduced": "1.0"}, {"fixed": "2.0"})), "PyPI")
    assert [compiled.evaluate(v).status for v in ("0.1", "1.5", "2.0")] == [N, A, N]


def test_decision_describe() -> None:
    verdict = affected_by(entry(ecosystem({"introduced": "0"}, {"fixed": "2.0"})), "PyPI", "1")
    assert verdict.decision.describe() == "ranges[0] ECOSYSTEM introduced 0, fixed 2.0"


@pytest.mark.parametrize("extra", [-1, {"type": "WEB"}, None, ["1.0"]])
def test_an_ill_typed_second_key_of_an_event_is_ignored(extra: object) -> None:
    """The OSV schema's `oneOf` holds `{"fixed": "1.0", "introduced": <not a string>}` valid
    (only the `fixed` branch matches); the event is `fixed: 1.0`, nothing else."""
    events: list[dict[str, Any]] = [{"introduced": "0"}, {"fixed": "1.0", "introduced": extra}]
    record = {
        "id": "PYSEC-0000-1",
        "modified": "2024-01-01T00:00:00Z",
        "affected": [
            {"package": {"ecosystem": "PyPI", "name": "demo"}, "ranges": [ecosystem(*events)]}
        ],
    }
    assert osv_validate.is_valid(record)
    affected = Affected.from_osv(record["affected"][0])  # type: ignore[index]
    assert [(e.kind, e.version) for e in affected.ranges[0].events] == [
        (INTRODUCED, "0"),
        (FIXED, "1.0"),
    ]
    assert [status(affected, v) for v in ("0.5", "1.0", "2.0")] == [A, N, N]
