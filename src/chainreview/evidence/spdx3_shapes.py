"""Offline validation of SPDX 3 JSON-LD documents against the SPDX 3.0.1 model's SHACL shapes.

SPDX 3 publishes no JSON schema in the data we hold: its normative constraints are the SHACL
shapes of the model (`spdx-3.0.1-model.json-ld`), over RDF terms that the context
(`spdx-3.0.1-context.jsonld`) names in JSON. Both are bundled unmodified in
`chainreview/evidence/schemas/`. This module checks the compacted JSON directly against those
shapes, without an RDF library, and implements the constraint kinds the model uses on properties:

- `sh:minCount` / `sh:maxCount` (a required or single-valued property),
- `sh:datatype` (string, anyURI, dateTimeStamp, boolean, decimal, (non-negative/positive)
  integer) and `sh:pattern`,
- `sh:in` (a vocabulary value, written compacted against the property's `@vocab`),
- `sh:class` objects: an id, or an object written inline, which is checked against its own type's
  shapes in turn,
- abstract classes (a type the model says must not be instantiated), and `sh:nodeKind sh:IRI` on a
  class (its elements need an `spdxId`, not a blank-node id).

Not checked: that an id names an element of the right class (it may live in another document), and
properties the model does not define (its shapes are open). Every violation is a `Diagnostic` with
code `schema` at a JSON pointer, at most `limits.MAX_WARNINGS_PER_FILE` of them.
"""

from __future__ import annotations

import functools
import re
from collections.abc import Iterator, Mapping
from dataclasses import dataclass
from importlib import resources
from typing import Any, Final

import orjson

from chainreview import limits
from chainreview.components.model import Diagnostic, Location

_SCHEMA_DIR = resources.files("chainreview.evidence") / "schemas"
_MODEL: Final = "spdx-3.0.1-model.json-ld"
_CONTEXT: Final = "spdx-3.0.1-context.jsonld"
_SH: Final = "http://www.w3.org/ns/shacl#"
_XSD: Final = "http://www.w3.org/2001/XMLSchema#"
_OWL_CLASS: Final = "http://www.w3.org/2002/07/owl#Class"
_SUBCLASS: Final = "http://www.w3.org/2000/01/rdf-schema#subClassOf"

_STRINGS: Final = frozenset({f"{_XSD}string", f"{_XSD}anyURI", f"{_XSD}dateTimeStamp"})
_INTEGERS: Final = {
    f"{_XSD}integer": None,
    f"{_XSD}nonNegativeInteger": 0,
    f"{_XSD}positiveInteger": 1,
}
"""Integer datatypes, with the least value each allows."""


@dataclass(frozen=True, slots=True)
class _Property:
    """One property shape, under the property's compacted JSON name."""

    name: str
    min_count: int
    max_count: int | None
    datatype: str | None
    is_object: bool
    allowed: frozenset[str] | None
    pattern: re.Pattern[str] | None


@dataclass(frozen=True, slots=True)
class _Class:
    """A class of the model: its properties (inherited ones included) and what it demands."""

    properties: tuple[_Property, ...]
    abstract: bool
    needs_iri: bool


def _first(node: Mapping[str, Any], key: str) -> Any:
    values = node.get(_SH + key) or [{}]
    value = values[0]
    return value.get("@value", value.get("@id")) if isinstance(value, dict) else value


@functools.cache
def _model() -> dict[str, _Class]:
    """Every class of the model, by the compacted type name documents write."""
    context = orjson.loads((_SCHEMA_DIR / _CONTEXT).read_bytes())["@context"]
    names: dict[str, str] = {}
    vocab: dict[str, str] = {}
    for term, value in context.items():
        iri = value if isinstance(value, str) else value.get("@id", "")
        names.setdefault(iri, term)
        if isinstance(value, dict) and "@context" in value:
            vocab[term] = value["@context"].get("@vocab", "")
    nodes = {node["@id"]: node for node in orjson.loads((_SCHEMA_DIR / _MODEL).read_bytes())}

    def shape(node: Mapping[str, Any]) -> _Property | None:
        name = names.get(_first(node, "path"))
        if name is None:
            return None
        listed = node.get(f"{_SH}in")
        allowed = None
        if listed:
            prefix = vocab.get(name, "")
            iris = [entry["@id"] for entry in listed[0]["@list"]]
            allowed = frozenset([*iris, *(iri.removeprefix(prefix) for iri in iris if prefix)])
        pattern = _first(node, "pattern")
        maximum = _first(node, "maxCount")
        return _Property(
            name=name,
            min_count=int(_first(node, "minCount") or 0),
            max_count=None if maximum is None else int(maximum),
            datatype=_first(node, "datatype"),
            is_object=_first(node, "class") is not None,
            allowed=allowed,
            pattern=re.compile(pattern) if pattern else None,
        )

    def own(iri: str) -> tuple[list[_Property], bool]:
        found: list[_Property] = []
        abstract = False
        for link in nodes[iri].get(f"{_SH}property", []):
            node = nodes[link["@id"]]
            if f"{_SH}not" in node:
                abstract = True
            elif (prop := shape(node)) is not None:
                found.append(prop)
        return found, abstract

    def ancestry(iri: str) -> Iterator[str]:
        while iri in nodes:
            yield iri
            parents = nodes[iri].get(_SUBCLASS, [])
            iri = parents[0]["@id"] if parents else ""

    classes: dict[str, _Class] = {}
    for iri, node in nodes.items():
        if _OWL_CLASS not in node.get("@type", []) or iri not in names:
            continue
        properties: dict[str, _Property] = {}
        for ancestor in ancestry(iri):
            for prop in own(ancestor)[0]:
                properties.setdefault(prop.name, prop)
        classes[names[iri]] = _Class(
            properties=tuple(properties.values()),
            abstract=own(iri)[1],
            needs_iri=_first(node, "nodeKind") == f"{_SH}IRI",
        )
    return classes


def validate_spdx3(doc: Any, file: str) -> tuple[Diagnostic, ...]:
    """Check every graph element of a parsed SPDX 3 document against the model's shapes."""
    graph = doc.get("@graph") if isinstance(doc, dict) else None
    if not isinstance(graph, list):
        return ()  # the reader refuses such a document
    found: list[Diagnostic] = []
    more = 0
    for index, element in enumerate(graph):
        for pointer, message in _check(element, f"/@graph/{index}", top=True):
            if len(found) < limits.MAX_WARNINGS_PER_FILE:
                location = Location(file=file, pointer=pointer)
                found.append(Diagnostic(location=location, message=message, code="schema"))
            else:
                more += 1
    if more:
        cap = limits.MAX_WARNINGS_PER_FILE
        message = f"{more:,} more schema violations left out (limit {cap:,} per file)"
        found.append(Diagnostic(location=Location(file=file), message=message, code="limit"))
    return tuple(found)


def _check(node: Any, pointer: str, *, top: bool = False) -> Iterator[tuple[str, str]]:
    """(pointer, message) of each violation by `node` (an element, or an object inline)."""
    if not isinstance(node, dict):
        return  # the reader warns about it
    kind = node.get("type", node.get("@type"))
    spec = _model().get(kind) if isinstance(kind, str) else None
    if spec is None:
        yield pointer, f"unknown type {_preview(kind)}" if top or kind else "object without a type"
        return
    if spec.abstract:
        yield pointer, f"{kind} is an abstract class and cannot be instantiated"
    ref = node.get("spdxId", node.get("@id"))
    if spec.needs_iri and (not isinstance(ref, str) or ref.startswith("_:")):
        yield pointer, f"a {kind} needs an spdxId (an IRI)"
    for prop in spec.properties:
        yield from _check_property(prop, node.get(prop.name), f"{pointer}/{prop.name}")


def _check_property(prop: _Property, value: Any, pointer: str) -> Iterator[tuple[str, str]]:
    values = [] if value is None else value if isinstance(value, list) else [value]
    if len(values) < prop.min_count:
        yield pointer.rpartition("/")[0], f"{prop.name!r} is a required property"
    if prop.max_count is not None and len(values) > prop.max_count:
        yield pointer, f"{prop.name} takes at most {prop.max_count} value, not {len(values)}"
    for index, item in enumerate(values):
        here = f"{pointer}/{index}" if isinstance(value, list) else pointer
        problem = _value_problem(prop, item)
        if problem is not None:
            yield here, problem
        elif prop.is_object and isinstance(item, dict):
            yield from _check(item, here)


def _value_problem(prop: _Property, value: Any) -> str | None:
    if prop.allowed is not None:
        if isinstance(value, str) and value in prop.allowed:
            return None
        return f"{_preview(value)} is not in the SPDX 3 vocabulary of {prop.name}"
    if prop.is_object:
        if isinstance(value, (str, dict)):
            return None
        return f"{prop.name} is {_kind(value)}, not an id or an object"
    datatype = prop.datatype or ""
    if datatype in _STRINGS:
        if not isinstance(value, str):
            return f"{prop.name} is {_kind(value)}, not a string"
        pattern = prop.pattern
        if pattern is None or len(value) > limits.MAX_STRING_CHARS or pattern.search(value):
            return None
        return f"{_preview(value)} does not match {pattern.pattern!r}"
    if datatype == f"{_XSD}boolean":
        return None if isinstance(value, bool) else f"{prop.name} is {_kind(value)}, not a boolean"
    if datatype in _INTEGERS:
        least = _INTEGERS[datatype]
        if not isinstance(value, int) or isinstance(value, bool):
            return f"{prop.name} is {_kind(value)}, not an integer"
        return None if least is None or value >= least else f"{prop.name} is below {least}"
    if datatype == f"{_XSD}decimal":
        if isinstance(value, (int, float, str)) and not isinstance(value, bool):
            return None  # JSON-LD writes xsd:decimal as a string or a number
        return f"{prop.name} is {_kind(value)}, not a decimal"
    return None


def _kind(value: Any) -> str:
    names = {dict: "an object", list: "an array", str: "a string", bool: "a boolean"}
    if value is None:
        return "null"
    return names.get(type(value), "a number" if isinstance(value, (int, float)) else "a value")


def _preview(value: Any, width: int = 80) -> str:
    text = repr(value)
    return text if len(text) <= width else text[: width - 1] + "…"
