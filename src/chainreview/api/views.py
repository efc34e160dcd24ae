"""The library's results as the API's models (no decisions here: only their shapes)."""

from __future__ import annotations

import hashlib
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any, Final

from fastapi import Request, Response
from pydantic import BaseModel

from chainreview.api.schemas import (
    ActionOut,
    AllowedOut,
    AuditOut,
    CaseDetail,
    CaseOut,
    ClockOut,
    Deadline,
    IntelStatus,
    PauseOut,
    PositionOut,
    SourceOut,
)
from chainreview.case.procedure import allowed_actions, load_workflow
from chainreview.case.service import CaseView
from chainreview.store.records import AuditVerdict


def as_json(model: BaseModel) -> Response:
    """`model` as the JSON answer FastAPI would give for it, serialized once by pydantic (a
    route returning its model has FastAPI dump, validate again and encode it: on a busy route
    that costs more than the answer)."""
    return Response(model.model_dump_json(), media_type="application/json")


@dataclass(frozen=True, slots=True)
class Answer:
    """A JSON answer serialized once (to be kept in a store's memo), with its entity tag."""

    body: bytes
    etag: str
    """A strong ETag: the body's SHA-256 (its first 128 bits), quoted."""


def answer_of(model: BaseModel) -> Answer:
    body = model.model_dump_json().encode()
    return Answer(body, f'"{hashlib.sha256(body).hexdigest()[:32]}"')


REVALIDATE: Final = "private, no-cache"
"""What a browser may do with a tagged answer: keep it for this user only, and ask again
(`If-None-Match`) before each use."""


def tagged(answer: Answer, request: Request) -> Response:
    """`answer` as a 200, or a bodiless 304 when the request's `If-None-Match` names its ETag
    (or is `*`), weak tags compared as strong ones (RFC 9110 §13.1.2)."""
    headers = {"ETag": answer.etag, "Cache-Control": REVALIDATE}
    asked = request.headers.get("if-none-match")
    if asked is not None:
        named = {tag.strip().removeprefix("W/") for tag in asked.split(",")}
        if "*" in named or answer.etag in named:
            return Response(status_code=304, headers=headers)
    return Response(answer.body, media_type="application/json", headers=headers)


def deadline(view: CaseView) -> Deadline:
    """The state of the case's clock on its day, in one word."""
    clock = view.clock
    if clock is None:
        return "none"
    if clock.due is None:
        return "stopped"
    return "overdue" if clock.overdue else "running"


def case_out(view: CaseView) -> CaseOut:
    return CaseOut(**_case_fields(view))


def case_detail(view: CaseView) -> CaseDetail:
    allowed = allowed_actions(load_workflow(view.case.regime), view.position)
    return CaseDetail(
        **_case_fields(view),
        history=[
            ActionOut(
                seq=a.seq,
                on=a.on,
                action=a.action,
                role=a.role,
                days=a.days,
                note=a.note,
                recorded_at=a.recorded_at,
                recorded_by=a.recorded_by,
            )
            for a in view.history or ()
        ],
        allowed=[
            AllowedOut(
                action=a.action,
                roles=sorted(r.value for r in a.roles),
                with_decision=a.with_decision,
            )
            for a in allowed
        ],
    )


def _case_fields(view: CaseView) -> dict[str, Any]:
    case, position, clock = view.case, view.position, view.clock
    return {
        "id": case.id,
        "regime": case.regime,
        "title": case.title,
        "state": case.state,
        "applicant": case.applicant_org,
        "vendor": case.vendor_org,
        "ex_officio": case.ex_officio,
        "opened_at": case.opened_at,
        "opened_by": case.opened_by,
        "version": case.version,
        "position": PositionOut(
            state=position.state,
            entered=position.entered,
            pauses=[PauseOut(since=p.since, until=p.until) for p in position.pauses],
            extension_days=position.extension_days,
            latest=position.latest,
        ),
        "deadline": deadline(view),
        "clock": None
        if clock is None
        else ClockOut(
            state=clock.state,
            article=clock.article,
            started=clock.started,
            days=clock.days,
            unit=str(clock.unit),
            paused_days=clock.paused_days,
            stopped_since=clock.stopped_since,
            due=clock.due,
            left=clock.left,
            overdue=clock.overdue,
            provisional=clock.provisional,
            uncovered_years=list(clock.uncovered_years),
        ),
        "overdue_conditions": view.overdue_conditions,
        "today": view.today,
    }


def intel_status(manifest: Mapping[str, Any] | None, *, bundled: bool) -> IntelStatus:
    """The snapshot's manifest (None: no snapshot yet) as the status answer."""
    if manifest is None:
        return IntelStatus(
            current=None,
            bundled=False,
            demo=False,
            imported_at=None,
            newest=None,
            sources=[],
            feeds={},
            missing_feeds=[],
        )
    return IntelStatus(
        current=manifest["hash"],
        bundled=bundled,
        demo=bool(manifest.get("demo")),
        imported_at=manifest.get("imported_at"),
        newest=manifest.get("newest"),
        sources=[
            SourceOut(
                name=s["name"],
                kind=s["kind"],
                complete=s.get("complete") is True,
                demo=s.get("demo") is True,
                records=s["records"],
                withdrawn=s["withdrawn"],
                as_of=s.get("as_of") or s.get("newest"),
                licence=s.get("licence"),
                attribution=s.get("attribution"),
            )
            for s in manifest["sources"]
        ],
        feeds=dict(manifest.get("feeds") or {}),
        missing_feeds=list(manifest.get("missing_feeds") or []),
    )


def audit_out(verdict: AuditVerdict) -> AuditOut:
    return AuditOut(
        ok=verdict.ok,
        checked=verdict.checked,
        head=verdict.head,
        first_bad=verdict.first_bad,
        problem=None if verdict.problem is None else str(verdict.problem),
        detail=verdict.detail,
    )
