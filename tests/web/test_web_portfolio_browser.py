"""The product, portfolio and intel pages in a real browser (Debian's Chromium through
Playwright, against a live uvicorn server): the office walks from the dashboard to a product's
graph, asks the three portfolio questions and reads the intel status, in both languages, each
page photographed; a vendor cannot see another vendor's product in the UI, and the API (with the
same session) answers 404 as for a product that does not exist."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Final

import pytest
from browser_kit import log_in
from playwright.sync_api import Browser, expect
from web_kit import EXAMPLE, SUPPLIER_B, Site

from chainreview.case.rounds import submit_package
from chainreview.intel import bundled

LANGUAGES: Final = {"en": "en-US", "zh-CN": "zh-CN"}
WORDS: Final = {
    "en": {
        "name": "User name",
        "password": "Password",
        "login": "Log in",
        "products": "Products",
        "graph": "Supply-chain graph",
        "portfolio": "Portfolio",
        "ask": "Ask",
        "measure": "Measure",
        "intel": "Intel status",
        "blast": "Blast radius of veltrani",
        "whatif": "If Lanxuan Data Engine Co., Ltd. fails",
        "not found": "Not found",
    },
    "zh-CN": {
        "name": "用户名",
        "password": "密码",
        "login": "登录",
        "products": "产品",
        "graph": "供应链图",
        "portfolio": "资产组合",
        "ask": "查询",
        "measure": "计算",
        "intel": "情报状态",
        "blast": "veltrani的影响范围",
        "whatif": "假如Lanxuan Data Engine Co., Ltd.无法继续供货",
        "not found": "未找到",
    },
}
"""What each language's pages say, written out by hand."""
MINGZHOU: Final = "Mingzhou Public Communications Co., Ltd."
QIUYUAN: Final = "Qiuyuan Provincial Grid Dispatch Co., Ltd."


@pytest.fixture
def world(live: tuple[Site, str]) -> tuple[Site, str]:
    """The live site with vendor B's own declaration (domestic-database) on its case and the
    bundled intel snapshot installed in the site's home."""
    site, base = live
    submit_package(site.store, site.other, EXAMPLE.parent / "domestic-database", caller=SUPPLIER_B)
    bundled.ensure_snapshot(site.app.state.context.settings.home)
    return site, base


@pytest.mark.parametrize("lang", list(LANGUAGES))
def test_the_office_reads_a_products_graph_asks_the_portfolio_and_reads_the_intel(
    world: tuple[Site, str], chromium: Browser, shots: Path, lang: str
) -> None:
    site, base = world
    words = WORDS[lang]
    context = chromium.new_context(locale=LANGUAGES[lang], viewport={"width": 1280, "height": 900})
    page = context.new_page()
    try:
        log_in(page, base, "li", words, "/")
        page.get_by_role("navigation").get_by_role("link", name=words["products"]).click()
        page.wait_for_url(base + "/products")
        expect(page.get_by_role("heading", level=1)).to_have_text(words["products"])
        expect(page.locator("table").first.locator("tbody tr th a")).to_have_text(
            ["VS-8400 NVMe all-flash array", "Veltrani Fleet Agent", "LX-DB distributed database"]
        )
        page.screenshot(path=shots / f"products-{lang}.png", full_page=True)

        page.get_by_role("link", name="VS-8400 NVMe all-flash array").click()
        page.wait_for_url(f"{base}/products/{site.reviewed}/P-ARRAY")
        expect(page.get_by_role("heading", level=2, name=words["graph"])).to_be_visible()
        graph = page.locator("figure.graph svg")
        expect(graph).to_be_visible()
        # 3 countries, 5 sites, the vendor, 14 components, the product, 2 systems, the operator
        expect(graph.locator("g.node")).to_have_count(27)
        box = graph.bounding_box()
        assert box is not None and box["width"] <= 1280 and box["height"] < 700
        page.screenshot(path=shots / f"product-{lang}.png", full_page=True)

        page.goto(base + "/portfolio")
        page.locator("#operator-blast").select_option(QIUYUAN)
        page.locator("#value").fill("veltrani")
        page.get_by_role("button", name=words["ask"]).first.click()
        expect(page.locator("#answer")).to_have_text(words["blast"])
        page.screenshot(path=shots / f"portfolio-blast-{lang}.png", full_page=True)

        page.locator("#operator-concentration").select_option(MINGZHOU)
        page.get_by_role("button", name=words["measure"]).click()
        # P-LXDB serves two functions (declaration.yaml: its two deployments)
        expect(page.locator("#answer + table tbody tr")).to_have_count(2)
        page.screenshot(path=shots / f"portfolio-concentration-{lang}.png", full_page=True)

        page.goto(f"{base}/portfolio/what-if?operator={MINGZHOU}&vendor=lanxuan")
        expect(page.locator("#answer")).to_have_text(words["whatif"])
        page.screenshot(path=shots / f"portfolio-what-if-{lang}.png", full_page=True)

        page.get_by_role("navigation").get_by_role("link", name=words["intel"]).click()
        page.wait_for_url(base + "/intel")
        expect(page.locator("#ecosystems + table tbody tr")).to_have_count(8)
        page.screenshot(path=shots / f"intel-{lang}.png", full_page=True)
    finally:
        context.close()


@pytest.mark.parametrize("lang", list(LANGUAGES))
def test_a_vendor_cannot_see_another_vendors_product(
    world: tuple[Site, str], chromium: Browser, shots: Path, lang: str
) -> None:
    site, base = world
    words = WORDS[lang]
    context = chromium.new_context(locale=LANGUAGES[lang], viewport={"width": 1280, "height": 900})
    page = context.new_page()
    try:
        log_in(page, base, "bo", words, "/products")
        expect(page.locator("table").first.locator("tbody tr th a")).to_have_text(
            ["LX-DB distributed database"]
        )
        page.screenshot(path=shots / f"vendor-products-{lang}.png", full_page=True)

        hidden, missing = f"{site.reviewed}/P-ARRAY", f"{site.other}/P-NONE"
        answer = page.goto(f"{base}/products/{hidden}")
        assert answer is not None and answer.status == 404
        expect(page.get_by_role("heading", level=1)).to_have_text(words["not found"])
        shown = page.locator("main").inner_text()
        assert f"no product {hidden}" in shown
        page.screenshot(path=shots / f"vendor-product-refused-{lang}.png", full_page=True)
        absent = page.goto(f"{base}/products/{missing}")
        assert absent is not None and absent.status == 404
        assert page.locator("main").inner_text() == shown.replace(hidden, missing)

        # the API, with the browser's own session: the same 404, the same body but for the id
        api_hidden = page.request.get(f"{base}/v1/products/{hidden}")
        api_missing = page.request.get(f"{base}/v1/products/{missing}")
        assert api_hidden.status == api_missing.status == 404
        assert json.loads(api_hidden.body()) == {
            "error": "not-found",
            "message": f"no product {hidden}",
        }
        assert api_hidden.body().replace(hidden.encode(), b"ID") == api_missing.body().replace(
            missing.encode(), b"ID"
        )
        own = page.request.get(f"{base}/v1/products/{site.other}/P-LXDB")
        assert own.status == 200 and own.json()["name"] == "LX-DB distributed database"
    finally:
        context.close()
