"""One declared product and its supply chain, as the product page and `GET /v1/products` show
it: the products of the declarations a caller may see, and one of them with its vendor, sites,
systems, components and its own supply-chain graph (`portfolio.build` over a portfolio that
holds only that product).

A product is named by its case and its id in the declaration (`CR-2026-0001`, `P-ARRAY`); it is
read from the case's latest submission the caller may see. A case the caller may not see, one
without such a submission and a product the declaration does not hold are one answer:
`NotFound("no product CASE/ID")`, so nothing tells another party's product from a missing one.
"""

from __future__ import annotations

from dataclasses import dataclass, replace

from chainreview.case.access import Caller, sees_submission, visible_case
from chainreview.case.packages import LeftOut
from chainreview.errors import NotFound
from chainreview.portfolio.build import PortfolioGraph, build_graph
from chainreview.portfolio.kept import portfolios_of
from chainreview.portfolio.model import DeployedProduct, Portfolio, System, Vendor, VendorSite
from chainreview.portfolio.stored import declared_portfolios
from chainreview.store import files
from chainreview.store.db import Store

__all__ = ["DeclaredProduct", "ProductList", "ProductSummary", "declared_product", "product_list"]


@dataclass(frozen=True, slots=True, kw_only=True)
class ProductSummary:
    """A product of a declaration, as a list shows it."""

    case: str
    id: str
    name: str
    vendor: str
    """The vendor's legal name."""
    operator: str
    components: int | None
    """Components its SBOMs list; None without an SBOM (unknown, not none)."""


@dataclass(frozen=True, slots=True, kw_only=True)
class ProductList:
    """The products of the standing declarations a caller may see, and the cases left out."""

    products: tuple[ProductSummary, ...]
    """By case (oldest first), then as declared."""
    left_out: tuple[LeftOut, ...]


@dataclass(frozen=True, slots=True, kw_only=True)
class DeclaredProduct:
    """One product with what its declaration says of it, and its own supply-chain graph."""

    case: str
    submission: int
    """The submission it was read from."""
    operator: str
    product: DeployedProduct
    vendor: Vendor
    systems: tuple[System, ...]
    """The systems it is deployed in, as declared."""
    graph: PortfolioGraph
    """The graph of a portfolio holding this product alone: its components, vendor, sites,
    countries, systems and operator."""


def product_list(store: Store, *, caller: Caller) -> ProductList:
    """Every product of the declarations the caller may see (`portfolio.stored`)."""
    declared = declared_portfolios(store, caller=caller)
    return ProductList(
        products=tuple(
            _summary(case, portfolio, product)
            for case, portfolio in declared.portfolios
            for product in portfolio.products
        ),
        left_out=declared.left_out,
    )


def _summary(case: str, portfolio: Portfolio, product: DeployedProduct) -> ProductSummary:
    vendor = next(v for v in portfolio.vendors if v.id == product.vendor)
    return ProductSummary(
        case=case,
        id=product.id,
        name=product.name,
        vendor=vendor.name,
        operator=portfolio.operator,
        components=None if product.inventory is None else len(product.inventory.components),
    )


def declared_product(
    store: Store, case_id: str, product_id: str, *, caller: Caller
) -> DeclaredProduct:
    """The product `product_id` of the case's latest submission the caller may see; raises
    `NotFound("no product CASE/ID")` for anything the caller may not see or that is not there."""
    missing = NotFound(f"no product {case_id}/{product_id}")
    with store.transaction(caller.name) as tx:
        try:
            visible_case(tx, caller, case_id)
        except NotFound:
            raise missing from None
        seen = [s for s in files.list_submissions(tx, case_id) if sees_submission(caller, s.party)]
    if not seen:
        raise missing
    (portfolio,) = portfolios_of(store, seen[-1:], caller=caller)
    product = next((p for p in portfolio.products if p.id == product_id), None)
    if product is None:
        raise missing
    deployed = {d.system for d in product.deployments}
    vendor = next(v for v in portfolio.vendors if v.id == product.vendor)
    alone = replace(
        portfolio,
        systems=tuple(s for s in portfolio.systems if s.id in deployed),
        vendors=(replace(vendor, sites=tuple(_sites_of(vendor, product.id))),),
        products=(product,),
    )
    return DeclaredProduct(
        case=case_id,
        submission=seen[-1].number,
        operator=portfolio.operator,
        product=product,
        vendor=alone.vendors[0],
        systems=alone.systems,
        graph=build_graph(alone),
    )


def _sites_of(vendor: Vendor, product: str) -> list[VendorSite]:
    """The vendor's sites that serve `product`: those for all its products, and those that
    list it (then listing it alone)."""
    return [
        replace(site, products=(product,) if site.products else ())
        for site in vendor.sites
        if not site.products or product in site.products
    ]
