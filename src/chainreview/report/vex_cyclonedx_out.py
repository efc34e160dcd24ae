"""The triage of a scan as a CycloneDX 1.6 BOM that is both a VEX and a VDR.

The BOM lists the components that have findings (bom-ref, name, version, purl, CPE, as the
scanned SBOM gives them; the SBOMs' one root, when there is one, as `metadata.component`) and
one `vulnerabilities` entry per finding, findings whose entries would be equal but for the
component being merged into one entry with several `affects`. An entry carries the VDR's part
(the display id and its source, the alias group as `references`, the severity as a rating with
its CVSS vector, the summary, the fixed versions as a recommendation) and the VEX's part:
`analysis` with the state, the justification in CycloneDX's vocabulary (`vex_vocabulary`;
a `false_positive` is a state), `update` as the response when a fix exists, and a detail that
says where the status came from. `metadata.properties` name the intel snapshot, the SBOMs and
the VEX files of the scan. The serial number is a name-based UUID of the sha256 of the BOM's
content; the timestamp is the scan's date.
"""

from __future__ import annotations

import uuid
from typing import Any, Final

from chainreview.components.model import ComponentType
from chainreview.findings.model import Finding, Level, Severity, Status
from chainreview.report.vex_triage import (
    Subject,
    Triage,
    action,
    database,
    document_digest,
    reason,
)
from chainreview.report.vex_vocabulary import (
    CYCLONEDX_STATES,
    FALSE_POSITIVE,
    cyclonedx_label,
    justification_of,
)
from chainreview.version import __version__

__all__ = ["SPEC_VERSION", "to_cyclonedx"]

SPEC_VERSION: Final = "1.6"
_SEVERITIES: Final = {
    Level.CRITICAL: "critical",
    Level.HIGH: "high",
    Level.MEDIUM: "medium",
    Level.LOW: "low",
    Level.NONE: "none",
    Level.UNKNOWN: "unknown",
}
_METHODS: Final = (("CVSS:4.0/", "CVSSv4"), ("CVSS:3.1/", "CVSSv31"), ("CVSS:3.0/", "CVSSv3"))


def to_cyclonedx(triage: Triage) -> dict[str, Any]:
    """The CycloneDX VEX/VDR BOM of `triage` (JSON-native; write it with `canonical.dumps`)."""
    root = triage.roots[0] if len(triage.roots) == 1 else None
    listed: dict[str, dict[str, Any]] = {}
    entries: dict[str, dict[str, Any]] = {}
    for finding, subject in triage.entries:
        if subject != root:
            listed.setdefault(subject.ref, _component(subject))
        entry = _vulnerability(finding)
        key = document_digest(entry)
        entries.setdefault(key, {**entry, "affects": []})["affects"].append({"ref": subject.ref})
    metadata: dict[str, Any] = {
        "timestamp": triage.issued,
        "tools": {
            "components": [{"type": "application", "name": "chainreview", "version": __version__}]
        },
        "properties": [
            {"name": "chainreview:intel-snapshot", "value": triage.snapshot},
            *({"name": "chainreview:sbom", "value": file} for file in triage.inputs),
            *({"name": "chainreview:vex", "value": file} for file in triage.vex),
        ],
    }
    if root is not None:
        metadata["component"] = _component(root)
    body: dict[str, Any] = {
        "bomFormat": "CycloneDX",
        "specVersion": SPEC_VERSION,
        "version": 1,
        "metadata": metadata,
        "components": list(listed.values()),
        "vulnerabilities": list(entries.values()),
    }
    serial = uuid.uuid5(uuid.NAMESPACE_URL, f"urn:sha256:{document_digest(body)}")
    return {**body, "serialNumber": serial.urn}


def _component(subject: Subject) -> dict[str, Any]:
    kind = "library" if subject.type is ComponentType.UNKNOWN else subject.type.value
    given = (("version", subject.version), ("purl", subject.purl), ("cpe", subject.cpe))
    return {
        "type": kind,
        "bom-ref": subject.ref,
        "name": subject.name,
        **{key: value for key, value in given if value},
    }


def _vulnerability(finding: Finding) -> dict[str, Any]:
    entry: dict[str, Any] = {
        "id": finding.id,
        "source": _source(finding.id),
        "ratings": [_rating(finding.severity)],
        "analysis": _analysis(finding),
    }
    references = [{"id": a, "source": _source(a)} for a in finding.aliases if a != finding.id]
    if references:
        entry["references"] = references
    if finding.summary:
        entry["description"] = finding.summary
    if finding.fixed_versions:
        entry["recommendation"] = action(finding)
    return entry


def _analysis(finding: Finding) -> dict[str, Any]:
    given = justification_of(finding)
    state = CYCLONEDX_STATES[finding.status]
    analysis: dict[str, Any] = {"state": state}
    if finding.status is Status.NOT_AFFECTED and given.label is not None:
        label = cyclonedx_label(given.label)
        if label is None:
            analysis["state"] = FALSE_POSITIVE
        else:
            analysis["justification"] = label
    if finding.status is Status.AFFECTED and finding.fixed_versions:
        analysis["response"] = ["update"]
    detail = reason(finding)
    if finding.status is Status.AFFECTED:
        detail = f"{action(finding)} {detail}"
    analysis["detail"] = f"{given.text} {detail}" if given.text else detail
    return analysis


def _rating(severity: Severity) -> dict[str, Any]:
    rating: dict[str, Any] = {"severity": _SEVERITIES[severity.level]}
    if severity.source:
        rating["source"] = {"name": severity.source}
    if severity.score is not None:
        rating["score"] = severity.score
    if severity.vector:
        rating["vector"] = severity.vector
        rating["method"] = next(
            (m for prefix, m in _METHODS if severity.vector.startswith(prefix)),
            "CVSSv2" if severity.vector.startswith("AV:") else "other",
        )
    return rating


def _source(identifier: str) -> dict[str, str]:
    name, url = database(identifier)
    return {"name": name, **({"url": url} if url else {})}
