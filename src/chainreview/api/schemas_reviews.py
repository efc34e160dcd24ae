"""The models of declarations, their reviews and the findings of a case's rounds (the published
OpenAPI schema, beside `api.schemas`)."""

from __future__ import annotations

from datetime import date
from typing import Annotated, Literal

from pydantic import Field

from chainreview.api.schemas import CaseDetail, Day, Model

VexStatusName = Literal["affected", "not_affected", "fixed", "under_investigation"]
"""OpenVEX's statuses (`findings.model.Status`)."""
Justification = Literal[
    "component_not_present",
    "vulnerable_code_not_present",
    "vulnerable_code_not_in_execute_path",
    "vulnerable_code_cannot_be_controlled_by_adversary",
    "inline_mitigations_already_exist",
]
"""OpenVEX's justifications of `not_affected` (CSAF's flag labels)."""
Identifier = Annotated[str, Field(min_length=1, max_length=1000)]


class FileOut(Model):
    path: str
    sha256: str
    size: int


class SubmissionOut(Model):
    """A submission: every file of the package with its digest."""

    number: int
    party: str
    files: list[FileOut]


class DeterminationOut(Model):
    """What a review concluded: the outcome, the rule that decided, whether it is final (and
    why not), the reasons (the deciding ones first) and each factor's level."""

    outcome: str
    rule: str
    final: bool
    provisional: list[str]
    rationale: list[str]
    deciding: int
    as_of: date
    levels: dict[str, str]


class DeclaredOut(Model):
    """The case opened on an uploaded declaration, its first submission and the review of it:
    `round` is the recorded round (a reviewer's upload), null for an operator's (the
    determination is then the review `chainreview review` gives, not recorded)."""

    case: CaseDetail
    submission: SubmissionOut
    round: int | None
    determination: DeterminationOut


class FindingOut(Model):
    """A finding of a round with its VEX status and where the status came from."""

    product: str
    id: str
    aliases: list[str]
    component: str
    name: str
    version: str
    purl: str | None
    severity: str
    score: float | None
    kev: bool
    status: VexStatusName
    justification: str | None
    status_source: str | None
    suppressed: str | None
    active: bool


class FindingsOut(Model):
    """The findings of a case's round (the latest the caller may see), with its outcome and
    factor levels."""

    case: str
    round: int
    submission: int
    as_of: date
    outcome: str
    final: bool
    levels: dict[str, str]
    findings: list[FindingOut]


class TriageIn(Model):
    """The office's VEX status of a finding (any id of its alias group) in a component of the
    case's latest round: `not_affected` with a justification, the others without; `note` is the
    impact or action statement. The same submission is reviewed again as of `as_of` (default:
    today in the case's regime's time zone) as the next round."""

    vulnerability: Identifier
    component: Identifier
    status: VexStatusName
    justification: Justification | None = None
    note: Annotated[str, Field(min_length=1, max_length=3000)]
    as_of: Day | None = None
    allow_demo_intel: bool = False


class TriageOut(Model):
    id: int
    round: int
    """The round whose finding was triaged."""
    vulnerability: str
    component: str
    status: VexStatusName
    justification: str | None
    note: str
    triaged_by: str


class TriagedOut(Model):
    """The triage recorded and the round it started."""

    triage: TriageOut
    findings: FindingsOut
