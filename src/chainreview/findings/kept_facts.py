"""What the records decide of a finding, kept beside the snapshot from one scan to the next.

The display id, summary, severity, KEV entry and EPSS score of a finding of OSV matches
(`StaticFacts`) depend only on its alias group, the matched entries and the snapshot, never on
the component. A scan keeps those it worked out in the snapshot's derived data (`STATIC_FACTS`
in `Snapshot.derived`, fingerprinted by the findings code that decides them), and the next scan
reads them back instead of reading, rating and summarising the records again. A value of the
wrong shape is ignored (worked out again).
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any, Final

from chainreview.findings.model import Epss, Kev, Level, Severity
from chainreview.intel.derived import Kind
from chainreview.matches.model import Confidence

__all__ = ["STATIC_FACTS", "FactsKey", "StaticFacts"]

FactsKey = tuple[tuple[str, ...], tuple[tuple[str, int | None], ...]]
"""(alias group, the matched entries as (advisory id, `affected` index) pairs)."""


@dataclass(frozen=True, slots=True)
class StaticFacts:
    """The parts of a finding the records decide, whatever the component version."""

    display: str
    summary: str
    severity: Severity
    kev: Kev | None
    epss: Epss | None
    confidence: Confidence
    """The strongest confidence among the evidence (all OSV evidence is by purl)."""


def _encode(facts: StaticFacts) -> tuple[Any, ...]:
    severity, kev, epss = facts.severity, facts.kev, facts.epss
    return (
        facts.display,
        facts.summary,
        (severity.level.value, severity.score, severity.source, severity.vector),
        None if kev is None else (kev.cve, kev.date_added, kev.due_date, kev.known_ransomware),
        None if epss is None else (epss.cve, epss.percentile, epss.score),
        facts.confidence.value,
    )


def _decode(_key: FactsKey, plain: Any) -> StaticFacts:
    display, summary, (level, score, source, vector), kev, epss, confidence = plain
    if not isinstance(display, str) or not isinstance(summary, str):
        raise TypeError("display and summary must be strings")
    return StaticFacts(
        display=display,
        summary=summary,
        severity=Severity(level=Level(level), score=score, source=source, vector=vector),
        kev=None
        if kev is None
        else Kev(cve=kev[0], date_added=kev[1], due_date=kev[2], known_ransomware=kev[3]),
        epss=None if epss is None else Epss(cve=epss[0], percentile=epss[1], score=epss[2]),
        confidence=Confidence(confidence),
    )


STATIC_FACTS: Final = Kind[FactsKey, StaticFacts](
    name="finding-facts",
    modules=(
        "chainreview.findings.facts",
        "chainreview.findings.kept_facts",
        "chainreview.findings.model",
        "chainreview.findings.records",
        "chainreview.findings.severity",
    ),
    encode=_encode,
    decode=_decode,
)
"""The `StaticFacts` of a finding under its (alias group, matched entries)."""
