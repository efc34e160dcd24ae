"""The declarations held in the case store as one operator's portfolio.

Each case's declaration is its latest submission the caller may see (`case.packages`); a
withdrawn declaration and one whose decision refuses the purchase are left out, with the reason.
Each package's portfolio records (`from_declaration` of the package as `chainreview review`
reads it) are loaded as kept in the store (`portfolio.kept`); the records of all of them are
then put together (docs/portfolio.md):

* a product keeps its declaration's id prefixed by its case (`CR-2026-0001/ctrl`): two
  declarations may use the same id for different products;
* a system is one system across declarations when it has the same id; the latest case's
  declaration gives its name, criticality and CII status;
* a vendor is one vendor across declarations when it has the same legal name (any case) and
  jurisdiction; it keeps the id it was first declared under (another one's id gets the case as
  prefix), and its sites are the sites all its declarations name.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass, replace

from chainreview.case.access import Caller
from chainreview.case.packages import LeftOut, declared_packages
from chainreview.errors import InputError
from chainreview.portfolio.kept import portfolios_of
from chainreview.portfolio.model import DeployedProduct, Portfolio, System, Vendor, VendorSite
from chainreview.store.db import Store

__all__ = [
    "DeclaredPortfolios",
    "StoredPortfolio",
    "declared_portfolios",
    "merge_declared",
    "source_name",
    "stored_portfolio",
    "stored_source",
]

SOURCE = "case store"
_OPERATOR = ", operator "


def source_name(operator: str | None) -> str:
    """How a monitor run names the store's declarations as its inventory (kept for the next
    run): `case store`, or `case store, operator NAME`."""
    return SOURCE if operator is None else f"{SOURCE}{_OPERATOR}{operator}"


def stored_source(named: str) -> tuple[bool, str | None]:
    """Whether an inventory name is `source_name`'s, and the operator it names."""
    if named == SOURCE:
        return True, None
    if named.startswith(SOURCE + _OPERATOR):
        return True, named.removeprefix(SOURCE + _OPERATOR)
    return False, None


@dataclass(frozen=True, slots=True, kw_only=True)
class StoredPortfolio:
    """The portfolio the store's declarations give, and what it rests on."""

    portfolio: Portfolio
    cases: tuple[str, ...]
    """The cases whose declarations it holds, oldest first."""
    left_out: tuple[LeftOut, ...]
    """Cases the caller may see whose declaration it does not hold, with the reason."""

    def basis(self) -> dict[str, object]:
        """What an answer over it rests on, as its JSON states it: the operator, the source,
        the cases held and those left out."""
        return {
            "operator": self.portfolio.operator,
            "inventory": self.portfolio.source,
            "cases": list(self.cases),
            "left_out": [{"case": left.case_id, "reason": left.reason} for left in self.left_out],
        }


def stored_portfolio(
    store: Store, *, caller: Caller, operator: str | None = None
) -> StoredPortfolio:
    """The portfolio of the declarations the caller may see; `operator` (any case) keeps only
    that operator's. Raises `InputError` when none is left, or when they are several operators'
    and none is named."""
    return declared_portfolios(store, caller=caller).portfolio(operator)


@dataclass(frozen=True, slots=True, kw_only=True)
class DeclaredPortfolios:
    """The standing declarations the caller may see, each read as its own portfolio."""

    portfolios: tuple[tuple[str, Portfolio], ...]
    """(case id, its declaration's portfolio), oldest case first."""
    left_out: tuple[LeftOut, ...]

    def operators(self) -> tuple[str, ...]:
        """The operators whose declarations they are (sorted)."""
        return tuple(sorted({p.operator for _, p in self.portfolios}))

    def portfolio(self, operator: str | None = None) -> StoredPortfolio:
        """Them as one portfolio (`stored_portfolio`)."""
        kept = list(self.portfolios)
        if operator is not None:
            kept = [(c, p) for c, p in kept if p.operator.casefold() == operator.casefold()]
        return StoredPortfolio(
            portfolio=merge_declared(kept, operator=operator),
            cases=tuple(case for case, _ in kept),
            left_out=self.left_out,
        )


def declared_portfolios(store: Store, *, caller: Caller) -> DeclaredPortfolios:
    """Each declaration the caller may see (`case.packages.declared_packages`), its records
    loaded from the store (`portfolio.kept`)."""
    declared = declared_packages(store, caller=caller)
    loaded = portfolios_of(store, declared.submissions, caller=caller)
    return DeclaredPortfolios(
        portfolios=tuple((s.case_id, p) for s, p in zip(declared.submissions, loaded, strict=True)),
        left_out=declared.left_out,
    )


def merge_declared(
    portfolios: Sequence[tuple[str, Portfolio]], *, operator: str | None = None
) -> Portfolio:
    """The portfolios of declarations (case id, portfolio), oldest case first, as one."""
    if not portfolios:
        named = f" of operator {operator!r}" if operator else ""
        raise InputError(SOURCE, f"holds no declaration{named} you may see")
    operators = sorted({p.operator for _, p in portfolios})
    if len(operators) > 1:
        raise InputError(
            SOURCE,
            f"holds the declarations of {len(operators)} operators ({', '.join(operators)}): "
            "name one with --operator",
        )
    systems: dict[str, System] = {}
    vendors: dict[tuple[str, str], Vendor] = {}
    products: list[DeployedProduct] = []
    for case, portfolio in portfolios:
        for system in portfolio.systems:
            systems[system.id] = system
        renamed = {p.id: f"{case}/{p.id}" for p in portfolio.products}
        vendor_ids: dict[str, str] = {}
        for vendor in portfolio.vendors:
            key = (vendor.name.casefold(), vendor.country)
            sites = tuple(_renamed_site(site, renamed) for site in vendor.sites)
            known = vendors.get(key)
            if known is None:
                taken = {v.id for v in vendors.values()}
                vendor_id = vendor.id if vendor.id not in taken else f"{case}/{vendor.id}"
                vendors[key] = replace(vendor, id=vendor_id, sites=sites)
            else:
                vendors[key] = replace(known, sites=_union(known.sites, sites))
            vendor_ids[vendor.id] = vendors[key].id
        products.extend(
            replace(product, id=renamed[product.id], vendor=vendor_ids[product.vendor])
            for product in portfolio.products
        )
    return Portfolio(
        operator=operators[0],
        source=f"{SOURCE}: {len(portfolios)} declaration(s)",
        systems=tuple(systems.values()),
        vendors=tuple(vendors.values()),
        products=tuple(products),
    )


def _renamed_site(site: VendorSite, renamed: dict[str, str]) -> VendorSite:
    return replace(site, products=tuple(renamed[p] for p in site.products))


def _union(first: Iterable[VendorSite], second: Iterable[VendorSite]) -> tuple[VendorSite, ...]:
    return tuple(dict.fromkeys([*first, *second]))
