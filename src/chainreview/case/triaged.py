"""The office's triages as a round applies them: each one a VEX statement about its finding's
vulnerability in its component, applied after the package's own VEX (`findings.scan`), so it
decides the finding whatever the vendor's documents say.

A statement's location, which the finding keeps as its `status_source`, cites the triage
(`office triage ID (who, day)`): `cited` reads back which triages a kept round applied, so
`rerender` applies those and no other, as it does for risk acceptances.
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from typing import Final

from chainreview import raw
from chainreview.components.model import Location
from chainreview.evidence.vex import VexStatement, VexStatus
from chainreview.store.records import TriageRecord

_CITATION: Final = re.compile(r"office triage (\d+) \(")


def statements(triages: Iterable[TriageRecord]) -> tuple[VexStatement, ...]:
    """One VEX statement per triage, oldest first (a later one on the same finding wins: its
    timestamp is later, and it comes later)."""
    return tuple(
        VexStatement(
            vulnerability=t.vulnerability,
            products=(t.component,),
            status=VexStatus(t.status),
            justification=t.justification,
            impact=t.note,
            timestamp=t.triaged_at.isoformat(),
            location=Location(file=citation(t)),
        )
        for t in triages
    )


def citation(triage: TriageRecord) -> str:
    """How a finding's `status_source` names the triage that set it."""
    return (
        f"office triage {triage.id} ({triage.triaged_by}, {triage.triaged_at.date().isoformat()})"
    )


def cited(result_json: bytes) -> frozenset[int]:
    """The triages a kept round's `result.json` cites as its findings' status sources."""
    result = raw.load_json(result_json, "result.json")
    sources = [f.get("status_source") or "" for p in result["products"] for f in p["findings"]]
    return frozenset(int(m.group(1)) for s in sources if (m := _CITATION.match(s)) is not None)
