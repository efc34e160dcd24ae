"""The forms that conclude a case and follow its conditions: the approver's decision (taken
with the workflow's decision action, `case.decisions.decide`) and a reviewer recording a
condition met (`case.conditions.mark_met`). A refusal is the case page saying why, as for the
other work forms (`web.pages_work`)."""

from __future__ import annotations

from datetime import date
from typing import Annotated

from fastapi import APIRouter, Form, Request
from starlette.responses import Response

from chainreview.api.context import context
from chainreview.api.schemas import FIRST_DAY, LAST_DAY
from chainreview.case import conditions, decisions
from chainreview.case.access import Caller
from chainreview.case.outcomes import Party
from chainreview.case.service import case_today
from chainreview.errors import ChainreviewError, InputError
from chainreview.web.pages import CaseId, Token, _guarded, _see_other
from chainreview.web.pages_work import Text, _case_path, _refused

router = APIRouter(include_in_schema=False)

Short = Annotated[str, Form(max_length=32)]


@router.post("/cases/{case_id}/decide")
def decide(
    case_id: CaseId,
    request: Request,
    csrf: Token,
    expected_version: Annotated[int, Form(ge=1, le=2**31 - 1)],
    outcome: Short,
    reason: Text,
    condition_text: Text = "",
    condition_party: Short = "applicant",
    condition_due: Short = "",
) -> Response:
    """Record the approver's decision today and conclude the case with it; a pass with
    conditions takes over the latest round's conditions and the one given here."""

    def record(caller: Caller) -> Response:
        shared = context(request)
        try:
            required = _required(condition_text, condition_party, condition_due)
            decisions.decide(
                shared.store,
                case_id,
                decisions.Decided(
                    outcome=_outcome(outcome),
                    reason=reason,
                    on=case_today(shared.store, case_id, caller=caller, now=shared.clock()),
                    conditions=required,
                ),
                caller=caller,
                expected_version=expected_version,
            )
        except ChainreviewError as error:
            return _refused(request, case_id, caller, error)
        return _see_other(_case_path(case_id) + "?done=decision#outcomes")

    return _guarded(request, record, csrf)


@router.post("/cases/{case_id}/condition-met")
def condition_met(
    case_id: CaseId,
    request: Request,
    csrf: Token,
    condition: Annotated[int, Form(ge=1, le=2**31 - 1)],
    note: Annotated[str, Form(max_length=2000)],
) -> Response:
    """Record a condition of the case met today, with the evidence it was met on."""

    def record(caller: Caller) -> Response:
        shared = context(request)
        try:
            conditions.mark_met(
                shared.store,
                case_id,
                condition,
                note=note,
                on=case_today(shared.store, case_id, caller=caller, now=shared.clock()),
                caller=caller,
            )
        except ChainreviewError as error:
            return _refused(request, case_id, caller, error)
        return _see_other(_case_path(case_id) + "?done=condition#outcomes")

    return _guarded(request, record, csrf)


def _outcome(given: str) -> decisions.Outcome:
    if given not in {o.value for o in decisions.Outcome}:
        raise InputError("outcome", f"{given!r} is not pass, pass-with-conditions or fail")
    return decisions.Outcome(given)


def _required(text: str, party: str, due: str) -> tuple[decisions.Required, ...]:
    """The condition the form gives, if its text is filled in."""
    if not text.strip():
        return ()
    if party not in {p.value for p in Party}:
        raise InputError("condition", f"{party!r} is neither applicant nor vendor")
    try:
        day = date.fromisoformat(due) if due else None
    except ValueError:
        raise InputError("condition", f"{due!r} is not a day (YYYY-MM-DD)") from None
    if day is not None and not FIRST_DAY <= day <= LAST_DAY:
        raise InputError("condition", f"{due} is outside {FIRST_DAY} to {LAST_DAY}")
    return (decisions.Required(text=text, party=Party(party), due=day),)
