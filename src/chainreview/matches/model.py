"""What matching produces: a `Match` with its evidence, or an `Indeterminate` with a reason.

The CPE and distro matchers' own results (`CpeMatch`, `DistroMatch`) live here too, so that the
findings stage reads them without importing those matchers and their feed readers.

`Indeterminate`, `Decision` and `Caveat` are frozen, slotted, keyword-only dataclasses, `Match`
an immutable `NamedTuple` (see why there); they cross into `findings/` unchanged.
"""

from __future__ import annotations

from dataclasses import dataclass
from enum import StrEnum
from typing import NamedTuple

from chainreview.components.model import Location
from chainreview.intel.osv_model import Affected, Event, RangeType

__all__ = [
    "Caveat",
    "Confidence",
    "CpeMatch",
    "Decision",
    "DistroMatch",
    "Indeterminate",
    "Match",
    "MatchResult",
    "PlatformStatus",
    "ScanMatch",
    "VersionBasis",
]


class Confidence(StrEnum):
    """How a component was tied to an advisory: by package identity, or by a CPE (weaker)."""

    PURL = "purl"
    CPE = "cpe"


@dataclass(frozen=True, slots=True, kw_only=True)
class Decision:
    """What decided a verdict: a `versions` entry, or one range and the events that bound it.

    For an affected version `events` holds the `introduced` event it is at or after, then the
    event closing that interval (`fixed`, `last_affected` or `limit`) when there is one; for an
    unaffected version it holds the event that closed the interval below it, or else the first
    event above it (an `introduced` it has not reached), or the `limit`s it is not below.
    """

    listed: str | None = None
    """The `versions` entry equal to the component's version."""
    range_index: int | None = None
    """Index into the entry's `ranges` of the deciding range."""
    range_type: RangeType | None = None
    events: tuple[Event, ...] = ()

    def describe(self) -> str:
        """One line for people, e.g. `ranges[0] ECOSYSTEM introduced 0, fixed 2.0`."""
        if self.listed is not None:
            return f"versions: {self.listed}"
        if self.range_index is None:
            return "no range applies"
        events = ", ".join(f"{e.kind.value} {e.version}" for e in self.events) or "no event"
        return f"ranges[{self.range_index}] {self.range_type} {events}"


@dataclass(frozen=True, slots=True, kw_only=True)
class Caveat:
    """What a reviewer must know of the version a match was decided on: short labels (see
    `matches.basis`) and the same in words, e.g. which version was evaluated and why."""

    labels: tuple[str, ...] = ()
    notes: tuple[str, ...] = ()

    def joined(self, other: Caveat | None) -> Caveat:
        """This caveat and `other`'s labels and notes after it."""
        if other is None:
            return self
        return Caveat(labels=self.labels + other.labels, notes=self.notes + other.notes)


class Match(NamedTuple):
    """A component version that an advisory covers, with the evidence that decides it.

    A `NamedTuple`, not a dataclass like the rest: a scan makes one per (component, advisory
    entry), tens of thousands, and a tuple is built in C at half a frozen dataclass's cost. It
    is as immutable; make it with keywords.
    """

    component: str
    """`Component.ref` of the matched component."""
    advisory_id: str
    version: str
    """The component version that was evaluated."""
    ecosystem: str
    """OSV ecosystem of the advisory entry (suffix kept), or `CPE` for CPE matches."""
    package: str
    """Normalised package name looked up (or the CPE that matched)."""
    decision: Decision
    confidence: Confidence = Confidence.PURL
    affected: Affected | None = None
    """The `affected` entry that matched."""
    affected_index: int | None = None
    """Where that entry sits in the record's `affected` list."""
    caveat: Caveat | None = None
    """How `version` was taken or placed, when a reviewer must know (one per component)."""


@dataclass(frozen=True, slots=True, kw_only=True)
class Indeterminate:
    """A component the matcher could not decide for some advisories, and why."""

    component: str
    """`Component.ref`."""
    reason: str
    """One line, e.g. `no version` or `version '(devel)' does not parse: …`."""
    advisory_ids: tuple[str, ...] = ()
    """The advisories that name the package but could not be evaluated (sorted)."""


class VersionBasis(StrEnum):
    """How a criterion's version decided a match (see the module doc)."""

    RANGE = "range"
    EXACT = "exact"
    WILDCARD = "wildcard"
    NOT_APPLICABLE = "not-applicable"


class PlatformStatus(StrEnum):
    """Whether the platform an AND configuration requires is in the inventory."""

    NOT_REQUIRED = "not-required"
    CONFIRMED = "confirmed"
    UNCONFIRMED = "unconfirmed"


@dataclass(frozen=True, slots=True, kw_only=True)
class CpeMatch:
    """A component that an NVD configuration of a CVE covers, with what decided it."""

    component: str
    """`Component.ref` of the matched component."""
    advisory_id: str
    """The CVE id."""
    version: str | None
    """The component version evaluated (None only for a `not-applicable` match)."""
    cpe: str
    """The component's CPE."""
    configuration: int
    """Index of the deciding configuration in the NVD record."""
    criteria: str
    """The `vulnerable` CPE match criterion that matched."""
    basis: VersionBasis
    bounds: tuple[str, ...] = ()
    """The version bounds that decided, e.g. `(">= 1.27.0", "<= 1.33.1")` or `("= 2022.01",)`."""
    platform: PlatformStatus = PlatformStatus.NOT_REQUIRED
    platform_criteria: tuple[str, ...] = ()
    """Criteria the configuration requires beside the vulnerable one (the platform)."""
    platform_components: tuple[str, ...] = ()
    """`ref`s of the inventory components that satisfied them (when confirmed)."""
    evidence: Location
    """The criterion in the snapshot's NVD record: `nvd:CVE-…` and its JSON pointer."""
    confidence: Confidence = Confidence.CPE

    @property
    def wildcard(self) -> bool:
        """True when NVD gave no version to decide by (`*` or `-` without bounds)."""
        return self.basis in (VersionBasis.WILDCARD, VersionBasis.NOT_APPLICABLE)


@dataclass(frozen=True, slots=True, kw_only=True)
class DistroMatch:
    """An OS package that a distribution advisory says is vulnerable in its installed version."""

    component: str
    """`Component.ref` of the matched package."""
    advisory_id: str
    """`DSA-5380-1`, `DLA-3380-1`, or the secdb record `Alpine:v3.16/main/openssl@1.1.1t-r0`."""
    cve_ids: tuple[str, ...]
    version: str
    """The version evaluated: the source package's when the purl gives it, else the installed."""
    ecosystem: str
    """`Alpine:v3.16`, `Debian:11`."""
    package: str
    """The source package looked up."""
    fixed_version: str | None
    """The distro release that fixes it; None when the advisory gives none (`<unfixed>`)."""
    status: str = "fixed"
    """`fixed`, or the Debian tracker status that decided (`unfixed`, `end-of-life`)."""
    ecosystem_from: str = "purl"
    """Where the release came from: `purl` (its `distro` qualifier) or `operating-system`."""
    evidence: Location
    """The advisory record in the snapshot: `distro:<key>` and the fix it decided on."""
    caveat: Caveat | None = None
    """How `version` was taken (e.g. the binary's, no source version given), when it matters."""


MatchResult = Match | Indeterminate
"""What a matcher yields per component."""

ScanMatch = Match | CpeMatch | DistroMatch
"""A match of any of the three matchers (OSV by purl, NVD by CPE, distro feeds)."""
