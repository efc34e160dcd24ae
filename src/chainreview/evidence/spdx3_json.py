"""Read one SPDX 3.0 JSON-LD document, already parsed, into the component model.

SPDX 3 writes one flat `@graph` of elements, each with a `type` (or `@type`) and an `spdxId`
(blank nodes, such as the shared `CreationInfo`, an `@id`); elements name each other by id. The
reader indexes the graph once and maps it the way `chainreview.evidence.spdx_json` maps 2.x, so
that the same product reads the same from either:

- `software_Package` (and its subclasses `ai_AIPackage`, `dataset_DatasetPackage`) become
  components; `software_File` elements are only counted, as 2.x `files`; snippets and annotations
  are ignored, as in 2.x. Any other type not read (a `security_Vulnerability`, an extension) is
  counted in one `ignored` warning per type, so nothing is dropped unsaid.
- name ← `name`, version ← `software_packageVersion`, purl ← `software_packageUrl` (else an
  `externalIdentifier` of type `packageUrl`), CPE ← an `externalIdentifier` `cpe23` (else
  `cpe22`), hashes ← `verifiedUsing` entries of type `Hash`, supplier ← the name of the agent
  `suppliedBy` names, manufacturer ← the first agent of `originatedBy` (2.x's `originator`),
  licence ← the `hasConcludedLicense` (else `hasDeclaredLicense`) relationship's licence element,
  description ← `description` or `summary`.
- `software_primaryPurpose` maps as 2.x's `primaryPackagePurpose` does (`_PURPOSES`); without
  one, an AI package is a machine-learning model, a dataset data, any other package a library.
- `Relationship`s (and `LifecycleScopedRelationship`s) `dependsOn` and `contains` become edges
  between components; 3.0 has no reverse types. Endpoints that are files or other elements are
  dropped without a warning, as in 2.x; an endpoint (or root element, supplier, originator)
  that is neither in the graph, nor imported (`SpdxDocument.import`), nor an SPDX vocabulary
  individual is warned about.
- The primary component is the first package among the `SpdxDocument`'s `rootElement`s (those of
  an SBOM or bundle it names, followed) and the elements `describes` relationships of the
  document or SBOM name.
- Document metadata come from the `SpdxDocument` and its `CreationInfo`: authors are the names of
  the `createdBy` agents, tools those of `createdUsing`; serial is the document's `spdxId`.

Only the compacted form with the SPDX context (what the specification's serialisation gives) is
read; a graph written with full IRIs for types has no element the reader knows.
"""

from __future__ import annotations

import dataclasses
from collections import Counter, deque
from collections.abc import Iterator, Mapping
from typing import Any, Final, NamedTuple

from chainreview import limits
from chainreview.components.model import (
    Component,
    ComponentType,
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
from chainreview.errors import InputError, LimitExceeded
from chainreview.evidence._spdx_values import CappedWarnings
from chainreview.evidence._spdx_values import asserted as _asserted
from chainreview.evidence._spdx_values import kind as _kind
from chainreview.evidence._spdx_values import preview as _preview
from chainreview.evidence._spdx_values import text as _text

KNOWN_VERSIONS: Final = ("3.0.0", "3.0.1")
"""SPDX 3 versions whose model the reader follows; a later 3.x is read by the same rules."""

_VOCABULARY: Final = "https://spdx.org/rdf/3."
"""Ids starting so are SPDX individuals (`NoAssertionElement`, `NoneLicense`), not elements."""

_PACKAGES: Final = {
    "software_Package": ComponentType.LIBRARY,
    "ai_AIPackage": ComponentType.MACHINE_LEARNING_MODEL,
    "dataset_DatasetPackage": ComponentType.DATA,
}
"""Package element types, with the component type of one that states no purpose."""
_RELATIONSHIPS: Final = frozenset({"Relationship", "LifecycleScopedRelationship"})
_AGENTS: Final = frozenset({"Agent", "Person", "Organization", "SoftwareAgent", "Tool"})
"""Element types with a `name` other elements cite (`Tool` is not an agent, but is cited)."""
_COLLECTIONS: Final = frozenset({"SpdxDocument", "software_Sbom", "Bom", "Bundle"})
_LICENCES: Final = frozenset(
    {
        "simplelicensing_LicenseExpression",
        "simplelicensing_SimpleLicensingText",
        "expandedlicensing_ListedLicense",
        "expandedlicensing_CustomLicense",
        "expandedlicensing_ConjunctiveLicenseSet",
        "expandedlicensing_DisjunctiveLicenseSet",
        "expandedlicensing_OrLaterOperator",
        "expandedlicensing_WithAdditionOperator",
        "expandedlicensing_ListedLicenseException",
        "expandedlicensing_CustomLicenseAddition",
        "expandedlicensing_IndividualLicensingInfo",
    }
)
"""Licence elements: read when a package's licence relationship names them."""
_QUIET: Final = frozenset({"software_File", "software_Snippet", "Annotation", "CreationInfo"})
"""Types read otherwise (files are counted) or ignored as 2.x ignores them."""

_PURPOSES: Final = {
    "application": ComponentType.APPLICATION,
    "archive": ComponentType.FILE,
    "bom": ComponentType.FILE,
    "configuration": ComponentType.DATA,
    "container": ComponentType.CONTAINER,
    "data": ComponentType.DATA,
    "device": ComponentType.DEVICE,
    "deviceDriver": ComponentType.DEVICE_DRIVER,
    "diskImage": ComponentType.FILE,
    "documentation": ComponentType.FILE,
    "evidence": ComponentType.FILE,
    "executable": ComponentType.APPLICATION,
    "file": ComponentType.FILE,
    "filesystemImage": ComponentType.FILE,
    "firmware": ComponentType.FIRMWARE,
    "framework": ComponentType.FRAMEWORK,
    "install": ComponentType.APPLICATION,
    "library": ComponentType.LIBRARY,
    "manifest": ComponentType.FILE,
    "model": ComponentType.MACHINE_LEARNING_MODEL,
    "module": ComponentType.LIBRARY,
    "operatingSystem": ComponentType.OPERATING_SYSTEM,
    "other": ComponentType.UNKNOWN,
    "patch": ComponentType.FILE,
    "platform": ComponentType.PLATFORM,
    "requirement": ComponentType.FILE,
    "source": ComponentType.LIBRARY,
    "specification": ComponentType.FILE,
    "test": ComponentType.FILE,
}
"""`software_primaryPurpose` → component type: 2.x's mapping for the purposes 2.x has (`SOURCE`
→ library, `ARCHIVE` → file, `INSTALL` → application, `OTHER` → unknown); of the new ones,
`executable` → application, `module` → library, `model` → machine-learning model,
`configuration` → data, images and documents → file."""

_EDGE_TYPES: Final = {"dependsOn": EdgeKind.DEPENDS_ON, "contains": EdgeKind.CONTAINS}
_LICENCE_RELATIONSHIPS: Final = ("hasConcludedLicense", "hasDeclaredLicense")

_HASHES: Final = {
    **{f"sha{n}": f"SHA-{n}" for n in ("1", "224", "256", "384", "512")},
    **{f"sha3_{n}": f"SHA3-{n}" for n in ("224", "256", "384", "512")},
    **{f"blake2b{n}": f"BLAKE2B-{n}" for n in ("256", "384", "512")},
}
"""SPDX 3 hash algorithm names whose 2.x spelling differs beyond case (`sha256` ↔ `SHA256`,
normalised `SHA-256`); the others (`md5`, `blake3`, …) are upper-cased."""


class _Element(NamedTuple):
    """One graph entry with a usable type."""

    pointer: str
    type: str
    body: dict[str, Any]
    ref: str | None
    """`spdxId`, else `@id` (a blank node's), when a usable string."""


class _Context(CappedWarnings):
    """What one read carries along: the file, the indexed graph and the warnings so far."""

    def __init__(self, file: str) -> None:
        super().__init__(file)
        self.by_id: dict[str, _Element] = {}
        self.imported: set[str] = set()

    def known(self, ref: str) -> bool:
        """Whether `ref` names an element of the graph, an imported one or an SPDX individual."""
        return ref in self.by_id or ref in self.imported or ref.startswith(_VOCABULARY)


def read(doc: Any, file: str, spec_version: str) -> SbomDocument:
    """Turn a parsed SPDX 3 JSON-LD document into an `SbomDocument`.

    `spec_version` is the version the sniffer read from the document. Raises `InputError` for a
    document without a `@graph` array, `LimitExceeded` for a graph or package count over the
    limits.
    """
    if not isinstance(doc, dict):
        raise InputError(file, f"an SPDX 3 document must be an object, not {_kind(doc)}")
    graph = doc.get("@graph")
    if not isinstance(graph, list):
        raise InputError(file, f"@graph is {_kind(graph)}, not an array", "/@graph")
    if len(graph) > limits.MAX_SPDX3_ELEMENTS:
        raise LimitExceeded(
            file,
            f"{len(graph):,} graph elements, over the limit of {limits.MAX_SPDX3_ELEMENTS:,}",
            "/@graph",
        )
    ctx = _Context(file)
    if spec_version not in KNOWN_VERSIONS:
        ctx.warn(
            "/@context",
            f"SPDX {spec_version} is newer than 3.0.1; read with the 3.0 rules",
            "version",
        )
    elements = list(_index(ctx, graph))
    _imports(ctx, elements)
    components, skipped = _packages(ctx, elements)
    refs = {component.ref for component in components}
    document = _document(ctx, elements)
    edges, described, licences = _relationships(ctx, elements, refs)
    roots = _roots(ctx, document) + described
    return SbomDocument(
        file=file,
        format=SbomFormat.SPDX,
        spec_version=spec_version,
        encoding=Encoding.JSON,
        metadata=_metadata(ctx, document, _primary(ctx, roots, refs, document)),
        components=tuple(_with_licences(components, licences)),
        edges=edges,
        skipped=tuple(skipped),
        warnings=ctx.warnings(),
        file_count=sum(element.type == "software_File" for element in elements),
    )


def _index(ctx: _Context, graph: list[Any]) -> Iterator[_Element]:
    """The graph's elements with a type, each id indexed once; the rest reported."""
    ignored: Counter[str] = Counter()
    first_ignored: dict[str, str] = {}
    for index, entry in enumerate(graph):
        pointer = f"/@graph/{index}"
        if not isinstance(entry, dict):
            ctx.warn(pointer, f"graph entry is {_kind(entry)}, not an object; ignored")
            continue
        key = "type" if "type" in entry else "@type"
        kind = _text(ctx, entry, key, pointer)
        if kind is None:
            ctx.warn(pointer, "graph entry without a type string; ignored")
            continue
        ref = _text(ctx, entry, "spdxId", pointer) or _text(ctx, entry, "@id", pointer)
        element = _Element(pointer, kind, entry, ref)
        if ref is not None:
            first = ctx.by_id.setdefault(ref, element)
            if first is not element:
                ctx.warn(
                    pointer,
                    f"duplicate id {_preview(ref)} (first at {first.pointer}); ignored",
                    "duplicate",
                )
                continue
        if not _read_type(kind):
            ignored[kind] += 1
            first_ignored.setdefault(kind, pointer)
        yield element
    for kind, count in sorted(ignored.items()):
        ctx.warn(
            first_ignored[kind],
            f"{count:,} element{'s' if count > 1 else ''} of type {_preview(kind)} not read",
            "ignored",
        )


def _read_type(kind: str) -> bool:
    return (
        kind in _PACKAGES
        or kind in _RELATIONSHIPS
        or kind in _AGENTS
        or kind in _COLLECTIONS
        or kind in _LICENCES
        or kind in _QUIET
    )


def _imports(ctx: _Context, elements: list[_Element]) -> None:
    """Record the ids `SpdxDocument.import` says live in other documents."""
    for element in elements:
        if element.type != "SpdxDocument":
            continue
        for pointer, entry in _objects(ctx, element.body, "import", element.pointer):
            ref = _text(ctx, entry, "externalSpdxId", pointer)
            if ref is not None:
                ctx.imported.add(ref)


def _packages(
    ctx: _Context, elements: list[_Element]
) -> tuple[list[Component], list[SkippedComponent]]:
    packages = [element for element in elements if element.type in _PACKAGES]
    if len(packages) > limits.MAX_COMPONENTS:
        raise LimitExceeded(
            ctx.file,
            f"{len(packages):,} packages, over the limit of {limits.MAX_COMPONENTS:,}",
            "/@graph",
        )
    components: list[Component] = []
    skipped: list[SkippedComponent] = []
    for element in packages:
        result = _package(ctx, element)
        if isinstance(result, Component):
            components.append(result)
        else:
            skipped.append(result)
    return components, skipped


def _package(ctx: _Context, element: _Element) -> Component | SkippedComponent:
    body, pointer = element.body, element.pointer
    location = Location(file=ctx.file, pointer=pointer)
    name = _text(ctx, body, "name", pointer)
    if name is None:
        return SkippedComponent(location=location, reason="package has no usable name")
    identifiers = _identifiers(ctx, body, pointer)
    purl, ecosystem = _purl(ctx, body, pointer, identifiers)
    return Component(
        ref=_ref(ctx, element),
        name=name,
        version=_asserted(_text(ctx, body, "software_packageVersion", pointer)),
        type=_type(ctx, element),
        purl=purl,
        ecosystem=ecosystem,
        cpe=_cpe(identifiers),
        supplier=_supplier(ctx, body, pointer),
        manufacturer=_manufacturer(ctx, body, pointer),
        hashes=_hashes(ctx, body, pointer),
        description=_text(ctx, body, "description", pointer)
        or _text(ctx, body, "summary", pointer),
        sources=(location,),
    )


def _ref(ctx: _Context, element: _Element) -> str:
    if element.ref is not None:
        return element.ref
    ctx.warn(element.pointer, "package has no spdxId; its JSON pointer is used as its ref")
    return f"#{element.pointer}"


def _type(ctx: _Context, element: _Element) -> ComponentType:
    purpose = _text(ctx, element.body, "software_primaryPurpose", element.pointer)
    if purpose is None:
        return _PACKAGES[element.type]
    mapped = _PURPOSES.get(purpose)
    if mapped is None:
        ctx.warn(
            f"{element.pointer}/software_primaryPurpose",
            f"unknown software_primaryPurpose {_preview(purpose)}",
        )
        return _PACKAGES[element.type]
    return mapped


def _identifiers(
    ctx: _Context, body: Mapping[str, Any], pointer: str
) -> dict[str, tuple[str, str]]:
    """The first identifier of each `externalIdentifierType`, with its pointer."""
    found: dict[str, tuple[str, str]] = {}
    for here, entry in _objects(ctx, body, "externalIdentifier", pointer):
        kind = _text(ctx, entry, "externalIdentifierType", here)
        identifier = _text(ctx, entry, "identifier", here)
        if kind is None or identifier is None:
            ctx.warn(here, "external identifier without externalIdentifierType or identifier")
            continue
        found.setdefault(kind, (identifier, f"{here}/identifier"))
    return found


def _purl(
    ctx: _Context,
    body: Mapping[str, Any],
    pointer: str,
    identifiers: Mapping[str, tuple[str, str]],
) -> tuple[str | None, str | None]:
    candidates = []
    text = _text(ctx, body, "software_packageUrl", pointer)
    if text is not None:
        candidates.append((text, f"{pointer}/software_packageUrl"))
    if "packageUrl" in identifiers:
        candidates.append(identifiers["packageUrl"])
    for text, where in candidates:
        try:
            purl = parse_purl(text)
        except InvalidPurl as exc:
            ctx.warn(where, f"{exc}; purl ignored", "purl")
            continue
        return str(purl), osv_ecosystem(purl)
    return None, None


def _cpe(identifiers: Mapping[str, tuple[str, str]]) -> str | None:
    for wanted in ("cpe23", "cpe22"):
        if wanted in identifiers:
            return identifiers[wanted][0]
    return None


def _supplier(ctx: _Context, body: Mapping[str, Any], pointer: str) -> str | None:
    value = body.get("suppliedBy")
    if value is None:
        return None
    return _agent_name(ctx, value, f"{pointer}/suppliedBy")


def _manufacturer(ctx: _Context, body: Mapping[str, Any], pointer: str) -> str | None:
    agents = _references(ctx, body, "originatedBy", pointer)
    names = [name for here, ref in agents if (name := _agent_name(ctx, ref, here)) is not None]
    if len(names) > 1:
        ctx.warn(
            f"{pointer}/originatedBy",
            f"originatedBy names {len(names)} agents; the first is kept as manufacturer",
            "party",
        )
    return names[0] if names else None


def _agent_name(ctx: _Context, value: Any, pointer: str) -> str | None:
    """The name of the agent `value` names (by id, or written inline); None, warned, if none."""
    if isinstance(value, dict):
        return _asserted(_text(ctx, value, "name", pointer))
    if not isinstance(value, str) or len(value) > limits.MAX_STRING_CHARS:
        ctx.warn(pointer, f"agent reference is {_kind(value)}, not an id; ignored")
        return None
    element = ctx.by_id.get(value.strip())
    if element is None:
        if not ctx.known(value.strip()):
            ctx.warn(pointer, f"{_preview(value)} is not an element of the document", "reference")
        return None
    if element.type not in _AGENTS:
        ctx.warn(pointer, f"{_preview(value)} is a {element.type}, not an agent; ignored")
        return None
    return _asserted(_text(ctx, element.body, "name", element.pointer))


def _hashes(ctx: _Context, body: Mapping[str, Any], pointer: str) -> tuple[Hash, ...]:
    hashes: list[Hash] = []
    for here, entry in _objects(ctx, body, "verifiedUsing", pointer):
        if entry.get("type", entry.get("@type")) != "Hash":
            continue  # a PackageVerificationCode, ignored as 2.x ignores it
        algorithm = _text(ctx, entry, "algorithm", here)
        value = _text(ctx, entry, "hashValue", here)
        if algorithm is None or value is None or not _is_hex(value):
            ctx.warn(here, "hash without an algorithm or a hex hashValue; ignored")
            continue
        name = _HASHES.get(algorithm, algorithm.upper())
        hashes.append(Hash(algorithm=name, value=value.lower()))
    return tuple(hashes)


def _is_hex(text: str) -> bool:
    return all(char in "0123456789abcdefABCDEF" for char in text)


def _document(ctx: _Context, elements: list[_Element]) -> _Element | None:
    """The `SpdxDocument` (else the first SBOM) the metadata and root elements come from."""
    for wanted in ("SpdxDocument", "software_Sbom"):
        found = [element for element in elements if element.type == wanted]
        if len(found) > 1:
            ctx.warn(found[1].pointer, f"more than one {wanted}; the first is read", "document")
        if found:
            return found[0]
    return None


def _relationships(
    ctx: _Context, elements: list[_Element], refs: set[str]
) -> tuple[tuple[Edge, ...], list[str], dict[tuple[str, str], str]]:
    """The edges between components, the elements described, and (from, licence relationship
    type) → licence expression."""
    describers = {
        ref
        for element in elements
        if element.type in _COLLECTIONS and (ref := element.ref) is not None
    }
    edges: dict[Edge, None] = {}
    described: list[str] = []
    licences: dict[tuple[str, str], str] = {}
    for element in elements:
        if element.type not in _RELATIONSHIPS:
            continue
        body, pointer = element.body, element.pointer
        kind = _text(ctx, body, "relationshipType", pointer)
        source = _text(ctx, body, "from", pointer)
        if kind is None or source is None:
            ctx.warn(pointer, "relationship without a from or a relationshipType string")
            continue
        ends = _references(ctx, body, "to", pointer)
        for where, ref in ((f"{pointer}/from", source), *ends):
            if not ctx.known(ref):
                ctx.warn(where, f"{_preview(ref)} is not an element of the document", "reference")
        targets = [ref for _, ref in ends]
        if kind == "describes" and source in describers:
            described.extend(targets)
        elif kind in _LICENCE_RELATIONSHIPS and source in refs:
            for where, ref in ends:
                expression = _licence(ctx, ref, where)
                if expression is not None:
                    licences.setdefault((source, kind), expression)
        elif kind in _EDGE_TYPES:
            for target in targets:
                edge = Edge(source=source, target=target, kind=_EDGE_TYPES[kind])
                if source in refs and target in refs and source != target:
                    if len(edges) >= limits.MAX_EDGES and edge not in edges:
                        raise LimitExceeded(
                            ctx.file,
                            f"more than {limits.MAX_EDGES:,} dependency graph edges",
                            pointer,
                        )
                    edges[edge] = None
    return tuple(edges), described, licences


def _roots(ctx: _Context, document: _Element | None) -> list[str]:
    """The document's root elements, an SBOM's or bundle's among them replaced by its own."""
    if document is None:
        return []
    roots: list[str] = []
    seen = {document.ref}
    pending = deque(_references(ctx, document.body, "rootElement", document.pointer))
    while pending:
        pointer, ref = pending.popleft()
        if ref in seen:
            continue
        seen.add(ref)
        element = ctx.by_id.get(ref)
        if element is not None and element.type in _COLLECTIONS:
            pending.extend(_references(ctx, element.body, "rootElement", element.pointer))
        else:
            if not ctx.known(ref):
                ctx.warn(pointer, f"{_preview(ref)} is not an element of the document", "reference")
            roots.append(ref)
    return roots


def _primary(
    ctx: _Context, described: list[str], refs: set[str], document: _Element | None
) -> str | None:
    packages = list(dict.fromkeys(ref for ref in described if ref in refs))
    if len(packages) > 1:
        ctx.warn(
            document.pointer if document is not None else "",
            f"the document describes {len(packages)} packages; the first is primary",
            "primary",
        )
    return packages[0] if packages else None


def _with_licences(
    components: list[Component], licences: Mapping[tuple[str, str], str]
) -> Iterator[Component]:
    """The components, each with the licence its concluded (else declared) relationship names."""
    for component in components:
        found = (licences.get((component.ref, kind)) for kind in _LICENCE_RELATIONSHIPS)
        expression = next((text for text in found if text is not None), None)
        if expression is None:
            yield component
        else:
            yield dataclasses.replace(component, licenses=(expression,))


def _licence(ctx: _Context, ref: str, pointer: str) -> str | None:
    """The licence expression the element `ref` stands for; None for NOASSERTION or NONE."""
    if ref.startswith(_VOCABULARY):
        return None  # NoAssertionLicense, NoneLicense
    if ref.startswith("https://spdx.org/licenses/"):
        return ref.removeprefix("https://spdx.org/licenses/") or None
    element = ctx.by_id.get(ref)
    if element is None:
        return None  # warned as a relationship endpoint
    body, here = element.body, element.pointer
    if element.type == "simplelicensing_LicenseExpression":
        return _asserted(_text(ctx, body, "simplelicensing_licenseExpression", here))
    if element.type in ("expandedlicensing_ListedLicense", "expandedlicensing_CustomLicense"):
        return _text(ctx, body, "name", here) or ref
    ctx.warn(pointer, f"licence element of type {element.type} is not read", "ignored")
    return None


def _metadata(ctx: _Context, document: _Element | None, primary: str | None) -> DocumentMetadata:
    if document is None:
        return DocumentMetadata(primary=primary)
    body, pointer = document.body, document.pointer
    info = _creation_info(ctx, body.get("creationInfo"), f"{pointer}/creationInfo")
    authors: list[str] = []
    tools: list[str] = []
    if info is not None:
        info_body, info_pointer = info
        for key, names in (("createdBy", authors), ("createdUsing", tools)):
            for here, ref in _references(ctx, info_body, key, info_pointer):
                name = _agent_name(ctx, ref, here)
                if name is not None:
                    names.append(name)
    return DocumentMetadata(
        authors=tuple(authors),
        timestamp=_text(ctx, info[0], "created", info[1]) if info is not None else None,
        tools=tuple(tools),
        primary=primary,
        serial=document.ref,
        name=_text(ctx, body, "name", pointer),
    )


def _creation_info(ctx: _Context, value: Any, pointer: str) -> tuple[Mapping[str, Any], str] | None:
    """The `CreationInfo` a document names (a blank-node id) or holds inline, with its pointer."""
    if isinstance(value, dict):
        return value, pointer
    if isinstance(value, str):
        element = ctx.by_id.get(value.strip())
        if element is not None and element.type == "CreationInfo":
            return element.body, element.pointer
        ctx.warn(pointer, f"{_preview(value)} is not a CreationInfo of the document", "reference")
        return None
    if value is not None:
        ctx.warn(pointer, f"creationInfo is {_kind(value)}, not an id or an object")
    return None


# --- values ----------------------------------------------------------------------------------


def _references(
    ctx: _Context, obj: Mapping[str, Any], key: str, pointer: str
) -> list[tuple[str, str]]:
    """The ids of the array `obj[key]` (a lone id is taken as an array of one), with pointers."""
    value = obj.get(key)
    if value is None:
        return []
    here = f"{pointer}/{key}"
    if isinstance(value, str):
        return [(here, value.strip())] if len(value) <= limits.MAX_STRING_CHARS else []
    if not isinstance(value, list):
        ctx.warn(here, f"{key} is {_kind(value)}, not an array of ids; ignored")
        return []
    found: list[tuple[str, str]] = []
    for index, entry in enumerate(value):
        if isinstance(entry, str) and len(entry) <= limits.MAX_STRING_CHARS:
            found.append((f"{here}/{index}", entry.strip()))
        else:
            ctx.warn(f"{here}/{index}", f"{key} entry is {_kind(entry)}, not an id; ignored")
    return found


def _objects(
    ctx: _Context, obj: Mapping[str, Any], key: str, pointer: str
) -> Iterator[tuple[str, dict[str, Any]]]:
    """The object entries of the array `obj[key]`, with their pointers; the rest are reported."""
    value = obj.get(key)
    if value is None:
        return
    here = f"{pointer}/{key}"
    if not isinstance(value, list):
        ctx.warn(here, f"{key} is {_kind(value)}, not an array; ignored")
        return
    for index, entry in enumerate(value):
        if isinstance(entry, dict):
            yield f"{here}/{index}", entry
        else:
            ctx.warn(f"{here}/{index}", f"{key} entry is {_kind(entry)}, not an object; ignored")
