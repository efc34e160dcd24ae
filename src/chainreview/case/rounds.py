"""Submissions and review rounds of a case.

A submission is a declaration package stored as the review read it: `load_package` checks the
folder first (a package with problems stores nothing), then every file it read is stored under
its sha256, the bytes read again and checked against the digest the check saw. A review round
reviews one submission, its files written back into a private folder, with a `Reviewer` on the
intel snapshot the caller chose, and keeps `result.json` exactly as written together with that
snapshot's hash; the snapshot is pinned (`intel.snapshot.pin`) so that no import's garbage
collection removes it: the same submission, snapshot and review date
give the same bytes again (`rerender`).

A round applies the case's factor and finding risk acceptances in force on its review date
(`case.applied`): the factor levels through an overrides file written beside the package, the
findings as suppressions of every product's scan. Rendering it again applies the acceptances its
`result.json` cites, and no other, so an acceptance approved since changes nothing. It also
applies every triage of the case (`case.triaged`: the office's VEX status of a finding, after the
package's own VEX); rendering it again, those its findings cite.
"""

from __future__ import annotations

import dataclasses
import hashlib
import io
import tempfile
from collections.abc import Callable
from dataclasses import dataclass
from datetime import date, datetime
from pathlib import Path

from chainreview import limits, raw
from chainreview.case import applied, triaged
from chainreview.case.access import (
    OFFICE,
    SUBMITTERS,
    Caller,
    check_role,
    sees_submission,
    visible_case,
)
from chainreview.case.diff import Assessment, RoundDiff, diff_results, result_assessments
from chainreview.case.packages import write_package
from chainreview.case.procedure import Role
from chainreview.errors import ChainreviewError, InputError, NotFound, RefusedAction
from chainreview.evidence.declaration import Declaration
from chainreview.evidence.vex import VexStatement
from chainreview.formats import REVIEW_FORMATS
from chainreview.intel.snapshot import Snapshot, pin, snapshot_path
from chainreview.reviewer import RESULT_SCHEMA_VERSION, Reviewer, ReviewResult, load_package
from chainreview.store import acceptances, files, rounds, triages
from chainreview.store.db import Store, Tx
from chainreview.store.records import (
    AcceptanceRecord,
    RoundRecord,
    SubmissionRecord,
    TriageRecord,
)

Choice = Callable[[tuple[AcceptanceRecord, ...]], tuple[AcceptanceRecord, ...]]
"""Picks, from a case's risk acceptances, those a round applies."""
Triaged = Callable[[tuple[TriageRecord, ...]], tuple[TriageRecord, ...]]
"""Picks, from a case's triages, those a round applies."""
Keep = Callable[[Tx, SubmissionRecord, Declaration], None]
"""Keeps what is derived from a submission (read as the declaration) in the transaction that
records it: the portfolio records (`portfolio.kept.keep_records`)."""


def submit_package(
    store: Store, case_id: str, folder: Path, *, caller: Caller, keep: Keep | None = None
) -> SubmissionRecord:
    """Check the declaration package in `folder` and store every file it is read from as the
    case's next submission, made by the caller's party (applicant, vendor, or a reviewer for
    the office), with what `keep` derives from it; raises `InvalidPackage` (nothing stored)
    when it has problems."""
    check_role(caller, SUBMITTERS, "submitting a package")
    with store.transaction(caller.name) as tx:
        visible_case(tx, caller, case_id)
    declared = load_package(folder)
    contents = package_contents(folder, declared)
    with store.transaction(caller.name) as tx:
        visible_case(tx, caller, case_id)
        submission = files.submit(tx, case_id, contents, party=SUBMITTERS[caller.role])
        if keep is not None:
            keep(tx, submission, declared)
        return submission


def package_contents(folder: Path, declared: Declaration) -> dict[str, bytes]:
    """Every file the package in `folder` was read from (`declared`), by its package path, the
    bytes read again and checked against the digest the reading saw."""
    contents: dict[str, bytes] = {}
    for found in declared.inputs:
        data = raw.read_bytes(folder / found.path, found.path, limits.MAX_DOCUMENT_BYTES)
        if hashlib.sha256(data).hexdigest() != found.sha256:
            raise InputError(found.path, "changed while the package was being read: submit again")
        contents[found.path] = data
    return contents


def result_json(result: ReviewResult) -> bytes:
    """`result.json`: the review's result as its JSON format writes it."""
    buffer = io.BytesIO()
    REVIEW_FORMATS["json"].write(result, buffer)
    return buffer.getvalue()


def review_round(
    store: Store,
    case_id: str,
    reviewer: Reviewer,
    *,
    as_of: date,
    caller: Caller,
    submission: int | None = None,
    allow_demo_intel: bool = False,
) -> RoundRecord:
    """Review `submission` (default: the latest) on `reviewer`'s snapshot as of `as_of`, with
    the factor and finding risk acceptances in force that day applied, and record `result.json`
    with the snapshot's hash as the case's next round (a reviewer's)."""
    check_role(caller, {Role.REVIEWER}, "reviewing a submission")
    number, reviewed = _review(
        store,
        case_id,
        reviewer,
        as_of,
        caller,
        submission,
        allow_demo_intel,
        lambda found: applied.in_force(found, as_of),
        _every,
    )
    with store.transaction(caller.name) as tx:
        return record_round(tx, case_id, number, reviewer, reviewed.result)


def record_round(
    tx: Tx, case_id: str, submission: int, reviewer: Reviewer, result: ReviewResult
) -> RoundRecord:
    """Record `result`, the review of `submission` on `reviewer`'s snapshot, as the case's
    next round; the snapshot is pinned to the case first (never collected once named)."""
    pin(reviewer.snapshot.path, case_id)
    return rounds.add_round(
        tx,
        case_id,
        submission=submission,
        snapshot_hash=reviewer.snapshot.hash,
        result_json=result_json(result),
    )


def rerender(
    store: Store, case_id: str, number: int, reviewer: Reviewer, *, caller: Caller
) -> bytes:
    """`result.json` of round `number` made again from its submission on `reviewer`'s
    snapshot, which must be the one the round used (`NotFound` otherwise), with the risk
    acceptances it cites; for the office."""
    check_role(caller, OFFICE, "rendering a round again")
    return result_json(
        _again(store, _round(store, case_id, number, caller), reviewer, caller).result
    )


def round_result(
    store: Store, case_id: str, number: int, *, home: Path, caller: Caller
) -> ReviewResult:
    """`round_review`'s result alone."""
    return round_review(store, case_id, number, home=home, caller=caller).result


@dataclass(frozen=True, slots=True)
class Reviewed:
    """A review made again, and the package it read."""

    result: ReviewResult
    package: Declaration


def round_review(
    store: Store, case_id: str, number: int, *, home: Path, caller: Caller
) -> Reviewed:
    """The review result of round `number`, made again on the snapshot it used (kept, pinned,
    under `home`), and checked to give the stored `result.json` byte for byte: what the round's
    report is rendered from; for the office. `NotFound` when the snapshot is gone;
    `RefusedAction` when the round was stored by another result schema (it cannot come out
    the same); `ChainreviewError` (a bug) when the result differs from the one stored."""
    kept = _round(store, case_id, number, caller)
    check_role(caller, OFFICE, "rendering a round again")
    path = snapshot_path(home, kept.snapshot_hash)
    if not path.is_file():
        raise NotFound(
            f"round {number} of case {case_id} used snapshot {kept.snapshot_hash[:12]}, which "
            f"is not under {home}"
        )
    stored = raw.load_json(kept.result_json, "result.json").get("schema_version")
    if stored != RESULT_SCHEMA_VERSION:
        raise RefusedAction(
            f"round {number} of case {case_id} was stored as result schema {stored}; this "
            f"chainreview writes {RESULT_SCHEMA_VERSION} and cannot make its report again "
            "(its result.json is kept as stored: case diff and the case page read it)"
        )
    with Snapshot(path) as snapshot:
        again = _again(store, kept, Reviewer(snapshot), caller)
    if result_json(again.result) != kept.result_json:
        raise ChainreviewError(
            f"round {number} of case {case_id} does not come out as stored when reviewed again"
        )
    return again


def _round(store: Store, case_id: str, number: int, caller: Caller) -> RoundRecord:
    """Round `number` of a case the caller may see (`NotFound` otherwise)."""
    with store.transaction(caller.name) as tx:
        visible_case(tx, caller, case_id)
        return rounds.get_round(tx, case_id, number)


def _again(store: Store, kept: RoundRecord, reviewer: Reviewer, caller: Caller) -> Reviewed:
    """The round reviewed again from its submission on `reviewer`'s snapshot, which must be
    the one it used (`NotFound` otherwise), with the risk acceptances and triages it cites."""
    if kept.snapshot_hash != reviewer.snapshot.hash:
        raise NotFound(
            f"round {kept.number} of case {kept.case_id} used snapshot {kept.snapshot_hash[:12]}; "
            f"open that one to render it again (this reviewer has {reviewer.snapshot.hash[:12]})"
        )
    as_of, final = _stated(kept.result_json)
    ids, triage_ids = applied.cited(kept.result_json), triaged.cited(kept.result_json)
    _, again = _review(
        store,
        kept.case_id,
        reviewer,
        as_of,
        caller,
        kept.submission,
        final,
        lambda found: tuple(a for a in found if a.id in ids),
        lambda found: tuple(t for t in found if t.id in triage_ids),
    )
    return again


@dataclass(frozen=True, slots=True, kw_only=True)
class RoundSummary:
    """One review round as a case page lists it."""

    number: int
    submission: int
    snapshot_hash: str
    as_of: date
    outcome: str
    final: bool
    created_at: datetime
    created_by: str


@dataclass(frozen=True, slots=True, kw_only=True)
class Evidence:
    """What a case holds: its submissions (files and digests) and its review rounds."""

    submissions: tuple[SubmissionRecord, ...]
    rounds: tuple[RoundSummary, ...]


def case_evidence(store: Store, case_id: str, *, caller: Caller) -> Evidence:
    """The case's submissions and rounds the caller may see, oldest first (a round is seen
    with the submission it reviewed)."""
    with store.transaction(caller.name) as tx:
        visible_case(tx, caller, case_id)
        submitted = tuple(
            s for s in files.list_submissions(tx, case_id) if sees_submission(caller, s.party)
        )
        seen = {s.number for s in submitted}
        kept = [r for r in rounds.list_rounds(tx, case_id) if r.submission in seen]
    return Evidence(submissions=submitted, rounds=tuple(_summary(r) for r in kept))


def latest_assessments(
    store: Store, case_id: str, *, caller: Caller
) -> tuple[int | None, tuple[Assessment, ...]]:
    """The number of the last round the caller may see (None: none yet) and its factor
    assessments; for a party, what the reasons cite of a risk acceptance is `redacted`."""
    with store.transaction(caller.name) as tx:
        visible_case(tx, caller, case_id)
        seen = {
            s.number
            for s in files.list_submissions(tx, case_id)
            if sees_submission(caller, s.party)
        }
        kept = [r for r in rounds.list_rounds(tx, case_id) if r.submission in seen]
    if not kept:
        return None, ()
    last = kept[-1]
    found = result_assessments(last.result_json, f"case {case_id} round {last.number}")
    if caller.role not in OFFICE:
        found = tuple(
            dataclasses.replace(a, reasons=tuple(applied.redacted(r) for r in a.reasons))
            for a in found
        )
    return last.number, found


def download(store: Store, case_id: str, submission: int, path: str, *, caller: Caller) -> bytes:
    """One file of a submission the caller may see, its download audited; `NotFound` for a
    case, submission or file the caller may not see, as for one that does not exist."""
    with store.transaction(caller.name) as tx:
        _visible_submission(tx, caller, case_id, submission)
        return files.download(tx, case_id, submission, path)


def _summary(kept: RoundRecord) -> RoundSummary:
    determination = raw.load_json(kept.result_json, f"round {kept.number}")["determination"]
    return RoundSummary(
        number=kept.number,
        submission=kept.submission,
        snapshot_hash=kept.snapshot_hash,
        as_of=date.fromisoformat(determination["as_of"]),
        outcome=determination["outcome"],
        final=determination["final"],
        created_at=kept.created_at,
        created_by=kept.created_by,
    )


def case_diff(
    store: Store,
    case_id: str,
    first: int | None = None,
    second: int | None = None,
    *,
    caller: Caller,
) -> RoundDiff:
    """What changed from round `first` to round `second` (default: the last two rounds the
    caller may see)."""
    with store.transaction(caller.name) as tx:
        visible_case(tx, caller, case_id)
        if first is None or second is None:
            parties = {s.number: s.party for s in files.list_submissions(tx, case_id)}
            numbers = [
                r.number
                for r in rounds.list_rounds(tx, case_id)
                if sees_submission(caller, parties[r.submission])
            ]
            if len(numbers) < 2:
                raise NotFound(f"case {case_id} has {len(numbers)} round(s): nothing to compare")
            first = numbers[-2] if first is None else first
            second = numbers[-1] if second is None else second
        before = _visible_round(tx, caller, case_id, first)
        after = _visible_round(tx, caller, case_id, second)
    found = diff_results(
        before.result_json,
        after.result_json,
        names=(f"case {case_id} round {first}", f"case {case_id} round {second}"),
    )
    return found if caller.role in OFFICE else applied.redact_diff(found)


def _review(
    store: Store,
    case_id: str,
    reviewer: Reviewer,
    as_of: date,
    caller: Caller,
    submission: int | None,
    allow_demo_intel: bool,
    choose: Choice,
    choose_triages: Triaged,
) -> tuple[int, Reviewed]:
    """The submission reviewed with the risk acceptances `choose` picks and the triages
    `choose_triages` picks: its number, and the review with the package it read."""
    with store.transaction(caller.name) as tx:
        held = _held(tx, case_id, caller, submission, choose, choose_triages)
    return held.number, _reviewed(held, reviewer, as_of, allow_demo_intel)


def review_round_in(
    tx: Tx,
    case_id: str,
    reviewer: Reviewer,
    *,
    as_of: date,
    caller: Caller,
    submission: int,
    allow_demo_intel: bool = False,
) -> RoundRecord:
    """`review_round` of `submission` inside `tx`, for an action that starts a round together
    with what it records (a triage): the review reads what `tx` wrote, and the round is kept
    only if `tx` commits. `tx` holds the store's write lock for as long as the review takes."""
    check_role(caller, {Role.REVIEWER}, "reviewing a submission")
    held = _held(
        tx, case_id, caller, submission, lambda found: applied.in_force(found, as_of), _every
    )
    result = _reviewed(held, reviewer, as_of, allow_demo_intel).result
    return record_round(tx, case_id, held.number, reviewer, result)


@dataclass(frozen=True, slots=True)
class _Held:
    """What a review of a submission reads from the store."""

    number: int
    contents: dict[str, bytes]
    accepted: tuple[AcceptanceRecord, ...]
    statements: tuple[VexStatement, ...]
    case_id: str


def _every(found: tuple[TriageRecord, ...]) -> tuple[TriageRecord, ...]:
    return found


def _held(
    tx: Tx,
    case_id: str,
    caller: Caller,
    submission: int | None,
    choose: Choice,
    choose_triages: Triaged,
) -> _Held:
    visible_case(tx, caller, case_id)
    if submission is None:
        found = files.list_submissions(tx, case_id)
        if not found:
            raise NotFound(f"case {case_id} has no submission to review")
        submission = found[-1].number
    record = files.get_submission(tx, case_id, submission)
    return _Held(
        number=submission,
        contents={f.path: files.download(tx, case_id, submission, f.path) for f in record.files},
        accepted=choose(acceptances.list_acceptances(tx, case_id)),
        statements=triaged.statements(choose_triages(triages.list_triages(tx, case_id))),
        case_id=case_id,
    )


def _reviewed(held: _Held, reviewer: Reviewer, as_of: date, allow_demo_intel: bool) -> Reviewed:
    overrides = applied.overrides_file(held.accepted)
    with tempfile.TemporaryDirectory(prefix="chainreview-round-") as scratch:
        package = load_package(write_package(held.contents, Path(scratch) / "package"))
        given = None
        if overrides is not None:  # beside the package, never one of its files
            given = Path(scratch) / "overrides.json"
            given.write_bytes(overrides)
        result = reviewer.review(
            package,
            overrides=given,
            suppressions=applied.suppressions(held.accepted, held.case_id),
            triage=held.statements,
            as_of=as_of,
            allow_demo_intel=allow_demo_intel,
        )
    return Reviewed(result=result, package=package)


def _visible_submission(tx: Tx, caller: Caller, case_id: str, number: int) -> SubmissionRecord:
    visible_case(tx, caller, case_id)
    found = files.get_submission(tx, case_id, number)
    if not sees_submission(caller, found.party):
        raise NotFound(f"case {case_id} has no submission {number}")
    return found


def _visible_round(tx: Tx, caller: Caller, case_id: str, number: int) -> RoundRecord:
    kept = rounds.get_round(tx, case_id, number)
    if not sees_submission(caller, files.get_submission(tx, case_id, kept.submission).party):
        raise NotFound(f"case {case_id} has no round {number}")
    return kept


def _stated(result_json: bytes) -> tuple[date, bool]:
    """The review date a stored result states, and whether it was let be final on demo
    intelligence (it has no provisional reason: rendering it with `allow_demo_intel` gives the
    same determination whether that was asked for or not needed)."""
    determination = raw.load_json(result_json, "result.json")["determination"]
    return date.fromisoformat(determination["as_of"]), not determination["provisional"]
