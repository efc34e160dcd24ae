"""CSAF 2.0 VEX documents (`document.category` `csaf_vex`) read into VEX statements.

Each product id listed under a vulnerability's `product_status` becomes one statement:

| CSAF product_status                                 | status                |
| --------------------------------------------------- | --------------------- |
| `known_not_affected`                                | `not_affected`        |
| `known_affected`, `first_affected`, `last_affected` | `affected`            |
| `fixed`, `first_fixed`                              | `fixed`               |
| `under_investigation`                               | `under_investigation` |

`recommended` names versions to move to, not a status of the listed product: it is skipped.
The vulnerability is `cve`, else the first `ids[].text`; the other ids are aliases.

Product ids resolve through the `product_tree` (branches, `full_product_names`, relationships):
a product's identifiers are its id and the `purl` and `cpe` of its
`product_identification_helper`.  A relationship product (`default_component_of`,
`installed_on` …: component X in platform Y) becomes a statement whose products are the
relationship's id and the platform, and whose subcomponents are the component: the component
carries the status.  Per product (directly or through `product_groups`): the `flags` label is the
justification and its date the timestamp (else the document's `current_release_date`), the
`impact` threats are the impact, and the remediations (`category: details`) the action.
"""

from __future__ import annotations

from collections.abc import Iterator, Mapping
from dataclasses import dataclass, field
from typing import Any, Final

from chainreview.errors import UnsupportedFormat
from chainreview.evidence.vex import (
    VexBuilder,
    VexDocument,
    VexFormat,
    VexStatement,
    VexStatus,
    as_list,
    preview,
    text,
)

_STATUSES: Final[Mapping[str, VexStatus]] = {
    "known_not_affected": VexStatus.NOT_AFFECTED,
    "known_affected": VexStatus.AFFECTED,
    "first_affected": VexStatus.AFFECTED,
    "last_affected": VexStatus.AFFECTED,
    "fixed": VexStatus.FIXED,
    "first_fixed": VexStatus.FIXED,
    "under_investigation": VexStatus.UNDER_INVESTIGATION,
}
_NOT_A_STATUS: Final = "recommended"


@dataclass(slots=True)
class _Tree:
    """The product tree, indexed by product id."""

    identifiers: dict[str, tuple[str, ...]] = field(default_factory=dict)
    """Purls and CPEs of each product defined in branches or `full_product_names`."""
    relationships: dict[str, tuple[str, str]] = field(default_factory=dict)
    """Relationship product id → (component id, platform id)."""
    groups: dict[str, tuple[str, ...]] = field(default_factory=dict)
    ends: dict[str, str] = field(default_factory=dict)
    """Relationship product id → the id its chain of components ends at, once walked."""

    def known(self, product_id: str) -> bool:
        return product_id in self.identifiers or product_id in self.relationships

    def resolve(self, product_id: str) -> tuple[str, ...]:
        """The id and identifiers of a product; a relationship resolves to its component."""
        end = self.end(product_id)
        return (end, *self.identifiers.get(end, ()))

    def end(self, product_id: str) -> str:
        """Where the chain of components from `product_id` ends: a product that is not a
        relationship, or in a cycle the first id met again (the start itself when it is on the
        cycle).

        Each id walked is remembered with its end, so the whole tree costs one step per
        relationship however long its chains (a chain listed id by id was quadratic before).
        """
        ends, relationships = self.ends, self.relationships
        path: dict[str, None] = {}  # the ids walked from `product_id`, in order
        current = product_id
        while current not in ends and current in relationships and current not in path:
            path[current] = None
            current = relationships[current][0]
        if current in ends:
            end = ends[current]
        elif current in path:  # a cycle: each id on it ends at itself, the ids before it there
            on_cycle = False
            for walked in path:
                on_cycle = on_cycle or walked == current
                ends[walked] = walked if on_cycle else current
            return ends[product_id]
        else:
            end = current
        for walked in path:
            ends[walked] = end
        return end


def read(document: dict[str, Any], file: str) -> VexDocument:
    """Read a parsed CSAF document; raise `UnsupportedFormat` unless it is a CSAF VEX."""
    meta: dict[str, Any] = document["document"]
    category = meta.get("category")
    if category != "csaf_vex":
        raise UnsupportedFormat(
            file,
            f"CSAF document of category {preview(category)}: only csaf_vex is read as VEX",
            "/document/category",
        )
    builder = VexBuilder(file)
    if meta.get("csaf_version") != "2.0":
        shown = preview(meta.get("csaf_version"))
        builder.warn("/document/csaf_version", f"CSAF version {shown} read as 2.0")
    tree = _read_tree(builder, document.get("product_tree"))
    tracking = meta.get("tracking")
    timestamp = text(tracking.get("current_release_date")) if isinstance(tracking, dict) else None
    publisher = meta.get("publisher")
    author = text(publisher.get("name")) if isinstance(publisher, dict) else None
    vulnerabilities = as_list(document.get("vulnerabilities"))
    if not vulnerabilities:
        builder.warn("/vulnerabilities", "no vulnerabilities")
    unknown: set[str] = set()
    for index, vulnerability in enumerate(vulnerabilities):
        pointer = f"/vulnerabilities/{index}"
        if isinstance(vulnerability, dict):
            _read_vulnerability(builder, tree, vulnerability, pointer, timestamp, unknown)
        else:
            builder.warn(pointer, "vulnerability is not an object: skipped")
    return builder.document(VexFormat.CSAF, author, timestamp)


def _read_tree(builder: VexBuilder, value: object) -> _Tree:
    tree = _Tree()
    if not isinstance(value, dict):
        builder.warn("/product_tree", "no product tree: product ids are kept as they are")
        return tree
    stack = [(branch, f"/product_tree/branches/{n}") for n, branch in _items(value, "branches")]
    products = [
        (p, f"/product_tree/full_product_names/{n}") for n, p in _items(value, "full_product_names")
    ]
    while stack:
        branch, pointer = stack.pop()
        if not isinstance(branch, dict):
            continue
        if "product" in branch:
            products.append((branch["product"], f"{pointer}/product"))
        stack.extend((child, f"{pointer}/branches/{n}") for n, child in _items(branch, "branches"))
    for product, pointer in products:
        product_id = text(product.get("product_id")) if isinstance(product, dict) else None
        if product_id is None:
            builder.warn(pointer, "product without a product_id: ignored")
            continue
        tree.identifiers[product_id] = tuple(_helper_identifiers(builder, product, pointer))
    for n, relationship in _items(value, "relationships"):
        pointer = f"/product_tree/relationships/{n}"
        if not isinstance(relationship, dict):
            continue
        named = relationship.get("full_product_name")
        product_id = text(named.get("product_id")) if isinstance(named, dict) else None
        component = text(relationship.get("product_reference"))
        platform = text(relationship.get("relates_to_product_reference"))
        if product_id is None or component is None or platform is None:
            builder.warn(pointer, "relationship without product ids: ignored")
            continue
        tree.relationships[product_id] = (component, platform)
    for n, group in _items(value, "product_groups"):
        group_id = text(group.get("group_id")) if isinstance(group, dict) else None
        if group_id is None:
            builder.warn(f"/product_tree/product_groups/{n}", "group without a group_id: ignored")
            continue
        members = (text(member) for member in as_list(group.get("product_ids")))
        tree.groups[group_id] = tuple(m for m in members if m)
    return tree


def _items(container: Mapping[str, Any], key: str) -> Iterator[tuple[int, Any]]:
    return enumerate(as_list(container.get(key)))


def _helper_identifiers(
    builder: VexBuilder, product: Mapping[str, Any], pointer: str
) -> Iterator[str]:
    """The purl(s) and CPE of a product's `product_identification_helper`."""
    helper = product.get("product_identification_helper")
    if not isinstance(helper, dict):
        return
    where = f"{pointer}/product_identification_helper"
    values = [("purl", helper["purl"])] if "purl" in helper else []
    values += [(f"purls/{n}", purl) for n, purl in enumerate(as_list(helper.get("purls")))]
    values += [("cpe", helper["cpe"])] if "cpe" in helper else []
    for key, raw_value in values:
        found = builder.identifier(raw_value, f"{where}/{key}")
        if found:
            yield found


@dataclass(frozen=True, slots=True)
class _Remark:
    """A product's justification, impact, action and flag date within one vulnerability."""

    justification: str | None = None
    impact: str | None = None
    action: str | None = None
    date: str | None = None


def _remarks(tree: _Tree, vulnerability: Mapping[str, Any]) -> dict[str, _Remark]:
    """Per product id: the first flag, impact threat and remediations naming it."""
    flags: dict[str, tuple[str | None, str | None]] = {}
    impacts: dict[str, str] = {}
    actions: dict[str, list[str]] = {}
    for flag in _objects(vulnerability, "flags"):
        for product_id in _products_of(tree, flag):
            flags.setdefault(product_id, (text(flag.get("label")), text(flag.get("date"))))
    for threat in _objects(vulnerability, "threats"):
        details = text(threat.get("details"))
        if threat.get("category") == "impact" and details:
            for product_id in _products_of(tree, threat):
                impacts.setdefault(product_id, details)
    for remediation in _objects(vulnerability, "remediations"):
        label = ": ".join(
            part
            for part in (text(remediation.get("category")), text(remediation.get("details")))
            if part
        )
        for product_id in _products_of(tree, remediation):
            actions.setdefault(product_id, []).append(label)
    return {
        product_id: _Remark(
            justification=flags.get(product_id, (None, None))[0],
            impact=impacts.get(product_id),
            action=" | ".join(actions[product_id]) if product_id in actions else None,
            date=flags.get(product_id, (None, None))[1],
        )
        for product_id in {*flags, *impacts, *actions}
    }


def _objects(container: Mapping[str, Any], key: str) -> Iterator[Mapping[str, Any]]:
    return (item for item in as_list(container.get(key)) if isinstance(item, dict))


def _products_of(tree: _Tree, remark: Mapping[str, Any]) -> Iterator[str]:
    """The product ids a flag, threat or remediation names, directly or through groups."""
    for product_id in as_list(remark.get("product_ids")):
        if isinstance(product_id, str):
            yield product_id
    for group_id in as_list(remark.get("group_ids")):
        if isinstance(group_id, str):
            yield from tree.groups.get(group_id, ())


def _read_vulnerability(
    builder: VexBuilder,
    tree: _Tree,
    vulnerability: Mapping[str, Any],
    pointer: str,
    default_time: str | None,
    unknown: set[str],
) -> None:
    ids = [text(entry.get("text")) for entry in _objects(vulnerability, "ids")]
    names = list(dict.fromkeys(n for n in [text(vulnerability.get("cve")), *ids] if n))
    if not names:
        builder.warn(pointer, "vulnerability without a cve or ids: skipped")
        return
    statuses = vulnerability.get("product_status")
    if not isinstance(statuses, dict) or not statuses:
        builder.warn(pointer, "vulnerability without product_status: no statement")
        return
    remarks = _remarks(tree, vulnerability)
    listed: dict[str, str] = {}
    for category, product_ids in statuses.items():
        where = f"{pointer}/product_status/{category}"
        if category == _NOT_A_STATUS:
            continue
        if category not in _STATUSES:
            builder.warn(where, f"unknown product status {preview(category)}: skipped")
            continue
        for n, value in enumerate(as_list(product_ids)):
            product_id = text(value)
            if product_id is None:
                builder.warn(f"{where}/{n}", f"product id {preview(value)} is not a string")
                continue
            if product_id in listed and listed[product_id] != category:
                builder.warn(
                    f"{where}/{n}", f"product {product_id!r} is also listed as {listed[product_id]}"
                )
            listed.setdefault(product_id, category)
            if not tree.known(product_id) and product_id not in unknown:
                unknown.add(product_id)
                builder.warn(
                    f"{where}/{n}", f"product id {product_id!r} is not in the product tree"
                )
            remark = remarks.get(product_id, _Remark())
            products = tree.resolve(product_id)
            subcomponents: tuple[str, ...] = ()
            if product_id in tree.relationships:
                component, platform = tree.relationships[product_id]
                products = (product_id, *tree.resolve(platform))
                subcomponents = tree.resolve(component)
            builder.add(
                VexStatement(
                    vulnerability=names[0],
                    aliases=tuple(names[1:]),
                    products=products,
                    subcomponents=subcomponents,
                    status=_STATUSES[category],
                    justification=remark.justification,
                    impact=remark.impact,
                    action=remark.action,
                    timestamp=remark.date or default_time,
                    location=builder.location(f"{where}/{n}"),
                )
            )
