"""The findings of a case's round and their triage (`chainreview.case.triage`)."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Depends, Request, Response

from chainreview.api.auth import require
from chainreview.api.context import context
from chainreview.api.reviewing import reviewer
from chainreview.api.routes import AUTHED, SENT, CaseId, _errors
from chainreview.api.schemas_reviews import FindingsOut, TriagedOut, TriageIn
from chainreview.api.views import as_json
from chainreview.api.views_reviews import findings_out, triaged_out
from chainreview.case.access import Caller
from chainreview.case.credentials import Scope
from chainreview.case.service import case_today
from chainreview.case.triage import Triage, current_findings, triage_finding
from chainreview.findings.model import Status

router = APIRouter(prefix="/v1")


@router.get(
    "/cases/{case_id}/findings",
    response_model=FindingsOut,
    responses=_errors(*AUTHED, 404),
    tags=["findings"],
)
def findings(
    case_id: CaseId,
    caller: Annotated[Caller, Depends(require(Scope.CASES_READ))],
    request: Request,
) -> Response:
    """The findings of the case's latest round the caller may see (a round is seen with the
    submission it reviewed), each with its VEX status and what set it; 404 for a case the
    caller may not see, or one without a round yet."""
    return as_json(findings_out(current_findings(context(request).store, case_id, caller=caller)))


@router.post(
    "/cases/{case_id}/findings/triage",
    status_code=201,
    response_model=TriagedOut,
    responses=_errors(*AUTHED, *SENT, 404),
    tags=["findings"],
)
def triage(
    case_id: CaseId,
    given: TriageIn,
    caller: Annotated[Caller, Depends(require(Scope.CASES_ACT))],
    request: Request,
) -> TriagedOut:
    """Give a finding of the latest round a VEX status (a reviewer's): recorded, and the same
    submission reviewed again as the case's next round, which applies every triage of the case
    after the package's own VEX; answers the triage and the new round's findings, outcome and
    levels."""
    shared = context(request)
    day = given.as_of or case_today(shared.store, case_id, caller=caller, now=shared.clock())
    with reviewer(shared) as chosen:
        recorded, _ = triage_finding(
            shared.store,
            case_id,
            Triage(
                vulnerability=given.vulnerability,
                component=given.component,
                status=Status(given.status),
                justification=given.justification,
                note=given.note,
            ),
            chosen,
            caller=caller,
            as_of=day,
            allow_demo_intel=given.allow_demo_intel,
        )
    return triaged_out(recorded, current_findings(shared.store, case_id, caller=caller))
