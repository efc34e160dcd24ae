"""The pages: log in and out, the dashboard, the case list, a case and its actions, the
language switch. Each reads its caller from the session (`api.auth.session_caller`, as the
API's `require` does), calls the library with it, and renders what comes back; a library error
is a page with the status the API gives it (`api.errors.status_of`)."""

from __future__ import annotations

import hmac
import secrets
from collections.abc import Callable
from datetime import date
from importlib import resources
from typing import Annotated, Any, Final
from urllib.parse import quote

from fastapi import APIRouter, Form, Path, Request
from pydantic import ValidationError
from starlette.responses import RedirectResponse, Response
from starlette.types import Scope

from chainreview.api.auth import SESSION_COOKIE, clear_session, session_caller
from chainreview.api.context import context
from chainreview.api.errors import ApiRefusal, status_of
from chainreview.api.routes import login as api_login
from chainreview.api.schemas import LoginIn
from chainreview.case.access import Caller
from chainreview.case.outcomes import case_outcomes
from chainreview.case.rounds import case_evidence, latest_assessments
from chainreview.case.service import (
    CaseView,
    Step,
    case_today,
    list_case_views,
    take_action,
    view_case,
)
from chainreview.errors import ChainreviewError, ConflictError, RefusedAction
from chainreview.report.i18n import Language
from chainreview.web.declared import DECLARED_COOKIE, unseal
from chainreview.web.i18n import LANG_COOKIE, chosen
from chainreview.web.render import page
from chainreview.web.views import case_page, dashboard, listed

router = APIRouter(include_in_schema=False)

LOGIN_COOKIE: Final = "chainreview_login"
"""The login form's own CSRF token (double submit): another site cannot log a browser in."""
LOGIN_SECONDS: Final = 3600
_MIB: Final = 1024 * 1024
_STYLE: Final = (resources.files("chainreview.web") / "static" / "style.css").read_bytes()

CaseId = Annotated[str, Path(min_length=1, max_length=32)]
Token = Annotated[str, Form(max_length=128)]


def language(request: Request) -> Language:
    """The language the request asks for (the switch's cookie, else `Accept-Language`)."""
    return chosen(request.cookies.get(LANG_COOKIE), request.headers.get("accept-language"))


def _local(target: str | None) -> str:
    """`target` if it is a path of this site, else the dashboard: no open redirect, and since
    browsers read a backslash as a slash and drop tabs and line breaks, no control character,
    space or backslash either."""
    if (
        not target
        or not target.startswith("/")
        or target.startswith("//")
        or any(c == "\\" or ord(c) < 0x21 or ord(c) == 0x7F for c in target)
    ):
        return "/"
    return target


def _see_other(target: str) -> RedirectResponse:
    return RedirectResponse(target, status_code=303)


def _session_csrf(request: Request) -> str:
    """The CSRF token of the request's session, for the page's forms."""
    cookie = request.cookies.get(SESSION_COOKIE)
    session = None if cookie is None else context(request).unseal(cookie)
    return "" if session is None else session.csrf


def _guarded(
    request: Request, render: Callable[[Caller], Response], csrf: str | None = None
) -> Response:
    """`render` for the session's caller; the login page when there is no session (a page
    read), the error page for a refusal or a library error."""
    lang = language(request)
    try:
        caller = session_caller(request, request.cookies.get(SESSION_COOKIE), csrf)
    except ApiRefusal as refusal:
        if refusal.status_code == 401 and request.method == "GET":
            return _see_other("/login?next=" + quote(request.url.path, safe="/"))
        return _error(request, lang, None, refusal.status_code, str(refusal.detail))
    try:
        return render(caller)
    except ChainreviewError as error:
        status, _ = status_of(error)
        return _error(request, lang, caller, status, str(error))


def _error(
    request: Request, lang: Language, caller: Caller | None, status: int, message: str
) -> Response:
    return page(
        lang,
        "error.html.j2",
        status,
        **_frame(request, caller),
        status=status,
        message=" ".join(message.split()),
    )


def too_large(scope: Scope, limit: int) -> Response:
    """The page answering a form whose body is over the cap (`api.bodylimit`), in the
    language the request asks for."""
    request = Request(scope)
    size = f"{limit // _MIB} MiB" if limit >= _MIB else f"{limit // 1024} KiB"
    return page(
        language(request),
        "error.html.j2",
        413,
        **_frame(request, None),
        status=413,
        message="",
        size=size,
    )


def _frame(request: Request, caller: Caller | None) -> dict[str, Any]:
    """What the layout needs: who is logged in, their forms' token, where the page is."""
    return {"caller": caller, "csrf": _session_csrf(request), "here": request.url.path}


@router.get("/static/style.css")
def style() -> Response:
    return Response(_STYLE, media_type="text/css", headers={"Cache-Control": "max-age=3600"})


@router.get("/lang/{code}")
def switch_language(code: str, request: Request, next: str | None = None) -> Response:
    """Remember the language chosen (a cookie for a year) and go back to the page."""
    done = _see_other(_local(next))
    if code in {lang.value for lang in Language}:
        done.set_cookie(LANG_COOKIE, code, max_age=365 * 86400, samesite="lax")
    return done


@router.get("/login")
def login_page(request: Request, next: str | None = None) -> Response:
    """The login form, with a fresh login token."""
    return _login_form(request, _local(next), None, 200)


def _login_form(request: Request, target: str, problem: str | None, status: int) -> Response:
    token = secrets.token_urlsafe(32)
    shown = page(
        language(request),
        "login.html.j2",
        status,
        **_frame(request, None),
        token=token,
        next=target,
        problem=problem,
    )
    shown.set_cookie(
        LOGIN_COOKIE,
        token,
        max_age=LOGIN_SECONDS,
        httponly=True,
        samesite="strict",
        secure=not context(request).settings.dev,
    )
    return shown


@router.post("/login")
def login(
    request: Request,
    name: Annotated[str, Form(max_length=200)],
    password: Annotated[str, Form(max_length=256)],
    token: Token,
    next: Annotated[str, Form(max_length=2000)] = "/",
) -> Response:
    """Log in through the API's login (its rate limits, its cookies), then go to `next`."""
    target = _local(next)
    expected = request.cookies.get(LOGIN_COOKIE, "")
    if not expected or not hmac.compare_digest(token.encode(), expected.encode()):
        return _login_form(request, target, "expired", 403)
    done = _see_other(target)
    try:
        given = LoginIn(name=name, password=password)
    except ValidationError:
        return _login_form(request, target, "wrong", 401)
    try:
        api_login(given, request, done)
    except ApiRefusal as refusal:
        return _login_form(request, target, "limited", refusal.status_code)
    except ChainreviewError as error:
        status, _ = status_of(error)
        return _login_form(request, target, "wrong" if status == 401 else "store", status)
    done.delete_cookie(LOGIN_COOKIE, samesite="strict")
    return done


@router.post("/logout")
def logout(request: Request, csrf: Token) -> Response:
    """End the session (the form carries its CSRF token) and show the login form."""

    def end(caller: Caller) -> Response:
        done = _see_other("/login")
        clear_session(done, secure=not context(request).settings.dev)
        return done

    return _guarded(request, end, csrf)


@router.get("/")
def home(request: Request) -> Response:
    """The dashboard: open cases by deadline, overdue ones, stopped clocks, overdue
    conditions."""

    def show(caller: Caller) -> Response:
        views, today = _listed(request, caller)
        return page(
            language(request),
            "dashboard.html.j2",
            **_frame(request, caller),
            board=dashboard(views),
            today=today,
        )

    return _guarded(request, show)


@router.get("/cases")
def cases(request: Request) -> Response:
    """Every case the caller may see, with its deadline."""

    def show(caller: Caller) -> Response:
        views, today = _listed(request, caller)
        return page(
            language(request),
            "cases.html.j2",
            **_frame(request, caller),
            rows=listed(views),
            today=today,
        )

    return _guarded(request, show)


def _listed(request: Request, caller: Caller) -> tuple[tuple[CaseView, ...], date]:
    """Every case the caller may see, with its clock on today (the default regime's), and
    that day."""
    shared = context(request)
    today = shared.today()
    views = list_case_views(shared.store, caller=caller, today=today, home=shared.settings.home)
    return views, today


@router.get("/cases/{case_id}")
def case(case_id: CaseId, request: Request, done: str | None = None) -> Response:
    """One case: where it stands, its clock, the actions the caller may take, the factors of
    its last round, its rounds, history, opinions, decisions and conditions."""
    return _guarded(request, lambda caller: _case(request, case_id, caller, done, None, 200))


def _case(
    request: Request,
    case_id: str,
    caller: Caller,
    done: str | None,
    problem: str | None,
    status: int,
) -> Response:
    shared = context(request)
    day = case_today(shared.store, case_id, caller=caller, now=shared.clock())
    view = view_case(shared.store, case_id, caller=caller, today=day, home=shared.settings.home)
    round_number, assessed = latest_assessments(shared.store, case_id, caller=caller)
    return page(
        language(request),
        "case.html.j2",
        status,
        **_frame(request, caller),
        c=case_page(
            view,
            caller,
            evidence=case_evidence(shared.store, case_id, caller=caller),
            outcomes=case_outcomes(shared.store, case_id, caller=caller, today=day),
            round_number=round_number,
            assessed=assessed,
        ),
        done=done[:64] if done else None,
        problem=problem,
        declared=unseal(shared.settings.secret, request.cookies.get(DECLARED_COOKIE), view.case.id),
    )


@router.post("/cases/{case_id}/act")
def act(
    case_id: CaseId,
    request: Request,
    csrf: Token,
    action: Annotated[str, Form(min_length=1, max_length=64)],
    expected_version: Annotated[int, Form(ge=0)],
    note: Annotated[str, Form(max_length=2000)] = "",
) -> Response:
    """Take a procedure action in the caller's role on the version of the case the page
    showed; the case again, with what was done or why it was refused."""

    def take(caller: Caller) -> Response:
        shared = context(request)
        step = Step(
            action=action,
            on=case_today(shared.store, case_id, caller=caller, now=shared.clock()),
            note=note.strip() or None,
        )
        try:
            take_action(
                shared.store,
                case_id,
                step,
                caller=caller,
                expected_version=expected_version,
                home=shared.settings.home,
            )
        except (RefusedAction, ConflictError) as error:
            status, _ = status_of(error)
            return _case(request, case_id, caller, None, " ".join(str(error).split()), status)
        return _see_other(f"/cases/{quote(case_id, safe='')}?done={quote(action, safe='')}")

    return _guarded(request, take, csrf)
