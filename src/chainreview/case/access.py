"""Who may see and do what on a case (Art. 17: the office keeps each party's material from the
others).

Everyone acts as a registered user with one role (`Caller`). The office (reviewer, approver,
admin) sees every case. An operator (applicant) sees the cases its organisation declared; a
supplier (vendor) the cases about its products, and of their submissions only those its
organisation made. A member unit sees a case once it has been brought to a state where member
units are consulted (the workflow marks them). A case someone may not see is reported as absent
(`NotFound`), exactly as one that does not exist: listing and fetching never reveal it.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from typing import Final

from chainreview.case.procedure import Role, Workflow, load_workflow
from chainreview.errors import NotFound, RefusedAction
from chainreview.store import cases
from chainreview.store.db import Tx
from chainreview.store.memo import Memo
from chainreview.store.records import ActionRecord, CaseRecord

OFFICE: Final = frozenset({Role.REVIEWER, Role.APPROVER, Role.ADMIN})
"""The review office's roles: they see every case."""
PARTIES: Final = frozenset({Role.APPLICANT, Role.VENDOR})
"""The roles that act for an organisation, named on the user."""
SUBMITTERS: Final = {Role.APPLICANT: "applicant", Role.VENDOR: "vendor", Role.REVIEWER: "office"}
"""Who may store a submission on a case they see, and the party it is recorded as."""


@dataclass(frozen=True, slots=True, kw_only=True)
class Caller:
    """Who is asking: a registered, active user, in their one role."""

    name: str
    role: Role
    org: str | None
    """The organisation an applicant or vendor acts for; None for the office and member units."""


def sees_case(caller: Caller, case: CaseRecord, consulted: bool) -> bool:
    """Whether `caller` may see `case` at all; `consulted`: it has been put to member units."""
    if caller.role in OFFICE:
        return True
    if caller.role is Role.APPLICANT:
        return same_org(caller.org, case.applicant_org)
    if caller.role is Role.VENDOR:
        return same_org(caller.org, case.vendor_org)
    return caller.role is Role.MEMBER_UNIT and consulted


def consulted(workflow: Workflow, history: Iterable[ActionRecord]) -> bool:
    """Whether the case has ever been brought to a state where member units are consulted."""
    actions = workflow.consulting()
    return any(a.action in actions for a in history)


def sees_submission(caller: Caller, party: str) -> bool:
    """Whether `caller`, who sees the case, may see a submission made by `party`: a vendor
    only its own; an applicant all but the vendor's."""
    if caller.role is Role.VENDOR:
        return party == "vendor"
    if caller.role is Role.APPLICANT:
        return party != "vendor"
    return True


def sees_opinions(caller: Caller) -> bool:
    """Whether `caller`, who sees the case, may read member units' opinions on it: the office
    and member units, never the parties."""
    return caller.role in OFFICE or caller.role is Role.MEMBER_UNIT


def bound_parties(caller: Caller) -> frozenset[str]:
    """The parties whose conditions `caller`, who sees the case, may read: the office all of
    them, an applicant or vendor those that bind it, a member unit none."""
    if caller.role in OFFICE:
        return frozenset(SUBMITTERS[r] for r in PARTIES)
    if caller.role in PARTIES:
        return frozenset({SUBMITTERS[caller.role]})
    return frozenset()


def check_case(caller: Caller, case: CaseRecord, consulted: bool) -> None:
    """`NotFound`, worded as for a case that does not exist, unless `caller` sees `case`."""
    if not sees_case(caller, case, consulted):
        raise NotFound(f"no case {case.id}")


def check_role(caller: Caller, allowed: Iterable[Role], doing: str) -> None:
    """`RefusedAction` naming the roles that may do `doing`, unless `caller` has one."""
    roles = frozenset(allowed)
    if caller.role not in roles:
        names = ", ".join(sorted(r.value for r in roles))
        raise RefusedAction(f"{doing} is for {names}, not {caller.role.value} ({caller.name})")


def same_org(given: str | None, named: str) -> bool:
    """Whether an organisation named on a user is the one named on a case (compared without
    case or surrounding spaces, as the exposure list compares vendors)."""
    return given is not None and given.strip().casefold() == named.strip().casefold()


def visible_case(
    tx: Tx, caller: Caller, case_id: str
) -> tuple[CaseRecord, tuple[ActionRecord, ...]]:
    """The case and its procedure history, if `caller` may see it; else `NotFound`."""
    record = cases.get_case(tx, case_id)
    history = cases.list_actions(tx, case_id)
    check_case(caller, record, consulted(load_workflow(record.regime), history))
    return record, history


def read_case(
    tx: Tx, memo: Memo, caller: Caller, case_id: str
) -> tuple[CaseRecord, tuple[ActionRecord, ...]]:
    """`visible_case` in a transaction that writes nothing: the case row read in one query,
    its history read only when `memo` has none for the case's version and action count read
    with it (so never a history other than the one the row is at). A transaction that has
    written must use `visible_case`: what it read may yet be rolled back."""
    record, count = cases.case_now(tx, case_id)
    history = kept_history(tx, memo, record, count)
    check_case(caller, record, consulted(load_workflow(record.regime), history))
    return record, history


def kept_history(tx: Tx, memo: Memo, record: CaseRecord, count: int) -> tuple[ActionRecord, ...]:
    """The case's first `count` actions (`count` read with `record` in `tx`), from `memo`
    while the case is at the version and count read, else read in `tx` and kept."""
    return memo.get(
        ("history", record.id, record.version, count),
        tuple,
        lambda: cases.first_actions(tx, record.id, count),
    )
