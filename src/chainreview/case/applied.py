"""Risk acceptances as a review round applies them: each factor acceptance in force on the
round's review date becomes an entry of an overrides file, each finding acceptance an ignore
entry; the text of either cites the acceptance (id, owner, approver, last day), and that text
in the kept `result.json` is the round's record of which acceptances it applied, read again
to render the round again (`cited`).
"""

from __future__ import annotations

import dataclasses
import re
from collections.abc import Iterable
from datetime import date, timedelta
from typing import Any, Final

from chainreview import canonical, raw
from chainreview.case.acceptances import Kind
from chainreview.case.diff import Finding, FindingChange, RoundDiff
from chainreview.case.outcomes import Effect, effect
from chainreview.components.model import Location
from chainreview.evidence.vex import vulnerability_key
from chainreview.findings.suppressions import IgnoreEntry, Suppressions
from chainreview.store.records import AcceptanceRecord

_CITATION: Final = re.compile(r"risk acceptance ([0-9]+) \(")
"""How `_cite` begins: the id of the acceptance an override or a suppression applies."""


def in_force(found: Iterable[AcceptanceRecord], as_of: date) -> tuple[AcceptanceRecord, ...]:
    """The factor and finding acceptances in force on `as_of`, one per factor or finding (a
    renewal: the latest expiry counts, then the latest proposed), in the order proposed."""
    chosen: dict[tuple[str, str], AcceptanceRecord] = {}
    for acceptance in found:
        if acceptance.kind == Kind.CONDITION or effect(acceptance, as_of) is not Effect.IN_FORCE:
            continue
        key = (acceptance.kind, _subject(acceptance))
        best = chosen.get(key)
        if best is None or (acceptance.expires, acceptance.id) > (best.expires, best.id):
            chosen[key] = acceptance
    return tuple(sorted(chosen.values(), key=lambda a: a.id))


def cited(result_json: bytes) -> frozenset[int]:
    """The acceptances a kept round's `result.json` cites in its overrides and suppressions."""
    result = raw.load_json(result_json, "result.json")
    texts = [o["reason"] for o in result["determination"]["overrides"]]
    for product in result["products"]:
        texts += [f["suppressed"]["reason"] for f in product["findings"] if f.get("suppressed")]
    return frozenset(int(m.group(1)) for t in texts if (m := _CITATION.match(t)) is not None)


def overrides_file(accepted: Iterable[AcceptanceRecord]) -> bytes | None:
    """An overrides file (`schemas/overrides.schema.json`) setting each accepted factor's
    level, or None when no factor is accepted."""
    entries: list[dict[str, Any]] = [
        {
            "factor": a.subject,
            "level": a.level,
            "reason": _cite(a),
            "reviewer": a.proposed_by,
            "date": _approved_on(a).isoformat(),
        }
        for a in accepted
        if a.kind == Kind.FACTOR
    ]
    if not entries:
        return None
    return canonical.dumps({"schema_version": "1.0", "overrides": entries})


def suppressions(accepted: Iterable[AcceptanceRecord], case_id: str) -> Suppressions | None:
    """An ignore entry for each accepted finding, or None when no finding is accepted; an
    entry's `expires` is the day after the acceptance's last day, as ignore files count."""
    entries = [
        IgnoreEntry(
            id=a.subject or "",
            reason=_cite(a),
            expires=a.expires + timedelta(days=1),
            location=Location(file=f"risk acceptances of case {case_id}", pointer=f"/{a.id}"),
        )
        for a in accepted
        if a.kind == Kind.FINDING
    ]
    return Suppressions(entries) if entries else None


def _cite(acceptance: AcceptanceRecord) -> str:
    return (
        f"risk acceptance {acceptance.id} (owner {acceptance.owner}; approved by "
        f"{acceptance.approved_by} on {_approved_on(acceptance).isoformat()}; in force through "
        f"{acceptance.expires.isoformat()}): {acceptance.reason}"
    )


def _approved_on(acceptance: AcceptanceRecord) -> date:
    if acceptance.approved_at is None:
        raise ValueError(f"risk acceptance {acceptance.id} is not approved")
    return acceptance.approved_at.date()


def _subject(acceptance: AcceptanceRecord) -> str:
    subject = acceptance.subject or ""
    return vulnerability_key(subject) if acceptance.kind == Kind.FINDING else subject


_CITED: Final = re.compile(r"risk acceptance ([0-9]+) \(.*", re.S)


def redacted(text: str) -> str:
    """`text` with what it cites of a risk acceptance (owner, approver, reason) cut to the
    acceptance's id: the details are the review office's (parties see no acceptances)."""
    return _CITED.sub(r"risk acceptance \1 (details are for the review office)", text)


def redact_diff(found: RoundDiff) -> RoundDiff:
    """`found` with every risk acceptance it cites `redacted`, for a party reading it."""

    def finding(item: Finding) -> Finding:
        cut = None if item.suppressed is None else redacted(item.suppressed)
        return dataclasses.replace(item, suppressed=cut)

    return dataclasses.replace(
        found,
        findings_added=tuple(finding(f) for f in found.findings_added),
        findings_resolved=tuple(finding(f) for f in found.findings_resolved),
        findings_changed=tuple(
            FindingChange(
                finding=finding(c.finding),
                changes=tuple(
                    dataclasses.replace(m, before=redacted(m.before), after=redacted(m.after))
                    for m in c.changes
                ),
            )
            for c in found.findings_changed
        ),
        levels_moved=tuple(
            dataclasses.replace(m, reasons=tuple(redacted(r) for r in m.reasons))
            for m in found.levels_moved
        ),
    )
