"""The vendor profile of a declaration package: identity, ownership, sites, certifications, Art. 6.

A vendor profile file is validated against `$defs/vendor_profile` of the declaration schema by
`chainreview.evidence.declaration`; `vendor_profile_from` then builds the frozen values from the
validated mapping, with file paths already resolved to package-relative form by the caller.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass
from enum import StrEnum
from typing import Any, Final


class StateLinkKind(StrEnum):
    """How an owner is linked to a state."""

    STATE_OWNED_ENTERPRISE = "state-owned-enterprise"
    SOVEREIGN_FUND = "sovereign-fund"
    GOVERNMENT_BODY = "government-body"
    MILITARY = "military"
    PARTY_OR_OFFICIAL = "party-or-official"
    GOLDEN_SHARE = "golden-share"
    STATE_FINANCING = "state-financing"
    OTHER = "other"


class SiteKind(StrEnum):
    """What a vendor site does."""

    MANUFACTURING = "manufacturing"
    R_AND_D = "r-and-d"
    PACKAGING_TEST = "packaging-test"
    SERVICE = "service"
    DATA_CENTRE = "data-centre"


class CertificationKind(StrEnum):
    """A certificate, or a test report standing in for one."""

    CERTIFICATE = "certificate"
    TEST_REPORT = "test-report"


class Art6Commitment(StrEnum):
    """The supplier commitments of Art. 6 of the Cybersecurity Review Measures (REGIMES §1.3)."""

    NO_ILLEGAL_DATA_ACQUISITION = "no-illegal-data-acquisition"
    NO_ILLEGAL_DEVICE_CONTROL = "no-illegal-device-control"
    NO_UNJUSTIFIED_SUPPLY_INTERRUPTION = "no-unjustified-supply-interruption"
    NO_UNJUSTIFIED_SUPPORT_INTERRUPTION = "no-unjustified-support-interruption"
    COOPERATE_WITH_REVIEW = "cooperate-with-review"

    @property
    def phrase(self) -> str:
        """The commitment in words, as sentences write it (the value is its key)."""
        return _COMMITMENT_PHRASES[self]


_COMMITMENT_PHRASES: Final = {
    Art6Commitment.NO_ILLEGAL_DATA_ACQUISITION: "no illegal acquisition of user data",
    Art6Commitment.NO_ILLEGAL_DEVICE_CONTROL: "no illegal control or manipulation of user devices",
    Art6Commitment.NO_UNJUSTIFIED_SUPPLY_INTERRUPTION: (
        "no interruption of product supply without good reason"
    ),
    Art6Commitment.NO_UNJUSTIFIED_SUPPORT_INTERRUPTION: (
        "no interruption of necessary technical support without good reason"
    ),
    Art6Commitment.COOPERATE_WITH_REVIEW: "cooperation with the cybersecurity review",
}
"""Art. 6's own words for each commitment (REGIMES §1.3)."""


@dataclass(frozen=True, slots=True, kw_only=True)
class Listing:
    """A stock listing of the vendor or a parent (Art. 10 item 6)."""

    venue: str
    country: str
    """ISO 3166-1 alpha-2 code of the exchange's country."""
    ticker: str | None = None


@dataclass(frozen=True, slots=True, kw_only=True)
class OwnershipLink:
    """One owner of the vendor, or of another owner in the chain."""

    entity: str
    country: str
    """ISO 3166-1 alpha-2 code of the owner's country."""
    owns: str
    """The entity held: the vendor's legal name or another link's `entity`."""
    share_percent: float
    state_link: bool
    state_link_kind: StateLinkKind | None = None
    """Set exactly when `state_link` is true."""
    state: str | None = None
    """The state the owner is linked to (ISO 3166-1 alpha-2), when `state_link` is true."""
    control: bool | None = None
    """Control whatever the share (board rights, golden share); None when not declared."""


@dataclass(frozen=True, slots=True, kw_only=True)
class Site:
    """A site of manufacture, R&D, packaging and test, service, or a data centre."""

    kind: SiteKind
    country: str
    """ISO 3166-1 alpha-2 code."""
    in_country: bool
    """Run by an entity established in the reviewing country (Art. 10 items 3 and 4)."""
    entity: str
    location: str | None = None
    products: tuple[str, ...] = ()
    """Ids of the declared products made or served here; empty means all of the vendor's."""


@dataclass(frozen=True, slots=True, kw_only=True)
class Certification:
    """A certificate or test report the vendor holds."""

    scheme: str
    body: str
    kind: CertificationKind
    covers: tuple[str, ...]
    """Ids of the declared products it covers."""
    body_listed: bool | None = None
    """Whether the body is a listed institution; None when not declared."""
    certificate_id: str | None = None
    valid_until: str | None = None
    """ISO 8601 date."""
    document: str | None = None
    """Package-relative path of a copy of the certificate."""


@dataclass(frozen=True, slots=True, kw_only=True)
class Commitment:
    """One Art. 6 commitment and whether the vendor signed it."""

    commitment: Art6Commitment
    signed: bool
    date: str | None = None
    """ISO 8601 date of signature (always set when `signed`)."""
    signatory: str | None = None
    document: str | None = None
    """Package-relative path of the signed letter or clause."""


@dataclass(frozen=True, slots=True, kw_only=True)
class VulnerabilityHandling:
    """The vendor's published vulnerability-handling channels."""

    security_contact: str | None = None
    cvd_policy_url: str | None = None
    csaf_provider_metadata_url: str | None = None


@dataclass(frozen=True, slots=True, kw_only=True)
class VendorProfile:
    """Everything the package declares about one vendor."""

    id: str
    legal_name: str
    jurisdiction: str
    """Country of incorporation (ISO 3166-1 alpha-2)."""
    file: str
    """Package-relative path of the profile file: the citation for every fact here."""
    ownership: tuple[OwnershipLink, ...]
    sites: tuple[Site, ...]
    certifications: tuple[Certification, ...]
    commitments: tuple[Commitment, ...]
    other_names: tuple[str, ...] = ()
    headquarters: str | None = None
    listings: tuple[Listing, ...] = ()
    vulnerability_handling: VulnerabilityHandling | None = None


def vendor_profile_from(
    value: Mapping[str, Any], file: str, document: Callable[[str, str], str]
) -> VendorProfile:
    """Build a profile from a schema-valid mapping read from `file`.

    `document(path, pointer)` checks a referenced file and returns its package-relative path.
    """
    handling = value.get("vulnerability_handling")
    return VendorProfile(
        id=value["id"],
        legal_name=value["legal_name"],
        jurisdiction=value["jurisdiction"],
        file=file,
        other_names=tuple(value.get("other_names", ())),
        headquarters=value.get("headquarters"),
        listings=tuple(
            Listing(venue=item["venue"], country=item["country"], ticker=item.get("ticker"))
            for item in value.get("listings", ())
        ),
        ownership=tuple(_ownership_link(item) for item in value["ownership"]),
        sites=tuple(_site(item) for item in value["sites"]),
        certifications=tuple(
            _certification(item, f"/certifications/{index}", document)
            for index, item in enumerate(value["certifications"])
        ),
        commitments=tuple(
            _commitment(item, f"/commitments/{index}", document)
            for index, item in enumerate(value["commitments"])
        ),
        vulnerability_handling=None if handling is None else VulnerabilityHandling(**handling),
    )


def _ownership_link(item: Mapping[str, Any]) -> OwnershipLink:
    kind = item.get("state_link_kind")
    return OwnershipLink(
        entity=item["entity"],
        country=item["country"],
        owns=item["owns"],
        share_percent=float(item["share_percent"]),
        state_link=item["state_link"],
        state_link_kind=None if kind is None else StateLinkKind(kind),
        state=item.get("state"),
        control=item.get("control"),
    )


def _site(item: Mapping[str, Any]) -> Site:
    return Site(
        kind=SiteKind(item["kind"]),
        country=item["country"],
        in_country=item["in_country"],
        entity=item["entity"],
        location=item.get("location"),
        products=tuple(item.get("products", ())),
    )


def _certification(
    item: Mapping[str, Any], pointer: str, document: Callable[[str, str], str]
) -> Certification:
    path = item.get("document")
    return Certification(
        scheme=item["scheme"],
        body=item["body"],
        kind=CertificationKind(item["kind"]),
        covers=tuple(item["covers"]),
        body_listed=item.get("body_listed"),
        certificate_id=item.get("certificate_id"),
        valid_until=item.get("valid_until"),
        document=None if path is None else document(path, f"{pointer}/document"),
    )


def _commitment(
    item: Mapping[str, Any], pointer: str, document: Callable[[str, str], str]
) -> Commitment:
    path = item.get("document")
    return Commitment(
        commitment=Art6Commitment(item["commitment"]),
        signed=item["signed"],
        date=item.get("date"),
        signatory=item.get("signatory"),
        document=None if path is None else document(path, f"{pointer}/document"),
    )
