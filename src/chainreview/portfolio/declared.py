"""A declaration package as portfolio records: the same `Portfolio` an inventory file gives.

A declaration (`chainreview.load_package`) describes one purchase: the operator's systems it
serves, the products with their deployments, SBOMs and vendor profiles. Two facts are not
declared the way an inventory states them, and are taken as follows (docs/portfolio.md):

* a declared system has no function of its own: its name stands for it, while each deployment
  keeps the function the declaration gives it;
* a product's quantity is declared for the purchase, not per system: each of its deployments
  counts the whole quantity.

A product's qualified alternatives are the purchase's alternatives marked qualified that
replace it or name no product they replace.
"""

from __future__ import annotations

from chainreview.evidence.declaration import Declaration
from chainreview.portfolio.model import (
    DeployedProduct,
    Deployment,
    Portfolio,
    System,
    Vendor,
    VendorSite,
)

__all__ = ["from_declaration"]


def from_declaration(declaration: Declaration, *, case: str | None = None) -> Portfolio:
    """The portfolio records of a read declaration package; `case` is the review case its
    products are under, when known."""
    return Portfolio(
        operator=declaration.operator.name,
        source=f"declaration {declaration.id}",
        systems=tuple(
            System(
                id=system.id,
                name=system.name,
                criticality=system.criticality,
                function=system.name,
                cii=system.cii,
            )
            for system in declaration.cii_systems
        ),
        vendors=tuple(
            Vendor(
                id=vendor.id,
                name=vendor.legal_name,
                country=vendor.jurisdiction,
                sites=tuple(
                    VendorSite(country=site.country, kind=site.kind, products=site.products)
                    for site in vendor.sites
                ),
            )
            for vendor in declaration.vendors
        ),
        products=tuple(
            DeployedProduct(
                id=product.id,
                name=product.name,
                vendor=product.vendor,
                deployments=tuple(
                    Deployment(
                        system=deployment.system,
                        quantity=product.quantity,
                        function=deployment.function,
                    )
                    for deployment in product.deployments
                ),
                sboms=product.sbom_files,
                case=case,
                alternatives=tuple(
                    alternative.vendor
                    for alternative in declaration.purchase.alternatives
                    if alternative.qualified and alternative.replaces in (None, product.id)
                ),
                inventory=product.inventory,
                vex=tuple(s for document in product.vex for s in document.statements),
            )
            for product in declaration.products
        ),
    )
