"""The declared products a caller may see (`portfolio.product`): the list, and one product with
its vendor, sites, systems and components. Another party's product is 404 with the very body
of a product that does not exist."""

from __future__ import annotations

from typing import Annotated, Any, Final

from fastapi import APIRouter, Path, Request, Response

from chainreview import canonical
from chainreview.api.context import context
from chainreview.api.routes import CaseId, Reader
from chainreview.api.schemas import ErrorOut
from chainreview.portfolio.product import DeclaredProduct, declared_product, product_list

router = APIRouter(prefix="/v1", tags=["products"])

ProductId = Annotated[str, Path(min_length=1, max_length=200, description="Its declared id.")]
ANSWER: Final[dict[int | str, dict[str, Any]]] = {
    200: {"content": {"application/json": {"schema": {"type": "object"}}}},
    **{status: {"model": ErrorOut} for status in (401, 403, 404, 422, 503)},
}


@router.get("/products", response_class=Response, responses=ANSWER)
def products(caller: Reader, request: Request) -> Response:
    """The products of the standing declarations the caller may see (each case's latest
    submission the caller may see), and the cases left out with the reason."""
    found = product_list(context(request).store, caller=caller)
    return _json(
        {
            "products": [
                {
                    "case": p.case,
                    "id": p.id,
                    "name": p.name,
                    "vendor": p.vendor,
                    "operator": p.operator,
                    "components": p.components,
                }
                for p in found.products
            ],
            "left_out": [{"case": x.case_id, "reason": x.reason} for x in found.left_out],
        }
    )


@router.get("/products/{case_id}/{product_id}", response_class=Response, responses=ANSWER)
def product(case_id: CaseId, product_id: ProductId, caller: Reader, request: Request) -> Response:
    """One product of a case's latest submission the caller may see: its vendor and the sites
    that serve it, the systems it is deployed in, its SBOMs and components (`components` is
    null without an SBOM: unknown, not none)."""
    found = declared_product(context(request).store, case_id, product_id, caller=caller)
    return _json(product_json(found))


def product_json(found: DeclaredProduct) -> dict[str, object]:
    """The product as `GET /v1/products/{case}/{id}` answers."""
    item, vendor = found.product, found.vendor
    inventory = item.inventory
    return {
        "case": found.case,
        "submission": found.submission,
        "operator": found.operator,
        "id": item.id,
        "name": item.name,
        "vendor": {
            "id": vendor.id,
            "name": vendor.name,
            "country": vendor.country,
            "sites": [
                {"country": s.country, "kind": s.kind, "products": list(s.products)}
                for s in vendor.sites
            ],
        },
        "deployments": [
            {"system": d.system, "quantity": d.quantity, "function": d.function}
            for d in item.deployments
        ],
        "systems": [
            {"id": s.id, "name": s.name, "criticality": s.criticality, "cii": s.cii}
            for s in found.systems
        ],
        "sboms": list(item.sboms),
        "alternatives": list(item.alternatives),
        "components": None
        if inventory is None
        else [
            {"ref": c.ref, "name": c.name, "version": c.version, "purl": c.purl}
            for c in inventory.components
        ],
    }


def _json(answer: dict[str, object]) -> Response:
    return Response(canonical.dumps(answer), media_type="application/json")
