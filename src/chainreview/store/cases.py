"""Cases: open one, read it, change it under optimistic locking; the snapshots cases pin.

An update names the version of the case it was decided on (`expected_version`); if the case has
moved on since, it raises `ConflictError` naming both versions and changes nothing. The version
is SQLAlchemy's `version_id_col`, so the UPDATE itself also carries `WHERE version = …`: even a
writer that read the case before another committed cannot overwrite that change.
"""

from __future__ import annotations

import re
from dataclasses import fields
from datetime import date
from typing import Final

from sqlalchemy import Result, RowMapping, bindparam, func, select, union
from sqlalchemy.orm.exc import StaleDataError

from chainreview.errors import ConflictError, NotFound
from chainreview.store import audit
from chainreview.store.db import Store, Tx
from chainreview.store.engines import READ_ONLY
from chainreview.store.records import (
    ActionRecord,
    CaseRecord,
    NewAction,
    NewCase,
    PositionRecord,
)
from chainreview.store.tables import Case, CaseAction, Round

PREFIX: Final = "CR"
"""Case ids read `CR-<year>-<number>`, numbered from 1 each year, at least 4 digits."""
SNAPSHOT_HASH: Final = re.compile(r"[0-9a-f]{64}")
_RECORD_FIELDS: Final = tuple(f.name for f in fields(CaseRecord))
RECORD_COLUMNS: Final = tuple(Case.__table__.columns[name] for name in _RECORD_FIELDS)
"""The columns a `CaseRecord` is made of, named as its fields."""
_ACTION_FIELDS: Final = tuple(f.name for f in fields(ActionRecord))
_ACTION_COLUMNS: Final = tuple(
    CaseAction.__table__.columns["on_date" if name == "on" else name].label(name)
    for name in _ACTION_FIELDS
)
"""The columns an `ActionRecord` is made of, labelled as its fields."""
_POSITION_COLUMNS: Final = (
    Case.entered_on,
    Case.pauses,
    Case.extension_days,
    Case.clock_latest_on,
)


def open_case(tx: Tx, new: NewCase) -> CaseRecord:
    """Open a case under the next free id of the current year."""
    _check_snapshot(new.snapshot_hash)
    audit.lock(tx)
    now = tx.now()
    row = Case(
        id=_next_id(tx, now.year if new.year is None else new.year),
        regime=new.regime,
        title=new.title,
        state=new.state,
        applicant_org=new.applicant_org,
        vendor_org=new.vendor_org,
        ex_officio=new.ex_officio,
        opened_at=now,
        opened_by=tx.actor,
        snapshot_hash=new.snapshot_hash,
        actions=0,
    )
    tx.session.add(row)
    tx.session.flush()
    audit.append(
        tx,
        "case.open",
        {
            "regime": new.regime,
            "title": new.title,
            "state": new.state,
            "applicant_org": new.applicant_org,
            "vendor_org": new.vendor_org,
            "ex_officio": new.ex_officio,
            "snapshot": new.snapshot_hash,
        },
        case_id=row.id,
        at=now,
    )
    return _record(row)


def get_case(tx: Tx, case_id: str) -> CaseRecord:
    """The case as stored now; `NotFound` if there is none."""
    return _record(_row(tx, case_id))


_CASE_NOW: Final = select(*RECORD_COLUMNS, Case.actions).where(Case.id == bindparam("case_id"))
"""Built once, as `_FIRST_ACTIONS`: building a statement costs more than running a short one."""
_FIRST_ACTIONS: Final = (
    select(*_ACTION_COLUMNS)
    .where(CaseAction.case_id == bindparam("case_id"), CaseAction.seq <= bindparam("count"))
    .order_by(CaseAction.seq)
)


def case_now(tx: Tx, case_id: str) -> tuple[CaseRecord, int]:
    """The case as stored now and how many procedure actions it has recorded, in one query of
    plain columns (no ORM object); `NotFound` if there is none."""
    row = tx.connection().execute(_CASE_NOW, {"case_id": case_id}).mappings().first()
    if row is None:
        raise NotFound(f"no case {case_id}")
    return case_of(row), row["actions"]


def first_actions(tx: Tx, case_id: str, count: int) -> tuple[ActionRecord, ...]:
    """The case's first `count` procedure actions in the order recorded, in one query of plain
    columns: with the count `case_now` read in the same transaction, exactly the history of
    the case as read, whatever was recorded since."""
    rows = tx.connection().execute(_FIRST_ACTIONS, {"case_id": case_id, "count": count})
    return tuple(ActionRecord(**{n: row[n] for n in _ACTION_FIELDS}) for row in rows.mappings())


def list_cases(tx: Tx) -> tuple[CaseRecord, ...]:
    """Every case, oldest first."""
    query = select(*RECORD_COLUMNS).order_by(Case.opened_at, Case.id)
    return tuple(case_of(row) for row in tx.session.execute(query).mappings())


def fingerprint(tx: Tx) -> tuple[int, int]:
    """How many cases there are and the sum of their versions: both only grow (a case is never
    removed, and every change moves its version on), so any change to any case changes it."""
    query = select(func.count(), func.coalesce(func.sum(Case.version), 0))
    count, total = tx.connection().execute(query).one()
    return int(count), int(total)


def list_positions(tx: Tx) -> tuple[tuple[CaseRecord, PositionRecord | None], ...]:
    """Every case, oldest first, with the position its last recorded action left (None when
    none is recorded), in one query of plain columns."""
    query = select(*RECORD_COLUMNS, *_POSITION_COLUMNS).order_by(Case.opened_at, Case.id)
    rows = tx.connection().execute(query).mappings()
    return tuple((case_of(row), _position(row)) for row in rows)


def update_case(
    tx: Tx,
    case_id: str,
    *,
    expected_version: int,
    state: str | None = None,
    title: str | None = None,
    snapshot_hash: str | None = None,
) -> CaseRecord:
    """Change what is given (None: unchanged) if the case is still at `expected_version`.

    A change of state is audited as `case.transition`, others as `case.update`; an update that
    changes nothing writes nothing.
    """
    _check_snapshot(snapshot_hash)
    audit.lock(tx)
    row = _row(tx, case_id)
    if row.version != expected_version:
        raise ConflictError(case_id, expected_version, row.version)
    wanted = {"state": state, "title": title, "snapshot_hash": snapshot_hash}
    changes = {
        name: [getattr(row, name), value]
        for name, value in wanted.items()
        if value is not None and value != getattr(row, name)
    }
    if not changes:
        return _record(row)
    for name, (_, value) in changes.items():
        setattr(row, name, value)
    try:
        tx.session.flush()
    except StaleDataError as err:
        raise ConflictError(case_id, expected_version, _version_now(tx, case_id)) from err
    action = "case.transition" if "state" in changes else "case.update"
    payload = {"changes": changes, "version": [expected_version, row.version]}
    audit.append(tx, action, payload, case_id=case_id)
    return _record(row)


def record_action(
    tx: Tx,
    case_id: str,
    new: NewAction,
    *,
    position: PositionRecord,
    consulted: bool,
    expected_version: int,
) -> ActionRecord:
    """Append a procedure action to the case's history and keep the position it leads to and
    whether member units have been consulted by then, if the case is still at
    `expected_version` (else `ConflictError`); audited as `case.action`. The caller
    (`chainreview.case`) has checked that the procedure allows it."""
    audit.lock(tx)
    row = _row(tx, case_id)
    if row.version != expected_version:
        raise ConflictError(case_id, expected_version, row.version)
    now = tx.now()
    previous = row.state
    state = position.state
    row.actions += 1
    row.state = state
    row.entered_on = position.entered
    row.pauses = [[since.isoformat(), _iso(until)] for since, until in position.pauses]
    row.extension_days = position.extension_days
    row.clock_latest_on = position.latest
    row.consulted = consulted
    action = CaseAction(
        case_id=case_id,
        seq=row.actions,
        on_date=new.on,
        action=new.action,
        role=new.role,
        days=new.days,
        note=new.note,
        recorded_at=now,
        recorded_by=tx.actor,
    )
    tx.session.add(action)
    try:
        tx.session.flush()
    except StaleDataError as err:
        raise ConflictError(case_id, expected_version, _version_now(tx, case_id)) from err
    payload = {
        "action": new.action,
        "on": new.on.isoformat(),
        "role": new.role,
        "days": new.days,
        "note": new.note,
        "state": [previous, state],
        "version": [expected_version, row.version],
    }
    audit.append(tx, "case.action", payload, case_id=case_id, at=now)
    return _action_record(action)


def list_actions(tx: Tx, case_id: str) -> tuple[ActionRecord, ...]:
    """The case's procedure history, in the order it was recorded; `NotFound` for no case."""
    _row(tx, case_id)
    rows = tx.session.scalars(
        select(CaseAction).where(CaseAction.case_id == case_id).order_by(CaseAction.seq)
    )
    return tuple(_action_record(row) for row in rows)


def pinned_snapshots(store: Store) -> frozenset[str]:
    """Every intel snapshot hash a case or one of its rounds references: these must be kept."""
    with store.reading() as connection:
        found: Result[str | None] = connection.execute(
            union(
                select(Case.snapshot_hash).where(Case.snapshot_hash.is_not(None)),
                select(Round.snapshot_hash),
            )
        )
        return frozenset(row[0] for row in found if row[0] is not None)


def _next_id(tx: Tx, year: int) -> str:
    prefix = f"{PREFIX}-{year}-"
    last = tx.session.scalars(
        select(Case.id)
        .where(Case.id.startswith(prefix, autoescape=True))
        .order_by(func.length(Case.id).desc(), Case.id.desc())
        .limit(1)
    ).first()
    number = int(last.removeprefix(prefix)) + 1 if last else 1
    return f"{prefix}{number:04d}"


def _row(tx: Tx, case_id: str) -> Case:
    row = tx.session.get(Case, case_id, populate_existing=True)
    if row is None:
        raise NotFound(f"no case {case_id}")
    return row


def _version_now(tx: Tx, case_id: str) -> int:
    """The case's committed version, read apart from `tx` (whose flush just failed)."""
    with tx.session.get_bind().engine.connect() as connection:
        connection.execution_options(**{READ_ONLY: True})
        found = connection.execute(select(Case.version).where(Case.id == case_id)).scalar()
    return found if found is not None else -1


def case_of(row: RowMapping) -> CaseRecord:
    """The case in a row that has `RECORD_COLUMNS` (as their names)."""
    return CaseRecord(**{name: row[name] for name in _RECORD_FIELDS})


def _position(row: RowMapping) -> PositionRecord | None:
    if row["entered_on"] is None:
        return None
    return PositionRecord(
        state=row["state"],
        entered=row["entered_on"],
        pauses=tuple((date.fromisoformat(since), _day(until)) for since, until in row["pauses"]),
        extension_days=row["extension_days"],
        latest=row["clock_latest_on"],
    )


def _iso(day: date | None) -> str | None:
    return None if day is None else day.isoformat()


def _day(text: str | None) -> date | None:
    return None if text is None else date.fromisoformat(text)


def _check_snapshot(snapshot_hash: str | None) -> None:
    if snapshot_hash is not None and not SNAPSHOT_HASH.fullmatch(snapshot_hash):
        raise ValueError(f"not an intel snapshot hash (64 hex digits): {snapshot_hash!r}")


def _record(row: Case) -> CaseRecord:
    return CaseRecord(
        id=row.id,
        regime=row.regime,
        title=row.title,
        state=row.state,
        applicant_org=row.applicant_org,
        vendor_org=row.vendor_org,
        ex_officio=row.ex_officio,
        opened_at=row.opened_at,
        opened_by=row.opened_by,
        snapshot_hash=row.snapshot_hash,
        version=row.version,
        consulted=row.consulted,
    )


def _action_record(row: CaseAction) -> ActionRecord:
    return ActionRecord(
        case_id=row.case_id,
        seq=row.seq,
        on=row.on_date,
        action=row.action,
        role=row.role,
        days=row.days,
        note=row.note,
        recorded_at=row.recorded_at,
        recorded_by=row.recorded_by,
    )
