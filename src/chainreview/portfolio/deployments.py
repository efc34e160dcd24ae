"""The reverse index of a portfolio: from a package to the products, and systems, that carry it.

A package is what the OSV matcher looks a component up by: its (OSV ecosystem, normalised
name), `matches.local.lookup_key`. Under each package the index keeps every distinct instance
the products carry (the purl and the version the SBOM gives: what the matcher evaluates), and
which products carry each. The monitor re-matches instances by package; a question "who runs
this package?" reads `deployments`.

Components the OSV matcher does not take alone are not indexed: they are counted per product
and their places kept (`outside`), for the monitor to match them per product: those without a
purl of an OSV ecosystem (the CPE matcher takes them) and OS packages (`deb`, `apk`: the
distro matcher reads the release from the product's operating-system component). A product
without an SBOM is not monitored at all.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from operator import attrgetter
from typing import Final, cast

from chainreview.components.model import Component
from chainreview.components.purl import parse_purl
from chainreview.intel.names import normalise_name
from chainreview.matches.local import lookup_key
from chainreview.matches.scope import DISTRO_PURL_TYPES
from chainreview.portfolio.model import Portfolio

__all__ = [
    "Carried",
    "DeploymentIndex",
    "Instance",
    "PackageDeployments",
    "PackageKey",
    "Unmonitored",
    "index_deployments",
    "instance_of",
]

PackageKey = tuple[str, str]
"""(OSV ecosystem, normalised package name)."""


@dataclass(frozen=True, slots=True, order=True)
class Instance:
    """One version of a package as products carry it: what the matcher evaluates."""

    purl: str
    version: str | None
    """The version the SBOM gives (None: the purl's is evaluated)."""


_SEEN: Final = attrgetter("purl", "ecosystem", "version")
"""What tells two components apart for the monitor."""

Carried = tuple[PackageKey, Instance]
"""A package and one instance of it, as a product carries it."""


@dataclass(frozen=True, slots=True, kw_only=True)
class Unmonitored:
    """What the monitor cannot watch in one product, and why."""

    product: str
    no_sbom: bool
    """The product has no SBOM: its components are unknown."""
    components: int
    """Components outside the OSV matcher (no purl of an OSV ecosystem, or an OS package); in
    a monitor report, those of them no source checks."""


@dataclass(frozen=True, slots=True, kw_only=True)
class PackageDeployments:
    """Where one package is deployed."""

    package: PackageKey
    instances: tuple[tuple[Instance, tuple[str, ...]], ...]
    """Each instance, with the ids of the products carrying it."""
    products: tuple[str, ...]
    systems: tuple[str, ...]
    """The systems those products are deployed in."""


@dataclass(frozen=True, slots=True, kw_only=True)
class DeploymentIndex:
    """A portfolio's packages, their instances and the products carrying them."""

    portfolio: Portfolio
    packages: Mapping[PackageKey, Mapping[Instance, tuple[str, ...]]]
    """Package → instance → ids of the products carrying it (sorted)."""
    products: Mapping[str, tuple[Carried, ...]]
    """Product id → its monitored instances (sorted), for every product with an SBOM."""
    unmonitored: tuple[Unmonitored, ...]
    """Products with something the OSV matcher does not decide alone, by id."""
    outside: Mapping[str, tuple[int, ...]]
    """Product id → the places, in its inventory's components, of those components."""

    def deployments(self, ecosystem: str, name: str) -> PackageDeployments | None:
        """Where the package (`name` normalised as the index files it) is deployed, or None
        when no product carries it."""
        key = (ecosystem, normalise_name(ecosystem, name))
        found = self.packages.get(key)
        if found is None:
            return None
        carriers = sorted({p for products in found.values() for p in products})
        systems = {
            d.system for p in self.portfolio.products if p.id in carriers for d in p.deployments
        }
        return PackageDeployments(
            package=key,
            instances=tuple(sorted(found.items())),
            products=tuple(carriers),
            systems=tuple(sorted(systems)),
        )


def index_deployments(portfolio: Portfolio) -> DeploymentIndex:
    """The reverse index of `portfolio` (module doc).

    Products share most components, so each distinct (purl, ecosystem, version) is read once,
    and its package and instance are then known by a number; each product's set of numbers is
    put in order only once every instance has been seen.
    """
    made: dict[tuple[str | None, str | None, str | None], int | None] = {}
    """Each distinct (purl, ecosystem, version) → the number of its (package, instance), or
    -1 when the monitor does not watch it."""
    numbers: dict[Carried, int] = {}
    carried: list[tuple[str, set[int]]] = []
    unmonitored: list[Unmonitored] = []
    outside: dict[str, tuple[int, ...]] = {}
    for product in portfolio.products:
        if product.inventory is None:
            unmonitored.append(Unmonitored(product=product.id, no_sbom=True, components=0))
            continue
        components = product.inventory.components
        seen = list(map(_SEEN, components))
        numbers_of = list(map(made.get, seen))
        if None in numbers_of:  # components of packages no product before carried
            for at, component in enumerate(components):
                if numbers_of[at] is None:
                    number = made.get(seen[at])
                    if number is None:
                        pair = instance_of(component)
                        number = -1 if pair is None else numbers.setdefault(pair, len(numbers))
                        made[seen[at]] = number
                    numbers_of[at] = number
        found = cast(set[int], set(numbers_of))  # every None was filled in above
        carried.append((product.id, found))
        if -1 in found:
            found.discard(-1)
            away = tuple(n for n, number in enumerate(numbers_of) if number == -1)
            outside[product.id] = away
            unmonitored.append(Unmonitored(product=product.id, no_sbom=False, components=len(away)))
    pairs = sorted(numbers)
    rank = [0] * len(pairs)
    for place, pair in enumerate(pairs):
        rank[numbers[pair]] = place
    carriers: list[list[str]] = [[] for _ in pairs]
    products: dict[str, tuple[Carried, ...]] = {}
    for product_id, found in carried:
        places = sorted(map(rank.__getitem__, found))
        products[product_id] = tuple(map(pairs.__getitem__, places))
        for place in places:
            carriers[place].append(product_id)
    packages: dict[PackageKey, dict[Instance, tuple[str, ...]]] = {}
    for (key, instance), ids in zip(pairs, carriers, strict=True):
        packages.setdefault(key, {})[instance] = tuple(sorted(ids))
    return DeploymentIndex(
        portfolio=portfolio,
        packages=packages,
        products=products,
        unmonitored=tuple(sorted(unmonitored, key=lambda u: u.product)),
        outside=outside,
    )


def instance_of(component: Component) -> Carried | None:
    """The component's package and instance, when the OSV matcher alone decides it (None: the
    monitor does not watch it)."""
    key = _monitored_key(component)
    if key is None:
        return None
    assert component.purl is not None  # a lookup key is read from the purl
    return key, Instance(purl=component.purl, version=component.version)


def _monitored_key(component: Component) -> PackageKey | None:
    """The component's package when the OSV matcher alone decides it (module doc)."""
    key = lookup_key(component)
    if key is None or component.purl is None:
        return None
    return None if parse_purl(component.purl).type in DISTRO_PURL_TYPES else key
