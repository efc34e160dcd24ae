"""The parties of a declaration screened against the sanctions and export-control lists.

The parties are a vendor's legal and other names, the owners of its ownership chain and the
entities running its sites, each with the vendor-profile pointer it comes from. `screen` runs
every party of every vendor through the screener once and keeps the record a reviewer shows:
which lists were screened, every name screened, and its hits (none is an outcome too: "no hit"
is recorded, not left out). `unscreened` says which list families the review should have
screened against (REGIMES §4, F05.S1 and F07.S1) but the snapshot does not hold, as limitations
of the review: the screener being None (no sanctions feed) leaves every family unscreened.
"""

from __future__ import annotations

import functools
from collections.abc import Iterable
from dataclasses import dataclass
from enum import StrEnum
from typing import Final

from chainreview.evidence.vendor_profile import VendorProfile
from chainreview.factors.interface import (
    EvidenceRef,
    Limitation,
    NameScreener,
    ScreeningHitView,
    limitation,
)

__all__ = [
    "LIST_FAMILIES",
    "ListFamily",
    "PartyHit",
    "PartyScreening",
    "Role",
    "ScreenedParty",
    "Screening",
    "hit_ref",
    "parties",
    "screen",
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
class ScreenedParty:
    """A name to screen, where it comes from and what it is to the vendor."""

    name: str
    role: Role
    country: str
    ref: EvidenceRef


@dataclass(frozen=True, slots=True, kw_only=True)
class PartyHit:
    """A party and one list entry its name matched."""

    party: ScreenedParty
    hit: ScreeningHitView


@dataclass(frozen=True, slots=True, kw_only=True)
class PartyScreening:
    """One name screened and what it matched (no hit is a result too)."""

    party: ScreenedParty
    hits: tuple[PartyHit, ...]


@dataclass(frozen=True, slots=True, kw_only=True)
class Screening:
    """What a review screened: the lists, and every party of every vendor with its hits."""

    lists: tuple[str, ...]
    """Ids of the lists screened (`ofac-sdn`, `csl:el`, …); empty without a sanctions feed."""
    parties: tuple[PartyScreening, ...]

    @property
    def hits(self) -> tuple[PartyHit, ...]:
        """Every hit, in party order."""
        return tuple(hit for screened in self.parties for hit in screened.hits)


def screen(screener: NameScreener | None, vendors: Iterable[VendorProfile]) -> Screening:
    """Screen every party of `vendors` once (none screened without a screener)."""
    if screener is None:
        return Screening(lists=(), parties=())
    screened = [
        PartyScreening(party=party, hits=screen_parties(screener, (party,)))
        for vendor in vendors
        for party in parties(vendor)
    ]
    return Screening(lists=tuple(screener.lists), parties=tuple(screened))


def parties(vendor: VendorProfile) -> tuple[ScreenedParty, ...]:
    """The vendor's names, its owners and its site entities, each name once per role."""
    found: dict[tuple[str, Role], ScreenedParty] = {}

    def add(name: str, role: Role, country: str, pointer: str, detail: str) -> None:
        ref = EvidenceRef(kind="vendor-profile", ref=f"{vendor.file}#{pointer}", detail=detail)
        found.setdefault(
            (name, role), ScreenedParty(name=name, role=role, country=country, ref=ref)
        )

    add(vendor.legal_name, Role.VENDOR, vendor.jurisdiction, "/legal_name", "vendor legal name")
    for n, other in enumerate(vendor.other_names):
        add(other, Role.VENDOR, vendor.jurisdiction, f"/other_names/{n}", "vendor other name")
    for n, link in enumerate(vendor.ownership):
        detail = f"owns {link.share_percent:g}% of {link.owns}"
        add(link.entity, Role.OWNER, link.country, f"/ownership/{n}/entity", detail)
    for n, site in enumerate(vendor.sites):
        add(site.entity, Role.SITE, site.country, f"/sites/{n}/entity", f"{site.kind} site")
    return tuple(found.values())


def screen_parties(
    screener: NameScreener, screened: Iterable[ScreenedParty]
) -> tuple[PartyHit, ...]:
    """Every hit of every party, in party order then best first."""
    return tuple(
        PartyHit(party=party, hit=hit)
        for party in screened
        for hit in screener.screen(party.name, country=party.country, entity_type="entity")
    )


@functools.lru_cache(maxsize=16)
def unscreened(lists: tuple[str, ...]) -> tuple[Limitation, ...]:
    """The limitations for the list families none of `lists` (the ids screened) belongs to
    (kept per `lists`: a snapshot's lists are the same in every review)."""
    why = "not in the intel snapshot" if lists else "no sanctions feed in the intel snapshot"
    return tuple(
        limitation(f"screening against the {family.name} ({why})")
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
