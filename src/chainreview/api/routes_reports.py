"""A review round's report: the round reviewed again on the snapshot it used, checked to give
its stored `result.json` byte for byte, and rendered as PDF, HTML or the JSON itself."""

from __future__ import annotations

from enum import StrEnum
from io import BytesIO
from typing import Annotated, Any, Final

from fastapi import APIRouter, Path, Query, Request, Response

from chainreview.api.context import context
from chainreview.api.routes import CaseId, Reader
from chainreview.api.schemas import ErrorOut
from chainreview.case.rounds import round_result
from chainreview.formats import review_formats

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
) -> Response:
    """A round's report, for the office (403 for a party that sees the case, 404 for a case
    or round the caller may not see); 404 too when the snapshot the round used is gone."""
    shared = context(request)
    result = round_result(shared.store, case_id, number, home=shared.settings.home, caller=caller)
    writer = review_formats(lang.value)[format.value]
    buffer = BytesIO()
    writer.write(result, buffer)
    name = f"{case_id}-round-{number}.report{writer.suffix}"
    return Response(
        buffer.getvalue(),
        media_type=writer.media_type,
        headers={"Content-Disposition": f'attachment; filename="{name}"'},
    )
