"""What a declaration says of its products' supply chain, for the review's result and report:
each vendor with its sites (what they do, where, run by whom), each product with its vendor and
the systems it serves, and the operator's systems. `result.json` carries it as `supply_chain`
(since schema 2.3) so that the report, a function of the result alone, can draw it.
"""

from __future__ import annotations

from dataclasses import dataclass

from chainreview.evidence.declaration import Declaration

__all__ = ["SuppliedProduct", "SupplyChain", "SupplySite", "SupplySystem", "SupplyVendor"]


@dataclass(frozen=True, slots=True, kw_only=True)
class SupplySite:
    """A site of a vendor: what it does (`SiteKind`), in which country, run by which entity."""

    kind: str
    country: str
    entity: str
    in_country: bool
    products: tuple[str, ...]
    """The product ids made or served here; empty: all of the vendor's."""


@dataclass(frozen=True, slots=True, kw_only=True)
class SupplyVendor:
    """A vendor: its legal name, country of incorporation and sites."""

    id: str
    legal_name: str
    jurisdiction: str
    sites: tuple[SupplySite, ...]


@dataclass(frozen=True, slots=True, kw_only=True)
class SuppliedProduct:
    """A product: its vendor and the systems it serves."""

    id: str
    vendor: str
    """The vendor's id."""
    systems: tuple[str, ...]
    """The ids of the systems it is deployed in, in declaration order."""


@dataclass(frozen=True, slots=True, kw_only=True)
class SupplySystem:
    """A system of the operator the purchase serves."""

    id: str
    name: str
    criticality: str
    cii: bool


@dataclass(frozen=True, slots=True, kw_only=True)
class SupplyChain:
    """The declaration's vendors, products and systems, in declaration order."""

    vendors: tuple[SupplyVendor, ...]
    products: tuple[SuppliedProduct, ...]
    systems: tuple[SupplySystem, ...]

    @classmethod
    def of(cls, declaration: Declaration) -> SupplyChain:
        """The supply chain `declaration` declares."""
        return cls(
            vendors=tuple(
                SupplyVendor(
                    id=v.id,
                    legal_name=v.legal_name,
                    jurisdiction=v.jurisdiction,
                    sites=tuple(
                        SupplySite(
                            kind=s.kind.value,
                            country=s.country,
                            entity=s.entity,
                            in_country=s.in_country,
                            products=s.products,
                        )
                        for s in v.sites
                    ),
                )
                for v in declaration.vendors
            ),
            products=tuple(
                SuppliedProduct(
                    id=p.id,
                    vendor=p.vendor,
                    systems=tuple(dict.fromkeys(d.system for d in p.deployments)),
                )
                for p in declaration.products
            ),
            systems=tuple(
                SupplySystem(id=s.id, name=s.name, criticality=s.criticality.value, cii=s.cii)
                for s in declaration.cii_systems
            ),
        )
