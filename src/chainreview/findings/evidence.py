"""The evidence a finding cites: one `EvidenceRef` per match, saying what decided it.

OSV evidence names the record, the `affected` entry and range, and the matcher's decision. CPE
evidence carries `Confidence.CPE` and, when it applies, the labels `version-wildcard` (NVD gave
no version to decide by: `*` or `-` without bounds) and `platform-unconfirmed` (an AND
configuration's platform is not in the inventory). Distro evidence found through the SBOM's
operating-system component rather than the purl's `distro` qualifier is labelled
`release-from-os-component`. Evidence carries the caveats of the version the matcher evaluated
(`matches.basis`: the purl's version, a source or binary package's version, a low-confidence Go
pseudo-version) as labels and notes.
"""

from __future__ import annotations

from typing import Any, Final

from chainreview.findings.model import EvidenceRef
from chainreview.matches.model import Confidence, CpeMatch, DistroMatch, Match, PlatformStatus
from chainreview.slots import slot_constructor

__all__ = ["OsvEvidence", "cpe_evidence", "distro_evidence"]

_WILDCARD: Final = "version-wildcard"
_PLATFORM_UNCONFIRMED: Final = "platform-unconfirmed"
_RELEASE_FROM_OS: Final = "release-from-os-component"

_new_evidence: Final = slot_constructor(EvidenceRef)


class OsvEvidence:
    """The evidence of OSV matches, made once per (record, entry, decision, caveat) in a run."""

    def __init__(self) -> None:
        self._evidence: dict[
            tuple[str, int | None, int, int, Confidence], tuple[Any, Any, EvidenceRef]
        ] = {}

    def of(self, match: Match) -> EvidenceRef:
        """The evidence of an OSV match; one object per (record, entry, decision object: the
        matcher shares one per region of a range, caveat object: one per component), both kept
        so their ids stay unique."""
        caveat = match.caveat
        key = (
            match.advisory_id,
            match.affected_index,
            id(match.decision),
            id(caveat),
            match.confidence,
        )
        found = self._evidence.get(key)
        if found is not None and found[0] is match.decision and found[1] is caveat:
            return found[2]
        ref = _new_evidence(  # every field, in `EvidenceRef`'s (alphabetical) order
            match.affected_index,  # affected_index
            match.confidence,  # confidence
            match.decision.describe(),  # decision
            () if caveat is None else caveat.labels,  # labels
            () if caveat is None else caveat.notes,  # notes
            match.decision.range_index,  # range_index
            match.advisory_id,  # record
        )
        self._evidence[key] = (match.decision, caveat, ref)
        return ref


def distro_evidence(match: DistroMatch) -> EvidenceRef:
    """`Debian:11 openssl 1.1.1n-0+deb11u3: fixed in 1.1.1n-0+deb11u4`."""
    fix = f"fixed in {match.fixed_version}" if match.fixed_version else match.status
    caveat = match.caveat
    labels = () if caveat is None else caveat.labels
    if match.ecosystem_from == "operating-system":
        labels = (*labels, _RELEASE_FROM_OS)
    return EvidenceRef(
        record=match.advisory_id,
        affected_index=None,
        range_index=None,
        decision=f"{match.ecosystem} {match.package} {match.version}: {fix}",
        confidence=Confidence.PURL,
        labels=labels,
        notes=() if caveat is None else caveat.notes,
    )


def cpe_evidence(match: CpeMatch) -> EvidenceRef:
    """`configurations/0/nodes/0/cpe_matches/1 cpe:2.3:…: range >= 1.0, < 1.1.4; platform …`."""
    decision = f"{match.evidence.pointer.lstrip('/')} {match.criteria}: {match.basis.value}"
    if match.bounds:
        decision += " " + ", ".join(match.bounds)
    if match.platform is not PlatformStatus.NOT_REQUIRED:
        decision += f"; platform {match.platform.value}: {' '.join(match.platform_criteria)}"
        if match.platform_components:
            decision += f" (components {', '.join(match.platform_components)})"
    labels = [_WILDCARD] if match.wildcard else []
    if match.platform is PlatformStatus.UNCONFIRMED:
        labels.append(_PLATFORM_UNCONFIRMED)
    return EvidenceRef(
        record=match.advisory_id,
        affected_index=None,
        range_index=None,
        decision=decision,
        confidence=match.confidence,
        labels=tuple(labels),
    )
