"""LocalMatcher over a snapshot of hand-written OSV records."""

from __future__ import annotations

from typing import Any

import pytest
from tests.intel.conftest import write_record

from chainreview.components.model import Component
from chainreview.intel import importer
from chainreview.intel.snapshot import Snapshot, open_current
from chainreview.matches import local
from chainreview.matches.local import NO_VERSION, LocalMatcher
from chainreview.matches.model import Indeterminate, Match


def record(id: str, *affected: dict[str, Any], **extra: Any) -> dict[str, Any]:
    return {"id": id, "modified": "2024-01-01T00:00:00Z", "affected": list(affected), **extra}


def pypi(name: str, *events: dict[str, str]) -> dict[str, Any]:
    return {
        "package": {"ecosystem": "PyPI", "name": name},
        "ranges": [{"type": "ECOSYSTEM", "events": list(events)}],
    }


RECORDS = [
    record(
        "TEST-1", pypi("demo-pkg", {"introduced": "0"}, {"fixed": "2.0"}), aliases=["CVE-2099-1"]
    ),
    # withdrawn: would match every version, must be skipped
    record("TEST-2", pypi("demo-pkg", {"introduced": "0"}), withdrawn="2024-02-01T00:00:00Z"),
    # overlapping affected entries for one package in one record
    record(
        "TEST-3",
        pypi("demo-pkg", {"introduced": "1.0"}, {"fixed": "1.6"}),
        pypi("demo-pkg", {"introduced": "1.5"}, {"fixed": "1.8"}),
    ),
    record(
        "TEST-4",
        {
            "package": {"ecosystem": "Debian:12", "name": "libdemo"},
            "ranges": [{"type": "ECOSYSTEM", "events": [{"introduced": "0"}, {"fixed": "1.2-1"}]}],
        },
    ),
]


@pytest.fixture(scope="module")
def snapshot(tmp_path_factory: pytest.TempPathFactory) -> Snapshot:
    root = tmp_path_factory.mktemp("local")
    for item in RECORDS:
        write_record(root / "osv", item)
    importer.import_paths([root / "osv"], home=root / "home")
    opened = open_current(root / "home")
    assert opened is not None
    return opened


def component(purl: str | None, version: str | None, ref: str = "c1") -> Component:
    return Component(ref=ref, name="demo", version=version, purl=purl, ecosystem=None)


def results(snapshot: Snapshot, item: Component) -> list[Match | Indeterminate]:
    return list(LocalMatcher(snapshot).match(item))


def test_match_with_normalised_name_and_withdrawn_skipped(snapshot: Snapshot) -> None:
    found = results(snapshot, component("pkg:pypi/Demo_Pkg@1.9", "1.9"))
    assert [(m.advisory_id, m.decision.describe()) for m in found if isinstance(m, Match)] == [
        ("TEST-1", "ranges[0] ECOSYSTEM introduced 0, fixed 2.0")
    ]


def test_overlapping_entries_each_match(snapshot: Snapshot) -> None:
    found = [
        m
        for m in results(snapshot, component("pkg:pypi/demo-pkg@1.5.5", "1.5.5"))
        if isinstance(m, Match)
    ]
    assert sorted((m.advisory_id, m.decision.describe()) for m in found) == [
        ("TEST-1", "ranges[0] ECOSYSTEM introduced 0, fixed 2.0"),
        ("TEST-3", "ranges[0] ECOSYSTEM introduced 1.0, fixed 1.6"),
        ("TEST-3", "ranges[0] ECOSYSTEM introduced 1.5, fixed 1.8"),
    ]
    first, second = (m.affected for m in found if m.advisory_id == "TEST-3")
    assert first != second


def test_no_version_is_indeterminate(snapshot: Snapshot) -> None:
    assert results(snapshot, component("pkg:pypi/demo-pkg", None)) == [
        Indeterminate(component="c1", reason=NO_VERSION, advisory_ids=("TEST-1", "TEST-3"))
    ]


def test_version_from_purl_when_component_has_none(snapshot: Snapshot) -> None:
    found = results(snapshot, component("pkg:pypi/demo-pkg@2.5", None))
    assert found == []  # 2.5 is past every fix; the purl's version was used, not "no version"


def test_unparseable_version_is_indeterminate(snapshot: Snapshot) -> None:
    (only,) = results(snapshot, component("pkg:pypi/demo-pkg@not%20one", "not a version"))
    assert isinstance(only, Indeterminate)
    assert only.reason.startswith("version does not parse")
    assert only.advisory_ids == ("TEST-1", "TEST-3")


def test_purl_version_when_only_it_parses(snapshot: Snapshot) -> None:
    """A version with a space never parses; the purl's 1.9 does: it is evaluated, and said."""
    (only,) = results(snapshot, component("pkg:pypi/demo-pkg@1.9", "release 1.9"))
    assert isinstance(only, Match)
    assert (only.advisory_id, only.version) == ("TEST-1", "1.9")
    assert only.caveat is not None and only.caveat.labels == ("version-from-purl",)
    assert only.caveat.notes == (
        "version 'release 1.9' does not parse as a PyPI version: the purl's '1.9' was evaluated",
    )
    plain = results(snapshot, component("pkg:pypi/demo-pkg@1.9", "1.9"))
    assert [m.caveat for m in plain if isinstance(m, Match)] == [None]


def test_ecosystem_suffix_is_honoured(snapshot: Snapshot) -> None:
    hit = results(snapshot, component("pkg:deb/debian/libdemo@1.1-1?distro=debian-12", "1.1-1"))
    assert [m.advisory_id for m in hit if isinstance(m, Match)] == ["TEST-4"]
    other_release = component("pkg:deb/debian/libdemo@1.1-1?distro=debian-11", "1.1-1")
    assert results(snapshot, other_release) == []


def test_components_without_purl_or_advisories_yield_nothing(snapshot: Snapshot) -> None:
    assert results(snapshot, component(None, "1.0")) == []
    assert results(snapshot, component("pkg:npm/demo-pkg@1.0.0", "1.0.0")) == []
    assert results(snapshot, component("pkg:pypi/unknown-pkg@1.0", "1.0")) == []


def test_match_all_keeps_component_order(snapshot: Snapshot) -> None:
    matcher = LocalMatcher(snapshot)
    items = [
        component("pkg:pypi/demo-pkg@1.0", "1.0", "a"),
        component("pkg:pypi/demo-pkg@0.1", "0.1", "b"),
    ]
    assert [(m.component, m.advisory_id) for m in matcher.match_all(items)] == [
        ("a", "TEST-1"),
        ("a", "TEST-3"),
        ("b", "TEST-1"),
    ]


def test_package_caches_stay_bounded(snapshot: Snapshot, monkeypatch: pytest.MonkeyPatch) -> None:
    """Past `limits.MAX_CACHED_PACKAGES` the compiled indexes kept on the open snapshot start
    afresh, and matching still gives the same answers."""
    from chainreview import limits

    monkeypatch.setattr(limits, "MAX_CACHED_PACKAGES", 1)
    snapshot = Snapshot(snapshot.path)  # a fresh open, nothing cached yet
    items = [
        component("pkg:pypi/demo-pkg@1.9", "1.9"),
        component("pkg:deb/debian/libdemo@1.1-1?distro=debian-12", "1.1-1"),
        component("pkg:pypi/demo-pkg@1.9", "1.9"),
    ]
    first = [results(snapshot, item) for item in items]
    assert len(snapshot.derived.held(local._PACKAGES, dict)) <= 1
    assert first[0] == first[2]
    assert [m.advisory_id for m in first[0] if isinstance(m, Match)] == ["TEST-1"]
