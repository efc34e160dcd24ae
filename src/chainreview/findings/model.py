"""What the findings stage asserts: one `Finding` per (component, alias group), with its evidence.

Frozen, slotted, keyword-only dataclasses, their fields declared in alphabetical order: canonical
JSON sorts keys, and orjson writes dataclasses natively in declaration order, so a report's
findings can be written without a Python call per object (`canonical.dump(…, native=…)`; a test
holds the two equal).
"""

from __future__ import annotations

from dataclasses import dataclass
from enum import StrEnum
from typing import Final

from chainreview.matches.model import Confidence

__all__ = [
    "SEVERITY_RANK",
    "Epss",
    "EvidenceRef",
    "Finding",
    "Kev",
    "Level",
    "Severity",
    "Status",
    "SuppressionRef",
]


class Level(StrEnum):
    """Severity level. `unknown` is a level of its own: no policy may read it as low."""

    CRITICAL = "critical"
    HIGH = "high"
    MEDIUM = "medium"
    LOW = "low"
    NONE = "none"
    UNKNOWN = "unknown"


SEVERITY_RANK: Final = {
    Level.CRITICAL: 0,
    Level.UNKNOWN: 1,
    Level.HIGH: 2,
    Level.MEDIUM: 3,
    Level.LOW: 4,
    Level.NONE: 5,
}
"""Display order, most urgent first; `unknown` sorts right after `critical`, never with `low`."""


class Status(StrEnum):
    """A finding's triage status (VEX vocabulary); `affected` unless a VEX statement says else."""

    AFFECTED = "affected"
    NOT_AFFECTED = "not_affected"
    FIXED = "fixed"
    UNDER_INVESTIGATION = "under_investigation"


@dataclass(frozen=True, slots=True, kw_only=True)
class Severity:
    """A severity level and where it came from."""

    level: Level
    score: float | None = None
    """CVSS base score, when a vector gave the level."""
    source: str = ""
    """E.g. `RUSTSEC-2023-1 severity CVSS_V3`, `GHSA-x database_specific`, `NVD CVE-2023-1`."""
    vector: str | None = None


@dataclass(frozen=True, slots=True, kw_only=True)
class Kev:
    """CISA KEV membership of one CVE of the alias group."""

    cve: str
    date_added: str
    due_date: str
    known_ransomware: bool = False


@dataclass(frozen=True, slots=True, kw_only=True)
class Epss:
    """The EPSS score of one CVE of the alias group (the highest when several are scored)."""

    cve: str
    percentile: float
    score: float


@dataclass(frozen=True, slots=True, kw_only=True)
class EvidenceRef:
    """Which advisory record, entry, range and event decided that the component is affected."""

    affected_index: int | None
    """Index into the record's `affected` list (None for CPE and distro matches)."""
    confidence: Confidence
    decision: str
    """What decided, in one line: the range and events or `versions` entry of an OSV record,
    the NVD configuration criterion and version bounds of a CPE match, or the distro release
    and fixed version of a distro advisory."""
    labels: tuple[str, ...] = ()
    """Caveats a reviewer must weigh, e.g. `version-wildcard` and `platform-unconfirmed` on a
    CPE match, `release-from-os-component` on a distro match (see `findings.evidence`), and those
    of the version evaluated: `version-from-purl`, `binary-version`, `low-confidence`
    (`matches.basis`)."""
    notes: tuple[str, ...] = ()
    """The version caveats in words: which version was evaluated when it is not the SBOM's
    own, and why a match is of low confidence."""
    range_index: int | None
    """Index into that entry's `ranges` (None when the `versions` list decided)."""
    record: str
    """Advisory id (the snapshot record): OSV id, CVE id of an NVD record, or distro advisory."""


@dataclass(frozen=True, slots=True, kw_only=True)
class SuppressionRef:
    """The ignore-file entry that suppresses a finding (the finding stays in the output)."""

    expires: str | None = None
    id: str
    reason: str


@dataclass(frozen=True, slots=True, kw_only=True)
class Finding:
    """A vulnerability (alias group) asserted of one component, with everything that backs it."""

    aliases: tuple[str, ...]
    """Every id of the group, sorted (the display id included)."""
    component: str
    """`Component.ref`."""
    confidence: Confidence = Confidence.PURL
    """The strongest confidence among the evidence."""
    epss: Epss | None = None
    evidence: tuple[EvidenceRef, ...] = ()
    fixed_versions: tuple[str, ...] = ()
    """Versions that fix it above the component's version, in version order."""
    id: str
    """Display id of the alias group (CVE over GHSA over ecosystem ids); for an OS package,
    of the vulnerability its distribution's advisory concerns (see `findings.grouping`)."""
    justification: str | None = None
    kev: Kev | None = None
    name: str
    """The component's name, as the SBOM gives it."""
    purl: str | None
    severity: Severity
    status: Status = Status.AFFECTED
    status_source: str | None = None
    """The VEX document (and statement) that set the status."""
    summary: str
    suppressed: SuppressionRef | None = None
    version: str
    """The component's version as the SBOM gives it (else the purl's); the version evaluated,
    when another, is in the evidence's notes."""

    @property
    def active(self) -> bool:
        """Whether the finding counts for policy: not suppressed and not resolved by VEX."""
        return self.suppressed is None and self.status in (
            Status.AFFECTED,
            Status.UNDER_INVESTIGATION,
        )
