"""Where a vendor's products are declared: every case of that vendor with its operator, the
products of its latest declaration and the CII systems they serve.

When a review fails a vendor's products (as in the 2023 ex-officio review of a memory-chip
maker, after which operators were told to stop buying them), the office needs the list of
operators and declared deployments it knows of, for the notice. Each case's latest declaration
(the latest submission an operator made or the office registered; a vendor's own package names
no operator's deployments) is read from the store as submitted (its `declaration.yaml`); a case
with none is listed with its operator only.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from chainreview import raw
from chainreview.case.access import OFFICE, Caller, check_role
from chainreview.store import cases, files
from chainreview.store.db import Store
from chainreview.store.records import CaseRecord

MANIFEST = "declaration.yaml"


@dataclass(frozen=True, slots=True, kw_only=True)
class DeclaredProduct:
    """A product of a declaration, where it is deployed."""

    id: str
    name: str
    version: str | None
    quantity: int | None
    systems: tuple[str, ...]
    """Ids of the CII systems it serves."""


@dataclass(frozen=True, slots=True, kw_only=True)
class CiiSystem:
    """A CII system of the operator, as declared."""

    id: str
    name: str
    criticality: str | None


@dataclass(frozen=True, slots=True, kw_only=True)
class Exposure:
    """One case of the vendor: who declared what, and where it runs."""

    case_id: str
    state: str
    ex_officio: bool
    """The office's own review of the vendor (Art. 16), not an operator's purchase."""
    operator: str
    submission: int | None
    """The submission read (the latest not made by the vendor), None when the case has none."""
    products: tuple[DeclaredProduct, ...]
    systems: tuple[CiiSystem, ...]


def vendor_exposure(store: Store, vendor: str, *, caller: Caller) -> tuple[Exposure, ...]:
    """Every case whose vendor is `vendor` (compared without case or surrounding spaces), oldest
    first, with its latest declaration's products and CII systems (for the office only)."""
    check_role(caller, OFFICE, "the list of a vendor's cases")
    wanted = vendor.strip().casefold()
    found = []
    with store.transaction(caller.name) as tx:
        for case in cases.list_cases(tx):
            if case.vendor_org.strip().casefold() != wanted:
                continue
            submitted = [s for s in files.list_submissions(tx, case.id) if s.party != "vendor"]
            if not submitted:
                found.append(_exposure(case, None, None))
                continue
            latest = submitted[-1]
            if not any(f.path == MANIFEST for f in latest.files):
                found.append(_exposure(case, latest.number, None))
                continue
            manifest = files.download(tx, case.id, latest.number, MANIFEST)
            found.append(_exposure(case, latest.number, manifest))
    return tuple(found)


def _exposure(case: CaseRecord, submission: int | None, manifest: bytes | None) -> Exposure:
    value: Mapping[str, Any] = {}
    if manifest is not None:
        read = raw.load_yaml(manifest, f"{case.id} submission {submission}: {MANIFEST}")
        value = read if isinstance(read, Mapping) else {}
    operator = value.get("operator")
    return Exposure(
        case_id=case.id,
        state=case.state,
        ex_officio=case.ex_officio,
        operator=str(operator["name"]) if isinstance(operator, Mapping) else case.applicant_org,
        submission=submission,
        products=tuple(_product(p) for p in _items(value, "products")),
        systems=tuple(
            CiiSystem(
                id=str(s["id"]), name=str(s.get("name", "")), criticality=s.get("criticality")
            )
            for s in _items(value, "cii_systems")
            if "id" in s
        ),
    )


def _product(item: Mapping[str, Any]) -> DeclaredProduct:
    version, quantity = item.get("version"), item.get("quantity")
    return DeclaredProduct(
        id=str(item.get("id", "")),
        name=str(item.get("name", "")),
        version=None if version is None else str(version),
        quantity=quantity if isinstance(quantity, int) else None,
        systems=tuple(
            str(d["system"])
            for d in item.get("deployments") or ()
            if isinstance(d, Mapping) and "system" in d
        ),
    )


def _items(value: Mapping[str, Any], key: str) -> list[Mapping[str, Any]]:
    found = value.get(key)
    return [i for i in found if isinstance(i, Mapping)] if isinstance(found, list) else []
