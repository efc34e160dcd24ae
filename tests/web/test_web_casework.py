"""The case work in a real browser (Debian's Chromium, Playwright) against a live uvicorn
server, on a SQLite file and on the PostgreSQL server: an operator declares the grid-storage
example (a package with problems first, every problem listed), then the review office takes the
case through the procedure (materials requested: the clock stops), reviews it, a member unit
gives its opinion, and the reviewer triages findings as VEX `not_affected`, each triage a new
round whose difference from the last the browser reads. Every new page is photographed in both
languages (`CHAINREVIEW_WEB_SHOTS` names a folder to copy them to, as in `test_web_browser`).

Expected levels, worked out by hand from the example and the factor rules, not by the code:
grid-storage's firmware carries linux 5.10.120 with CVE-2024-1086, in CISA KEV and used in
ransomware campaigns, which makes F02 `critical` (`factors/vulnerabilities.py`: KEV with known
ransomware use → critical); its three salt KEVs have fixed releases and no ransomware use, so
they alone make F02 `high`. With the kernel `not_affected` F02 is `high`, and the outcome stays
`fail` (CN.1: the salt KEVs are still active, examples/grid-storage/README.md). With the salt
KEVs `not_affected` too no KEV is active, CN.1 no longer holds, and the README's "without the
KEV" paragraph applies: refer to special review (CN.6: F02 is only a floor; CN.7 holds too,
F05, F07 and F11 are high). F17 then has no KEV
left to make it high, and nothing else known that decides it: undetermined."""

from __future__ import annotations

import io
import re
import zipfile
from pathlib import Path
from typing import Final

import pytest
from browser_kit import log_in
from playwright.sync_api import Browser, Page, expect
from web_kit import ADMIN, EXAMPLE, GRID_OP, PASSWORD, REVIEWER, VENDOR_A, Site

from chainreview.case.access import Caller
from chainreview.case.credentials import set_password
from chainreview.case.procedure import Role
from chainreview.case.triage import current_findings
from chainreview.case.users import Person, register

LANGUAGES: Final = {"en": "en-US", "zh-CN": "zh-CN"}
UNIT: Final = Caller(name="sun", role=Role.MEMBER_UNIT, org="Demo Ministry of Security")
RENAMED: Final = {
    "declaration.yaml": ("Qiuyuan Provincial Grid Dispatch Co., Ltd.", GRID_OP),
    "vendor/veltrani.yaml": ("Veltrani Storage Systems, Inc.", VENDOR_A),
}
"""Where grid-storage names its operator and its vendor, and the test world's names."""
SALT_KEV: Final = ("CVE-2020-11651", "CVE-2020-11652", "CVE-2020-16846")
MISSING: Final = "no such file 'sbom/fleet-agent.cdx.json' in the package"
PROBLEMS: Final = [  # the manifest names the SBOM once, questionnaire answers 1 and 23 cite it
    f"declaration.yaml: /products/1/sboms/0: {MISSING}",
    f"questionnaire.yaml: /answers/0/evidence/0/file: {MISSING}",
    f"questionnaire.yaml: /answers/22/evidence/0/file: {MISSING}",
]
WORDS: Final = {
    "en": {
        "login": "Log in",
        "name": "User name",
        "password": "Password",
        "declared": "Determination of your declaration",
        "fail": "fail",
        "special": "refer to special review",
        "critical": "critical",
        "high": "high",
        "F02": "F02 Known exploitable vulnerabilities in product or components",
        "problems": "The package was not declared: 3 problems.",
        "not_affected": "not affected",
        "same": "The outcome did not change.",
        "moved": "The outcome changed.",
    },
    "zh-CN": {
        "login": "登录",
        "name": "用户名",
        "password": "密码",
        "declared": "您申报的审查结论",
        "fail": "不予通过",
        "special": "转入特别审查程序",
        "critical": "严重",
        "high": "高",
        "F02": "F02 产品或组件中已知可利用的漏洞",
        "problems": "材料包未能申报：共3个问题。",
        "not_affected": "不受影响",
        "same": "审查结论没有变化。",
        "moved": "审查结论发生了变化。",
    },
}
"""What each language's pages say, written out by hand (the catalogues are not consulted)."""


def _package(into: Path) -> Path:
    """grid-storage with the world's operator and vendor, as a folder (README aside)."""
    folder = into / "grid-storage"
    for path in sorted(EXAMPLE.rglob("*")):
        name = path.relative_to(EXAMPLE).as_posix()
        if not path.is_file() or name == "README.md":
            continue
        data = path.read_bytes()
        if name in RENAMED:
            old, new = RENAMED[name]
            assert old.encode() in data, name
            data = data.replace(old.encode(), new.encode())
        (folder / name).parent.mkdir(parents=True, exist_ok=True)
        (folder / name).write_bytes(data)
    return folder


def _broken_zip(folder: Path, into: Path) -> Path:
    """The package zipped without the Fleet Agent's SBOM."""
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w") as archive:
        for path in sorted(folder.rglob("*")):
            name = path.relative_to(folder).as_posix()
            if path.is_file() and name != "sbom/fleet-agent.cdx.json":
                archive.writestr(name, path.read_bytes())
    (into / "broken.zip").write_bytes(buffer.getvalue())
    return into / "broken.zip"


def _act(page: Page, action: str) -> None:
    page.locator(f"form.actions button[value='{action}']").click()
    page.wait_for_url(re.compile(rf".*\?done={action}$"))


def _triage(
    page: Page, vulnerability: str, component: str, statement: str, shot: Path | None = None
) -> None:
    row = page.locator("table.findings tbody tr").filter(
        has=page.locator("th code", has_text=re.compile(rf"^{vulnerability}$"))
    )
    row = row.filter(has=page.locator(f"input[name=component][value='{component}']"))
    expect(row).to_have_count(1)
    row.locator("summary").click()
    row.locator("select[name=status]").select_option("not_affected")
    row.locator("select[name=justification]").select_option("vulnerable_code_not_in_execute_path")
    row.locator("textarea[name=statement]").fill(statement)
    if shot is not None:
        row.screenshot(path=shot)
    row.locator("button[type=submit]").click()
    page.wait_for_url(re.compile(r".*/diff\?before=\d+&after=\d+&triaged=.*"))


def _level(page: Page, factor: str) -> tuple[str, str]:
    """A moved factor's levels on the diff page, before and after."""
    row = page.locator("#levels + table tbody tr").filter(has_text=factor)
    return row.locator("td").nth(0).inner_text(), row.locator("td").nth(1).inner_text()


@pytest.mark.parametrize(
    ("live", "lang"),
    [("sqlite", "en"), ("sqlite", "zh-CN"), ("postgresql", "en")],
    indirect=["live"],
)
def test_an_operator_declares_and_the_office_reviews_and_triages(
    live: tuple[Site, str], chromium: Browser, shots: Path, tmp_path: Path, lang: str
) -> None:
    site, base = live
    words = WORDS[lang]
    register(site.store, Person(name=UNIT.name, role=UNIT.role, org=UNIT.org), by=ADMIN)
    set_password(site.store, UNIT.name, PASSWORD, by=UNIT)
    folder = _package(tmp_path / "upload")
    broken = _broken_zip(folder, tmp_path)

    def browser() -> Page:
        return chromium.new_context(
            locale=LANGUAGES[lang], viewport={"width": 1280, "height": 900}
        ).new_page()

    # (a) the operator declares: a package with problems, then the whole folder
    operator = browser()
    log_in(operator, base, "wang", WORDS[lang], "/declare")
    operator.screenshot(path=shots / f"declare-{lang}.png", full_page=True)
    operator.locator("#package").set_input_files(broken)
    operator.locator("form[action='/declare'] button[type=submit]").click()
    operator.wait_for_load_state()
    expect(operator.get_by_role("alert")).to_contain_text(words["problems"])
    expect(operator.locator("ul.problems li")).to_have_text(PROBLEMS)
    operator.screenshot(path=shots / f"declare-problems-{lang}.png", full_page=True)
    operator.locator("#files").set_input_files(folder)
    operator.locator("form[action='/declare/files'] button[type=submit]").click()
    operator.wait_for_url(re.compile(r".*/cases/CR-\d{4}-\d{4}\?done=declaration$"))
    case_url = operator.url.split("?")[0]
    case_id = case_url.rsplit("/", 1)[1]
    declared = operator.locator("section.declared")
    expect(declared.locator("h2")).to_have_text(words["declared"])
    expect(declared.locator("p .tag").first).to_have_text(words["fail"])
    expect(declared.locator("tr").filter(has_text="F02").locator("td")).to_have_text(
        words["critical"]
    )
    expect(declared.locator("tbody tr")).to_have_count(20)  # the catalogue's 20 factors
    operator.screenshot(path=shots / f"case-declared-{lang}.png", full_page=True)

    # (b) the office: through the procedure, materials requested (the clock stops)
    office = browser()
    log_in(office, base, "li", WORDS[lang], f"/cases/{case_id}")
    expect(office.locator("section.declared")).to_have_count(0)  # the operator's own
    for action in ("check", "accept", "decide-review", "request-materials"):
        _act(office, action)
    expect(office.locator("dl.facts .tag.deadline-stopped")).to_have_count(1)
    office.screenshot(path=shots / f"case-stopped-{lang}.png", full_page=True)
    _act(office, "supply-materials")
    expect(office.locator("dl.facts .tag.deadline-running")).to_have_count(1)
    office.locator(f"form[action='/cases/{case_id}/review'] button").click()
    office.wait_for_url(case_url + "?done=review")
    expect(office.locator("#rounds + table tbody tr")).to_have_count(1)
    _act(office, "recommend")

    # a member unit gives its opinion while the case is put to the member units
    unit = browser()
    log_in(unit, base, "sun", WORDS[lang], f"/cases/{case_id}")
    unit.locator("form.opinion input[value=concur]").check()
    unit.locator("form.opinion textarea").fill("Concur: the KEV findings must be fixed first.")
    unit.locator("form.opinion button").click()
    unit.wait_for_url(case_url + "?done=opinion#outcomes")
    expect(unit.locator("#outcomes + table tbody tr")).to_contain_text(
        "Concur: the KEV findings must be fixed first."
    )
    unit.screenshot(path=shots / f"case-opinion-{lang}.png", full_page=True)
    unit.context.close()

    # the reviewer triages the kernel's KEV: F02 critical → high, the outcome stays fail
    office.goto(case_url + "/findings")
    expect(office.locator("table.findings tbody tr").first).to_contain_text("KEV")
    office.screenshot(path=shots / f"findings-{lang}.png", full_page=True)
    office.locator("table.findings thead a[href='?sort=id']").click()
    ids = office.locator("table.findings tbody th code").all_inner_texts()
    assert ids == sorted(ids)
    kernel = "nf_tables is not built into the kernel."
    _triage(office, "CVE-2024-1086", "linux-kernel", kernel, shots / f"findings-triage-{lang}.png")
    assert office.url.endswith("/diff?before=1&after=2&triaged=CVE-2024-1086")
    assert _level(office, "F02") == (words["critical"], words["high"])
    expect(office.locator("main")).to_contain_text(words["same"])
    changed = office.locator("#changed + table tbody tr").filter(has_text="CVE-2024-1086")
    expect(changed).to_contain_text(words["not_affected"])
    office.screenshot(path=shots / f"diff-{lang}.png", full_page=True)

    # the salt KEVs too: no KEV is active, the outcome moves to special review
    for number, vulnerability in enumerate(SALT_KEV, start=3):
        office.goto(case_url + "/findings")
        _triage(office, vulnerability, "pkg:pypi/salt@3000.1", "The salt master is not used.")
        assert office.url.endswith(f"?before={number - 1}&after={number}&triaged={vulnerability}")
    sides = office.locator("table.sides tbody tr").first.locator("td")
    expect(sides.nth(0)).to_contain_text(words["fail"])
    expect(sides.nth(1)).to_contain_text(words["special"])
    expect(office.locator("main")).to_contain_text(words["moved"])
    office.screenshot(path=shots / f"diff-outcome-{lang}.png", full_page=True)

    office.goto(case_url)
    expect(office.locator("#rounds + table tbody tr")).to_have_count(5)
    expect(
        office.locator("#factors + table tbody tr").filter(has_text=words["F02"])
    ).to_contain_text(words["high"])
    office.screenshot(path=shots / f"case-rounds-{lang}.png", full_page=True)
    office.context.close()

    # the operator reads the office's rounds of its case; the vendor reads none of them
    answer = operator.goto(f"{case_url}/diff")
    assert answer is not None and answer.status == 200
    assert _level(operator, "F17") == (words["high"], _undetermined(lang))
    operator.context.close()
    vendor = browser()
    log_in(vendor, base, "anna", WORDS[lang], "/cases")
    for page in ("/findings", "/diff", "/diff?before=1&after=2"):
        refused = vendor.goto(case_url + page)
        assert refused is not None and refused.status == 404, page
    vendor.context.close()

    # the store, read through the library, holds what the browser did
    last = current_findings(site.store, case_id, caller=REVIEWER)
    assert (last.round, last.outcome, last.levels["F02"]) == (5, "refer_to_special_review", "high")


def _undetermined(lang: str) -> str:
    return {"en": "undetermined", "zh-CN": "未定"}[lang]


@pytest.mark.parametrize(("live", "lang"), [("sqlite", "zh-CN")], indirect=["live"])
def test_a_package_too_large_gets_a_page_in_the_browser(
    live: tuple[Site, str], chromium: Browser, tmp_path: Path, lang: str
) -> None:
    _, base = live
    huge = tmp_path / "huge.zip"
    with huge.open("wb") as out:  # one byte past the cap: 64 MiB and the form's 64 KiB
        out.truncate(64 * 1024 * 1024 + 64 * 1024 + 1)
    page = chromium.new_context(locale=LANGUAGES[lang]).new_page()
    log_in(page, base, "wang", WORDS[lang], "/declare")
    page.locator("#package").set_input_files(huge)
    page.locator("form[action='/declare'] button[type=submit]").click()
    page.wait_for_load_state()
    expect(page.locator("h1")).to_have_text("内容过大")
    expect(page.get_by_role("alert")).to_contain_text(
        "提交的内容超过 64 MiB，未读取也未保存任何内容。"
    )
