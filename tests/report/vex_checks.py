"""Validators of the official VEX schemas of the shared data, and a check of CSAF's VEX profile.

Every `$ref` resolves to a file of the shared data (CycloneDX's SPDX and JSF schemas, FIRST's
CVSS schemas that CSAF names by URL); any other is refused, so nothing is fetched. Formats are
checked here (`date-time`, `uri`, `iri`, `iri-reference`), not left to optional packages.
"""

from __future__ import annotations

import json
import re
from collections.abc import Iterator
from datetime import datetime
from pathlib import Path
from typing import Any

from jsonschema import Draft7Validator, Draft202012Validator, FormatChecker
from jsonschema.protocols import Validator
from referencing import Registry, Resource
from referencing.exceptions import NoSuchResource
from referencing.jsonschema import DRAFT4, DRAFT7

CYCLONEDX = "cyclonedx-specification/schema/"
OPENVEX = "openvex-spec/openvex_json_schema.json"
CSAF = "oasis-csaf/csaf_2.0/json_schema/csaf_json_schema.json"
CVSS = "oasis-csaf/csaf_2.0/referenced_schema/first/"

_DATE_TIME = re.compile(r"\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d(\.\d+)?(Z|[+-]\d\d:\d\d)", re.ASCII)
_IRI = re.compile(r"[A-Za-z][A-Za-z0-9+.-]*:[^\s<>\"{}|\\^`]+")


def _checker() -> FormatChecker:
    checker = FormatChecker()

    @checker.checks("date-time", raises=ValueError)
    def date_time(value: object) -> bool:
        if not isinstance(value, str) or not _DATE_TIME.fullmatch(value):
            return not isinstance(value, str)
        datetime.fromisoformat(value.replace("Z", "+00:00"))  # raises on 2026-02-30
        return True

    for name in ("uri", "iri", "iri-reference"):
        checker.checks(name)(
            lambda value: not isinstance(value, str) or bool(_IRI.fullmatch(value))
        )
    return checker


def _refuse(uri: str) -> Resource[Any]:
    raise NoSuchResource(ref=uri)


def _load(path: Path) -> Any:
    return json.loads(path.read_text(encoding="utf-8"))


def validators(shared: Path) -> dict[str, Validator]:
    """Validators of CycloneDX 1.6, OpenVEX 0.2.0 and CSAF 2.0, by our format name."""
    cdx = {
        name: _load(shared / CYCLONEDX / name)
        for name in ("spdx.schema.json", "jsf-0.82.schema.json")
    }
    cvss = {
        "https://www.first.org/cvss/cvss-v2.0.json": ("cvss-v2.0.json", DRAFT4),
        "https://www.first.org/cvss/cvss-v3.0.json": ("cvss-v3.0.json", DRAFT4),
        "https://www.first.org/cvss/cvss-v3.1.json": ("cvss-v3.1.json", DRAFT7),
    }
    registry: Registry[Any] = Registry(retrieve=_refuse).with_resources(  # type: ignore[call-arg]
        [
            *(
                (f"http://cyclonedx.org/schema/{n}", DRAFT7.create_resource(c))
                for n, c in cdx.items()
            ),
            *(
                (uri, spec.create_resource(_load(shared / CVSS / name)))
                for uri, (name, spec) in cvss.items()
            ),
        ]
    )
    checker = _checker()
    return {
        "cyclonedx-vex": Draft7Validator(
            _load(shared / CYCLONEDX / "bom-1.6.schema.json"),
            registry=registry,
            format_checker=checker,
        ),
        "openvex": Draft202012Validator(_load(shared / OPENVEX), format_checker=checker),
        "csaf-vex": Draft202012Validator(
            _load(shared / CSAF), registry=registry, format_checker=checker
        ),
    }


def schema_problems(validator: Validator, document: Any) -> list[str]:
    """Every violation as `/pointer: message`."""
    errors = sorted(validator.iter_errors(document), key=lambda e: list(map(str, e.absolute_path)))
    return [f"/{'/'.join(map(str, e.absolute_path))}: {e.message[:300]}" for e in errors]


# --- CSAF 2.0 §6.1: the mandatory tests a VEX document can fail ---------------------------------

_STATUS_GROUPS = {
    "first_affected": "affected",
    "known_affected": "affected",
    "last_affected": "affected",
    "known_not_affected": "not affected",
    "first_fixed": "fixed",
    "fixed": "fixed",
    "under_investigation": "under investigation",
}
_NOTE_CATEGORIES = {"description", "details", "general", "summary"}


def _defined(tree: dict[str, Any]) -> Iterator[str]:
    stack = list(tree.get("branches", []))
    while stack:
        branch = stack.pop()
        if "product" in branch:
            yield branch["product"]["product_id"]
        stack.extend(branch.get("branches", []))
    yield from (p["product_id"] for p in tree.get("full_product_names", []))
    yield from (r["full_product_name"]["product_id"] for r in tree.get("relationships", []))


def _referenced(document: dict[str, Any]) -> Iterator[str]:
    tree = document.get("product_tree", {})
    for group in tree.get("product_groups", []):
        yield from group["product_ids"]
    for relationship in tree.get("relationships", []):
        yield relationship["product_reference"]
        yield relationship["relates_to_product_reference"]
    for vulnerability in document.get("vulnerabilities", []):
        for ids in vulnerability.get("product_status", {}).values():
            yield from ids
        for key in ("flags", "threats", "remediations"):
            for item in vulnerability.get(key, []):
                yield from item.get("product_ids", [])
        for score in vulnerability.get("scores", []):
            yield from score["products"]


def _members(document: dict[str, Any], item: dict[str, Any]) -> set[str]:
    groups = {
        g["group_id"]: g["product_ids"]
        for g in document.get("product_tree", {}).get("product_groups", [])
    }
    found = set(item.get("product_ids", []))
    for group_id in item.get("group_ids", []):
        found.update(groups.get(group_id, []))
    return found


def csaf_vex_problems(document: dict[str, Any]) -> list[str]:
    """What a `csaf_vex` document breaks of CSAF 2.0 tests 6.1.1, 6.1.2, 6.1.6 and 6.1.27.x."""
    problems = []
    tree = document.get("product_tree")
    defined = list(_defined(tree or {}))
    problems += [f"6.1.1 {p} is not defined" for p in set(_referenced(document)) - set(defined)]
    problems += [
        f"6.1.2 {p} is defined twice" for p in {p for p in defined if defined.count(p) > 1}
    ]
    notes = document["document"].get("notes", [])
    if not any(n["category"] in _NOTE_CATEGORIES for n in notes):
        problems.append("6.1.27.1 no document note of a profile category")
    if tree is None:
        problems.append("6.1.27.4 no product tree")
    vulnerabilities = document.get("vulnerabilities")
    if not vulnerabilities:
        problems.append("6.1.27.11 no vulnerabilities")
    for n, vulnerability in enumerate(vulnerabilities or []):
        status = vulnerability.get("product_status", {})
        seen: dict[str, str] = {}
        for category, ids in status.items():
            group = _STATUS_GROUPS.get(category)  # `recommended` contradicts none
            for product in ids if group else ():
                if seen.setdefault(product, group) != group:
                    problems.append(f"6.1.6 {n}: {product} is {seen[product]} and {group}")
        if not vulnerability.get("notes"):
            problems.append(f"6.1.27.5 {n}: no notes")
        if not {"fixed", "known_affected", "known_not_affected", "under_investigation"} & set(
            status
        ):
            problems.append(f"6.1.27.7 {n}: none of the VEX product statuses")
        if "cve" not in vulnerability and "ids" not in vulnerability:
            problems.append(f"6.1.27.8 {n}: neither cve nor ids")
        explained = set()
        for flag in vulnerability.get("flags", []):
            explained |= _members(document, flag)
        for threat in vulnerability.get("threats", []):
            if threat["category"] == "impact":
                explained |= _members(document, threat)
        problems += [
            f"6.1.27.9 {n}: {p} has no impact statement"
            for p in status.get("known_not_affected", [])
            if p not in explained
        ]
        acted = set()
        for remediation in vulnerability.get("remediations", []):
            acted |= _members(document, remediation)
        problems += [
            f"6.1.27.10 {n}: {p} has no action statement"
            for p in status.get("known_affected", [])
            if p not in acted
        ]
    return problems
