"""`POST /v1/declarations`: a declaration package uploaded as a zip archive, a case opened on it
and reviewed (`chainreview.case.declarations.declare`)."""

from __future__ import annotations

import shutil
import tempfile
from pathlib import Path
from typing import Annotated

from fastapi import APIRouter, Depends, File, Form, Request, UploadFile

from chainreview.api.auth import require
from chainreview.api.context import context
from chainreview.api.reviewing import reviewer
from chainreview.api.routes import AUTHED, SENT, _errors
from chainreview.api.schemas import Day
from chainreview.api.schemas_reviews import DeclaredOut
from chainreview.api.views_reviews import declared_out
from chainreview.case.access import Caller
from chainreview.case.credentials import Scope
from chainreview.case.declarations import declare

router = APIRouter(prefix="/v1")


@router.post(
    "/declarations",
    status_code=201,
    response_model=DeclaredOut,
    responses=_errors(*AUTHED, *SENT),
    tags=["declarations"],
)
def upload(
    caller: Annotated[Caller, Depends(require(Scope.CASES_ACT))],
    request: Request,
    package: Annotated[UploadFile, File(description="The declaration package as one zip archive.")],
    vendor: Annotated[
        str | None,
        Form(
            min_length=1,
            max_length=200,
            description="The vendor reviewed (default: the package's only one).",
        ),
    ] = None,
    as_of: Annotated[
        Day | None, Form(description="The review date (default: the day it is received).")
    ] = None,
    allow_demo_intel: Annotated[
        bool, Form(description="Let a determination on demo intel be final.")
    ] = False,
) -> DeclaredOut:
    """Upload a declaration package (a zip archive, at most 64 MiB): unpacked safely, checked
    (422 listing every problem, one line each naming the file), a case opened on it with the
    package as its first submission, and reviewed; a reviewer's upload records the first
    round. An operator declares for its own organisation (403 otherwise)."""
    shared = context(request)
    display = Path(package.filename or "package.zip").name or "package.zip"
    with tempfile.TemporaryDirectory(prefix="chainreview-zip-") as scratch:
        received = Path(scratch) / "package.zip"
        with received.open("wb") as kept:
            shutil.copyfileobj(package.file, kept)
        with reviewer(shared) as chosen:
            declared = declare(
                shared.store,
                received,
                display,
                chosen,
                caller=caller,
                now=shared.clock(),
                vendor=vendor,
                as_of=as_of,
                allow_demo_intel=allow_demo_intel,
                home=shared.settings.home,
            )
    return declared_out(declared)
