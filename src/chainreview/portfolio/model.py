"""The portfolio's records: what an operator runs, wherever it was read from.

An inventory file (`portfolio.inventory_file`) and a declaration package
(`portfolio.declared`) both give a `Portfolio`; the graph and every question read only these.
"""

from __future__ import annotations

from dataclasses import dataclass

from chainreview.components.model import Inventory
from chainreview.evidence.declaration import Criticality
from chainreview.evidence.vendor_profile import SiteKind
from chainreview.evidence.vex import VexStatement

__all__ = ["DeployedProduct", "Deployment", "Portfolio", "System", "Vendor", "VendorSite"]


@dataclass(frozen=True, slots=True, kw_only=True)
class System:
    """A system of the operator and the function it serves."""

    id: str
    name: str
    criticality: Criticality
    function: str
    """What it does for the operator; concentration is measured per function."""
    cii: bool = True
    """The system is critical information infrastructure."""


@dataclass(frozen=True, slots=True, kw_only=True)
class VendorSite:
    """Where a vendor makes, develops, tests or services products."""

    country: str
    """ISO 3166-1 alpha-2 code."""
    kind: SiteKind | None = None
    """None when the inventory does not say."""
    products: tuple[str, ...] = ()
    """Ids of the products made or served there; empty means all of the vendor's."""


@dataclass(frozen=True, slots=True, kw_only=True)
class Vendor:
    """A vendor of deployed products."""

    id: str
    name: str
    country: str
    """Jurisdiction: the country of incorporation (ISO 3166-1 alpha-2)."""
    sites: tuple[VendorSite, ...] = ()


@dataclass(frozen=True, slots=True, kw_only=True)
class Deployment:
    """Units of a product in one system."""

    system: str
    """Id of a `System` of the portfolio."""
    quantity: int
    """Units deployed (at least 1): the installed base shares are counted in."""
    function: str
    """The function the units serve: the deployment's own, else the system's."""


@dataclass(frozen=True, slots=True, kw_only=True)
class DeployedProduct:
    """A product the operator runs, where, and what it is made of."""

    id: str
    name: str
    vendor: str
    """Id of a `Vendor` of the portfolio."""
    deployments: tuple[Deployment, ...]
    sboms: tuple[str, ...] = ()
    """The SBOM files, relative to the inventory's folder (or the declaration package)."""
    case: str | None = None
    """The product's review case, when there is one."""
    alternatives: tuple[str, ...] = ()
    """Vendors (by name) the operator has qualified to replace the product; they need not be
    in the portfolio."""
    inventory: Inventory | None = None
    """Its SBOMs read and merged; None without an SBOM (its components are unknown)."""
    vex: tuple[VexStatement, ...] = ()
    """The statements of its VEX documents, in the order declared (a declaration package's;
    an inventory file names none): the monitor applies them as a review does."""


@dataclass(frozen=True, slots=True, kw_only=True)
class Portfolio:
    """One operator's systems, vendors and deployed products, ids checked to resolve."""

    operator: str
    source: str
    """What it was read from: the inventory file as named, or `declaration <id>`."""
    systems: tuple[System, ...]
    vendors: tuple[Vendor, ...]
    products: tuple[DeployedProduct, ...]
