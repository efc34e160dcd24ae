"""Declaration packages as submitted: every file content-addressed (stored once under its
sha256, whoever sends it again), each submission's paths and digests kept, downloads audited."""

from __future__ import annotations

import hashlib
from collections.abc import Mapping
from typing import Final

from sqlalchemy import func, select

from chainreview.errors import NotFound
from chainreview.store import audit
from chainreview.store.db import Tx
from chainreview.store.records import StoredFile, SubmissionRecord
from chainreview.store.tables import Blob, Case, Submission, SubmissionFile

PARTIES: Final = ("applicant", "vendor", "office")
"""Who can make a submission: the operator, the supplier, or the office registering one."""


def submit(
    tx: Tx, case_id: str, files: Mapping[str, bytes], *, party: str = "applicant"
) -> SubmissionRecord:
    """Store a package (path in the package → content) as the case's next submission, made by
    `party` (`applicant`, `vendor` or `office`)."""
    if not files:
        raise ValueError("a submission needs at least one file")
    if party not in PARTIES:
        raise ValueError(f"no party {party!r} (parties: {', '.join(PARTIES)})")
    audit.lock(tx)
    if tx.session.get(Case, case_id) is None:
        raise NotFound(f"no case {case_id}")
    number = 1 + (
        tx.session.scalar(select(func.max(Submission.number)).where(Submission.case_id == case_id))
        or 0
    )
    now = tx.now()
    tx.session.add(
        Submission(
            case_id=case_id, number=number, submitted_at=now, submitted_by=tx.actor, party=party
        )
    )
    stored = []
    for path, content in sorted(files.items()):
        digest = hashlib.sha256(content).hexdigest()
        if tx.session.get(Blob, digest) is None:
            tx.session.add(Blob(sha256=digest, size=len(content), content=content))
        tx.session.add(SubmissionFile(case_id=case_id, submission=number, path=path, sha256=digest))
        stored.append(StoredFile(path=path, sha256=digest, size=len(content)))
    tx.session.flush()
    audit.append(
        tx,
        "submission.upload",
        {
            "submission": number,
            "party": party,
            "files": {f.path: {"sha256": f.sha256, "size": f.size} for f in stored},
        },
        case_id=case_id,
        at=now,
    )
    return SubmissionRecord(
        case_id=case_id,
        number=number,
        submitted_at=now,
        submitted_by=tx.actor,
        party=party,
        files=tuple(stored),
    )


def get_submission(tx: Tx, case_id: str, number: int) -> SubmissionRecord:
    """One submission with its files (sorted by path)."""
    row = tx.session.get(Submission, (case_id, number))
    if row is None:
        raise NotFound(f"case {case_id} has no submission {number}")
    listed = tx.session.execute(
        select(SubmissionFile.path, SubmissionFile.sha256, Blob.size)
        .join(Blob, Blob.sha256 == SubmissionFile.sha256)
        .where(SubmissionFile.case_id == case_id, SubmissionFile.submission == number)
        .order_by(SubmissionFile.path)
    )
    return SubmissionRecord(
        case_id=case_id,
        number=number,
        submitted_at=row.submitted_at,
        submitted_by=row.submitted_by,
        party=row.party,
        files=tuple(StoredFile(path=p, sha256=d, size=n) for p, d, n in listed),
    )


def list_submissions(tx: Tx, case_id: str) -> tuple[SubmissionRecord, ...]:
    """Every submission of a case, first to last."""
    numbers = tx.session.scalars(
        select(Submission.number).where(Submission.case_id == case_id).order_by(Submission.number)
    )
    return tuple(get_submission(tx, case_id, number) for number in numbers)


def every_submission(tx: Tx) -> dict[str, tuple[SubmissionRecord, ...]]:
    """Every case's submissions (`list_submissions` of each case), in two queries."""
    listed: dict[tuple[str, int], list[StoredFile]] = {}
    for case_id, number, path, digest, size in tx.session.execute(
        select(
            SubmissionFile.case_id,
            SubmissionFile.submission,
            SubmissionFile.path,
            SubmissionFile.sha256,
            Blob.size,
        )
        .join(Blob, Blob.sha256 == SubmissionFile.sha256)
        .order_by(SubmissionFile.case_id, SubmissionFile.submission, SubmissionFile.path)
    ):
        listed.setdefault((case_id, number), []).append(
            StoredFile(path=path, sha256=digest, size=size)
        )
    found: dict[str, list[SubmissionRecord]] = {}
    for row in tx.session.scalars(
        select(Submission).order_by(Submission.case_id, Submission.number)
    ):
        found.setdefault(row.case_id, []).append(
            SubmissionRecord(
                case_id=row.case_id,
                number=row.number,
                submitted_at=row.submitted_at,
                submitted_by=row.submitted_by,
                party=row.party,
                files=tuple(listed.get((row.case_id, row.number), ())),
            )
        )
    return {case_id: tuple(records) for case_id, records in found.items()}


def download(tx: Tx, case_id: str, submission: int, path: str) -> bytes:
    """The content of one submitted file, its download audited."""
    found = tx.session.execute(
        select(Blob.sha256, Blob.content)
        .join(SubmissionFile, SubmissionFile.sha256 == Blob.sha256)
        .where(
            SubmissionFile.case_id == case_id,
            SubmissionFile.submission == submission,
            SubmissionFile.path == path,
        )
    ).one_or_none()
    if found is None:
        raise NotFound(f"case {case_id} submission {submission} has no file {path}")
    digest, content = found
    audit.append(
        tx,
        "file.download",
        {"submission": submission, "path": path, "sha256": digest},
        case_id=case_id,
    )
    return bytes(content)
