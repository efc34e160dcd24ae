"""Offline validation of SBOMs against the official CycloneDX and SPDX schemas, as warnings.

The schemas are bundled, unmodified, in `chainreview/evidence/schemas/` (see the README there).
Nothing is ever fetched: JSON `$ref`s resolve through one `referencing.Registry` of the bundled
files, whose default `retrieve` refuses any other URI, and the XSD loader's resolver serves only
the bundled `spdx.xsd` and refuses any other location. Validators are built once per schema and
cached. A document first goes through `jsonschema-rs` (compiled, about 100x faster here: 6 ms
against 650 ms for the Airflow SBOM), with the same registry contents and the same format
functions; only a document it finds invalid is walked by `jsonschema` to list every violation.
The tests hold the two verdicts equal on every conformance file and real SBOM. In that slow path
`uniqueItems` is checked in linear time (by hashing), not `jsonschema`'s quadratic way.

Every violation becomes one `Diagnostic` with code `schema`, at a JSON pointer (JSON, YAML and
tag-value converted to JSON) or at a line and element path (XML). A file keeps at most
`limits.MAX_WARNINGS_PER_FILE` of them, followed by one `limit` diagnostic counting the rest.

Format checking is on for the formats these schemas use, implemented here so that the result does
not depend on which optional `jsonschema` format extras are installed:

* `date-time` and `date` (RFC 3339) — the conformance suite's `invalid-metadata-timestamp` BOMs
  are invalid only by format;
* `uri` — JSF's `algorithm` is `oneOf` [an enum of JWA names, a `uri`], so without a `uri` check
  `ES256` matches both branches and every signed BOM fails;
* `iri-reference`, checked leniently: no whitespace, control or RFC 3987-excluded characters, and
  `%` only as a percent-escape;
* `email` and `idn-email`, with `jsonschema`'s dependency-free check (contains `@`).

One rule the official XSD states only as an XSD 1.1 `assert` (which libxml2 ignores) is checked
by hand, so that XML and JSON agree: from CycloneDX 1.7 a component may carry `versionRange`
only when `isExternal` is true.
"""

from __future__ import annotations

import functools
import itertools
import re
import threading
from collections.abc import Hashable, Iterable, Iterator, Mapping
from datetime import date, datetime
from importlib import resources
from typing import Any, Protocol, cast

import jsonschema_rs
import orjson
from jsonschema import FormatChecker
from jsonschema.exceptions import ValidationError, best_match
from jsonschema.protocols import Validator
from jsonschema.validators import extend, validator_for
from lxml import etree
from referencing import Registry, Resource

from chainreview import limits
from chainreview.components.model import Diagnostic, Location
from chainreview.errors import UnsupportedFormat

CYCLONEDX_JSON_VERSIONS: tuple[str, ...] = ("1.2", "1.3", "1.4", "1.5", "1.6", "1.7")
"""CycloneDX versions with a bundled JSON schema (1.0 and 1.1 were XML-only)."""

CYCLONEDX_XML_VERSIONS: tuple[str, ...] = ("1.0", "1.1", *CYCLONEDX_JSON_VERSIONS)
"""CycloneDX versions with a bundled XSD."""

SPDX_VERSIONS: tuple[str, ...] = ("2.2", "2.3")
"""SPDX versions with a bundled JSON schema."""

_SCHEMA_DIR = resources.files("chainreview.evidence") / "schemas"
_SPDX_XSD_LOCATION = "http://cyclonedx.org/schema/spdx"
"""The `schemaLocation` every `bom-1.x.xsd` imports the SPDX licence-id XSD from."""

_DUMP_CHARS = 80
"""Longest rendering of the offending value kept at the start of a message."""
_MESSAGE_CHARS = 200
"""Longest message kept."""


# --- formats -------------------------------------------------------------------------------

_DATE_TIME = re.compile(
    r"\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:(?P<second>\d{2})(?:\.\d+)?(?:Z|[+-]\d{2}:\d{2})"
)
_DATE = re.compile(r"\d{4}-\d{2}-\d{2}")
_IRI_EXCLUDED = re.compile(r'[\x00-\x20\x7f-\x9f<>"{}|\\^`]|%(?![0-9A-Fa-f]{2})')
_URI_SCHEME = re.compile(r"[A-Za-z][A-Za-z0-9+.-]*:")


def _is_date_time(instance: object) -> bool:
    """RFC 3339 `date-time`, with real calendar and clock ranges (a leap second is allowed)."""
    if not isinstance(instance, str):
        return True
    text = instance.upper()
    match = _DATE_TIME.fullmatch(text)
    if match is None:
        return False
    if match["second"] == "60":
        text = text[: match.start("second")] + "59" + text[match.end("second") :]
    datetime.fromisoformat(text)  # raises ValueError on 2020-02-30, 25:00 and the like
    return True


def _is_date(instance: object) -> bool:
    """RFC 3339 `full-date`."""
    if not isinstance(instance, str):
        return True
    if _DATE.fullmatch(instance) is None:
        return False
    date.fromisoformat(instance)  # raises ValueError on impossible dates
    return True


def _is_iri_reference(instance: object) -> bool:
    """A lenient RFC 3987 `IRI-reference`: no characters an IRI can never hold."""
    return not isinstance(instance, str) or _IRI_EXCLUDED.search(instance) is None


def _is_uri(instance: object) -> bool:
    """A lenient RFC 3986 absolute `URI`: a scheme, then no characters a URI can never hold."""
    if not isinstance(instance, str):
        return True
    return (
        instance.isascii()
        and _URI_SCHEME.match(instance) is not None
        and _IRI_EXCLUDED.search(instance) is None
    )


def _format_checker() -> FormatChecker:
    checker = FormatChecker(formats=("email", "idn-email"))
    checker.checks("date-time", raises=ValueError)(_is_date_time)
    checker.checks("date", raises=ValueError)(_is_date)
    checker.checks("iri-reference")(_is_iri_reference)
    checker.checks("uri")(_is_uri)
    return checker


# --- JSON ----------------------------------------------------------------------------------


@functools.cache
def _json_schema(name: str) -> Any:
    return orjson.loads((_SCHEMA_DIR / name).read_bytes())


@functools.cache
def _registry() -> Registry[Any]:
    """Every bundled JSON schema, keyed by its `$id`, crawled once.

    A `Registry`'s default `retrieve` raises `NoSuchResource` for any URI it does not hold, so a
    `$ref` to anything not bundled fails instead of reaching the network. The CycloneDX schemas'
    relative `$ref`s (`spdx.schema.json`, `jsf-0.82.schema.json`,
    `cryptography-defs.schema.json`) resolve against their `$id`s to those files' own `$id`s.
    """
    resources_by_id = [(uri, Resource.from_contents(schema)) for uri, schema in _schemas_by_id()]
    return Registry().with_resources(resources_by_id).crawl()


@functools.cache
def _schemas_by_id() -> tuple[tuple[str, Any], ...]:
    """Every bundled JSON schema with its `$id`, in file-name order."""
    names = sorted(
        entry.name for entry in _SCHEMA_DIR.iterdir() if entry.name.endswith(".schema.json")
    )
    return tuple((_json_schema(name)["$id"], _json_schema(name)) for name in names)


@functools.cache
def _fast_registry() -> Any:
    """The same bundled schemas as a jsonschema-rs registry (built once, shared by validators)."""
    return jsonschema_rs.Registry(list(_schemas_by_id()))


def _json_key(value: Any) -> Hashable:
    """A hashable key under which two JSON values collide exactly when JSON Schema calls them equal.

    Objects compare regardless of key order, `1` equals `1.0`, and `true` is not `1`.
    """
    if isinstance(value, dict):
        return ("object", frozenset((key, _json_key(item)) for key, item in value.items()))
    if isinstance(value, list):
        return ("array", tuple(_json_key(item) for item in value))
    if isinstance(value, bool) or value is None:
        return ("literal", value)
    return (type(value) is str, value)


def _unique_items(
    validator: Validator, unique: bool, instance: Any, schema: Mapping[str, Any]
) -> Iterator[ValidationError]:
    """`uniqueItems` in linear time; `jsonschema`'s own compares objects pairwise (quadratic)."""
    if not unique or not validator.is_type(instance, "array"):
        return
    seen: dict[Hashable, int] = {}
    for index, item in enumerate(instance):
        first = seen.setdefault(_json_key(item), index)
        if first != index:
            yield ValidationError(f"non-unique array items: item {index} equals item {first}")
            return


@functools.cache
def _json_validator(name: str) -> Validator:
    schema = _json_schema(name)
    cls: type[Validator] = extend(  # type: ignore[no-untyped-call]  # untyped in the stubs
        validator_for(schema), {"uniqueItems": _unique_items}
    )
    return cls(schema, registry=_registry(), format_checker=_format_checker())


def _pointer(path: Iterable[str | int]) -> str:
    return "".join("/" + str(part).replace("~", "~0").replace("/", "~1") for part in path)


def _one_line(text: str, limit: int) -> str:
    text = " ".join(text.split())
    return text if len(text) <= limit else text[: limit - 1] + "…"


def _describe(error: ValidationError) -> str:
    """The error's message on one line, its leading dump of the offending value shortened."""
    text = error.message
    # Only a message opening with `{`/`[` can start with an object's or array's dump: this skips
    # re-rendering a whole document for, say, a property missing at its root.
    container = isinstance(error.instance, (dict, list))
    if len(text) > _DUMP_CHARS and (not container or text[0] in "{["):
        dump = repr(error.instance)
        if len(dump) > _DUMP_CHARS and text.startswith(dump):
            text = _one_line(dump, _DUMP_CHARS) + text[len(dump) :]
    return _one_line(text, _MESSAGE_CHARS)


def _json_diagnostic(error: ValidationError, file: str) -> Diagnostic:
    """One diagnostic; for a failed `anyOf`/`oneOf`, the closest alternative's failure is named."""
    message = _describe(error)
    if error.context:
        closest = best_match(error.context)
        where = _pointer(closest.relative_path)
        detail = f"{where}: {_describe(closest)}" if where else _describe(closest)
        message = _one_line(f"{message}; closest alternative fails: {detail}", 2 * _MESSAGE_CHARS)
    return Diagnostic(
        location=Location(file=file, pointer=_pointer(error.absolute_path)),
        message=message,
        code="schema",
    )


def _capped(diagnostics: Iterator[Diagnostic], file: str) -> tuple[Diagnostic, ...]:
    """Keep the first `MAX_WARNINGS_PER_FILE` diagnostics and count the rest in one more."""
    cap = limits.MAX_WARNINGS_PER_FILE
    kept: list[Diagnostic] = []
    for diagnostic in diagnostics:
        kept.append(diagnostic)
        if len(kept) == cap:
            break
    left_out = sum(1 for _ in diagnostics)
    if left_out:
        kept.append(
            Diagnostic(
                location=Location(file=file),
                message=f"{left_out:,} more schema violations left out (limit {cap:,} per file)",
                code="limit",
            )
        )
    return tuple(kept)


def _never_raises(check: Any) -> Any:
    """Wrap a format check so a `ValueError` means "invalid" (jsonschema-rs wants a plain bool)."""

    def wrapped(instance: str) -> bool:
        try:
            return bool(check(instance))
        except ValueError:
            return False

    return wrapped


@functools.cache
def _fast_validator(name: str) -> Any:
    """A compiled jsonschema-rs validator over the same bundled schemas and format rules."""
    formats = {
        "date-time": _never_raises(_is_date_time),
        "date": _never_raises(_is_date),
        "iri-reference": _is_iri_reference,
        "uri": _is_uri,
    }
    return jsonschema_rs.validator_for(
        _json_schema(name), registry=_fast_registry(), formats=formats, validate_formats=True
    )


def validate_json(doc: Any, schema_name: str, file: str) -> tuple[Diagnostic, ...]:
    """Validate `doc` against the bundled schema file `schema_name`; each violation a warning.

    The compiled validator answers first; what it cannot take (a YAML document's non-string
    key) goes to the reference validator, as an invalid document does."""
    try:
        if _fast_validator(schema_name).is_valid(doc):
            return ()
    except (ValueError, TypeError):
        pass
    errors = _json_validator(schema_name).iter_errors(doc)
    return _capped((_json_diagnostic(error, file) for error in errors), file)


def validate_cyclonedx_json(doc: Any, spec_version: str, file: str) -> tuple[Diagnostic, ...]:
    """Validate a parsed CycloneDX JSON document against the official schema of `spec_version`.

    Raises `UnsupportedFormat` for a version with no bundled schema (see
    `CYCLONEDX_JSON_VERSIONS`).
    """
    if spec_version not in CYCLONEDX_JSON_VERSIONS:
        raise UnsupportedFormat(file, f"no bundled schema for CycloneDX {spec_version} JSON")
    return validate_json(doc, f"bom-{spec_version}.schema.json", file)


def validate_spdx_json(doc: Any, spec_version: str, file: str) -> tuple[Diagnostic, ...]:
    """Validate an SPDX document in JSON shape against the official SPDX `spec_version` schema.

    Serves JSON, YAML and tag-value documents once converted to the JSON shape. `spec_version`
    is `2.2` or `2.3`; any other raises `UnsupportedFormat`.
    """
    if spec_version not in SPDX_VERSIONS:
        raise UnsupportedFormat(file, f"no bundled schema for SPDX {spec_version}")
    return validate_json(doc, f"spdx-{spec_version}.schema.json", file)


# --- XML -----------------------------------------------------------------------------------


class _LogEntry(Protocol):
    """The part of lxml's `_LogEntry` read here."""

    line: int
    path: str | None
    message: str
    level_name: str


class _BundledResolver(etree.Resolver):
    """Serves the bundled `spdx.xsd` to the XSD loader and refuses any other lookup."""

    def resolve(  # type: ignore[override]  # lxml-stubs leave out the `context` argument
        self, system_url: str | None, public_id: str | None, context: object
    ) -> Any:
        if system_url == _SPDX_XSD_LOCATION:
            return self.resolve_string(
                (_SCHEMA_DIR / "spdx.xsd").read_bytes(), context, base_url="spdx.xsd"
            )
        raise ValueError(f"refusing to load {system_url!r}: not a bundled schema")


@functools.cache
def _xml_schema(spec_version: str) -> tuple[etree.XMLSchema, threading.Lock]:
    """The compiled XSD of a version, with the lock guarding its shared `error_log`."""
    parser = etree.XMLParser(no_network=True, resolve_entities=False, load_dtd=False)
    parser.resolvers.add(_BundledResolver())
    name = f"bom-{spec_version}.xsd"
    document = etree.fromstring((_SCHEMA_DIR / name).read_bytes(), parser, base_url=name)
    return etree.XMLSchema(document), threading.Lock()


_NAMESPACE = re.compile(r"\{[A-Za-z][A-Za-z0-9+.-]*:[^{}\s]*\}")


def _element_path(element: etree._Element) -> str:
    """`/bom/components/component[3]`: local names, with a position only where it is needed."""
    steps: list[str] = []
    node: etree._Element | None = element
    while node is not None:
        name = etree.QName(node).localname
        before = sum(1 for _ in node.itersiblings(node.tag, preceding=True))
        if before or next(node.itersiblings(node.tag), None) is not None:
            name = f"{name}[{before + 1}]"
        steps.append(name)
        node = node.getparent()
    return "/" + "/".join(reversed(steps))


def _xml_location(root: etree._Element, line: int, libxml_path: str | None) -> str:
    found = root.getroottree().xpath(libxml_path) if libxml_path else []
    if isinstance(found, list) and found and isinstance(found[0], etree._Element):
        return f"line {line}, {_element_path(found[0])}"
    return f"line {line}"


def _xsd_diagnostics(root: etree._Element, spec_version: str, file: str) -> Iterator[Diagnostic]:
    schema, lock = _xml_schema(spec_version)
    with lock:
        schema.validate(root)
        log = cast("Iterable[_LogEntry]", schema.error_log)  # lxml-stubs leave `_ErrorLog` empty
        entries = [entry for entry in log if entry.level_name in {"ERROR", "FATAL"}]
    for entry in entries:
        yield Diagnostic(
            location=Location(file=file, pointer=_xml_location(root, entry.line, entry.path)),
            message=_one_line(_NAMESPACE.sub("", entry.message), _MESSAGE_CHARS),
            code="schema",
        )


def _version_range_diagnostics(root: etree._Element, file: str) -> Iterator[Diagnostic]:
    """CycloneDX 1.7+: `versionRange` only on a component with `isExternal="true"`."""
    namespace = etree.QName(root).namespace
    for component in root.iter(f"{{{namespace}}}component"):
        version_range = component.find(f"{{{namespace}}}versionRange")
        if version_range is not None and component.get("isExternal", "").strip() not in {
            "true",
            "1",
        }:
            yield Diagnostic(
                location=Location(
                    file=file, pointer=f"line {component.sourceline}, {_element_path(component)}"
                ),
                message='versionRange is allowed only on a component with isExternal="true"',
                code="schema",
            )


def validate_cyclonedx_xml(
    root: etree._Element, spec_version: str, file: str
) -> tuple[Diagnostic, ...]:
    """Validate a parsed CycloneDX XML document against the official XSD of `spec_version`.

    Each diagnostic's pointer is `line N, /bom/components/component[2]` (the element path uses
    local names). Raises `UnsupportedFormat` for a version with no bundled XSD (see
    `CYCLONEDX_XML_VERSIONS`).
    """
    if spec_version not in CYCLONEDX_XML_VERSIONS:
        raise UnsupportedFormat(file, f"no bundled schema for CycloneDX {spec_version} XML")
    diagnostics = _xsd_diagnostics(root, spec_version, file)
    if CYCLONEDX_XML_VERSIONS.index(spec_version) >= CYCLONEDX_XML_VERSIONS.index("1.7"):
        diagnostics = itertools.chain(diagnostics, _version_range_diagnostics(root, file))
    return _capped(diagnostics, file)
