"""Jurisdiction and designation factors: F07 trade disruption, F08 FOCI, F11 foreign-government
influence, F20 restricted-equipment lists.

The screening-based rules read the hits of the vendor's names, owners and site entities
(`ReviewContext.screening`); a list family the snapshot does not hold is a limitation of the
review. "Foreign" means outside the regime profile's jurisdiction.

F11 also weighs the operator's own listing (Art. 7, `RegimeProfile.listing`): a listing abroad
by an operator holding the personal information of more users than the profile's threshold must
be declared, and the review weighs the Art. 10 item 6 risk that after listing the CII, its
important data or that personal information is affected, controlled or maliciously used by a
foreign government: high, critical when such data is already held abroad; a listing abroad below
the threshold is medium (the office may still review it, Art. 16).
"""

from __future__ import annotations

from collections.abc import Iterator
from typing import Final

from chainreview.evidence.product import DataClass
from chainreview.evidence.vendor_profile import VendorProfile
from chainreview.factors import mitigations as m
from chainreview.factors.interface import (
    Evaluator,
    EvidenceRef,
    FactorAssessment,
    Gap,
    Limitation,
    Raise,
    ReviewContext,
    Rule,
    declared,
    limitation,
    missing,
)
from chainreview.factors.parties import PartyHit, Role, hit_ref, unscreened
from chainreview.factors.questions import answer_for, on_concern
from chainreview.levels import Level

__all__ = [
    "CONTROLLING_SHARE",
    "RESTRICTED_LISTS",
    "RESTRICTED_PROGRAMS",
    "JurisdictionEvaluator",
    "effective_shares",
]

F07_VENDOR = Rule(id="F07.R1", text="vendor on a sanctions or export-control list")
F07_LINKED = Rule(id="F07.R2", text="owner or site entity on a sanctions or export-control list")
F07_FOREIGN = Rule(id="F07.R3", text="vendor or controlling owner under a foreign jurisdiction")
F07_ANSWER = Rule(id="F07.R4", text="questionnaire: sanctions and export-control exposure")

F08_STATE = Rule(id="F08.R1", text="foreign state link in the ownership chain")
F08_FOREIGN = Rule(id="F08.R2", text="vendor incorporated or owned abroad")
F08_ANSWER = Rule(id="F08.R3", text="questionnaire: state stake or officials on the board")

F11_LISTING = Rule(id="F11.R1", text="listed on a foreign exchange (Art. 10 item 6)")
F11_DESIGNATED = Rule(id="F11.R2", text="party designated on a government list")
F11_STATE = Rule(id="F11.R3", text="foreign state link in the ownership chain")
F11_ANSWER = Rule(id="F11.R4", text="questionnaire: listing abroad or government access")
F11_OPERATOR_LISTING = Rule(
    id="F11.R5",
    text="the operator's listing abroad (Art. 7; Art. 10 item 6): high above the user threshold, "
    "critical with its personal information or important data held abroad",
)

F20_LISTED = Rule(id="F20.R1", text="party on a restricted-equipment or entity list")
F20_ANSWER = Rule(id="F20.R2", text="questionnaire: restricted-list designation or failed review")

CONTROLLING_SHARE: Final = 25.0
"""Effective share (percent) from which an owner is taken to control the vendor (the usual
beneficial-ownership threshold), unless the profile declares control outright."""

RESTRICTED_LISTS: Final = ("csl:el", "csl:meu", "csl:uvl", "csl:cmic", "cn-uel")
"""List ids that are restricted-equipment or entity-list designations (F20)."""
RESTRICTED_PROGRAMS: Final = ("CMIC", "NS-CMIC")
"""Program prefixes of OFAC entries naming Chinese military-industrial companies (F20, F11)."""
_MISSING_RESTRICTED: Final = (
    limitation("FCC Covered List match (no feed: the list is not in the intel data)"),
    limitation("US §791.4 / ICTS prohibitions (no feed)"),
)
_HELD: Final = frozenset(
    {DataClass.CORE, DataClass.IMPORTANT, DataClass.PERSONAL, DataClass.SENSITIVE_PERSONAL}
)
"""Data a foreign government could reach after a listing (Art. 10 item 6)."""


def effective_shares(vendor: VendorProfile) -> dict[str, float]:
    """Each owner's effective share (percent) of the vendor, multiplied down the chain."""
    shares: dict[str, float] = {vendor.legal_name: 100.0}
    pending = list(vendor.ownership)
    while pending:
        ready = [link for link in pending if link.owns in shares]
        if not ready:  # a link owning nothing in the chain: the declaration check refuses it
            break
        for link in ready:
            held = shares[link.owns] * link.share_percent / 100
            shares[link.entity] = max(shares.get(link.entity, 0.0), held)
            pending.remove(link)
    del shares[vendor.legal_name]
    return shares


class JurisdictionEvaluator(Evaluator):
    """F07, F08, F11 and F20."""

    name = "jurisdiction"
    version = "1.0"
    factor_ids = ("F07", "F08", "F11", "F20")

    def assess(self, ctx: ReviewContext) -> Iterator[FactorAssessment]:
        """F07, F08, F11, F20."""
        hits = list(ctx.screening.hits)
        gaps: list[Gap | Limitation] = list(unscreened(ctx.screening.lists))
        yield self.conclude(ctx, "F07", _trade(ctx, hits), gaps)
        yield self.conclude(ctx, "F08", *_foci(ctx))
        yield self.conclude(ctx, "F11", *_influence(ctx, hits, gaps))
        restricted = [
            F20_LISTED.fire(
                Level.CRITICAL,
                f"{h.party.role} {h.party.name!r} designated on {h.hit.list}",
                [h.party.ref, hit_ref(h)],
                m.UNLISTED_SUPPLIER,
            )
            for h in hits
            if _restricted(h)
        ]
        answers = (
            on_concern(ctx, F20_ANSWER, "F20.Q1", Level.CRITICAL),
            on_concern(ctx, F20_ANSWER, "F20.Q2", Level.CRITICAL),
        )
        restricted += [r for r in answers if r is not None]
        yield self.conclude(ctx, "F20", restricted, [*gaps, *_MISSING_RESTRICTED])


def _restricted(found: PartyHit) -> bool:
    hit = found.hit
    return hit.list in RESTRICTED_LISTS or any(
        p.startswith(RESTRICTED_PROGRAMS) for p in hit.programs
    )


def _trade(ctx: ReviewContext, hits: list[PartyHit]) -> list[Raise]:
    raised = []
    for found in hits:
        vendor_hit = found.party.role is Role.VENDOR
        rule, level = (F07_VENDOR, Level.CRITICAL) if vendor_hit else (F07_LINKED, Level.HIGH)
        party, hit = found.party, found.hit
        reason = f"{party.role} {party.name!r} matches {hit.entry_name!r} on {hit.list}"
        raised.append(
            rule.fire(level, reason, [found.party.ref, hit_ref(found)], m.UNLISTED_SUPPLIER)
        )
    home = ctx.profile.jurisdiction
    for vendor in ctx.declaration.vendors:
        shares = effective_shares(vendor)
        foreign = [
            (n, link)
            for n, link in enumerate(vendor.ownership)
            if link.country != home and (link.control or shares[link.entity] >= CONTROLLING_SHARE)
        ]
        refs = [_profile_ref(vendor, "/jurisdiction", f"incorporated in {vendor.jurisdiction}")]
        refs += [_profile_ref(vendor, f"/ownership/{n}", link.entity) for n, link in foreign]
        if vendor.jurisdiction != home or foreign:
            countries = sorted(
                {vendor.jurisdiction, *(link.country for _, link in foreign)} - {home}
            )
            reason = (
                f"{vendor.id}: under {', '.join(countries)} law, "
                "exposed to its export controls and sanctions"
            )
            raised.append(F07_FOREIGN.fire(Level.MEDIUM, reason, refs, m.IN_COUNTRY_ENTITY))
        else:
            raised.append(
                F07_FOREIGN.fire(
                    Level.NONE, f"{vendor.id}: incorporated and controlled in {home}", refs
                )
            )
    answers = (
        on_concern(ctx, F07_ANSWER, "F07.Q1", Level.HIGH),
        on_concern(ctx, F07_ANSWER, "F07.Q2", Level.HIGH, m.SPARES_AND_STOCK),
    )
    raised += [r for r in answers if r is not None]
    return raised


def _foci(ctx: ReviewContext) -> tuple[list[Raise], list[Gap | Limitation]]:
    raised: list[Raise] = []
    gaps: list[Gap | Limitation] = []
    home = ctx.profile.jurisdiction
    for vendor in ctx.declaration.vendors:
        if not vendor.ownership:
            gaps.append(missing(f"the ownership chain of {vendor.id}"))
        raised += _state_links(vendor, home, F08_STATE)
        foreign_owned = [
            (n, link) for n, link in enumerate(vendor.ownership) if link.country != home
        ]
        refs = [_profile_ref(vendor, "/jurisdiction", vendor.jurisdiction)]
        refs += [_profile_ref(vendor, f"/ownership/{n}", link.entity) for n, link in foreign_owned]
        foreign = vendor.jurisdiction != home or foreign_owned
        reason = f"{vendor.id}: " + (
            "incorporated or owned abroad" if foreign else f"incorporated and owned in {home}"
        )
        raised.append(
            F08_FOREIGN.fire(
                Level.LOW if foreign else Level.NONE, reason, refs, m.IN_COUNTRY_ENTITY
            )
        )
    answers = (
        on_concern(ctx, F08_ANSWER, "F08.Q1", Level.HIGH),
        on_concern(ctx, F08_ANSWER, "F08.Q3", Level.HIGH),
    )
    raised += [r for r in answers if r is not None]
    return raised, gaps


def _state_links(vendor: VendorProfile, home: str, rule: Rule) -> list[Raise]:
    """Foreign state links: `high` when they control the vendor, else `medium`."""
    shares = effective_shares(vendor)
    raised = []
    for n, link in enumerate(vendor.ownership):
        state = link.state or link.country
        if not link.state_link or state == home:
            continue
        share = shares[link.entity]
        controls = bool(link.control) or share >= CONTROLLING_SHARE
        reason = (
            f"{vendor.id}: {link.entity} ({link.state_link_kind or 'state-linked'}, {state}) holds "
            f"{share:.4g}% effectively" + (" and controls it" if controls else "")
        )
        ref = _profile_ref(vendor, f"/ownership/{n}", f"state link {state}")
        level = Level.HIGH if controls else Level.MEDIUM
        raised.append(rule.fire(level, reason, [ref], m.REDUCE_STATE_STAKE))
    return raised


def _influence(
    ctx: ReviewContext, hits: list[PartyHit], gaps: list[Gap | Limitation]
) -> tuple[list[Raise], list[Gap | Limitation]]:
    raised: list[Raise] = _operator_listing(ctx)
    gaps = list(gaps)
    home = ctx.profile.jurisdiction
    for vendor in ctx.declaration.vendors:
        if not vendor.listings and answer_for(ctx.declaration, "F11.Q1") is None:
            gaps.append(missing(f"the listing venues of {vendor.id} and its parents (F11.Q1)"))
        for n, listing in enumerate(vendor.listings):
            foreign = listing.country != home
            reason = f"{vendor.id}: listed on {listing.venue} ({listing.country})"
            ref = _profile_ref(vendor, f"/listings/{n}", listing.venue)
            raised.append(
                F11_LISTING.fire(
                    Level.MEDIUM if foreign else Level.NONE, reason, [ref], m.NO_FOREIGN_LISTING
                )
            )
        raised += _state_links(vendor, home, F11_STATE)
    for found in hits:
        if _restricted(found):
            reason = f"{found.party.role} {found.party.name!r} designated on {found.hit.list}"
            raised.append(
                F11_DESIGNATED.fire(Level.HIGH, reason, [found.party.ref, hit_ref(found)])
            )
    answers = (
        on_concern(ctx, F11_ANSWER, "F11.Q1", Level.MEDIUM),
        on_concern(ctx, F11_ANSWER, "F11.Q2", Level.HIGH),
    )
    raised += [r for r in answers if r is not None]
    return raised, gaps


def _operator_listing(ctx: ReviewContext) -> list[Raise]:
    """Art. 7 and Art. 10 item 6: the operator's own listing."""
    listing, rule = ctx.declaration.operator.listing, ctx.profile.listing
    if listing is None or rule is None:
        return []
    ref = declared("/operator/listing", f"{listing.venue} ({listing.country})")
    where = f"{listing.venue} ({listing.country})"
    if listing.country == ctx.profile.jurisdiction or listing.country in rule.not_abroad:
        reason = f"the operator's listing on {where} is not a listing abroad under {rule.article}"
        return [F11_OPERATOR_LISTING.fire(Level.NONE, reason, [ref])]
    users = listing.personal_information_users
    if users <= rule.users:
        reason = (
            f"the operator lists abroad on {where} holding the personal information of "
            f"{users:,} users, not above the {rule.article} threshold of {rule.users:,}"
        )
        return [F11_OPERATOR_LISTING.fire(Level.MEDIUM, reason, [ref], m.LISTING_DATA)]
    abroad = [
        (p, d, data)
        for p, product in enumerate(ctx.declaration.products)
        for d, data in enumerate(product.capabilities.data)
        if data.category in _HELD and _held_abroad(ctx, data.stored_in, data.processed_in)
    ]
    reason = (
        f"the operator lists abroad on {where} holding the personal information of {users:,} "
        f"users (above {rule.users:,}: a declaration is mandatory, {rule.article}); after the "
        "listing a foreign government may reach that data (Art. 10 item 6)"
    )
    refs = [ref] + [
        declared(f"/products/{p}/capabilities/data/{d}", f"{data.category} held abroad")
        for p, d, data in abroad
    ]
    if abroad:
        reason += "; some of it is already held abroad"
    level = Level.CRITICAL if abroad else Level.HIGH
    return [F11_OPERATOR_LISTING.fire(level, reason, refs, m.LISTING_DATA)]


def _held_abroad(
    ctx: ReviewContext, stored: tuple[str, ...] | None, processed: tuple[str, ...] | None
) -> bool:
    home = ctx.profile.jurisdiction
    return any(country != home for country in (*(stored or ()), *(processed or ())))


def _profile_ref(vendor: VendorProfile, pointer: str, detail: str) -> EvidenceRef:
    return EvidenceRef(kind="vendor-profile", ref=f"{vendor.file}#{pointer}", detail=detail)
