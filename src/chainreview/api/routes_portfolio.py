"""The portfolio questions over the declarations in the case store: blast radius (of a vendor,
a country or a component), concentration, and what a vendor failing costs.

Each reads the portfolio the caller's visible declarations give (`portfolio.stored`) and answers
with the same JSON as `chainreview portfolio … --cases --format json`: the operator, what the
portfolio rests on (`cases`, `left_out`) and the answer. An advisory's blast radius needs the
intel snapshot and is the CLI's for now.
"""

from __future__ import annotations

from dataclasses import fields
from typing import Annotated, Any, Final

from fastapi import APIRouter, Depends, Query, Request, Response

from chainreview import canonical
from chainreview.api.auth import require
from chainreview.api.context import context
from chainreview.api.errors import ApiRefusal
from chainreview.api.schemas import ErrorOut
from chainreview.case.access import Caller
from chainreview.case.credentials import Scope
from chainreview.portfolio import blast
from chainreview.portfolio.build import build_graph
from chainreview.portfolio.concentration import measure_concentration
from chainreview.portfolio.stored import StoredPortfolio, stored_portfolio
from chainreview.portfolio.what_if import vendor_fails

router = APIRouter(prefix="/v1/portfolio", tags=["portfolio"])

Reader = Annotated[Caller, Depends(require(Scope.CASES_READ))]
Operator = Annotated[
    str | None,
    Query(
        min_length=1,
        max_length=200,
        description="Only this operator's declarations (any case); needed when the caller sees "
        "several operators'.",
    ),
]
Name = Annotated[str, Query(min_length=1, max_length=200)]
ANSWER: Final[dict[int | str, dict[str, Any]]] = {
    200: {
        "description": "The answer, as `chainreview portfolio … --cases --format json` prints it.",
        "content": {"application/json": {"schema": {"type": "object"}}},
    },
    **{status: {"model": ErrorOut} for status in (401, 403, 422, 503)},
}


@router.get("/blast-radius", response_class=Response, responses=ANSWER)
def blast_radius(
    caller: Reader,
    request: Request,
    operator: Operator = None,
    vendor: Annotated[
        str | None, Query(max_length=200, description="A vendor's id or name.")
    ] = None,
    country: Annotated[
        str | None, Query(max_length=2, description="An ISO 3166-1 alpha-2 code.")
    ] = None,
    component: Annotated[
        str | None,
        Query(max_length=2000, description="A purl; without a version, every version."),
    ] = None,
) -> Response:
    """Every CII system a vendor, a country or a component reaches, ranked by criticality,
    each with the path that connects it; give exactly one of `vendor`, `country`,
    `component`. Components no source covers are listed as not checked."""
    asked = {"vendor": vendor, "country": country, "component": component}
    given = [name for name, value in asked.items() if value is not None]
    if len(given) != 1:
        raise ApiRefusal(422, "bad-input", "give exactly one of vendor, country, component")
    found = _portfolio(request, caller, operator)
    graph = build_graph(found.portfolio)
    try:
        if vendor is not None:
            answer = blast.of_vendor(graph, vendor)
        elif country is not None:
            answer = blast.of_country(graph, country)
        else:
            assert component is not None
            answer = blast.of_component(graph, component)
    except ValueError as exc:  # a purl or country code that is not one
        raise ApiRefusal(422, "bad-input", str(exc)) from exc
    return _answer(found, {f.name: getattr(answer, f.name) for f in fields(answer)})


@router.get("/concentration", response_class=Response, responses=ANSWER)
def concentration(caller: Reader, request: Request, operator: Operator = None) -> Response:
    """Per function the systems serve: each vendor's and country's share of the units deployed,
    their Herfindahl–Hirschman index, and the single-source products and components."""
    found = _portfolio(request, caller, operator)
    return _answer(found, {"concentration": measure_concentration(found.portfolio)})


@router.get("/what-if", response_class=Response, responses=ANSWER)
def what_if(caller: Reader, request: Request, vendor: Name, operator: Operator = None) -> Response:
    """What the portfolio loses when `vendor` fails: the systems that lose units, ranked by
    criticality; per function the alternatives known and the concentration after; what remains
    single-source. An unknown vendor is 422, naming the vendors the portfolio holds."""
    found = _portfolio(request, caller, operator)
    return _answer(found, {"what_if": vendor_fails(found.portfolio, vendor)})


def _portfolio(request: Request, caller: Caller, operator: str | None) -> StoredPortfolio:
    return stored_portfolio(context(request).store, caller=caller, operator=operator)


def _answer(found: StoredPortfolio, answer: dict[str, object]) -> Response:
    return Response(canonical.dumps({**found.basis(), **answer}), media_type="application/json")
