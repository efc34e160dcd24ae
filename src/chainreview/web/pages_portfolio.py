"""The pages over the portfolio and the intel: the declared products, a product with its
supply-chain graph, the portfolio questions (blast radius, concentration, what-if) and the intel
snapshot's status. Each calls the library the API calls (`portfolio.product`,
`portfolio.stored`, `portfolio.blast`, …) with the session's caller, so a party sees only what
its declarations show, and the office all of it."""

from __future__ import annotations

from dataclasses import replace
from datetime import date
from pathlib import Path
from typing import Annotated, Any, Final

from fastapi import APIRouter, Query, Request
from fastapi import Path as PathParam
from starlette.responses import Response

from chainreview.api.context import context
from chainreview.api.errors import status_of
from chainreview.case.access import Caller
from chainreview.errors import InputError, NotFound
from chainreview.intel import bundled, snapshot
from chainreview.intel.coverage_status import SnapshotStatus, snapshot_status
from chainreview.portfolio import blast
from chainreview.portfolio.build import build_graph
from chainreview.portfolio.concentration import measure_concentration
from chainreview.portfolio.model import Portfolio
from chainreview.portfolio.product import declared_product, product_list
from chainreview.portfolio.stored import declared_portfolios
from chainreview.portfolio.what_if import vendor_fails
from chainreview.web.graph_drawing import draw
from chainreview.web.pages import CaseId, _frame, _guarded, language
from chainreview.web.render import page

router = APIRouter(include_in_schema=False)

COMPONENTS_LISTED: Final = 200
"""Rows of the product page's component table (the API lists them all)."""
ProductId = Annotated[str, PathParam(min_length=1, max_length=200)]
Operator = Annotated[str | None, Query(max_length=200)]
Asked = Annotated[str, Query(max_length=2000)]
BY: Final = ("vendor", "country", "component")


@router.get("/products")
def products(
    request: Request, case: Annotated[str | None, Query(max_length=32)] = None
) -> Response:
    """The products of the declarations the caller may see (of one case: `case`)."""

    def show(caller: Caller) -> Response:
        found = product_list(context(request).store, caller=caller)
        if case:
            found = replace(
                found,
                products=tuple(p for p in found.products if p.case == case),
                left_out=tuple(x for x in found.left_out if x.case_id == case),
            )
        return page(
            language(request),
            "products.html.j2",
            **_frame(request, caller),
            found=found,
            case=case or None,
        )

    return _guarded(request, show)


@router.get("/products/{case_id}/{product_id}")
def product(case_id: CaseId, product_id: ProductId, request: Request) -> Response:
    """One product: its vendor, sites, systems, components and its supply-chain graph."""

    def show(caller: Caller) -> Response:
        try:
            found = declared_product(context(request).store, case_id, product_id, caller=caller)
        except NotFound as error:  # one answer for hidden and missing (`portfolio.product`)
            return page(
                language(request),
                "product_missing.html.j2",
                404,
                **_frame(request, caller),
                message=str(error),
            )
        components = () if found.product.inventory is None else found.product.inventory.components
        return page(
            language(request),
            "product.html.j2",
            **_frame(request, caller),
            p=found,
            drawing=draw(found),
            components=components[:COMPONENTS_LISTED],
            component_count=len(components),
        )

    return _guarded(request, show)


@router.get("/portfolio")
def portfolio(request: Request, operator: Operator = None) -> Response:
    """The portfolio questions' forms."""
    return _guarded(request, lambda caller: _asked(request, caller, operator, None, {}))


@router.get("/portfolio/blast-radius")
def blast_radius(
    request: Request, by: Asked = "vendor", value: Asked = "", operator: Operator = None
) -> Response:
    """Every system a vendor, a country or a component (a purl) reaches."""
    asked = {"by": by if by in BY else "vendor", "value": value.strip()}
    return _guarded(request, lambda caller: _asked(request, caller, operator, "blast", asked))


@router.get("/portfolio/concentration")
def concentration(request: Request, operator: Operator = None) -> Response:
    """Per function: vendors' and countries' shares, their HHI, the single sources."""
    return _guarded(request, lambda caller: _asked(request, caller, operator, "concentration", {}))


@router.get("/portfolio/what-if")
def what_if(request: Request, vendor: Asked = "", operator: Operator = None) -> Response:
    """What the portfolio loses when a vendor fails."""
    asked = {"vendor": vendor.strip()}
    return _guarded(request, lambda caller: _asked(request, caller, operator, "what-if", asked))


def _asked(
    request: Request,
    caller: Caller,
    operator: str | None,
    question: str | None,
    asked: dict[str, str],
) -> Response:
    """The forms over the caller's portfolio, with the answer to `question` when asked; a
    question the library cannot answer (no declaration, an unknown vendor, a bad purl) is the
    form again with its one-line reason (422)."""
    declared = declared_portfolios(context(request).store, caller=caller)
    operators = declared.operators()
    chosen = operator if operator else (operators[0] if operators else None)
    values: dict[str, Any] = {
        "operators": operators,
        "operator": chosen,
        "left_out": declared.left_out,
        "question": question,
        "asked": asked,
        "held": None,
        "answer": None,
        "problem": None,
    }
    status = 200
    try:
        values["held"] = held = declared.portfolio(chosen)
        if question is not None:
            values["answer"] = _answer(held.portfolio, question, asked)
        values["vendors"] = sorted(held.portfolio.vendors, key=lambda v: v.name.casefold())
    except (InputError, ValueError) as error:
        status = 422 if isinstance(error, ValueError) else status_of(error)[0]
        values["problem"] = " ".join(str(error).split())
        values["vendors"] = []
    return page(
        language(request),
        "portfolio.html.j2",
        status,
        **_frame(request, caller),
        **values,
    )


def _answer(held: Portfolio, question: str, asked: dict[str, str]) -> object:
    """The library's answer to one question (as `api.routes_portfolio` asks it)."""
    if question == "concentration":
        return measure_concentration(held)
    if question == "what-if":
        if not asked["vendor"]:
            raise ValueError("name a vendor")
        return vendor_fails(held, asked["vendor"])
    if not asked["value"]:
        raise ValueError(f"name a {asked['by']}")
    graph = build_graph(held)
    if asked["by"] == "vendor":
        return blast.of_vendor(graph, asked["value"])
    if asked["by"] == "country":
        return blast.of_country(graph, asked["value"])
    return blast.of_component(graph, asked["value"])


@router.get("/intel")
def intel(request: Request) -> Response:
    """The installed intel snapshot: its sources and their age, and per feed, ecosystem and
    distribution release whether it is checked, only partly, or not at all."""

    def show(caller: Caller) -> Response:
        shared = context(request)
        status, lacks = _status(shared.settings.home, shared.today())
        return page(
            language(request),
            "intel.html.j2",
            **_frame(request, caller),
            status=status,
            lacks=lacks,
            today=shared.today(),
        )

    return _guarded(request, show)


def _status(home: Path, today: date) -> tuple[SnapshotStatus | None, tuple[dict[str, str], ...]]:
    """The current snapshot's status (None: there is none), and what the bundled snapshot
    lacks when it is the current one."""
    current = snapshot.open_current(home)
    if current is None:
        return None, ()
    with current:
        manifest = dict(current.manifest)
        releases = dict(current.distro_releases())
    found = snapshot_status(manifest, distro_releases=releases, today=today)
    is_bundled = bundled.installed_hash(home) == manifest["hash"]
    return found, tuple(bundled.manifest()["lacks"]) if is_bundled else ()
