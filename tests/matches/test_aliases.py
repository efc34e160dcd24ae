"""Alias groups: union-find transitivity and the display-id priority."""

from __future__ import annotations

from chainreview.matches.aliases import AliasResolver, UnionFind, display_id


def test_union_find_is_transitive() -> None:
    sets = UnionFind()
    sets.union("A", "B")
    sets.union("C", "D")
    assert sets.find("A") != sets.find("C")
    sets.union("B", "C")
    assert sets.sets()["A"] == ("A", "B", "C", "D")
    assert sets.sets()["D"] == ("A", "B", "C", "D")


def test_resolver_joins_records_that_never_name_each_other() -> None:
    # PYSEC-1 and RUSTSEC-1 both alias CVE-2021-1 but not each other; GHSA-x only points back
    aliases = {"PYSEC-1": ["CVE-2021-1"], "RUSTSEC-1": ["CVE-2021-1"], "GHSA-x": ["RUSTSEC-1"]}
    referrers: dict[str, list[str]] = {}
    for record, names in aliases.items():
        for name in names:
            referrers.setdefault(name, []).append(record)
    resolver = AliasResolver(lambda i: aliases.get(i, []), lambda i: referrers.get(i, []))
    groups = resolver.groups(["PYSEC-1", "OTHER-1"])
    assert groups["PYSEC-1"] == ("CVE-2021-1", "GHSA-x", "PYSEC-1", "RUSTSEC-1")
    assert groups["OTHER-1"] == ("OTHER-1",)


def test_display_priority_cve_then_ghsa_then_others() -> None:
    assert display_id(["PYSEC-2021-9", "GHSA-aaaa-bbbb-cccc", "CVE-2021-1234"]) == "CVE-2021-1234"
    assert display_id(["PYSEC-2021-9", "GHSA-aaaa-bbbb-cccc"]) == "GHSA-aaaa-bbbb-cccc"
    assert display_id(["RUSTSEC-2021-1", "PYSEC-2021-9"]) == "PYSEC-2021-9"
    # the oldest CVE by number, not by string order (CVE-2021-9999 < CVE-2021-10000)
    assert display_id(["CVE-2021-10000", "CVE-2021-9999"]) == "CVE-2021-9999"
    assert display_id(["CVE-2022-1", "CVE-2021-50000"]) == "CVE-2021-50000"
