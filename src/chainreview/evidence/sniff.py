"""Recognise an SBOM's format from its content, never from the file name.

`sniff` parses just enough to tell CycloneDX JSON/XML from SPDX JSON/YAML/tag-value and returns the
parsed payload so nothing is parsed twice. Anything that is not one of those is refused with one
line saying what it looks like instead.
"""

from __future__ import annotations

import itertools
import re
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from chainreview import raw
from chainreview.components.model import Encoding, SbomFormat
from chainreview.errors import InputError, LimitExceeded, UnsupportedFormat

if TYPE_CHECKING:
    from lxml import etree

CYCLONEDX_JSON_VERSIONS = ("1.2", "1.3", "1.4", "1.5", "1.6", "1.7")
CYCLONEDX_XML_VERSIONS = ("1.0", "1.1", *CYCLONEDX_JSON_VERSIONS)
SPDX_VERSIONS = ("2.0", "2.1", "2.2", "2.3")
SPDX3_MAJOR = "3"
"""SPDX 3 documents of any 3.x version are read (by the 3.0 rules); other majors are refused."""

_CDX_NAMESPACE = re.compile(r"^\{http://cyclonedx\.org/schema/bom/(\d+\.\d+)\}bom$")
_TAG_VALUE_VERSION = re.compile(rb"^[ \t]*SPDXVersion:[ \t]*SPDX-(\S+)[ \t]*\r?$", re.MULTILINE)
"""The version line of a tag-value document; `[ \t]`, not `\\s`, so no match can span lines."""
_FIRST_BYTE = re.compile(rb"[^ \t\r\n]")
_SPDX3_CONTEXT = re.compile(r"spdx\.org/rdf/(\d+(?:\.\d+)*)/")
"""The version in an SPDX JSON-LD context URL (`https://spdx.org/rdf/3.0.1/spdx-context.jsonld`)."""
_SPDX3_ONLY_JSON_LD = "SPDX 3 is read from its JSON-LD serialisation (@context, @graph) only"
_UNRECOGNISED = "not a recognised SBOM (not JSON, XML, YAML or SPDX tag-value)"


@dataclass(frozen=True, slots=True, kw_only=True)
class Sniffed:
    """A recognised document: its format, encoding, version and parsed payload."""

    format: SbomFormat
    encoding: Encoding
    spec_version: str
    payload: Any
    """dict for JSON/YAML, an lxml element for XML, str for tag-value."""


def sniff(data: bytes, file: str) -> Sniffed:
    """Recognise and parse `data`; raise `InputError` for anything that is not a supported SBOM."""
    found = _FIRST_BYTE.search(data, 3 if data.startswith(b"\xef\xbb\xbf") else 0)
    if found is None:
        raise InputError(file, "empty file")
    first = found.group()
    if first in (b"{", b"["):
        return _sniff_json(raw.load_json(data, file), file, Encoding.JSON)
    if first == b"<":
        return _sniff_xml(raw.parse_xml(data, file), file)
    match = _TAG_VALUE_VERSION.search(data[:65536])
    if match:
        return _sniff_tag_value(match.group(1).decode("ascii", "replace"), data, file)
    try:
        document = raw.load_yaml(data, file)
    except LimitExceeded:
        raise  # YAML over a limit (deep, alias or merge bombs) says so
    except InputError as exc:
        # Text that is not YAML at all is simply not an SBOM; other YAML faults say what they are.
        if isinstance(exc.__cause__, UnicodeDecodeError):
            raise InputError(file, f"{_UNRECOGNISED}: {exc.message}") from exc
        import yaml  # loaded by `raw.load_yaml` already

        if not isinstance(exc.__cause__, yaml.YAMLError):
            raise
        raise InputError(file, _UNRECOGNISED) from exc
    return _sniff_json(document, file, Encoding.YAML)


def _sniff_json(document: Any, file: str, encoding: Encoding) -> Sniffed:
    if not isinstance(document, dict):
        raise InputError(
            file, f"not an SBOM: the top level is a {type(document).__name__}, not an object"
        )
    if "bomFormat" in document:
        return _cyclonedx_json(document, file, encoding)
    if "spdxVersion" in document:
        version = _spdx_version(document["spdxVersion"], file)
        return Sniffed(
            format=SbomFormat.SPDX, encoding=encoding, spec_version=version, payload=document
        )
    if "@context" in document and "spdx.org/rdf/" in _context_text(document["@context"]):
        return _spdx3(document, file, encoding)
    raise InputError(file, f"not an SBOM: {_describe(document)}")


def _cyclonedx_json(document: dict[str, Any], file: str, encoding: Encoding) -> Sniffed:
    if document["bomFormat"] != "CycloneDX":
        raise InputError(file, f"unknown bomFormat {_preview(document['bomFormat'])}", "/bomFormat")
    if encoding is not Encoding.JSON:
        raise UnsupportedFormat(file, "CycloneDX is read from JSON or XML, not YAML")
    version = document.get("specVersion")
    if not isinstance(version, str):
        raise InputError(file, "CycloneDX document without a specVersion string", "/specVersion")
    if version not in CYCLONEDX_JSON_VERSIONS:
        raise UnsupportedFormat(
            file, f"CycloneDX JSON specVersion {_preview(version)} is not supported"
        )
    return Sniffed(
        format=SbomFormat.CYCLONEDX, encoding=encoding, spec_version=version, payload=document
    )


def _context_text(context: Any) -> str:
    """The URL strings of a JSON-LD `@context` (a string or an array), joined; "" otherwise."""
    if isinstance(context, str):
        return context
    if isinstance(context, list):
        return " ".join(entry for entry in context[:100] if isinstance(entry, str))
    return ""


def _spdx3(document: dict[str, Any], file: str, encoding: Encoding) -> Sniffed:
    """An SPDX JSON-LD document: its version is the one its context URL names."""
    if encoding is not Encoding.JSON:
        raise UnsupportedFormat(file, "SPDX 3 JSON-LD is read from JSON, not YAML")
    match = _SPDX3_CONTEXT.search(_context_text(document["@context"]))
    if match is None:
        raise InputError(file, "SPDX JSON-LD @context names no SPDX version", "/@context")
    version = match.group(1)
    if version.split(".")[0] != SPDX3_MAJOR:
        raise UnsupportedFormat(
            file, f"SPDX {_preview(version)} is not supported (SPDX 2.x and 3.x are)", "/@context"
        )
    return Sniffed(
        format=SbomFormat.SPDX, encoding=encoding, spec_version=version, payload=document
    )


def _spdx_version(value: Any, file: str) -> str:
    if not isinstance(value, str) or not value.startswith("SPDX-"):
        raise InputError(file, f"unknown spdxVersion {_preview(value)}", "/spdxVersion")
    version = value.removeprefix("SPDX-")
    if version.startswith("3"):
        raise UnsupportedFormat(file, _SPDX3_ONLY_JSON_LD, "/spdxVersion")
    if version not in SPDX_VERSIONS:
        raise UnsupportedFormat(file, f"SPDX version {_preview(version)} is not supported")
    return version


def _sniff_xml(root: etree._Element, file: str) -> Sniffed:
    tag = root.tag if isinstance(root.tag, str) else ""
    match = _CDX_NAMESPACE.match(tag)
    if match:
        version = match.group(1)
        if version not in CYCLONEDX_XML_VERSIONS:
            raise UnsupportedFormat(
                file, f"CycloneDX XML version {_preview(version)} is not supported"
            )
        return Sniffed(
            format=SbomFormat.CYCLONEDX, encoding=Encoding.XML, spec_version=version, payload=root
        )
    if tag == "{http://www.w3.org/1999/02/22-rdf-syntax-ns#}RDF" and _mentions_spdx(root):
        raise UnsupportedFormat(
            file, "SPDX RDF/XML is not supported; convert it to SPDX JSON or tag-value"
        )
    if tag == "Document" and (root.findtext("spdxVersion") or "").strip().startswith("SPDX-"):
        raise UnsupportedFormat(
            file, "SPDX XML is not supported; convert it to SPDX JSON or tag-value"
        )
    shown = raw.one_line(tag, 80) or "(none)"
    raise InputError(file, f"not an SBOM: XML root element is {shown}", "/")


def _sniff_tag_value(version: str, data: bytes, file: str) -> Sniffed:
    if version.startswith("3"):
        raise UnsupportedFormat(file, _SPDX3_ONLY_JSON_LD)
    if version not in SPDX_VERSIONS:
        raise UnsupportedFormat(file, f"SPDX version {_preview(version)} is not supported")
    text = raw.decode_utf8(data, file)
    return Sniffed(
        format=SbomFormat.SPDX, encoding=Encoding.TAG_VALUE, spec_version=version, payload=text
    )


def _preview(value: object, width: int = 80) -> str:
    """`repr` of an untrusted value, cut to about `width` characters for a one-line message."""
    text = repr(value)
    return text if len(text) <= width else text[: width - 1] + "…"


def _mentions_spdx(root: etree._Element) -> bool:
    """Whether an RDF document uses the SPDX vocabulary (namespaces of its first elements)."""
    for element in itertools.islice(root.iter(), 1000):
        namespaces = [*element.nsmap.values(), element.tag if isinstance(element.tag, str) else ""]
        if any("spdx.org" in (ns or "") for ns in namespaces):
            return True
    return False


def _describe(document: dict[str, Any]) -> str:
    """Say what a JSON object looks like when it is not an SBOM."""
    context = str(document.get("@context", ""))
    if "openvex" in context:
        return "this is an OpenVEX document"
    if (
        "document" in document
        and isinstance(document["document"], dict)
        and "csaf_version" in document["document"]
    ):
        return "this is a CSAF document"
    if "schema_version" in document and "affected" in document:
        return "this is an OSV record"
    return "no bomFormat or spdxVersion at the top level"
