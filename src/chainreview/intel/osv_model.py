"""The OSV record model: frozen dataclasses built from a (schema-checked) OSV JSON object.

`Advisory.from_osv` reads an OSV object whose invalid parts the reader already dropped;
`Affected.from_osv` reads one `affected` entry, and is what the snapshot uses to rebuild the
per-package entries it stored as OSV JSON, so there is exactly one way from OSV JSON to these
values. The matcher evaluates `Affected.ranges` and `Affected.versions` as the OSV schema says.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from enum import StrEnum
from typing import Any


class RangeType(StrEnum):
    """How a range's events are ordered: by git history, SemVer 2.0, or the ecosystem's rules."""

    GIT = "GIT"
    SEMVER = "SEMVER"
    ECOSYSTEM = "ECOSYSTEM"


class EventKind(StrEnum):
    """The four OSV range events."""

    INTRODUCED = "introduced"
    FIXED = "fixed"
    LAST_AFFECTED = "last_affected"
    LIMIT = "limit"


@dataclass(frozen=True, slots=True, kw_only=True)
class Event:
    """One range event, e.g. `introduced: 0` or `fixed: 1.2.3`."""

    kind: EventKind
    version: str


@dataclass(frozen=True, slots=True, kw_only=True)
class Range:
    """One entry of `affected[].ranges`, events in the order the record gives them."""

    type: RangeType
    events: tuple[Event, ...]
    repo: str | None = None


@dataclass(frozen=True, slots=True, kw_only=True)
class Severity:
    """A severity score: `CVSS_V2`, `CVSS_V3`, `CVSS_V4` vector, or an `Ubuntu` priority word."""

    type: str
    score: str


@dataclass(frozen=True, slots=True, kw_only=True)
class Package:
    """The package an `affected` entry names; `ecosystem` keeps its `:suffix` (`Debian:11`)."""

    ecosystem: str
    name: str
    purl: str | None = None


@dataclass(frozen=True, slots=True, kw_only=True)
class Affected:
    """One `affected` entry: a package and the versions of it the advisory covers."""

    package: Package | None
    """None for entries that only give GIT ranges (no package)."""
    ranges: tuple[Range, ...] = ()
    versions: tuple[str, ...] = ()
    severity: tuple[Severity, ...] = ()

    @classmethod
    def from_osv(cls, entry: dict[str, Any]) -> Affected:
        """Build from one OSV `affected` object (already checked against the schema).

        The schema's `oneOf` lets an event carry a second, ill-typed key beside the one that
        makes it valid (`{"fixed": "1.0", "introduced": -1}`): only string values are events.
        """
        pkg = entry.get("package")
        return cls(
            package=(
                Package(ecosystem=pkg["ecosystem"], name=pkg["name"], purl=pkg.get("purl"))
                if pkg
                else None
            ),
            ranges=tuple(
                [
                    Range(
                        type=_RANGE_TYPES[r["type"]],
                        repo=r.get("repo"),
                        events=tuple(
                            [
                                Event(kind=_EVENT_KINDS[kind], version=version)
                                for event in r["events"]
                                for kind, version in event.items()
                                if kind in _EVENT_KINDS and type(version) is str
                            ]
                        ),
                    )
                    for r in entry.get("ranges") or ()
                ]
            ),
            versions=tuple(entry.get("versions") or ()),
            severity=_severities(entry.get("severity")),
        )


_RANGE_TYPES = {kind.value: kind for kind in RangeType}
_EVENT_KINDS = {kind.value: kind for kind in EventKind}
"""Value → member: a dict look-up is much cheaper than calling the enum (tens of thousands of
events per import)."""


def _severities(value: list[dict[str, str]] | None) -> tuple[Severity, ...]:
    return tuple([Severity(type=s["type"], score=s["score"]) for s in value or ()])


@dataclass(frozen=True, slots=True, kw_only=True)
class Advisory:
    """One OSV advisory, with its normalised OSV JSON kept for storage and reports."""

    id: str
    modified: str | None
    """None only when the record's `modified` was missing or malformed (a warning says so)."""
    published: str | None = None
    withdrawn: str | None = None
    aliases: tuple[str, ...] = ()
    summary: str = ""
    severity: tuple[Severity, ...] = ()
    affected: tuple[Affected, ...] = ()
    document: dict[str, Any] = field(default_factory=dict, compare=False, repr=False)
    """The OSV object after the reader dropped invalid parts: what the snapshot stores."""

    @property
    def key(self) -> str:
        """The advisory id (the `Record` key)."""
        return self.id

    @property
    def is_withdrawn(self) -> bool:
        """Whether the advisory was withdrawn (kept in the snapshot, skipped by the matcher)."""
        return self.withdrawn is not None

    @classmethod
    def from_osv(cls, document: dict[str, Any]) -> Advisory:
        """Build from an OSV object whose schema violations were already dropped."""
        return cls(
            id=document["id"],
            modified=document.get("modified"),
            published=document.get("published"),
            withdrawn=document.get("withdrawn"),
            aliases=tuple(document.get("aliases") or ()),
            summary=document.get("summary", ""),
            severity=_severities(document.get("severity")),
            affected=tuple([Affected.from_osv(a) for a in document.get("affected") or ()]),
            document=document,
        )
