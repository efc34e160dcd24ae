"""Where the library's errors become HTTP statuses, in one place (as `cli/exit_codes.py` is for
exit codes): each answer is `{"error": kind, "message": one line}`.

A bug answers 500 with the same shape, naming only the exception's class; its traceback goes to
the `chainreview.api` logger (the server's log), never to the client.

A declaration package with problems (`InvalidPackage`) also lists every problem, one line each
naming the file and the place (`problems`).

A case the caller may not see is `NotFound` in the library, worded as for a missing one, so it
answers 404 with the same body.
"""

from __future__ import annotations

import logging
from typing import Any, Final

from fastapi import FastAPI, Request
from fastapi.exceptions import RequestValidationError
from fastapi.responses import JSONResponse
from starlette.exceptions import HTTPException

from chainreview.case.credentials import BadCredentials
from chainreview.errors import (
    ChainreviewError,
    ConflictError,
    InputError,
    InvalidPackage,
    NotFound,
    PolicyFailure,
    RefusedAction,
    StoreError,
)
from chainreview.matches.osv_query import BadQuery, NoSnapshot

STATUSES: Final[tuple[tuple[type[ChainreviewError], int, str], ...]] = (
    (BadCredentials, 401, "unauthenticated"),
    (NotFound, 404, "not-found"),
    (ConflictError, 409, "conflict"),
    (RefusedAction, 403, "refused"),
    (BadQuery, 400, "bad-query"),
    (InputError, 422, "bad-input"),
    (PolicyFailure, 422, "policy-failure"),
    (StoreError, 503, "store-unavailable"),
    (NoSnapshot, 503, "no-snapshot"),
)
"""Each error class (the first that matches, most specific first), its status and kind."""

HTTP_KINDS: Final = {
    400: "bad-request",
    401: "unauthenticated",
    403: "refused",
    404: "not-found",
    405: "method-not-allowed",
    413: "too-large",
    429: "rate-limited",
}


class ApiRefusal(HTTPException):
    """A refusal the API itself makes (no session, no scope, no CSRF token, rate limited)."""

    def __init__(
        self, status: int, kind: str, message: str, headers: dict[str, str] | None = None
    ) -> None:
        super().__init__(status, message, headers)
        self.kind = kind


def status_of(error: ChainreviewError) -> tuple[int, str]:
    """The HTTP status and kind of a library error; 500 for one not in `STATUSES`."""
    for kind, status, name in STATUSES:
        if isinstance(error, kind):
            return status, name
    return 500, "internal"


def body(kind: str, message: str) -> dict[str, str]:
    """The one error body: kind and a one-line message."""
    return {"error": kind, "message": " ".join(message.split())}


def install(app: FastAPI) -> None:
    """Register the handlers that give every error the one body."""

    async def library(request: Request, error: Exception) -> JSONResponse:
        assert isinstance(error, ChainreviewError)
        status, kind = status_of(error)
        headers = {"WWW-Authenticate": "Bearer"} if status == 401 else None
        answer: dict[str, Any] = body(kind, str(error))
        if isinstance(error, InvalidPackage):  # every problem, one line each
            answer["problems"] = [" ".join(str(p).split()) for p in error.problems]
        return JSONResponse(answer, status_code=status, headers=headers)

    async def http(request: Request, error: Exception) -> JSONResponse:
        assert isinstance(error, HTTPException)
        kind = getattr(error, "kind", None) or HTTP_KINDS.get(error.status_code, "error")
        return JSONResponse(
            body(kind, str(error.detail)), status_code=error.status_code, headers=error.headers
        )

    async def invalid(request: Request, error: Exception) -> JSONResponse:
        assert isinstance(error, RequestValidationError)
        first = error.errors()[0] if error.errors() else {}
        where = ".".join(str(p) for p in first.get("loc", ()))
        more = len(error.errors()) - 1
        message = f"{where}: {first.get('msg', 'invalid')}" + (
            f" (and {more} more problem{'s' if more > 1 else ''})" if more > 0 else ""
        )
        return JSONResponse(body("bad-input", message), status_code=422)

    async def bug(request: Request, error: Exception) -> JSONResponse:
        logging.getLogger("chainreview.api").error(
            "internal error on %s %s", request.method, request.url.path, exc_info=error
        )
        return JSONResponse(
            body("internal", f"internal error: {type(error).__name__} (logged by the server)"),
            status_code=500,
        )

    app.add_exception_handler(ChainreviewError, library)
    app.add_exception_handler(Exception, bug)
    app.add_exception_handler(HTTPException, http)
    app.add_exception_handler(RequestValidationError, invalid)
