"""Distro-aware matching: OS packages against their distribution's own advisories (DESIGN §4).

Distributions backport fixes, so an upstream version range says little about `1.1.1n-0+deb11u3`;
the distribution's advisories say which of its own releases fixed what. This matcher takes the
components whose purl is an Alpine (`apk`, legacy `alpine`) or Debian (`deb`) package and looks
up the distro feeds of the snapshot by (`package`, `<ecosystem>/<source package>`):

* The ecosystem is the component's (from the purl `distro` qualifier, `Alpine:v3.16`,
  `Debian:11`). Without a release in the purl it is the SBOM's operating-system component's
  (`distro_of`); with neither the component is *indeterminate*.
* Alpine secdb: a CVE listed under fixed release `0` is not affected in that branch; otherwise
  the package is affected by a CVE while its version is below the lowest release that lists
  the CVE (apk order). One match per fixing release, carrying the CVEs still open.
* Debian DSA/DLA: for each advisory's line for that release and source package, `fixed` affects
  a version below the fixed version (dpkg order); `<not-affected>` never matches; `<unfixed>`
  and `<end-of-life>` match with no fixed version; any other status is indeterminate.

The source package comes from the purl (`purl.source_package`: syft's `upstream`, or `source`/
`origin`); the version evaluated by the rules of `basis` (a Debian package's source version when
the purl gives it, else the installed version, noted on the match).
"""

from __future__ import annotations

from collections.abc import Iterator, Sequence
from dataclasses import dataclass
from typing import Final, TypeVar

from chainreview.components.model import Component, ComponentType, Inventory, Location
from chainreview.components.purl import (
    InvalidPurl,
    Purl,
    build_purl,
    osv_ecosystem,
    parse_purl,
    source_package,
)
from chainreview.components.versions import InvalidVersion, sort_key
from chainreview.intel.alpine import AlpineFix
from chainreview.intel.debian import DebianAdvisory, ReleaseFix
from chainreview.intel.interface import FeedKind, load_record, package_key
from chainreview.intel.names import base_ecosystem
from chainreview.intel.snapshot import Snapshot
from chainreview.matches.basis import evaluated_version
from chainreview.matches.interface import MatchError
from chainreview.matches.model import Caveat, DistroMatch, Indeterminate
from chainreview.matches.scope import DISTRO_PURL_TYPES

__all__ = ["DistroMatch", "DistroMatchResult", "DistroMatcher", "distro_of", "os_component"]

_PURL_TYPES: Final = DISTRO_PURL_TYPES
"""purl types this matcher reads, and the distro feed family each needs."""
_OS_PURLS: Final = {"alpine": ("apk", "alpine"), "debian": ("deb", "debian")}
"""Operating-system component names, and the purl type and namespace of their packages."""
_DistroRecord = TypeVar("_DistroRecord", AlpineFix, DebianAdvisory)
_NO_FIX_STATUSES: Final = frozenset({"unfixed", "end-of-life"})
"""Debian tracker statuses that leave every version affected, with no fixed version."""


DistroMatchResult = DistroMatch | Indeterminate
"""What the distro matcher yields per component."""


@dataclass(frozen=True, slots=True, kw_only=True)
class _Package:
    """An OS package as the distro matcher sees it."""

    ref: str
    ecosystem: str
    ecosystem_from: str
    name: str
    version: str
    caveat: Caveat | None


def distro_of(inventory: Inventory) -> str | None:
    """The OSV ecosystem of the inventory's operating-system component, e.g. `Alpine:v3.16`.

    Read from the first operating-system component named `alpine` or `debian` whose version
    gives a release (`alpine` `3.16.2` → `Alpine:v3.16`, `debian` `11` → `Debian:11`); None
    when there is none.
    """
    component = os_component(inventory)
    return None if component is None else _os_ecosystem(component)


def os_component(inventory: Inventory) -> Component | None:
    """The operating-system component `distro_of` reads the release from, or None."""
    for component in inventory.components:
        if _os_ecosystem(component) is not None:
            return component
    return None


def _os_ecosystem(component: Component) -> str | None:
    if component.type is not ComponentType.OPERATING_SYSTEM or not component.version:
        return None
    kind = _OS_PURLS.get(component.name.strip().lower())
    if kind is None:
        return None
    try:
        purl = build_purl(*kind, "os", qualifiers={"distro": f"{kind[1]}-{component.version}"})
    except InvalidPurl:
        return None
    ecosystem = osv_ecosystem(purl)
    return ecosystem if ecosystem is not None and ":" in ecosystem else None


class DistroMatcher:
    """Matches the Alpine and Debian packages of one inventory against the distro feeds."""

    name: Final = "distro"
    version: Final = "1"

    def __init__(self, snapshot: Snapshot) -> None:
        self._snapshot = snapshot

    def match_inventory(self, inventory: Inventory) -> Iterator[DistroMatchResult]:
        """Match every Alpine and Debian package of the inventory, in inventory order."""
        return self.match_components(inventory.components, distro_of(inventory))

    def match_components(
        self, components: Sequence[Component], fallback: str | None
    ) -> Iterator[DistroMatchResult]:
        """Match components, with `fallback` as the release when a purl names none."""
        for component in components:
            package = _package(component, fallback)
            if isinstance(package, Indeterminate):
                yield package
            elif package is not None:
                yield from self._match(package)

    def _match(self, package: _Package) -> Iterator[DistroMatchResult]:
        key = package_key(package.ecosystem, package.name)
        keys = self._snapshot.keys(FeedKind.DISTRO, "package", key)
        try:
            if base_ecosystem(package.ecosystem) == "Alpine":
                yield from _alpine(package, [self._load(AlpineFix, k) for k in keys])
            else:
                yield from _debian(package, [self._load(DebianAdvisory, k) for k in keys])
        except InvalidVersion as exc:
            reason = f"version {package.version!r} cannot be ordered: {exc}"
            yield Indeterminate(component=package.ref, reason=reason, advisory_ids=keys)

    def _load(self, cls: type[_DistroRecord], key: str) -> _DistroRecord:
        body = self._snapshot.record(FeedKind.DISTRO, key)
        if body is None:
            raise MatchError(f"intel snapshot {self._snapshot.hash}: {key} is indexed, not stored")
        return load_record(cls, body)


def _package(component: Component, fallback: str | None) -> _Package | Indeterminate | None:
    """The component as an OS package; None when it is not one; Indeterminate when undecidable."""
    purl = _purl(component)
    if purl is None or purl.type not in _PURL_TYPES:
        return None
    ecosystem, origin = component.ecosystem or osv_ecosystem(purl), "purl"
    if ecosystem is None or base_ecosystem(ecosystem) != _PURL_TYPES[purl.type]:
        return None
    if ":" not in ecosystem:
        if fallback is None or base_ecosystem(fallback) != base_ecosystem(ecosystem):
            reason = "no distro release: the purl has no distro qualifier and no OS component"
            return Indeterminate(component=component.ref, reason=f"{reason} names one")
        ecosystem, origin = fallback, "operating-system"
    version, caveat = evaluated_version(component, purl, ecosystem)
    if not version:
        return Indeterminate(component=component.ref, reason="no version")
    return _Package(
        ref=component.ref,
        ecosystem=ecosystem,
        ecosystem_from=origin,
        name=source_package(purl),
        version=version,
        caveat=caveat,
    )


def _purl(component: Component) -> Purl | None:
    try:
        return parse_purl(component.purl) if component.purl else None
    except InvalidPurl:
        return None


def _below(ecosystem: str, version: str, fixed: str) -> bool:
    return sort_key(ecosystem, version) < sort_key(ecosystem, fixed)


def _alpine(package: _Package, fixes: list[AlpineFix]) -> Iterator[DistroMatch]:
    """secdb: per CVE the lowest fixing release decides; `0` means never affected."""
    mine = [f for f in fixes if f.ecosystem == package.ecosystem]
    never = {cve for f in mine if f.not_affected for cve in f.cves}
    first_fix: dict[str, AlpineFix] = {}
    for fix in sorted(
        (f for f in mine if not f.not_affected),
        key=lambda f: (sort_key(package.ecosystem, f.fixed_version), f.key),
    ):
        for cve in fix.cves:
            first_fix.setdefault(cve, fix)
    for fix in sorted({f.key: f for f in first_fix.values()}.values(), key=lambda f: f.key):
        cves = tuple(c for c in fix.cves if first_fix[c] is fix and c not in never)
        if cves and _below(package.ecosystem, package.version, fix.fixed_version):
            yield _found(package, fix.key, cves, fix.fixed_version, "fixed")


def _debian(package: _Package, advisories: list[DebianAdvisory]) -> Iterator[DistroMatchResult]:
    """DSA/DLA: each advisory's line for this release and source package decides."""
    for advisory in advisories:
        for fix in _release_fixes(advisory, package):
            if fix.status == "fixed" and fix.fixed_version is not None:
                if _below(package.ecosystem, package.version, fix.fixed_version):
                    yield _found(package, advisory.key, advisory.cves, fix.fixed_version, "fixed")
            elif fix.status in _NO_FIX_STATUSES:
                yield _found(package, advisory.key, advisory.cves, None, fix.status)
            elif fix.status != "not-affected":
                reason = f"{advisory.key} gives status {fix.status!r} for {package.name}"
                yield Indeterminate(
                    component=package.ref, reason=reason, advisory_ids=(advisory.key,)
                )


def _release_fixes(advisory: DebianAdvisory, package: _Package) -> Iterator[ReleaseFix]:
    wanted = package_key(package.ecosystem, package.name)
    for fix in advisory.fixes:
        if fix.ecosystem is not None and package_key(fix.ecosystem, fix.package) == wanted:
            yield fix


def _found(
    package: _Package, key: str, cves: tuple[str, ...], fixed: str | None, status: str
) -> DistroMatch:
    return DistroMatch(
        component=package.ref,
        advisory_id=key,
        cve_ids=cves,
        version=package.version,
        ecosystem=package.ecosystem,
        package=package.name,
        fixed_version=fixed,
        status=status,
        ecosystem_from=package.ecosystem_from,
        evidence=Location(file=f"distro:{key}", pointer=f"{package.ecosystem} {package.name}"),
        caveat=package.caveat,
    )
