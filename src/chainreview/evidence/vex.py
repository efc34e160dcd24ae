"""VEX input: CycloneDX VEX, OpenVEX and CSAF VEX read into one statement model.

`read_vex` recognises the format from the content (never the file name) and hands the parsed
document to `vex_cyclonedx`, `vex_openvex` or `vex_csaf`; each turns it into `VexStatement`s
through a `VexBuilder`.  `applicable` picks the statement that decides a finding.

Statements never delete anything: the caller changes a finding's status and keeps the finding.

Which statement applies (`applicable`)
--------------------------------------
A statement applies to a finding (an alias group of vulnerability ids and a component) when

* its `vulnerability` or one of its `aliases` is in the group (CVE and GHSA ids compare
  case-insensitively, other ids exactly), and
* one of its identifiers names the component.  The identifiers are the `subcomponents` when the
  statement has any (an OpenVEX product with subcomponents, or a CSAF relationship: the whole
  product is the container, the subcomponent is the component that carries the status), else its
  `products`.  An identifier names the component when

  - it equals the component's `ref` (a bom-ref or product id); a CycloneDX BOM-Link
    `urn:cdx:<serial>/<version>#<bom-ref>` is compared by the part after `#` (percent-decoded
    or not); the serial number is not checked;
  - it is a purl with the component's type, namespace and name, the same version when it states
    one (the component's purl version, else its `version`), the same subpath when it states one,
    and every qualifier it states present on the component with the same value (a `distro`
    qualifier also matches when both name the same distro release, e.g. `noble` and
    `ubuntu-24.04`); qualifiers only the component has are ignored;
  - it is a CPE with the component's vendor and product (neither ANY) and the same version unless
    the statement's version is ANY or NA.

When several statements apply, the one that wins is

1. the most recent: the greatest `timestamp` (statements without a readable one rank oldest;
   a timestamp without a zone is read as UTC);
2. then the most specific: a match that pins the version (a versioned purl, a CPE with a version,
   or a bom-ref, which names one component) over one that does not, then the one stating more
   purl qualifiers;
3. then the later one in `statements` order: a VEX history appends its newer statements, and a
   caller that concatenates documents in the order given lets later files override earlier ones.
"""

from __future__ import annotations

import dataclasses
import hashlib
import re
from collections.abc import Collection, Iterable, Sequence
from dataclasses import dataclass
from datetime import UTC, datetime
from enum import StrEnum
from functools import lru_cache
from pathlib import Path
from typing import Any, Final
from urllib.parse import unquote

from chainreview import limits, raw
from chainreview.components.cpe import ANY, NA, Cpe, InvalidCpe, parse_cpe
from chainreview.components.model import Component, Diagnostic, Location
from chainreview.components.purl import InvalidPurl, Purl, osv_ecosystem, parse_purl
from chainreview.errors import InputError, LimitExceeded

__all__ = [
    "VexBuilder",
    "VexDocument",
    "VexFormat",
    "VexStatement",
    "VexStatus",
    "applicable",
    "read_vex",
    "vulnerability_key",
]


class VexStatus(StrEnum):
    """The status a VEX statement gives a vulnerability in a product (OpenVEX's four values)."""

    NOT_AFFECTED = "not_affected"
    AFFECTED = "affected"
    FIXED = "fixed"
    UNDER_INVESTIGATION = "under_investigation"


class VexFormat(StrEnum):
    """The VEX standard a document follows."""

    CYCLONEDX = "cyclonedx"
    OPENVEX = "openvex"
    CSAF = "csaf"


@dataclass(frozen=True, slots=True, kw_only=True)
class VexStatement:
    """One claim: the status of one vulnerability in some products or components."""

    vulnerability: str
    """The vulnerability id the statement is about (CVE, GHSA, vendor id ...)."""
    aliases: tuple[str, ...] = ()
    """Other ids the document gives the same vulnerability."""
    products: tuple[str, ...] = ()
    """Identifiers of the products as given: purls (canonicalised when valid), CPEs, bom-refs,
    BOM-Links or CSAF product ids."""
    subcomponents: tuple[str, ...] = ()
    """Identifiers of the components inside `products` the status is about; when present they,
    not `products`, decide which components the statement applies to."""
    status: VexStatus
    justification: str | None = None
    """Why not affected, with the format's own label (e.g. `vulnerable_code_not_present`,
    `code_not_reachable`, `component_not_present`)."""
    impact: str | None = None
    """Free text on the impact (OpenVEX `impact_statement`, CycloneDX `analysis.detail`, CSAF
    `impact` threat)."""
    action: str | None = None
    """What to do (OpenVEX `action_statement`, CycloneDX responses, CSAF remediations)."""
    timestamp: str | None = None
    """When the statement was made or last updated, as written (the document's when it has none)."""
    location: Location


@dataclass(frozen=True, slots=True, kw_only=True)
class VexDocument:
    """One VEX file, read: its statements and the warnings met reading it."""

    file: str
    format: VexFormat
    author: str | None = None
    timestamp: str | None = None
    statements: tuple[VexStatement, ...] = ()
    warnings: tuple[Diagnostic, ...] = ()
    sha256: str = ""
    """Lower-case hex sha256 of the bytes read and parsed (`read_vex` sets it)."""
    size: int = 0
    """Number of those bytes."""


# --- reading ----------------------------------------------------------------------------------

_FIRST_BYTE: Final = re.compile(rb"[^ \t\r\n]")


def read_vex(path: Path, display: str) -> VexDocument:
    """Read the VEX document at `path` (shown as `display`), recognising its format by content.

    CycloneDX (JSON or XML, a BOM with `vulnerabilities`), OpenVEX (JSON or YAML) and CSAF 2.0
    (`csaf_vex`) are read.  Anything unreadable raises `InputError` with one line naming the file
    and the location; problems inside a readable document become `warnings`.  The file is read
    once; `sha256` and `size` are those of the bytes parsed.
    """
    data = raw.read_bytes(path, display)
    document = _parse(data, display)
    return dataclasses.replace(document, sha256=hashlib.sha256(data).hexdigest(), size=len(data))


def _parse(data: bytes, display: str) -> VexDocument:
    # Imported here: the format readers import this module's model.
    from chainreview.evidence.vex_csaf import read as read_csaf
    from chainreview.evidence.vex_cyclonedx import read_json, read_xml
    from chainreview.evidence.vex_openvex import read as read_openvex

    found = _FIRST_BYTE.search(data, 3 if data.startswith(b"\xef\xbb\xbf") else 0)
    if found is None:
        raise InputError(display, "empty file")
    if found.group() == b"<":
        return read_xml(raw.parse_xml(data, display), display)
    if found.group() in (b"{", b"["):
        document = raw.load_json(data, display)
    else:
        document = raw.load_yaml(data, display)
    if not isinstance(document, dict):
        kind = type(document).__name__
        raise InputError(display, f"not a VEX document: the top level is a {kind}, not an object")
    if "bomFormat" in document:
        return read_json(document, display)
    if isinstance(document.get("document"), dict):
        return read_csaf(document, display)
    if "@context" in document or "statements" in document:
        return read_openvex(document, display)
    raise InputError(
        display,
        "not a VEX document: no bomFormat (CycloneDX), @context or statements (OpenVEX) "
        "or document (CSAF) at the top level",
    )


def text(value: object) -> str | None:
    """`value` stripped when it is a non-empty string no longer than `MAX_STRING_CHARS`."""
    if not isinstance(value, str):
        return None
    value = value.strip()
    return value if value and len(value) <= limits.MAX_STRING_CHARS else None


def preview(value: object, width: int = 80) -> str:
    """`repr` of an untrusted value, cut to about `width` characters for a one-line message."""
    shown = repr(value)
    return shown if len(shown) <= width else shown[: width - 1] + "…"


class VexBuilder:
    """Collects the statements and warnings of one document; the format readers share it."""

    def __init__(self, file: str) -> None:
        self.file = file
        self.statements: list[VexStatement] = []
        self._warnings: list[Diagnostic] = []
        self._left_out = 0

    def warn(self, pointer: str, message: str, code: str = "vex") -> None:
        """Record a warning at `pointer`, keeping at most `MAX_WARNINGS_PER_FILE`."""
        if len(self._warnings) < limits.MAX_WARNINGS_PER_FILE:
            location = self.location(pointer)
            self._warnings.append(Diagnostic(location=location, message=message, code=code))
        else:
            self._left_out += 1

    def extend_warnings(self, diagnostics: Iterable[Diagnostic]) -> None:
        """Add warnings made elsewhere (schema validation), under the same cap."""
        for diagnostic in diagnostics:
            self.warn(diagnostic.location.pointer, diagnostic.message, diagnostic.code)

    def location(self, pointer: str) -> Location:
        """The location of `pointer` in this document."""
        return Location(file=self.file, pointer=pointer)

    def identifier(self, value: object, pointer: str) -> str | None:
        """A product identifier as given, with a valid purl canonicalised.

        An invalid purl is kept as written (it can still equal a bom-ref) and warned about;
        a value that is not a non-empty string is warned about and dropped.
        """
        found = text(value)
        if found is None:
            self.warn(pointer, f"product identifier {preview(value)} is not a non-empty string")
            return None
        if found[:4].lower() != "pkg:":
            return found
        try:
            return str(parse_purl(found))
        except InvalidPurl as exc:
            self.warn(pointer, f"{exc}; kept as written", "purl")
            return found

    def add(self, statement: VexStatement) -> None:
        """Add a statement, refusing a document with more than `MAX_COMPONENTS` of them."""
        if len(self.statements) >= limits.MAX_COMPONENTS:
            raise LimitExceeded(
                self.file,
                f"more than {limits.MAX_COMPONENTS:,} VEX statements",
                statement.location.pointer,
            )
        self.statements.append(statement)

    def document(self, format: VexFormat, author: str | None, timestamp: str | None) -> VexDocument:
        """The finished document."""
        warnings = list(self._warnings)
        if self._left_out:
            cap = limits.MAX_WARNINGS_PER_FILE
            message = f"{self._left_out:,} more warnings left out (limit {cap:,} per file)"
            warnings.append(
                Diagnostic(location=Location(file=self.file), message=message, code="limit")
            )
        return VexDocument(
            file=self.file,
            format=format,
            author=author,
            timestamp=timestamp,
            statements=tuple(self.statements),
            warnings=tuple(warnings),
        )


# --- applying ---------------------------------------------------------------------------------


def vulnerability_key(identifier: str) -> str:
    """The form under which two vulnerability ids are the same: CVE and GHSA ids upper-cased."""
    identifier = identifier.strip()
    upper = identifier.upper()
    return upper if upper.startswith(("CVE-", "GHSA-")) else identifier


_Specificity = tuple[bool, int]
"""How precisely a statement names a component: (pins the version, purl qualifiers stated)."""


def applicable(
    statements: Sequence[VexStatement], vulnerability_ids: Collection[str], component: Component
) -> VexStatement | None:
    """The statement that decides the finding (`vulnerability_ids`, `component`), or None.

    See the module documentation for when a statement applies and which one wins.
    """
    keys = {vulnerability_key(identifier) for identifier in vulnerability_ids}
    have = _Identity(
        ref=component.ref,
        purl=_purl(component.purl) if component.purl else None,
        cpe=_cpe(component.cpe) if component.cpe else None,
        version=component.version,
    )
    best: tuple[datetime, _Specificity, int] | None = None
    chosen: VexStatement | None = None
    for index, statement in enumerate(statements):
        if keys.isdisjoint(_keys(statement.vulnerability, statement.aliases)):
            continue
        specificity = _names(_index(statement.subcomponents or statement.products), have)
        if specificity is None:
            continue
        rank = (_instant(statement.timestamp), specificity, index)
        if best is None or rank > best:
            best, chosen = rank, statement
    return chosen


@lru_cache(maxsize=65536)
def _keys(vulnerability: str, aliases: tuple[str, ...]) -> frozenset[str]:
    return frozenset(vulnerability_key(i) for i in (vulnerability, *aliases))


@dataclass(frozen=True, slots=True)
class _Identity:
    """What identifies the component of a finding, parsed once per `applicable` call."""

    ref: str
    purl: Purl | None
    cpe: Cpe | None
    version: str | None


@dataclass(frozen=True, slots=True)
class _Index:
    """A statement's identifiers sorted by kind, so a component is looked up, not scanned."""

    refs: frozenset[str]
    """Every identifier as written, and the bom-ref (raw and percent-decoded) of a BOM-Link."""
    purls: dict[tuple[str, str | None, str], list[Purl]]
    """Purls by (type, namespace, name)."""
    cpes: dict[tuple[str, str], list[Cpe]]
    """CPEs by (vendor, product), ANY vendors and products left out."""


def _names(index: _Index, have: _Identity) -> _Specificity | None:
    """The best specificity with which one of the indexed identifiers names the component."""
    found: list[_Specificity] = []
    if have.ref in index.refs:
        found.append((True, 0))
    if (purl := have.purl) is not None:
        wanted_purls = index.purls.get((purl.type, purl.namespace, purl.name), ())
        found += [m for w in wanted_purls if (m := _purl_match(w, purl, have.version))]
    if (cpe := have.cpe) is not None:
        wanted_cpes = index.cpes.get((cpe.vendor, cpe.product), ())
        found += [m for w in wanted_cpes if (m := _cpe_match(w, cpe))]
    return max(found, default=None)


@lru_cache(maxsize=65536)
def _index(identifiers: tuple[str, ...]) -> _Index:
    refs: set[str] = set()
    purls: dict[tuple[str, str | None, str], list[Purl]] = {}
    cpes: dict[tuple[str, str], list[Cpe]] = {}
    for identifier in identifiers:
        refs.add(identifier)
        if identifier.startswith("urn:cdx:") and "#" in identifier:
            identifier = identifier.partition("#")[2]
            refs.update((identifier, unquote(identifier)))
        prefix = identifier[:4].lower()
        purl = _purl(identifier) if prefix == "pkg:" else None
        if purl is not None:
            purls.setdefault((purl.type, purl.namespace, purl.name), []).append(purl)
        cpe = _cpe(identifier) if prefix == "cpe:" else None
        if cpe is not None and ANY not in (cpe.vendor, cpe.product):
            cpes.setdefault((cpe.vendor, cpe.product), []).append(cpe)
    return _Index(refs=frozenset(refs), purls=purls, cpes=cpes)


def _purl_match(wanted: Purl, have: Purl, version: str | None) -> _Specificity | None:
    """How `wanted` names `have` (same type, namespace and name already), or None.

    `version` is the component's own, used when its purl has none.
    """
    if wanted.version and wanted.version != (have.version or version):
        return None
    if wanted.subpath and wanted.subpath != have.subpath:
        return None
    for key, value in wanted.qualifiers:
        other = have.qualifier(key)
        if other != value and not (key == "distro" and _same_distro(wanted, have)):
            return None
    return (wanted.version is not None, len(wanted.qualifiers))


def _same_distro(wanted: Purl, have: Purl) -> bool:
    """Both name one distro release (`distro=noble` and `distro=ubuntu-24.04`)."""
    if have.qualifier("distro") is None:
        return False
    ecosystem = osv_ecosystem(wanted)
    return ecosystem is not None and ":" in ecosystem and ecosystem == osv_ecosystem(have)


def _cpe_match(wanted: Cpe, have: Cpe) -> _Specificity | None:
    """How `wanted` names `have` (same vendor and product already), or None."""
    pinned = wanted.version not in (ANY, NA)
    if pinned and wanted.version != have.version:
        return None
    return (pinned, 0)


def _purl(value: str) -> Purl | None:
    try:
        return parse_purl(value)
    except InvalidPurl:
        return None


def _cpe(value: str) -> Cpe | None:
    try:
        return parse_cpe(value)
    except InvalidCpe:
        return None


_OLDEST: Final = datetime.min.replace(tzinfo=UTC)


@lru_cache(maxsize=4096)
def _instant(timestamp: str | None) -> datetime:
    """An ISO 8601 timestamp as an aware datetime; unreadable or missing ones are the oldest."""
    if not timestamp:
        return _OLDEST
    try:
        moment = datetime.fromisoformat(timestamp.strip())
    except ValueError:
        return _OLDEST
    return moment if moment.tzinfo else moment.replace(tzinfo=UTC)


def as_list(value: object) -> list[Any]:
    """`value` when it is a list, else an empty list (absent or malformed arrays read as empty)."""
    return value if isinstance(value, list) else []
