"""The routes of this slice: log in and out, cases (list, one, actions), intel status, audit
verify. Each parses, calls the library with the caller `auth.require` gave, and serializes."""

from __future__ import annotations

import secrets
from datetime import date
from typing import Annotated, Any, Final

from fastapi import APIRouter, Depends, Path, Query, Request, Response

from chainreview.api.auth import (
    CSRF_COOKIE,
    SESSION_COOKIE,
    clear_session,
    csrf_checked,
    require,
    unauthenticated,
)
from chainreview.api.context import Session, context
from chainreview.api.errors import ApiRefusal
from chainreview.api.schemas import (
    AuditOut,
    CaseDetail,
    CaseList,
    Day,
    ErrorOut,
    IntelStatus,
    LoginIn,
    LoginOut,
    MaterialsIn,
    StepIn,
)
from chainreview.api.views import (
    Answer,
    answer_of,
    audit_out,
    case_detail,
    case_out,
    intel_status,
    tagged,
)
from chainreview.case.access import Caller
from chainreview.case.credentials import BadCredentials, Scope, log_in
from chainreview.case.oversight import verify_log
from chainreview.case.service import (
    Step,
    case_listing,
    case_page,
    case_today,
    take_action,
)
from chainreview.intel import bundled, snapshot

router = APIRouter(prefix="/v1")


def _errors(*statuses: int) -> dict[int | str, dict[str, Any]]:
    return {status: {"model": ErrorOut} for status in statuses}


SENT: Final = (400, 413, 422)
"""What a request with a body may get: a body that is not JSON, too large, or invalid."""
AUTHED: Final = (401, 403, 422, 503)
"""What any authenticated route may answer besides its own: no or a bad credential, a refusal
(scope, CSRF, role), invalid input, an unusable database."""

CaseId = Annotated[
    str, Path(min_length=1, max_length=32, examples=["CR-2026-0001"], description="A case id.")
]
Today = Annotated[
    Day | None,
    Query(
        description="The day deadlines are seen from (default: today in the case's regime's "
        "time zone; for the list, cn-crm-2022's)."
    ),
]
NOT_MODIFIED: Final[dict[int | str, dict[str, Any]]] = {
    304: {"description": "Not modified: the page is the one the `If-None-Match` ETag names."}
}
Reader = Annotated[Caller, Depends(require(Scope.CASES_READ))]
Actor = Annotated[Caller, Depends(require(Scope.CASES_ACT))]


@router.post(
    "/auth/login",
    response_model=LoginOut,
    responses=_errors(*SENT, 401, 429, 503),
    tags=["auth"],
)
def login(given: LoginIn, request: Request, response: Response) -> LoginOut:
    """Log in with a user name and password: sets the session cookie (HttpOnly, SameSite=Lax)
    and returns the CSRF token. Failed logins are limited per account and per address (429)."""
    shared = context(request)
    address = request.client.host if request.client is not None else "unknown"
    wait = shared.limits.retry_after(given.name, address)
    if wait:
        raise ApiRefusal(
            429,
            "rate-limited",
            f"too many failed logins: try again in {wait} s",
            {"Retry-After": str(wait)},
        )
    try:
        caller = log_in(shared.store, given.name, given.password)
    except BadCredentials:
        shared.limits.failed(given.name, address)
        raise
    shared.limits.succeeded(given.name)
    csrf = secrets.token_urlsafe(32)
    secure = not shared.settings.dev
    age = shared.settings.session_seconds
    response.set_cookie(
        SESSION_COOKIE,
        shared.seal(Session(name=caller.name, csrf=csrf)),
        max_age=age,
        httponly=True,
        samesite="lax",
        secure=secure,
    )
    response.set_cookie(CSRF_COOKIE, csrf, max_age=age, samesite="lax", secure=secure)
    return LoginOut(name=caller.name, role=caller.role.value, org=caller.org, csrf_token=csrf)


@router.post("/auth/logout", status_code=204, responses=_errors(401, 403, 413), tags=["auth"])
def logout(request: Request) -> Response:
    """End the session: its cookies are cleared (the request must carry the session's CSRF
    token). A copy of the cookie kept elsewhere stays valid until it expires."""
    shared = context(request)
    cookie = request.cookies.get(SESSION_COOKIE)
    session = None if cookie is None else shared.unseal(cookie)
    if session is None:
        raise unauthenticated("no session to end")
    csrf_checked(request, session)
    done = Response(status_code=204)
    clear_session(done, secure=not shared.settings.dev)
    return done


@router.get("/cases", response_model=CaseList, responses=_errors(*AUTHED), tags=["cases"])
def list_cases(caller: Reader, request: Request, today: Today = None) -> Response:
    """Every case the caller may see, oldest first, with its deadline on `today`."""
    shared = context(request)
    found = case_listing(
        shared.store, caller=caller, today=today or shared.today(), home=shared.settings.home
    )
    answer = shared.store.large_memo.get(
        ("case-list-json", found.key),
        bytes,
        lambda: CaseList(cases=[case_out(v) for v in found.views]).model_dump_json().encode(),
    )
    return Response(answer, media_type="application/json")


@router.get(
    "/cases/{case_id}",
    response_model=CaseDetail,
    responses={**_errors(*AUTHED, 404), **NOT_MODIFIED},
    tags=["cases"],
)
def get_case(case_id: CaseId, caller: Reader, request: Request, today: Today = None) -> Response:
    """One case, its history and what it allows now; 404 for a case that does not exist or
    that the caller may not see (the same answer). Tagged (`ETag`): a request whose
    `If-None-Match` names the tag is answered 304 while the page is unchanged."""
    shared = context(request)
    page = case_page(
        shared.store,
        case_id,
        caller=caller,
        today=today,
        now=shared.clock(),
        home=shared.settings.home,
    )
    answer = shared.store.memo.get(
        ("case-page-json", page.key), Answer, lambda: answer_of(case_detail(page.view))
    )
    return tagged(answer, request)


ACTED: Final = _errors(*AUTHED, *SENT, 404, 409)


@router.post("/cases/{case_id}/advance", response_model=CaseDetail, responses=ACTED, tags=["cases"])
def advance(case_id: CaseId, step: StepIn, caller: Actor, request: Request) -> CaseDetail:
    """Take a procedure action in the caller's role; 403 when the case's state, clock or the
    role does not allow it (naming what does), 409 when the case moved on since
    `expected_version`."""
    return _take(
        request, case_id, caller, step.action, step.on, step.days, step.note, step.expected_version
    )


@router.post(
    "/cases/{case_id}/request-materials", response_model=CaseDetail, responses=ACTED, tags=["cases"]
)
def request_materials(
    case_id: CaseId, given: MaterialsIn, caller: Actor, request: Request
) -> CaseDetail:
    """Ask for supplementary materials: the clock stops until they arrive (Art. 15)."""
    return _take(
        request,
        case_id,
        caller,
        "request-materials",
        given.on,
        None,
        given.note,
        given.expected_version,
    )


@router.post(
    "/cases/{case_id}/supply-materials", response_model=CaseDetail, responses=ACTED, tags=["cases"]
)
def supply_materials(
    case_id: CaseId, given: MaterialsIn, caller: Actor, request: Request
) -> CaseDetail:
    """Record that the requested materials arrived: the clock runs again."""
    return _take(
        request,
        case_id,
        caller,
        "supply-materials",
        given.on,
        None,
        given.note,
        given.expected_version,
    )


@router.get("/intel/status", response_model=IntelStatus, responses=_errors(*AUTHED), tags=["intel"])
def intel(
    caller: Annotated[Caller, Depends(require(Scope.INTEL_READ))], request: Request
) -> IntelStatus:
    """The current intel snapshot: its hash, sources, their dates and what it lacks."""
    home = context(request).settings.home
    current = snapshot.open_current(home)
    if current is None:
        return intel_status(None, bundled=False)
    with current:
        manifest = dict(current.manifest)
    return intel_status(manifest, bundled=bundled.installed_hash(home) == manifest["hash"])


@router.get("/audit/verify", response_model=AuditOut, responses=_errors(*AUTHED), tags=["audit"])
def audit(
    caller: Annotated[Caller, Depends(require(Scope.AUDIT_READ))], request: Request
) -> AuditOut:
    """Check the whole audit log's hash chain (the office's roles): sound, or the first bad
    entry and why."""
    return audit_out(verify_log(context(request).store, caller=caller))


def _take(
    request: Request,
    case_id: str,
    caller: Caller,
    action: str,
    on: date | None,
    days: int | None,
    note: str | None,
    version: int,
) -> CaseDetail:
    shared = context(request)
    view = take_action(
        shared.store,
        case_id,
        Step(
            action=action,
            on=on or case_today(shared.store, case_id, caller=caller, now=shared.clock()),
            days=days,
            note=note,
        ),
        caller=caller,
        expected_version=version,
        home=shared.settings.home,
    )
    return case_detail(view)
