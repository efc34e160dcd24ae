"""The web pages in a real browser: Debian's Chromium (Playwright) against a live uvicorn server
on 127.0.0.1 over a SQLite file. A reviewer logs in, finds the case in the list, opens it and
takes one action; a vendor cannot reach another vendor's case. Every page is photographed in
both languages (into the test's tmp dir; `CHAINREVIEW_WEB_SHOTS` names a folder to copy them
to)."""

from __future__ import annotations

from pathlib import Path

import pytest
from browser_kit import log_in
from playwright.sync_api import Browser, expect
from web_kit import NOW, REVIEWER, Site

from chainreview.case.service import view_case

LANGUAGES = {"en": "en-US", "zh-CN": "zh-CN"}
"""Our language → the browser's locale (its `Accept-Language`)."""
WORDS = {
    "en": {
        "login": "Log in",
        "name": "User name",
        "password": "Password",
        "check": "check",
        "done": "Done: check. The case is now: Completeness check of the Art. 8 materials.",
        "state": "Completeness check of the Art. 8 materials",
        "factor": "F01 Illegal remote control",
        "overdue": "2026-09-14 (45 working days overdue)",
    },
    "zh-CN": {
        "login": "登录",
        "name": "用户名",
        "password": "密码",
        "check": "检查材料",
        "done": "已完成：检查材料。案件现处于：第八条申报材料完备性检查。",
        "state": "第八条申报材料完备性检查",
        "factor": "F01 非法控制",
        "overdue": "2026年9月14日（已超期45个工作日）",
    },
}
"""What each language's pages say, written out by hand (the catalogue is not consulted)."""


@pytest.mark.parametrize("lang", list(LANGUAGES))
def test_a_reviewer_logs_in_opens_a_case_and_advances_it(
    live: tuple[Site, str], chromium: Browser, shots: Path, lang: str
) -> None:
    site, base = live
    words = WORDS[lang]
    context = chromium.new_context(locale=LANGUAGES[lang], viewport={"width": 1280, "height": 900})
    page = context.new_page()
    try:
        page.goto(base + "/cases")
        expect(page.locator("html")).to_have_attribute("lang", lang)
        expect(page.get_by_role("heading", level=1)).to_have_text(words["login"])
        assert page.url == f"{base}/login?next=/cases"  # the login page, asked for /cases
        page.screenshot(path=shots / f"login-{lang}.png", full_page=True)
        log_in(page, base, "li", words, "/cases")

        ids = page.locator("table tbody tr th")
        expect(ids).to_have_text([site.reviewed, site.other, site.overdue, site.stopped])
        expect(page.locator("table tbody tr").nth(1)).to_contain_text(
            "Core network <b>database</b> cluster"
        )
        page.screenshot(path=shots / f"cases-{lang}.png", full_page=True)

        page.get_by_role("link", name=site.reviewed).click()
        page.wait_for_url(f"{base}/cases/{site.reviewed}")
        expect(page.locator("#factors + table tbody th").first).to_contain_text(words["factor"])
        page.screenshot(path=shots / f"case-{lang}.png", full_page=True)

        page.get_by_label({"en": "Note (optional)", "zh-CN": "备注（可选）"}[lang]).fill(
            "materials complete"
        )
        page.get_by_role("button", name=words["check"], exact=True).click()
        page.wait_for_url(f"{base}/cases/{site.reviewed}?done=check")
        expect(page.get_by_role("status")).to_have_text(words["done"])
        expect(page.locator("dl.facts dd").first).to_contain_text(words["state"])
        expect(page.locator("#timeline + table tbody tr").last).to_contain_text(
            "materials complete"
        )
        page.screenshot(path=shots / f"case-after-{lang}.png", full_page=True)

        page.goto(base + "/")
        page.screenshot(path=shots / f"dashboard-{lang}.png", full_page=True)
        page.get_by_role("link", name=site.overdue).first.click()
        expect(page.locator("dl.facts")).to_contain_text(words["overdue"])
        page.screenshot(path=shots / f"case-overdue-{lang}.png", full_page=True)
    finally:
        context.close()
    # the store, read through the library, holds the action the browser took
    view = view_case(site.store, site.reviewed, caller=REVIEWER, today=NOW.date(), home=None)
    assert view.case.state == "completeness-check"
    assert view.history is not None
    assert (view.history[-1].action, view.history[-1].recorded_by) == ("check", "li")
    assert view.history[-1].note == "materials complete"


@pytest.mark.parametrize("lang", list(LANGUAGES))
def test_a_vendor_cannot_reach_another_vendors_case(
    live: tuple[Site, str], chromium: Browser, shots: Path, lang: str
) -> None:
    site, base = live
    context = chromium.new_context(locale=LANGUAGES[lang], viewport={"width": 1280, "height": 900})
    page = context.new_page()
    try:
        log_in(page, base, "bo", WORDS[lang], "/cases")
        expect(page.locator("table tbody tr th")).to_have_text([site.other, site.stopped])
        page.screenshot(path=shots / f"vendor-cases-{lang}.png", full_page=True)

        answer = page.goto(f"{base}/cases/{site.reviewed}")
        assert answer is not None and answer.status == 404
        shown = page.locator("main").inner_text()
        assert f"no case {site.reviewed}" in shown
        page.screenshot(path=shots / f"vendor-refused-{lang}.png", full_page=True)
        missing = page.goto(f"{base}/cases/CR-2026-0999")
        assert missing is not None and missing.status == 404
        assert page.locator("main").inner_text() == shown.replace(site.reviewed, "CR-2026-0999")
    finally:
        context.close()


def test_the_language_switch_is_remembered(live: tuple[Site, str], chromium: Browser) -> None:
    base = live[1]
    context = chromium.new_context(locale="en-US")
    page = context.new_page()
    try:
        log_in(page, base, "li", WORDS["en"], "/")
        page.get_by_role("link", name="中文").click()
        page.wait_for_url(base + "/")
        expect(page.locator("html")).to_have_attribute("lang", "zh-CN")
        expect(page.get_by_role("heading", level=1)).to_have_text("工作台")
        page.get_by_role("link", name="案件", exact=True).click()
        expect(page.get_by_role("heading", level=1)).to_have_text("案件")
        page.get_by_role("link", name="English").click()
        page.wait_for_url(base + "/cases")
        expect(page.get_by_role("heading", level=1)).to_have_text("Cases")
    finally:
        context.close()
