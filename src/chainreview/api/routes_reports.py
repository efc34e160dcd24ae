"""A review round's report: the round reviewed again on the snapshot it used, checked to give
its stored `result.json` byte for byte, and rendered as PDF, HTML or the JSON itself."""

from __future__ import annotations

from datetime import date
from enum import StrEnum
from typing import Annotated, Any, Final

from fastapi import APIRouter, Path, Query, Request, Response

from chainreview.api.context import context
from chainreview.api.routes import CaseId, Reader
from chainreview.api.schemas import ErrorOut
from chainreview.case import round_report as reports

router = APIRouter(prefix="/v1", tags=["reports"])


class ReportFormat(StrEnum):
    PDF = "pdf"
    HTML = "html"
    JSON = "json"


class ReportLanguage(StrEnum):
    EN = "en"
    ZH_CN = "zh-CN"


ANSWERS: Final[dict[int | str, dict[str, Any]]] = {
    200: {
        "description": "The report: application/pdf, text/html or application/json.",
        "content": {
            "application/pdf": {"schema": {"type": "string", "format": "binary"}},
            "text/html": {"schema": {"type": "string"}},
            "application/json": {"schema": {"type": "object"}},
        },
    },
    **{status: {"model": ErrorOut} for status in (401, 403, 404, 422, 503)},
}


@router.get("/cases/{case_id}/rounds/{number}/report", response_class=Response, responses=ANSWERS)
def round_report(
    case_id: CaseId,
    number: Annotated[int, Path(ge=1, le=100_000, description="The round's number.")],
    caller: Reader,
    request: Request,
    format: Annotated[ReportFormat, Query(description="pdf, html or json.")] = ReportFormat.PDF,
    lang: Annotated[ReportLanguage, Query(description="en or zh-CN.")] = ReportLanguage.EN,
    as_of: Annotated[
        date | None,
        Query(
            description="Show the case's statutory clock as of this day (YYYY-MM-DD; default: "
            "the round's review date)."
        ),
    ] = None,
) -> Response:
    """A round's report, for the office (403 for a party that sees the case, 404 for a case
    or round the caller may not see); 404 too when the snapshot the round used is gone. The
    PDF and HTML show the case's statutory clock as of `as_of`."""
    shared = context(request)
    made = reports.round_report(
        shared.store,
        case_id,
        number,
        home=shared.settings.home,
        caller=caller,
        kind=format.value,
        language=lang.value,
        as_of=as_of,
    )
    name = f"{case_id}-round-{number}.report{made.suffix}"
    return Response(
        made.content,
        media_type=made.media_type,
        headers={"Content-Disposition": f'attachment; filename="{name}"'},
    )
