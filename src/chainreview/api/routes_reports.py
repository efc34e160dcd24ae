"""A review round's report: the round reviewed again on the snapshot it used, checked to give
its stored `result.json` byte for byte, and rendered as PDF, HTML or the JSON itself."""

from __future__ import annotations

import re
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


_SAFE: Final = re.compile(r"[^A-Za-z0-9._-]")
"""What a file name in a header keeps of a product id (the rest becomes `_`)."""


class VexFormat(StrEnum):
    CYCLONEDX = "cyclonedx-vex"
    OPENVEX = "openvex"
    CSAF = "csaf-vex"


VEX_ANSWERS: Final[dict[int | str, dict[str, Any]]] = {
    200: {
        "description": "The VEX document: CycloneDX VEX, OpenVEX 0.2.0 or CSAF 2.0 VEX.",
        "content": {
            "application/vnd.cyclonedx+json": {"schema": {"type": "object"}},
            "application/json": {"schema": {"type": "object"}},
        },
    },
    **{status: {"model": ErrorOut} for status in (401, 403, 404, 422, 503)},
}


@router.get("/cases/{case_id}/rounds/{number}/vex", response_class=Response, responses=VEX_ANSWERS)
def round_vex(
    case_id: CaseId,
    number: Annotated[int, Path(ge=1, le=100_000, description="The round's number.")],
    caller: Reader,
    request: Request,
    product: Annotated[
        str, Query(min_length=1, max_length=200, description="The product's id in the package.")
    ],
    format: Annotated[
        VexFormat, Query(description="cyclonedx-vex, openvex or csaf-vex.")
    ] = VexFormat.OPENVEX,
) -> Response:
    """The triage of one product of a round as a VEX document (each finding's status and
    where it came from): what an operator sends back to the vendor; for the office, as the
    report (422 naming the products that have one when this one has none)."""
    shared = context(request)
    made = reports.round_vex(
        shared.store,
        case_id,
        number,
        product=product,
        kind=format.value,
        home=shared.settings.home,
        caller=caller,
    )
    name = _SAFE.sub("_", f"{case_id}-round-{number}-{product}{made.suffix}")
    return Response(
        made.content,
        media_type=made.media_type,
        headers={"Content-Disposition": f'attachment; filename="{name}"'},
    )
