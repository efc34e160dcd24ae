"""Concentration of an operator's installed base, per function its systems serve.

For each function (a deployment's, else its system's), the units deployed are counted per
vendor and per vendor's jurisdiction; the shares and their Herfindahl–Hirschman index are the
measures F06 uses (`chainreview.concentration`), over units instead of declared percentages.
Two kinds of single source follow:

* single-source products: the products of a function with fewer than two vendors
  (`single_source`), whose vendor failing stops the function;
* single-source components: the packages (purl without version) every product of a function
  with two or more vendors contains, a common dependency the choice of vendor does not remove.
  Only established when every product of the function has an SBOM; the others are named.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Iterable, Mapping
from dataclasses import dataclass

from chainreview.concentration import HIGHLY_CONCENTRATED, herfindahl, single_source
from chainreview.portfolio.build import package_of
from chainreview.portfolio.model import DeployedProduct, Portfolio

__all__ = [
    "Concentration",
    "FunctionConcentration",
    "Share",
    "SingleSourceComponent",
    "SingleSourceProduct",
    "measure_concentration",
]


@dataclass(frozen=True, slots=True, kw_only=True)
class Share:
    """One vendor's or country's part of a function."""

    name: str
    """The vendor's id, or the country's code."""
    quantity: int
    """Units deployed."""
    share: float
    """Of the function's units, from 0 to 1."""


@dataclass(frozen=True, slots=True, kw_only=True)
class FunctionConcentration:
    """The installed base of one function, by vendor and by country."""

    function: str
    systems: tuple[str, ...]
    products: tuple[str, ...]
    quantity: int
    """Units deployed for the function."""
    vendors: tuple[Share, ...]
    """Largest share first, then by name."""
    countries: tuple[Share, ...]
    vendor_hhi: float
    country_hhi: float
    vendors_concentrated: bool
    """The vendor index is above `HIGHLY_CONCENTRATED`."""
    countries_concentrated: bool
    single_source: bool
    """Fewer than two vendors."""
    shared_components: tuple[str, ...]
    """Packages every product contains, when there are two or more vendors (sorted)."""
    unknown_components: tuple[str, ...]
    """Products without an SBOM: shared components are not established while there are any."""


@dataclass(frozen=True, slots=True, kw_only=True)
class SingleSourceProduct:
    """A product of a function that has one vendor."""

    product: str
    vendor: str
    function: str
    systems: tuple[str, ...]


@dataclass(frozen=True, slots=True, kw_only=True)
class SingleSourceComponent:
    """A package every product of a multi-vendor function contains."""

    package: str
    function: str
    products: tuple[str, ...]


@dataclass(frozen=True, slots=True, kw_only=True)
class Concentration:
    """Concentration of a whole portfolio."""

    functions: tuple[FunctionConcentration, ...]
    """By function."""
    single_source_products: tuple[SingleSourceProduct, ...]
    """By function, then product."""
    single_source_components: tuple[SingleSourceComponent, ...]
    """By function, then package."""


def measure_concentration(portfolio: Portfolio) -> Concentration:
    """Shares, indexes and single sources of every function of `portfolio` (module doc)."""
    vendors = {vendor.id: vendor for vendor in portfolio.vendors}
    products = {product.id: product for product in portfolio.products}
    units: dict[str, list[tuple[str, str, int]]] = {}
    """Function → (system, product, units) of each deployment serving it."""
    for product in portfolio.products:
        for deployment in product.deployments:
            units.setdefault(deployment.function, []).append(
                (deployment.system, product.id, deployment.quantity)
            )
    suppliers = {
        function: [products[p].vendor for _, p, _ in deployed]
        for function, deployed in units.items()
    }
    sole = set(single_source(suppliers))
    functions = []
    for function in sorted(units):
        deployed = units[function]
        by_vendor = Counter[str]()
        by_country = Counter[str]()
        for _, product_id, quantity in deployed:
            vendor = products[product_id].vendor
            by_vendor[vendor] += quantity
            by_country[vendors[vendor].country] += quantity
        serving = sorted({p for _, p, _ in deployed})
        shared, unknown = _shared([products[p] for p in serving])
        functions.append(
            FunctionConcentration(
                function=function,
                systems=tuple(sorted({s for s, _, _ in deployed})),
                products=tuple(serving),
                quantity=sum(by_vendor.values()),
                vendors=_shares(by_vendor),
                countries=_shares(by_country),
                vendor_hhi=herfindahl(by_vendor.values()),
                country_hhi=herfindahl(by_country.values()),
                vendors_concentrated=herfindahl(by_vendor.values()) > HIGHLY_CONCENTRATED,
                countries_concentrated=herfindahl(by_country.values()) > HIGHLY_CONCENTRATED,
                single_source=function in sole,
                shared_components=() if function in sole else shared,
                unknown_components=unknown,
            )
        )
    return Concentration(
        functions=tuple(functions),
        single_source_products=tuple(
            SingleSourceProduct(
                product=product,
                vendor=products[product].vendor,
                function=f.function,
                systems=tuple(
                    sorted(
                        d.system for d in products[product].deployments if d.function == f.function
                    )
                ),
            )
            for f in functions
            if f.single_source
            for product in f.products
        ),
        single_source_components=tuple(
            SingleSourceComponent(package=package, function=f.function, products=f.products)
            for f in functions
            for package in f.shared_components
        ),
    )


def _shares(units: Mapping[str, int]) -> tuple[Share, ...]:
    total = sum(units.values())
    ordered = sorted(units.items(), key=lambda item: (-item[1], item[0]))
    return tuple(Share(name=name, quantity=count, share=count / total) for name, count in ordered)


def _shared(products: Iterable[DeployedProduct]) -> tuple[tuple[str, ...], tuple[str, ...]]:
    """The packages every one of `products` contains, and the products without an SBOM (when
    there are any, no package is established as shared)."""
    listed = list(products)
    unknown = tuple(p.id for p in listed if p.inventory is None)
    if unknown or not listed:
        return (), unknown
    common: set[str] | None = None
    for product in listed:
        assert product.inventory is not None
        packages = {package_of(c.purl) for c in product.inventory.components if c.purl}
        common = packages if common is None else common & packages
    return tuple(sorted(common or ())), ()
