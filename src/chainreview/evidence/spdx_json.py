"""Read one SPDX 2.x document, already parsed from JSON or YAML, into the component model.

The reader works on the plain dict, never through spdx-tools: real generators (syft among them)
write documents the schema rejects, and those must still be read. Anything of the wrong type or
over a limit becomes a `Diagnostic` and the field is dropped; only an unreadable document as a
whole raises.

Mapping decisions:

- `packages[]` become components; `files[]` are only counted; snippets are ignored.
- `primaryPackagePurpose` maps one to one where CycloneDX has the type. The rest: `SOURCE` →
  library (the source of a package is the package, for matching), `ARCHIVE` → file, `INSTALL` →
  application (an installer delivers one), `OTHER` → unknown. Without a purpose: library.
- Relationships become edges only between packages read as components; `*_DEPENDENCY_OF` and
  `CONTAINED_BY` are turned around. Relationships with files, `NOASSERTION`, `NONE` or elements of
  other documents (`DocumentRef-…`) are dropped without a warning.
- `documentDescribes` and `DESCRIBES` / `DESCRIBED_BY` relationships name the primary component:
  the first described package.

Tag-value documents come here too, converted by `chainreview.evidence.spdx_tagvalue`, which passes
its line numbers so locations read `line N` instead of a JSON pointer.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Iterator, Mapping
from typing import Any, Final, NamedTuple

from chainreview import limits
from chainreview.components.model import (
    Component,
    ComponentType,
    Diagnostic,
    DocumentMetadata,
    Edge,
    EdgeKind,
    Encoding,
    Hash,
    Location,
    SbomDocument,
    SbomFormat,
    SkippedComponent,
)
from chainreview.components.purl import InvalidPurl, osv_ecosystem, parse_purl
from chainreview.errors import InputError, LimitExceeded, UnsupportedFormat
from chainreview.evidence._spdx_values import NO_VALUE as _NO_VALUE
from chainreview.evidence._spdx_values import CappedWarnings
from chainreview.evidence._spdx_values import asserted as _asserted
from chainreview.evidence._spdx_values import kind as _kind
from chainreview.evidence._spdx_values import preview as _preview
from chainreview.evidence._spdx_values import text as _text

_SUPPORTED_VERSIONS: Final = {"SPDX-2.2": "2.2", "SPDX-2.3": "2.3"}
_OLD_VERSIONS: Final = {"SPDX-2.0": "2.0", "SPDX-2.1": "2.1"}

_PURPOSES: Final = {
    "APPLICATION": ComponentType.APPLICATION,
    "FRAMEWORK": ComponentType.FRAMEWORK,
    "LIBRARY": ComponentType.LIBRARY,
    "CONTAINER": ComponentType.CONTAINER,
    "OPERATING-SYSTEM": ComponentType.OPERATING_SYSTEM,
    "DEVICE": ComponentType.DEVICE,
    "FIRMWARE": ComponentType.FIRMWARE,
    "FILE": ComponentType.FILE,
    "SOURCE": ComponentType.LIBRARY,
    "ARCHIVE": ComponentType.FILE,
    "INSTALL": ComponentType.APPLICATION,
    "OTHER": ComponentType.UNKNOWN,
}

_DEPENDENCY_OF: Final = frozenset(
    {
        "DEPENDENCY_OF",
        "RUNTIME_DEPENDENCY_OF",
        "BUILD_DEPENDENCY_OF",
        "DEV_DEPENDENCY_OF",
        "OPTIONAL_DEPENDENCY_OF",
        "PROVIDED_DEPENDENCY_OF",
        "TEST_DEPENDENCY_OF",
    }
)
_EDGE_TYPES: Final[dict[str, tuple[EdgeKind, bool]]] = {
    "DEPENDS_ON": (EdgeKind.DEPENDS_ON, False),
    "CONTAINS": (EdgeKind.CONTAINS, False),
    "CONTAINED_BY": (EdgeKind.CONTAINS, True),
    **dict.fromkeys(_DEPENDENCY_OF, (EdgeKind.DEPENDS_ON, True)),
}
"""Relationship type → (edge kind, whether the edge runs from the related element back)."""

_PARTY: Final = re.compile(r"^(Person|Organization|Tool)\s*:\s*(.*)$", re.IGNORECASE)
_TRAILING_EMAIL: Final = re.compile(r"\([^()]*\)$")
r"""Searched in right-stripped text: a leading `\s*` would make the search quadratic in spaces."""
_HEX: Final = re.compile(r"^[0-9a-fA-F]+$")
_SHA2: Final = re.compile(r"^SHA(1|224|256|384|512)$")


class _Context(CappedWarnings):
    """What one read carries along: the file, tag-value line numbers, and the warnings so far."""

    def __init__(self, file: str, lines: Mapping[str, int] | None) -> None:
        super().__init__(file)
        self._lines = lines

    def location(self, pointer: str) -> Location:
        """Where `pointer` is: itself for JSON and YAML, the nearest known line for tag-value."""
        if self._lines is None:
            return Location(file=self.file, pointer=pointer)
        path = pointer
        while path:
            line = self._lines.get(path)
            if line is not None:
                return Location(file=self.file, pointer=f"line {line}")
            path = path.rpartition("/")[0]
        return Location(file=self.file)


class _Ref(NamedTuple):
    """One well-formed entry of a package's `externalRefs`."""

    pointer: str
    type: str
    locator: str


def read(
    doc: Any,
    file: str,
    encoding: Encoding,
    *,
    lines: Mapping[str, int] | None = None,
    warnings: Iterable[Diagnostic] = (),
) -> SbomDocument:
    """Turn a parsed SPDX 2.x document into an `SbomDocument`.

    `lines` maps JSON pointers to line numbers (tag-value input); `warnings` are diagnostics the
    caller already made (they come first). Raises `InputError` for a document that is not an SPDX
    2.x object, `UnsupportedFormat` for SPDX 3 (`chainreview.evidence.spdx3_json` reads
    it), `LimitExceeded` for too many packages.
    """
    if not isinstance(doc, dict):
        raise InputError(file, f"an SPDX document must be an object, not {_kind(doc)}")
    ctx = _Context(file, lines)
    for diagnostic in warnings:
        ctx.add(diagnostic)
    spec_version = _spec_version(ctx, doc)
    components, skipped = _packages(ctx, doc)
    refs = {component.ref for component in components}
    described = list(_described(ctx, doc))
    edges, described_by_relationship = _relationships(ctx, doc, refs)
    described.extend(described_by_relationship)
    metadata = _metadata(ctx, doc, _primary(ctx, described, refs))
    file_count = len(_array(ctx, doc, "files", ""))
    return SbomDocument(
        file=file,
        format=SbomFormat.SPDX,
        spec_version=spec_version,
        encoding=encoding,
        metadata=metadata,
        components=tuple(components),
        edges=edges,
        skipped=tuple(skipped),
        warnings=ctx.warnings(),
        file_count=file_count,
    )


def _spec_version(ctx: _Context, doc: Mapping[str, Any]) -> str:
    value = doc.get("spdxVersion")
    if not isinstance(value, str):
        raise InputError(
            ctx.file, "not an SPDX 2.x document: no spdxVersion string", "/spdxVersion"
        )
    version = value.strip()
    if version in _SUPPORTED_VERSIONS:
        return _SUPPORTED_VERSIONS[version]
    if version in _OLD_VERSIONS:
        ctx.warn(
            "/spdxVersion", f"{version} is older than SPDX 2.2; read with the 2.2 rules", "version"
        )
        return _OLD_VERSIONS[version]
    if version.startswith("SPDX-3"):
        raise UnsupportedFormat(
            ctx.file,
            "SPDX 3 is read from its JSON-LD serialisation (@context, @graph) only",
            "/spdxVersion",
        )
    raise UnsupportedFormat(
        ctx.file, f"unsupported spdxVersion {_preview(version)}", "/spdxVersion"
    )


def _packages(
    ctx: _Context, doc: Mapping[str, Any]
) -> tuple[list[Component], list[SkippedComponent]]:
    entries = _array(ctx, doc, "packages", "")
    if len(entries) > limits.MAX_COMPONENTS:
        raise LimitExceeded(
            ctx.file,
            f"{len(entries):,} packages, over the limit of {limits.MAX_COMPONENTS:,}",
            "/packages",
        )
    components: list[Component] = []
    skipped: list[SkippedComponent] = []
    first_seen: dict[str, str] = {}
    for index, entry in enumerate(entries):
        pointer = f"/packages/{index}"
        result = _package(ctx, entry, pointer)
        if isinstance(result, Component) and result.ref in first_seen:
            reason = f"duplicate SPDXID {_preview(result.ref)} (first at {first_seen[result.ref]})"
            result = SkippedComponent(location=ctx.location(pointer), reason=reason)
        if isinstance(result, Component):
            first_seen[result.ref] = pointer
            components.append(result)
        else:
            skipped.append(result)
    return components, skipped


def _package(ctx: _Context, entry: Any, pointer: str) -> Component | SkippedComponent:
    if not isinstance(entry, dict):
        return SkippedComponent(
            location=ctx.location(pointer), reason=f"package is {_kind(entry)}, not an object"
        )
    name = _text(ctx, entry, "name", pointer)
    if name is None:
        return SkippedComponent(location=ctx.location(pointer), reason="package has no usable name")
    refs = _external_refs(ctx, entry, pointer)
    purl, ecosystem = _purl(ctx, refs)
    return Component(
        ref=_spdx_id(ctx, entry, pointer),
        name=name,
        version=_asserted(_text(ctx, entry, "versionInfo", pointer)),
        type=_type(ctx, entry, pointer),
        purl=purl,
        ecosystem=ecosystem,
        cpe=_cpe(refs),
        supplier=_party(_text(ctx, entry, "supplier", pointer)),
        manufacturer=_party(_text(ctx, entry, "originator", pointer)),
        hashes=_hashes(ctx, entry, pointer),
        licenses=_licenses(ctx, entry, pointer),
        description=_text(ctx, entry, "description", pointer)
        or _text(ctx, entry, "summary", pointer),
        sources=(ctx.location(pointer),),
    )


def _spdx_id(ctx: _Context, entry: Mapping[str, Any], pointer: str) -> str:
    ref = _text(ctx, entry, "SPDXID", pointer)
    if ref is not None:
        return ref
    ctx.warn(pointer, "package has no SPDXID; its JSON pointer is used as its ref")
    return f"#{pointer}"


def _type(ctx: _Context, entry: Mapping[str, Any], pointer: str) -> ComponentType:
    purpose = _text(ctx, entry, "primaryPackagePurpose", pointer)
    if purpose is None:
        return ComponentType.LIBRARY
    mapped = _PURPOSES.get(purpose.upper().replace("_", "-"))
    if mapped is None:
        ctx.warn(
            f"{pointer}/primaryPackagePurpose", f"unknown primaryPackagePurpose {_preview(purpose)}"
        )
        return ComponentType.LIBRARY
    return mapped


def _external_refs(ctx: _Context, entry: Mapping[str, Any], pointer: str) -> list[_Ref]:
    refs: list[_Ref] = []
    for ref_pointer, ref in _objects(ctx, entry, "externalRefs", pointer):
        ref_type = _text(ctx, ref, "referenceType", ref_pointer)
        locator = _text(ctx, ref, "referenceLocator", ref_pointer)
        if ref_type is None or locator is None:
            ctx.warn(ref_pointer, "external reference without referenceType or referenceLocator")
            continue
        refs.append(_Ref(ref_pointer, ref_type, locator))
    return refs


def _purl(ctx: _Context, refs: list[_Ref]) -> tuple[str | None, str | None]:
    for ref in refs:
        if ref.type.lower() != "purl":
            continue
        try:
            purl = parse_purl(ref.locator)
        except InvalidPurl as exc:
            ctx.warn(f"{ref.pointer}/referenceLocator", f"{exc}; purl ignored", "purl")
            continue
        return str(purl), osv_ecosystem(purl)
    return None, None


def _cpe(refs: list[_Ref]) -> str | None:
    for wanted in ("cpe23type", "cpe22type"):
        for ref in refs:
            if ref.type.lower() == wanted:
                return ref.locator
    return None


def _hashes(ctx: _Context, entry: Mapping[str, Any], pointer: str) -> tuple[Hash, ...]:
    hashes: list[Hash] = []
    for checksum_pointer, checksum in _objects(ctx, entry, "checksums", pointer):
        algorithm = _text(ctx, checksum, "algorithm", checksum_pointer)
        value = _text(ctx, checksum, "checksumValue", checksum_pointer)
        if algorithm is None or value is None or not _HEX.match(value):
            ctx.warn(
                checksum_pointer, "checksum without an algorithm or a hex checksumValue; ignored"
            )
            continue
        hashes.append(Hash(algorithm=_hash_algorithm(algorithm), value=value.lower()))
    return tuple(hashes)


def _hash_algorithm(name: str) -> str:
    upper = name.upper()
    return _SHA2.sub(r"SHA-\1", upper)


def _licenses(ctx: _Context, entry: Mapping[str, Any], pointer: str) -> tuple[str, ...]:
    for key in ("licenseConcluded", "licenseDeclared"):
        expression = _asserted(_text(ctx, entry, key, pointer))
        if expression is not None:
            return (expression,)
    return ()


def _described(ctx: _Context, doc: Mapping[str, Any]) -> Iterator[str]:
    for index, element in enumerate(_array(ctx, doc, "documentDescribes", "")):
        if isinstance(element, str):
            yield element.strip()
        else:
            ctx.warn(
                f"/documentDescribes/{index}",
                f"documentDescribes entry is {_kind(element)}, not a string",
            )


def _relationships(
    ctx: _Context, doc: Mapping[str, Any], refs: set[str]
) -> tuple[tuple[Edge, ...], list[str]]:
    document_id = _text(ctx, doc, "SPDXID", "") or "SPDXRef-DOCUMENT"
    edges: dict[Edge, None] = {}
    described: list[str] = []
    for pointer, relationship in _objects(ctx, doc, "relationships", ""):
        element = _text(ctx, relationship, "spdxElementId", pointer)
        related = _text(ctx, relationship, "relatedSpdxElement", pointer)
        kind = _text(ctx, relationship, "relationshipType", pointer)
        if element is None or related is None or kind is None:
            ctx.warn(
                pointer,
                "relationship without spdxElementId, relatedSpdxElement or relationshipType",
            )
            continue
        kind = kind.upper()
        if kind == "DESCRIBES" and element == document_id:
            described.append(related)
        elif kind == "DESCRIBED_BY" and related == document_id:
            described.append(element)
        elif kind in _EDGE_TYPES:
            edge = _edge(element, related, *_EDGE_TYPES[kind])
            if edge.source in refs and edge.target in refs and edge.source != edge.target:
                if len(edges) >= limits.MAX_EDGES and edge not in edges:
                    raise LimitExceeded(
                        ctx.file,
                        f"more than {limits.MAX_EDGES:,} dependency graph edges",
                        ctx.location(pointer).pointer,
                    )
                edges[edge] = None
    return tuple(edges), described


def _edge(element: str, related: str, kind: EdgeKind, backwards: bool) -> Edge:
    if backwards:
        return Edge(source=related, target=element, kind=kind)
    return Edge(source=element, target=related, kind=kind)


def _primary(ctx: _Context, described: list[str], refs: set[str]) -> str | None:
    packages = list(dict.fromkeys(ref for ref in described if ref in refs))
    if len(packages) > 1:
        ctx.warn(
            "/documentDescribes",
            f"the document describes {len(packages)} packages; the first is primary",
            "primary",
        )
    return packages[0] if packages else None


def _metadata(ctx: _Context, doc: Mapping[str, Any], primary: str | None) -> DocumentMetadata:
    info = doc.get("creationInfo")
    if not isinstance(info, dict):
        if info is not None:
            ctx.warn("/creationInfo", f"creationInfo is {_kind(info)}, not an object")
        info = {}
    authors: list[str] = []
    tools: list[str] = []
    for index, creator in enumerate(_array(ctx, info, "creators", "/creationInfo")):
        _sort_creator(ctx, creator, f"/creationInfo/creators/{index}", authors, tools)
    return DocumentMetadata(
        authors=tuple(authors),
        timestamp=_text(ctx, info, "created", "/creationInfo"),
        tools=tuple(tools),
        primary=primary,
        serial=_text(ctx, doc, "documentNamespace", ""),
        name=_text(ctx, doc, "name", ""),
    )


def _sort_creator(
    ctx: _Context, creator: Any, pointer: str, authors: list[str], tools: list[str]
) -> None:
    if not isinstance(creator, str) or len(creator) > limits.MAX_STRING_CHARS:
        ctx.warn(pointer, "creator is not a string of reasonable length; ignored")
        return
    name = _party(creator.strip())
    if name is None:
        return
    is_tool = creator.strip().lower().startswith("tool")
    (tools if is_tool else authors).append(name)


def _party(text: str | None) -> str | None:
    """`Organization: X (email)` / `Person: Y` / `Tool: Z` → the name; NOASSERTION → None."""
    if text is None or text.upper() in _NO_VALUE:
        return None
    match = _PARTY.match(text)
    name = match.group(2) if match else text
    name = _TRAILING_EMAIL.sub("", name.rstrip()).strip()
    if name.upper() in _NO_VALUE:
        return None
    return name or None


def _array(ctx: _Context, obj: Mapping[str, Any], key: str, pointer: str) -> list[Any]:
    value = obj.get(key)
    if value is None:
        return []
    if not isinstance(value, list):
        ctx.warn(f"{pointer}/{key}", f"{key} is {_kind(value)}, not an array; ignored")
        return []
    return value


def _objects(
    ctx: _Context, obj: Mapping[str, Any], key: str, pointer: str
) -> Iterator[tuple[str, dict[str, Any]]]:
    """The object entries of the array `obj[key]`, with their pointers; the rest are reported."""
    for index, entry in enumerate(_array(ctx, obj, key, pointer)):
        here = f"{pointer}/{key}/{index}"
        if isinstance(entry, dict):
            yield here, entry
        else:
            ctx.warn(here, f"{key} entry is {_kind(entry)}, not an object; ignored")
