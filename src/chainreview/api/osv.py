"""The OSV query service: osv.dev's `POST /v1/query`, `POST /v1/querybatch` and
`GET /v1/vulns/{id}`, answered from the current intel snapshot by the library
(`matches.osv_query`), so OSV clients can use an air-gapped chainreview as their vulnerability
service. Answers are canonical JSON (`canonical.dumps`): the same query on the same snapshot
gives the same bytes."""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import APIRouter, Depends, Path, Request, Response

from chainreview.api.auth import osv_reader
from chainreview.api.context import context
from chainreview.api.osv_schemas import BatchIn, BatchOut, QueryIn, QueryOut, Vuln
from chainreview.api.schemas import ErrorOut
from chainreview.canonical import dumps
from chainreview.case.access import Caller
from chainreview.matches import osv_query
from chainreview.matches.osv_query import Answer

router = APIRouter(prefix="/v1", tags=["osv"], strict_content_type=False)
"""A body without a Content-Type is read as JSON: pip-audit and `requests.post(data=…)` send
none."""

Reader = Annotated[Caller | None, Depends(osv_reader)]
ANSWERS: dict[int | str, dict[str, Any]] = {
    status: {"model": ErrorOut} for status in (400, 401, 403, 413, 422, 503)
}
"""A query refused (400), no or a bad credential, no `intel:read`, too large, invalid, no
snapshot or no database."""


@router.post("/query", response_model=None, responses={200: {"model": QueryOut}, **ANSWERS})
def query(given: QueryIn, _caller: Reader, request: Request) -> Response:
    """The advisories of the snapshot affecting a package's version, whole OSV records
    (osv.dev's `POST /v1/query`; a page holds at most 1,000)."""
    with osv_query.open_snapshot(context(request).settings.home) as snapshot:
        answer = osv_query.query(snapshot, given.query())
        vulns = osv_query.records(snapshot, answer.ids)
    return _json(_result(answer, vulns))


@router.post("/querybatch", response_model=None, responses={200: {"model": BatchOut}, **ANSWERS})
def querybatch(given: BatchIn, _caller: Reader, request: Request) -> Response:
    """Many queries at once: for each, in order, the ids and `modified` of the advisories
    (osv.dev's `POST /v1/querybatch`; at most 1,000 a query and 3,000 in all per answer)."""
    with osv_query.open_snapshot(context(request).settings.home) as snapshot:
        answers = osv_query.query_batch(snapshot, [q.query() for q in given.queries])
        results = [
            _result(a, [_id(i, m) for i, m in osv_query.modified(snapshot, a.ids)]) for a in answers
        ]
    return _json({"results": results})


@router.get(
    "/vulns/{vuln_id}",
    response_model=None,
    responses={200: {"model": Vuln}, **ANSWERS, 404: {"model": ErrorOut}},
)
def vuln(
    vuln_id: Annotated[str, Path(min_length=1, max_length=128, examples=["PYSEC-2018-28"])],
    _caller: Reader,
    request: Request,
) -> Response:
    """One OSV record by its id (withdrawn ones too), as osv.dev's `GET /v1/vulns/{id}`."""
    with osv_query.open_snapshot(context(request).settings.home) as snapshot:
        return _json(osv_query.vulnerability(snapshot, vuln_id))


def _result(answer: Answer, vulns: list[dict[str, Any]]) -> dict[str, Any]:
    """One answer as OSV writes it: fields without a value left out (`{}` for nothing)."""
    found: dict[str, Any] = {}
    if vulns:
        found["vulns"] = vulns
    if answer.next_page_token is not None:
        found["next_page_token"] = answer.next_page_token
    if answer.undetermined:
        found["undetermined"] = [
            {"ids": list(u.ids), "reason": u.reason} for u in answer.undetermined
        ]
    return found


def _id(vuln_id: str, modified: str | None) -> dict[str, str]:
    return {"id": vuln_id} if modified is None else {"id": vuln_id, "modified": modified}


def _json(value: Any) -> Response:
    return Response(dumps(value), media_type="application/json")
