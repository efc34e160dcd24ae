"""Declarations, rounds and findings as the API's models (shapes only, no decisions)."""

from __future__ import annotations

from datetime import date
from typing import Any

from chainreview import raw
from chainreview.api.schemas_reviews import (
    DeclaredOut,
    DeterminationOut,
    FileOut,
    FindingOut,
    FindingsOut,
    SubmissionOut,
    TriagedOut,
    TriageOut,
)
from chainreview.api.views import case_detail
from chainreview.case.declarations import Declared
from chainreview.case.triage import RoundFindings
from chainreview.store.records import SubmissionRecord, TriageRecord


def declared_out(declared: Declared) -> DeclaredOut:
    return DeclaredOut(
        case=case_detail(declared.case),
        submission=submission_out(declared.submission),
        round=None if declared.round is None else declared.round.number,
        determination=determination_out(declared.result_json),
    )


def submission_out(submission: SubmissionRecord) -> SubmissionOut:
    return SubmissionOut(
        number=submission.number,
        party=submission.party,
        files=[FileOut(path=f.path, sha256=f.sha256, size=f.size) for f in submission.files],
    )


def determination_out(result_json: bytes) -> DeterminationOut:
    """The determination `result.json` states."""
    determination: dict[str, Any] = raw.load_json(result_json, "result.json")["determination"]
    return DeterminationOut(
        outcome=determination["outcome"],
        rule=determination["rule"],
        final=determination["final"],
        provisional=list(determination["provisional"]),
        rationale=list(determination["rationale"]),
        deciding=determination["deciding"],
        as_of=date.fromisoformat(determination["as_of"]),
        levels={a["factor_id"]: a["level"] for a in determination["assessments"]},
    )


def findings_out(found: RoundFindings) -> FindingsOut:
    return FindingsOut(
        case=found.case_id,
        round=found.round,
        submission=found.submission,
        as_of=found.as_of,
        outcome=found.outcome,
        final=found.final,
        levels=found.levels,
        findings=[
            FindingOut(
                product=f.product,
                id=f.id,
                aliases=list(f.aliases),
                component=f.component,
                name=f.name,
                version=f.version,
                purl=f.purl,
                severity=f.severity,
                score=f.score,
                kev=f.kev,
                status=f.status,  # type: ignore[arg-type]  # a Status value
                justification=f.justification,
                status_source=f.status_source,
                suppressed=f.suppressed,
                active=f.active,
            )
            for f in found.findings
        ],
    )


def triaged_out(triage: TriageRecord, found: RoundFindings) -> TriagedOut:
    return TriagedOut(
        triage=TriageOut(
            id=triage.id,
            round=triage.round,
            vulnerability=triage.vulnerability,
            component=triage.component,
            status=triage.status,  # type: ignore[arg-type]  # a Status value
            justification=triage.justification,
            note=triage.note,
            triaged_by=triage.triaged_by,
        ),
        findings=findings_out(found),
    )
