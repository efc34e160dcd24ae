"""Submissions and review rounds of a case.

A submission is a declaration package stored as the review read it: `load_package` checks the
folder first (a package with problems stores nothing), then every file it read is stored under
its sha256, the bytes read again and checked against the digest the check saw. A review round
reviews one submission, its files written back into a private folder, with a `Reviewer` on the
intel snapshot the caller chose, and keeps `result.json` exactly as written together with that
snapshot's hash; the snapshot is pinned (`intel.snapshot.pin`) so that no import's garbage
collection removes it: the same submission, snapshot and review date
give the same bytes again (`rerender`).
"""

from __future__ import annotations

import hashlib
import io
import tempfile
from dataclasses import dataclass
from datetime import date, datetime
from pathlib import Path, PurePosixPath

from chainreview import limits, raw
from chainreview.case.diff import RoundDiff, diff_results
from chainreview.errors import InputError, NotFound
from chainreview.formats import REVIEW_FORMATS
from chainreview.intel.snapshot import pin
from chainreview.reviewer import Reviewer, load_package
from chainreview.store import files, rounds
from chainreview.store.db import Store
from chainreview.store.records import RoundRecord, SubmissionRecord


def submit_package(store: Store, case_id: str, folder: Path, *, actor: str) -> SubmissionRecord:
    """Check the declaration package in `folder` and store every file it is read from as the
    case's next submission; raises `InvalidPackage` (nothing stored) when it has problems."""
    declared = load_package(folder)
    contents: dict[str, bytes] = {}
    for found in declared.inputs:
        data = raw.read_bytes(folder / found.path, found.path, limits.MAX_DOCUMENT_BYTES)
        if hashlib.sha256(data).hexdigest() != found.sha256:
            raise InputError(found.path, "changed while the package was being read: submit again")
        contents[found.path] = data
    with store.transaction(actor) as tx:
        return files.submit(tx, case_id, contents)


def review_round(
    store: Store,
    case_id: str,
    reviewer: Reviewer,
    *,
    as_of: date,
    actor: str,
    submission: int | None = None,
    allow_demo_intel: bool = False,
) -> RoundRecord:
    """Review `submission` (default: the latest) on `reviewer`'s snapshot as of `as_of`, and
    record `result.json` with the snapshot's hash as the case's next round."""
    number, result = _review(store, case_id, reviewer, as_of, actor, submission, allow_demo_intel)
    pin(reviewer.snapshot.path, case_id)  # before the round names it: never collected after
    with store.transaction(actor) as tx:
        return rounds.add_round(
            tx,
            case_id,
            submission=number,
            snapshot_hash=reviewer.snapshot.hash,
            result_json=result,
        )


def rerender(store: Store, case_id: str, number: int, reviewer: Reviewer, *, actor: str) -> bytes:
    """`result.json` of round `number` made again from its submission on `reviewer`'s
    snapshot, which must be the one the round used (`NotFound` otherwise)."""
    with store.transaction(actor) as tx:
        kept = rounds.get_round(tx, case_id, number)
    if kept.snapshot_hash != reviewer.snapshot.hash:
        raise NotFound(
            f"round {number} of case {case_id} used snapshot {kept.snapshot_hash[:12]}; "
            f"open that one to render it again (this reviewer has {reviewer.snapshot.hash[:12]})"
        )
    as_of, final = _stated(kept.result_json)
    _, result = _review(store, case_id, reviewer, as_of, actor, kept.submission, final)
    return result


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


def case_evidence(store: Store, case_id: str, *, actor: str) -> Evidence:
    """The case's submissions and rounds, oldest first."""
    with store.transaction(actor) as tx:
        submitted = files.list_submissions(tx, case_id)
        kept = rounds.list_rounds(tx, case_id)
    return Evidence(submissions=submitted, rounds=tuple(_summary(r) for r in kept))


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
    actor: str,
) -> RoundDiff:
    """What changed from round `first` to round `second` (default: the last two rounds)."""
    with store.transaction(actor) as tx:
        if first is None or second is None:
            numbers = [r.number for r in rounds.list_rounds(tx, case_id)]
            if len(numbers) < 2:
                raise NotFound(f"case {case_id} has {len(numbers)} round(s): nothing to compare")
            first = numbers[-2] if first is None else first
            second = numbers[-1] if second is None else second
        before = rounds.get_round(tx, case_id, first)
        after = rounds.get_round(tx, case_id, second)
    return diff_results(
        before.result_json,
        after.result_json,
        names=(f"case {case_id} round {first}", f"case {case_id} round {second}"),
    )


def _review(
    store: Store,
    case_id: str,
    reviewer: Reviewer,
    as_of: date,
    actor: str,
    submission: int | None,
    allow_demo_intel: bool,
) -> tuple[int, bytes]:
    """The submission reviewed: its number, and the result as `result.json` bytes."""
    with store.transaction(actor) as tx:
        if submission is None:
            found = files.list_submissions(tx, case_id)
            if not found:
                raise NotFound(f"case {case_id} has no submission to review")
            submission = found[-1].number
        record = files.get_submission(tx, case_id, submission)
        contents = {f.path: files.download(tx, case_id, submission, f.path) for f in record.files}
    with tempfile.TemporaryDirectory(prefix="chainreview-round-") as scratch:
        root = Path(scratch)
        for path, data in contents.items():
            target = root / _relative(path)
            target.parent.mkdir(parents=True, exist_ok=True)
            target.write_bytes(data)
        result = reviewer.review(root, as_of=as_of, allow_demo_intel=allow_demo_intel)
    buffer = io.BytesIO()
    REVIEW_FORMATS["json"].write(result, buffer)
    return submission, buffer.getvalue()


def _relative(path: str) -> PurePosixPath:
    """A stored path as a relative path inside the package (never outside it)."""
    parts = PurePosixPath(path)
    if parts.is_absolute() or ".." in parts.parts or not parts.parts:
        raise InputError(path, "not a path inside the package")
    return parts


def _stated(result_json: bytes) -> tuple[date, bool]:
    """The review date a stored result states, and whether it was let be final on demo
    intelligence (it has no provisional reason: rendering it with `allow_demo_intel` gives the
    same determination whether that was asked for or not needed)."""
    determination = raw.load_json(result_json, "result.json")["determination"]
    return date.fromisoformat(determination["as_of"]), not determination["provisional"]
