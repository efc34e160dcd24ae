"""What if a vendor fails: a review fails it, and the operator must stop buying from it.

`vendor_fails(portfolio, name)` takes the vendor's products out of the portfolio and says:

* which systems lose what: each system the vendor's products are deployed in (ranked as a
  blast radius is: criticality, then name, then id), the products it loses, their units and
  their share of the system's units, and per function of the system the units and share lost;
* which alternatives exist for each function the vendor serves: the other vendors already
  deployed in it, and the vendors the inventory names as qualified to replace the lost products
  (`DeployedProduct.alternatives`). With neither, no qualified alternative is known;
* what remains single-source: concentration measured again by `measure_concentration` (so by
  `chainreview.concentration`'s functions) on the portfolio without the vendor's products.
"""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass, replace
from typing import Final

from chainreview import raw
from chainreview.concentration import single_source
from chainreview.errors import InputError
from chainreview.evidence.declaration import Criticality
from chainreview.portfolio.blast import CRITICALITY_ORDER, vendors_named
from chainreview.portfolio.concentration import (
    Share,
    SingleSourceProduct,
    measure_concentration,
)
from chainreview.portfolio.model import DeployedProduct, Portfolio, Vendor

__all__ = [
    "FunctionLoss",
    "FunctionOutcome",
    "LostProduct",
    "SystemLoss",
    "VendorFailure",
    "find_vendor",
    "vendor_fails",
]

_VENDORS_SHOWN: Final = 20


@dataclass(frozen=True, slots=True, kw_only=True)
class LostProduct:
    """Units of the failing vendor's product that one system loses."""

    product: str
    name: str
    function: str
    quantity: int


@dataclass(frozen=True, slots=True, kw_only=True)
class FunctionLoss:
    """What one function of one system loses."""

    function: str
    quantity: int
    """Units the system deploys for the function."""
    lost: int
    share: float
    """`lost` / `quantity`."""


@dataclass(frozen=True, slots=True, kw_only=True)
class SystemLoss:
    """A system the failing vendor's products are deployed in."""

    id: str
    name: str
    criticality: Criticality
    function: str
    cii: bool
    quantity: int
    """All units deployed in the system."""
    lost: int
    share: float
    """`lost` / `quantity`."""
    products: tuple[LostProduct, ...]
    """By product id."""
    functions: tuple[FunctionLoss, ...]
    """The functions that lose units, by name."""


@dataclass(frozen=True, slots=True, kw_only=True)
class FunctionOutcome:
    """One function the failing vendor serves, before and after."""

    function: str
    quantity: int
    """Units deployed for it before, in every system."""
    lost: int
    share: float
    """`lost` / `quantity`: the failing vendor's share."""
    products: tuple[str, ...]
    """The failing vendor's products serving it."""
    remaining: tuple[Share, ...]
    """The other vendors deployed in it, with their shares afterwards."""
    qualified: tuple[str, ...]
    """Vendors named as qualified to replace those products (sorted; not the failing one)."""
    alternative_known: bool
    """Another vendor is deployed in it, or one is qualified to replace a lost product."""
    hhi_before: float
    hhi_after: float | None
    """Vendor HHI of the units that remain; None when none remain."""
    single_source_before: bool
    single_source_after: bool
    """Fewer than two vendors remain (`chainreview.concentration.single_source`)."""


@dataclass(frozen=True, slots=True, kw_only=True)
class VendorFailure:
    """The answer to `vendor_fails`."""

    vendor: Vendor
    systems: tuple[SystemLoss, ...]
    """Ranked: criticality (critical first), then name, then id."""
    functions: tuple[FunctionOutcome, ...]
    """The functions the vendor serves, by name."""
    becomes_single_source: tuple[str, ...]
    """Functions with two or more vendors before and one after (sorted)."""
    unserved: tuple[str, ...]
    """Functions no vendor serves afterwards (sorted)."""
    single_source_products: tuple[SingleSourceProduct, ...]
    """Afterwards: every product whose vendor is the only one of its function."""


def find_vendor(portfolio: Portfolio, name: str) -> Vendor:
    """The vendor whose id or name is `name` (any case); raises `InputError` naming the
    portfolio's vendors when there is none, or more than one."""
    found = vendors_named(portfolio.vendors, name)
    if len(found) == 1:
        return found[0]
    listed = sorted(found or portfolio.vendors, key=lambda v: v.id)
    named = ", ".join(f"{v.id} ({v.name})" for v in listed[:_VENDORS_SHOWN])
    if len(listed) > _VENDORS_SHOWN:
        named += f" and {len(listed) - _VENDORS_SHOWN:,} more"
    if found:
        message = f"vendor {raw.preview(name)} is ambiguous: {named}; give its id"
    else:
        message = f"unknown vendor {raw.preview(name)} (vendors: {named or 'none'})"
    raise InputError(portfolio.source, message)


def vendor_fails(portfolio: Portfolio, name: str) -> VendorFailure:
    """What the portfolio loses when the vendor `name` (id or name) fails (module doc);
    raises `InputError` for a vendor the portfolio does not hold."""
    vendor = find_vendor(portfolio, name)
    lost = tuple(p for p in portfolio.products if p.vendor == vendor.id)
    kept = tuple(p for p in portfolio.products if p.vendor != vendor.id)
    before = {f.function: f for f in measure_concentration(portfolio).functions}
    after_measured = measure_concentration(replace(portfolio, products=kept))
    after = {f.function: f for f in after_measured.functions}
    served = sorted({d.function for p in lost for d in p.deployments})
    remaining = {f: after[f].vendors if f in after else () for f in served}
    sole_after = set(single_source({f: [s.name for s in remaining[f]] for f in served}))
    functions = []
    for function in served:
        products = [p for p in lost if any(d.function == function for d in p.deployments)]
        qualified = _qualified(vendor, products)
        own = next(s for s in before[function].vendors if s.name == vendor.id)
        functions.append(
            FunctionOutcome(
                function=function,
                quantity=before[function].quantity,
                lost=own.quantity,
                share=own.share,
                products=tuple(p.id for p in products),
                remaining=remaining[function],
                qualified=qualified,
                alternative_known=bool(remaining[function] or qualified),
                hhi_before=before[function].vendor_hhi,
                hhi_after=after[function].vendor_hhi if function in after else None,
                single_source_before=before[function].single_source,
                single_source_after=function in sole_after,
            )
        )
    return VendorFailure(
        vendor=vendor,
        systems=_systems(portfolio, lost),
        functions=tuple(functions),
        becomes_single_source=tuple(
            f.function for f in functions if f.single_source_after and not f.single_source_before
        ),
        unserved=tuple(f.function for f in functions if not f.remaining),
        single_source_products=after_measured.single_source_products,
    )


def _qualified(vendor: Vendor, products: list[DeployedProduct]) -> tuple[str, ...]:
    """The vendors named as qualified to replace `products`, other than `vendor` itself."""
    own = {vendor.id.casefold(), vendor.name.strip().casefold()}
    named = {name for p in products for name in p.alternatives}
    return tuple(sorted(n for n in named if n.strip().casefold() not in own))


def _systems(portfolio: Portfolio, lost: tuple[DeployedProduct, ...]) -> tuple[SystemLoss, ...]:
    """The systems `lost` products are deployed in, with what each loses, ranked."""
    units = Counter[tuple[str, str]]()
    """(system, function) → units deployed."""
    totals = Counter[str]()
    for product in portfolio.products:
        for deployment in product.deployments:
            units[deployment.system, deployment.function] += deployment.quantity
            totals[deployment.system] += deployment.quantity
    losses: dict[str, list[LostProduct]] = {}
    for product in lost:
        for d in product.deployments:
            losses.setdefault(d.system, []).append(
                LostProduct(
                    product=product.id, name=product.name, function=d.function, quantity=d.quantity
                )
            )
    found = []
    for system in portfolio.systems:
        if system.id not in losses:
            continue
        products = sorted(losses[system.id], key=lambda p: p.product)
        by_function = Counter[str]()
        for item in products:
            by_function[item.function] += item.quantity
        found.append(
            SystemLoss(
                id=system.id,
                name=system.name,
                criticality=system.criticality,
                function=system.function,
                cii=system.cii,
                quantity=totals[system.id],
                lost=by_function.total(),
                share=by_function.total() / totals[system.id],
                products=tuple(products),
                functions=tuple(
                    FunctionLoss(
                        function=f,
                        quantity=units[system.id, f],
                        lost=n,
                        share=n / units[system.id, f],
                    )
                    for f, n in sorted(by_function.items())
                ),
            )
        )
    found.sort(key=lambda s: (CRITICALITY_ORDER.index(s.criticality), s.name, s.id))
    return tuple(found)
