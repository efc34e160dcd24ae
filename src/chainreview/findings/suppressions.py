"""Ignore files: vulnerabilities a reviewer accepted, each with a reason and an optional expiry.

Two formats are read, recognised by content (docs/suppressions.md describes them):

* chainreview's YAML: `ignore: [{id, reason, expires}]`; `reason` is required, `expires` an ISO
  date; any other key is an error;
* osv-scanner's TOML config: `[[IgnoredVulns]]` tables with `id`, `ignoreUntil` and `reason`
  (also required here).  osv-scanner's `PackageOverrides` and `GoVersionOverride` are not
  applied; they are reported in `Suppressions.warnings`, so nothing is hidden by them.

`expires` (`ignoreUntil`) is the first day an entry no longer applies, as in osv-scanner: an entry
expiring 2026-07-01 applies through 2026-06-30.  An expired entry never matches; `expired` lists
it so the report can say so.  `Suppressions` remembers which entries matched, so `unused` can
list the stale ones.  Suppressing never deletes a finding: the caller changes its status.
"""

from __future__ import annotations

import re
import tomllib
from collections.abc import Collection, Iterable, Mapping
from dataclasses import dataclass
from datetime import date, datetime
from pathlib import Path
from typing import Any, Final

from chainreview import limits, raw
from chainreview.components.model import Diagnostic, Location
from chainreview.errors import InputError, LimitExceeded
from chainreview.evidence.vex import vulnerability_key

__all__ = ["IgnoreEntry", "Suppressions", "load_ignore_file"]

_YAML_KEYS: Final = frozenset({"id", "reason", "expires"})
_TOML_KEYS: Final = frozenset({"id", "reason", "ignoreUntil"})
_OSV_SCANNER_UNAPPLIED: Final = frozenset({"PackageOverrides", "GoVersionOverride"})
_TOML_TABLE: Final = re.compile(r"^[ \t]*\[\[?[ \t]*[A-Za-z_\"']", re.MULTILINE)
"""A TOML table header at the start of a line; our YAML is a mapping, so never starts with `[`."""


@dataclass(frozen=True, slots=True, kw_only=True)
class IgnoreEntry:
    """One ignored vulnerability."""

    id: str
    reason: str
    expires: date | None = None
    """First day the entry no longer applies; None for never."""
    location: Location

    def expired_on(self, today: date) -> bool:
        """True when the entry no longer applies on `today`."""
        return self.expires is not None and today >= self.expires


class Suppressions:
    """The entries of an ignore file, with a record of which ones matched."""

    __slots__ = ("_by_key", "_used", "entries", "warnings")

    def __init__(self, entries: Iterable[IgnoreEntry], warnings: Iterable[Diagnostic] = ()) -> None:
        self.entries: tuple[IgnoreEntry, ...] = tuple(entries)
        self.warnings: tuple[Diagnostic, ...] = tuple(warnings)
        """Parts of the file read but not applied (osv-scanner package overrides)."""
        self._by_key: dict[str, IgnoreEntry] = {}
        for entry in self.entries:
            self._by_key.setdefault(vulnerability_key(entry.id), entry)
        self._used: set[IgnoreEntry] = set()

    def match(self, vulnerability_ids: Collection[str], today: date) -> IgnoreEntry | None:
        """The unexpired entry naming one of `vulnerability_ids` (an alias group), if any.

        CVE and GHSA ids compare case-insensitively.  The entry is marked as used.
        """
        for identifier in vulnerability_ids:
            entry = self._by_key.get(vulnerability_key(identifier))
            if entry is not None and not entry.expired_on(today):
                self._used.add(entry)
                return entry
        return None

    def expired(self, today: date) -> tuple[IgnoreEntry, ...]:
        """The entries that no longer apply on `today`, in file order."""
        return tuple(entry for entry in self.entries if entry.expired_on(today))

    def unused(self) -> tuple[IgnoreEntry, ...]:
        """The entries no `match` call has returned so far (expired ones included), in order."""
        return tuple(entry for entry in self.entries if entry not in self._used)


def load_ignore_file(path: Path, display: str) -> Suppressions:
    """Read a chainreview YAML or osv-scanner TOML ignore file; raise `InputError` when invalid."""
    data = raw.read_bytes(path, display, limits.MAX_IGNORE_BYTES)
    content = raw.decode_utf8(data, display)
    if _TOML_TABLE.search(content):
        return _from_toml(content, display)
    return _from_yaml(raw.load_yaml(data, display), display)


def _from_yaml(document: Any, file: str) -> Suppressions:
    if not isinstance(document, dict) or "ignore" not in document:
        raise InputError(file, "an ignore file is a mapping with an 'ignore' list")
    for key in document:
        if key != "ignore":
            raise InputError(
                file, f"unknown key {raw.preview(key)} (allowed: ignore)", _at("", key)
            )
    items = document["ignore"]
    if not isinstance(items, list):
        raise InputError(file, "'ignore' must be a list", "/ignore")
    entries = []
    for index, item in enumerate(items):
        pointer = f"/ignore/{index}"
        fields = _fields(item, _YAML_KEYS, file, pointer)
        entries.append(
            _entry(fields, file, pointer, _date(fields.get("expires"), file, f"{pointer}/expires"))
        )
    return Suppressions(_unique(entries, file))


def _from_toml(content: str, file: str) -> Suppressions:
    _check_toml_nesting(content, file)
    try:
        document = tomllib.loads(content)
    except ValueError as exc:  # TOMLDecodeError, or an integer too long for Python to read
        raise InputError(file, f"not valid TOML: {raw.one_line(str(exc))}") from exc
    except RecursionError as exc:  # not expected past the check above; never a traceback
        raise LimitExceeded(file, "TOML nested too deeply to parse") from exc
    warnings = []
    for key in document:
        if key in _OSV_SCANNER_UNAPPLIED:
            message = f"osv-scanner {key} is not applied: chainreview reads only IgnoredVulns"
            warnings.append(
                Diagnostic(
                    location=Location(file=file, pointer=f"/{key}"), message=message, code="ignore"
                )
            )
        elif key != "IgnoredVulns":
            message = f"unknown key {raw.preview(key)} (allowed: IgnoredVulns)"
            raise InputError(file, message, _at("", key))
    items = document.get("IgnoredVulns", [])
    if not isinstance(items, list):
        raise InputError(file, "IgnoredVulns must be an array of tables", "/IgnoredVulns")
    entries = []
    for index, item in enumerate(items):
        pointer = f"/IgnoredVulns/{index}"
        fields = _fields(item, _TOML_KEYS, file, pointer)
        until = fields.get("ignoreUntil")
        if isinstance(until, datetime):
            until = until.date()
        expires = _date(until, file, f"{pointer}/ignoreUntil")
        entries.append(_entry(fields, file, pointer, expires))
    return Suppressions(_unique(entries, file), warnings)


_TOML_TOKEN: Final = re.compile(
    r'"""(?:[^\\]|\\.)*?"""|\'\'\'.*?\'\'\''  # multi-line strings
    r'|"(?:[^"\\\n]|\\.)*"|\'[^\'\n]*\''  # one-line strings
    r"|#[^\n]*"  # a comment
    r"|[][{}.=,\n]",
    re.DOTALL,
)
"""What the nesting check looks at: strings and comments (skipped whole, brackets and dots in
them included), brackets, the dots of dotted keys, and what ends a key."""


def _check_toml_nesting(content: str, file: str) -> None:
    """Refuse TOML nested deeper than `MAX_JSON_DEPTH` before `tomllib` parses it: its parser
    recurses once per array or inline table, and a dotted key of n parts costs it n² memory.

    Each array, inline table or table header bracket and each dot of a key nests one level below
    the document; the count is a bound (a float's dot counts too), and linear in the text.
    """
    depth = dots = 0
    for token in _TOML_TOKEN.finditer(content):
        mark = token.group()
        if mark == ".":
            dots += 1
        elif mark == "[" or mark == "{":
            depth, dots = depth + 1, 0
        elif mark == "]" or mark == "}":
            depth, dots = max(depth - 1, 0), 0
        elif mark == "=" or mark == "," or mark == "\n":
            dots = 0
        else:
            continue  # a string or a comment
        if 1 + depth + dots > limits.MAX_JSON_DEPTH:
            line = content.count("\n", 0, token.start()) + 1
            message = f"nesting deeper than {limits.MAX_JSON_DEPTH} levels"
            raise LimitExceeded(file, message, f"line {line}")


def _fields(item: object, allowed: frozenset[str], file: str, pointer: str) -> Mapping[str, Any]:
    if not isinstance(item, dict):
        raise InputError(file, "an entry must be a mapping", pointer)
    for key in item:
        if key not in allowed:
            names = ", ".join(sorted(allowed))
            message = f"unknown key {raw.preview(key)} (allowed: {names})"
            raise InputError(file, message, _at(pointer, key))
    return item


def _entry(fields: Mapping[str, Any], file: str, pointer: str, expires: date | None) -> IgnoreEntry:
    identifier = _required_text(fields, "id", file, pointer)
    reason = _required_text(fields, "reason", file, pointer)
    return IgnoreEntry(
        id=identifier, reason=reason, expires=expires, location=Location(file=file, pointer=pointer)
    )


def _required_text(fields: Mapping[str, Any], key: str, file: str, pointer: str) -> str:
    value = fields.get(key)
    if not isinstance(value, str) or not value.strip():
        problem = "is missing" if value is None else "must be a non-empty string"
        raise InputError(file, f"{key} {problem}", f"{pointer}/{key}")
    return value.strip()


def _date(value: object, file: str, pointer: str) -> date | None:
    """An ISO date (`YYYY-MM-DD`; YAML and TOML dates arrive as a string or a `date`)."""
    if value is None:
        return None
    if isinstance(value, date):
        return value
    if isinstance(value, str) and re.fullmatch(r"\d{4}-\d{2}-\d{2}", value.strip()):
        try:
            return date.fromisoformat(value.strip())
        except ValueError:
            pass
    raise InputError(file, f"{raw.preview(value)} is not an ISO date (YYYY-MM-DD)", pointer)


def _unique(entries: list[IgnoreEntry], file: str) -> list[IgnoreEntry]:
    """Refuse two entries for one vulnerability: which reason or expiry would count is unclear."""
    seen: dict[str, IgnoreEntry] = {}
    for entry in entries:
        first = seen.setdefault(vulnerability_key(entry.id), entry)
        if first is not entry:
            message = f"{raw.preview(entry.id)} is already ignored at {first.location.pointer}"
            raise InputError(file, message, entry.location.pointer)
    return entries


def _at(pointer: str, key: object) -> str:
    """The pointer of `key` under `pointer`, cut to one short line for a message."""
    return raw.one_line(f"{pointer}/{key}", 120)
