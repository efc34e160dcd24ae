"""What an intel snapshot covers, stated so that nothing it does not cover reads as clean: per
feed kind, per OSV ecosystem (those the matcher compares and those held) and per distribution
release the distro feeds hold, whether it is checked against a whole feed, only against partial
selections, or not at all; and each source's date and age on a given day.

The states are `findings.coverage`'s (`checked`, `partial`, `not_checked`), read from the
manifest the same way: an ecosystem is covered by the OSV sources named after it
(`osv:PyPI`, `osv:Go+PyPI`), a release by the distro sources that hold it.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from datetime import date
from typing import Any, Final

from chainreview.intel.interface import FeedKind
from chainreview.intel.names import base_ecosystem
from chainreview.intel.snapshot import source_complete, source_demo
from chainreview.intel.sources import DEFAULT_ECOSYSTEMS

__all__ = ["Covered", "FeedCoverage", "SnapshotStatus", "SourceAge", "snapshot_status"]

CHECKED: Final = "checked"
PARTIAL: Final = "partial"
NOT_CHECKED: Final = "not_checked"


@dataclass(frozen=True, slots=True, kw_only=True)
class SourceAge:
    """One source of the snapshot, its completeness and how old its data is."""

    name: str
    kind: str
    complete: bool
    """It holds its whole feed (else a partial selection: no match proves nothing)."""
    demo: bool
    records: int
    withdrawn: int
    as_of: str | None
    """The day its data reaches (None: unknown)."""
    age_days: int | None
    """Days from `as_of` to the day asked about (None: unknown)."""
    licence: str | None


@dataclass(frozen=True, slots=True, kw_only=True)
class FeedCoverage:
    """One kind of feed: held whole, only partly, or not at all."""

    kind: str
    records: int
    state: str
    """`checked` (a source holds the whole feed), `partial` or `not_checked` (none held)."""
    sources: tuple[str, ...]
    demo: bool
    """A source of it is a demo capture (for trying the tool, not for real reviews)."""


@dataclass(frozen=True, slots=True, kw_only=True)
class Covered:
    """An OSV ecosystem or a distribution release, and how far components of it are checked."""

    name: str
    advisories: int | None
    """Advisories the snapshot holds for it (None: the distro feeds do not count them)."""
    state: str
    sources: tuple[str, ...]


@dataclass(frozen=True, slots=True, kw_only=True)
class SnapshotStatus:
    """The current snapshot as the intel status page states it."""

    hash: str
    imported_at: str | None
    newest: str | None
    age_days: int | None
    """Days from `newest` to the day asked about."""
    demo: bool
    sources: tuple[SourceAge, ...]
    feeds: tuple[FeedCoverage, ...]
    """Every feed kind, in `FeedKind` order."""
    ecosystems: tuple[Covered, ...]
    """The ecosystems the matcher compares and those held, by name."""
    releases: tuple[Covered, ...]
    """The distribution releases the distro feeds hold, by name."""


def snapshot_status(
    manifest: Mapping[str, Any],
    *,
    distro_releases: Mapping[str, Sequence[str]],
    today: date,
) -> SnapshotStatus:
    """The coverage of the snapshot whose manifest is `manifest` (`Snapshot.manifest`) and
    whose distro feeds hold `distro_releases` (`Snapshot.distro_releases`), on `today`."""
    sources = {s["name"]: s for s in manifest["sources"]}
    counts: Mapping[str, int] = manifest.get("ecosystems") or {}
    feeds = tuple(
        FeedCoverage(
            kind=kind.value,
            records=int((manifest.get("feeds") or {}).get(kind.value, 0)),
            state=_state(sources, [n for n, s in sources.items() if s["kind"] == kind.value]),
            sources=tuple(sorted(n for n, s in sources.items() if s["kind"] == kind.value)),
            demo=any(source_demo(s) for s in sources.values() if s["kind"] == kind.value),
        )
        for kind in FeedKind
    )
    ecosystems = []
    for name in sorted({*DEFAULT_ECOSYSTEMS, *counts}, key=str.casefold):
        covering = _osv_sources(sources, name) if name in counts else []
        ecosystems.append(
            Covered(
                name=name,
                advisories=int(counts.get(name, 0)),
                state=_state(sources, covering),
                sources=tuple(covering),
            )
        )
    releases = tuple(
        Covered(
            name=release,
            advisories=None,
            state=_state(sources, [n for n in names if n in sources]),
            sources=tuple(sorted(n for n in names if n in sources)),
        )
        for release, names in sorted(distro_releases.items())
    )
    return SnapshotStatus(
        hash=manifest["hash"],
        imported_at=manifest.get("imported_at"),
        newest=manifest.get("newest"),
        age_days=_age(manifest.get("newest"), today),
        demo=bool(manifest.get("demo")),
        sources=tuple(
            SourceAge(
                name=s["name"],
                kind=s["kind"],
                complete=source_complete(s),
                demo=source_demo(s),
                records=int(s["records"]),
                withdrawn=int(s.get("withdrawn") or 0),
                as_of=s.get("as_of") or s.get("newest"),
                age_days=_age(s.get("as_of") or s.get("newest"), today),
                licence=s.get("licence"),
            )
            for s in manifest["sources"]
        ),
        feeds=feeds,
        ecosystems=tuple(ecosystems),
        releases=releases,
    )


def _osv_sources(sources: Mapping[str, Mapping[str, Any]], ecosystem: str) -> list[str]:
    base = base_ecosystem(ecosystem)
    return sorted(
        name
        for name, source in sources.items()
        if source["kind"] == FeedKind.OSV.value and base in name.removeprefix("osv:").split("+")
    )


def _state(sources: Mapping[str, Mapping[str, Any]], covering: Sequence[str]) -> str:
    if not covering:
        return NOT_CHECKED
    return CHECKED if any(source_complete(sources[n]) for n in covering) else PARTIAL


def _age(day: str | None, today: date) -> int | None:
    """Days from `day` (an ISO date, or a timestamp starting with one) to `today`."""
    if not day:
        return None
    try:
        return (today - date.fromisoformat(day[:10])).days
    except ValueError:
        return None
