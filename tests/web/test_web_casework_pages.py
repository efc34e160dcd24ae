"""The case-work pages over the real site (Starlette's TestClient) on both backends: every form
needs the session's CSRF token (403, nothing done), the upload pages take the API's upload cap
(not the 64 KiB of other bodies), a reviewer's upload records round 1 with the determination
`chainreview.review` gives the same files, an operator's determination rides only to its own
case's page, the findings sort and their triage is the reviewer's alone (a library refusal is
the page's answer, nothing recorded), and a round diff is seen as the rounds are."""

from __future__ import annotations

import html
import io
import re
import zipfile
from datetime import date
from pathlib import Path

import pytest
from fastapi.testclient import TestClient
from httpx2 import Response
from web_kit import EXAMPLE, GRID_OP, NOW, PASSWORD, REVIEWER, VENDOR_A, Site

import chainreview
from chainreview.api.bodylimit import MAX_BODY, UPLOAD_BODY
from chainreview.case.service import Step, list_case_views, take_action
from chainreview.store import rounds, triages
from chainreview.web.declared import DECLARED_COOKIE

TOKEN = re.compile(r'name="token" value="([^"]+)"')
CSRF = re.compile(r'name="csrf" value="([^"]+)"')
RENAMED = {
    "declaration.yaml": ("Qiuyuan Provincial Grid Dispatch Co., Ltd.", GRID_OP),
    "vendor/veltrani.yaml": ("Veltrani Storage Systems, Inc.", VENDOR_A),
}
KERNEL = {
    "vulnerability": "CVE-2024-1086",
    "component": "linux-kernel",
    "status": "not_affected",
    "justification": "vulnerable_code_not_in_execute_path",
    "statement": "nf_tables is not built into the controller's kernel.",
}


def _files() -> dict[str, bytes]:
    found: dict[str, bytes] = {}
    for path in sorted(EXAMPLE.rglob("*")):
        name = path.relative_to(EXAMPLE).as_posix()
        if path.is_file() and name != "README.md":
            data = path.read_bytes()
            if name in RENAMED:
                data = data.replace(RENAMED[name][0].encode(), RENAMED[name][1].encode())
            found[name] = data
    return found


def _zip(files: dict[str, bytes]) -> bytes:
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED) as archive:
        for name, data in files.items():
            archive.writestr(name, data)
    return buffer.getvalue()


def _session(site: Site, name: str) -> tuple[TestClient, str]:
    """A client logged in as `name`, and its session's CSRF token."""
    client = TestClient(site.app, base_url="http://127.0.0.1", client=("127.0.0.1", 50000))
    token = TOKEN.search(client.get("/login").text)
    assert token is not None
    done = client.post(
        "/login",
        data={"name": name, "password": PASSWORD, "token": token.group(1), "next": "/"},
        follow_redirects=False,
    )
    assert done.status_code == 303
    csrf = CSRF.search(client.get("/").text)
    assert csrf is not None
    return client, csrf.group(1)


def _upload(client: TestClient, csrf: str, archive: bytes) -> Response:
    return client.post(
        "/declare",
        data={"csrf": csrf},
        files={"package": ("grid.zip", archive, "application/zip")},
        follow_redirects=False,
    )


def _rounds(site: Site, case_id: str) -> int:
    with site.store.transaction("test") as tx:
        return len(rounds.list_rounds(tx, case_id))


def _cases(site: Site) -> int:
    return len(list_case_views(site.store, caller=REVIEWER, today=NOW.date(), home=None))


def _text(page: Response) -> str:
    return html.unescape(re.sub(r"<[^>]+>", " ", page.text))


def test_every_work_form_needs_the_sessions_csrf_token(site: Site) -> None:
    client, _ = _session(site, "li")
    case = f"/cases/{site.reviewed}"
    forged = {"csrf": "guessed"}
    answers = [
        _upload(client, "guessed", _zip(_files())),
        client.post(
            "/declare/files",
            data=forged,
            files=[("files", ("declaration.yaml", b"x", "text/yaml"))],
        ),
        client.post(case + "/review", data=forged),
        client.post(case + "/triage", data={**forged, **KERNEL}),
        client.post(case + "/opinion", data={**forged, "stance": "concur", "text": "yes"}),
    ]
    assert [a.status_code for a in answers] == [403] * 5
    assert (_cases(site), _rounds(site, site.reviewed)) == (4, 1)


def test_the_upload_pages_take_the_upload_cap(site: Site) -> None:
    client, csrf = _session(site, "li")
    over = client.post(
        "/declare",
        content=b"x" * (UPLOAD_BODY + 1),
        headers={"Content-Type": "multipart/form-data; boundary=x"},
    )
    assert (over.status_code, over.headers["content-type"]) == (413, "text/html; charset=utf-8")
    assert "What was sent is larger than 64 MiB, so nothing was read or stored." in _text(over)
    # streamed without a length, in Chinese: the same page, in the reader's language
    streamed = client.post(
        "/declare",
        content=iter([b"x" * (UPLOAD_BODY // 2)] * 3),
        headers={"Content-Type": "multipart/form-data; boundary=x", "Accept-Language": "zh-CN"},
    )
    assert streamed.status_code == 413
    assert "提交的内容超过 64 MiB，未读取也未保存任何内容。" in _text(streamed)
    login = client.post("/login", content=b"x" * (MAX_BODY + 1))
    assert "What was sent is larger than 64 KiB" in _text(login)
    # the API's own upload route still answers its one-line JSON error
    api = client.post("/v1/declarations", content=b"x" * (UPLOAD_BODY + 1))
    assert api.status_code == 413
    assert api.json()["message"] == f"a request body has at most {UPLOAD_BODY} bytes"
    # past the 64 KiB of other bodies, still read: refused by the archive check, not the cap
    junk = _upload(client, csrf, b"%PDF-1.7\n" + b"x" * MAX_BODY)
    assert junk.status_code == 422
    assert "grid.zip: not a zip archive (a package is uploaded as one .zip file)" in _text(junk)
    assert _cases(site) == 4


def test_a_reviewers_upload_records_round_one(
    site: Site, tmp_path: Path, bundled_home: Path
) -> None:
    client, csrf = _session(site, "li")
    done = _upload(client, csrf, _zip(_files()))
    assert done.status_code == 303, _text(done)
    assert DECLARED_COOKIE not in done.headers.get("set-cookie", "")
    case_id = done.headers["location"].split("/")[2].split("?")[0]
    assert _rounds(site, case_id) == 1
    # the oracle: the same files reviewed by `chainreview.review` on the same day (Beijing)
    for name, data in _files().items():
        (tmp_path / "pkg" / name).parent.mkdir(parents=True, exist_ok=True)
        (tmp_path / "pkg" / name).write_bytes(data)
    oracle = chainreview.review(tmp_path / "pkg", as_of=date(2026, 11, 20), home=bundled_home)
    expected = {a.factor_id: a.level.value for a in oracle.determination.assessments}
    shown = client.get(f"/cases/{case_id}/findings")
    assert shown.status_code == 200
    levels = dict(
        re.findall(r'<span class="tag [a-z]+" title="[^"]*">(F\d\d) ([a-z]+)</span>', shown.text)
    )
    assert levels == expected


def test_an_operators_determination_rides_to_its_own_case_only(site: Site) -> None:
    client, csrf = _session(site, "wang")
    done = _upload(client, csrf, _zip(_files()))
    assert done.status_code == 303
    case_id = done.headers["location"].split("/")[2].split("?")[0]
    cookie = done.cookies[DECLARED_COOKIE]
    assert f"Path=/cases/{case_id}" in done.headers["set-cookie"]
    assert _rounds(site, case_id) == 0  # not recorded: rounds are the office's
    page = client.get(f"/cases/{case_id}")
    assert 'id="declared"' in page.text
    assert re.search(r'<th scope="row">F02 [^<]+</th><td><span class="tag critical">', page.text)
    fresh, _ = _session(site, "wang")
    for other, value in ((site.reviewed, cookie), (case_id, cookie[:-2] + "xx")):
        shown = fresh.get(f"/cases/{other}", headers={"Cookie": f"{DECLARED_COOKIE}={value}"})
        assert shown.status_code == 200 and 'id="declared"' not in shown.text


@pytest.mark.parametrize("sort", ["id", "component", "status", "severity", "bogus"])
def test_the_findings_sort_by_a_column(site: Site, sort: str) -> None:
    client, _ = _session(site, "li")
    page = client.get(f"/cases/{site.reviewed}/findings?sort={sort}")
    assert page.status_code == 200
    rows = re.findall(
        r'<th scope="row"><code>([^<]+)</code>.*?</th>\s*<td>([^<]+?)(?:<br>|</td>)', page.text
    )
    assert len(rows) == 50
    ids = [i for i, _ in rows]
    names = [n.strip() for _, n in rows]
    if sort == "id":
        assert ids == sorted(ids)
    elif sort == "component":
        assert names == sorted(names, key=lambda n: n.split(" ")[0])
    elif sort == "status":  # the one finding that does not count (jinja2's, VEX) last
        assert ids[-1] == "CVE-2019-10906"
    else:  # KEV first: the three salt KEVs and the kernel's
        kev = {"CVE-2020-11651", "CVE-2020-11652", "CVE-2020-16846", "CVE-2024-1086"}
        assert set(ids[:4]) == kev


def test_triage_is_the_reviewers_and_a_refusal_records_nothing(site: Site) -> None:
    case = f"/cases/{site.reviewed}"
    operator, csrf = _session(site, "wang")
    assert operator.get(case + "/findings").status_code == 200
    assert "Record and review again" not in operator.get(case + "/findings").text
    refused = operator.post(case + "/triage", data={"csrf": csrf, **KERNEL})
    assert refused.status_code == 403
    assert "triaging a finding is for reviewer, not applicant (wang)" in _text(refused)
    for name in ("anna", "bo"):  # a vendor sees no round of the operator's submission
        vendor, token = _session(site, name)
        assert vendor.get(case + "/findings").status_code == 404
        assert vendor.post(case + "/triage", data={"csrf": token, **KERNEL}).status_code == 404
    office, token = _session(site, "li")
    unjustified = office.post(case + "/triage", data={**KERNEL, "csrf": token, "justification": ""})
    assert unjustified.status_code == 422
    assert "not_affected takes one of the justifications" in _text(unjustified)
    with site.store.transaction("test") as tx:
        assert triages.list_triages(tx, site.reviewed) == ()
    assert _rounds(site, site.reviewed) == 1


def test_a_round_diff_is_seen_as_the_rounds_are(site: Site) -> None:
    case = f"/cases/{site.reviewed}"
    office, token = _session(site, "li")
    lonely = office.get(case + "/diff")
    assert lonely.status_code == 404
    assert f"case {site.reviewed} has 1 round(s): nothing to compare" in _text(lonely)
    done = office.post(case + "/triage", data={"csrf": token, **KERNEL}, follow_redirects=False)
    assert done.headers["location"] == f"{case}/diff?before=1&after=2&triaged=CVE-2024-1086"
    shown = office.get(done.headers["location"])
    moved = re.search(
        r"<th scope=\"row\">F02 [^<]+</th>\s*<td>(.*?)</td>\s*<td>(.*?)</td>", shown.text
    )
    assert moved is not None
    assert ">critical<" in moved.group(1) and ">high<" in moved.group(2)
    operator, _ = _session(site, "wang")
    assert operator.get(case + "/diff").text.count("F02 ") == shown.text.count("F02 ")
    vendor, _ = _session(site, "anna")
    assert vendor.get(case + "/diff?before=1&after=2").status_code == 404
    assert office.get(case + "/diff?before=0&after=2").status_code == 422  # not a round number


def test_an_opinion_is_a_member_units(site: Site) -> None:
    office, token = _session(site, "li")
    refused = office.post(
        f"/cases/{site.reviewed}/opinion", data={"csrf": token, "stance": "concur", "text": "ok"}
    )
    assert refused.status_code == 403
    assert "giving an opinion is for member-unit, not reviewer (li)" in _text(refused)


def test_the_approver_decides_and_a_reviewer_records_a_condition_met(site: Site) -> None:
    case_id = site.reviewed  # received → … → member-opinions, on the site's day
    for action in ("check", "accept", "decide-review", "recommend"):
        take_action(
            site.store,
            case_id,
            Step(action=action, on=NOW.date()),
            caller=REVIEWER,
            expected_version=None,
            home=None,
        )
    reviewer, reviewers_csrf = _session(site, "li")
    assert "Record the decision and conclude" not in reviewer.get(f"/cases/{case_id}").text
    approver, csrf = _session(site, "zhao")
    page = approver.get(f"/cases/{case_id}", headers={"Accept-Language": "zh-CN"})
    assert "记录审查决定并结案" in page.text
    version = re.search(r'name="expected_version" value="(\d+)"', page.text)
    assert version is not None
    decision = {
        "csrf": csrf,
        "expected_version": version.group(1),
        "outcome": "pass-with-conditions",
        "reason": "Acceptable once the kernel is patched.",
        "condition_text": "Ship firmware with the patched kernel.",
        "condition_party": "vendor",
        "condition_due": "2027-01-31",
    }
    wrong = approver.post(
        f"/cases/{case_id}/decide", data={**decision, "condition_due": "2027-13-01"}
    )
    assert wrong.status_code == 422
    assert "'2027-13-01' is not a day (YYYY-MM-DD)" in _text(wrong)
    done = approver.post(f"/cases/{case_id}/decide", data=decision, follow_redirects=False)
    assert (done.status_code, done.headers["location"]) == (
        303,
        f"/cases/{case_id}?done=decision#outcomes",
    )
    after = _text(approver.get(done.headers["location"]))
    assert "The decision is recorded. The case is now: Review concluded (written notice)." in after
    assert "Ship firmware with the patched kernel." in after
    # the round's conditions come with it (grid-storage's round 1 states some): the reviewer
    # is offered every condition, and records the one the approver added met
    form = reviewer.get(f"/cases/{case_id}").text
    offered = re.findall(r'<option value="(\d+)">', form)
    assert offered, "the reviewer is offered the conditions to record met"
    added = offered[-1]  # the approver's own comes after the round's
    met = reviewer.post(
        f"/cases/{case_id}/condition-met",
        data={"csrf": reviewers_csrf, "condition": added, "note": "Firmware 7.4.3 shipped."},
        follow_redirects=False,
    )
    assert met.headers["location"] == f"/cases/{case_id}?done=condition#outcomes"
    final = reviewer.get(met.headers["location"]).text
    assert "The condition is recorded as met." in _text(reviewer.get(met.headers["location"]))
    assert added not in re.findall(r'<option value="(\d+)">', final)
