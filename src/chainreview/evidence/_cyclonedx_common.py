"""Mapping shared by the CycloneDX JSON and XML readers.

Each reader walks its own syntax and hands plain Python values (`RawComponent`, `RawService`)
to a `DocumentBuilder`, which cleans strings, enforces the limits, parses purls, maps types and
hashes, and collects warnings. So the rules live here once and both encodings follow them.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from functools import lru_cache

from chainreview import limits
from chainreview.components.model import (
    Component,
    ComponentType,
    DataFlow,
    Diagnostic,
    DocumentMetadata,
    Edge,
    EdgeKind,
    Encoding,
    Hash,
    Location,
    SbomDocument,
    SbomFormat,
    Service,
    Signature,
    SkippedComponent,
)
from chainreview.components.purl import InvalidPurl, osv_ecosystem, parse_purl
from chainreview.errors import LimitExceeded
from chainreview.slots import slot_constructor

_new_component = slot_constructor(Component)
_new_edge = slot_constructor(Edge)
_COMPONENT_TYPES = {member.value: member for member in ComponentType}
_FLOWS = frozenset({"inbound", "outbound", "bi-directional", "unknown"})
_SHA_WITHOUT_DASH = re.compile(r"SHA(1|224|256|384|512)")


@dataclass(slots=True, kw_only=True)
class RawFlow:
    """One service data flow as written in the document, before cleaning."""

    pointer: str
    flow: str | None = None
    classification: str | None = None
    sources: list[str] = field(default_factory=list)
    destinations: list[str] = field(default_factory=list)


@dataclass(slots=True, kw_only=True)
class RawComponent:
    """One component entry as written in the document, before cleaning."""

    pointer: str
    """JSON pointer or XPath-like path of the entry."""
    ref: str | None = None
    name: object = None
    """The `name` value as parsed (the builder says why it is unusable)."""
    type: str | None = None
    version: str | None = None
    group: str | None = None
    purl: str | None = None
    cpe: str | None = None
    supplier: str | None = None
    manufacturer: str | None = None
    author: str | None = None
    description: str | None = None
    hashes: list[tuple[str, str]] = field(default_factory=list)
    """(algorithm, content) pairs."""
    licenses: list[str] = field(default_factory=list)


@dataclass(slots=True, kw_only=True)
class RawService:
    """One service entry as written in the document, before cleaning."""

    pointer: str
    ref: str | None = None
    name: object = None
    version: str | None = None
    provider: str | None = None
    group: str | None = None
    description: str | None = None
    endpoints: list[str] = field(default_factory=list)
    authenticated: bool | None = None
    crosses_trust_boundary: bool | None = None
    trust_zone: str | None = None
    data: list[RawFlow] = field(default_factory=list)


@dataclass(slots=True, kw_only=True)
class RawMetadata:
    """Document-level facts as written, before cleaning."""

    pointer: str
    authors: list[str] = field(default_factory=list)
    timestamp: str | None = None
    tools: list[str] = field(default_factory=list)
    serial: str | None = None
    serial_pointer: str = ""


def first_text(*candidates: str | None) -> str | None:
    """The first candidate that is a non-blank string (organisation name, then contact, url)."""
    for candidate in candidates:
        if candidate and candidate.strip():
            return candidate
    return None


def tool_label(name: str | None, version: str | None) -> str | None:
    """`name version` for a tool entry, or None when it has no name."""
    if not name or not name.strip():
        return None
    return f"{name.strip()} {version.strip()}" if version and version.strip() else name.strip()


@lru_cache(maxsize=256)
def normalise_hash_algorithm(algorithm: str) -> str:
    """Upper-case a hash algorithm name and restore the dash of `SHA256`-style spellings."""
    upper = algorithm.strip().upper().replace("_", "-")
    if _SHA_WITHOUT_DASH.fullmatch(upper):
        return f"SHA-{upper[3:]}"
    return upper


class EdgeList:
    """The edges of one document in the order given, each kept once, at most `limits.MAX_EDGES`.

    A reader writes the edges of one source together (a `dependsOn` list, a component's nested
    components), so repeats are looked for within the run of one (source, kind) being written,
    in the set of its targets; when the run ends only where it started is kept. A (source, kind)
    met again in a later run gets its earlier targets back from the list, once, and keeps its set
    from then on. So an edge costs its `Edge` and a list slot, where a `(source, target, kind)`
    key and a dict entry per edge more than doubled that (230 MB more at 2.25 million edges).
    """

    def __init__(self, file: str) -> None:
        self.file = file
        self._edges: list[Edge] = []
        self._source: str | None = None
        self._kind = EdgeKind.DEPENDS_ON
        self._targets: set[str] = set()
        """Targets of the run being written."""
        self._earlier: dict[EdgeKind, dict[str, int | set[str]]] = {k: {} for k in EdgeKind}
        """Per kind and source of a run already ended: where its only run started, or the
        targets of all its runs once it had several."""

    def add(self, source: str, target: str, kind: EdgeKind) -> None:
        """Keep the edge unless this document gave it already."""
        if source != self._source or kind is not self._kind:
            self._start_run(source, kind)
        if target in self._targets:
            return
        if len(self._edges) >= limits.MAX_EDGES:
            message = f"more than {limits.MAX_EDGES:,} dependency graph edges"
            raise LimitExceeded(self.file, message)
        self._targets.add(target)
        self._edges.append(_new_edge(source, target, kind))

    def _start_run(self, source: str, kind: EdgeKind) -> None:
        if self._source is not None:
            ended = self._earlier[self._kind]
            if self._source not in ended:  # a first run (a later one's set is there already)
                ended[self._source] = len(self._edges) - len(self._targets)
        earlier = self._earlier[kind].get(source)
        if earlier is None:
            self._targets = set()
        elif isinstance(earlier, int):  # met again: its first run's targets, kept from now on
            targets: set[str] = set()
            edges, index = self._edges, earlier
            while index < len(edges) and (edge := edges[index]).source == source:
                if edge.kind is not kind:  # the run ended where another one started
                    break
                targets.add(edge.target)
                index += 1
            self._targets = self._earlier[kind][source] = targets
        else:
            self._targets = earlier
        self._source, self._kind = source, kind

    def edges(self) -> tuple[Edge, ...]:
        """The edges kept, in the order given."""
        return tuple(self._edges)


class DocumentBuilder:
    """Collects the components, services, edges and warnings of one CycloneDX document."""

    def __init__(self, file: str) -> None:
        self.file = file
        self._components: list[Component] = []
        self._services: list[Service] = []
        self._edges = EdgeList(file)
        self._skipped: list[SkippedComponent] = []
        self._warnings: list[Diagnostic] = []
        self._dropped_warnings = 0
        self._entries = 0
        self._refs: set[str] = set()
        self._purls: dict[str, tuple[str, str | None] | str] = {}
        """purl as written → (canonical purl, OSV ecosystem), or the message it was refused with."""

    def warn(self, pointer: str, message: str, code: str = "schema") -> None:
        """Record a warning at `pointer`, keeping at most `limits.MAX_WARNINGS_PER_FILE`."""
        if len(self._warnings) >= limits.MAX_WARNINGS_PER_FILE:
            self._dropped_warnings += 1
            return
        location = Location(file=self.file, pointer=pointer)
        self._warnings.append(Diagnostic(location=location, message=message, code=code))

    def text(self, value: str | None, pointer: str) -> str | None:
        """Strip a string; blank gives None, as does an over-long one (warned about)."""
        if value is None:
            return None
        value = value.strip()
        if len(value) > limits.MAX_STRING_CHARS:
            message = (
                f"value of {len(value):,} characters exceeds the {limits.MAX_STRING_CHARS:,} limit"
            )
            self.warn(pointer, f"{message}; ignored", code="limit")
            return None
        return value or None

    def field(self, value: str | None, pointer: str, key: str) -> str | None:
        """`text(value, f"{pointer}/{key}")`, building the pointer only for a warning."""
        if value is None:
            return None
        cleaned = value.strip()
        if len(cleaned) > limits.MAX_STRING_CHARS:
            return self.text(value, f"{pointer}/{key}")
        return cleaned or None

    def texts(self, values: list[str], pointer: str) -> tuple[str, ...]:
        """Clean each string of a list, dropping blank and over-long ones."""
        cleaned = []
        for index, value in enumerate(values):
            text = value.strip()
            if len(text) > limits.MAX_STRING_CHARS:
                self.text(value, f"{pointer}/{index}")  # warns
            elif text:
                cleaned.append(text)
        return tuple(cleaned)

    def count_entry(self, pointer: str) -> None:
        """Count one component entry, refusing a document with more than `MAX_COMPONENTS`."""
        self._entries += 1
        if self._entries > limits.MAX_COMPONENTS:
            message = f"more than {limits.MAX_COMPONENTS:,} components"
            raise LimitExceeded(self.file, message, pointer)

    def skip(self, pointer: str, reason: str) -> None:
        """Record an entry that cannot become a component or service."""
        location = Location(file=self.file, pointer=pointer)
        self._skipped.append(SkippedComponent(location=location, reason=reason))

    def add_edge(self, source: str, target: str, kind: EdgeKind = EdgeKind.DEPENDS_ON) -> None:
        """Record a relationship once (duplicates in the document collapse); raise
        `LimitExceeded` past `limits.MAX_EDGES`."""
        self._edges.add(source, target, kind)

    def ref_for(self, raw_ref: str | None, pointer: str) -> str:
        """The entry's bom-ref, or a deterministic one made from its location.

        A bom-ref already taken by an earlier component or service of this document is warned
        about and replaced by the location-made ref, so refs stay unique (edges keep naming the
        first entry, as a document's dependency graph can only mean one).
        """
        ref = self.field(raw_ref, pointer, "bom-ref") or f"#{pointer}"
        if ref in self._refs:
            self.warn(
                f"{pointer}/bom-ref",
                f"bom-ref {ref[:100]!r} is already used in this document; read as '#{pointer}'",
                code="duplicate-ref",
            )
            ref = f"#{pointer}"
        self._refs.add(ref)
        return ref

    def add_component(self, raw: RawComponent) -> str | None:
        """Clean and store one component; return its ref, or None when it was skipped.

        The fields are cleaned in a fixed order (the order of the warnings they may give);
        absent ones cost no call.
        """
        pointer = raw.pointer
        self.count_entry(pointer)
        name = self._name(raw.name, pointer, "component")
        if name is None:
            return None
        ref = self.ref_for(raw.ref, pointer)
        purl, ecosystem = self._purl(raw) if raw.purl is not None else (None, None)
        field = self.field
        version = field(raw.version, pointer, "version")
        kind = _COMPONENT_TYPES.get(raw.type) if raw.type is not None else ComponentType.UNKNOWN
        component = _new_component(
            ref=ref,
            name=name,
            version=version,
            type=kind if kind is not None else self._type(raw),
            group=field(raw.group, pointer, "group") if raw.group is not None else None,
            purl=purl,
            ecosystem=ecosystem,
            cpe=field(raw.cpe, pointer, "cpe") if raw.cpe is not None else None,
            supplier=field(raw.supplier, pointer, "supplier") if raw.supplier is not None else None,
            manufacturer=(
                field(raw.manufacturer, pointer, "manufacturer")
                if raw.manufacturer is not None
                else None
            ),
            author=field(raw.author, pointer, "author") if raw.author is not None else None,
            hashes=self._hashes(raw) if raw.hashes else (),
            licenses=self.texts(raw.licenses, f"{pointer}/licenses") if raw.licenses else (),
            description=(
                field(raw.description, pointer, "description")
                if raw.description is not None
                else None
            ),
            sources=(Location(file=self.file, pointer=pointer),),
        )
        self._components.append(component)
        return ref

    def _name(self, value: object, pointer: str, kind: str) -> str | None:
        """The entry's name, or None after recording why the entry is skipped."""
        if value is None:
            reason = f"{kind} has no name"
        elif not isinstance(value, str):
            reason = f"{kind} name is not a string"
        else:
            name = value.strip()
            if not name:
                reason = f"{kind} name is empty"
            elif len(name) > limits.MAX_STRING_CHARS:
                reason = f"{kind} name is longer than {limits.MAX_STRING_CHARS:,} characters"
            else:
                return name
        self.skip(pointer, reason)
        return None

    def _type(self, raw: RawComponent) -> ComponentType:
        kind = (raw.type or "").strip()
        if not kind:
            return ComponentType.UNKNOWN
        mapped = _COMPONENT_TYPES.get(kind)
        if mapped is None:
            self.warn(f"{raw.pointer}/type", f"unknown component type {kind[:100]!r}")
            return ComponentType.UNKNOWN
        return mapped

    def _purl(self, raw: RawComponent) -> tuple[str | None, str | None]:
        text = self.field(raw.purl, raw.pointer, "purl")
        if text is None:
            return None, None
        found = self._purls.get(text)
        if found is None:
            try:
                purl = parse_purl(text)
            except InvalidPurl as exc:
                found = str(exc)
            else:
                found = (str(purl), osv_ecosystem(purl))
            self._purls[text] = found
        if isinstance(found, str):
            self.warn(f"{raw.pointer}/purl", found, code="purl")
            return None, None
        return found

    def _hashes(self, raw: RawComponent) -> tuple[Hash, ...]:
        hashes: list[Hash] = []
        for index, (algorithm, content) in enumerate(raw.hashes):
            name, digest = algorithm.strip(), content.strip()
            if name and digest and max(len(name), len(digest)) <= limits.MAX_STRING_CHARS:
                hashes.append(Hash(algorithm=normalise_hash_algorithm(name), value=digest.lower()))
                continue  # the usual hash: nothing to warn about
            pointer = f"{raw.pointer}/hashes/{index}"
            alg = self.field(algorithm, pointer, "alg")
            value = self.field(content, pointer, "content")
            if alg is None or value is None:
                self.warn(pointer, "hash without algorithm or content; ignored")
                continue
            hashes.append(Hash(algorithm=normalise_hash_algorithm(alg), value=value.lower()))
        return tuple(hashes)

    def add_service(self, raw: RawService) -> str | None:
        """Clean and store one service; return its ref, or None when it was skipped."""
        name = self._name(raw.name, raw.pointer, "service")
        if name is None:
            return None
        ref = self.ref_for(raw.ref, raw.pointer)
        service = Service(
            ref=ref,
            name=name,
            version=self.text(raw.version, f"{raw.pointer}/version"),
            provider=self.text(raw.provider, f"{raw.pointer}/provider"),
            group=self.text(raw.group, f"{raw.pointer}/group"),
            description=self.text(raw.description, f"{raw.pointer}/description"),
            endpoints=self.texts(raw.endpoints, f"{raw.pointer}/endpoints"),
            authenticated=raw.authenticated,
            crosses_trust_boundary=raw.crosses_trust_boundary,
            trust_zone=self.text(raw.trust_zone, f"{raw.pointer}/trustZone"),
            data=tuple(self._flow(flow) for flow in raw.data),
            sources=(Location(file=self.file, pointer=raw.pointer),),
        )
        self._services.append(service)
        return ref

    def _flow(self, raw: RawFlow) -> DataFlow:
        flow = self.text(raw.flow, f"{raw.pointer}/flow") or "unknown"
        if flow not in _FLOWS:
            self.warn(f"{raw.pointer}/flow", f"unknown data flow direction {flow[:100]!r}")
        return DataFlow(
            flow=flow,
            classification=self.text(raw.classification, f"{raw.pointer}/classification") or "",
            sources=self.texts(raw.sources, f"{raw.pointer}/source"),
            destinations=self.texts(raw.destinations, f"{raw.pointer}/destination"),
        )

    def metadata(self, raw: RawMetadata, primary: str | None) -> DocumentMetadata:
        """Clean the document-level facts; `primary` is the ref of the described component."""
        return DocumentMetadata(
            authors=self.texts(raw.authors, f"{raw.pointer}/authors"),
            timestamp=self.text(raw.timestamp, f"{raw.pointer}/timestamp"),
            tools=self.texts(raw.tools, f"{raw.pointer}/tools"),
            primary=primary,
            serial=self.text(raw.serial, raw.serial_pointer),
            name=next((c.name for c in self._components if c.ref == primary), None),
        )

    def build(
        self,
        *,
        spec_version: str,
        encoding: Encoding,
        metadata: DocumentMetadata,
        signature: Signature,
    ) -> SbomDocument:
        """Freeze everything collected into an `SbomDocument`."""
        if self._dropped_warnings:
            location = Location(file=self.file)
            message = f"{self._dropped_warnings:,} further warnings not kept"
            self._warnings.append(Diagnostic(location=location, message=message, code="limit"))
        return SbomDocument(
            file=self.file,
            format=SbomFormat.CYCLONEDX,
            spec_version=spec_version,
            encoding=encoding,
            metadata=metadata,
            components=tuple(self._components),
            services=tuple(self._services),
            edges=self._edges.edges(),
            skipped=tuple(self._skipped),
            warnings=tuple(self._warnings),
            signature=signature,
        )
