"""A case worked to its decision through the REST API alone, on both backends: the applicant's
submission, the office's review round, a member unit's opinion, the approver's decision with
its conditions, a risk acceptance proposed and approved, a condition met, and a breach the
procedure refuses. Expected values are worked out by hand from the cn-crm-2022 workflow
(docs/cases.md) and the grid-storage example's README (it fails on its KEV findings)."""

from __future__ import annotations

import tempfile
from pathlib import Path
from typing import Any, Final

import pytest
from api_kit import APPROVER, DAY, GRID, REVIEWER, SUPPLIER_B, UNIT, VENDOR_A, World
from declare_kit import AS_OF, package_files, zipped

from chainreview.case.service import view_case
from chainreview.evidence.vex import read_vex

CONSULTED: Final = (
    (REVIEWER, "check"),
    (REVIEWER, "accept"),
    (REVIEWER, "decide-review"),
    (REVIEWER, "recommend"),
)
"""received → … → member-opinions, where member units are consulted and the approver may
conclude."""
DECIDED_ON: Final = "2026-12-01"
CONDITIONS: Final = [
    {"text": "Ship firmware with the patched kernel.", "party": "vendor", "due": "2027-01-31"},
    {"text": "Remove the salt master from the array.", "party": "applicant", "due": "2027-02-28"},
]


def _post(world: World, who: Any, path: str, **kwargs: Any) -> Any:
    with world.client() as client:
        return client.post(path, headers=world.auth(who), **kwargs)


def _get(world: World, who: Any, path: str, **params: str) -> Any:
    with world.client() as client:
        return client.get(path, params=params, headers=world.auth(who))


def _read_vex(data: bytes) -> Any:
    with tempfile.TemporaryDirectory() as scratch:
        path = Path(scratch) / "round.openvex.json"
        path.write_bytes(data)
        return read_vex(path, path.name)


def test_a_case_is_worked_to_its_decision_through_the_api(world: World) -> None:
    case_id = world.open(GRID, VENDOR_A, *CONSULTED)
    base = f"/v1/cases/{case_id}"
    archive = zipped(package_files())
    # the applicant submits the package; another vendor cannot, nor can it see the case
    sent = _post(world, GRID, f"{base}/submissions", files={"package": ("g.zip", archive)})
    assert sent.status_code == 201, sent.text
    assert (sent.json()["number"], sent.json()["party"]) == (1, "applicant")
    assert sorted(f["path"] for f in sent.json()["files"]) == sorted(package_files())
    other = _post(world, SUPPLIER_B, f"{base}/submissions", files={"package": ("g.zip", archive)})
    assert other.status_code == 404
    # the office reviews it as round 1: grid-storage fails on its KEV findings
    reviewed = _post(world, REVIEWER, f"{base}/rounds", json={"as_of": AS_OF})
    assert reviewed.status_code == 201, reviewed.text
    found = reviewed.json()
    assert (found["round"], found["submission"], found["outcome"]) == (1, 1, "fail")
    assert "CVE-2024-1086" in {f["id"] for f in found["findings"]}
    assert _post(world, GRID, f"{base}/rounds", json={"as_of": AS_OF}).status_code == 403
    # the round's triage of P-ARRAY as OpenVEX, read back by chainreview's own VEX reader
    vex = _get(world, REVIEWER, f"{base}/rounds/1/vex", product="P-ARRAY", format="openvex")
    assert vex.status_code == 200, vex.text
    assert (
        'filename="' + case_id + '-round-1-P-ARRAY.openvex.json"'
        in vex.headers["content-disposition"]
    )
    statuses = {(s.vulnerability, s.status.value) for s in _read_vex(vex.content).statements}
    expected = {(f["id"], f["status"]) for f in found["findings"] if f["product"] == "P-ARRAY"}
    assert statuses == expected
    nothing = _get(world, REVIEWER, f"{base}/rounds/1/vex", product="P-NONE")
    assert nothing.status_code == 422
    assert "products with findings: " in nothing.json()["message"]
    assert _get(world, GRID, f"{base}/rounds/1/vex", product="P-ARRAY").status_code == 403
    # a member unit's opinion; the applicant gives none
    given = {"stance": "concur", "text": "The vendor's remediation plan is adequate."}
    opinion = _post(world, UNIT, f"{base}/opinions", json=given)
    assert opinion.status_code == 201, opinion.text
    assert (opinion.json()["unit"], opinion.json()["stance"]) == ("Member unit 1", "concur")
    assert _post(world, GRID, f"{base}/opinions", json=given).status_code == 403
    # the approver concludes with two conditions of its own
    version = view_case(world.store, case_id, caller=REVIEWER, today=DAY, home=None)
    decision = {
        "outcome": "pass-with-conditions",
        "reason": "Acceptable once the kernel is patched and salt removed.",
        "on": DECIDED_ON,
        "conditions": CONDITIONS,
        "from_round": False,
        "expected_version": version.case.version,
    }
    assert _post(world, REVIEWER, f"{base}/decision", json=decision).status_code == 403
    ruled = _post(world, APPROVER, f"{base}/decision", json=decision)
    assert ruled.status_code == 201, ruled.text
    ruling = ruled.json()
    assert (ruling["state"], ruling["decision"]["outcome"]) == ("concluded", "pass-with-conditions")
    assert [(c["party"], c["due"], c["standing"]) for c in ruling["conditions"]] == [
        ("vendor", "2027-01-31", "open"),
        ("applicant", "2027-02-28", "open"),
    ]
    vendors, applicants = (c["id"] for c in ruling["conditions"])
    again = _post(world, APPROVER, f"{base}/decision", json=decision)
    assert again.status_code == 403  # concluded: the procedure has no conclude from there
    # what each one sees: the applicant neither the opinions nor the vendor's condition
    mine = _get(world, GRID, f"{base}/outcomes", today=DECIDED_ON).json()
    assert (mine["opinions"], [c["id"] for c in mine["conditions"]]) == ([], [applicants])
    office = _get(world, REVIEWER, f"{base}/outcomes", today=DECIDED_ON).json()
    assert [o["stance"] for o in office["opinions"]] == ["concur"]
    assert [c["id"] for c in office["conditions"]] == [vendors, applicants]
    # the vendor's condition waived: proposed by the reviewer, approved by the approver
    waiver = {
        "kind": "condition",
        "condition": vendors,
        "owner": "CISO, State Grid Demo Co.",
        "reason": "The kernel path is not reachable until the next release.",
        "expires": "2027-06-30",
        "on": DECIDED_ON,
    }
    proposed = _post(world, REVIEWER, f"{base}/acceptances", json=waiver)
    assert proposed.status_code == 201, proposed.text
    assert proposed.json()["effect"] == "proposed"
    acceptance = proposed.json()["id"]
    approval = f"{base}/acceptances/{acceptance}/approve"
    assert _post(world, REVIEWER, approval, json={"on": DECIDED_ON}).status_code == 403
    missing = _post(world, APPROVER, f"{base}/acceptances/999/approve", json={"on": DECIDED_ON})
    assert missing.status_code == 404
    approved = _post(world, APPROVER, approval, json={"on": DECIDED_ON})
    assert approved.status_code == 200, approved.text
    assert (approved.json()["effect"], approved.json()["approved_by"]) == ("in-force", "zhao")
    standing = _get(world, REVIEWER, f"{base}/outcomes", today="2026-12-02").json()["conditions"]
    assert [(c["standing"], c["waiver"]) for c in standing] == [
        ("waived", acceptance),
        ("open", None),
    ]
    # the applicant's condition met; a breach is refused outside monitoring
    met = {"note": "The salt master was removed (site report 12).", "on": "2026-12-02"}
    done = _post(world, REVIEWER, f"{base}/conditions/{applicants}/met", json=met)
    assert done.status_code == 200, done.text
    assert (done.json()["condition"]["standing"], done.json()["state"]) == ("met", "concluded")
    version = view_case(world.store, case_id, caller=REVIEWER, today=DAY, home=None)
    breach = {"note": "Salt is back.", "on": "2026-12-03", "expected_version": version.case.version}
    refused = _post(world, REVIEWER, f"{base}/conditions/{applicants}/breached", json=breach)
    assert refused.status_code == 403


@pytest.mark.parametrize("path", ["/v1/cases/CR-2026-0001/submissions"])
def test_a_submission_takes_the_upload_cap(world: World, path: str) -> None:
    over = _post(world, GRID, path, content=b"x" * (70 * 1024 * 1024))
    assert over.status_code == 413
    assert over.json()["error"] == "too-large"
