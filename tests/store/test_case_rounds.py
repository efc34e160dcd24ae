"""Submissions and review rounds of a case, on both backends: the package stored as read, a round
equal to a review of the original folder, its snapshot pinned, and rendered again byte for
byte from the store."""

from __future__ import annotations

import io
import shutil
from collections.abc import Iterator
from datetime import date
from pathlib import Path

import pytest
from sqlalchemy import text
from store_kit import Backend

import chainreview
from chainreview.case.access import Caller
from chainreview.case.procedure import Opening, Role
from chainreview.case.rounds import rerender, review_round, submit_package
from chainreview.case.service import Opened, open_case
from chainreview.errors import InvalidPackage, NotFound
from chainreview.intel.snapshot import pinned
from chainreview.reviewer import Reviewer
from chainreview.store.cases import pinned_snapshots
from chainreview.store.db import Store

EXAMPLE = Path(__file__).parents[2] / "examples" / "grid-storage"
AS_OF = date(2026, 11, 30)
GRID = Opened(
    regime="cn-crm-2022",
    title="Grid storage controllers",
    applicant="State Grid Demo Co.",
    vendor="Example Energy Systems Ltd.",
    opening=Opening.DECLARATION,
    on=date(2026, 11, 2),
)
OPERATOR = Caller(name="operator", role=Role.APPLICANT, org="State Grid Demo Co.")
REVIEWER = Caller(name="reviewer", role=Role.REVIEWER, org=None)


@pytest.fixture(scope="module")
def reviewer(bundled_home: Path) -> Iterator[Reviewer]:
    with chainreview.open_snapshot(bundled_home) as snapshot:
        yield Reviewer(snapshot)


def _reviewed_directly(reviewer: Reviewer, folder: Path) -> bytes:
    buffer = io.BytesIO()
    chainreview.REVIEW_FORMATS["json"].write(reviewer.review(folder, as_of=AS_OF), buffer)
    return buffer.getvalue()


def test_a_round_is_the_review_of_the_package_as_submitted(
    store: Store, reviewer: Reviewer
) -> None:
    case_id = open_case(store, GRID, caller=OPERATOR, home=None).case.id
    submitted = submit_package(store, case_id, EXAMPLE, caller=OPERATOR)
    paths = {f.path for f in submitted.files}
    assert "declaration.yaml" in paths
    assert {p.relative_to(EXAMPLE).as_posix() for p in EXAMPLE.rglob("*") if p.is_file()} >= paths
    round_ = review_round(store, case_id, reviewer, as_of=AS_OF, caller=REVIEWER)
    assert (round_.number, round_.submission) == (1, 1)
    assert round_.result_json == _reviewed_directly(reviewer, EXAMPLE)
    assert round_.snapshot_hash == reviewer.snapshot.hash
    assert reviewer.snapshot.hash in pinned_snapshots(store)
    assert reviewer.snapshot.hash in pinned(reviewer.snapshot.path.parents[2])
    assert rerender(store, case_id, 1, reviewer, caller=REVIEWER) == round_.result_json
    # A round let be final on the demo intel renders again as final, byte for byte.
    accepted = review_round(
        store, case_id, reviewer, as_of=AS_OF, caller=REVIEWER, allow_demo_intel=True
    )
    assert accepted.result_json != round_.result_json
    assert rerender(store, case_id, 2, reviewer, caller=REVIEWER) == accepted.result_json


def test_the_same_files_again_are_stored_once(store: Store, backend: Backend) -> None:
    case_id = open_case(store, GRID, caller=OPERATOR, home=None).case.id
    first = submit_package(store, case_id, EXAMPLE, caller=OPERATOR)
    second = submit_package(store, case_id, EXAMPLE, caller=OPERATOR)
    assert second.number == 2 and second.files == first.files
    with backend.sql() as connection:
        blobs = connection.execute(text("SELECT count(*) FROM blobs")).scalar()
    assert blobs == len(first.files)


def test_a_package_with_problems_stores_nothing(
    store: Store, backend: Backend, tmp_path: Path
) -> None:
    case_id = open_case(store, GRID, caller=OPERATOR, home=None).case.id
    broken = tmp_path / "package"
    shutil.copytree(EXAMPLE, broken)
    manifest = broken / "declaration.yaml"
    manifest.write_text(manifest.read_text(encoding="utf-8") + "\nunknown_field: 1\n")
    with pytest.raises(InvalidPackage):
        submit_package(store, case_id, broken, caller=OPERATOR)
    with backend.sql() as connection:
        assert connection.execute(text("SELECT count(*) FROM submissions")).scalar() == 0
    with pytest.raises(NotFound, match="has no submission to review"):
        review_round(store, case_id, Reviewer.__new__(Reviewer), as_of=AS_OF, caller=REVIEWER)
