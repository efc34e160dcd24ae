"""The component model every stage after evidence reads: frozen, slotted, keyword-only dataclasses.

This module is foundation: it imports no reader. Readers in `chainreview.evidence` build these
values; the matcher, the factors and the reports consume them.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from enum import StrEnum


class ComponentType(StrEnum):
    """What kind of thing a component is (CycloneDX component types, SPDX purposes mapped in)."""

    APPLICATION = "application"
    FRAMEWORK = "framework"
    LIBRARY = "library"
    CONTAINER = "container"
    PLATFORM = "platform"
    OPERATING_SYSTEM = "operating-system"
    DEVICE = "device"
    DEVICE_DRIVER = "device-driver"
    FIRMWARE = "firmware"
    FILE = "file"
    MACHINE_LEARNING_MODEL = "machine-learning-model"
    DATA = "data"
    CRYPTOGRAPHIC_ASSET = "cryptographic-asset"
    UNKNOWN = "unknown"


class SbomFormat(StrEnum):
    """The SBOM standard a document follows."""

    CYCLONEDX = "cyclonedx"
    SPDX = "spdx"


class Encoding(StrEnum):
    """How a document is serialised."""

    JSON = "json"
    XML = "xml"
    YAML = "yaml"
    TAG_VALUE = "tag-value"


class SignatureStatus(StrEnum):
    """Whether a document carries a signature and whether it is well formed."""

    ABSENT = "absent"
    PRESENT = "present"
    INVALID = "invalid"


class EdgeKind(StrEnum):
    """Relationship between two components."""

    DEPENDS_ON = "depends-on"
    CONTAINS = "contains"


@dataclass(frozen=True, slots=True, kw_only=True)
class Location:
    """Where in which file a fact comes from: the evidence citation."""

    file: str
    """Display name of the file (as given on the command line, never made absolute)."""
    pointer: str = ""
    """JSON pointer, XPath or `line N` inside the file."""

    def __str__(self) -> str:
        return f"{self.file}: {self.pointer}" if self.pointer else self.file


@dataclass(frozen=True, slots=True, kw_only=True)
class Diagnostic:
    """A warning about input we kept going through: schema violations, bad purls, merges."""

    location: Location
    message: str
    code: str = "warning"
    """Short machine-readable category, e.g. `schema`, `purl`, `duplicate`, `limit`."""

    def __str__(self) -> str:
        return f"{self.location}: {self.message}"


@dataclass(frozen=True, slots=True, kw_only=True)
class Hash:
    """A content digest of a component."""

    algorithm: str
    """Normalised upper-case algorithm name, e.g. `SHA-256`."""
    value: str
    """Lower-case hex digest."""


@dataclass(frozen=True, slots=True, kw_only=True)
class Component:
    """One component of a product, as its SBOM describes it."""

    ref: str
    """Identifier unique within the inventory (bom-ref, SPDXID, or a generated one)."""
    name: str
    version: str | None = None
    type: ComponentType = ComponentType.LIBRARY
    group: str | None = None
    """CycloneDX `group` (Maven groupId, npm scope), when given."""
    purl: str | None = None
    """Normalised (canonical) package URL, or None when absent or unparseable."""
    ecosystem: str | None = None
    """OSV ecosystem derived from the purl type (e.g. `PyPI`, `Go`, `Alpine:v3.16`)."""
    cpe: str | None = None
    """CPE 2.3 formatted string, when given."""
    supplier: str | None = None
    manufacturer: str | None = None
    author: str | None = None
    hashes: tuple[Hash, ...] = ()
    licenses: tuple[str, ...] = ()
    """SPDX identifiers or expressions, or licence names when no id is given."""
    description: str | None = None
    sources: tuple[Location, ...] = ()
    """Every place in the evidence this component was read from (several after a merge)."""


@dataclass(frozen=True, slots=True, kw_only=True)
class SkippedComponent:
    """An entry we could not turn into a component, and why."""

    location: Location
    reason: str


@dataclass(frozen=True, slots=True, kw_only=True)
class Edge:
    """A dependency or containment relationship between two components, by `ref`."""

    source: str
    target: str
    kind: EdgeKind = EdgeKind.DEPENDS_ON


@dataclass(frozen=True, slots=True, kw_only=True)
class DataFlow:
    """One data flow of a service: which classification of data goes which way, to where."""

    flow: str
    """`inbound`, `outbound`, `bi-directional` or `unknown`."""
    classification: str
    """The data classification label (e.g. `PII`, `PIFI`, `public`)."""
    sources: tuple[str, ...] = ()
    destinations: tuple[str, ...] = ()


@dataclass(frozen=True, slots=True, kw_only=True)
class Service:
    """An external or internal service the product uses or provides (CycloneDX services)."""

    ref: str
    name: str
    version: str | None = None
    provider: str | None = None
    group: str | None = None
    description: str | None = None
    endpoints: tuple[str, ...] = ()
    authenticated: bool | None = None
    crosses_trust_boundary: bool | None = None
    trust_zone: str | None = None
    data: tuple[DataFlow, ...] = ()
    sources: tuple[Location, ...] = ()


@dataclass(frozen=True, slots=True, kw_only=True)
class Signature:
    """What the document says about its own signature (JSF for CycloneDX JSON, XML-DSig for XML)."""

    status: SignatureStatus = SignatureStatus.ABSENT
    algorithm: str | None = None
    detail: str = ""
    """Why a present signature was judged invalid, or where it sits."""


@dataclass(frozen=True, slots=True, kw_only=True)
class DocumentMetadata:
    """Document-level facts the NTIA minimum elements ask about."""

    authors: tuple[str, ...] = ()
    """People, organisations or tools that created the SBOM."""
    timestamp: str | None = None
    tools: tuple[str, ...] = ()
    primary: str | None = None
    """`ref` of the component the SBOM describes, when declared."""
    serial: str | None = None
    """CycloneDX serialNumber or SPDX documentNamespace."""
    name: str | None = None


@dataclass(frozen=True, slots=True, kw_only=True)
class SbomDocument:
    """One SBOM file, read and normalised: the unit a reader returns."""

    file: str
    format: SbomFormat
    spec_version: str
    encoding: Encoding
    metadata: DocumentMetadata = field(default_factory=DocumentMetadata)
    components: tuple[Component, ...] = ()
    services: tuple[Service, ...] = ()
    edges: tuple[Edge, ...] = ()
    skipped: tuple[SkippedComponent, ...] = ()
    warnings: tuple[Diagnostic, ...] = ()
    signature: Signature = field(default_factory=Signature)
    file_count: int = 0
    """SPDX `files` entries: counted, not made into components."""
    sha256: str = ""
    """Lower-case hex sha256 of the bytes read and parsed (`read_sbom` sets it)."""
    size: int = 0
    """Number of those bytes."""


@dataclass(frozen=True, slots=True, kw_only=True)
class MergedDuplicate:
    """Report of several entries merged into one component."""

    ref: str
    """`ref` of the surviving component."""
    merged_refs: tuple[str, ...]
    """`ref`s (with their files) folded into it."""
    reason: str
    """`same purl` or `same name, version and supplier`."""


@dataclass(frozen=True, slots=True, kw_only=True)
class Inventory:
    """All components of one product, merged from one or more SBOMs."""

    documents: tuple[SbomDocument, ...]
    components: tuple[Component, ...]
    services: tuple[Service, ...]
    edges: tuple[Edge, ...]
    skipped: tuple[SkippedComponent, ...]
    warnings: tuple[Diagnostic, ...]
    duplicates: tuple[MergedDuplicate, ...]
