"""A case's outcome records as the API writes them (`api.schemas_casework`)."""

from __future__ import annotations

from datetime import date

from chainreview.api.schemas_casework import (
    AcceptanceOut,
    ConditionOut,
    DecisionOut,
    OpinionOut,
    OutcomesOut,
    RulingOut,
    SettledOut,
)
from chainreview.case.conditions import Settled
from chainreview.case.decisions import Ruling
from chainreview.case.outcomes import Outcomes, TrackedCondition, effect, track
from chainreview.store.records import AcceptanceRecord, DecisionRecord, OpinionRecord


def opinion_out(opinion: OpinionRecord) -> OpinionOut:
    return OpinionOut(
        id=opinion.id,
        unit=opinion.unit,
        stance=opinion.position,
        text=opinion.text,
        given_at=opinion.given_at,
        given_by=opinion.given_by,
    )


def decision_out(decision: DecisionRecord) -> DecisionOut:
    return DecisionOut(
        id=decision.id,
        outcome=decision.outcome,
        reason=decision.reason,
        decided_at=decision.decided_at,
        decided_by=decision.decided_by,
    )


def condition_out(tracked: TrackedCondition) -> ConditionOut:
    condition = tracked.condition
    return ConditionOut(
        id=condition.id,
        decision=condition.decision_id,
        text=condition.text,
        party=condition.party,
        due=condition.due,
        status=condition.status.value,
        standing=tracked.standing.value,
        note=condition.reason,
        from_round=condition.from_round,
        term=condition.term,
        waiver=tracked.waiver,
        waived_until=tracked.waived_until,
    )


def acceptance_out(acceptance: AcceptanceRecord, today: date) -> AcceptanceOut:
    return AcceptanceOut(
        id=acceptance.id,
        case=acceptance.case_id,
        kind=acceptance.kind,
        condition=acceptance.condition_id,
        subject=acceptance.subject,
        level=acceptance.level,
        owner=acceptance.owner,
        reason=acceptance.reason,
        expires=acceptance.expires,
        proposed_by=acceptance.proposed_by,
        approved_by=acceptance.approved_by,
        effect=effect(acceptance, today).value,
    )


def outcomes_out(found: Outcomes) -> OutcomesOut:
    return OutcomesOut(
        today=found.today,
        opinions=[opinion_out(o) for o in found.opinions],
        decisions=[decision_out(d) for d in found.decisions],
        conditions=[condition_out(c) for c in found.conditions],
        acceptances=[acceptance_out(a, found.today) for a, _ in found.acceptances],
    )


def ruling_out(ruling: Ruling, today: date) -> RulingOut:
    """The ruling, each condition it set as it stands on `today` (none waived yet)."""
    return RulingOut(
        decision=decision_out(ruling.decision),
        conditions=[condition_out(track(c, (), today)) for c in ruling.conditions],
        state=ruling.state,
    )


def settled_out(settled: Settled) -> SettledOut:
    return SettledOut(condition=condition_out(settled.condition), state=settled.state)
