"""The pages of the case work: declaring a package (a zip, or its files one by one), reviewing
a case's latest submission, a member unit's opinion, the findings of the latest round and
their triage, and what changed between two rounds.

Uploads and triage go through the API's own routes (`api.routes_declarations`,
`api.routes_findings`: the same size limits, library calls and answers); the rest are library
calls with the session's caller (`case.rounds`, `case.opinions`). An operator's declaration is
reviewed but not recorded, so its determination is carried to the case page in a signed
cookie (`web.declared`)."""

from __future__ import annotations

from collections.abc import Callable
from typing import Annotated
from urllib.parse import quote

from fastapi import APIRouter, File, Form, Query, Request, UploadFile
from pydantic import ValidationError
from starlette.responses import Response

from chainreview import limits
from chainreview.api.context import context
from chainreview.api.errors import status_of
from chainreview.api.reviewing import reviewer
from chainreview.api.routes_declarations import upload, upload_files
from chainreview.api.routes_findings import triage as api_triage
from chainreview.api.schemas_reviews import DeclaredOut, TriageIn
from chainreview.case.access import Caller
from chainreview.case.diff import RoundDiff
from chainreview.case.opinions import Stance, give_opinion
from chainreview.case.procedure import Role
from chainreview.case.rounds import case_diff, review_round
from chainreview.case.service import case_today
from chainreview.case.triage import current_findings
from chainreview.errors import ChainreviewError, InputError, InvalidPackage
from chainreview.report.vex_vocabulary import OPENVEX_LABELS
from chainreview.web.declared import DECLARED_COOKIE, DECLARED_SECONDS, seal
from chainreview.web.pages import CaseId, Token, _case, _frame, _guarded, _see_other, language
from chainreview.web.render import page
from chainreview.web.views_work import SORTS, factor_titles, sorted_findings

router = APIRouter(include_in_schema=False)

UPLOAD_PATHS = ("/declare", "/declare/files")
"""The pages that take a package: the API's upload cap applies to them (`web.site`)."""
Vendor = Annotated[str, Form(max_length=200)]
Round = Annotated[int | None, Query(ge=1, le=1_000_000)]
Text = Annotated[str, Form(max_length=3000)]
Identifier = Annotated[str, Form(min_length=1, max_length=1000)]
STATUSES = ("affected", "not_affected", "fixed", "under_investigation")
JUSTIFICATIONS = tuple(sorted(OPENVEX_LABELS))


def _case_path(case_id: str) -> str:
    return f"/cases/{quote(case_id, safe='')}"


@router.get("/declare")
def declare_page(request: Request) -> Response:
    """The upload form: a zip archive, or the package's folder (each file's path in it)."""
    return _guarded(request, lambda caller: _declare_form(request, caller, (), 200))


def _declare_form(
    request: Request, caller: Caller, problems: tuple[str, ...], status: int
) -> Response:
    return page(
        language(request),
        "declare.html.j2",
        status,
        **_frame(request, caller),
        problems=problems,
        mib=limits.MAX_PACKAGE_ZIP_BYTES // 2**20,
    )


@router.post("/declare")
def declare_zip(
    request: Request,
    csrf: Token,
    package: Annotated[UploadFile, File()],
    vendor: Vendor = "",
) -> Response:
    """Declare the package in a zip archive (`POST /v1/declarations`); the new case's page, or
    the form again with every problem."""
    return _guarded(
        request,
        lambda caller: _declared(
            request, caller, lambda: upload(caller, request, package, vendor.strip() or None)
        ),
        csrf,
    )


@router.post("/declare/files")
def declare_files(
    request: Request,
    csrf: Token,
    files: Annotated[list[UploadFile], File()],
    vendor: Vendor = "",
) -> Response:
    """Declare the package sent file by file (`POST /v1/declarations/files`: each part's file
    name its path, a browser's folder upload giving the folder as its one top-level folder)."""
    return _guarded(
        request,
        lambda caller: _declared(
            request,
            caller,
            lambda: upload_files(caller, request, files, vendor.strip() or None),
        ),
        csrf,
    )


def _declared(request: Request, caller: Caller, send: Callable[[], DeclaredOut]) -> Response:
    try:
        done = send()
    except InvalidPackage as error:
        problems = tuple(" ".join(str(p).split()) for p in error.problems)
        return _declare_form(request, caller, problems, status_of(error)[0])
    except InputError as error:
        return _declare_form(request, caller, (" ".join(str(error).split()),), 422)
    case_id = done.case.id
    answer = _see_other(_case_path(case_id) + "?done=declaration")
    if done.round is None:  # an operator's: reviewed, not recorded
        shared = context(request)
        answer.set_cookie(
            DECLARED_COOKIE,
            seal(shared.settings.secret, case_id, done.determination),
            max_age=DECLARED_SECONDS,
            path=_case_path(case_id),
            httponly=True,
            samesite="lax",
            secure=not shared.settings.dev,
        )
    return answer


@router.post("/cases/{case_id}/review")
def review(case_id: CaseId, request: Request, csrf: Token) -> Response:
    """Review the case's latest submission as its next round (a reviewer's), as of today."""

    def run(caller: Caller) -> Response:
        shared = context(request)
        day = case_today(shared.store, case_id, caller=caller, now=shared.clock())
        try:
            with reviewer(shared) as chosen:
                review_round(shared.store, case_id, chosen, as_of=day, caller=caller)
        except ChainreviewError as error:
            return _refused(request, case_id, caller, error)
        return _see_other(_case_path(case_id) + "?done=review")

    return _guarded(request, run, csrf)


@router.post("/cases/{case_id}/opinion")
def opinion(
    case_id: CaseId,
    request: Request,
    csrf: Token,
    stance: Annotated[str, Form(max_length=16)],
    text: Text,
) -> Response:
    """Record the caller's member unit's opinion on the case."""

    def give(caller: Caller) -> Response:
        if stance not in {s.value for s in Stance}:
            wrong = InputError("stance", f"{stance!r} is neither concur nor dissent")
            return _refused(request, case_id, caller, wrong)
        try:
            give_opinion(context(request).store, case_id, Stance(stance), text, caller=caller)
        except ChainreviewError as error:
            return _refused(request, case_id, caller, error)
        return _see_other(_case_path(case_id) + "?done=opinion#outcomes")

    return _guarded(request, give, csrf)


def _refused(request: Request, case_id: str, caller: Caller, error: ChainreviewError) -> Response:
    """The case page saying why (a case the caller may not see: its 404, as `_case` reads it)."""
    status, _ = status_of(error)
    return _case(request, case_id, caller, None, " ".join(str(error).split()), status)


@router.get("/cases/{case_id}/findings")
def findings(
    case_id: CaseId,
    request: Request,
    sort: Annotated[str, Query(max_length=16)] = "severity",
) -> Response:
    """The findings of the latest round the caller may see, sorted by a column; a triage form
    for each, for a reviewer."""
    return _guarded(request, lambda caller: _findings(request, case_id, caller, sort, None, 200))


def _findings(
    request: Request, case_id: str, caller: Caller, sort: str, problem: str | None, status: int
) -> Response:
    found = current_findings(context(request).store, case_id, caller=caller)
    chosen = sort if sort in SORTS else "severity"
    return page(
        language(request),
        "findings.html.j2",
        status,
        **_frame(request, caller),
        case_id=case_id,
        r=found,
        rows=sorted_findings(found.findings, chosen),
        sort=chosen,
        sorts=SORTS,
        triage=caller.role is Role.REVIEWER,
        statuses=STATUSES,
        justifications=JUSTIFICATIONS,
        titles=factor_titles(),
        problem=problem,
    )


@router.post("/cases/{case_id}/triage")
def triage(
    case_id: CaseId,
    request: Request,
    csrf: Token,
    vulnerability: Identifier,
    component: Identifier,
    status: Annotated[str, Form(max_length=32)],
    statement: Text,
    justification: Annotated[str, Form(max_length=64)] = "",
) -> Response:
    """Give a finding of the latest round a VEX status (`POST /v1/cases/{id}/findings/triage`):
    recorded, the next round reviewed; what changed from the round triaged to it."""

    def record(caller: Caller) -> Response:
        try:
            given = TriageIn.model_validate(
                {
                    "vulnerability": vulnerability,
                    "component": component,
                    "status": status,
                    "justification": justification or None,
                    "note": statement,
                }
            )
        except ValidationError as error:
            first = error.errors()[0]
            where = ".".join(str(p) for p in first["loc"])
            problem = f"{where}: {first['msg']}"
            return _findings(request, case_id, caller, "severity", problem, 422)
        try:
            done = api_triage(case_id, given, caller, request)
        except ChainreviewError as error:  # an unseen case: the page's own 404, as it reads it
            code, _ = status_of(error)
            problem = " ".join(str(error).split())
            return _findings(request, case_id, caller, "severity", problem, code)
        target = (
            f"{_case_path(case_id)}/diff?before={done.triage.round}&after={done.findings.round}"
        )
        return _see_other(target + "&triaged=" + quote(done.triage.vulnerability, safe=""))

    return _guarded(request, record, csrf)


@router.get("/cases/{case_id}/diff")
def diff(
    case_id: CaseId,
    request: Request,
    before: Round = None,
    after: Round = None,
    triaged: Annotated[str | None, Query(max_length=200)] = None,
) -> Response:
    """What changed from round `before` to round `after` (default: the last two the caller may
    see), as `case diff` tells it to the caller."""

    def show(caller: Caller) -> Response:
        found: RoundDiff = case_diff(context(request).store, case_id, before, after, caller=caller)
        return page(
            language(request),
            "diff.html.j2",
            **_frame(request, caller),
            case_id=case_id,
            d=found,
            rounds=(_number(found.before.name), _number(found.after.name)),
            titles=factor_titles(),
            triaged=triaged,
        )

    return _guarded(request, show)


def _number(name: str) -> str:
    """A side's round number (`case diff` names it `case ID round N`)."""
    return name.rsplit(" ", 1)[-1]
