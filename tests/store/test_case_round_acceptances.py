"""Risk acceptances in review rounds, on both backends: a factor or finding acceptance in force on
the round's review date overrides the level or suppresses the finding, citing the acceptance; one
not yet approved, or past its last day, changes nothing (dates counted by hand); a round renders
again byte for byte after a later approval; the difference of two rounds says what moved, why.
Expected values are read from the kept `result.json` with plain `json`."""

from __future__ import annotations

import json
from collections.abc import Iterator
from datetime import date
from pathlib import Path
from typing import Any

import pytest
from outcomes_kit import APPROVER, GRID, REVIEWER, in_review

import chainreview
from chainreview.case.acceptances import Kind, Proposal, approve, propose
from chainreview.case.rounds import case_diff, rerender, review_round, submit_package
from chainreview.levels import Level
from chainreview.reviewer import Reviewer
from chainreview.store.db import Store
from chainreview.store.records import AcceptanceRecord

EXAMPLE = Path(__file__).parents[2] / "examples" / "grid-storage"
AS_OF = date(2026, 11, 30)
"""The review date of every round."""
PROPOSED = date(2026, 11, 20)
LAST_DAY = date(2026, 11, 30)
"""In force on `AS_OF`: its last day is the review date itself."""
OVER = date(2026, 11, 29)
"""Past on `AS_OF`: its last day was the day before."""
OWNER = "CISO, State Grid Demo Co."
LEVELLED, KERNEL = "F09", "CVE-2024-1086"
"""The factor and the finding accepted in force (grid-storage: F09 medium, the kernel's CVE
active and high on the bundled intel, as the first round shows)."""
VULNERABLE = "F02"
"""The factor the accepted finding weighed in."""
PENDING, LAPSED, UBOOT = "F12", "F19", "CVE-2022-30790"
"""A factor accepted but not approved; a factor and a finding accepted but past."""


@pytest.fixture(scope="module")
def reviewer(bundled_home: Path) -> Iterator[Reviewer]:
    with chainreview.open_snapshot(bundled_home) as snapshot:
        yield Reviewer(snapshot)


def _accept(
    store: Store,
    case_id: str,
    kind: Kind,
    subject: str,
    *,
    level: Level | None = None,
    expires: date = LAST_DAY,
    approved: bool = True,
) -> AcceptanceRecord:
    proposal = Proposal(
        kind=kind,
        owner=OWNER,
        reason=f"Accepted for {subject} until the vendor's next release.",
        expires=expires,
        on=PROPOSED,
        subject=subject,
        level=level,
    )
    made = propose(store, case_id, proposal, caller=REVIEWER)
    return approve(store, made.id, caller=APPROVER, on=PROPOSED) if approved else made


def _levels(result: dict[str, Any]) -> dict[str, str]:
    return {a["factor_id"]: a["level"] for a in result["determination"]["assessments"]}


def _findings(result: dict[str, Any]) -> dict[str, Any]:
    return {f["id"]: f for p in result["products"] for f in p["findings"]}


def _approved_on(acceptance: AcceptanceRecord) -> str:
    """The day the store recorded the approval (its clock, UTC)."""
    assert acceptance.approved_at is not None
    return acceptance.approved_at.date().isoformat()


def _citation(acceptance: AcceptanceRecord) -> str:
    return (
        f"risk acceptance {acceptance.id} (owner {OWNER}; approved by {APPROVER.name} on "
        f"{_approved_on(acceptance)}; in force through 2026-11-30): {acceptance.reason}"
    )


def test_acceptances_in_force_on_the_review_date_take_effect_in_the_round(
    store: Store, reviewer: Reviewer
) -> None:
    case_id = in_review(store)
    submit_package(store, case_id, EXAMPLE, caller=GRID)
    first = review_round(store, case_id, reviewer, as_of=AS_OF, caller=REVIEWER)
    before = json.loads(first.result_json)
    assert before["determination"]["overrides"] == []
    assert before["determination"]["overrides_sha256"] is None
    assert _levels(before)[LEVELLED] == "medium"
    assert _findings(before)[KERNEL]["status"] == "affected"
    assert _findings(before)[KERNEL].get("suppressed") is None

    factor = _accept(store, case_id, Kind.FACTOR, LEVELLED, level=Level.LOW)
    finding = _accept(store, case_id, Kind.FINDING, KERNEL)
    pending = _accept(store, case_id, Kind.FACTOR, PENDING, level=Level.LOW, approved=False)
    _accept(store, case_id, Kind.FACTOR, LAPSED, level=Level.LOW, expires=OVER)
    _accept(store, case_id, Kind.FINDING, UBOOT, expires=OVER)

    second = review_round(store, case_id, reviewer, as_of=AS_OF, caller=REVIEWER)
    after = json.loads(second.result_json)
    determination = after["determination"]
    assert determination["overrides"] == [
        {
            "factor": LEVELLED,
            "level": "low",
            "replaced": "medium",
            "reviewer": REVIEWER.name,
            "date": _approved_on(factor),
            "reason": _citation(factor),
            "basis_withheld": False,
        }
    ]
    assert determination["overrides_sha256"] is not None
    levels, was = _levels(after), _levels(before)
    assert levels[LEVELLED] == "low"
    assert (levels[PENDING], levels[LAPSED]) == (was[PENDING], was[LAPSED])
    # The kernel's CVE, in KEV, made F02 critical; accepted, it no longer counts there.
    assert (was[VULNERABLE], levels[VULNERABLE]) == ("critical", "high")
    moved_by_hand = {LEVELLED, VULNERABLE}
    assert {k: v for k, v in levels.items() if k not in moved_by_hand} == {
        k: v for k, v in was.items() if k not in moved_by_hand
    }
    kernel = _findings(after)[KERNEL]
    assert kernel["suppressed"] == {
        "id": KERNEL,
        "reason": _citation(finding),
        "expires": "2026-12-01",  # the first day it no longer applies, as ignore files count
    }
    assert _findings(after)[UBOOT].get("suppressed") is None
    suppressed = [f["id"] for f in _findings(after).values() if f.get("suppressed")]
    assert suppressed == [KERNEL]

    moved = case_diff(store, case_id, caller=REVIEWER)
    assert [(m.factor, m.before, m.after) for m in moved.levels_moved] == [
        (VULNERABLE, "critical", "high"),
        (LEVELLED, "medium", "low"),
    ]
    level = moved.levels_moved[1]
    assert any(f"risk acceptance {factor.id} " in reason for reason in level.reasons)
    (changed,) = moved.findings_changed
    assert changed.finding.id == KERNEL
    assert [(c.field, c.before, c.after) for c in changed.changes] == [
        ("suppressed", "no", f"{KERNEL}: {_citation(finding)}")
    ]
    # The operator sees the same moves, but of the acceptances only their ids: their owner,
    # approver and reason are the office's (docs/cases.md, "Who sees what").
    seen = case_diff(store, case_id, caller=GRID)
    office_only = "details are for the review office"
    assert [(m.factor, m.before, m.after) for m in seen.levels_moved] == [
        (VULNERABLE, "critical", "high"),
        (LEVELLED, "medium", "low"),
    ]
    assert any(
        f"risk acceptance {factor.id} ({office_only})" in r for r in seen.levels_moved[1].reasons
    )
    assert not any(OWNER in r or factor.reason in r for r in seen.levels_moved[1].reasons)
    (party_change,) = seen.findings_changed[0].changes
    assert party_change.after == f"{KERNEL}: risk acceptance {finding.id} ({office_only})"
    assert seen.findings_changed[0].finding.suppressed == party_change.after

    # Approved after the second round: rendering that round again leaves it out, byte for byte;
    # a round made now applies it.
    approve(store, pending.id, caller=APPROVER, on=PROPOSED)
    assert rerender(store, case_id, 2, reviewer, caller=REVIEWER) == second.result_json
    assert rerender(store, case_id, 1, reviewer, caller=REVIEWER) == first.result_json
    third = json.loads(
        review_round(store, case_id, reviewer, as_of=AS_OF, caller=REVIEWER).result_json
    )
    assert [o["factor"] for o in third["determination"]["overrides"]] == [LEVELLED, PENDING]
    assert _levels(third)[PENDING] == "low"


def test_a_renewal_counts_once_with_its_latest_last_day(store: Store, reviewer: Reviewer) -> None:
    case_id = in_review(store)
    submit_package(store, case_id, EXAMPLE, caller=GRID)
    _accept(store, case_id, Kind.FINDING, KERNEL)
    renewal = _accept(store, case_id, Kind.FINDING, KERNEL.lower(), expires=date(2027, 1, 31))
    kept = review_round(store, case_id, reviewer, as_of=AS_OF, caller=REVIEWER)
    suppressed = _findings(json.loads(kept.result_json))[KERNEL]["suppressed"]
    assert suppressed["reason"].startswith(f"risk acceptance {renewal.id} (")
    assert suppressed["expires"] == "2027-02-01"
    assert rerender(store, case_id, 1, reviewer, caller=REVIEWER) == kept.result_json
