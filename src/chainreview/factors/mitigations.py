"""The measures the evaluators name as what would lower a factor: one place, so that the same
measure reached from several factors is one condition, worded once, with who acts, by when and
how it is checked.

A measure that changes the supplier itself (where it manufactures, who owns it) is what would
lower the level but no condition a review can put on one purchase (`condition=False`).
"""

from __future__ import annotations

from dataclasses import replace
from typing import Final

from chainreview.evidence.vendor_profile import Art6Commitment
from chainreview.factors.interface import Due, Mitigation, Party

__all__ = [
    "ACCEPTANCE",
    "CHAIN_OF_CUSTODY",
    "CLOSE_REMOTE_DEBUG",
    "COMPONENT_HASHES",
    "CONTRACTUAL_MITIGATION",
    "CVD_POLICY",
    "ENCRYPT_AT_REST",
    "ENCRYPT_IN_TRANSIT",
    "EXIT_PLAN",
    "EXPORT_ASSESSMENT",
    "FIRST_PARTY_ATTESTATION",
    "FIRST_PARTY_IDENTIFIERS",
    "FIX_TIME",
    "FREE_UPDATES",
    "IN_COUNTRY_ENTITY",
    "IN_COUNTRY_PRODUCTION",
    "IN_COUNTRY_SERVICE",
    "ISOLATE",
    "LISTED_CERTIFICATION",
    "LISTING_DATA",
    "LOCALISE",
    "MACHINE_READABLE_ADVISORIES",
    "MONITORING",
    "NEW_SUPPLIER",
    "NO_FOREIGN_LISTING",
    "NO_INTERNET_EXPOSURE",
    "OPEN_INTERFACES",
    "OPERATOR_APPROVED_UPDATES",
    "OPERATOR_OPENED_MAINTENANCE",
    "OUTBOUND_BLOCKED",
    "QUALIFY_SECOND_SOURCE",
    "REDUCE_STATE_STAKE",
    "REMEDY",
    "REMEDY_BREACH",
    "REMOVE_UNDECLARED",
    "RESTRICT_SERVICE",
    "SBOM",
    "SBOM_EACH_RELEASE",
    "SBOM_FIELDS",
    "SBOM_VALID",
    "SECURE_BOOT",
    "SECURITY_CONTACT",
    "SEGMENT",
    "SIGNED_FIRMWARE",
    "SIGNED_SBOM",
    "SIGNED_UPDATES",
    "SOURCE_REVIEW",
    "SPARES_AND_STOCK",
    "SPREAD_FUNCTION",
    "SUPPLIER_FIELDS",
    "SUPPORT_EXTENSION",
    "SUPPORT_NOTICE",
    "SUPPORT_PERIOD",
    "TELEMETRY_IN_COUNTRY",
    "TELEMETRY_OFF_BY_DEFAULT",
    "TRUST_BOUNDARY",
    "UNLISTED_SUPPLIER",
    "VERIFY_INTEGRITY",
    "commitment",
    "sbom_of",
    "supported_cycle",
    "upgrade",
]

ACCEPTANCE: Final = "the operator's acceptance test of the delivered product"
"""The usual way a delivered measure is checked."""
_CONTRACT: Final = "a clause of the signed contract"

# --- remote control (F01) and integrity (F14) -----------------------------------------------------

OPERATOR_APPROVED_UPDATES: Final = Mitigation(
    text="Updates reach the product only through an operator-run mirror, each approved by the "
    "operator",
    party=Party.OPERATOR,
    due=Due.BEFORE_GO_LIVE,
    verification=f"{ACCEPTANCE}: no update arrives from the vendor directly",
)
SIGNED_UPDATES: Final = Mitigation(
    text="Signed update packages, verified before installation",
    party=Party.VENDOR,
    due=Due.BEFORE_GO_LIVE,
    verification=f"{ACCEPTANCE}: an unsigned package is refused",
)
OPERATOR_OPENED_MAINTENANCE: Final = Mitigation(
    text="Vendor remote maintenance off by default, opened by the operator for each session",
    party=Party.OPERATOR,
    due=Due.BEFORE_GO_LIVE,
    verification="the delivered configuration and the operator's log of each session",
)
CLOSE_REMOTE_DEBUG: Final = Mitigation(
    text="Remote-debug interfaces closed in the delivered configuration",
    party=Party.VENDOR,
    due=Due.BEFORE_GO_LIVE,
    verification=f"{ACCEPTANCE}: a port scan finds them closed",
)
OUTBOUND_BLOCKED: Final = Mitigation(
    text="Outbound connections to the vendor's endpoints abroad blocked at the operator's boundary",
    party=Party.OPERATOR,
    due=Due.BEFORE_GO_LIVE,
    verification="the firewall rule and a traffic capture during acceptance",
)
RESTRICT_SERVICE: Final = Mitigation(
    text="Services that cross the trust boundary authenticated and restricted to named peers",
    party=Party.VENDOR,
    due=Due.BEFORE_GO_LIVE,
    verification=ACCEPTANCE,
)
REMOVE_UNDECLARED: Final = Mitigation(
    text="Undeclared functions and interfaces removed or declared (GB 40050-2021 5.3(c))",
    party=Party.VENDOR,
    due=Due.BEFORE_CONTRACT,
    verification="a repeated independent lab test",
)
SIGNED_FIRMWARE: Final = Mitigation(
    text="Signed firmware and software images",
    party=Party.VENDOR,
    due=Due.BEFORE_GO_LIVE,
    verification=f"{ACCEPTANCE}: the signatures of the delivered images verify",
)
SECURE_BOOT: Final = Mitigation(
    text="An integrity check at boot (secure boot)",
    party=Party.VENDOR,
    due=Due.BEFORE_GO_LIVE,
    verification=ACCEPTANCE,
)
VERIFY_INTEGRITY: Final = Mitigation(
    text="A way for the operator to verify the integrity of what is delivered (published digests "
    "or a verification tool, GB 40050-2021 6.2(e))",
    party=Party.VENDOR,
    due=Due.BEFORE_GO_LIVE,
    verification="the operator verifies the delivered images with it",
)
SIGNED_SBOM: Final = Mitigation(
    text="A signed SBOM the operator can verify",
    party=Party.VENDOR,
    due=Due.BEFORE_CONTRACT,
    verification="the signature verifies against the vendor's published key",
)
COMPONENT_HASHES: Final = Mitigation(
    text="A hash for every SBOM component",
    party=Party.VENDOR,
    due=Due.BEFORE_CONTRACT,
    verification="a new SBOM, read again by the review",
)

# --- vulnerabilities (F02, F04, F17, F18) ---------------------------------------------------------

REMEDY: Final = Mitigation(
    text="A fixed version, a patch or a documented mitigation for every active finding "
    "(GB 40050-2021 5.3(a))",
    party=Party.VENDOR,
    due=Due.BEFORE_GO_LIVE,
    verification="the SBOM of the delivered release scanned again, or VEX statements with their "
    "justifications",
)
FIX_TIME: Final = Mitigation(
    text="A contractual time to fix newly found vulnerabilities",
    party=Party.VENDOR,
    due=Due.BEFORE_CONTRACT,
    verification=_CONTRACT,
)
SUPPORT_PERIOD: Final = Mitigation(
    text="Security support for at least five years from delivery",
    party=Party.VENDOR,
    due=Due.BEFORE_CONTRACT,
    verification=_CONTRACT,
)
SUPPORT_NOTICE: Final = Mitigation(
    text="Twelve months' notice before security support ends",
    party=Party.VENDOR,
    due=Due.BEFORE_CONTRACT,
    verification=_CONTRACT,
)
FREE_UPDATES: Final = Mitigation(
    text="Security updates free of charge for the support period",
    party=Party.VENDOR,
    due=Due.BEFORE_CONTRACT,
    verification=_CONTRACT,
)
ISOLATE: Final = Mitigation(
    text="The product isolated from other networks, with compensating controls declared for the "
    "findings without a fix (Art. 16(2))",
    party=Party.OPERATOR,
    due=Due.BEFORE_GO_LIVE,
    verification="the network segmentation record and the controls in the operator's security plan",
)
NO_INTERNET_EXPOSURE: Final = Mitigation(
    text="No exposure of the product to the internet",
    party=Party.OPERATOR,
    due=Due.BEFORE_GO_LIVE,
    verification="the network design and an external scan",
)
MONITORING: Final = Mitigation(
    text="Monitoring of the product for the exploitation of its known vulnerabilities",
    party=Party.OPERATOR,
    due=Due.ONGOING,
    verification="the operator's monitoring rules and their reviews",
)
CONTRACTUAL_MITIGATION: Final = Mitigation(
    text="The vendor accepts contractual mitigation conditions",
    party=Party.VENDOR,
    due=Due.BEFORE_CONTRACT,
    verification=_CONTRACT,
)


def upgrade(targets: str) -> Mitigation:
    """Upgrade named components to the versions that fix their findings (`name ver → fixed`)."""
    return Mitigation(
        text=f"Upgrade {targets}",
        party=Party.VENDOR,
        due=Due.BEFORE_GO_LIVE,
        verification="the SBOM of the delivered release scanned again: none of these findings "
        "active",
    )


def supported_cycle(component: str, latest: str | None) -> Mitigation:
    """Move a component past its end of life to a supported release cycle."""
    return Mitigation(
        text=f"Move {component} to a supported release"
        + (f" (the latest is {latest})" if latest else ""),
        party=Party.VENDOR,
        due=Due.BEFORE_GO_LIVE,
        verification="the SBOM of the delivered release",
    )


# --- vulnerability handling and transparency (F03, F12) -------------------------------------------

SECURITY_CONTACT: Final = Mitigation(
    text="A published security contact",
    party=Party.VENDOR,
    due=Due.BEFORE_CONTRACT,
    verification="the contact, reachable (e.g. security.txt)",
)
CVD_POLICY: Final = Mitigation(
    text="A published coordinated vulnerability disclosure policy",
    party=Party.VENDOR,
    due=Due.BEFORE_CONTRACT,
    verification="the published policy",
)
MACHINE_READABLE_ADVISORIES: Final = Mitigation(
    text="Machine-readable security advisories (CSAF or VEX) for the product",
    party=Party.VENDOR,
    due=Due.WITHIN_DAYS,
    days=180,
    verification="the vendor's CSAF provider metadata or VEX documents",
)
SBOM: Final = Mitigation(
    text="A machine-readable SBOM (CycloneDX or SPDX) of the delivered release",
    party=Party.VENDOR,
    due=Due.BEFORE_CONTRACT,
    verification="the SBOM, read and scanned by the review",
)


def sbom_of(product: str, evidence: str) -> Mitigation:
    """`SBOM` for one product, met by supplying `evidence` (the gap the vulnerability factors
    name) during the review."""
    return replace(
        SBOM,
        text=f"A machine-readable SBOM (CycloneDX or SPDX) of the delivered release of {product}",
        met_by=evidence,
    )


SBOM_FIELDS: Final = Mitigation(
    text="Supplier, version and purl for every SBOM component",
    party=Party.VENDOR,
    due=Due.BEFORE_CONTRACT,
    verification="a new SBOM, read again by the review (NTIA minimum elements)",
)
SBOM_VALID: Final = Mitigation(
    text="An SBOM valid against its format's schema",
    party=Party.VENDOR,
    due=Due.BEFORE_CONTRACT,
    verification="schema validation of the new SBOM",
)
SBOM_EACH_RELEASE: Final = Mitigation(
    text="An SBOM with every release",
    party=Party.VENDOR,
    due=Due.ONGOING,
    verification=_CONTRACT,
)
SOURCE_REVIEW: Final = Mitigation(
    text="Source code review or escrow for the product",
    party=Party.VENDOR,
    due=Due.BEFORE_CONTRACT,
    verification=_CONTRACT,
    condition=False,
)
FIRST_PARTY_ATTESTATION: Final = Mitigation(
    text="The vendor's attestation of the vulnerability status of its own components that the "
    "review's advisories do not cover",
    party=Party.VENDOR,
    due=Due.BEFORE_CONTRACT,
    verification="the signed attestation, kept with the review record",
)
FIRST_PARTY_IDENTIFIERS: Final = Mitigation(
    text="Identifiers (purl or CPE) for the vendor's own components, or the vendor's attestation "
    "of their vulnerability status",
    party=Party.VENDOR,
    due=Due.BEFORE_CONTRACT,
    verification="a new SBOM scanned by the review, or the signed attestation",
)
SUPPLIER_FIELDS: Final = Mitigation(
    text="Supplier and country of origin for every SBOM component",
    party=Party.VENDOR,
    due=Due.BEFORE_CONTRACT,
    verification="a new SBOM, read again by the review",
)

# --- supply, diversity, sites (F05, F06, F09) -----------------------------------------------------

QUALIFY_SECOND_SOURCE: Final = Mitigation(
    text="A second qualified supplier for the function",
    party=Party.OPERATOR,
    due=Due.WITHIN_DAYS,
    days=365,
    verification="the qualification record of the second supplier",
)
SPREAD_FUNCTION: Final = Mitigation(
    text="The function spread between qualified suppliers so that no one holds most of it",
    party=Party.OPERATOR,
    due=Due.WITHIN_DAYS,
    days=730,
    verification="the suppliers' shares of the function in the operator's inventory",
)
SPARES_AND_STOCK: Final = Mitigation(
    text="Spares and stock for at least twelve months of operation held in the country",
    party=Party.VENDOR,
    due=Due.BEFORE_CONTRACT,
    verification=f"{_CONTRACT} and the stock inventory",
)
EXIT_PLAN: Final = Mitigation(
    text="A tested exit plan for moving the function to another supplier",
    party=Party.OPERATOR,
    due=Due.WITHIN_DAYS,
    days=365,
    verification="the exit plan and the record of its test",
)
SUPPORT_EXTENSION: Final = Mitigation(
    text="Support extended in the contract to cover the planned service life",
    party=Party.VENDOR,
    due=Due.BEFORE_CONTRACT,
    verification=_CONTRACT,
)
OPEN_INTERFACES: Final = Mitigation(
    text="Open interfaces and data formats, so the function can move to another supplier",
    party=Party.VENDOR,
    due=Due.BEFORE_CONTRACT,
    verification=_CONTRACT,
)
UNLISTED_SUPPLIER: Final = Mitigation(
    text="A supplier on no sanctions or export-control list",
    party=Party.OPERATOR,
    due=Due.BEFORE_CONTRACT,
    verification="screening of the new supplier",
    condition=False,
)
IN_COUNTRY_ENTITY: Final = Mitigation(
    text="An in-country entity of the vendor that supplies and supports the product",
    party=Party.VENDOR,
    due=Due.BEFORE_CONTRACT,
    verification="the entity's registration and the contract naming it",
)
IN_COUNTRY_SERVICE: Final = Mitigation(
    text="An in-country service entity or authorised service partner",
    party=Party.VENDOR,
    due=Due.BEFORE_GO_LIVE,
    verification="the service agreement naming it",
)
IN_COUNTRY_PRODUCTION: Final = Mitigation(
    text="In-country final assembly, test and firmware loading",
    party=Party.VENDOR,
    due=Due.BEFORE_GO_LIVE,
    verification="the site record",
    condition=False,
)
CHAIN_OF_CUSTODY: Final = Mitigation(
    text="Chain-of-custody records from the factory to the operator's site",
    party=Party.VENDOR,
    due=Due.BEFORE_GO_LIVE,
    verification="the records of the delivered units",
)
REDUCE_STATE_STAKE: Final = Mitigation(
    text="The foreign state-linked stake reduced or ring-fenced",
    party=Party.VENDOR,
    due=Due.BEFORE_CONTRACT,
    verification="the ownership register",
    condition=False,
)
NO_FOREIGN_LISTING: Final = Mitigation(
    text="No listing on a foreign exchange",
    party=Party.VENDOR,
    due=Due.BEFORE_CONTRACT,
    verification="the vendor's listing record",
    condition=False,
)

# --- data (F10, F11) ------------------------------------------------------------------------------

TELEMETRY_IN_COUNTRY: Final = Mitigation(
    text="Telemetry switched off, or sent only to destinations in the country",
    party=Party.OPERATOR,
    due=Due.BEFORE_GO_LIVE,
    verification="the delivered configuration and a traffic capture during acceptance",
)
TELEMETRY_OFF_BY_DEFAULT: Final = Mitigation(
    text="Telemetry off by default and switchable off without losing support",
    party=Party.VENDOR,
    due=Due.BEFORE_GO_LIVE,
    verification=ACCEPTANCE,
)
ENCRYPT_IN_TRANSIT: Final = Mitigation(
    text="Data encrypted in transit",
    party=Party.VENDOR,
    due=Due.BEFORE_GO_LIVE,
    verification=ACCEPTANCE,
)
ENCRYPT_AT_REST: Final = Mitigation(
    text="Data encrypted at rest",
    party=Party.VENDOR,
    due=Due.BEFORE_GO_LIVE,
    verification=ACCEPTANCE,
)
TRUST_BOUNDARY: Final = Mitigation(
    text="Data flows kept inside the operator's trust boundary",
    party=Party.VENDOR,
    due=Due.BEFORE_GO_LIVE,
    verification="the delivered configuration and a traffic capture during acceptance",
)
LOCALISE: Final = Mitigation(
    text="Personal information and important data stored and processed in the country "
    "(CSL Art. 37, PIPL Art. 40)",
    party=Party.OPERATOR,
    due=Due.BEFORE_GO_LIVE,
    verification="the data locations in the delivered configuration and the service contract",
)
EXPORT_ASSESSMENT: Final = Mitigation(
    text="The outbound-data-transfer security assessment completed before any data leaves the "
    "country (PIPL Art. 38-40)",
    party=Party.OPERATOR,
    due=Due.BEFORE_GO_LIVE,
    verification="the assessment decision",
)
LISTING_DATA: Final = Mitigation(
    text="Personal information and important data kept in the country and out of the listing's "
    "disclosure and audit materials unless the competent authority approves",
    party=Party.OPERATOR,
    due=Due.BEFORE_LISTING,
    verification="the listing documents and the data-handling plan for the listing",
)

# --- compliance (F15) -----------------------------------------------------------------------------

SEGMENT: Final = Mitigation(
    text="The product kept out of the most critical functions, or segmented from them",
    party=Party.OPERATOR,
    due=Due.BEFORE_GO_LIVE,
    verification="the network design",
    condition=False,
)
NEW_SUPPLIER: Final = Mitigation(
    text="A new supplier",
    party=Party.OPERATOR,
    due=Due.BEFORE_CONTRACT,
    verification="the new procurement",
    condition=False,
)
LISTED_CERTIFICATION: Final = Mitigation(
    text="Certification or testing by a listed institution (catalogue equipment and security "
    "products)",
    party=Party.VENDOR,
    due=Due.BEFORE_CONTRACT,
    verification="the certificate or test report, and its entry on the joint list",
)
REMEDY_BREACH: Final = Mitigation(
    text="The vendor's breach of the law remedied",
    party=Party.VENDOR,
    due=Due.BEFORE_CONTRACT,
    verification="the competent authority's record",
    condition=False,
)


# --- supplier commitments (Art. 6, F05, F19) ------------------------------------------------------

_COMMITMENTS: Final = {
    Art6Commitment.NO_ILLEGAL_DATA_ACQUISITION: "Art. 6: the supplier will not use the "
    "convenience of supplying the product or service to illegally obtain user data",
    Art6Commitment.NO_ILLEGAL_DEVICE_CONTROL: "Art. 6: the supplier will not illegally control "
    "or manipulate user equipment",
    Art6Commitment.NO_UNJUSTIFIED_SUPPLY_INTERRUPTION: "Art. 6: the supplier will not interrupt "
    "product supply without justified reason",
    Art6Commitment.NO_UNJUSTIFIED_SUPPORT_INTERRUPTION: "Art. 6: the supplier will not interrupt "
    "necessary technical support without justified reason",
    Art6Commitment.COOPERATE_WITH_REVIEW: "Art. 6: the supplier cooperates with the "
    "cybersecurity review",
}


def commitment(kind: Art6Commitment) -> Mitigation:
    """The supplier commitment `kind` signed into the procurement documents (Art. 6; kept,
    Art. 19)."""
    return Mitigation(
        text=_COMMITMENTS[kind],
        party=Party.VENDOR,
        due=Due.BEFORE_CONTRACT,
        verification="the commitment letter, signed by the supplier and annexed to the contract",
    )
