"""`POST /v1/declarations`: a declaration package uploaded as a zip archive (or file by file,
`…/files`), a case opened on it and reviewed (`chainreview.case.declarations`)."""

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
from chainreview.case.declarations import FilesUpload, ZipUpload, declare
from chainreview.portfolio.kept import keep_records

router = APIRouter(prefix="/v1")
NAME_CHARS = 200
"""Most characters of the uploaded file's name kept to name the archive in messages."""


Vendor = Annotated[
    str | None,
    Form(
        min_length=1,
        max_length=200,
        description="The vendor reviewed (default: the package's only one).",
    ),
]
AsOf = Annotated[Day | None, Form(description="The review date (default: the day it is received).")]
DemoFinal = Annotated[bool, Form(description="Let a determination on demo intel be final.")]
Declarer = Annotated[Caller, Depends(require(Scope.CASES_ACT))]


@router.post(
    "/declarations",
    status_code=201,
    response_model=DeclaredOut,
    responses=_errors(*AUTHED, *SENT),
    tags=["declarations"],
)
def upload(
    caller: Declarer,
    request: Request,
    package: Annotated[UploadFile, File(description="The declaration package as one zip archive.")],
    vendor: Vendor = None,
    as_of: AsOf = None,
    allow_demo_intel: DemoFinal = False,
) -> DeclaredOut:
    """Upload a declaration package (a zip archive, at most 64 MiB): unpacked safely, checked
    (422 listing every problem, one line each naming the file), a case opened on it with the
    package as its first submission, and reviewed; a reviewer's upload records the first
    round. An operator declares for its own organisation (403 otherwise)."""
    shared = context(request)
    with tempfile.TemporaryDirectory(prefix="chainreview-zip-") as scratch:
        received = saved_zip(package, Path(scratch))
        with reviewer(shared) as chosen:
            declared = declare(
                shared.store,
                received,
                chosen,
                caller=caller,
                now=shared.clock(),
                vendor=vendor,
                as_of=as_of,
                allow_demo_intel=allow_demo_intel,
                home=shared.settings.home,
                keep=keep_records,
            )
    return declared_out(declared)


@router.post(
    "/declarations/files",
    status_code=201,
    response_model=DeclaredOut,
    responses=_errors(*AUTHED, *SENT),
    tags=["declarations"],
)
def upload_files(
    caller: Declarer,
    request: Request,
    files: Annotated[
        list[UploadFile],
        File(
            description="Every file of the package, each part's file name its path in the "
            "package (declaration.yaml, sbom/app.cdx.json, …)."
        ),
    ],
    vendor: Vendor = None,
    as_of: AsOf = None,
    allow_demo_intel: DemoFinal = False,
) -> DeclaredOut:
    """Upload a declaration package file by file (at most 64 MiB in all): each path checked as
    an archive member's is, then as `POST /v1/declarations`."""
    shared = context(request)
    given = [(part.filename or "", part.file.read()) for part in files]
    with reviewer(shared) as chosen:
        declared = declare(
            shared.store,
            FilesUpload(given, "upload"),
            chosen,
            caller=caller,
            now=shared.clock(),
            vendor=vendor,
            as_of=as_of,
            allow_demo_intel=allow_demo_intel,
            home=shared.settings.home,
            keep=keep_records,
        )
    return declared_out(declared)


def saved_zip(package: UploadFile, scratch: Path) -> ZipUpload:
    """The uploaded archive written to `scratch/package.zip`, named in messages by the file
    name the client gave (its last part, at most `NAME_CHARS` characters)."""
    display = (Path(package.filename or "").name or "package.zip")[:NAME_CHARS]
    received = scratch / "package.zip"
    with received.open("wb") as kept:
        shutil.copyfileobj(package.file, kept)
    return ZipUpload(received, display)
