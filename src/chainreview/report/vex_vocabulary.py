"""Our finding statuses and justifications in the words of each VEX format we write.

A finding's `justification` is a label of the VEX it was read from (OpenVEX and CSAF share one
set, CycloneDX has its own, and a CycloneDX `false_positive` state arrives as the label
`false_positive`), or free text when the statement gave only an impact (`Justification`).
Each writer asks here for its own words:

| our status            | CycloneDX state | OpenVEX status        | CSAF product_status   |
| --------------------- | --------------- | --------------------- | --------------------- |
| `affected`            | `exploitable`   | `affected`            | `known_affected`      |
| `not_affected`        | `not_affected`  | `not_affected`        | `known_not_affected`  |
| (label false_positive)| `false_positive`| `not_affected`        | `known_not_affected`  |
| `fixed`               | `resolved`      | `fixed`               | `fixed`               |
| `under_investigation` | `in_triage`     | `under_investigation` | `under_investigation` |

Justification labels cross between the two vocabularies by meaning, and lose detail doing so:

| OpenVEX / CSAF flag                                 | CycloneDX                         |
| --------------------------------------------------- | --------------------------------- |
| `component_not_present`                             | `code_not_present`                |
| `vulnerable_code_not_present`                       | `code_not_present`                |
| `vulnerable_code_not_in_execute_path`               | `code_not_reachable`              |
| `vulnerable_code_cannot_be_controlled_by_adversary` | `requires_environment`            |
| `inline_mitigations_already_exist`                  | `protected_by_mitigating_control` |

and back: `code_not_present` → `vulnerable_code_not_present`, `code_not_reachable` →
`vulnerable_code_not_in_execute_path`, the `requires_*` labels →
`vulnerable_code_cannot_be_controlled_by_adversary`, the `protected_*` labels →
`inline_mitigations_already_exist`; `false_positive` → `vulnerable_code_not_present` (the match
was wrong: the vulnerable code is not there).
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import Final

from chainreview.findings.model import Finding, Status

__all__ = [
    "CSAF_STATUSES",
    "CYCLONEDX_STATES",
    "FALSE_POSITIVE",
    "Justification",
    "cyclonedx_label",
    "justification_of",
    "openvex_label",
]

FALSE_POSITIVE: Final = "false_positive"
"""The label our CycloneDX reader gives a `false_positive` analysis state."""

OPENVEX_LABELS: Final = frozenset(
    {
        "component_not_present",
        "vulnerable_code_not_present",
        "vulnerable_code_not_in_execute_path",
        "vulnerable_code_cannot_be_controlled_by_adversary",
        "inline_mitigations_already_exist",
    }
)
"""OpenVEX justifications, which are also CSAF 2.0's flag labels."""

_TO_CYCLONEDX: Final[Mapping[str, str]] = {
    "component_not_present": "code_not_present",
    "vulnerable_code_not_present": "code_not_present",
    "vulnerable_code_not_in_execute_path": "code_not_reachable",
    "vulnerable_code_cannot_be_controlled_by_adversary": "requires_environment",
    "inline_mitigations_already_exist": "protected_by_mitigating_control",
}
_TO_OPENVEX: Final[Mapping[str, str]] = {
    "code_not_present": "vulnerable_code_not_present",
    "code_not_reachable": "vulnerable_code_not_in_execute_path",
    "requires_configuration": "vulnerable_code_cannot_be_controlled_by_adversary",
    "requires_dependency": "vulnerable_code_cannot_be_controlled_by_adversary",
    "requires_environment": "vulnerable_code_cannot_be_controlled_by_adversary",
    "protected_by_compiler": "inline_mitigations_already_exist",
    "protected_at_runtime": "inline_mitigations_already_exist",
    "protected_at_perimeter": "inline_mitigations_already_exist",
    "protected_by_mitigating_control": "inline_mitigations_already_exist",
    FALSE_POSITIVE: "vulnerable_code_not_present",
}

CYCLONEDX_STATES: Final[Mapping[Status, str]] = {
    Status.AFFECTED: "exploitable",
    Status.NOT_AFFECTED: "not_affected",
    Status.FIXED: "resolved",
    Status.UNDER_INVESTIGATION: "in_triage",
}
CSAF_STATUSES: Final[Mapping[Status, str]] = {
    Status.AFFECTED: "known_affected",
    Status.NOT_AFFECTED: "known_not_affected",
    Status.FIXED: "fixed",
    Status.UNDER_INVESTIGATION: "under_investigation",
}


@dataclass(frozen=True, slots=True, kw_only=True)
class Justification:
    """A finding's justification split: a known label, or free text (an impact statement)."""

    label: str | None = None
    """A label of either vocabulary, or `false_positive`, as the VEX read gave it."""
    text: str | None = None


def justification_of(finding: Finding) -> Justification:
    """The label or the free text of `finding.justification`."""
    given = finding.justification
    if given is None:
        return Justification()
    if given in OPENVEX_LABELS or given in _TO_OPENVEX:
        return Justification(label=given)
    return Justification(text=given)


def openvex_label(label: str) -> str:
    """An OpenVEX justification (and CSAF flag label) for a label of either vocabulary."""
    return label if label in OPENVEX_LABELS else _TO_OPENVEX[label]


def cyclonedx_label(label: str) -> str | None:
    """A CycloneDX justification for a label, None for `false_positive` (a state there)."""
    if label == FALSE_POSITIVE:
        return None
    return _TO_CYCLONEDX.get(label, label)
