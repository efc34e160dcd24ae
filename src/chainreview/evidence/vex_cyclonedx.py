"""CycloneDX VEX (a BOM's `vulnerabilities`, JSON or XML) read into VEX statements.

Each `affects[]` entry of each vulnerability with an `analysis.state` becomes one statement whose
product is the `ref` as written (a bom-ref, or a BOM-Link `urn:cdx:<serial>/<version>#<bom-ref>`);
a vulnerability without `affects` becomes one statement with no product, with a warning.
`references[].id` are the aliases.  `analysis.state` maps to a status:

| CycloneDX state          | status                |
| ------------------------ | --------------------- |
| `resolved`               | `fixed`               |
| `resolved_with_pedigree` | `fixed`               |
| `exploitable`            | `affected`            |
| `in_triage`              | `under_investigation` |
| `false_positive`         | `not_affected`        |
| `not_affected`           | `not_affected`        |

A `false_positive` without a justification gets the justification `false_positive`, so the reason
survives the mapping.  `analysis.justification` is kept with CycloneDX's own label, `detail` is the
impact and `response` the action.  A vulnerability without an analysis state is a disclosure
(VDR), not a VEX statement: it is skipped with a warning.  The statement's timestamp is
`analysis.lastUpdated`, else `firstIssued`, else the BOM's `metadata.timestamp`.
`affects[].versions` (version ranges of the referenced product) are not evaluated.

The BOM is validated against the bundled CycloneDX schema of its version; violations are warnings.
"""

from __future__ import annotations

import re
from collections.abc import Mapping, Sequence
from typing import Any, Final

from lxml import etree

from chainreview.errors import InputError, UnsupportedFormat
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

_STATES: Final[Mapping[str, VexStatus]] = {
    "resolved": VexStatus.FIXED,
    "resolved_with_pedigree": VexStatus.FIXED,
    "exploitable": VexStatus.AFFECTED,
    "in_triage": VexStatus.UNDER_INVESTIGATION,
    "false_positive": VexStatus.NOT_AFFECTED,
    "not_affected": VexStatus.NOT_AFFECTED,
}
_NAMESPACE: Final = re.compile(r"\{http://cyclonedx\.org/schema/bom/(\d+\.\d+)\}bom")


def read_json(document: dict[str, Any], file: str) -> VexDocument:
    """Read a parsed CycloneDX JSON BOM's vulnerabilities; raise `InputError` if it has none."""
    if document.get("bomFormat") != "CycloneDX":
        shown = preview(document.get("bomFormat"))
        raise InputError(file, f"unknown bomFormat {shown}", "/bomFormat")
    version = document.get("specVersion")
    if version not in validation.CYCLONEDX_JSON_VERSIONS:
        raise UnsupportedFormat(
            file, f"CycloneDX JSON specVersion {preview(version)} is not supported", "/specVersion"
        )
    vulnerabilities = document.get("vulnerabilities")
    if not isinstance(vulnerabilities, list) or not vulnerabilities:
        raise InputError(file, "CycloneDX BOM without vulnerabilities: not a VEX document")
    builder = VexBuilder(file)
    builder.extend_warnings(validation.validate_cyclonedx_json(document, version, file))
    metadata = document.get("metadata")
    metadata = metadata if isinstance(metadata, dict) else {}
    timestamp = text(metadata.get("timestamp"))
    for index, vulnerability in enumerate(vulnerabilities):
        pointer = f"/vulnerabilities/{index}"
        if not isinstance(vulnerability, dict):
            builder.warn(pointer, "vulnerability is not an object: skipped")
            continue
        affects = as_list(vulnerability.get("affects"))
        pointers = [f"{pointer}/affects/{n}" for n in range(len(affects))]
        _read_vulnerability(builder, vulnerability, pointer, pointers, timestamp)
    return builder.document(VexFormat.CYCLONEDX, _author(metadata), timestamp)


def _author(metadata: Mapping[str, Any]) -> str | None:
    """The first named author, else the supplier, else the manufacturer."""
    for author in as_list(metadata.get("authors")):
        if isinstance(author, dict) and text(author.get("name")):
            return text(author.get("name"))
    for key in ("supplier", "manufacturer", "manufacture"):
        party = metadata.get(key)
        if isinstance(party, dict) and text(party.get("name")):
            return text(party.get("name"))
    return None


def _read_vulnerability(
    builder: VexBuilder,
    vulnerability: Mapping[str, Any],
    pointer: str,
    affects_pointers: Sequence[str],
    default_time: str | None,
) -> None:
    """Add one statement per `affects` entry of a vulnerability in the JSON shape."""
    identifier = text(vulnerability.get("id"))
    if identifier is None:
        builder.warn(pointer, "vulnerability without an id: skipped")
        return
    analysis = vulnerability.get("analysis")
    analysis = analysis if isinstance(analysis, dict) else {}
    state = analysis.get("state")
    status = _STATES.get(state) if isinstance(state, str) else None
    if status is None:
        message = f"analysis state {preview(state)} is not a VEX state: skipped"
        if state is None:
            message = "no analysis state (a disclosure, not a VEX statement): skipped"
        builder.warn(pointer, message)
        return
    references = (
        text(reference.get("id"))
        for reference in as_list(vulnerability.get("references"))
        if isinstance(reference, dict)
    )
    # Built once: every statement of the vulnerability carries them (a generator here would
    # give them to the first `affects` entry only).
    aliases = tuple(dict.fromkeys(r for r in references if r and r != identifier))
    responses = [r for r in (text(v) for v in as_list(analysis.get("response"))) if r]
    justification = text(analysis.get("justification"))
    if state == "false_positive" and justification is None:
        justification = "false_positive"
    affects = as_list(vulnerability.get("affects"))
    if not affects:
        builder.warn(pointer, "vulnerability without affects: it applies to nothing")
    targets: list[tuple[object, str]] = list(zip(affects, affects_pointers, strict=True))
    for entry, where in targets or [(None, pointer)]:
        products: tuple[str, ...] = ()
        if entry is not None:
            ref = builder.identifier(entry.get("ref") if isinstance(entry, dict) else None, where)
            products = (ref,) if ref else ()
        builder.add(
            VexStatement(
                vulnerability=identifier,
                aliases=aliases,
                products=products,
                status=status,
                justification=justification,
                impact=text(analysis.get("detail")),
                action=", ".join(responses) or None,
                timestamp=text(analysis.get("lastUpdated"))
                or text(analysis.get("firstIssued"))
                or default_time,
                location=builder.location(where),
            )
        )


def read_xml(root: etree._Element, file: str) -> VexDocument:
    """Read a parsed CycloneDX XML BOM's vulnerabilities; raise `InputError` if it has none."""
    tag = root.tag if isinstance(root.tag, str) else ""
    match = _NAMESPACE.fullmatch(tag)
    if match is None:
        shown = preview(etree.QName(tag).localname if tag else tag)
        raise InputError(file, f"not a VEX document: XML root element is {shown}", "/")
    version = match.group(1)
    if version not in validation.CYCLONEDX_XML_VERSIONS:
        raise UnsupportedFormat(file, f"CycloneDX XML version {version} is not supported")
    ns = tag[: tag.index("}") + 1]
    vulnerabilities = root.findall(f"{ns}vulnerabilities/{ns}vulnerability")
    if not vulnerabilities:
        raise InputError(file, "CycloneDX BOM without vulnerabilities: not a VEX document")
    builder = VexBuilder(file)
    builder.extend_warnings(validation.validate_cyclonedx_xml(root, version, file))
    timestamp = _xml_text(root, f"{ns}metadata/{ns}timestamp")
    author = (
        _xml_text(root, f"{ns}metadata/{ns}authors/{ns}author/{ns}name")
        or _xml_text(root, f"{ns}metadata/{ns}supplier/{ns}name")
        or _xml_text(root, f"{ns}metadata/{ns}manufacturer/{ns}name")
        or _xml_text(root, f"{ns}metadata/{ns}manufacture/{ns}name")
    )
    for index, element in enumerate(vulnerabilities, start=1):
        pointer = f"line {element.sourceline}, /bom/vulnerabilities/vulnerability[{index}]"
        targets = element.findall(f"{ns}affects/{ns}target")
        pointers = [
            f"line {target.sourceline}, /bom/vulnerabilities/vulnerability[{index}]"
            f"/affects/target[{n}]"
            for n, target in enumerate(targets, start=1)
        ]
        vulnerability = {
            "id": _xml_text(element, f"{ns}id"),
            "references": [
                {"id": _xml_text(reference, f"{ns}id")}
                for reference in element.findall(f"{ns}references/{ns}reference")
            ],
            "analysis": {
                key: _xml_text(element, f"{ns}analysis/{ns}{key}")
                for key in ("state", "justification", "detail", "firstIssued", "lastUpdated")
            }
            | {
                "response": [
                    r.text for r in element.findall(f"{ns}analysis/{ns}responses/{ns}response")
                ]
            },
            "affects": [{"ref": _xml_text(target, f"{ns}ref")} for target in targets],
        }
        _read_vulnerability(builder, vulnerability, pointer, pointers, timestamp)
    return builder.document(VexFormat.CYCLONEDX, author, timestamp)


def _xml_text(element: etree._Element, path: str) -> str | None:
    found = element.find(path)
    return text(found.text) if found is not None else None
