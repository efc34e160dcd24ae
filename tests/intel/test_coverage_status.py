"""The intel status's coverage read off a manifest written by hand: an ecosystem held whole is
checked, one held only as a partial selection is partial, one not held is not checked, whatever
the matcher compares is listed even when absent; a feed kind with no source is not held; ages
count days to the day asked about."""

from __future__ import annotations

from datetime import date

from chainreview.intel.coverage_status import snapshot_status

MANIFEST = {
    "hash": "ab" * 32,
    "imported_at": "2026-11-01T00:00:00+00:00",
    "newest": "2026-10-31",
    "demo": False,
    "sources": [
        {"name": "osv:Go+PyPI", "kind": "osv", "records": 10, "withdrawn": 1,
         "as_of": "2026-10-31", "complete": True, "licence": "CC-BY-4.0"},
        {"name": "osv:npm", "kind": "osv", "records": 3, "withdrawn": 0,
         "newest": "2026-10-01T12:00:00Z", "complete": False, "licence": None},
        {"name": "debian-dsa", "kind": "distro", "records": 5, "withdrawn": 0,
         "as_of": None, "complete": True, "licence": None},
    ],
    "feeds": {"osv": 13, "distro": 5},
    "ecosystems": {"Go": 4, "PyPI": 6, "npm": 3, "Debian:12": 2},
}  # fmt: skip


def test_each_ecosystem_feed_and_release_gets_the_state_worked_out_by_hand() -> None:
    found = snapshot_status(
        MANIFEST,
        distro_releases={"Debian:12": ("debian-dsa",), "Debian:11": ("gone",)},
        today=date(2026, 11, 20),
    )
    states = {e.name: (e.advisories, e.state, e.sources) for e in found.ecosystems}
    assert states == {
        "crates.io": (0, "not_checked", ()),
        "Debian:12": (2, "not_checked", ()),  # no OSV source named after Debian
        "Go": (4, "checked", ("osv:Go+PyPI",)),
        "Maven": (0, "not_checked", ()),
        "npm": (3, "partial", ("osv:npm",)),
        "NuGet": (0, "not_checked", ()),
        "Packagist": (0, "not_checked", ()),
        "PyPI": (6, "checked", ("osv:Go+PyPI",)),
        "RubyGems": (0, "not_checked", ()),
    }
    assert [e.name for e in found.ecosystems][:3] == ["crates.io", "Debian:12", "Go"]
    feeds = {f.kind: (f.records, f.state) for f in found.feeds}
    assert feeds == {
        "osv": (13, "checked"),
        "kev": (0, "not_checked"),
        "nvd": (0, "not_checked"),
        "epss": (0, "not_checked"),
        "sanctions": (0, "not_checked"),
        "eol": (0, "not_checked"),
        "distro": (5, "checked"),
    }
    assert [(r.name, r.state) for r in found.releases] == [
        ("Debian:11", "not_checked"),  # its source is not in the manifest
        ("Debian:12", "checked"),
    ]
    # 2026-10-31 → 2026-11-20: 20 days; 2026-10-01 → 31 + 19 = 50 days; no date: unknown
    assert [(s.name, s.age_days) for s in found.sources] == [
        ("osv:Go+PyPI", 20),
        ("osv:npm", 50),
        ("debian-dsa", None),
    ]
    assert found.age_days == 20
