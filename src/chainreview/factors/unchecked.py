"""The components of a product its scan could not check, sorted by what that means for a review.

A component with no purl and no CPE cannot be looked up. When it is the vendor's own (its
supplier, manufacturer or author is the vendor, by the screening tokens of the vendor's names:
legal forms and punctuation aside), that is a transparency gap (F12: the vendor can name it or
attest its status), not an unknown vulnerability status of a third-party part (F02). A component
whose ecosystem or release the intel snapshot holds no advisories for, or only a partial
selection of, is a limitation of the review's own data; the vendor's own components are sorted
apart there too: identified or not, their status is for the vendor to attest when the snapshot
cannot check them, so naming one (as F12 asks) never leaves the review less settled than before.
The product itself (the SBOMs' roots, or a component named as the declared product) is none of
these.
"""

from __future__ import annotations

import functools
from collections.abc import Iterable
from dataclasses import dataclass
from typing import Final

from chainreview.components.model import Component
from chainreview.evidence.product import Product
from chainreview.evidence.vendor_profile import VendorProfile
from chainreview.factors.screening import screening_tokens
from chainreview.findings.coverage import Coverage, CoverageGroup, CoverageState, Route

__all__ = ["Unchecked", "listed_components", "no_sbom", "only_the_product", "unchecked"]


@dataclass(frozen=True, slots=True, kw_only=True)
class Unchecked:
    """What a product's scan did not check."""

    first_party: tuple[Component, ...]
    """The vendor's own components without an identifier."""
    third_party: tuple[Component, ...]
    """Other components without an identifier."""
    no_release: tuple[Component, ...]
    """OS packages whose distribution release neither the purl nor the SBOM names."""
    uncovered: tuple[tuple[CoverageGroup, tuple[Component, ...]], ...]
    """Groups the snapshot does not cover, or only in part, with their third-party components."""
    first_party_uncovered: tuple[tuple[CoverageGroup, tuple[Component, ...]], ...]
    """The same groups with the vendor's own components (identified, but not fully checked)."""
    listed: int
    """Components the SBOMs list besides their roots."""


def listed_components(product: Product) -> tuple[Component, ...]:
    """The components `product`'s SBOMs list besides the product itself: their roots, and a
    component named as the product is declared (an SBOM that names no root may list the product
    among its components)."""
    if product.inventory is None:
        return ()
    itself = _itself(product)
    return tuple(c for c in product.inventory.components if c.ref not in itself)


def _itself(product: Product) -> frozenset[str]:
    """Refs of the components that are `product` itself (see `listed_components`)."""
    inventory = product.inventory
    if inventory is None:
        return frozenset()
    name = _plain(product.name)
    roots = {d.metadata.primary for d in inventory.documents if d.metadata.primary}
    return frozenset(
        c.ref for c in inventory.components if c.ref in roots or _plain(c.name) == name
    )


def _plain(name: str) -> str:
    return " ".join(name.casefold().split())


def no_sbom(product: Product) -> str:
    """The evidence a product delivered without an SBOM lacks."""
    return f"an SBOM of {product.id}"


def only_the_product(product: Product) -> str:
    """The evidence a product whose SBOMs list nothing but itself lacks (no SBOM evidence)."""
    return f"an SBOM listing the components of {product.id} (its SBOMs list only the product)"


def unchecked(product: Product, vendor: VendorProfile, coverage: Coverage) -> Unchecked:
    """Sort what `coverage` (the scan of `product`'s inventory) left unchecked (module doc)."""
    inventory = product.inventory
    by_ref = {c.ref: c for c in inventory.components} if inventory else {}
    names = _names(vendor)
    itself = _itself(product)
    first: list[Component] = []
    third: list[Component] = []
    no_release: list[Component] = []
    uncovered: list[tuple[CoverageGroup, tuple[Component, ...]]] = []
    own_uncovered: list[tuple[CoverageGroup, tuple[Component, ...]]] = []
    for group in coverage.groups:
        if group.state is CoverageState.CHECKED:
            continue
        refs = [ref for ref in group.components if ref not in itself]
        if group.components and not refs:
            continue  # the product itself, no component of it
        components = tuple(by_ref[ref] for ref in refs if ref in by_ref)
        if group.route is Route.NONE:
            for component in components:
                (first if _is_first_party(component, names) else third).append(component)
        elif group.route is Route.DISTRO and not group.sources and "no release" in group.target:
            no_release += components
        else:
            mine = [_is_first_party(c, names) for c in components]
            own = tuple(c for c, is_own in zip(components, mine, strict=True) if is_own)
            others = tuple(c for c, is_own in zip(components, mine, strict=True) if not is_own)
            if own:
                own_uncovered.append((group, own))
            if others or not own:
                uncovered.append((group, others))
    return Unchecked(
        first_party=tuple(first),
        third_party=tuple(third),
        no_release=tuple(no_release),
        uncovered=tuple(uncovered),
        first_party_uncovered=tuple(own_uncovered),
        listed=len(listed_components(product)),
    )


_tokens: Final = functools.lru_cache(maxsize=1024)(screening_tokens)
"""`screening_tokens` kept per name: a review asks for the same vendor and supplier names often."""


def _names(vendor: VendorProfile) -> frozenset[tuple[str, ...]]:
    return frozenset(
        tokens for name in (vendor.legal_name, *vendor.other_names) if (tokens := _tokens(name))
    )


def _is_first_party(component: Component, names: Iterable[tuple[str, ...]]) -> bool:
    known = set(names)
    return any(
        _tokens(party) in known
        for party in (component.supplier, component.manufacturer, component.author)
        if party
    )
