"""Read one SBOM file of any supported format into an `SbomDocument`, with its schema warnings.

Only the reader of the format at hand is imported, and the schema validators only when asked
for (`validate=True`): `chainreview scan` reads without them and must start fast.
"""

from __future__ import annotations

import dataclasses
import hashlib
from pathlib import Path

from chainreview import limits, raw
from chainreview.components.model import Diagnostic, Encoding, Location, SbomDocument, SbomFormat
from chainreview.evidence.sniff import Sniffed, sniff


def read_sbom(path: Path, display: str | None = None, *, validate: bool = True) -> SbomDocument:
    """Read, recognise, (optionally) schema-validate and normalise the SBOM at `path`.

    `display` is the name used in messages and evidence citations (default: the path as given).
    The file is read once; the document's `sha256` and `size` are those of the bytes parsed.
    Raises `InputError` only for input that cannot be read as a supported SBOM at all.
    """
    file = display if display is not None else str(path)
    sniffed, sha256, size = _read(path, file)
    document = _normalise(sniffed, file)
    warnings = document.warnings
    if validate and (schema_warnings := _validate(sniffed, file)):
        warnings = _capped(schema_warnings + warnings, file)
    return dataclasses.replace(document, warnings=warnings, sha256=sha256, size=size)


def _read(path: Path, file: str) -> tuple[Sniffed, str, int]:
    """The recognised document at `path`, with the sha256 and size of the bytes it was parsed
    from (they are let go before the document is normalised)."""
    data = raw.read_bytes(path, file)
    return sniff(data, file), hashlib.sha256(data).hexdigest(), len(data)


def _normalise(sniffed: Sniffed, file: str) -> SbomDocument:
    payload = sniffed.payload
    if sniffed.format is SbomFormat.CYCLONEDX:
        if sniffed.encoding is Encoding.XML:
            from chainreview.evidence import cyclonedx_xml

            return cyclonedx_xml.read(payload, file)
        from chainreview.evidence import cyclonedx_json

        return cyclonedx_json.read(payload, file)
    if sniffed.spec_version.startswith("3"):
        from chainreview.evidence import spdx3_json

        return spdx3_json.read(payload, file, sniffed.spec_version)
    if sniffed.encoding is Encoding.TAG_VALUE:
        from chainreview.evidence import spdx_tagvalue

        return spdx_tagvalue.read(payload, file)
    from chainreview.evidence import spdx_json

    return spdx_json.read(payload, file, sniffed.encoding)


def _validate(sniffed: Sniffed, file: str) -> tuple[Diagnostic, ...]:
    from chainreview.evidence import spdx_tagvalue, validation

    payload = sniffed.payload
    if sniffed.spec_version.startswith("3"):
        from chainreview.evidence import spdx3_shapes

        return spdx3_shapes.validate_spdx3(payload, file)
    if sniffed.format is SbomFormat.CYCLONEDX:
        if sniffed.encoding is Encoding.XML:
            return validation.validate_cyclonedx_xml(payload, sniffed.spec_version, file)
        return validation.validate_cyclonedx_json(payload, sniffed.spec_version, file)
    if sniffed.encoding is Encoding.TAG_VALUE:
        payload = spdx_tagvalue.to_json_shape(payload, file)
    return validation.validate_spdx_json(payload, sniffed.spec_version, file)


def _capped(warnings: tuple[Diagnostic, ...], file: str) -> tuple[Diagnostic, ...]:
    cap = limits.MAX_WARNINGS_PER_FILE
    if len(warnings) <= cap:
        return warnings
    dropped = Diagnostic(
        location=Location(file=file),
        message=f"{len(warnings) - cap:,} further warnings left out",
        code="limit",
    )
    return (*warnings[:cap], dropped)
