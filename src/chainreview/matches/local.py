"""`LocalMatcher`: components against an intel snapshot, offline (DESIGN §3–§4).

A component is looked up by purl: the purl's OSV ecosystem (`Component.ecosystem`, suffix kept,
e.g. `Debian:12`) and its OSV package name (`osv_package_name`, normalised by the index's own
`normalise_name`). Only ecosystems the snapshot holds are queried, so an npm-heavy SBOM costs no
SQL when no npm advisories were imported. Each package's entries are loaded once and
compiled once into a `PackageIndex` (one bisection per component version decides the plain
ranges of every entry together), held by the open snapshot for every matcher of it, and kept
beside the snapshot file for the next process (`compiled_form.COMPILED_PACKAGES` in
`Snapshot.derived`); withdrawn advisories are skipped.

Components without a purl ecosystem yield nothing here (the CPE and distro matchers take them).
The version evaluated follows `basis`: the component's, else the purl's, the purl's when only
it parses, a Debian or Ubuntu package's source version; its caveat rides on each match. A
component whose package has advisories but which has no version, or a version some advisory
cannot place, yields an `Indeterminate` with the reason and the advisory ids; it is never
silently affected or dropped.
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator
from typing import Final

from chainreview import limits
from chainreview.components.model import Component, Inventory
from chainreview.components.purl import (
    InvalidPurl,
    Purl,
    osv_ecosystem,
    osv_package_name,
    parse_purl,
)
from chainreview.intel.derived import Held
from chainreview.intel.names import normalise_name
from chainreview.intel.snapshot import Snapshot
from chainreview.matches.basis import (
    evaluated_version,
    tagged_releases,
    untagged_base,
    untagged_pseudo_version,
)
from chainreview.matches.compiled_form import COMPILED_PACKAGES
from chainreview.matches.model import Caveat, Confidence, Indeterminate, Match, MatchResult
from chainreview.matches.package_index import CompiledPackage, PackageIndex
from chainreview.matches.ranges import Status, compile_affected

__all__ = ["LocalMatcher", "lookup_key"]

_PACKAGES: Final = Held[dict[tuple[str, str], CompiledPackage | None]]("osv-local/packages")
"""The compiled package indexes held by the open snapshot (None: no advisories): matchers of
one open snapshot share them, so a long-lived service compiles each package once."""

_new_match: Final = tuple.__new__
"""Builds a `Match` from its fields in order, in C (a scan makes one per affected entry)."""

NO_VERSION: Final = "no version"
"""The reason given for a component whose package has advisories but that has no version."""


def lookup_key(component: Component) -> tuple[str, str] | None:
    """The (OSV ecosystem, normalised package name) the index files `component` under, if any."""
    found = _lookup(component)
    return None if found is None else found[0]


def _lookup(component: Component) -> tuple[tuple[str, str], Purl] | None:
    """`lookup_key` and the parsed purl."""
    if component.purl is None:
        return None
    try:
        purl = parse_purl(component.purl)
    except InvalidPurl:
        return None
    ecosystem = component.ecosystem or osv_ecosystem(purl)
    if ecosystem is None:
        return None
    return (ecosystem, normalise_name(ecosystem, osv_package_name(purl))), purl


class LocalMatcher:
    """Matches components by purl against the OSV entries of one snapshot (a `Matcher`)."""

    name = "osv-local"
    version = "1"

    def __init__(self, snapshot: Snapshot) -> None:
        self._snapshot = snapshot
        self._ecosystems = frozenset(snapshot.manifest.get("ecosystems") or ())
        self._derived = snapshot.derived
        self._packages = snapshot.derived.held(_PACKAGES, dict)
        self._compiled: list[tuple[str, str]] = []
        """Packages compiled here and not yet kept beside the snapshot."""
        self._tagged: dict[tuple[str, str], tuple[str, str] | None] = {}
        """`_releases` of the Go packages met at an untagged pseudo-version."""

    def match_inventory(self, inventory: Inventory) -> Iterator[MatchResult]:
        """See `Matcher.match_inventory`: every component, in inventory order."""
        return self.match_all(inventory.components)

    def match(self, component: Component) -> tuple[MatchResult, ...]:
        """The matches and indeterminate verdicts for one component."""
        return tuple(self._results(component))

    def match_all(self, components: Iterable[Component]) -> Iterator[MatchResult]:
        """Match every component in order; package entries are cached across components, and
        the packages compiled here are kept beside the snapshot at the end."""
        for component in components:
            yield from self._results(component)
        self.keep_compiled()

    def keep_compiled(self) -> None:
        """Keep the packages compiled since the last call beside the snapshot (regions worked
        out so far included), for the next process that opens it."""
        compiled, self._compiled = self._compiled, []
        kept = {key: p for key in compiled if (p := self._packages.get(key))}
        self._derived.put(COMPILED_PACKAGES, kept)

    def match_package(
        self, ref: str, ecosystem: str, name: str, version: str
    ) -> tuple[MatchResult, ...]:
        """The matches and indeterminate verdicts of `version` of the package `name` of
        `ecosystem` (exact, suffix included; the name is normalised here), for a caller with
        no purl to take a version from (an OSV query by name)."""
        key = (ecosystem, normalise_name(ecosystem, name))
        package = self._load(key)
        if package is None:
            return ()
        return tuple(self._evaluate(ref, key, version, package, None, None))

    def advisory_ids(self, ecosystem: str, name: str) -> tuple[str, ...]:
        """The ids of every live (not withdrawn) advisory of a package, sorted."""
        package = self._load((ecosystem, normalise_name(ecosystem, name)))
        return () if package is None else tuple(sorted({e.advisory_id for e in package.entries}))

    def _results(self, component: Component) -> list[MatchResult]:
        found = _lookup(component)
        if found is None:
            return []
        key, purl = found
        package = self._load(key)
        if package is None:
            return []
        version, caveat = evaluated_version(component, purl, key[0])
        if version is None:
            ids = tuple(sorted({entry.advisory_id for entry in package.entries}))
            return [Indeterminate(component=component.ref, reason=NO_VERSION, advisory_ids=ids)]
        bounded = None
        if key[0] == "Go" and untagged_base(version):
            releases = self._releases(key, package)
            if releases is not None:
                bounded = untagged_pseudo_version(key[1], version, releases)
                bounded = bounded if caveat is None else caveat.joined(bounded)
        return self._evaluate(component.ref, key, version, package, caveat, bounded)

    def _releases(self, key: tuple[str, str], package: CompiledPackage) -> tuple[str, str] | None:
        """`basis.tagged_releases` of a Go package, worked out once per matcher."""
        if key not in self._tagged:
            events = (
                e.version for row in package.entries for r in row.affected.ranges for e in r.events
            )
            self._tagged[key] = tagged_releases(events)
        return self._tagged[key]

    def _load(self, key: tuple[str, str]) -> CompiledPackage | None:
        if key in self._packages:
            return self._packages[key]
        if len(self._packages) >= limits.MAX_CACHED_PACKAGES:
            self._packages.clear()  # bounded, like the snapshot's own cache
        ecosystem, name = key
        package: CompiledPackage | None = None
        if ecosystem in self._ecosystems:
            package = self._derived.get(COMPILED_PACKAGES, key)
            if package is not None:
                self._packages[key] = package
                return package
            rows = [
                row for row in self._snapshot.advisories_for(ecosystem, name) if not row.withdrawn
            ]
            if rows:
                package = CompiledPackage(
                    tuple(rows),
                    PackageIndex(
                        ecosystem, [compile_affected(row.affected, ecosystem) for row in rows]
                    ),
                )
                self._compiled.append(key)
        self._packages[key] = package
        return package

    @staticmethod
    def _evaluate(
        ref: str,
        key: tuple[str, str],
        version: str,
        package: CompiledPackage,
        caveat: Caveat | None,
        bounded: Caveat | None,
    ) -> list[MatchResult]:
        """Match `version` against the package; `bounded` replaces `caveat` on the matches
        whose deciding interval is closed above (`basis.untagged_pseudo_version`)."""
        ecosystem, name = key
        results: list[MatchResult] = []
        undecided: dict[str, set[str]] = {}
        entries = package.entries
        affected, purl = Status.AFFECTED, Confidence.PURL  # read once, not once per match
        for index, verdict in package.index.evaluate(version):
            entry = entries[index]
            if verdict.status is affected:
                decision = verdict.decision
                results.append(
                    _new_match(  # the fields in `Match` order, at a quarter of `Match(**…)`'s cost
                        Match,
                        (
                            ref,
                            entry.advisory_id,
                            version,
                            ecosystem,
                            name,
                            decision,
                            purl,
                            entry.affected,
                            entry.affected_index,
                            bounded if bounded and len(decision.events) > 1 else caveat,
                        ),
                    )
                )
            else:
                undecided.setdefault(verdict.reason, set()).add(entry.advisory_id)
        if undecided:
            # an advisory that another of its entries already matched is decided
            matched = {r.advisory_id for r in results if isinstance(r, Match)}
            for reason, ids in sorted(undecided.items()):
                open_ids = tuple(sorted(ids - matched))
                if open_ids:
                    results.append(
                        Indeterminate(component=ref, reason=reason, advisory_ids=open_ids)
                    )
        return results
