"""Alias groups: union-find transitivity and the display-id priority."""

from __future__ import annotations

from collections.abc import Sequence

from chainreview.matches.aliases import MAX_GROUP, AliasResolver, UnionFind, display_id


def _referrers(aliases: dict[str, list[str]]) -> dict[str, list[str]]:
    """For each id, the records listing it among their aliases."""
    referrers: dict[str, list[str]] = {}
    for record, names in aliases.items():
        for name in names:
            referrers.setdefault(name, []).append(record)
    return referrers


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
    referrers = _referrers(aliases)
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


def test_a_chain_of_aliases_stops_growing_at_the_cap() -> None:
    """A malformed chain (each id aliasing the next) cannot pull the whole database in."""
    aliases = {f"X-{n}": [f"X-{n + 1}"] for n in range(5 * MAX_GROUP)}
    looked_up: list[str] = []
    resolver = AliasResolver(
        lambda i: (looked_up.append(i), aliases.get(i, []))[1], lambda i: [], prefetch=None
    )
    group = resolver.groups(["X-0"])["X-0"]
    assert MAX_GROUP <= len(group) <= MAX_GROUP + 2
    assert len(looked_up) <= MAX_GROUP + 2


def test_prefetch_is_told_each_round_before_its_look_ups() -> None:
    aliases = {"A": ["B"], "B": ["C"], "C": []}
    rounds: list[list[str]] = []
    seen: set[str] = set()

    def aliases_of(identifier: str) -> list[str]:
        assert identifier in seen, "looked up before it was prefetched"
        return aliases.get(identifier, [])

    def prefetch(ids: Sequence[str]) -> None:
        rounds.append(list(ids))
        seen.update(ids)

    resolver = AliasResolver(aliases_of, lambda i: [], prefetch=prefetch)
    assert resolver.groups(["A", "Z"])["A"] == ("A", "B", "C")
    assert rounds == [["A", "Z"], ["B"], ["C"]]


def test_known_groups_are_joined_without_walking_them() -> None:
    aliases = {"PYSEC-1": ["CVE-1"], "GHSA-1": ["CVE-1"], "PYSEC-2": ["CVE-2"]}
    referrers = _referrers(aliases)
    walked: list[str] = []

    def aliases_of(identifier: str) -> list[str]:
        walked.append(identifier)
        return aliases.get(identifier, [])

    walk = AliasResolver(aliases_of, lambda i: referrers.get(i, [])).groups(["PYSEC-1", "PYSEC-2"])
    walked.clear()
    known = {"PYSEC-1": walk["PYSEC-1"]}
    resolver = AliasResolver(aliases_of, lambda i: referrers.get(i, []))
    joined = resolver.groups(["PYSEC-1", "GHSA-1", "PYSEC-2"], known=known)
    assert joined["PYSEC-1"] == joined["GHSA-1"] == ("CVE-1", "GHSA-1", "PYSEC-1")
    assert joined["PYSEC-2"] == walk["PYSEC-2"] == ("CVE-2", "PYSEC-2")
    assert set(walked) == {"PYSEC-2", "CVE-2"}  # the known group was not walked again
