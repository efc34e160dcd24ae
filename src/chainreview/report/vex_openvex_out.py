"""The triage of a scan as an OpenVEX 0.2.0 document.

One statement per finding. Its product is the component itself: `@id` its purl when it has one,
`identifiers` its purl and CPE 2.3 (a finding's component always has one of the two). The
vulnerability is the finding's display id with the other ids of its alias group as aliases.
The status is the finding's; `not_affected` carries the justification as an OpenVEX label
(`vex_vocabulary`) or, when the VEX read gave free text, as the impact statement (and, with
neither, an impact statement naming the VEX statement); `affected` carries the action (fixed
versions, an ignore entry's accepted risk); `status_notes` says where the status came from.
Statements inherit the document's timestamp: the scan's date. The document `@id` is in
OpenVEX's shared namespace (`https://openvex.dev/docs/[name]`), named by the sha256 of the
document's content, so the same scan gives the same document.

OpenVEX cannot carry an empty triage (a document holds at least one statement): a scan without
findings is refused.
"""

from __future__ import annotations

from typing import Any, Final

from chainreview.errors import InputError
from chainreview.findings.model import Finding, Status
from chainreview.report.vex_triage import AUTHOR, Subject, Triage, action, document_digest, reason
from chainreview.report.vex_vocabulary import justification_of, openvex_label
from chainreview.version import __version__

__all__ = ["CONTEXT", "to_openvex"]

CONTEXT: Final = "https://openvex.dev/ns/v0.2.0"
_NAMESPACE: Final = "https://openvex.dev/docs/chainreview/"


def to_openvex(triage: Triage) -> dict[str, Any]:
    """The OpenVEX document of `triage` (JSON-native; write it with `canonical.dumps`)."""
    if not triage.entries:
        raise InputError(
            "openvex", "the scan has no finding, and an OpenVEX document states at least one"
        )
    body = {
        "@context": CONTEXT,
        "author": AUTHOR,
        "timestamp": triage.issued,
        "version": 1,
        "tooling": f"chainreview {__version__}, intel snapshot {triage.snapshot}",
        "statements": [_statement(finding, subject) for finding, subject in triage.entries],
    }
    return {"@id": f"{_NAMESPACE}vex-{document_digest(body)}", **body}


def _statement(finding: Finding, subject: Subject) -> dict[str, Any]:
    statement: dict[str, Any] = {
        "vulnerability": _vulnerability(finding),
        "products": [_product(subject)],
        "status": finding.status.value,
        "status_notes": reason(finding),
    }
    if finding.status is Status.NOT_AFFECTED:
        given = justification_of(finding)
        if given.label is not None:
            statement["justification"] = openvex_label(given.label)
        if given.text is not None or given.label is None:
            statement["impact_statement"] = given.text or reason(finding)
    elif finding.status is Status.AFFECTED:
        statement["action_statement"] = action(finding)
    return statement


def _vulnerability(finding: Finding) -> dict[str, Any]:
    aliases = [alias for alias in finding.aliases if alias != finding.id]
    return {"name": finding.id, **({"aliases": aliases} if aliases else {})}


def _product(subject: Subject) -> dict[str, Any]:
    identifiers = {
        key: value for key, value in (("purl", subject.purl), ("cpe23", subject.cpe)) if value
    }
    product: dict[str, Any] = {"identifiers": identifiers}
    if subject.purl:
        product["@id"] = subject.purl
    return product
