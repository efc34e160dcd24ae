"""OpenVEX documents (v0.2.0 and the older v0.0.1 shape, JSON or YAML) read into VEX statements.

One OpenVEX statement becomes one `VexStatement`, except a statement mixing products with and
without subcomponents: it becomes two, one for each kind, so that the products without
subcomponents are still matched on themselves.  Shapes read:

* v0.2.0: `vulnerability` an object (`name`, `aliases`), `products` objects (`@id`,
  `identifiers` {purl, cpe23, cpe22}, `subcomponents` of the same form);
* v0.0.1 (`@context` `https://openvex.dev/ns` or `.../v0.0.1`): `vulnerability` a string,
  `products` and statement-level `subcomponents` strings.

A statement without a timestamp inherits the document's (`last_updated` before `timestamp`), as
the specification says.  Documents whose `@context` names v0.2.x are validated against the
bundled `openvex-0.2.0.schema.json`; violations are warnings.  Older documents are not: the
v0.2.0 schema would flag their very shape.  A document with no `@context` (go-vex's old YAML)
is read with a warning; a `@context` that is not OpenVEX's is refused.
"""

from __future__ import annotations

import re
from typing import Any, Final

from chainreview.errors import InputError
from chainreview.evidence import validation
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
from chainreview.slots import slot_constructor

SCHEMA: Final = "openvex-0.2.0.schema.json"
"""The bundled OpenVEX JSON schema (openvex/spec `openvex_json_schema.json`)."""

_CONTEXT_PREFIX: Final = "https://openvex.dev/ns"
_CONTEXT_V02: Final = re.compile(r"https://openvex\.dev/ns/v0\.2\.\d+/?")
_IDENTIFIER_KEYS: Final = ("purl", "cpe23", "cpe22")
_STATUSES: Final = frozenset(VexStatus)
_new_statement: Final = slot_constructor(VexStatement)


def read(document: dict[str, Any], file: str) -> VexDocument:
    """Read a parsed OpenVEX document; raise `InputError` when it is not one."""
    builder = VexBuilder(file)
    context = document.get("@context")
    if context is None:
        builder.warn("", "no @context: read as OpenVEX for its statements")
    elif not isinstance(context, str) or not context.startswith(_CONTEXT_PREFIX):
        raise InputError(
            file, f"@context {preview(context)} is not OpenVEX's ({_CONTEXT_PREFIX}…)", "/@context"
        )
    elif _CONTEXT_V02.fullmatch(context):
        builder.extend_warnings(validation.validate_json(document, SCHEMA, file))
    statements = document.get("statements")
    if not isinstance(statements, list):
        raise InputError(file, "OpenVEX document without a statements list", "/statements")
    if not statements:
        builder.warn("/statements", "no statements")
    default_time = text(document.get("last_updated")) or text(document.get("timestamp"))
    for index, statement in enumerate(statements):
        _read_statement(builder, statement, f"/statements/{index}", default_time)
    return builder.document(VexFormat.OPENVEX, text(document.get("author")), default_time)


def _read_statement(
    builder: VexBuilder, statement: object, pointer: str, default_time: str | None
) -> None:
    if not isinstance(statement, dict):
        builder.warn(pointer, "statement is not an object: skipped")
        return
    vulnerability, aliases = _vulnerability(statement.get("vulnerability"))
    if vulnerability is None:
        builder.warn(pointer, "statement without a vulnerability name: skipped")
        return
    status = statement.get("status")
    if not isinstance(status, str) or status not in _STATUSES:
        builder.warn(f"{pointer}/status", f"unknown status {preview(status)}: statement skipped")
        return
    legacy = [  # v0.0.1: subcomponents of every product, listed on the statement
        identifier
        for n, value in enumerate(as_list(statement.get("subcomponents")))
        for identifier in _identifiers(builder, value, f"{pointer}/subcomponents/{n}")
    ]
    plain: list[str] = []
    containers: list[str] = []
    inside: list[str] = list(legacy)
    for n, product in enumerate(as_list(statement.get("products"))):
        where = f"{pointer}/products/{n}"
        subcomponents = as_list(product.get("subcomponents")) if isinstance(product, dict) else []
        identifiers = _identifiers(builder, product, where)
        (containers if subcomponents or legacy else plain).extend(identifiers)
        inside.extend(
            identifier
            for m, value in enumerate(subcomponents)
            for identifier in _identifiers(builder, value, f"{where}/subcomponents/{m}")
        )
    if not plain and not containers:
        builder.warn(pointer, "statement names no product: it applies to nothing")
    parts: list[tuple[tuple[str, ...], tuple[str, ...]]] = (
        [(tuple(plain), ()), (tuple(containers), tuple(inside))]
        if plain and containers
        else [(tuple(plain + containers), tuple(inside))]
    )
    justification = text(statement.get("justification"))
    impact = text(statement.get("impact_statement"))
    action = text(statement.get("action_statement"))
    timestamp = (
        text(statement.get("last_updated")) or text(statement.get("timestamp")) or default_time
    )
    location = builder.location(pointer)
    for products, components in parts:  # each statement made once, not copied from a base
        builder.add(
            _new_statement(
                vulnerability=vulnerability,
                aliases=aliases,
                products=products,
                subcomponents=components,
                status=VexStatus(status),
                justification=justification,
                impact=impact,
                action=action,
                timestamp=timestamp,
                location=location,
            )
        )


def _vulnerability(value: object) -> tuple[str | None, tuple[str, ...]]:
    """The name and aliases of a v0.2.0 vulnerability object or a v0.0.1 string."""
    if not isinstance(value, dict):
        return text(value), ()
    name = text(value.get("name"))
    aliases = (text(alias) for alias in as_list(value.get("aliases")))
    return name, tuple(dict.fromkeys(a for a in aliases if a and a != name))


def _identifiers(builder: VexBuilder, value: object, pointer: str) -> list[str]:
    """The identifiers of a product or subcomponent: a string, or `@id` and `identifiers`."""
    if not isinstance(value, dict):
        found = builder.identifier(value, pointer)
        return [found] if found else []
    found_ids: list[str] = []
    if "@id" in value:
        found_ids.append(builder.identifier(value["@id"], f"{pointer}/@id") or "")
    identifiers = value.get("identifiers")
    if isinstance(identifiers, dict):
        found_ids.extend(
            builder.identifier(identifiers[key], f"{pointer}/identifiers/{key}") or ""
            for key in _IDENTIFIER_KEYS
            if key in identifiers
        )
    if not found_ids:
        builder.warn(pointer, "product without @id or identifiers: ignored")
    return list(dict.fromkeys(i for i in found_ids if i))
