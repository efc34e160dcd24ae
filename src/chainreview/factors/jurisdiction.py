"""Jurisdiction and designation factors: F07 trade disruption, F08 FOCI, F11 foreign-government
influence, F20 restricted-equipment lists.

The screening-based rules read the hits of the vendor's names, owners and site entities
(`chainreview.factors.parties`); a list family the snapshot does not hold is missing evidence.
"Foreign" means outside the regime profile's jurisdiction.
"""

from __future__ import annotations

from collections.abc import Iterator
from typing import Final

from chainreview.evidence.overrides import Level
from chainreview.evidence.vendor_profile import VendorProfile
from chainreview.factors.interface import (
    Evaluator,
    EvidenceRef,
    FactorAssessment,
    Raise,
    ReviewContext,
    Rule,
    missing,
)
from chainreview.factors.parties import (
    PartyHit,
    Role,
    hit_ref,
    parties,
    screen_parties,
    unscreened,
)
from chainreview.factors.questions import answer_for, on_concern

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
    missing("FCC Covered List match (no feed: list not in the intel data)"),
    missing("US §791.4 / ICTS prohibitions (no feed)"),
)


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
        vendors = ctx.declaration.vendors
        hits: list[PartyHit] = []
        if ctx.screener is not None:
            for vendor in vendors:
                hits += screen_parties(ctx.screener, parties(vendor))
        gaps = list(unscreened(ctx.screener))
        yield self.conclude(ctx, "F07", _trade(ctx, hits), gaps)
        yield self.conclude(ctx, "F08", *_foci(ctx))
        yield self.conclude(ctx, "F11", *_influence(ctx, hits, gaps))
        restricted = [
            F20_LISTED.fire(
                Level.CRITICAL,
                f"{h.party.role} {h.party.name!r} designated on {h.hit.list}",
                [h.party.ref, hit_ref(h)],
                "a supplier not designated",
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
            rule.fire(level, reason, [found.party.ref, hit_ref(found)], "an unlisted supplier")
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
            raised.append(
                F07_FOREIGN.fire(
                    Level.MEDIUM, reason, refs, "an in-country supply and support entity"
                )
            )
        else:
            raised.append(
                F07_FOREIGN.fire(
                    Level.NONE, f"{vendor.id}: incorporated and controlled in {home}", refs
                )
            )
    answers = (
        on_concern(ctx, F07_ANSWER, "F07.Q1", Level.HIGH),
        on_concern(ctx, F07_ANSWER, "F07.Q2", Level.HIGH),
    )
    raised += [r for r in answers if r is not None]
    return raised


def _foci(ctx: ReviewContext) -> tuple[list[Raise], list[str]]:
    raised: list[Raise] = []
    gaps: list[str] = []
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
                Level.LOW if foreign else Level.NONE, reason, refs, "an in-country entity"
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
        raised.append(
            rule.fire(level, reason, [ref], "reduce or ring-fence the state-linked stake")
        )
    return raised


def _influence(
    ctx: ReviewContext, hits: list[PartyHit], gaps: list[str]
) -> tuple[list[Raise], list[str]]:
    raised: list[Raise] = []
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
                    Level.MEDIUM if foreign else Level.NONE, reason, [ref], "no foreign listing"
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


def _profile_ref(vendor: VendorProfile, pointer: str, detail: str) -> EvidenceRef:
    return EvidenceRef(kind="vendor-profile", ref=f"{vendor.file}#{pointer}", detail=detail)
