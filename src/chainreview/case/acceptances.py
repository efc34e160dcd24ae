"""Risk acceptances: the office accepts a risk (waives a condition, overrides a factor's level,
accepts a finding) with an owner who answers for it, a reason and an expiry day. One user of
the office proposes it; it takes effect only once a different user with the approver role
approves it (the two-person rule: checked here, in the store, and by the database's CHECK).
While in force it waives what it covers; once expired it no longer counts
(`chainreview.case.outcomes`).
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import date
from enum import StrEnum
from typing import Final

from chainreview.case.access import Caller, check_role, visible_case
from chainreview.case.outcomes import Standing, track
from chainreview.case.procedure import Role
from chainreview.errors import RefusedAction
from chainreview.levels import Level
from chainreview.store import acceptances, outcomes
from chainreview.store.db import Store, Tx
from chainreview.store.records import AcceptanceRecord, NewAcceptance

FACTOR: Final = re.compile(r"F[0-9]{2}")
MAX_OWNER: Final = 200
MAX_REASON: Final = 3_000
"""Owner and reason fit, with the approver and dates, in the 4,000 characters of an override's
reason (`schemas/overrides.schema.json`), where a round cites an approved acceptance."""
"""A factor id of the catalogue (F01–F20)."""
PROPOSERS: Final = frozenset({Role.REVIEWER, Role.APPROVER})


class Kind(StrEnum):
    """What an acceptance covers."""

    CONDITION = "condition"
    """A condition waived."""
    FACTOR = "factor"
    """A factor's level overridden."""
    FINDING = "finding"
    """A finding accepted."""


@dataclass(frozen=True, slots=True, kw_only=True)
class Proposal:
    """A risk to accept, proposed on `on`: a condition (`condition`), a factor (`subject` its
    id, `level` the level it is set to) or a finding (`subject` its id)."""

    kind: Kind
    owner: str
    """Who answers for the risk."""
    reason: str
    expires: date
    """The last day it counts."""
    on: date
    condition: int | None = None
    subject: str | None = None
    level: Level | None = None


def propose(store: Store, case_id: str, proposal: Proposal, *, caller: Caller) -> AcceptanceRecord:
    """Record the proposal (a reviewer or approver); it counts only once another approves it.
    A condition met or breached is not waived; one waived already may be (a renewal)."""
    check_role(caller, PROPOSERS, "proposing a risk acceptance")
    new = _checked(proposal)
    with store.transaction(caller.name) as tx:
        visible_case(tx, caller, case_id)
        if new.condition_id is not None:
            _check_waivable(tx, case_id, new.condition_id, proposal.on)
        return acceptances.propose(tx, case_id, new)


def approve(store: Store, acceptance_id: int, *, caller: Caller, on: date) -> AcceptanceRecord:
    """Approve the acceptance on `on`: an approver other than its proposer, before it expires."""
    check_role(caller, {Role.APPROVER}, "approving a risk acceptance")
    with store.transaction(caller.name) as tx:
        found = acceptances.get_acceptance(tx, acceptance_id)
        visible_case(tx, caller, found.case_id)
        if found.proposed_by == caller.name:
            raise RefusedAction(
                f"risk acceptance {acceptance_id} was proposed by {caller.name}: another "
                "approver approves it (two-person rule)"
            )
        if on > found.expires:
            raise RefusedAction(
                f"risk acceptance {acceptance_id} expired on {found.expires}: propose it again"
            )
        return acceptances.approve(tx, acceptance_id)


def _checked(proposal: Proposal) -> NewAcceptance:
    """The proposal as the store takes it; `RefusedAction` naming what is missing or wrong."""
    if not proposal.owner.strip() or not proposal.reason.strip():
        raise RefusedAction("a risk acceptance names its owner and gives its reason")
    if len(proposal.owner) > MAX_OWNER or len(proposal.reason) > MAX_REASON:
        raise RefusedAction(
            f"a risk acceptance's owner is at most {MAX_OWNER:,} characters and its reason at "
            f"most {MAX_REASON:,} (given {len(proposal.owner):,} and {len(proposal.reason):,})"
        )
    if proposal.expires < proposal.on:
        raise RefusedAction(f"a risk acceptance expiring on {proposal.expires} is over already")
    covers = {
        Kind.CONDITION: proposal.condition is not None and proposal.subject is None,
        Kind.FACTOR: proposal.condition is None
        and proposal.subject is not None
        and FACTOR.fullmatch(proposal.subject) is not None
        and proposal.level is not None,
        Kind.FINDING: proposal.condition is None and bool((proposal.subject or "").strip()),
    }
    if not covers[proposal.kind] or (proposal.level is not None) != (proposal.kind is Kind.FACTOR):
        raise RefusedAction(
            "a risk acceptance covers one thing: a condition (its id), a factor (its id F01–F20 "
            "and the level it is set to) or a finding (its id)"
        )
    return NewAcceptance(
        kind=proposal.kind.value,
        owner=proposal.owner,
        reason=proposal.reason,
        expires=proposal.expires,
        condition_id=proposal.condition,
        subject=proposal.subject,
        level=None if proposal.level is None else proposal.level.value,
    )


def _check_waivable(tx: Tx, case_id: str, condition_id: int, on: date) -> None:
    condition = outcomes.get_condition(tx, case_id, condition_id)
    now = track(condition, acceptances.list_acceptances(tx, case_id), on)
    if now.standing in {Standing.MET, Standing.BREACHED}:
        raise RefusedAction(
            f"condition {condition_id} of case {case_id} is {now.standing.value} on {on}: "
            "there is nothing left to waive"
        )
