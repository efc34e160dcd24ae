"""The parties of a declaration screened against the sanctions and export-control lists.

The parties are a vendor's legal and other names, the owners of its ownership chain and the
entities running its sites, each with the vendor-profile pointer it comes from. `screen_parties`
runs them through the context's screener; `unscreened` says which list families the review
should have screened against (REGIMES §4, F05.S1 and F07.S1) but the snapshot does not hold, as
"missing evidence" lines: the screener being None (no sanctions feed) leaves every family
unscreened.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from enum import StrEnum
from typing import Final

from chainreview.evidence.vendor_profile import VendorProfile
from chainreview.factors.interface import EvidenceRef, NameScreener, ScreeningHitView, missing

__all__ = [
    "LIST_FAMILIES",
    "ListFamily",
    "Party",
    "PartyHit",
    "Role",
    "hit_ref",
    "parties",
    "screen_parties",
    "unscreened",
]


class Role(StrEnum):
    """How a party relates to the vendor."""

    VENDOR = "vendor"
    OWNER = "owner"
    SITE = "site"


@dataclass(frozen=True, slots=True, kw_only=True)
class ListFamily:
    """A family of lists named by the catalogue signals, and the list ids that belong to it."""

    name: str
    prefixes: tuple[str, ...]
    """A screened list id starting with one of these belongs to the family."""


LIST_FAMILIES: Final = (
    ListFamily(name="OFAC SDN list", prefixes=("ofac-sdn", "csl:sdn")),
    ListFamily(name="US Consolidated Screening List (Entity List, MEU, …)", prefixes=("csl:",)),
    ListFamily(name="EU consolidated financial sanctions list (FSF)", prefixes=("eu-fsf",)),
    ListFamily(name="UK OFSI consolidated list", prefixes=("uk-ofsi",)),
    ListFamily(name="China Unreliable Entity List / MOFCOM control list", prefixes=("cn-uel",)),
)
"""The lists F05.S1 and F07.S1 name. Only OFAC SDN and the CSL have importers today; the other
prefixes are the ids their importers are to use."""


@dataclass(frozen=True, slots=True, kw_only=True)
class Party:
    """A name to screen, where it comes from and what it is to the vendor."""

    name: str
    role: Role
    country: str
    ref: EvidenceRef


@dataclass(frozen=True, slots=True, kw_only=True)
class PartyHit:
    """A party and one list entry its name matched."""

    party: Party
    hit: ScreeningHitView


def parties(vendor: VendorProfile) -> tuple[Party, ...]:
    """The vendor's names, its owners and its site entities, each name once per role."""
    found: dict[tuple[str, Role], Party] = {}

    def add(name: str, role: Role, country: str, pointer: str, detail: str) -> None:
        ref = EvidenceRef(kind="vendor-profile", ref=f"{vendor.file}#{pointer}", detail=detail)
        found.setdefault((name, role), Party(name=name, role=role, country=country, ref=ref))

    add(vendor.legal_name, Role.VENDOR, vendor.jurisdiction, "/legal_name", "vendor legal name")
    for n, other in enumerate(vendor.other_names):
        add(other, Role.VENDOR, vendor.jurisdiction, f"/other_names/{n}", "vendor other name")
    for n, link in enumerate(vendor.ownership):
        detail = f"owns {link.share_percent:g}% of {link.owns}"
        add(link.entity, Role.OWNER, link.country, f"/ownership/{n}/entity", detail)
    for n, site in enumerate(vendor.sites):
        add(site.entity, Role.SITE, site.country, f"/sites/{n}/entity", f"{site.kind} site")
    return tuple(found.values())


def screen_parties(screener: NameScreener, screened: Iterable[Party]) -> tuple[PartyHit, ...]:
    """Every hit of every party, in party order then best first."""
    return tuple(
        PartyHit(party=party, hit=hit)
        for party in screened
        for hit in screener.screen(party.name, country=party.country, entity_type="entity")
    )


def unscreened(screener: NameScreener | None) -> tuple[str, ...]:
    """ "missing evidence" lines for the list families the screener does not cover."""
    lists: Sequence[str] = () if screener is None else screener.lists
    why = "no sanctions feed in the intel snapshot" if screener is None else "not in the snapshot"
    return tuple(
        missing(f"screening against the {family.name} ({why})")
        for family in LIST_FAMILIES
        if not any(name.startswith(family.prefixes) for name in lists)
    )


def hit_ref(found: PartyHit) -> EvidenceRef:
    """The evidence of a hit: the list entry, and which name matched which."""
    hit = found.hit
    programs = f"; programs {', '.join(hit.programs)}" if hit.programs else ""
    return EvidenceRef(
        kind="sanctions",
        ref=f"{hit.list}:{hit.uid}",
        detail=f"{found.party.role} {hit.query!r} matched {hit.matched_name!r} of "
        f"{hit.entry_name!r} (score {hit.score:.2f}){programs}",
    )
