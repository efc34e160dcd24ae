"""The reverse index of a portfolio: from a package to the products, and systems, that carry it.

A package is what the OSV matcher looks a component up by: its (OSV ecosystem, normalised
name), `matches.local.lookup_key`. Under each package the index keeps every distinct instance
the products carry (the purl and the version the SBOM gives: what the matcher evaluates), and
which products carry each. The monitor re-matches instances by package; a question "who runs
this package?" reads `deployments`.

Components the OSV matcher does not take are not monitored, and are counted per product as
such, never as unaffected: those without a purl of an OSV ecosystem (the CPE matcher takes
them) and OS packages (`deb`, `apk`: the distro matcher reads the release from the product's
operating-system component). A product without an SBOM is not monitored at all.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass

from chainreview.components.model import Component
from chainreview.components.purl import parse_purl
from chainreview.intel.names import normalise_name
from chainreview.matches.local import lookup_key
from chainreview.matches.scope import DISTRO_PURL_TYPES
from chainreview.portfolio.model import Portfolio

__all__ = [
    "DeploymentIndex",
    "Instance",
    "PackageDeployments",
    "PackageKey",
    "Unmonitored",
    "index_deployments",
]

PackageKey = tuple[str, str]
"""(OSV ecosystem, normalised package name)."""


@dataclass(frozen=True, slots=True, order=True)
class Instance:
    """One version of a package as products carry it: what the matcher evaluates."""

    purl: str
    version: str | None
    """The version the SBOM gives (None: the purl's is evaluated)."""


@dataclass(frozen=True, slots=True, kw_only=True)
class Unmonitored:
    """What the monitor cannot watch in one product, and why."""

    product: str
    no_sbom: bool
    """The product has no SBOM: its components are unknown."""
    components: int
    """Components outside the OSV matcher (no purl of an OSV ecosystem, or an OS package)."""


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
    products: Mapping[str, tuple[tuple[PackageKey, Instance], ...]]
    """Product id → its monitored instances (sorted), for every product with an SBOM."""
    unmonitored: tuple[Unmonitored, ...]
    """Products with something the monitor cannot watch, by id."""

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
    """The reverse index of `portfolio` (module doc)."""
    packages: dict[PackageKey, dict[Instance, set[str]]] = {}
    products: dict[str, tuple[tuple[PackageKey, Instance], ...]] = {}
    unmonitored: list[Unmonitored] = []
    keys: dict[tuple[str | None, str | None], PackageKey | None] = {}
    """Each distinct (purl, ecosystem) → its package: products share most components."""
    for product in portfolio.products:
        if product.inventory is None:
            unmonitored.append(Unmonitored(product=product.id, no_sbom=True, components=0))
            continue
        carried: set[tuple[PackageKey, Instance]] = set()
        outside = 0
        for component in product.inventory.components:
            purl = (component.purl, component.ecosystem)
            key = keys[purl] if purl in keys else keys.setdefault(purl, _monitored_key(component))
            if key is None:
                outside += 1
                continue
            assert component.purl is not None  # a lookup key is read from the purl
            instance = Instance(purl=component.purl, version=component.version)
            packages.setdefault(key, {}).setdefault(instance, set()).add(product.id)
            carried.add((key, instance))
        products[product.id] = tuple(sorted(carried))
        if outside:
            unmonitored.append(Unmonitored(product=product.id, no_sbom=False, components=outside))
    return DeploymentIndex(
        portfolio=portfolio,
        packages={
            key: {i: tuple(sorted(ids)) for i, ids in sorted(found.items())}
            for key, found in sorted(packages.items())
        },
        products=products,
        unmonitored=tuple(sorted(unmonitored, key=lambda u: u.product)),
    )


def _monitored_key(component: Component) -> PackageKey | None:
    """The component's package when the OSV matcher alone decides it (module doc)."""
    key = lookup_key(component)
    if key is None or component.purl is None:
        return None
    return None if parse_purl(component.purl).type in DISTRO_PURL_TYPES else key
