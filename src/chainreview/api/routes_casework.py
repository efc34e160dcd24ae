"""The office's work on a case after its clock: submissions and review rounds, member units'
opinions, the decision, its conditions and risk acceptances (`chainreview.case`), as the CLI's
`case submit | review | opinion | decide | condition | accept-risk | approve-risk` do it."""

from __future__ import annotations

import tempfile
from datetime import date
from pathlib import Path as FilePath
from typing import Annotated, Final

from fastapi import APIRouter, Depends, File, Path, Request, Response, UploadFile

from chainreview.api.auth import require
from chainreview.api.context import Context, context
from chainreview.api.reviewing import reviewer
from chainreview.api.routes import AUTHED, SENT, CaseId, Today, _errors
from chainreview.api.routes_declarations import saved_zip
from chainreview.api.schemas_casework import (
    AcceptanceIn,
    AcceptanceOut,
    ApprovalIn,
    BreachedIn,
    DecisionIn,
    MetIn,
    OpinionIn,
    OpinionOut,
    OutcomesOut,
    RoundIn,
    RulingOut,
    SettledOut,
)
from chainreview.api.schemas_reviews import FindingsOut, SubmissionOut
from chainreview.api.views import as_json
from chainreview.api.views_casework import (
    acceptance_out,
    opinion_out,
    outcomes_out,
    ruling_out,
    settled_out,
)
from chainreview.api.views_reviews import findings_out, submission_out
from chainreview.case import acceptances, conditions, decisions
from chainreview.case.access import Caller
from chainreview.case.credentials import Scope
from chainreview.case.opinions import Stance, give_opinion
from chainreview.case.outcomes import Party, case_outcomes
from chainreview.case.rounds import review_round, submit_package
from chainreview.case.service import case_today
from chainreview.case.triage import current_findings
from chainreview.errors import NotFound
from chainreview.levels import Level
from chainreview.portfolio.kept import keep_records

router = APIRouter(prefix="/v1")

Reader = Annotated[Caller, Depends(require(Scope.CASES_READ))]
Actor = Annotated[Caller, Depends(require(Scope.CASES_ACT))]
ConditionId = Annotated[int, Path(ge=1, le=2**31 - 1, description="A condition's id.")]
AcceptanceId = Annotated[int, Path(ge=1, le=2**31 - 1, description="A risk acceptance's id.")]
ACTED: Final = _errors(*AUTHED, *SENT, 404, 409)
SUBMISSIONS: Final = "/v1/cases/{case_id}/submissions"
"""The route that takes a package (the upload cap applies to it: `api.app`)."""


@router.get(
    "/cases/{case_id}/outcomes",
    response_model=OutcomesOut,
    responses=_errors(*AUTHED, 404),
    tags=["outcomes"],
)
def outcomes(case_id: CaseId, caller: Reader, request: Request, today: Today = None) -> Response:
    """What the caller may see of the case's outcome on `today`: opinions (the office's and
    the member units' to read), decisions, the conditions that bind a party the caller sees
    with where each stands, and the risk acceptances with their effect."""
    shared = context(request)
    day = today or _today(shared, case_id, caller)
    return as_json(outcomes_out(case_outcomes(shared.store, case_id, caller=caller, today=day)))


@router.post(
    "/cases/{case_id}/opinions",
    status_code=201,
    response_model=OpinionOut,
    responses=ACTED,
    tags=["outcomes"],
)
def opinion(case_id: CaseId, given: OpinionIn, caller: Actor, request: Request) -> OpinionOut:
    """A member unit's opinion on a case put to member units (Art. 12(1)); 403 for anyone
    else, or outside the states in which units are consulted."""
    store = context(request).store
    return opinion_out(
        give_opinion(store, case_id, Stance(given.stance), given.text, caller=caller)
    )


@router.post(
    "/cases/{case_id}/decision",
    status_code=201,
    response_model=RulingOut,
    responses=ACTED,
    tags=["outcomes"],
)
def decide(case_id: CaseId, given: DecisionIn, caller: Actor, request: Request) -> RulingOut:
    """Record the decision and conclude the case with it, in one step (the approver's, from
    the states the procedure allows); 409 when the case moved on since `expected_version`."""
    shared = context(request)
    day = given.on or _today(shared, case_id, caller)
    ruling = decisions.decide(
        shared.store,
        case_id,
        decisions.Decided(
            outcome=decisions.Outcome(given.outcome),
            reason=given.reason,
            on=day,
            conditions=tuple(
                decisions.Required(text=c.text, party=Party(c.party), due=c.due)
                for c in given.conditions
            ),
            from_round=given.from_round,
            dates={str(term): day for term, day in given.dates.items()},
        ),
        caller=caller,
        expected_version=given.expected_version,
    )
    return ruling_out(ruling, day)


@router.post(
    "/cases/{case_id}/conditions/{condition_id}/met",
    response_model=SettledOut,
    responses=ACTED,
    tags=["outcomes"],
)
def condition_met(
    case_id: CaseId, condition_id: ConditionId, given: MetIn, caller: Actor, request: Request
) -> SettledOut:
    """Record a condition met (a reviewer's), with the evidence it was met on."""
    shared = context(request)
    settled = conditions.mark_met(
        shared.store,
        case_id,
        condition_id,
        note=given.note,
        on=given.on or _today(shared, case_id, caller),
        caller=caller,
        submission=given.submission,
    )
    return settled_out(settled)


@router.post(
    "/cases/{case_id}/conditions/{condition_id}/breached",
    response_model=SettledOut,
    responses=ACTED,
    tags=["outcomes"],
)
def condition_breached(
    case_id: CaseId, condition_id: ConditionId, given: BreachedIn, caller: Actor, request: Request
) -> SettledOut:
    """Record a condition breached (a reviewer's) and take the procedure's breach action with
    it (cn-crm-2022: back to review, from monitoring only)."""
    shared = context(request)
    settled = conditions.mark_breached(
        shared.store,
        case_id,
        condition_id,
        note=given.note,
        on=given.on or _today(shared, case_id, caller),
        caller=caller,
        expected_version=given.expected_version,
    )
    return settled_out(settled)


@router.post(
    "/cases/{case_id}/acceptances",
    status_code=201,
    response_model=AcceptanceOut,
    responses=ACTED,
    tags=["outcomes"],
)
def propose(case_id: CaseId, given: AcceptanceIn, caller: Actor, request: Request) -> AcceptanceOut:
    """Propose a risk acceptance (a reviewer or approver): a condition waived, a factor's level
    set, or a finding accepted; it counts once another approver approves it."""
    shared = context(request)
    day = given.on or _today(shared, case_id, caller)
    proposal = acceptances.Proposal(
        kind=acceptances.Kind(given.kind),
        owner=given.owner,
        reason=given.reason,
        expires=given.expires,
        on=day,
        condition=given.condition,
        subject=given.subject,
        level=None if given.level is None else Level(given.level),
    )
    return acceptance_out(acceptances.propose(shared.store, case_id, proposal, caller=caller), day)


@router.post(
    "/cases/{case_id}/acceptances/{acceptance_id}/approve",
    response_model=AcceptanceOut,
    responses=ACTED,
    tags=["outcomes"],
)
def approve(
    case_id: CaseId,
    acceptance_id: AcceptanceId,
    given: ApprovalIn,
    caller: Actor,
    request: Request,
) -> AcceptanceOut:
    """Approve a risk acceptance of the case (an approver other than its proposer, before it
    expires); 404 for one the case does not have."""
    shared = context(request)
    day = given.on or _today(shared, case_id, caller)
    seen = case_outcomes(shared.store, case_id, caller=caller, today=day).acceptances
    if acceptance_id not in {found.id for found, _ in seen}:
        raise NotFound(f"case {case_id} has no risk acceptance {acceptance_id}")
    return acceptance_out(
        acceptances.approve(shared.store, acceptance_id, caller=caller, on=day), day
    )


@router.post(
    "/cases/{case_id}/submissions",
    status_code=201,
    response_model=SubmissionOut,
    responses=ACTED,
    tags=["rounds"],
)
def submit(
    case_id: CaseId,
    caller: Actor,
    request: Request,
    package: Annotated[UploadFile, File(description="The declaration package as one zip archive.")],
) -> SubmissionOut:
    """Store a declaration package (a zip archive, at most 64 MiB) as the case's next
    submission, made by the caller's party (applicant, vendor, or a reviewer for the office):
    unpacked safely and checked first (422 listing every problem; nothing stored)."""
    store = context(request).store
    with tempfile.TemporaryDirectory(prefix="chainreview-submission-") as scratch:
        received = saved_zip(package, FilePath(scratch))
        unpacked = FilePath(scratch) / "unpacked"
        unpacked.mkdir()
        folder = received.place(unpacked)
        return submission_out(
            submit_package(store, case_id, folder, caller=caller, keep=keep_records)
        )


@router.post(
    "/cases/{case_id}/rounds",
    status_code=201,
    response_model=FindingsOut,
    responses=ACTED,
    tags=["rounds"],
)
def review(case_id: CaseId, given: RoundIn, caller: Actor, request: Request) -> FindingsOut:
    """Review a submission (default: the latest) on the current intel snapshot as the case's
    next round (a reviewer's): answers the new round's outcome, levels and findings."""
    shared = context(request)
    day = given.as_of or _today(shared, case_id, caller)
    with reviewer(shared) as chosen:
        review_round(
            shared.store,
            case_id,
            chosen,
            as_of=day,
            caller=caller,
            submission=given.submission,
            allow_demo_intel=given.allow_demo_intel,
        )
    return findings_out(current_findings(shared.store, case_id, caller=caller))


def _today(shared: Context, case_id: str, caller: Caller) -> date:
    return case_today(shared.store, case_id, caller=caller, now=shared.clock())
