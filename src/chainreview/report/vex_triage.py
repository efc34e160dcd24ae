"""The triage of a scan as the VEX writers see it: each finding with the component it is about.

`triage_of_scan` takes everything a VEX document states from the `Scan` alone (and
`triage_of_review` the same for each product of a review, dated by the review date): the findings in
the report's order, each component's identifiers from the inventory, the document time from the
scan's date (`Scan.as_of`, midnight UTC; never the clock), and `document_digest` gives the
writers ids derived from what they write. `action` and `reason` are the sentences the three
formats share, `database` the publisher of a vulnerability id.
"""

from __future__ import annotations

import hashlib
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import date
from typing import TYPE_CHECKING, Any, Final

from chainreview import canonical
from chainreview.components.model import ComponentType
from chainreview.findings.model import Finding

if TYPE_CHECKING:
    from chainreview.components.model import Inventory
    from chainreview.evidence.declaration import Declaration
    from chainreview.reviewer import ReviewResult
    from chainreview.scanner import Scan

__all__ = [
    "AUTHOR",
    "ProductTriage",
    "Subject",
    "Triage",
    "action",
    "database",
    "document_digest",
    "reason",
    "triage_of_review",
    "triage_of_scan",
]

AUTHOR: Final = "chainreview"
"""Who the documents name as their author: the tool, since a scan does not say who ran it."""


@dataclass(frozen=True, slots=True, kw_only=True)
class Subject:
    """A component a finding is about, with what identifies it outside the SBOM."""

    ref: str
    """`Component.ref`: the SBOM's bom-ref or SPDXID, as the scan reports it."""
    name: str
    version: str | None
    type: ComponentType
    purl: str | None
    cpe: str | None


@dataclass(frozen=True, slots=True, kw_only=True)
class Triage:
    """What a VEX document of one scan states."""

    title: str
    issued: str
    """RFC 3339 time of the document: the scan's date at 00:00 UTC."""
    snapshot: str
    """Hash of the intel snapshot the findings rest on."""
    inputs: tuple[str, ...]
    """The SBOM files scanned, as named to the scan."""
    vex: tuple[str, ...]
    """The VEX files the scan applied."""
    roots: tuple[Subject, ...]
    """What the SBOMs describe (their primary components)."""
    entries: tuple[tuple[Finding, Subject], ...]
    """Every finding with its component, in the report's order."""


@dataclass(frozen=True, slots=True, kw_only=True)
class ProductTriage:
    """The triage of one product of a review."""

    product: str
    """The product's id in the declaration."""
    triage: Triage


def triage_of_scan(scan: Scan) -> Triage:
    """The triage of `scan` (see the module doc)."""
    report = scan.report
    return _triage(
        scan.inventory,
        report.findings,
        roots=report.coverage.roots,
        inputs=report.inputs,
        vex=report.vex,
        as_of=scan.as_of,
        snapshot=report.snapshot,
    )


def triage_of_review(result: ReviewResult, declaration: Declaration) -> tuple[ProductTriage, ...]:
    """The triage of each product of a review that has findings, in the result's order: what
    an operator sends back to the product's vendor. `declaration` is the package the review
    read (its products' inventories name the components); a product without an SBOM, or
    without a finding, has nothing to state and is left out."""
    intel = result.determination.intel
    if intel is None:  # reviewed on no snapshot: no product was scanned
        return ()
    inventories = {p.id: p.inventory for p in declaration.products}
    as_of = date.fromisoformat(result.determination.as_of)
    return tuple(
        ProductTriage(
            product=scanned.product,
            triage=_triage(
                inventory,
                scanned.findings,
                roots=scanned.coverage.roots,
                inputs=scanned.sboms,
                vex=scanned.vex,
                as_of=as_of,
                snapshot=intel.hash,
            ),
        )
        for scanned in result.products
        if scanned.findings
        and scanned.coverage is not None
        and (inventory := inventories.get(scanned.product)) is not None
    )


def _triage(
    inventory: Inventory,
    findings: tuple[Finding, ...],
    *,
    roots: tuple[str, ...],
    inputs: tuple[str, ...],
    vex: tuple[str, ...],
    as_of: date,
    snapshot: str,
) -> Triage:
    subjects = {
        c.ref: Subject(
            ref=c.ref, name=c.name, version=c.version, type=c.type, purl=c.purl, cpe=c.cpe
        )
        for c in inventory.components
    }
    described = [subjects[ref] for ref in roots]
    named = ", ".join(f"{r.name} {r.version}" if r.version else r.name for r in described)
    return Triage(
        title=f"Triage of {named or ', '.join(inputs)} by chainreview",
        issued=f"{as_of.isoformat()}T00:00:00Z",
        snapshot=snapshot,
        inputs=inputs,
        vex=vex,
        roots=tuple(described),
        entries=tuple((f, subjects[f.component]) for f in findings),
    )


def document_digest(body: Mapping[str, Any]) -> str:
    """Hex sha256 of the canonical JSON of `body`: a document id derived from its content."""
    return hashlib.sha256(canonical.dumps(body)).hexdigest()


def action(finding: Finding) -> str:
    """What to do about an affected finding: the fixed versions, and an accepted risk."""
    what = f"{finding.name} {finding.version}"
    if finding.fixed_versions:
        text = f"Update {what} to a fixed version: {', '.join(finding.fixed_versions)}."
    else:
        text = f"No fixed version of {finding.name} is known: mitigate, remove or replace {what}."
    accepted = finding.suppressed
    if accepted is not None:
        until = f" until {accepted.expires}" if accepted.expires else ""
        text += f" Risk accepted by ignore entry {accepted.id}{until}: {accepted.reason}."
    return text


def reason(finding: Finding) -> str:
    """Where the status comes from: the VEX statement that set it, or the match."""
    if finding.status_source is None:
        records = ", ".join(dict.fromkeys(ref.record for ref in finding.evidence))
        return f"Matched by chainreview against the advisories {records}; no VEX statement."
    return f"Status from the VEX statement {finding.status_source}."


def database(identifier: str) -> tuple[str, str | None]:
    """The database that publishes a vulnerability id, by its prefix, and the id's page there."""
    if identifier.startswith("CVE-"):
        return "NVD", f"https://nvd.nist.gov/vuln/detail/{identifier}"
    if identifier.startswith("GHSA-"):
        return "GitHub Advisory Database", f"https://github.com/advisories/{identifier}"
    if identifier.startswith(("DSA-", "DLA-")):
        return "Debian Security Tracker", (
            f"https://security-tracker.debian.org/tracker/{identifier}"
        )
    if identifier.startswith("Alpine:"):
        return "Alpine secdb", None
    return "OSV", f"https://osv.dev/vulnerability/{identifier}"
