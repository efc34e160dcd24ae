"""Declaration packages as submitted: content-addressed, each digest kept, downloads audited."""

from __future__ import annotations

import hashlib
import json

import pytest
from sqlalchemy import text
from store_kit import Backend

from chainreview.errors import NotFound
from chainreview.store import audit
from chainreview.store.cases import open_case
from chainreview.store.db import Store
from chainreview.store.files import download, get_submission, list_submissions, submit
from chainreview.store.records import NewCase, StoredFile

CASE = NewCase(
    regime="cn-crm-2022",
    title="Core router",
    state="submitted",
    applicant_org="Demo Telecom",
    vendor_org="Demo Networks",
)
SBOM = b'{"bomFormat": "CycloneDX", "specVersion": "1.6"}\n'
DECLARATION = "declaration: 一\n".encode()
BINARY = bytes(range(256)) * 3
"""Every byte value, NUL and invalid UTF-8 included."""


def test_a_package_reads_back_byte_for_byte_with_its_digests(store: Store) -> None:
    package = {"declaration.yaml": DECLARATION, "sbom/router.cdx.json": SBOM, "fw.bin": BINARY}
    with store.transaction("applicant") as tx:
        case = open_case(tx, CASE)
        submitted = submit(tx, case.id, package)
    with store.transaction("reviewer") as tx:
        read = get_submission(tx, case.id, 1)
        contents = {f.path: download(tx, case.id, 1, f.path) for f in read.files}
    assert read == submitted
    assert read.files == (
        StoredFile(path="declaration.yaml", sha256=_sha(DECLARATION), size=len(DECLARATION)),
        StoredFile(path="fw.bin", sha256=_sha(BINARY), size=768),
        StoredFile(path="sbom/router.cdx.json", sha256=_sha(SBOM), size=len(SBOM)),
    )
    assert contents == package


def test_the_same_content_is_stored_once(backend: Backend) -> None:
    with backend.open() as store, store.transaction("applicant") as tx:
        first = open_case(tx, CASE)
        second = open_case(tx, CASE)
        submit(tx, first.id, {"a/sbom.json": SBOM, "b/sbom-copy.json": SBOM})
        submit(tx, first.id, {"sbom.json": SBOM, "declaration.yaml": DECLARATION})
        submit(tx, second.id, {"sbom.json": SBOM})
    with backend.sql() as sql:
        blobs = sql.execute(text("SELECT sha256, size FROM blobs ORDER BY size")).all()
        files = sql.execute(text("SELECT count(*) FROM submission_files")).scalar()
    assert [tuple(row) for row in blobs] == sorted(
        [(_sha(DECLARATION), len(DECLARATION)), (_sha(SBOM), len(SBOM))], key=lambda r: r[1]
    )
    assert files == 5


def test_submissions_are_numbered_per_case_and_audited(store: Store) -> None:
    with store.transaction("applicant") as tx:
        case = open_case(tx, CASE)
        submit(tx, case.id, {"declaration.yaml": DECLARATION})
        submit(tx, case.id, {"declaration.yaml": DECLARATION + b"# supplement\n"})
    with store.transaction("reviewer") as tx:
        numbers = [s.number for s in list_submissions(tx, case.id)]
        download(tx, case.id, 2, "declaration.yaml")
        trail = audit.entries(tx, case_id=case.id)
    assert numbers == [1, 2]
    assert [(e.action, e.actor) for e in trail] == [
        ("case.open", "applicant"),
        ("submission.upload", "applicant"),
        ("submission.upload", "applicant"),
        ("file.download", "reviewer"),
    ]
    assert json.loads(trail[1].payload) == {
        "submission": 1,
        "party": "applicant",
        "files": {"declaration.yaml": {"sha256": _sha(DECLARATION), "size": len(DECLARATION)}},
    }
    assert json.loads(trail[3].payload) == {
        "submission": 2,
        "path": "declaration.yaml",
        "sha256": _sha(DECLARATION + b"# supplement\n"),
    }


def test_what_is_not_there_is_named(store: Store) -> None:
    with store.transaction("applicant") as tx:
        case = open_case(tx, CASE)
        submit(tx, case.id, {"declaration.yaml": DECLARATION})
    with pytest.raises(NotFound, match="no case CR-2026-0099"), store.transaction("a") as tx:
        submit(tx, "CR-2026-0099", {"x": b""})
    with pytest.raises(NotFound, match="has no submission 2"), store.transaction("a") as tx:
        get_submission(tx, case.id, 2)
    with pytest.raises(NotFound, match=r"has no file sbom\.json"), store.transaction("a") as tx:
        download(tx, case.id, 1, "sbom.json")
    with pytest.raises(ValueError, match="at least one file"), store.transaction("a") as tx:
        submit(tx, case.id, {})


def _sha(content: bytes) -> str:
    return hashlib.sha256(content).hexdigest()
