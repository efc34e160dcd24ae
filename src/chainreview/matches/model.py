"""What matching produces: a `Match` with its evidence, or an `Indeterminate` with a reason.

`Indeterminate` and `Decision` are frozen, slotted, keyword-only dataclasses, `Match` an
immutable `NamedTuple` (see why there); they cross into `findings/` unchanged.
"""

from __future__ import annotations

from dataclasses import dataclass
from enum import StrEnum
from typing import NamedTuple

from chainreview.intel.osv_model import Affected, Event, RangeType

__all__ = ["Confidence", "Decision", "Indeterminate", "Match", "MatchResult"]


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


@dataclass(frozen=True, slots=True, kw_only=True)
class Indeterminate:
    """A component the matcher could not decide for some advisories, and why."""

    component: str
    """`Component.ref`."""
    reason: str
    """One line, e.g. `no version` or `version '(devel)' does not parse: …`."""
    advisory_ids: tuple[str, ...] = ()
    """The advisories that name the package but could not be evaluated (sorted)."""


MatchResult = Match | Indeterminate
"""What a matcher yields per component."""
