"""Read a parsed CycloneDX JSON document (spec 1.2–1.7) into the component model.

The reader trusts nothing about the shape of the input: a value of the wrong type becomes a
warning and is ignored (numbers are kept as text), an entry without a usable name is skipped
with its location, and a bad purl leaves the component without one. Only a document that is not
a JSON object, or one over `limits.MAX_COMPONENTS`, is refused.
"""

from __future__ import annotations

from typing import Any

from chainreview.components.model import EdgeKind, Encoding, SbomDocument
from chainreview.errors import InputError
from chainreview.evidence import jsf
from chainreview.evidence._cyclonedx_common import (
    DocumentBuilder,
    RawComponent,
    RawFlow,
    RawMetadata,
    RawService,
    first_text,
    tool_label,
)


def read(doc: Any, file: str) -> SbomDocument:
    """Turn one parsed CycloneDX JSON document into an `SbomDocument` named `file`."""
    if not isinstance(doc, dict):
        raise InputError(file, "CycloneDX JSON must be an object at the top level")
    if doc.get("bomFormat") != "CycloneDX":
        found = repr(doc.get("bomFormat"))[:100]
        raise InputError(file, f"not a CycloneDX document: bomFormat is {found}", "/bomFormat")
    return _JsonReader(file).read(doc)


class _JsonReader:
    """One pass over a CycloneDX JSON document, warning about values of the wrong type."""

    def __init__(self, file: str) -> None:
        self.builder = DocumentBuilder(file)

    def read(self, doc: dict[str, Any]) -> SbomDocument:
        builder = self.builder
        metadata = self.obj(doc, "metadata", "")
        primary = self.primary(metadata)
        for where, entry in self.objects(doc, "components", ""):
            self.component(entry, where, None)
        self.services(doc, "")
        self.dependencies(doc)
        raw_metadata = self.raw_metadata(doc, metadata)
        return builder.build(
            spec_version=self.spec_version(doc),
            encoding=Encoding.JSON,
            metadata=builder.metadata(raw_metadata, primary),
            signature=jsf.inspect_jsf(doc),
        )

    # Typed access ---------------------------------------------------------------------------

    def string(self, obj: dict[str, Any], key: str, pointer: str) -> str | None:
        """`obj[key]` as a string: numbers are kept as text with a warning, other types dropped."""
        value = obj.get(key)
        if value is None or isinstance(value, str):
            return value
        where = f"{pointer}/{key}"
        if isinstance(value, (int, float)) and not isinstance(value, bool):
            self.builder.warn(where, f"expected a string, got the number {value!r}; kept as text")
            return str(value)
        self.builder.warn(where, f"expected a string, got {_json_type(value)}; ignored")
        return None

    def boolean(self, obj: dict[str, Any], key: str, pointer: str) -> bool | None:
        """`obj[key]` as a boolean, or None (with a warning when it is of another type)."""
        value = obj.get(key)
        if value is None or isinstance(value, bool):
            return value
        self.builder.warn(f"{pointer}/{key}", f"expected a boolean, got {_json_type(value)}")
        return None

    def obj(self, parent: dict[str, Any], key: str, pointer: str) -> dict[str, Any]:
        """`parent[key]` as an object; anything else is warned about and read as empty."""
        value = parent.get(key)
        if isinstance(value, dict):
            return value
        if value is not None:
            self.builder.warn(f"{pointer}/{key}", f"expected an object, got {_json_type(value)}")
        return {}

    def array(self, parent: dict[str, Any], key: str, pointer: str) -> list[Any]:
        """`parent[key]` as an array; anything else is warned about and read as empty."""
        value = parent.get(key)
        if isinstance(value, list):
            return value
        if value is not None:
            self.builder.warn(f"{pointer}/{key}", f"expected an array, got {_json_type(value)}")
        return []

    def objects(
        self, parent: dict[str, Any], key: str, pointer: str
    ) -> list[tuple[str, dict[str, Any]]]:
        """The objects of array `parent[key]` with their pointers, warning about non-objects."""
        found: list[tuple[str, dict[str, Any]]] = []
        base = f"{pointer}/{key}/"
        for index, item in enumerate(self.array(parent, key, pointer)):
            if isinstance(item, dict):
                found.append((f"{base}{index}", item))
            else:
                where = f"{base}{index}"
                self.builder.warn(where, f"expected an object, got {_json_type(item)}; ignored")
        return found

    def strings(self, parent: dict[str, Any], key: str, pointer: str) -> list[str]:
        """The strings of array `parent[key]`, warning about other items."""
        found: list[str] = []
        for index, item in enumerate(self.array(parent, key, pointer)):
            if isinstance(item, str):
                found.append(item)
            else:
                where = f"{pointer}/{key}/{index}"
                self.builder.warn(where, f"expected a string, got {_json_type(item)}; ignored")
        return found

    def names(self, parent: dict[str, Any], key: str, pointer: str) -> list[str]:
        """`name` (else `email`) of each contact in array `parent[key]`."""
        found = []
        for where, contact in self.objects(parent, key, pointer):
            label = first_text(
                self.string(contact, "name", where), self.string(contact, "email", where)
            )
            if label is not None:
                found.append(label)
        return found

    # Components -----------------------------------------------------------------------------

    def primary(self, metadata: dict[str, Any]) -> str | None:
        """Read `metadata.component` (the component the BOM describes); return its ref."""
        if "component" not in metadata:
            return None
        entry = self.obj(metadata, "component", "/metadata")
        return self.component(entry, "/metadata/component", None)

    def component(self, entry: dict[str, Any], pointer: str, parent: str | None) -> str | None:
        """Read one component and, depth first, the components nested in it."""
        ref = self.builder.add_component(self.raw_component(entry, pointer))
        if ref is not None and parent is not None:
            self.builder.add_edge(parent, ref, EdgeKind.CONTAINS)
        if entry.get("components") is not None:
            for where, child in self.objects(entry, "components", pointer):
                self.component(child, where, ref)
        return ref

    def raw_component(self, entry: dict[str, Any], pointer: str) -> RawComponent:
        """The component's fields as written, with the warnings of `_raw_component_checked`.

        The shortcut covers the usual entry, whose fields are all absent or of the right JSON
        type, and so could not warn: it reads them without a call per field.
        """
        get = entry.get
        ref, kind, version, group = get("bom-ref"), get("type"), get("version"), get("group")
        purl, cpe, author, description = get("purl"), get("cpe"), get("author"), get("description")
        for value in (ref, kind, version, group, purl, cpe, author, description):
            if value is not None and not isinstance(value, str):
                return self._raw_component_checked(entry, pointer)
        for key in _ENTITY_COMPONENT_KEYS:
            if get(key) is not None:
                return self._raw_component_checked(entry, pointer)
        return RawComponent(
            pointer=pointer,
            ref=ref,
            name=get("name"),
            type=kind,
            version=version,
            group=group,
            purl=purl,
            cpe=cpe,
            author=author if author and author.strip() else None,  # as `author()` without authors
            description=description,
            hashes=self.hashes(entry, pointer) if get("hashes") is not None else [],
            licenses=self.licenses(entry, pointer) if get("licenses") is not None else [],
        )

    def _raw_component_checked(self, entry: dict[str, Any], pointer: str) -> RawComponent:
        return RawComponent(
            pointer=pointer,
            ref=self.string(entry, "bom-ref", pointer),
            name=entry.get("name"),
            type=self.string(entry, "type", pointer),
            version=self.string(entry, "version", pointer),
            group=self.string(entry, "group", pointer),
            purl=self.string(entry, "purl", pointer),
            cpe=self.string(entry, "cpe", pointer),
            supplier=self.entity(entry, "supplier", pointer),
            manufacturer=self.entity(entry, "manufacturer", pointer)
            or self.entity(entry, "manufacture", pointer),
            author=self.author(entry, pointer),
            description=self.string(entry, "description", pointer),
            hashes=self.hashes(entry, pointer),
            licenses=self.licenses(entry, pointer),
        )

    def entity(self, parent: dict[str, Any], key: str, pointer: str) -> str | None:
        """An organizational entity's name, else its first contact, else its first url."""
        entity = self.obj(parent, key, pointer)
        if not entity:
            return None
        where = f"{pointer}/{key}"
        contacts = self.names(entity, "contact", where)
        urls = self.strings(entity, "url", where)
        return first_text(self.string(entity, "name", where), *contacts, *urls)

    def author(self, entry: dict[str, Any], pointer: str) -> str | None:
        """The legacy `author` string, else the `authors` names joined."""
        authors = self.names(entry, "authors", pointer)
        return first_text(self.string(entry, "author", pointer), ", ".join(authors))

    def hashes(self, entry: dict[str, Any], pointer: str) -> list[tuple[str, str]]:
        found = []
        for where, item in self.objects(entry, "hashes", pointer):
            alg, content = item.get("alg"), item.get("content")
            if not isinstance(alg, str) or not isinstance(content, str):  # absent, or to warn
                alg, content = self.string(item, "alg", where), self.string(item, "content", where)
            found.append((alg or "", content or ""))
        return found

    def licenses(self, entry: dict[str, Any], pointer: str) -> list[str]:
        """Licence ids, else names, and expressions, in document order."""
        found = []
        for where, choice in self.objects(entry, "licenses", pointer):
            license_ = self.obj(choice, "license", where)
            inner = f"{where}/license"
            label = first_text(
                self.string(license_, "id", inner),
                self.string(license_, "name", inner),
                self.string(choice, "expression", where),
            )
            if label is not None:
                found.append(label)
        return found

    # Services -------------------------------------------------------------------------------

    def services(self, parent: dict[str, Any], pointer: str) -> None:
        """Read `parent.services` and, depth first, the services nested in each."""
        for where, entry in self.objects(parent, "services", pointer):
            self.builder.add_service(self.raw_service(entry, where))
            self.services(entry, where)

    def raw_service(self, entry: dict[str, Any], pointer: str) -> RawService:
        return RawService(
            pointer=pointer,
            ref=self.string(entry, "bom-ref", pointer),
            name=entry.get("name"),
            version=self.string(entry, "version", pointer),
            provider=self.entity(entry, "provider", pointer),
            group=self.string(entry, "group", pointer),
            description=self.string(entry, "description", pointer),
            endpoints=self.strings(entry, "endpoints", pointer),
            authenticated=self.boolean(entry, "authenticated", pointer),
            crosses_trust_boundary=self.boolean(entry, "x-trust-boundary", pointer),
            trust_zone=self.string(entry, "trustZone", pointer),
            data=[self.flow(item, where) for where, item in self.objects(entry, "data", pointer)],
        )

    def flow(self, item: dict[str, Any], pointer: str) -> RawFlow:
        """A data flow: 1.2–1.4 `{flow, classification}` and 1.5+ with `source`/`destination`."""
        return RawFlow(
            pointer=pointer,
            flow=self.string(item, "flow", pointer),
            classification=self.string(item, "classification", pointer),
            sources=self.strings(item, "source", pointer),
            destinations=self.strings(item, "destination", pointer),
        )

    # Dependencies and metadata --------------------------------------------------------------

    def dependencies(self, doc: dict[str, Any]) -> None:
        """Turn `dependencies[].dependsOn` into depends-on edges; `provides` is ignored."""
        for where, entry in self.objects(doc, "dependencies", ""):
            source = self.builder.text(self.string(entry, "ref", where), f"{where}/ref")
            if source is None:
                self.builder.warn(where, "dependency without a ref; ignored")
                continue
            targets = self.strings(entry, "dependsOn", where)
            for target in self.builder.texts(targets, f"{where}/dependsOn"):
                self.builder.add_edge(source, target)

    def raw_metadata(self, doc: dict[str, Any], metadata: dict[str, Any]) -> RawMetadata:
        return RawMetadata(
            pointer="/metadata",
            authors=self.names(metadata, "authors", "/metadata"),
            timestamp=self.string(metadata, "timestamp", "/metadata"),
            tools=self.tools(metadata),
            serial=self.string(doc, "serialNumber", ""),
            serial_pointer="/serialNumber",
        )

    def tools(self, metadata: dict[str, Any]) -> list[str]:
        """Tool labels from the ≤1.4 array or the 1.5+ `{components, services}` object."""
        value = metadata.get("tools")
        if isinstance(value, dict):
            entries = self.objects(value, "components", "/metadata/tools")
            entries += self.objects(value, "services", "/metadata/tools")
        else:
            entries = self.objects(metadata, "tools", "/metadata")
        labels = (
            tool_label(self.string(tool, "name", where), self.string(tool, "version", where))
            for where, tool in entries
        )
        return [label for label in labels if label is not None]

    def spec_version(self, doc: dict[str, Any]) -> str:
        version = self.builder.text(self.string(doc, "specVersion", ""), "/specVersion")
        if version is None:
            self.builder.warn("/specVersion", "no specVersion given")
            return ""
        return version


_ENTITY_COMPONENT_KEYS = ("supplier", "manufacturer", "manufacture", "authors")
"""Keys only `_raw_component_checked` reads: an entry with one goes there (rare in real SBOMs)."""


def _json_type(value: object) -> str:
    """The JSON name of a parsed value's type, for warnings."""
    if value is None:
        return "null"
    if isinstance(value, bool):
        return "a boolean"
    if isinstance(value, (int, float)):
        return "a number"
    if isinstance(value, str):
        return "a string"
    return "an array" if isinstance(value, list) else "an object"
