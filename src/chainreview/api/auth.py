"""The one place a request becomes a `Caller`: every route that reads or changes anything takes
its caller from `require(scope)`, and passes it to library calls that check what it may see
and do (`chainreview.case.access`).

A request is authenticated by a bearer API token (`Authorization: Bearer crt_…`: its scopes
limit it) or else by the signed session cookie a login sets (every scope; unsafe methods must
echo the session's CSRF token in `X-CSRF-Token`). Either way the user is read again from the
store on each request, so a deactivated user is refused at once.
"""

from __future__ import annotations

import hmac
from collections.abc import Awaitable, Callable
from typing import Annotated, Final

from fastapi import Depends, Request, Response, Security
from fastapi.security import (
    APIKeyCookie,
    HTTPAuthorizationCredentials,
    HTTPBasic,
    HTTPBasicCredentials,
    HTTPBearer,
)

from chainreview.api.context import Session, context
from chainreview.api.errors import ApiRefusal
from chainreview.case.access import Caller
from chainreview.case.credentials import ALL_SCOPES, Scope, bearer
from chainreview.case.users import UnknownUser, identify

SESSION_COOKIE: Final = "chainreview_session"
CSRF_COOKIE: Final = "chainreview_csrf"
CSRF_HEADER: Final = "X-CSRF-Token"
SAFE_METHODS: Final = frozenset({"GET", "HEAD", "OPTIONS"})

_bearer_scheme = HTTPBearer(auto_error=False, description="An API token: crt_…")
_cookie_scheme = APIKeyCookie(
    name=SESSION_COOKIE, auto_error=False, description="The session a login sets."
)

_basic_scheme = HTTPBasic(
    auto_error=False,
    description="An API token as the password, any user name: for OSV clients that take "
    "only a URL (OSV routes only).",
)

NOT_LOGGED_IN: Final = "log in (POST /v1/auth/login) or send an API token (Authorization: Bearer)"


def unauthenticated(message: str) -> ApiRefusal:
    return ApiRefusal(401, "unauthenticated", message, {"WWW-Authenticate": "Bearer"})


def csrf_checked(request: Request, session: Session, given: str | None = None) -> None:
    """Refuse an unsafe request made with the session cookie unless it echoes the session's
    CSRF token (a page of another site can make the browser send the cookie, not the header):
    `given` (a web form's field), else the `X-CSRF-Token` header."""
    if request.method in SAFE_METHODS:
        return
    if given is None:
        given = request.headers.get(CSRF_HEADER, "")
    if not hmac.compare_digest(given.encode("utf-8"), session.csrf.encode("utf-8")):
        raise ApiRefusal(
            403, "csrf", f"a request with the session cookie needs the {CSRF_HEADER} header"
        )


def _authenticated(
    request: Request,
    token: Annotated[HTTPAuthorizationCredentials | None, Security(_bearer_scheme)],
    cookie: Annotated[str | None, Security(_cookie_scheme)],
) -> tuple[Caller, frozenset[Scope]]:
    shared = context(request)
    if request.headers.get("authorization") is not None:
        if token is None:
            raise unauthenticated("the Authorization header takes: Bearer <API token>")
        found = bearer(shared.store, token.credentials)
        return found.caller, found.scopes
    return session_caller(request, cookie), ALL_SCOPES


def session_caller(request: Request, cookie: str | None, csrf: str | None = None) -> Caller:
    """The caller of a session cookie (every scope), read again from the store, the request
    refused unless it is safe or echoes the session's CSRF token (`csrf_checked`): the API's
    routes through `require`, the web pages (`chainreview.web`) with their form's token."""
    if cookie is None:
        raise unauthenticated(NOT_LOGGED_IN)
    session = context(request).unseal(cookie)
    if session is None:
        raise unauthenticated("the session has expired or is not valid: log in again")
    try:
        caller = identify(context(request).store, session.name)
    except UnknownUser:
        raise unauthenticated("the session's user may no longer act: log in again") from None
    csrf_checked(request, session, csrf)
    return caller


def clear_session(response: Response, *, secure: bool) -> None:
    """Delete the session's two cookies on `response` (logging out)."""
    for name in (SESSION_COOKIE, CSRF_COOKIE):
        response.delete_cookie(name, samesite="lax", secure=secure, httponly=name == SESSION_COOKIE)


def require(scope: Scope) -> Callable[..., Awaitable[Caller]]:
    """A dependency giving the request's `Caller` if it may use `scope`."""

    async def caller(
        found: Annotated[tuple[Caller, frozenset[Scope]], Depends(_authenticated)],
    ) -> Caller:  # async: no work to hand to a thread (`_authenticated`, which reads, is sync)
        return _scoped(found, scope)

    return caller


def osv_reader(
    request: Request,
    basic: Annotated[HTTPBasicCredentials | None, Security(_basic_scheme)],
    token: Annotated[HTTPAuthorizationCredentials | None, Security(_bearer_scheme)],
    cookie: Annotated[str | None, Security(_cookie_scheme)],
) -> Caller | None:
    """The caller of an OSV query route: None when the settings open them to anyone
    (`osv_open`); else one with `intel:read`, authenticated as any route is, or by an API
    token given as the HTTP Basic password (all most OSV clients can send: a URL's
    `user:password@`, or `~/.netrc`)."""
    shared = context(request)
    if shared.settings.osv_open:
        return None
    if basic is not None:
        found = bearer(shared.store, basic.password)
        return _scoped((found.caller, found.scopes), Scope.INTEL_READ)
    return _scoped(_authenticated(request, token, cookie), Scope.INTEL_READ)


def _scoped(found: tuple[Caller, frozenset[Scope]], scope: Scope) -> Caller:
    who, scopes = found
    if scope not in scopes:
        raise ApiRefusal(403, "insufficient-scope", f"the API token lacks the scope {scope}")
    return who
