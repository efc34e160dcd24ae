"""Findings of a case's current round, and their triage by the review office.

`current_findings` reads the latest round the caller may see (a round is seen with the
submission it reviewed) and lists its findings with their VEX status and where it came from;
a party reads the risk acceptances they cite as their ids only (`applied.redacted`).

`triage_finding` records the office's VEX status of one finding of the latest round (OpenVEX's
statuses; `not_affected` with one of OpenVEX's justifications, as CSAF's flags name them, the
others with none) and, in the same transaction, reviews the same submission again as the
case's next round, which
applies every triage of the case after the package's own VEX (`case.triaged`): the finding's
status, the factor levels it weighed in and the outcome follow. Triage is a reviewer's, as
rounds are.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from typing import Any, Final

from chainreview import raw
from chainreview.case.access import (
    OFFICE,
    Caller,
    check_role,
    read_case,
    sees_submission,
    visible_case,
)
from chainreview.case.applied import redacted
from chainreview.case.procedure import Role
from chainreview.case.rounds import review_round_in
from chainreview.errors import InputError, NotFound
from chainreview.findings.model import Status
from chainreview.report.vex_vocabulary import OPENVEX_LABELS
from chainreview.reviewer import Reviewer
from chainreview.store import rounds, triages
from chainreview.store.db import Store, Tx
from chainreview.store.records import NewTriage, RoundRecord, TriageRecord

MAX_NOTE_CHARS: Final = 3_000
"""Longest triage note (the statement's impact or action), as a risk acceptance's reason."""


@dataclass(frozen=True, slots=True, kw_only=True)
class FindingView:
    """One finding of a round as a reader sees it."""

    product: str
    id: str
    aliases: tuple[str, ...]
    component: str
    name: str
    version: str
    purl: str | None
    severity: str
    score: float | None
    kev: bool
    status: str
    justification: str | None
    status_source: str | None
    """The VEX document and statement, or the office triage, that set the status."""
    suppressed: str | None
    """The entry that suppresses it and why (a risk acceptance's id only, for a party)."""
    active: bool
    """Whether it counts for the factors and the outcome."""


@dataclass(frozen=True, slots=True, kw_only=True)
class RoundFindings:
    """The findings of one round, with the determination they led to."""

    case_id: str
    round: int
    submission: int
    as_of: date
    outcome: str
    final: bool
    levels: dict[str, str]
    """Each factor's level in the round."""
    findings: tuple[FindingView, ...]


@dataclass(frozen=True, slots=True, kw_only=True)
class Triage:
    """The VEX status the office gives a finding (any id of its alias group) in a component."""

    vulnerability: str
    component: str
    status: Status
    justification: str | None
    note: str


def current_findings(store: Store, case_id: str, *, caller: Caller) -> RoundFindings:
    """The findings of the latest round of the case the caller may see; `NotFound` when it has
    none."""
    office = caller.role in OFFICE
    with store.read_only(caller.name) as tx:
        read_case(tx, store.memo, caller, case_id)
        number = _latest_number(tx, caller, case_id)
        return store.large_memo.get(  # a round never changes once recorded
            ("findings", case_id, number, office),
            RoundFindings,
            lambda: _findings(rounds.get_round(tx, case_id, number), office=office),
        )


def triage_finding(
    store: Store,
    case_id: str,
    given: Triage,
    reviewer: Reviewer,
    *,
    caller: Caller,
    as_of: date,
    allow_demo_intel: bool = False,
) -> tuple[TriageRecord, RoundRecord]:
    """Record the office's triage of a finding of the latest round and review that round's
        submission again, as of `as_of`, as the case's next round; `NotFound` when the round has
        no such finding, `InputError` for a justification OpenVEX does not allow there. The triage
    and the round are one transaction: a review that fails records neither."""
    with store.transaction(caller.name) as tx:
        visible_case(tx, caller, case_id)  # a case the caller may not see is absent, first
        check_role(caller, {Role.REVIEWER}, "triaging a finding")
        _check(given)
        kept = _latest(tx, caller, case_id)
        found = _findings(kept, office=True)
        named = [
            f
            for f in found.findings
            if f.component == given.component and given.vulnerability in (f.id, *f.aliases)
        ]
        if not named:
            raise NotFound(
                f"round {kept.number} of case {case_id} has no finding {given.vulnerability} "
                f"in {given.component}"
            )
        recorded = triages.record_triage(
            tx,
            case_id,
            NewTriage(
                round=kept.number,
                vulnerability=named[0].id,
                component=given.component,
                status=given.status.value,
                justification=given.justification,
                note=given.note,
            ),
        )
        following = review_round_in(
            tx,
            case_id,
            reviewer,
            as_of=as_of,
            caller=caller,
            submission=kept.submission,
            allow_demo_intel=allow_demo_intel,
        )
    return recorded, following


def _check(given: Triage) -> None:
    where = f"triage of {given.vulnerability}"
    if given.status is Status.NOT_AFFECTED:
        if given.justification not in OPENVEX_LABELS:
            allowed = ", ".join(sorted(OPENVEX_LABELS))
            raise InputError(where, f"not_affected takes one of the justifications {allowed}")
    elif given.justification is not None:
        raise InputError(where, f"{given.status.value} takes no justification (not_affected does)")
    if not given.note.strip() or len(given.note) > MAX_NOTE_CHARS:
        raise InputError(where, f"the note is 1 to {MAX_NOTE_CHARS:,} characters")


def _latest(tx: Tx, caller: Caller, case_id: str) -> RoundRecord:
    visible_case(tx, caller, case_id)
    return rounds.get_round(tx, case_id, _latest_number(tx, caller, case_id))


def _latest_number(tx: Tx, caller: Caller, case_id: str) -> int:
    """The number of the latest round the caller may see (of a case they see)."""
    seen = [n for n, party in rounds.round_parties(tx, case_id) if sees_submission(caller, party)]
    if not seen:
        raise NotFound(f"case {case_id} has no review round yet")
    return seen[-1]


def _findings(kept: RoundRecord, *, office: bool) -> RoundFindings:
    result = raw.load_json(kept.result_json, f"round {kept.number}")
    determination = result["determination"]
    return RoundFindings(
        case_id=kept.case_id,
        round=kept.number,
        submission=kept.submission,
        as_of=date.fromisoformat(determination["as_of"]),
        outcome=determination["outcome"],
        final=determination["final"],
        levels={a["factor_id"]: a["level"] for a in determination["assessments"]},
        findings=tuple(
            _finding(product["product"], item, office)
            for product in result["products"]
            for item in product["findings"]
        ),
    )


def _finding(product: str, item: dict[str, Any], office: bool) -> FindingView:
    suppressed = item.get("suppressed")
    why = None if suppressed is None else f"{suppressed['id']}: {suppressed['reason']}"
    status = Status(item["status"])
    return FindingView(
        product=product,
        id=item["id"],
        aliases=tuple(sorted(set(item["aliases"]) - {item["id"]})),
        component=item["component"],
        name=item["name"],
        version=item["version"],
        purl=item.get("purl"),
        severity=item["severity"]["level"],
        score=item["severity"].get("score"),
        kev=item.get("kev") is not None,
        status=status.value,
        justification=item.get("justification"),
        status_source=item.get("status_source"),
        suppressed=why if why is None or office else redacted(why),
        active=suppressed is None and status in (Status.AFFECTED, Status.UNDER_INVESTIGATION),
    )
