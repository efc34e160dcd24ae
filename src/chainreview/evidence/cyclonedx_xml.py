"""Read a parsed CycloneDX XML document (spec 1.0–1.7) into the component model.

The spec version comes from the namespace `http://cyclonedx.org/schema/bom/1.x`. Elements of
other namespaces are ignored. Locations are XPath-like paths without prefixes, with 1-based
positions among same-named siblings, e.g. `/bom/components/component[13]`. An enveloped XML-DSig
`Signature` on the root is reported (present with its algorithm) but not verified.
"""

from __future__ import annotations

import re

from lxml import etree

from chainreview.components.model import (
    EdgeKind,
    Encoding,
    SbomDocument,
    Signature,
    SignatureStatus,
)
from chainreview.errors import InputError
from chainreview.evidence._cyclonedx_common import (
    DocumentBuilder,
    RawComponent,
    RawFlow,
    RawMetadata,
    RawService,
    first_text,
    tool_label,
)

_ROOT_TAG = re.compile(r"\{http://cyclonedx\.org/schema/bom/(\d+\.\d+)\}bom")
_DSIG = "{http://www.w3.org/2000/09/xmldsig#}"
_TRUE = frozenset({"true", "1"})
_FALSE = frozenset({"false", "0"})


def read(root: etree._Element, file: str) -> SbomDocument:
    """Turn the root element of a parsed CycloneDX XML document into an `SbomDocument`."""
    match = _ROOT_TAG.fullmatch(root.tag) if isinstance(root.tag, str) else None
    if match is None:
        raise InputError(file, f"not a CycloneDX XML document: root element is {root.tag!r}")
    return _XmlReader(file, root.tag[1 : root.tag.index("}")]).read(root, match.group(1))


class _XmlReader:
    """One pass over a CycloneDX XML document in namespace `ns`."""

    def __init__(self, file: str, ns: str) -> None:
        self.builder = DocumentBuilder(file)
        self.prefix = f"{{{ns}}}"

    def read(self, root: etree._Element, spec_version: str) -> SbomDocument:
        builder = self.builder
        metadata = root.find(self.q("metadata"))
        primary = self.primary(metadata)
        for path, element in self.children(root, "components", "component", "/bom"):
            self.component(element, path, None)
        self.services(root, "/bom")
        self.dependencies(root)
        raw_metadata = self.raw_metadata(root, metadata)
        return builder.build(
            spec_version=spec_version,
            encoding=Encoding.XML,
            metadata=builder.metadata(raw_metadata, primary),
            signature=_xml_signature(root),
        )

    # Element access -------------------------------------------------------------------------

    def q(self, name: str) -> str:
        """The qualified tag of a CycloneDX element."""
        return self.prefix + name

    def fields(self, element: etree._Element | None) -> dict[str, etree._Element]:
        """The CycloneDX children of `element` by local name (the first of each name)."""
        found: dict[str, etree._Element] = {}
        if element is None:
            return found
        prefix, cut = self.prefix, len(self.prefix)
        for child in element:
            tag = child.tag
            if isinstance(tag, str) and tag.startswith(prefix):
                found.setdefault(tag[cut:], child)
        return found

    def text(self, element: etree._Element | None, name: str) -> str | None:
        """Text of the first child `name` of `element`, "" when that child is empty."""
        return _text(self.fields(element).get(name))

    def children(
        self, parent: etree._Element, wrapper: str, name: str, path: str
    ) -> list[tuple[str, etree._Element]]:
        """`<wrapper><name/>…</wrapper>` children of `parent`, each with its path."""
        found: list[tuple[str, etree._Element]] = []
        for w_index, holder in enumerate(parent.findall(self.q(wrapper)), start=1):
            where = f"{path}/{wrapper}" if w_index == 1 else f"{path}/{wrapper}[{w_index}]"
            for index, child in enumerate(holder.findall(self.q(name)), start=1):
                found.append((f"{where}/{name}[{index}]", child))
        return found

    def texts(self, parent: etree._Element | None, wrapper: str, name: str) -> list[str]:
        """Texts of `<wrapper><name>text</name>…</wrapper>` under `parent`."""
        if parent is None:
            return []
        return [child.text or "" for child in parent.iterfind(f"{self.q(wrapper)}/{self.q(name)}")]

    def boolean(self, fields: dict[str, etree._Element], name: str, path: str) -> bool | None:
        """An xs:boolean child: true/1, false/0, else None with a warning."""
        value = _text(fields.get(name))
        if value is None:
            return None
        value = value.strip()
        if value in _TRUE or value in _FALSE:
            return value in _TRUE
        self.builder.warn(f"{path}/{name}", f"expected true or false, got {value[:100]!r}")
        return None

    def contact_names(self, parent: etree._Element | None, wrapper: str, name: str) -> list[str]:
        """`name` (else `email`) of each contact in `<wrapper><name>…</name></wrapper>`."""
        if parent is None:
            return []
        labels = (
            first_text(self.text(contact, "name"), self.text(contact, "email"))
            for contact in parent.iterfind(f"{self.q(wrapper)}/{self.q(name)}")
        )
        return [label for label in labels if label is not None]

    # Components -----------------------------------------------------------------------------

    def primary(self, metadata: etree._Element | None) -> str | None:
        """Read `metadata/component` (the component the BOM describes); return its ref."""
        element = None if metadata is None else metadata.find(self.q("component"))
        return None if element is None else self.component(element, "/bom/metadata/component", None)

    def component(self, element: etree._Element, path: str, parent: str | None) -> str | None:
        """Read one component and, depth first, the components nested in it."""
        ref = self.builder.add_component(self.raw_component(element, path))
        if ref is not None and parent is not None:
            self.builder.add_edge(parent, ref, EdgeKind.CONTAINS)
        for child_path, child in self.children(element, "components", "component", path):
            self.component(child, child_path, ref)
        return ref

    def raw_component(self, element: etree._Element, path: str) -> RawComponent:
        fields = self.fields(element)
        return RawComponent(
            pointer=path,
            ref=element.get("bom-ref"),
            name=_text(fields.get("name")),
            type=element.get("type"),
            version=_text(fields.get("version")),
            group=_text(fields.get("group")),
            purl=_text(fields.get("purl")),
            cpe=_text(fields.get("cpe")),
            supplier=self.entity(fields.get("supplier")),
            manufacturer=self.entity(fields.get("manufacturer")),
            author=first_text(
                _text(fields.get("author")),
                ", ".join(self.contact_names(element, "authors", "author")),
            ),
            description=_text(fields.get("description")),
            hashes=[
                (h.get("alg") or "", h.text or "")
                for h in self.grandchildren(fields.get("hashes"), "hash")
            ],
            licenses=self.licenses(fields.get("licenses")),
        )

    def grandchildren(self, holder: etree._Element | None, name: str) -> list[etree._Element]:
        """The `name` children of a wrapper element such as `<hashes>` (none if it is absent)."""
        return [] if holder is None else holder.findall(self.q(name))

    def entity(self, element: etree._Element | None) -> str | None:
        """An organizational entity's name, else its first contact, else its first url."""
        if element is None:
            return None
        contacts = [
            first_text(self.text(contact, "name"), self.text(contact, "email"))
            for contact in element.iterfind(self.q("contact"))
        ]
        urls = [url.text for url in element.iterfind(self.q("url"))]
        return first_text(self.text(element, "name"), *contacts, *urls)

    def licenses(self, holder: etree._Element | None) -> list[str]:
        """Licence ids, else names, and expressions of `<licenses>`, in document order."""
        found: list[str] = []
        for choice in [] if holder is None else holder:
            if choice.tag == self.q("license"):
                fields = self.fields(choice)
                label = first_text(_text(fields.get("id")), _text(fields.get("name")))
            elif choice.tag == self.q("expression"):
                label = first_text(choice.text)
            else:
                continue
            if label is not None:
                found.append(label)
        return found

    # Services -------------------------------------------------------------------------------

    def services(self, parent: etree._Element, path: str) -> None:
        """Read `parent/services/service` and, depth first, the services nested in each."""
        for child_path, element in self.children(parent, "services", "service", path):
            self.builder.add_service(self.raw_service(element, child_path))
            self.services(element, child_path)

    def raw_service(self, element: etree._Element, path: str) -> RawService:
        fields = self.fields(element)
        return RawService(
            pointer=path,
            ref=element.get("bom-ref"),
            name=_text(fields.get("name")),
            version=_text(fields.get("version")),
            provider=self.entity(fields.get("provider")),
            group=_text(fields.get("group")),
            description=_text(fields.get("description")),
            endpoints=self.texts(element, "endpoints", "endpoint"),
            authenticated=self.boolean(fields, "authenticated", path),
            crosses_trust_boundary=self.boolean(fields, "x-trust-boundary", path),
            trust_zone=_text(fields.get("trustZone")),
            data=self.flows(fields.get("data"), f"{path}/data"),
        )

    def flows(self, data: etree._Element | None, path: str) -> list[RawFlow]:
        """1.2–1.4 `<classification flow=…>` and 1.5+ `<dataflow>` children of `<data>`."""
        if data is None:
            return []
        found: list[RawFlow] = []
        for index, element in enumerate(data.iterfind(self.q("classification")), start=1):
            where = f"{path}/classification[{index}]"
            found.append(
                RawFlow(pointer=where, flow=element.get("flow"), classification=element.text)
            )
        for index, element in enumerate(data.iterfind(self.q("dataflow")), start=1):
            found.append(self.dataflow(element, f"{path}/dataflow[{index}]"))
        return found

    def dataflow(self, element: etree._Element, path: str) -> RawFlow:
        classification = element.find(self.q("classification"))
        return RawFlow(
            pointer=path,
            flow=None if classification is None else classification.get("flow"),
            classification=None if classification is None else classification.text,
            sources=self.texts(element, "source", "url"),
            destinations=self.texts(element, "destination", "url"),
        )

    # Dependencies and metadata --------------------------------------------------------------

    def dependencies(self, root: etree._Element) -> None:
        """`<dependency ref>` → each nested `<dependency ref>` as a depends-on edge, recursively."""
        for path, element in self.children(root, "dependencies", "dependency", "/bom"):
            self.dependency(element, path)

    def dependency(self, element: etree._Element, path: str) -> None:
        source = self.builder.text(element.get("ref"), f"{path}/@ref")
        if source is None:
            self.builder.warn(path, "dependency without a ref; ignored")
            return
        for index, child in enumerate(element.iterfind(self.q("dependency")), start=1):
            where = f"{path}/dependency[{index}]"
            target = self.builder.text(child.get("ref"), f"{where}/@ref")
            if target is None:
                self.builder.warn(where, "dependency without a ref; ignored")
                continue
            self.builder.add_edge(source, target)
            if len(child):
                self.dependency(child, where)

    def raw_metadata(self, root: etree._Element, metadata: etree._Element | None) -> RawMetadata:
        return RawMetadata(
            pointer="/bom/metadata",
            authors=self.contact_names(metadata, "authors", "author"),
            timestamp=self.text(metadata, "timestamp"),
            tools=self.tools(metadata),
            serial=root.get("serialNumber"),
            serial_pointer="/bom/@serialNumber",
        )

    def tools(self, metadata: etree._Element | None) -> list[str]:
        """Tool labels from ≤1.4 `<tool>` entries and 1.5+ `<components>`/`<services>`."""
        tools = None if metadata is None else metadata.find(self.q("tools"))
        if tools is None:
            return []
        entries = [
            *tools.iterfind(self.q("tool")),
            *tools.iterfind(f"{self.q('components')}/{self.q('component')}"),
            *tools.iterfind(f"{self.q('services')}/{self.q('service')}"),
        ]
        labels = (tool_label(self.text(e, "name"), self.text(e, "version")) for e in entries)
        return [label for label in labels if label is not None]


def _text(element: etree._Element | None) -> str | None:
    """An element's text ("" when it is empty), or None when there is no element."""
    return None if element is None else element.text or ""


def _xml_signature(root: etree._Element) -> Signature:
    """Report an enveloped XML-DSig `Signature` child of the root; it is not verified."""
    signature = root.find(f"{_DSIG}Signature")
    if signature is None:
        return Signature()
    method = signature.find(f"{_DSIG}SignedInfo/{_DSIG}SignatureMethod")
    algorithm = None if method is None else method.get("Algorithm")
    if not algorithm:
        return Signature(
            status=SignatureStatus.INVALID, detail="XML-DSig Signature has no SignatureMethod"
        )
    if not (signature.findtext(f"{_DSIG}SignatureValue") or "").strip():
        return Signature(
            status=SignatureStatus.INVALID,
            algorithm=algorithm,
            detail="XML-DSig Signature has no SignatureValue",
        )
    return Signature(
        status=SignatureStatus.PRESENT,
        algorithm=algorithm,
        detail="not verified: XML-DSig is not checked",
    )
