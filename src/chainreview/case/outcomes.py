"""What a case has come to, as a caller may see it on a day: member units' opinions, the
decisions, the conditions with where each stands, and the risk acceptances.

A condition's standing is read, never stored stale: what was recorded (open, met, breached),
then, for an open one, waived while an approved risk acceptance covers it up to and including
its expiry day, else overdue once `today` is past its due date. An acceptance is in force once
approved by a second person and until it expires; expired, it no longer counts, and what it
covered reads as it would without it. Opinions are for the office and member units; a party
reads the conditions that bind it; acceptances are the office's.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from datetime import date
from enum import StrEnum

from chainreview.case.access import OFFICE, Caller, bound_parties, sees_opinions, visible_case
from chainreview.store import acceptances, flags, outcomes
from chainreview.store.db import Store
from chainreview.store.records import (
    AcceptanceRecord,
    ConditionRecord,
    ConditionStatus,
    DecisionRecord,
    FlagRecord,
    OpinionRecord,
)


class Party(StrEnum):
    """Who a condition binds: the operator that applied, or the supplier."""

    APPLICANT = "applicant"
    VENDOR = "vendor"


class Standing(StrEnum):
    """Where a condition stands on a day."""

    OPEN = "open"
    OVERDUE = "overdue"
    MET = "met"
    WAIVED = "waived"
    BREACHED = "breached"


class Effect(StrEnum):
    """Whether a risk acceptance counts on a day."""

    PROPOSED = "proposed"
    """Not yet approved by a second person: it does not count."""
    IN_FORCE = "in-force"
    EXPIRED = "expired"
    """Past its expiry day: it no longer counts (nor can it be approved)."""


@dataclass(frozen=True, slots=True, kw_only=True)
class TrackedCondition:
    """A condition and where it stands on the day asked."""

    condition: ConditionRecord
    standing: Standing
    waiver: int | None
    """The risk acceptance that waives it, while one is in force."""
    waived_until: date | None


@dataclass(frozen=True, slots=True, kw_only=True)
class Outcomes:
    """What the caller may see of a case's outcome on `today`."""

    today: date
    opinions: tuple[OpinionRecord, ...]
    decisions: tuple[DecisionRecord, ...]
    conditions: tuple[TrackedCondition, ...]
    acceptances: tuple[tuple[AcceptanceRecord, Effect], ...]
    flags: tuple[FlagRecord, ...] = ()
    """The monitor's re-review flags (`chainreview monitor run`), for the office only."""


def effect(acceptance: AcceptanceRecord, today: date) -> Effect:
    """Whether `acceptance` counts on `today`."""
    if today > acceptance.expires:
        return Effect.EXPIRED
    return Effect.PROPOSED if acceptance.approved_by is None else Effect.IN_FORCE


def track(
    condition: ConditionRecord, found: Iterable[AcceptanceRecord], today: date
) -> TrackedCondition:
    """Where `condition` stands on `today`, given the case's acceptances `found`."""
    if condition.status is not ConditionStatus.OPEN:
        recorded = Standing(condition.status.value)
        return TrackedCondition(
            condition=condition, standing=recorded, waiver=None, waived_until=None
        )
    waivers = [
        a for a in found if a.condition_id == condition.id and effect(a, today) is Effect.IN_FORCE
    ]
    if waivers:
        latest = max(waivers, key=lambda a: (a.expires, a.id))
        return TrackedCondition(
            condition=condition,
            standing=Standing.WAIVED,
            waiver=latest.id,
            waived_until=latest.expires,
        )
    late = condition.due is not None and today > condition.due
    return TrackedCondition(
        condition=condition,
        standing=Standing.OVERDUE if late else Standing.OPEN,
        waiver=None,
        waived_until=None,
    )


def case_outcomes(store: Store, case_id: str, *, caller: Caller, today: date) -> Outcomes:
    """The opinions, decisions, conditions and acceptances of the case the caller may see,
    with each condition's standing and each acceptance's effect on `today`."""
    with store.transaction(caller.name) as tx:
        visible_case(tx, caller, case_id)
        opinions = outcomes.list_opinions(tx, case_id) if sees_opinions(caller) else ()
        decisions = outcomes.list_decisions(tx, case_id)
        parties = bound_parties(caller)
        conditions = [c for c in outcomes.list_conditions(tx, case_id) if c.party in parties]
        found = acceptances.list_acceptances(tx, case_id)
        raised = flags.list_flags(tx, case_id) if caller.role in OFFICE else ()
    return Outcomes(
        today=today,
        opinions=opinions,
        decisions=decisions,
        conditions=tuple(track(c, found, today) for c in conditions),
        acceptances=tuple((a, effect(a, today)) for a in found) if caller.role in OFFICE else (),
        flags=raised,
    )
