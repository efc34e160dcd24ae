"""Risk acceptances on both backends: the two-person rule refused by the service, by the store
and by the database itself (rows written directly, past both); an acceptance counts only once
approved, up to and including its expiry day, after which what it covered reads as before
(dates counted by hand); what an acceptance may cover."""

from __future__ import annotations

from dataclasses import replace
from datetime import UTC, date, datetime

import pytest
from outcomes_kit import (
    APPROVER,
    BOOT,
    GRID,
    REVIEWER,
    SBOM,
    SECOND_APPROVER,
    SUPPLIER_A,
    consulted,
    decided,
)
from sqlalchemy import text
from sqlalchemy.exc import IntegrityError
from store_kit import Backend

from chainreview.case.acceptances import Kind, Proposal, approve, propose
from chainreview.case.conditions import mark_met
from chainreview.case.outcomes import Effect, Standing, case_outcomes
from chainreview.case.service import list_case_views, view_case
from chainreview.errors import NotFound, RefusedAction
from chainreview.levels import Level
from chainreview.store import acceptances
from chainreview.store.audit import verify_audit
from chainreview.store.db import Store

PROPOSED = date(2027, 1, 2)
EXPIRES = date(2027, 1, 15)


def _waiver(condition: int, expires: date = EXPIRES) -> Proposal:
    return Proposal(
        kind=Kind.CONDITION,
        owner="CISO, State Grid Demo Co.",
        reason="The SBOM is checked by hand until the vendor signs it.",
        expires=expires,
        on=PROPOSED,
        condition=condition,
    )


def _standings(store: Store, case_id: str, today: date) -> list[Standing]:
    found = case_outcomes(store, case_id, caller=REVIEWER, today=today).conditions
    return [c.standing for c in found]


def test_the_two_person_rule_holds_in_the_service_the_store_and_the_database(
    store: Store, backend: Backend
) -> None:
    case_id = consulted(store)
    sbom = decided(store, case_id, SBOM).conditions[0]  # due 2026-12-31
    proposed = propose(store, case_id, _waiver(sbom.id), caller=APPROVER)
    assert (proposed.proposed_by, proposed.approved_by, proposed.kind) == (
        "zhao",
        None,
        "condition",
    )
    with pytest.raises(RefusedAction, match="proposed by zhao: another approver approves it"):
        approve(store, proposed.id, caller=APPROVER, on=PROPOSED)
    with pytest.raises(
        RefusedAction, match="approving a risk acceptance is for approver, not reviewer"
    ):
        approve(store, proposed.id, caller=REVIEWER, on=PROPOSED)
    refused = pytest.raises(RefusedAction, match="two-person rule")
    with refused, store.transaction(APPROVER.name) as tx:  # past the service: the store
        acceptances.approve(tx, proposed.id)
    with pytest.raises(IntegrityError, match="two_people"), backend.sql() as sql:  # the database
        sql.execute(
            text(
                "UPDATE acceptances SET approved_by = proposed_by, approved_at = proposed_at"
                " WHERE id = :id"
            ),
            {"id": proposed.id},
        )
    with pytest.raises(IntegrityError, match="two_people"), backend.sql() as sql:
        sql.execute(
            text(
                "INSERT INTO acceptances (case_id, kind, subject, owner, reason, expires,"
                " proposed_at, proposed_by, approved_at, approved_by) VALUES (:case, 'finding',"
                " 'CVE-2024-3094', 'me', 'mine', :expires, :at, 'zhao', :at, 'zhao')"
            ),
            {"case": case_id, "expires": EXPIRES, "at": datetime(2027, 1, 2, tzinfo=UTC)},
        )
    assert _standings(store, case_id, PROPOSED) == [Standing.OVERDUE]  # not in force
    approved = approve(store, proposed.id, caller=SECOND_APPROVER, on=PROPOSED)
    assert (approved.approved_by, approved.proposed_by) == ("qian", "zhao")
    assert _standings(store, case_id, PROPOSED) == [Standing.WAIVED]
    with pytest.raises(RefusedAction, match=f"risk acceptance {proposed.id} was approved already"):
        approve(store, proposed.id, caller=SECOND_APPROVER, on=PROPOSED)
    with backend.sql() as sql:
        written = sql.execute(
            text("SELECT action FROM audit_log WHERE case_id = :c ORDER BY seq DESC LIMIT 2"),
            {"c": case_id},
        ).scalars()
        assert list(written) == ["risk.approve", "risk.propose"]
    assert verify_audit(store).ok
    with pytest.raises(NotFound, match="no risk acceptance 99"):
        approve(store, 99, caller=SECOND_APPROVER, on=PROPOSED)


def test_an_expired_acceptance_no_longer_waives_what_it_covered(store: Store) -> None:
    case_id = consulted(store)
    sbom, boot = decided(store, case_id, SBOM, BOOT).conditions  # due 2026-12-31, 2027-03-31
    for condition in (sbom, boot):
        waiver = propose(store, case_id, _waiver(condition.id), caller=REVIEWER)
        approve(store, waiver.id, caller=APPROVER, on=PROPOSED)

    def overdue(today: date) -> tuple[int, int]:
        listed = list_case_views(store, caller=REVIEWER, today=today, home=None)
        viewed = view_case(store, case_id, caller=REVIEWER, today=today, home=None)
        return listed[0].overdue_conditions, viewed.overdue_conditions

    assert _standings(store, case_id, date(2027, 1, 10)) == [Standing.WAIVED, Standing.WAIVED]
    assert _standings(store, case_id, EXPIRES) == [Standing.WAIVED, Standing.WAIVED]  # last day
    assert overdue(EXPIRES) == (0, 0)
    # 2027-01-16: past the expiry; the SBOM is overdue again, boot (due 03-31) open again.
    assert _standings(store, case_id, date(2027, 1, 16)) == [Standing.OVERDUE, Standing.OPEN]
    assert overdue(date(2027, 1, 16)) == (1, 1)
    tracked = case_outcomes(store, case_id, caller=REVIEWER, today=date(2027, 1, 10))
    assert [(c.waived_until, c.waiver is not None) for c in tracked.conditions] == [
        (EXPIRES, True),
        (EXPIRES, True),
    ]
    assert [e for _, e in tracked.acceptances] == [Effect.IN_FORCE, Effect.IN_FORCE]
    later = case_outcomes(store, case_id, caller=REVIEWER, today=date(2027, 1, 16))
    assert [e for _, e in later.acceptances] == [Effect.EXPIRED, Effect.EXPIRED]
    assert [(c.waived_until, c.waiver) for c in later.conditions] == [(None, None), (None, None)]
    late = propose(store, case_id, _waiver(sbom.id), caller=REVIEWER)
    with pytest.raises(RefusedAction, match=f"expired on {EXPIRES}: propose it again"):
        approve(store, late.id, caller=APPROVER, on=date(2027, 1, 16))
    assert _standings(store, case_id, date(2027, 1, 16)) == [Standing.OVERDUE, Standing.OPEN]
    renewal = replace(_waiver(sbom.id), on=date(2027, 1, 16), expires=date(2027, 2, 15))
    renewed = propose(store, case_id, renewal, caller=REVIEWER)
    approve(store, renewed.id, caller=APPROVER, on=date(2027, 1, 16))
    again = case_outcomes(store, case_id, caller=REVIEWER, today=date(2027, 1, 20)).conditions
    assert [(c.standing, c.waiver, c.waived_until) for c in again] == [
        (Standing.WAIVED, renewed.id, date(2027, 2, 15)),
        (Standing.OPEN, None, None),
    ]


def test_only_the_office_proposes_and_sees_risk_acceptances(store: Store) -> None:
    case_id = consulted(store)
    sbom = decided(store, case_id, SBOM).conditions[0]
    with pytest.raises(
        RefusedAction, match="proposing a risk acceptance is for approver, reviewer"
    ):
        propose(store, case_id, _waiver(sbom.id), caller=GRID)
    waiver = propose(store, case_id, _waiver(sbom.id), caller=REVIEWER)
    approve(store, waiver.id, caller=APPROVER, on=PROPOSED)
    seen = case_outcomes(store, case_id, caller=SUPPLIER_A, today=PROPOSED)
    assert seen.acceptances == ()
    assert [(c.standing, c.waived_until) for c in seen.conditions] == [(Standing.WAIVED, EXPIRES)]
    assert [
        a.id for a, _ in case_outcomes(store, case_id, caller=REVIEWER, today=PROPOSED).acceptances
    ] == [waiver.id]


def test_what_an_acceptance_may_cover(store: Store) -> None:
    case_id = consulted(store)
    sbom, boot = decided(store, case_id, SBOM, BOOT).conditions
    factor = Proposal(
        kind=Kind.FACTOR,
        owner="Head of review",
        reason="Remote access is cut by the operator's jump host.",
        expires=date(2027, 6, 30),
        on=PROPOSED,
        subject="F01",
        level=Level.LOW,
    )
    finding = Proposal(
        kind=Kind.FINDING,
        owner="Head of review",
        reason="Not reachable in the delivered configuration.",
        expires=date(2027, 6, 30),
        on=PROPOSED,
        subject="CVE-2024-6387",
    )
    made = [propose(store, case_id, p, caller=REVIEWER) for p in (factor, finding)]
    assert [(a.kind, a.subject, a.level) for a in made] == [
        ("factor", "F01", "low"),
        ("finding", "CVE-2024-6387", None),
    ]
    malformed = (
        replace(factor, subject="F1"),
        replace(factor, level=None),
        replace(finding, level=Level.LOW),
        replace(finding, subject=" "),
        replace(_waiver(sbom.id), subject="F01"),
    )
    for wrong in malformed:
        with pytest.raises(RefusedAction, match="a risk acceptance covers one thing"):
            propose(store, case_id, wrong, caller=REVIEWER)
    for too_long in (replace(finding, owner="o" * 201), replace(finding, reason="r" * 3_001)):
        with pytest.raises(RefusedAction, match="owner is at most 200 characters and its reason"):
            propose(store, case_id, too_long, caller=REVIEWER)
    longest = replace(finding, owner="o" * 200, reason="r" * 3_000)
    assert propose(store, case_id, longest, caller=REVIEWER).reason == "r" * 3_000
    with pytest.raises(RefusedAction, match="expiring on 2027-01-01 is over already"):
        propose(store, case_id, _waiver(sbom.id, expires=date(2027, 1, 1)), caller=REVIEWER)
    mark_met(store, case_id, boot.id, note="Secure boot verified.", on=PROPOSED, caller=REVIEWER)
    with pytest.raises(RefusedAction, match=f"condition {boot.id} of case {case_id} is met"):
        propose(store, case_id, _waiver(boot.id), caller=REVIEWER)
    other = consulted(store)
    with pytest.raises(NotFound, match=f"case {other} has no condition {sbom.id}"):
        propose(store, other, _waiver(sbom.id), caller=REVIEWER)
