"""Declarations uploaded as zip archives, on both backends: a reviewer's upload opens a case with
the package as its first submission (digests computed here with hashlib) and records round 1,
an operator's gets the same determination unrecorded; the determination is the one
`chainreview.review` gives the same package; hostile uploads (zip-slip, an absolute path, a
symbolic link, a zip bomb, not a zip, too large) and a package with problems each get their 4xx
with the one-line reason written out here by hand; a package sent file by file is declared as
the zip is; the findings and their triage: a vendor
never sees another's, and a reviewer's `not_affected` moves the factor level in the next round."""

from __future__ import annotations

import hashlib
import zipfile
from datetime import UTC, date, datetime
from pathlib import Path
from typing import Any

import httpx2
import orjson
import pytest
from api_kit import GRID, GRID_OP, REVIEWER, SUPPLIER_A, SUPPLIER_B, TELECOM, VENDOR_A, World
from declare_kit import AS_OF, bomb, package_files, symlinked, with_member, zipped

import chainreview
from chainreview.api.bodylimit import UPLOAD_BODY
from chainreview.case.declarations import FilesUpload, declare
from chainreview.errors import InputError
from chainreview.portfolio.declared import from_declaration
from chainreview.portfolio.kept import decoder, fingerprint
from chainreview.portfolio.model import Portfolio
from chainreview.reviewer import Reviewer, load_package
from chainreview.snapshots import open_snapshot
from chainreview.store import portfolio_records


def _upload(
    world: World, who: Any, archive: bytes, name: str = "grid.zip", **form: str
) -> httpx2.Response:
    with world.client() as client:
        return client.post(
            "/v1/declarations",
            files={"package": (name, archive, "application/zip")},
            data={"as_of": AS_OF, **form},
            headers=world.auth(who),
        )


def _oracle(tmp_path: Path, home: Path) -> dict[str, Any]:
    """The determination `chainreview.review` gives the same files in a folder."""
    folder = tmp_path / "package"
    for name, data in package_files().items():
        (folder / name).parent.mkdir(parents=True, exist_ok=True)
        (folder / name).write_bytes(data)
    result = chainreview.review(folder, as_of=date.fromisoformat(AS_OF), home=home)
    determination = result.determination
    return {
        "outcome": determination.outcome.value,
        "rule": determination.rule,
        "levels": {a.factor_id: a.level.value for a in determination.assessments},
    }


def test_a_reviewers_upload_opens_a_case_and_records_round_one(
    world: World, tmp_path: Path
) -> None:
    files = package_files()
    answer = _upload(world, REVIEWER, zipped(files))
    assert answer.status_code == 201, answer.json()
    body = answer.json()
    case = body["case"]
    assert (case["applicant"], case["vendor"], case["state"]) == (GRID_OP, VENDOR_A, "received")
    assert case["title"].startswith("VS-8400 NVMe storage and Fleet Agent")
    assert body["round"] == 1
    submission = body["submission"]
    assert (submission["number"], submission["party"]) == (1, "office")
    assert {f["path"]: f["sha256"] for f in submission["files"]} == {
        name: hashlib.sha256(data).hexdigest() for name, data in files.items()
    }
    determination = body["determination"]
    assert (determination["outcome"], determination["rule"]) == ("fail", "CN.1")  # README
    assert determination["as_of"] == AS_OF
    oracle = _oracle(tmp_path, world.backend.home)
    assert (determination["outcome"], determination["rule"], determination["levels"]) == (
        oracle["outcome"],
        oracle["rule"],
        oracle["levels"],
    )
    with world.client() as client:
        shown = client.get(f"/v1/cases/{case['id']}", headers=world.auth(GRID))
        assert shown.status_code == 200
        hidden = client.get(f"/v1/cases/{case['id']}", headers=world.auth(TELECOM))
        assert hidden.status_code == 404


def test_an_operators_upload_gets_the_determination_unrecorded(world: World) -> None:
    answer = _upload(world, GRID, zipped(package_files(), prefix="grid-storage/"))
    assert answer.status_code == 201, answer.json()
    body = answer.json()
    assert (body["round"], body["submission"]["party"]) == (None, "applicant")
    assert (body["determination"]["outcome"], body["determination"]["rule"]) == ("fail", "CN.1")
    with world.client() as client:
        none = client.get(f"/v1/cases/{body['case']['id']}/findings", headers=world.auth(GRID))
    assert (none.status_code, none.json()["message"]) == (
        404,
        f"case {body['case']['id']} has no review round yet",
    )
    other = _upload(world, TELECOM, zipped(package_files()))
    assert (other.status_code, other.json()["message"]) == (
        403,
        f"chen declares for Telecom Demo Co., not for {GRID_OP}",
    )
    vendor = _upload(world, SUPPLIER_A, zipped(package_files()))
    assert vendor.status_code == 403
    assert vendor.json()["message"] == (
        "declaring a package is for applicant, reviewer, not vendor (anna)"
    )


def _slipped(name: str) -> bytes:
    return with_member(zipfile.ZipInfo(name), b"owned\n")


HOSTILE = {
    "zip-slip": (
        lambda: _slipped("../../etc/cron.d/evil"),
        422,
        "bad.zip: member '../../etc/cron.d/evil': member path climbs out of the archive with "
        "'..' (path traversal)",
    ),
    "absolute": (
        lambda: _slipped("/tmp/evil"),
        422,
        "bad.zip: member '/tmp/evil': member has an absolute path (path traversal)",
    ),
    "symlink": (
        symlinked,
        422,
        "bad.zip: member 'sbom/passwd': member is a symbolic link",
    ),
    "bomb": (
        bomb,
        422,
        "bad.zip: member 'documents/zeros.bin': member compresses 67,108,864 bytes into ",
    ),
    "not-a-zip": (
        lambda: b"%PDF-1.7\n" + b"x" * 100,
        422,
        "bad.zip: not a zip archive (a package is uploaded as one .zip file)",
    ),
    "no-manifest": (
        lambda: zipped({"sbom/a.json": b"{}"}),
        422,
        "bad.zip: no declaration.yaml at the archive's root or in its one top-level folder",
    ),
}


@pytest.mark.parametrize("kind", sorted(HOSTILE))
def test_a_hostile_upload_gets_its_reason_and_opens_no_case(world: World, kind: str) -> None:
    make, status, message = HOSTILE[kind]
    answer = _upload(world, REVIEWER, make(), name="bad.zip")
    assert answer.status_code == status
    assert answer.json()["error"] == "bad-input"
    assert answer.json()["message"].startswith(message), answer.json()
    with world.client() as client:
        assert client.get("/v1/cases", headers=world.auth(REVIEWER)).json()["cases"] == []


def test_an_upload_over_the_limit_is_refused_before_it_is_read(world: World) -> None:
    with world.client() as client:
        answer = client.post(
            "/v1/declarations",
            content=b"x" * (UPLOAD_BODY + 1),
            headers={**world.auth(REVIEWER), "Content-Type": "multipart/form-data; boundary=x"},
        )
    assert (answer.status_code, answer.json()) == (
        413,
        {"error": "too-large", "message": f"a request body has at most {UPLOAD_BODY} bytes"},
    )


def test_a_package_with_problems_lists_every_one(world: World) -> None:
    files = package_files()
    files["declaration.yaml"] = files["declaration.yaml"].replace(
        b"category: mass-storage-device", b"category: toaster"
    )
    del files["sbom/fleet-agent.cdx.json"]
    answer = _upload(world, REVIEWER, zipped(files), name="bad.zip")
    assert answer.status_code == 422
    problems = answer.json()["problems"]
    assert problems[0].startswith("declaration.yaml: /products/0/category: 'toaster' is not one of")
    missing = "no such file 'sbom/fleet-agent.cdx.json' in the package"
    # The manifest names the SBOM once, the questionnaire's answers 1 and 23 cite it.
    assert problems[1:] == [
        f"declaration.yaml: /products/1/sboms/0: {missing}",
        f"questionnaire.yaml: /answers/0/evidence/0/file: {missing}",
        f"questionnaire.yaml: /answers/22/evidence/0/file: {missing}",
    ]
    assert answer.json()["message"] == problems[0] + " (and 3 more problems)"
    with world.client() as client:
        assert client.get("/v1/cases", headers=world.auth(REVIEWER)).json()["cases"] == []


def test_findings_are_seen_as_the_case_is_and_a_triage_moves_the_level(world: World) -> None:
    case_id = _upload(world, REVIEWER, zipped(package_files())).json()["case"]["id"]
    with world.client() as client:
        found = client.get(f"/v1/cases/{case_id}/findings", headers=world.auth(REVIEWER))
        assert found.status_code == 200
        before = found.json()
        kernel = next(f for f in before["findings"] if f["id"] == "CVE-2024-1086")
        assert (kernel["component"], kernel["status"], kernel["kev"]) == (
            "linux-kernel",
            "affected",
            True,
        )
        assert (
            client.get(f"/v1/cases/{case_id}/findings", headers=world.auth(GRID)).json() == before
        )  # the operator sees the office's round of its case
        other = client.get(f"/v1/cases/{case_id}/findings", headers=world.auth(SUPPLIER_B))
        absent = client.get("/v1/cases/CR-2025-9999/findings", headers=world.auth(SUPPLIER_B))
        assert other.status_code == absent.status_code == 404
        assert other.json() == {"error": "not-found", "message": f"no case {case_id}"}
        triage = {
            "vulnerability": "CVE-2024-1086",
            "component": "linux-kernel",
            "status": "not_affected",
            "justification": "vulnerable_code_not_in_execute_path",
            "note": "nf_tables is not built into the controller's kernel.",
            "as_of": AS_OF,
        }
        refused = client.post(
            f"/v1/cases/{case_id}/findings/triage", json=triage, headers=world.auth(SUPPLIER_A)
        )
        assert refused.status_code == 403
        hidden = client.post(
            f"/v1/cases/{case_id}/findings/triage", json=triage, headers=world.auth(SUPPLIER_B)
        )
        assert (hidden.status_code, hidden.json()) == (404, other.json())
        done = client.post(
            f"/v1/cases/{case_id}/findings/triage", json=triage, headers=world.auth(REVIEWER)
        )
        assert done.status_code == 201, done.json()
    after = done.json()["findings"]
    assert (done.json()["triage"]["round"], after["round"]) == (1, 2)
    moved = next(f for f in after["findings"] if f["id"] == "CVE-2024-1086")
    assert (moved["status"], moved["justification"], moved["active"]) == (
        "not_affected",
        "vulnerable_code_not_in_execute_path",
        False,
    )
    assert (before["levels"]["F02"], after["levels"]["F02"]) == ("critical", "high")


def _upload_files(world: World, who: Any, files: list[tuple[str, bytes]]) -> httpx2.Response:
    with world.client() as client:
        return client.post(
            "/v1/declarations/files",
            files=[("files", (name, data, "application/octet-stream")) for name, data in files],
            data={"as_of": AS_OF},
            headers=world.auth(who),
        )


def test_a_package_sent_file_by_file_is_declared_as_the_zip_is(world: World) -> None:
    files = package_files()
    answer = _upload_files(world, REVIEWER, list(files.items()))
    assert answer.status_code == 201, answer.json()
    body = answer.json()
    assert {f["path"]: f["sha256"] for f in body["submission"]["files"]} == {
        name: hashlib.sha256(data).hexdigest() for name, data in files.items()
    }
    zipped_answer = _upload(world, REVIEWER, zipped(files)).json()
    assert body["determination"] == zipped_answer["determination"]
    assert (body["round"], zipped_answer["round"]) == (1, 1)
    slipped = _upload_files(world, REVIEWER, [*files.items(), ("../../etc/evil", b"x")])
    assert (slipped.status_code, slipped.json()["message"]) == (
        422,
        "upload: file '../../etc/evil': file path climbs out of the package with '..' "
        "(path traversal)",
    )
    twice = _upload_files(world, REVIEWER, [*files.items(), ("sbom/fleet-agent.cdx.json", b"{}")])
    assert (twice.status_code, twice.json()["message"]) == (
        422,
        "upload: file 'sbom/fleet-agent.cdx.json': file given twice (a second copy could "
        "replace the first)",
    )
    with world.client() as client:
        listed = client.get("/v1/cases", headers=world.auth(REVIEWER)).json()["cases"]
    assert len(listed) == 2  # the two good uploads; the refused ones opened nothing


@pytest.mark.parametrize("who", ["reviewer", "operator"])
def test_a_declaration_whose_review_fails_opens_no_case(world: World, who: str) -> None:
    # The package is sound, but no review can be dated before 1970 (the API refuses such a
    # date itself; the library is asked directly): nothing is kept, as for a bad package.
    caller = REVIEWER if who == "reviewer" else GRID
    with (
        open_snapshot(world.backend.home, install_bundled=True) as snapshot,
        pytest.raises(InputError, match="1969-12-31 lies outside"),
    ):
        declare(
            world.store,
            FilesUpload(sorted(package_files().items()), "grid"),
            Reviewer(snapshot),
            caller=caller,
            now=datetime(2026, 12, 1, 2, 0, tzinfo=UTC),
            as_of=date(1969, 12, 31),
            home=world.backend.home,
        )
    with world.client() as client:
        assert client.get("/v1/cases", headers=world.auth(REVIEWER)).json()["cases"] == []


def test_both_uploads_keep_the_portfolio_records_with_the_submission(
    world: World, tmp_path: Path
) -> None:
    files = package_files()
    cases = [
        _upload(world, REVIEWER, zipped(files)).json()["case"]["id"],
        _upload_files(world, REVIEWER, list(files.items())).json()["case"]["id"],
    ]
    folder = tmp_path / "package"
    for name, data in files.items():
        (folder / name).parent.mkdir(parents=True, exist_ok=True)
        (folder / name).write_bytes(data)
    with world.store.transaction("test") as tx:
        kept = portfolio_records.kept(tx, [(case, 1) for case in cases])
    assert set(kept) == {(case, 1) for case in cases}
    for case in cases:
        code, document = kept[case, 1]
        assert code == fingerprint()
        expected = from_declaration(load_package(folder), case=case)
        assert decoder(Portfolio)(orjson.loads(document)) == expected
