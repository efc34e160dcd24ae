"""Submitted declaration packages read back out of the store: which submission of each case
stands for its declaration now, and its files written back into a folder for the readers."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path, PurePosixPath

from chainreview.case.access import Caller, sees_case, sees_submission, visible_case
from chainreview.errors import InputError, NotFound
from chainreview.store import cases, files, outcomes
from chainreview.store.db import Store
from chainreview.store.records import SubmissionRecord

__all__ = ["Declared", "LeftOut", "declared_packages", "write_package", "written_package"]

WITHDRAWN = "withdrawn"
"""The state of a declaration its applicant withdrew (cn-crm-2022, Art. 8)."""
REFUSED = "fail"
"""The decision outcome that stops the purchase (`case.decisions.Outcome.FAIL`)."""


@dataclass(frozen=True, slots=True, kw_only=True)
class LeftOut:
    """A case whose declaration does not stand for a purchase, and why."""

    case_id: str
    reason: str


@dataclass(frozen=True, slots=True, kw_only=True)
class Declared:
    """The submissions that stand for the declarations a caller may see, one per case (its
    latest the caller may see), oldest case first, and the cases left out."""

    submissions: tuple[SubmissionRecord, ...]
    left_out: tuple[LeftOut, ...]


def declared_packages(store: Store, *, caller: Caller) -> Declared:
    """Of every case the caller may see, its latest submission the caller may see; a case is
    left out, with its reason, when it has none, when its declaration was withdrawn, or when its
    latest decision refuses the purchase."""
    kept: list[SubmissionRecord] = []
    left_out: list[LeftOut] = []
    with store.transaction(caller.name) as tx:
        positions = cases.list_positions(tx)
        decided = outcomes.latest_outcomes(tx)
        submitted = files.every_submission(tx)
    for case, _ in positions:
        if sees_case(caller, case, case.consulted):
            seen = [s for s in submitted.get(case.id, ()) if sees_submission(caller, s.party)]
            if case.state == WITHDRAWN:
                left_out.append(LeftOut(case_id=case.id, reason="the declaration was withdrawn"))
            elif decided.get(case.id) == REFUSED:
                left_out.append(
                    LeftOut(case_id=case.id, reason="its decision refuses the purchase (fail)")
                )
            elif not seen:
                left_out.append(LeftOut(case_id=case.id, reason="no submitted package"))
            else:
                kept.append(seen[-1])
    return Declared(submissions=tuple(kept), left_out=tuple(left_out))


def written_package(
    store: Store, submission: SubmissionRecord, root: Path, *, caller: Caller
) -> Path:
    """The submission's files written under `root` (which must not exist yet), each download
    audited; `NotFound` for a case or submission the caller may not see."""
    case_id, number = submission.case_id, submission.number
    with store.transaction(caller.name) as tx:
        visible_case(tx, caller, case_id)
        found = files.get_submission(tx, case_id, number)
        if not sees_submission(caller, found.party):
            raise NotFound(f"case {case_id} has no submission {number}")
        contents = {f.path: files.download(tx, case_id, number, f.path) for f in found.files}
    return write_package(contents, root)


def write_package(contents: Mapping[str, bytes], root: Path) -> Path:
    """Stored files (package path → bytes) written under `root`; a path that would leave it
    is refused (`InputError`) before anything is written."""
    targets = {root / relative_path(path): data for path, data in contents.items()}
    root.mkdir(parents=True)
    for target, data in targets.items():
        target.parent.mkdir(parents=True, exist_ok=True)
        target.write_bytes(data)
    return root


def relative_path(path: str) -> PurePosixPath:
    """A stored path as a relative path inside the package (never outside it)."""
    parts = PurePosixPath(path)
    if parts.is_absolute() or ".." in parts.parts or not parts.parts:
        raise InputError(path, "not a path inside the package")
    return parts
