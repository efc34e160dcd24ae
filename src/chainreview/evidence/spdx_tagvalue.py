"""Parse SPDX 2.x tag-value documents into the dict shape of SPDX JSON, then read them.

`to_json_shape` builds what the SPDX JSON schema describes (`packages`, `files`, `snippets`,
`hasExtractedLicensingInfos`, `relationships`, annotations nested in the element they name…), so
the schema validator and `chainreview.evidence.spdx_json` both run on tag-value input unchanged.

A line is `Tag: value`; `<text>…</text>` values may span lines; blank lines and lines starting
with `#` are skipped. `PackageName`, `FileName`, `SnippetSPDXID` and `LicenseID` open a new
element and the tags after them fill it. Unknown or misplaced tags and malformed values become
diagnostics; a line that is not `Tag: value` at all raises `InputError` naming the line. Files
that follow a package are not made into `hasFiles`: files only count, so it changes nothing.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from enum import Enum
from typing import Any, Final, NamedTuple

from chainreview import limits
from chainreview.components.model import Diagnostic, Encoding, Location, SbomDocument
from chainreview.errors import InputError, LimitExceeded
from chainreview.evidence import spdx_json

_TAG_LINE: Final = re.compile(r"^\s*([A-Za-z][A-Za-z0-9_-]*)\s*:(.*)$")
r"""`Tag: value`; the value is stripped in Python (a lazy `(.*?)\s*$` is quadratic in spaces)."""
_CHECKSUM: Final = re.compile(r"^([A-Za-z0-9-]+)\s*:\s*(\S+)$")
_VERIFICATION: Final = re.compile(r"^([0-9a-fA-F]+)\s*(?:\((.*)\))?$")
_EXTERNAL_DOCUMENT: Final = re.compile(r"^(\S+)\s+(\S+)\s+([A-Za-z0-9-]+)\s*:\s*(\S+)$")
_RANGE: Final = re.compile(r"^(\d+)\s*:\s*(\d+)$")
_OPEN, _CLOSE = "<text>", "</text>"


class _Mode(Enum):
    """How a tag's converted value goes into its JSON key."""

    SET = "set"
    APPEND = "append"
    EXTEND = "extend"


class _Field(NamedTuple):
    """Where a tag goes in the JSON shape, and how its value is converted."""

    key: str
    mode: _Mode = _Mode.SET
    convert: Callable[[str], Any] = str


def _boolean(value: str) -> bool:
    if value.lower() in ("true", "false"):
        return value.lower() == "true"
    raise ValueError("expected true or false")


def _checksum(value: str) -> dict[str, str]:
    match = _CHECKSUM.match(value)
    if match is None:
        raise ValueError("expected 'ALGORITHM: value'")
    return {"algorithm": match.group(1), "checksumValue": match.group(2)}


def _external_ref(value: str) -> dict[str, str]:
    parts = value.split(None, 2)
    if len(parts) != 3:
        raise ValueError("expected 'CATEGORY type locator'")
    category = parts[0].replace("-", "_")  # tag-value writes PACKAGE-MANAGER, JSON PACKAGE_MANAGER
    return {"referenceCategory": category, "referenceType": parts[1], "referenceLocator": parts[2]}


def _verification_code(value: str) -> dict[str, Any]:
    match = _VERIFICATION.match(value)
    if match is None:
        raise ValueError("expected a hex code, optionally followed by '(excludes: files)'")
    code: dict[str, Any] = {"packageVerificationCodeValue": match.group(1)}
    excluded = (match.group(2) or "").strip().removeprefix("excludes:")
    names = [name.strip() for name in excluded.split(",") if name.strip()]
    if names:
        code["packageVerificationCodeExcludedFiles"] = names
    return code


def _range(unit: str) -> Callable[[str], dict[str, Any]]:
    def convert(value: str) -> dict[str, Any]:
        match = _RANGE.match(value)
        if match is None:
            raise ValueError("expected 'start:end'")
        start, end = (int(number) for number in match.groups())
        return {"startPointer": {unit: start}, "endPointer": {unit: end}}

    return convert


def _urls(value: str) -> list[str]:
    return [url.strip() for url in value.split(",") if url.strip()]


_DOCUMENT_TAGS: Final = {
    "SPDXVersion": _Field("spdxVersion"),
    "DataLicense": _Field("dataLicense"),
    "DocumentName": _Field("name"),
    "DocumentNamespace": _Field("documentNamespace"),
    "DocumentComment": _Field("comment"),
}
_CREATION_TAGS: Final = {
    "Creator": _Field("creators", _Mode.APPEND),
    "Created": _Field("created"),
    "CreatorComment": _Field("comment"),
    "LicenseListVersion": _Field("licenseListVersion"),
}
_SECTION_TAGS: Final[dict[str, dict[str, _Field]]] = {
    "": {"SPDXID": _Field("SPDXID")},
    "packages": {
        "SPDXID": _Field("SPDXID"),
        "PackageVersion": _Field("versionInfo"),
        "PackageFileName": _Field("packageFileName"),
        "PackageSupplier": _Field("supplier"),
        "PackageOriginator": _Field("originator"),
        "PackageDownloadLocation": _Field("downloadLocation"),
        "FilesAnalyzed": _Field("filesAnalyzed", convert=_boolean),
        "PackageVerificationCode": _Field("packageVerificationCode", convert=_verification_code),
        "PackageChecksum": _Field("checksums", _Mode.APPEND, _checksum),
        "PackageHomePage": _Field("homepage"),
        "PackageSourceInfo": _Field("sourceInfo"),
        "PackageLicenseConcluded": _Field("licenseConcluded"),
        "PackageLicenseInfoFromFiles": _Field("licenseInfoFromFiles", _Mode.APPEND),
        "PackageLicenseDeclared": _Field("licenseDeclared"),
        "PackageLicenseComments": _Field("licenseComments"),
        "PackageCopyrightText": _Field("copyrightText"),
        "PackageSummary": _Field("summary"),
        "PackageDescription": _Field("description"),
        "PackageComment": _Field("comment"),
        "ExternalRef": _Field("externalRefs", _Mode.APPEND, _external_ref),
        "PackageAttributionText": _Field("attributionTexts", _Mode.APPEND),
        "PrimaryPackagePurpose": _Field("primaryPackagePurpose"),
        "ReleaseDate": _Field("releaseDate"),
        "BuiltDate": _Field("builtDate"),
        "ValidUntilDate": _Field("validUntilDate"),
    },
    "files": {
        "SPDXID": _Field("SPDXID"),
        "FileType": _Field("fileTypes", _Mode.APPEND),
        "FileChecksum": _Field("checksums", _Mode.APPEND, _checksum),
        "LicenseConcluded": _Field("licenseConcluded"),
        "LicenseInfoInFile": _Field("licenseInfoInFiles", _Mode.APPEND),
        "LicenseComments": _Field("licenseComments"),
        "FileCopyrightText": _Field("copyrightText"),
        "FileComment": _Field("comment"),
        "FileNotice": _Field("noticeText"),
        "FileContributor": _Field("fileContributors", _Mode.APPEND),
        "FileAttributionText": _Field("attributionTexts", _Mode.APPEND),
        "FileDependency": _Field("fileDependencies", _Mode.APPEND),
    },
    "snippets": {
        "SnippetFromFileSPDXID": _Field("snippetFromFile"),
        "SnippetByteRange": _Field("ranges", _Mode.APPEND, _range("offset")),
        "SnippetLineRange": _Field("ranges", _Mode.APPEND, _range("lineNumber")),
        "SnippetLicenseConcluded": _Field("licenseConcluded"),
        "LicenseInfoInSnippet": _Field("licenseInfoInSnippets", _Mode.APPEND),
        "SnippetLicenseComments": _Field("licenseComments"),
        "SnippetCopyrightText": _Field("copyrightText"),
        "SnippetComment": _Field("comment"),
        "SnippetName": _Field("name"),
        "SnippetAttributionText": _Field("attributionTexts", _Mode.APPEND),
    },
    "hasExtractedLicensingInfos": {
        "ExtractedText": _Field("extractedText"),
        "LicenseName": _Field("name"),
        "LicenseCrossReference": _Field("seeAlsos", _Mode.EXTEND, _urls),
        "LicenseComment": _Field("comment"),
    },
}
_STARTERS: Final = {
    "PackageName": ("packages", "name"),
    "FileName": ("files", "fileName"),
    "SnippetSPDXID": ("snippets", "SPDXID"),
    "LicenseID": ("hasExtractedLicensingInfos", "licenseId"),
}
_ANNOTATION_TAGS: Final = {
    "AnnotationDate": "annotationDate",
    "AnnotationType": "annotationType",
    "AnnotationComment": "comment",
    "SPDXREF": "SPDXREF",
}
_REVIEW_TAGS: Final = {"ReviewDate": "reviewDate", "ReviewComment": "comment"}
_IGNORED_TAGS: Final = frozenset(
    {"ArtifactOfProjectName", "ArtifactOfProjectHomePage", "ArtifactOfProjectURI"}
)
"""Deprecated SPDX 2.x tags that carry nothing we read and need no warning."""
_SECTION_NAMES: Final = {
    "": "the document header",
    "packages": "a package",
    "files": "a file",
    "snippets": "a snippet",
    "hasExtractedLicensingInfos": "a licence",
}


@dataclass
class _Builder:
    """The JSON shape being built, the element tags go to, and what was noticed on the way."""

    file: str
    doc: dict[str, Any] = field(default_factory=dict)
    lines: dict[str, int] = field(default_factory=dict)
    warnings: list[Diagnostic] = field(default_factory=list)
    dropped: int = 0
    section: str = ""
    element: dict[str, Any] = field(default_factory=dict)
    pointer: str = ""
    annotations: list[tuple[dict[str, Any], int]] = field(default_factory=list)
    last: dict[str, dict[str, Any]] = field(default_factory=dict)
    """The latest relationship, review and annotation, for the tags that amend them."""

    def __post_init__(self) -> None:
        self.element = self.doc

    def warn(self, line: int, message: str) -> None:
        if len(self.warnings) < limits.MAX_WARNINGS_PER_FILE:
            location = Location(file=self.file, pointer=f"line {line}")
            self.warnings.append(Diagnostic(location=location, message=message, code="tag-value"))
        else:
            self.dropped += 1

    def add(self, tag: str, value: str, line: int) -> None:
        """Put one `Tag: value` where it belongs."""
        if tag in _STARTERS:
            self._start(*_STARTERS[tag], value, line)
        elif not self._special(tag, value, line):
            self._field(tag, value, line)

    def _start(self, section: str, key: str, value: str, line: int) -> None:
        entries = self.doc.setdefault(section, [])
        self.section, self.element = section, {key: value}
        self.pointer = f"/{section}/{len(entries)}"
        entries.append(self.element)
        self.lines[self.pointer] = line

    def _special(self, tag: str, value: str, line: int) -> bool:
        handler = _SPECIAL_TAGS.get(tag)
        if handler is None:
            return False
        handler(self, value, line)
        return True

    def _field(self, tag: str, value: str, line: int) -> None:
        if tag in _DOCUMENT_TAGS:
            self._store(self.doc, "", _DOCUMENT_TAGS[tag], tag, value, line)
        elif tag in _CREATION_TAGS:
            info = self.doc.setdefault("creationInfo", {})
            self._store(info, "/creationInfo", _CREATION_TAGS[tag], tag, value, line)
        elif tag in _SECTION_TAGS[self.section]:
            self._store(
                self.element, self.pointer, _SECTION_TAGS[self.section][tag], tag, value, line
            )
        elif tag not in _IGNORED_TAGS:
            self._misplaced(tag, line)

    def _misplaced(self, tag: str, line: int) -> None:
        if any(tag in tags for tags in _SECTION_TAGS.values()):
            where = _SECTION_NAMES[self.section]
            self.warn(line, f"{tag} does not belong in {where}; ignored")
        else:
            self.warn(line, f"unknown tag {tag}; ignored")

    def _store(
        self, target: dict[str, Any], pointer: str, spec: _Field, tag: str, value: str, line: int
    ) -> None:
        try:
            converted = spec.convert(value)
        except ValueError as exc:
            self.warn(line, f"{tag}: {exc}; ignored")
            return
        here = f"{pointer}/{spec.key}"
        if spec.mode is _Mode.SET:
            if spec.key in target:
                self.warn(line, f"{tag} given again; the later value is kept")
            target[spec.key] = converted
            self.lines[here] = line
            return
        values = target.setdefault(spec.key, [])
        self.lines[f"{here}/{len(values)}"] = line
        if spec.mode is _Mode.APPEND:
            values.append(converted)
        else:
            values.extend(converted)

    def relationship(self, value: str, line: int) -> None:
        parts = value.split()
        if len(parts) != 3:
            self.warn(line, "Relationship: expected 'element TYPE related-element'; ignored")
            return
        entry = {
            "spdxElementId": parts[0],
            "relationshipType": parts[1],
            "relatedSpdxElement": parts[2],
        }
        self._append_to_document("relationships", entry, line)

    def external_document(self, value: str, line: int) -> None:
        match = _EXTERNAL_DOCUMENT.match(value)
        if match is None:
            self.warn(
                line, "ExternalDocumentRef: expected 'DocumentRef-id uri ALGORITHM: value'; ignored"
            )
            return
        ident, uri, algorithm, checksum = match.groups()
        entry = {
            "externalDocumentId": ident,
            "spdxDocument": uri,
            "checksum": {"algorithm": algorithm, "checksumValue": checksum},
        }
        self._append_to_document("externalDocumentRefs", entry, line)

    def review(self, value: str, line: int) -> None:
        self._append_to_document("revieweds", {"reviewer": value}, line)

    def annotation(self, value: str, line: int) -> None:
        entry = {"annotator": value}
        self.annotations.append((entry, line))
        self.last["annotations"] = entry

    def _append_to_document(self, key: str, entry: dict[str, Any], line: int) -> None:
        entries = self.doc.setdefault(key, [])
        self.lines[f"/{key}/{len(entries)}"] = line
        entries.append(entry)
        self.last[key] = entry

    def amend(self, last: str, key: str, tag: str, value: str, line: int) -> None:
        """Set `key` on the latest relationship, external ref, review or annotation."""
        target = self.last.get(last)
        if target is None:
            self.warn(line, f"{tag} before any entry it could belong to; ignored")
        else:
            target[key] = value

    def external_ref_comment(self, value: str, line: int) -> None:
        refs = self.element.get("externalRefs") if self.section == "packages" else None
        if not refs:
            self.warn(line, "ExternalRefComment without an ExternalRef before it; ignored")
        else:
            refs[-1]["comment"] = value

    def finish(self) -> None:
        """Attach annotations to the elements they name and give snippet ranges their file."""
        elements = {
            entry.get("SPDXID"): entry
            for section in ("packages", "files", "snippets")
            for entry in self.doc.get(section, [])
        }
        for annotation, line in self.annotations:
            target = annotation.pop("SPDXREF", None)
            owner = elements.get(target, self.doc)
            if target is not None and target not in elements and target != self.doc.get("SPDXID"):
                self.warn(line, f"annotation of unknown element {target}; kept on the document")
            owner.setdefault("annotations", []).append(annotation)
        for snippet in self.doc.get("snippets", []):
            for span in snippet.get("ranges", []):
                for end in span.values():
                    end["reference"] = snippet.get("snippetFromFile", "")
        if self.dropped:
            message = f"{self.dropped} more tag-value warnings not shown"
            self.warnings.append(
                Diagnostic(location=Location(file=self.file), message=message, code="limit")
            )


def _amender(last: str, key: str, tag: str) -> Callable[[_Builder, str, int], None]:
    def amend(builder: _Builder, value: str, line: int) -> None:
        builder.amend(last, key, tag, value, line)

    return amend


_SPECIAL_TAGS: Final[dict[str, Callable[[_Builder, str, int], None]]] = {
    "Relationship": _Builder.relationship,
    "RelationshipComment": _amender("relationships", "comment", "RelationshipComment"),
    "ExternalDocumentRef": _Builder.external_document,
    "ExternalRefComment": _Builder.external_ref_comment,
    "Reviewer": _Builder.review,
    **{tag: _amender("revieweds", key, tag) for tag, key in _REVIEW_TAGS.items()},
    "Annotator": _Builder.annotation,
    **{tag: _amender("annotations", key, tag) for tag, key in _ANNOTATION_TAGS.items()},
}


@dataclass(frozen=True)
class _Parsed:
    doc: dict[str, Any]
    lines: dict[str, int]
    warnings: tuple[Diagnostic, ...]


def to_json_shape(text: str, file: str) -> dict[str, Any]:
    """Parse tag-value `text` into the dict an SPDX JSON file of the same document would load as.

    Raises `InputError` naming `line N` for a line that is not `Tag: value` or an unclosed
    `<text>`, and `LimitExceeded` past `limits.MAX_TAG_VALUE_LINES` lines.
    """
    return _parse(text, file).doc


def read(text: str, file: str) -> SbomDocument:
    """Read a tag-value SPDX 2.x document; locations in diagnostics and components are `line N`."""
    parsed = _parse(text, file)
    return spdx_json.read(
        parsed.doc, file, Encoding.TAG_VALUE, lines=parsed.lines, warnings=parsed.warnings
    )


def _parse(text: str, file: str) -> _Parsed:
    builder = _Builder(file)
    for tag, value, line in _tag_values(text, file):
        builder.add(tag, value, line)
    builder.finish()
    return _Parsed(builder.doc, builder.lines, tuple(builder.warnings))


def _tag_values(text: str, file: str) -> Iterator[tuple[str, str, int]]:
    """Yield `(tag, value, line number)`, joining `<text>` blocks; skip blanks and comments."""
    count = text.count("\n") + 1
    if count > limits.MAX_TAG_VALUE_LINES:
        raise LimitExceeded(
            file, f"{count:,} lines, over the limit of {limits.MAX_TAG_VALUE_LINES:,}"
        )
    nul = text.find("\x00")
    if nul >= 0:
        raise InputError(
            file, "NUL byte in a text document", f"line {text.count(chr(10), 0, nul) + 1}"
        )
    lines = text.removeprefix("\ufeff").split("\n")
    index = 0
    while index < len(lines):
        number, line = index + 1, lines[index].rstrip("\r")
        index += 1
        if not line.strip() or line.lstrip().startswith("#"):
            continue
        match = _TAG_LINE.match(line)
        if match is None:
            raise InputError(
                file, f"expected 'Tag: value', found {_preview(line.strip())}", f"line {number}"
            )
        tag, value = match.group(1), match.group(2).strip()
        if value.startswith(_OPEN):
            value, index = _text_block(lines, index, value[len(_OPEN) :], file, number)
        yield tag, value, number


def _text_block(
    lines: list[str], index: int, first: str, file: str, number: int
) -> tuple[str, int]:
    """The value of a `<text>` block that began on line `number`, and the index after its end."""
    parts = [first]
    line, cursor = first, index
    while _CLOSE not in line:
        if cursor >= len(lines):
            raise InputError(file, "<text> is never closed by </text>", f"line {number}")
        line = lines[cursor].rstrip("\r")
        parts.append(line)
        cursor += 1
    parts[-1] = line[: line.index(_CLOSE)]
    return "\n".join(parts), cursor


def _preview(text: str, width: int = 60) -> str:
    return repr(text if len(text) <= width else text[: width - 1] + "…")
