"""The web pages over the real site (Starlette's TestClient) on both backends: logging in and
out through the API's session (its rate limits, its cookies), the forms' CSRF tokens, access
through the same library checks as the API (a vendor cannot tell another vendor's case from a
missing one, in the list, the page or an action), the dashboard's lists and the factors of the
last round, worked out by hand or read from the stored result."""

from __future__ import annotations

import html
import json
import re

from fastapi.testclient import TestClient
from httpx2 import Response
from web_kit import NOW, PASSWORD, REVIEWER, Site

from chainreview.case.service import view_case
from chainreview.store import rounds

TOKEN = re.compile(r'name="token" value="([^"]+)"')
CSRF = re.compile(r'name="csrf" value="([^"]+)"')


def _client(site: Site) -> TestClient:
    return TestClient(site.app, base_url="http://127.0.0.1", client=("127.0.0.1", 50000))


def _log_in(client: TestClient, name: str, password: str = PASSWORD, next: str = "/") -> Response:
    form = client.get("/login")
    token = TOKEN.search(form.text)
    assert token is not None
    return client.post(
        "/login",
        data={"name": name, "password": password, "token": token.group(1), "next": next},
        follow_redirects=False,
    )


def _csrf(page: Response) -> str:
    found = CSRF.search(page.text)
    assert found is not None
    return found.group(1)


def _version(site: Site, case_id: str) -> int:
    view = view_case(site.store, case_id, caller=REVIEWER, today=NOW.date(), home=None)
    return view.case.version


def _ids(page: Response) -> list[str]:
    return re.findall(r'<th scope="row"><a href="/cases/([^"]+)">', page.text)


def test_a_page_read_without_a_session_goes_to_the_login_form(site: Site) -> None:
    client = _client(site)
    for path in ("/", "/cases", f"/cases/{site.reviewed}"):
        answer = client.get(path, follow_redirects=False)
        assert answer.status_code == 303
        assert answer.headers["location"] == f"/login?next={path}"


def test_logging_in_goes_through_the_api_login(site: Site) -> None:
    client = _client(site)
    forged = client.post(
        "/login",
        data={"name": "li", "password": PASSWORD, "token": "guessed", "next": "/"},
        follow_redirects=False,
    )
    assert forged.status_code == 403 and "chainreview_session" not in client.cookies
    wrong = _log_in(client, "li", "not the password at all")
    assert wrong.status_code == 401 and "Wrong user name or password." in wrong.text
    assert "chainreview_session" not in client.cookies
    done = _log_in(client, "li", next="https://evil.example/")
    assert done.status_code == 303 and done.headers["location"] == "/"
    assert "chainreview_session" in client.cookies
    assert client.get("/cases").status_code == 200


def test_failed_web_logins_count_against_the_api_login(site: Site) -> None:
    client = _client(site)
    for _ in range(5):
        assert _log_in(client, "bo", "not the password at all").status_code == 401
    limited = _log_in(client, "bo")
    assert limited.status_code == 429 and "Too many failed logins" in limited.text
    api = client.post("/v1/auth/login", json={"name": "bo", "password": PASSWORD})
    assert api.status_code == 429


def test_an_action_needs_the_sessions_csrf_token(site: Site) -> None:
    client = _client(site)
    _log_in(client, "li")
    page = client.get(f"/cases/{site.reviewed}")
    version = _version(site, site.reviewed)
    assert f'name="expected_version" value="{version}"' in page.text
    form = {"action": "check", "expected_version": str(version), "note": ""}
    for token in (None, "not-the-token"):
        sent = form if token is None else {**form, "csrf": token}
        refused = client.post(f"/cases/{site.reviewed}/act", data=sent, follow_redirects=False)
        assert refused.status_code in (403, 422)
        assert _version(site, site.reviewed) == version
    form["csrf"] = _csrf(page)
    done = client.post(f"/cases/{site.reviewed}/act", data=form, follow_redirects=False)
    assert done.status_code == 303
    assert done.headers["location"] == f"/cases/{site.reviewed}?done=check"
    assert _version(site, site.reviewed) == version + 1
    shown = client.get(done.headers["location"])
    assert "Done: check. The case is now: Completeness check of the Art. 8 materials." in (
        html.unescape(shown.text)
    )
    # an action the case now allows, on the version the page showed: it moved on since
    stale = client.post(
        f"/cases/{site.reviewed}/act", data={**form, "action": "accept"}, follow_redirects=False
    )
    assert stale.status_code == 409 and "Not done:" in stale.text
    assert _version(site, site.reviewed) == version + 1


def test_an_action_is_taken_in_the_callers_role(site: Site) -> None:
    client = _client(site)
    _log_in(client, "wang")  # the operator: may withdraw, may not check
    page = client.get(f"/cases/{site.reviewed}")
    buttons = re.findall(r'<button type="submit" name="action" value="([^"]+)">', page.text)
    assert buttons == ["withdraw"]
    form = {
        "action": "check",
        "expected_version": str(_version(site, site.reviewed)),
        "csrf": _csrf(page),
    }
    refused = client.post(f"/cases/{site.reviewed}/act", data=form)
    assert refused.status_code == 403
    assert "check from received is for reviewer, not applicant" in refused.text


def test_a_vendor_cannot_tell_another_vendors_case_from_a_missing_one(site: Site) -> None:
    client = _client(site)
    _log_in(client, "bo")
    assert _ids(client.get("/cases")) == [site.other, site.stopped]
    assert set(_ids(client.get("/"))) == {site.other, site.stopped}
    hidden = client.get(f"/cases/{site.reviewed}")
    missing = client.get("/cases/CR-2026-0999")
    assert hidden.status_code == missing.status_code == 404
    assert hidden.text.replace(site.reviewed, "X") == missing.text.replace("CR-2026-0999", "X")
    version = _version(site, site.reviewed)
    form = {"action": "check", "expected_version": str(version), "csrf": _csrf(hidden)}
    acted = client.post(f"/cases/{site.reviewed}/act", data=form)
    assert acted.status_code == 404
    assert _version(site, site.reviewed) == version
    assert client.get(f"/cases/{site.other}").status_code == 200


def test_the_dashboard_lists_by_deadline(site: Site) -> None:
    client = _client(site)
    _log_in(client, "li")
    page = client.get("/")
    sections = dict(re.findall(r"<h2>([^<]+)</h2>\n(.*?)(?=<h2>|</main>)", page.text, re.S))
    # 30 working days from 2026-08-03 (no holiday before mid-September): due 2026-09-14
    assert _ids_in(sections["Overdue"]) == [site.overdue]
    assert "2026-09-14" in sections["Overdue"]
    assert _ids_in(sections["Open cases by deadline"]) == [
        site.overdue,  # the only one with a due date
        site.reviewed,
        site.other,
        site.stopped,
    ]
    assert "stopped since 2026-11-10" in sections["Open cases by deadline"]
    assert "No condition is overdue." in sections["Conditions due"]
    cards = re.findall(r'<span class="n">([0-9]+)</span>', page.text)
    assert cards == ["4", "1", "1", "0"]


def _ids_in(fragment: str) -> list[str]:
    return re.findall(r'<th scope="row"><a href="/cases/([^"]+)">', fragment)


def test_the_case_page_shows_the_factor_levels_of_the_last_round(site: Site) -> None:
    with site.store.transaction("li") as tx:
        stored = json.loads(rounds.get_round(tx, site.reviewed, 1).result_json)
    levels = {a["factor_id"]: a["level"] for a in stored["determination"]["assessments"]}
    assert len(levels) == 20
    vendor = _client(site)
    _log_in(vendor, "anna")  # vendor A sees its case, not the operator's submission or round
    hidden = vendor.get(f"/cases/{site.reviewed}")
    assert hidden.status_code == 200
    assert "No review round yet: the factors are assessed" in hidden.text
    assert "Submissions" not in hidden.text
    client = _client(site)
    _log_in(client, "li")
    page = client.get(f"/cases/{site.reviewed}")
    shown = re.findall(
        r'<th scope="row">(F[0-9]{2}) [^<]*</th>\s*<td><span class="tag [a-z]+">([a-z]+)</span>',
        page.text,
    )
    assert dict(shown) == levels
    assert "As review round 1 assessed them" in page.text


def test_the_office_finds_each_rounds_report_on_the_case_page(site: Site) -> None:
    vendor = _client(site)
    _log_in(vendor, "wang")  # the applicant sees the round, but reports are the office's
    assert "/rounds/1/report" not in vendor.get(f"/cases/{site.reviewed}").text
    client = _client(site)
    _log_in(client, "li")
    page = client.get(f"/cases/{site.reviewed}").text
    links = re.findall(r'href="(/v1/cases/[^"]+/report[^"]*)"', page)
    base = f"/v1/cases/{site.reviewed}/rounds/1/report?lang=en&amp;format="
    assert links == [base + "pdf", base + "html", base + "json"]
    # The session is the API's: the link gets past authentication to the library, which
    # looks for the round's snapshot under this site's home (the round was reviewed on
    # another home's here) and says so.
    followed = client.get(links[2].replace("&amp;", "&"))
    assert followed.status_code == 404
    assert "used snapshot" in followed.json()["message"]


def test_the_pages_speak_chinese_when_asked(site: Site) -> None:
    client = _client(site)
    _log_in(client, "li")
    page = client.get(f"/cases/{site.overdue}", headers={"Accept-Language": "zh-CN,zh;q=0.9"})
    assert '<html lang="zh-CN">' in page.text
    assert "初步审查" in page.text  # the state, Initial review
    assert "2026年9月14日" in page.text
    for target in (
        "//evil.example/",
        "/\\evil.example/",
        "/\t/evil.example/",
        "https://x.example/",
    ):
        switched = client.get("/lang/en", params={"next": target}, follow_redirects=False)
        assert switched.headers["location"] == "/"
    kept = client.get("/lang/en", params={"next": "/cases?x=1"}, follow_redirects=False)
    assert kept.headers["location"] == "/cases?x=1"
    page = client.get(f"/cases/{site.overdue}", headers={"Accept-Language": "zh-CN"})
    assert '<html lang="en">' in page.text and "Initial review" in page.text


def test_logging_out_needs_the_token_and_ends_the_session(site: Site) -> None:
    client = _client(site)
    _log_in(client, "li")
    page = client.get("/")
    assert client.post("/logout", data={"csrf": "wrong"}).status_code == 403
    assert client.get("/").status_code == 200
    out = client.post("/logout", data={"csrf": _csrf(page)}, follow_redirects=False)
    assert out.status_code == 303 and out.headers["location"] == "/login"
    assert "chainreview_session" not in client.cookies
    assert client.get("/", follow_redirects=False).status_code == 303


def test_hostile_text_is_escaped_and_the_pages_stay_out_of_the_api_schema(site: Site) -> None:
    client = _client(site)
    _log_in(client, "li")
    page = client.get("/cases")
    assert "Core network &lt;b&gt;database&lt;/b&gt; cluster" in page.text
    assert "<b>database" not in page.text
    paths = client.get("/openapi.json").json()["paths"]
    assert paths and all(p.startswith("/v1/") for p in paths)
