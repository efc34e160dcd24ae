"""A declaration package received as a zip archive, or file by file: checked, a case opened on
it, reviewed.

`declare` places the package in a private folder: a `ZipUpload` unpacked safely
(`evidence.package_archive`), a `FilesUpload` written file by file under the same rules. It
reads and checks the package
as `chainreview review` does (`load_package`: every problem listed, nothing stored when there
is one), then opens the case on the declaration (its regime, title and operator; the vendor
named, or the package's only one) with the package as its first submission. It is reviewed
first, as of `as_of` (default: the day it was received in the regime's time zone), and the case,
its submission, what `keep` derives from it (the portfolio records) and (for a reviewer) its
first round are then recorded in one transaction: an archive or a package with problems, or a
review that fails, opens no case.

* a reviewer registering a declaration received gets the case's first round (as `case review`
  makes it on a case without risk acceptances or triages), recorded and pinned to its snapshot;
* an operator declaring gets the determination of the same review (`Reviewer.review`, as
  `chainreview review` makes it on its own machine), not recorded: rounds are the office's.
"""

from __future__ import annotations

import tempfile
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date, datetime
from pathlib import Path
from zoneinfo import ZoneInfo

from chainreview.case.access import Caller, check_role, same_org
from chainreview.case.procedure import Opening, Role
from chainreview.case.rounds import Keep, package_contents, record_round, result_json
from chainreview.case.service import OPENERS, CaseView, Opened, open_in, view_case
from chainreview.errors import InputError
from chainreview.evidence.declaration import MANIFEST, Declaration
from chainreview.evidence.package_archive import place_files, unpack_package
from chainreview.factors.catalogue import load_profile
from chainreview.reviewer import Reviewer, load_package
from chainreview.store import files
from chainreview.store.db import Store
from chainreview.store.records import RoundRecord, SubmissionRecord

PARTY = {Role.APPLICANT: "applicant", Role.REVIEWER: "office"}
"""The party the first submission is recorded as, by who declares."""


@dataclass(frozen=True, slots=True, kw_only=True)
class Declared:
    """The case opened on a declaration, its submission, and the review of it."""

    case: CaseView
    submission: SubmissionRecord
    round: RoundRecord | None
    """The recorded first round (a reviewer's); None for an operator's declaration."""
    result_json: bytes
    """The review's `result.json`: the round's, or the operator's unrecorded one."""


@dataclass(frozen=True, slots=True)
class ZipUpload:
    """A package received as one zip archive, named `display` in messages."""

    archive: Path
    display: str

    def place(self, scratch: Path) -> Path:
        """The package unpacked under `scratch`: its folder."""
        return unpack_package(self.archive, scratch, self.display)


@dataclass(frozen=True, slots=True)
class FilesUpload:
    """A package received file by file: each file's path in the package and its bytes (the
    paths checked as an archive's members are), named `display` in messages."""

    files: Sequence[tuple[str, bytes]]
    display: str

    def place(self, scratch: Path) -> Path:
        """The files written under `scratch`: the package's folder."""
        return place_files(self.files, scratch, self.display)


Upload = ZipUpload | FilesUpload
"""A declaration package as it was received."""


def declare(
    store: Store,
    upload: Upload,
    reviewer: Reviewer,
    *,
    caller: Caller,
    now: datetime,
    vendor: str | None = None,
    as_of: date | None = None,
    allow_demo_intel: bool = False,
    home: Path | None,
    keep: Keep | None = None,
) -> Declared:
    """Open a case on the declaration package `upload` received at `now` (aware), and review
    it (see the module doc)."""
    check_role(caller, OPENERS[Opening.DECLARATION], "declaring a package")
    with tempfile.TemporaryDirectory(prefix="chainreview-upload-") as scratch:
        folder = upload.place(Path(scratch))
        return _declare(
            store, folder, reviewer, caller, now, vendor, as_of, allow_demo_intel, home, keep
        )


def _declare(
    store: Store,
    folder: Path,
    reviewer: Reviewer,
    caller: Caller,
    now: datetime,
    vendor: str | None,
    as_of: date | None,
    allow_demo_intel: bool,
    home: Path | None,
    keep: Keep | None,
) -> Declared:
    declared = load_package(folder)
    contents = package_contents(folder, declared)
    day = now.astimezone(ZoneInfo(load_profile(declared.regime).timezone)).date()
    opened = Opened(
        regime=declared.regime,
        title=declared.title,
        applicant=declared.operator.name,
        vendor=_vendor(declared, vendor),
        opening=Opening.DECLARATION,
        on=day,
    )
    # A new case has no risk acceptance or triage to apply: its first round is this review.
    reviewed = reviewer.review(declared, as_of=as_of or day, allow_demo_intel=allow_demo_intel)
    with store.transaction(caller.name) as tx:
        record = open_in(tx, opened, caller=caller)
        submission = files.submit(tx, record.id, contents, party=PARTY[caller.role])
        if keep is not None:
            keep(tx, submission, declared)
        kept = None
        if caller.role is Role.REVIEWER:
            kept = record_round(tx, record.id, submission.number, reviewer, reviewed)
    result = result_json(reviewed) if kept is None else kept.result_json
    view = view_case(store, record.id, caller=caller, today=day, home=home)
    return Declared(case=view, submission=submission, round=kept, result_json=result)


def _vendor(declared: Declaration, named: str | None) -> str:
    """The vendor the case is about: `named`, which must be one of the package's vendors (its
    legal name, id or another name), else the package's only vendor."""
    vendors = declared.vendors
    if named is not None:
        for profile in vendors:
            if any(
                same_org(named, n) for n in (profile.legal_name, profile.id, *profile.other_names)
            ):
                return profile.legal_name
        known = "; ".join(v.legal_name for v in vendors) or "none"
        raise InputError(
            MANIFEST, f"the package declares no vendor {named!r} (it declares: {known})"
        )
    if len(vendors) != 1:
        known = "; ".join(v.legal_name for v in vendors) or "none"
        raise InputError(
            MANIFEST,
            f"the package declares {len(vendors)} vendors ({known}): name the one reviewed",
        )
    return vendors[0].legal_name
