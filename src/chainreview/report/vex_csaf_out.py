"""The triage of a scan as a CSAF 2.0 VEX document (profile `csaf_vex`).

The product tree lists each component with findings as a full product name (`name version`,
with its purl and CPE as the identification helper; ids `CSAFPID-0001`… in the order the
findings first name them). Each vulnerability (a display id; its CVE as `cve`, the other ids of
the alias group as `ids`) lists its components under the product status of their finding
(`vex_vocabulary`), with what the profile asks of each status: a `not_affected` component has
its justification as a flag when it is a label, and always an `impact` threat saying why (the
free text, else where the status came from); an `affected` component has a remediation
(`vendor_fix` naming the fixed versions, else `none_available`), with an ignore entry's
accepted risk in its details. The document notes name the SBOMs, VEX files and intel snapshot.

The publisher is chainreview, a `user` of the products, with chainreview's project URL as its
namespace: CSAF wants the issuing party's own URL, which a scan does not know. The tracking
id is derived from the sha256 of the document's content; every date is the scan's date. CSAF
VEX cannot carry an empty triage (the profile requires vulnerabilities): a scan without
findings is refused.
"""

from __future__ import annotations

import re
from typing import Any, Final

from chainreview.errors import InputError
from chainreview.findings.model import Finding, Status
from chainreview.report.vex_triage import AUTHOR, Subject, Triage, action, database, document_digest
from chainreview.report.vex_triage import reason as status_reason
from chainreview.report.vex_vocabulary import CSAF_STATUSES, justification_of, openvex_label
from chainreview.version import __version__

__all__ = ["to_csaf"]

_NAMESPACE: Final = "https://github.com/chainreview/chainreview"
_CVE: Final = re.compile(r"CVE-[0-9]{4}-[0-9]{4,}")
"""CSAF's pattern for `cve`."""


def to_csaf(triage: Triage) -> dict[str, Any]:
    """The CSAF VEX document of `triage` (JSON-native; write it with `canonical.dumps`)."""
    if not triage.entries:
        raise InputError(
            "csaf-vex", "the scan has no finding, and a CSAF VEX document states at least one"
        )
    ids: dict[str, str] = {}
    products: list[dict[str, Any]] = []
    for _, subject in triage.entries:
        if subject.ref not in ids:
            ids[subject.ref] = f"CSAFPID-{len(ids) + 1:04d}"
            products.append(_product(subject, ids[subject.ref]))
    by_id: dict[str, list[tuple[Finding, str]]] = {}
    for finding, subject in triage.entries:
        by_id.setdefault(finding.id, []).append((finding, ids[subject.ref]))
    tracking: dict[str, Any] = {
        "current_release_date": triage.issued,
        "initial_release_date": triage.issued,
        "generator": {
            "date": triage.issued,
            "engine": {"name": "chainreview", "version": __version__},
        },
        "revision_history": [{"date": triage.issued, "number": "1", "summary": "Initial version."}],
        "status": "final",
        "version": "1",
    }
    body = {
        "document": {
            "category": "csaf_vex",
            "csaf_version": "2.0",
            "title": triage.title,
            "publisher": {"category": "user", "name": AUTHOR, "namespace": _NAMESPACE},
            "notes": [{"category": "summary", "title": "What this is", "text": _summary(triage)}],
            "tracking": tracking,
        },
        "product_tree": {"full_product_names": products},
        "vulnerabilities": [_vulnerability(group) for group in by_id.values()],
    }
    tracking["id"] = f"CHAINREVIEW-VEX-{document_digest(body)[:16].upper()}"
    return body


def _summary(triage: Triage) -> str:
    vex = f", with the VEX documents {', '.join(triage.vex)} applied" if triage.vex else ""
    return (
        f"The findings of chainreview's scan of {', '.join(triage.inputs)} against the intel "
        f"snapshot {triage.snapshot}{vex}: the status of each vulnerability in each component."
    )


def _product(subject: Subject, product_id: str) -> dict[str, Any]:
    name = f"{subject.name} {subject.version}" if subject.version else subject.name
    product: dict[str, Any] = {"name": name, "product_id": product_id}
    helper = {key: value for key, value in (("purl", subject.purl), ("cpe", subject.cpe)) if value}
    if helper:
        product["product_identification_helper"] = helper
    return product


def _vulnerability(group: list[tuple[Finding, str]]) -> dict[str, Any]:
    first = group[0][0]
    aliases = sorted({alias for finding, _ in group for alias in finding.aliases} | {first.id})
    cve = (
        first.id
        if _CVE.fullmatch(first.id)
        else next((a for a in aliases if _CVE.fullmatch(a)), None)
    )
    entry: dict[str, Any] = {}
    if cve is not None:
        entry["cve"] = cve
    others = [a for a in aliases if a != cve]
    if others:
        entry["ids"] = [{"system_name": database(a)[0], "text": a} for a in others]
    entry["notes"] = [{"category": "description", "text": first.summary or first.id}]
    statuses: dict[str, list[str]] = {}
    flags: dict[str, list[str]] = {}
    threats: list[dict[str, Any]] = []
    remediations: list[dict[str, Any]] = []
    for finding, product_id in group:
        statuses.setdefault(CSAF_STATUSES[finding.status], []).append(product_id)
        if finding.status is Status.NOT_AFFECTED:
            given = justification_of(finding)
            if given.label is not None:
                flags.setdefault(openvex_label(given.label), []).append(product_id)
            details = given.text or status_reason(finding)
            threats.append({"category": "impact", "details": details, "product_ids": [product_id]})
        elif finding.status is Status.AFFECTED:
            category = "vendor_fix" if finding.fixed_versions else "none_available"
            remediations.append(
                {"category": category, "details": action(finding), "product_ids": [product_id]}
            )
    entry["product_status"] = statuses
    if flags:
        entry["flags"] = [{"label": label, "product_ids": ids} for label, ids in flags.items()]
    if threats:
        entry["threats"] = threats
    if remediations:
        entry["remediations"] = remediations
    return entry
