"""What a scan checked and what it did not: each component's route to the intel, and the state.

A scan that finds nothing says nothing about a component no source covers. `coverage` routes
every component as the matchers do and states, per group of components, whether a source of the
snapshot covers them:

* `ecosystem` — a purl of an OSV ecosystem (`PyPI`, `Maven`, `Go`, …): covered when the snapshot
  holds OSV advisories for that exact ecosystem;
* `distro` — an OS package (`deb`, `apk`): its distribution release comes from the purl's `distro`
  qualifier, else from the SBOM's operating-system component; covered by OSV advisories for that
  release or by the distro feeds (Alpine secdb, Debian DSA/DLA) holding it;
* `cpe` — no purl ecosystem but a CPE: covered by NVD records;
* `none` — neither: nothing to look up.

A group is `checked` when a source that covers it holds its whole feed, `partial` when only
partial selections cover it (what they match is real, but no match does not mean no
vulnerability), and `not_checked` otherwise, with the reason. The components the SBOMs describe
(their primary components, the product itself) are counted apart as roots, never as checked. A
source is listed with its completeness, demo mark and the date its data reaches, so a result
states what it rests on.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from enum import StrEnum
from typing import Any, Final, Protocol

from chainreview.components.model import Component, Inventory
from chainreview.components.purl import InvalidPurl, parse_purl
from chainreview.intel.names import base_ecosystem
from chainreview.intel.snapshot import source_complete, source_demo
from chainreview.matches.local import lookup_key
from chainreview.matches.scope import DISTRO_PURL_TYPES, needs_distro

__all__ = [
    "Coverage",
    "CoverageGroup",
    "CoverageState",
    "Route",
    "SourceCatalogue",
    "SourceUse",
    "coverage",
]


class CoverageState(StrEnum):
    """How far a group of components was checked."""

    CHECKED = "checked"
    """Against a source holding its whole feed."""
    PARTIAL = "partial"
    """Only against partial selections: a match is real, no match proves nothing."""
    NOT_CHECKED = "not_checked"
    """No source covers it."""


class Route(StrEnum):
    """How the matchers look a component up."""

    ECOSYSTEM = "ecosystem"
    DISTRO = "distro"
    CPE = "cpe"
    NONE = "none"


class SourceCatalogue(Protocol):
    """What coverage reads of an intel snapshot (`intel.snapshot.Snapshot`)."""

    @property
    def manifest(self) -> Mapping[str, Any]:
        """The snapshot manifest: its sources and the OSV ecosystems it holds."""
        ...

    def distro_releases(self) -> Mapping[str, tuple[str, ...]]:
        """Distribution release → names of the distro-feed sources holding it."""
        ...


@dataclass(frozen=True, slots=True, kw_only=True)
class SourceUse:
    """A source of the snapshot that covers some component, as a result cites it."""

    name: str
    kind: str
    complete: bool
    demo: bool
    as_of: str | None
    """The date its data reaches (YYYY-MM-DD); None when unknown."""
    records: int


@dataclass(frozen=True, slots=True, kw_only=True)
class CoverageGroup:
    """Components that share a route and a target (an ecosystem, a release, NVD)."""

    route: Route
    target: str
    """`PyPI`, `Debian:11`, `NVD`, or what is missing (`no identifier`, `no release`)."""
    state: CoverageState
    reason: str
    sources: tuple[str, ...]
    """Names of the covering sources (empty when not checked)."""
    components: tuple[str, ...]
    """Component refs, in inventory order."""


@dataclass(frozen=True, slots=True, kw_only=True)
class Coverage:
    """What was checked, per group, with the sources it rests on."""

    components: int
    """Every component of the inventory, roots included."""
    roots: tuple[str, ...]
    """Refs of the components the SBOMs describe (the product itself): not counted below."""
    checked: int
    partial: int
    not_checked: int
    groups: tuple[CoverageGroup, ...]
    """Not checked first, then partial, then checked; by route and target within."""
    sources: tuple[SourceUse, ...]
    """The sources that cover some component, by name."""
    demo: bool
    """The snapshot holds demo data (the bundled capture)."""

    @property
    def complete(self) -> bool:
        """Every component but the roots was checked against a whole feed."""
        return not self.partial and not self.not_checked


_NO_IDENTIFIER: Final = "no identifier"
_NO_RELEASE: Final = "no release"
_ORDER: Final = {CoverageState.NOT_CHECKED: 0, CoverageState.PARTIAL: 1, CoverageState.CHECKED: 2}


def coverage(inventory: Inventory, intel: SourceCatalogue) -> Coverage:
    """Route every component of `inventory` and state what `intel` covers (module doc)."""
    roots = {d.metadata.primary for d in inventory.documents if d.metadata.primary}
    fallback = _os_release(inventory)
    routed: dict[tuple[Route, str], list[str]] = {}
    for component in inventory.components:
        if component.ref not in roots:
            routed.setdefault(_route(component, fallback), []).append(component.ref)
    catalogue = _Catalogue(intel)
    groups = [catalogue.group(route, target, refs) for (route, target), refs in routed.items()]
    groups.sort(key=lambda g: (_ORDER[g.state], g.route.value, g.target))
    used = sorted({name for g in groups for name in g.sources})
    sources = tuple(catalogue.use(name) for name in used)
    counted = {
        state: sum(len(g.components) for g in groups if g.state is state) for state in _ORDER
    }
    return Coverage(
        components=len(inventory.components),
        roots=tuple(c.ref for c in inventory.components if c.ref in roots),
        checked=counted[CoverageState.CHECKED],
        partial=counted[CoverageState.PARTIAL],
        not_checked=counted[CoverageState.NOT_CHECKED],
        groups=tuple(groups),
        sources=sources,
        demo=catalogue.demo,
    )


def _route(component: Component, fallback: str | None) -> tuple[Route, str]:
    """The route and target of one component, as the matchers would take it."""
    if component.ecosystem is None:
        return (Route.CPE, "NVD") if component.cpe else (Route.NONE, _NO_IDENTIFIER)
    key = lookup_key(component)
    if key is None:
        return Route.NONE, _NO_IDENTIFIER
    ecosystem = key[0]
    if _purl_type(component) not in DISTRO_PURL_TYPES:
        return Route.ECOSYSTEM, ecosystem
    if ":" in ecosystem:
        return Route.DISTRO, ecosystem
    if fallback is not None and base_ecosystem(fallback) == base_ecosystem(ecosystem):
        return Route.DISTRO, f"{fallback} (from the operating-system component)"
    return Route.DISTRO, f"{ecosystem} ({_NO_RELEASE})"


def _os_release(inventory: Inventory) -> str | None:
    """The release of the SBOM's operating-system component (the distro matcher, and its feed
    readers, load only for an inventory with OS packages)."""
    if not needs_distro(inventory):
        return None
    from chainreview.matches.distro import distro_of

    return distro_of(inventory)


def _purl_type(component: Component) -> str:
    try:
        return parse_purl(component.purl or "").type
    except InvalidPurl:
        return ""


class _Catalogue:
    """The snapshot's sources, looked up by what they cover."""

    def __init__(self, intel: SourceCatalogue) -> None:
        manifest = intel.manifest
        self._sources: dict[str, Mapping[str, Any]] = {s["name"]: s for s in manifest["sources"]}
        self._ecosystems: frozenset[str] = frozenset(manifest.get("ecosystems") or ())
        self._releases = intel.distro_releases()
        self._nvd = tuple(n for n, s in self._sources.items() if s["kind"] == "nvd")
        self.demo = any(source_demo(s) for s in self._sources.values())

    def use(self, name: str) -> SourceUse:
        source = self._sources[name]
        return SourceUse(
            name=name,
            kind=source["kind"],
            complete=source_complete(source),
            demo=source_demo(source),
            as_of=source.get("as_of"),
            records=source["records"],
        )

    def group(self, route: Route, target: str, refs: Sequence[str]) -> CoverageGroup:
        covering, missing = self._covering(route, target)
        if not covering:
            state, reason = CoverageState.NOT_CHECKED, missing
        elif any(source_complete(self._sources[name]) for name in covering):
            state, reason = CoverageState.CHECKED, "checked against " + self._cite(covering)
        else:
            state = CoverageState.PARTIAL
            what = "NVD" if route is Route.CPE else f"advisories for {target}"
            reason = (
                f"{what} present only as a partial selection ({self._cite(covering)}): a "
                "component it does not match may still be vulnerable"
            )
        return CoverageGroup(
            route=route,
            target=target,
            state=state,
            reason=reason,
            sources=covering,
            components=tuple(refs),
        )

    def _covering(self, route: Route, target: str) -> tuple[tuple[str, ...], str]:
        """The names of the sources covering `target`, or none and why."""
        if route is Route.NONE:
            return (), "no purl of a known ecosystem and no CPE: nothing to look them up by"
        if route is Route.CPE:
            return self._nvd, "no NVD records in the intel snapshot to match their CPEs"
        release = target.partition(" (")[0]
        if route is Route.DISTRO and target.endswith(f"({_NO_RELEASE})"):
            return (), (
                "no distribution release named (no distro qualifier in the purl, no "
                "operating-system component in the SBOM)"
            )
        names = set(self._osv_sources(release)) if release in self._ecosystems else set()
        if route is Route.DISTRO:
            names.update(self._releases.get(release, ()))
        return tuple(sorted(names)), f"no advisories for {release} in the intel snapshot"

    def _osv_sources(self, ecosystem: str) -> Iterable[str]:
        base = base_ecosystem(ecosystem)
        for name, source in self._sources.items():
            if source["kind"] == "osv" and base in name.removeprefix("osv:").split("+"):
                yield name

    def _cite(self, names: Iterable[str]) -> str:
        return "; ".join(_cite(self.use(name)) for name in names)


def _cite(source: SourceUse) -> str:
    """`osv:PyPI [whole feed; demo; data as of 2024-10-10]`."""
    marks = ["whole feed" if source.complete else f"partial selection of {source.records} records"]
    if source.demo:
        marks.append("demo")
    if source.as_of:
        marks.append(f"data as of {source.as_of}")
    return f"{source.name} [{'; '.join(marks)}]"
