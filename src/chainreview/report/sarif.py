"""SARIF 2.1.0 for a scan: one rule per vulnerability (alias group), one result per finding.

Levels: `critical`, `high` and `unknown` severity are `error` (unknown is never shown as less),
`medium` is `warning`, `low` and `none` are `note`. A finding resolved by VEX (`not_affected`,
`fixed`; a CycloneDX `false_positive` is `not_affected`) or covered by an ignore entry keeps its
result and carries an external, accepted `suppression` whose justification names the status, its
justification and the VEX document and statement (or the ignore entry) that set it;
`under_investigation` is an external suppression under review. The message says what the VEX
says (`is not affected by`, `is fixed in`, `may be affected by`), never "is affected" of a
finding a VEX resolved. `security-severity` (the CVSS base score as a string) is set when a
vector gave one.
Each result is located in the SBOM file the component came from, with the component's purl as
a logical location, and fingerprinted by (component identity, vulnerability id).

The coverage goes into the run's invocation as tool execution notifications: one `warning` per
group of components not checked or checked only against partial selections, one `note` per group
checked (with the sources it rests on), and a `warning` when the intel is demo data. A run with
no result therefore still says what it did not look at.
"""

from __future__ import annotations

from typing import Any, Final
from urllib.parse import quote

from chainreview.components.model import Component
from chainreview.findings.coverage import Coverage, CoverageState
from chainreview.findings.model import Finding, Level, Status
from chainreview.findings.scan import ScanReport
from chainreview.version import __version__

__all__ = ["SARIF_SCHEMA", "to_sarif"]

SARIF_SCHEMA: Final = "https://json.schemastore.org/sarif-2.1.0.json"
_INFORMATION_URI: Final = "https://github.com/chainreview/chainreview"
_LEVELS: Final = {
    Level.CRITICAL: "error",
    Level.HIGH: "error",
    Level.UNKNOWN: "error",
    Level.MEDIUM: "warning",
    Level.LOW: "note",
    Level.NONE: "note",
}


def to_sarif(report: ScanReport, components: dict[str, Component]) -> dict[str, Any]:
    """The SARIF log of `report` (a JSON-native dict; write it with `canonical.dumps`)."""
    rules: dict[str, dict[str, Any]] = {}
    for finding in report.findings:
        rules.setdefault(finding.id, _rule(finding))
    index = {rule_id: i for i, rule_id in enumerate(rules)}
    return {
        "$schema": SARIF_SCHEMA,
        "version": "2.1.0",
        "runs": [
            {
                "tool": {
                    "driver": {
                        "name": "chainreview",
                        "version": __version__,
                        "informationUri": _INFORMATION_URI,
                        "rules": list(rules.values()),
                    }
                },
                "invocations": [
                    {
                        "executionSuccessful": True,
                        "toolExecutionNotifications": _coverage_notes(report.coverage),
                    }
                ],
                "results": [
                    _result(f, index[f.id], components.get(f.component)) for f in report.findings
                ],
                "properties": {"intelSnapshot": report.snapshot},
            }
        ],
    }


def _coverage_notes(coverage: Coverage) -> list[dict[str, Any]]:
    notes = [
        {
            "level": "note" if group.state is CoverageState.CHECKED else "warning",
            "descriptor": {"id": f"coverage/{group.state.value}"},
            "message": {
                "text": f"{len(group.components)} component(s) by {group.route.value} "
                f"{group.target}: {group.reason}."
            },
            "properties": {
                "state": group.state.value,
                "route": group.route.value,
                "target": group.target,
                "sources": list(group.sources),
                "components": list(group.components),
            },
        }
        for group in coverage.groups
    ]
    if coverage.demo:
        notes.append(
            {
                "level": "warning",
                "descriptor": {"id": "coverage/demo-intel"},
                "message": {
                    "text": "The intel is demo data (the bundled capture), not current feeds."
                },
            }
        )
    return notes


def _rule(finding: Finding) -> dict[str, Any]:
    text = finding.summary or finding.id
    properties: dict[str, Any] = {"aliases": list(finding.aliases), "tags": ["security"]}
    if finding.severity.score is not None:
        properties["security-severity"] = f"{finding.severity.score:.1f}"
    return {
        "id": finding.id,
        "shortDescription": {"text": text},
        "defaultConfiguration": {"level": _LEVELS[finding.severity.level]},
        "properties": properties,
    }


def _result(finding: Finding, rule_index: int, component: Component | None) -> dict[str, Any]:
    identity = finding.purl or f"{finding.name}@{finding.version}"
    result: dict[str, Any] = {
        "ruleId": finding.id,
        "ruleIndex": rule_index,
        "level": _LEVELS[finding.severity.level],
        "message": {"text": _message(finding)},
        "locations": [_location(finding, component, identity)],
        "partialFingerprints": {"chainreview/component-vulnerability": f"{identity}|{finding.id}"},
        "properties": {
            "component": finding.component,
            "severity": finding.severity.level.value,
            "status": finding.status.value,
            "evidence": [ref.record for ref in finding.evidence],
            "confidence": finding.confidence.value,
            "labels": sorted({label for ref in finding.evidence for label in ref.labels}),
            "kev": finding.kev is not None,
        },
    }
    if finding.status_source is not None:
        result["properties"]["statusSource"] = finding.status_source
    suppressions = _suppressions(finding)
    if suppressions:
        result["suppressions"] = suppressions
    return result


def _location(finding: Finding, component: Component | None, identity: str) -> dict[str, Any]:
    location: dict[str, Any] = {
        "logicalLocations": [
            {"name": finding.name, "fullyQualifiedName": identity, "kind": "module"}
        ]
    }
    if component is not None and component.sources:
        uri = quote(component.sources[0].file, safe="/:._-~")
        location["physicalLocation"] = {"artifactLocation": {"uri": uri}}
    return location


def _message(finding: Finding) -> str:
    """What the finding says, in the words of its status."""
    what = f"{finding.name} {finding.version}"
    facts = f"severity {finding.severity.level}"
    if finding.fixed_versions:
        facts += f", fixed in {', '.join(finding.fixed_versions)}"
    if finding.status is Status.AFFECTED:
        return f"{what} is affected by {finding.id} ({facts})."
    source = _vex_reason(finding)
    if finding.status is Status.NOT_AFFECTED:
        return f"{what} is not affected by {finding.id}: {source}."
    if finding.status is Status.FIXED:
        return f"{finding.id} is fixed in {what}: {source}."
    return f"{what} may be affected by {finding.id} ({facts}): {source}."


def _vex_reason(finding: Finding) -> str:
    """`not_affected (code_not_present) per VEX statement FILE: POINTER`."""
    reason = finding.status.value
    if finding.justification:
        reason += f" ({finding.justification})"
    return f"{reason} per VEX statement {finding.status_source or '(unnamed)'}"


def _suppressions(finding: Finding) -> list[dict[str, Any]]:
    out: list[dict[str, Any]] = []
    if finding.status in (Status.NOT_AFFECTED, Status.FIXED):
        out.append(
            {"kind": "external", "status": "accepted", "justification": _vex_reason(finding)}
        )
    elif finding.status is Status.UNDER_INVESTIGATION:
        out.append(
            {"kind": "external", "status": "underReview", "justification": _vex_reason(finding)}
        )
    if finding.suppressed is not None:
        out.append(
            {
                "kind": "external",
                "status": "accepted",
                "justification": f"{finding.suppressed.id}: {finding.suppressed.reason}",
            }
        )
    return out
