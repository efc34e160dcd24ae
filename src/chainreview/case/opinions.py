"""Member units' opinions (Art. 12(1)): a member unit gives its opinion on a case put to member
units, while it is in a state where they are consulted (cn-crm-2022: member opinions, special
review), in the name of its own unit."""

from __future__ import annotations

from enum import StrEnum

from chainreview.case.access import Caller, check_role, visible_case
from chainreview.case.procedure import Role, load_workflow
from chainreview.errors import RefusedAction
from chainreview.store import outcomes
from chainreview.store.db import Store
from chainreview.store.records import OpinionRecord


class Stance(StrEnum):
    """A member unit's position on the case: it agrees with the recommendation, or not (the
    opinions differing leads to special review, Art. 12(2))."""

    CONCUR = "concur"
    DISSENT = "dissent"


def give_opinion(
    store: Store, case_id: str, stance: Stance, text: str, *, caller: Caller
) -> OpinionRecord:
    """Record the caller's unit's opinion on the case; refused outside a consulted state."""
    check_role(caller, {Role.MEMBER_UNIT}, "giving an opinion")
    if caller.org is None:
        raise RefusedAction(f"{caller.name} is a member unit's user with no unit named")
    if not text.strip():
        raise RefusedAction("an opinion states its reasons: give its text")
    with store.transaction(caller.name) as tx:
        record, _ = visible_case(tx, caller, case_id)
        workflow = load_workflow(record.regime)
        if not workflow.states[record.state].consulted:
            asked = ", ".join(s.id for s in workflow.states.values() if s.consulted)
            raise RefusedAction(
                f"case {case_id} is in {record.state}: member units give opinions in {asked}"
            )
        return outcomes.add_opinion(tx, case_id, unit=caller.org, position=stance.value, text=text)
