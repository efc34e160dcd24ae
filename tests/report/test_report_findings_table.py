"""The findings tables: each finding shows the advisory record and range it rests on and where its
component is in the SBOM (checked against the advisory file and the SBOM file themselves), in the
HTML and in the PDF; in a real headless Chromium, clicking the severity, KEV or EPSS header sorts
the rows (the expected orders worked out here from the result), and the page reads the same with
JavaScript off. The PDF's table of a product with more findings than `PDF_FINDING_ROWS` lists the
most urgent (the order worked out here), a factor's evidence its first as many, and each says
where the others are."""

from __future__ import annotations

import io
import json
import re
import subprocess
from collections.abc import Callable
from dataclasses import replace
from datetime import date
from pathlib import Path
from typing import Any

import pytest
from lxml import html as lxml_html
from playwright.sync_api import Browser, Page

from chainreview import REVIEW_FORMATS, review
from chainreview.findings.model import Epss, Finding
from chainreview.formats import review_formats
from chainreview.report.html import HTML_FINDING_ROWS, render_html
from chainreview.report.pdf import PDF_FINDING_ROWS
from chainreview.reviewer import ReviewResult

ROOT = Path(__file__).resolve().parents[2]
AS_OF = date(2026, 12, 1)
DATABASE = ROOT / "examples" / "domestic-database"
STORAGE = ROOT / "examples" / "grid-storage"
URGENCY = ("critical", "unknown", "high", "medium", "low", "none")
"""Severity, most urgent first: `unknown` is never ranked with `low` (docs/review-policy.md)."""


@pytest.fixture(scope="module")
def database(bundled_home: Path) -> ReviewResult:
    return review(DATABASE, home=bundled_home, as_of=AS_OF)


@pytest.fixture(scope="module")
def storage(bundled_home: Path) -> ReviewResult:
    """The grid-storage review, its P-AGENT findings given EPSS scores (the bundled snapshot has
    no EPSS feed): 0.0 to 0.9 in a scattered order with ties, every fourth unscored."""
    found = review(STORAGE, home=bundled_home, as_of=AS_OF)
    products = []
    for product in found.products:
        if product.product == "P-AGENT":
            scored = tuple(
                replace(
                    f,
                    epss=None
                    if n % 4 == 3
                    else Epss(cve=f.id, score=n * 7 % 10 / 10, percentile=0.5),
                )
                for n, f in enumerate(product.findings)
            )
            product = replace(product, findings=scored)
        products.append(product)
    return replace(found, products=tuple(products))


def _written(result: ReviewResult, kind: str) -> bytes:
    buffer = io.BytesIO()
    REVIEW_FORMATS[kind].write(result, buffer)
    return buffer.getvalue()


def test_a_finding_shows_its_advisory_range_and_sbom_pointer(
    database: ReviewResult, shared_data: Path, tmp_path: Path
) -> None:
    # GO-2026-4762 (gRPC-Go): its one affected entry's one SEMVER range, read from the advisory
    record = json.loads((shared_data / "golang-vulndb/data/osv/GO-2026-4762.json").read_text())
    (entry,) = record["affected"]
    (events,) = [r["events"] for r in entry["ranges"]]
    expected_range = "affected[0] ranges[0] SEMVER " + ", ".join(
        f"{kind} {version}" for event in events for kind, version in event.items()
    )
    assert expected_range == "affected[0] ranges[0] SEMVER introduced 0, fixed 1.79.3"
    # where grpc is in the product's CycloneDX SBOM, read from the SBOM
    name = entry["package"]["name"]
    sbom = json.loads((DATABASE / "sbom/lxdb-sql-layer.cdx.json").read_text())
    (index,) = [
        i for i, c in enumerate(sbom["components"]) if c["purl"].startswith(f"pkg:golang/{name}@")
    ]
    pointer = f"sbom/lxdb-sql-layer.cdx.json: /components/{index}"

    (product,) = database.products
    (finding,) = [f for f in product.findings if "GO-2026-4762" in f.aliases]
    page = lxml_html.fromstring(_written(database, "html").decode())
    (row,) = [
        tr
        for tr in page.xpath("//table[contains(@class, 'findings')]/tbody/tr")
        if any(a.text == "GO-2026-4762" for a in tr.iter("a"))
    ]
    component, advisory = (" ".join(td.text_content().split()) for td in row[:2])
    assert component == f"{finding.name} {finding.version} {pointer}"
    assert advisory.startswith(finding.id)
    assert advisory.endswith(f"GO-2026-4762 {expected_range}")
    assert {a.text: a.get("href") for a in row.iter("a")}["GO-2026-4762"] == (
        "https://osv.dev/vulnerability/GO-2026-4762"
    )

    (tmp_path / "report.pdf").write_bytes(_written(database, "pdf"))
    text = subprocess.run(
        ["pdftotext", "-raw", str(tmp_path / "report.pdf"), "-"],
        capture_output=True,
        check=True,
        text=True,
    ).stdout
    squashed = re.sub(r"\s+", "", text)
    assert re.sub(r"\s+", "", f"{pointer}") in squashed
    assert re.sub(r"\s+", "", f"GO-2026-4762{expected_range}") in squashed


def test_every_finding_shows_where_its_component_was_read(storage: ReviewResult) -> None:
    page = lxml_html.fromstring(_written(storage, "html").decode())
    rows = page.xpath("//table[contains(@class, 'findings')]/tbody/tr")
    findings = [f for p in storage.products for f in p.findings]
    assert len(rows) == len(findings) > 40
    for row, finding in zip(rows, findings, strict=True):
        pointers = [" ".join(s.text_content().split()) for s in row[0].find_class("pointer")]
        assert pointers, finding.id
        assert all(re.fullmatch(r"sbom/\S+\.json: /components/\d+", p) for p in pointers)
        ranges = row[1].find_class("pointer")
        assert len(ranges) == len(finding.evidence)


def _column(page: Page, table: int, column: int) -> list[str]:
    cells: list[str] = page.eval_on_selector_all(
        "table.findings",
        f"(tables) => Array.from(tables[{table}].tBodies[0].rows,"
        f" (row) => row.cells[{column}].innerText.trim())",
    )
    return cells


def _ids(page: Page, table: int) -> list[str]:
    return [cell.split()[0] for cell in _column(page, table, 1)]


def _sorted(findings: tuple[Finding, ...], key: Callable[[Finding], Any]) -> list[str]:
    return [f.id for f in sorted(findings, key=key)]


def test_clicking_a_header_sorts_the_table_in_chromium(
    chromium: Browser, storage: ReviewResult, tmp_path: Path
) -> None:
    path = tmp_path / "report.html"
    path.write_bytes(_written(storage, "html"))
    agent = next(p for p in storage.products if p.product == "P-AGENT")
    table = [p.product for p in storage.products if p.findings].index("P-AGENT")
    findings = agent.findings
    assert sum(f.kev is not None for f in findings) == 3
    assert len({f.epss.score for f in findings if f.epss}) >= 3
    assert len({f.severity.level for f in findings}) >= 2
    context = chromium.new_context(java_script_enabled=True)
    page = context.new_page()
    page.goto(path.as_uri(), wait_until="load")
    header = page.locator("table.findings").nth(table).locator("thead th")
    assert _ids(page, table) == [f.id for f in findings]  # the report's order until a click

    header.nth(4).locator("button").click()  # EPSS: highest first, unscored last
    by_epss = sorted(findings, key=lambda f: f.epss.score if f.epss else -1, reverse=True)
    assert _ids(page, table) == [f.id for f in by_epss]
    assert header.nth(4).get_attribute("aria-sort") == "descending"
    header.nth(4).locator("button").click()  # again: lowest first, unscored first
    assert _ids(page, table) == _sorted(findings, lambda f: f.epss.score if f.epss else -1)
    assert header.nth(4).get_attribute("aria-sort") == "ascending"

    header.nth(3).locator("button").click()  # KEV: in KEV first, the latest added first
    by_kev = sorted(findings, key=lambda f: "" if f.kev is None else f.kev.date_added, reverse=True)
    assert _ids(page, table) == [f.id for f in by_kev]  # `reverse` keeps ties in order
    assert {f.id for f in by_kev[:3]} == {f.id for f in findings if f.kev}
    assert header.nth(4).get_attribute("aria-sort") == "none"

    header.nth(2).locator("button").click()  # severity: most urgent first
    assert _ids(page, table) == _sorted(findings, lambda f: URGENCY.index(f.severity.level))
    levels = _column(page, table, 2)
    assert levels == sorted(levels, key=URGENCY.index)
    context.close()


def test_the_page_reads_the_same_with_javascript_off(
    chromium: Browser, storage: ReviewResult, tmp_path: Path
) -> None:
    path = tmp_path / "report.html"
    path.write_bytes(_written(storage, "html"))
    shown = {}
    for scripted in (True, False):
        context = chromium.new_context(java_script_enabled=scripted)
        page = context.new_page()
        page.goto(path.as_uri(), wait_until="load")
        shown[scripted] = (page.inner_text("body"), page.locator("th button").count())
        context.close()
    assert shown[True][1] == 3 * len([p for p in storage.products if p.findings])
    assert shown[False][1] == 0
    assert shown[True][0] == shown[False][0]


def test_a_capped_table_lists_the_most_urgent_and_says_where_the_rest_are(
    storage: ReviewResult,
) -> None:
    agent = next(p for p in storage.products if p.product == "P-AGENT")
    page = lxml_html.fromstring(render_html(storage, rows=10))
    table = page.xpath("//table[contains(@class, 'findings')]")[1]
    shown = [" ".join(tr[1].text_content().split()).split()[0] for tr in table.xpath("tbody/tr")]
    # by hand: active before resolved, in KEV before not, critical, unknown, high…, EPSS high first
    urgent = sorted(
        agent.findings,
        key=lambda f: (
            not f.active,
            f.kev is None,
            URGENCY.index(f.severity.level),
            -(f.epss.score if f.epss else -1),
        ),
    )
    assert shown == [f.id for f in urgent[:10]]
    assert {f.id for f in urgent[:3]} == {f.id for f in agent.findings if f.kev}
    note = " ".join(table.getnext().text_content().split())
    assert note.startswith(f"The 10 most urgent findings of {len(agent.findings)} are listed")
    assert note.endswith(
        f"{len(agent.findings) - 10} more are in result.json (products[].findings) and in the "
        "product's VEX (review --vex); review --all lists every one here."
    )
    full = lxml_html.fromstring(render_html(storage))
    assert len(full.xpath("//table[contains(@class, 'findings')]")[1].xpath("tbody/tr")) == 44
    # a factor's evidence: its first 10 references, and how many more
    long = [a for a in storage.determination.assessments if len(a.evidence) > 10]
    assert long
    for a in long:
        (section,) = page.xpath(f"//section[@class='factor'][h3[starts-with(., '{a.factor_id} ')]]")
        items = section.xpath(".//details/ul/li")
        first = " ".join(items[0].text_content().split())
        assert first.startswith(f"{a.evidence[0].kind} {a.evidence[0].ref} ")
        assert len(items) == 10
        note = " ".join(section.xpath(".//details/p[@class='more']")[0].text_content().split())
        assert note == (
            f"The first 10 are listed; {len(a.evidence) - 10} more are in result.json "
            "(the factor's evidence); review --all lists every one here."
        )


def test_the_pdf_lists_at_most_its_rows_of_findings(storage: ReviewResult, tmp_path: Path) -> None:
    agent = next(p for p in storage.products if p.product == "P-AGENT")
    many = tuple(
        replace(f, component=f"{f.component}#{n}") for n in range(7) for f in agent.findings
    )
    assert len(many) == 308 > PDF_FINDING_ROWS == 300
    grown = replace(
        storage,
        products=tuple(
            replace(p, findings=many) if p.product == "P-AGENT" else p for p in storage.products
        ),
    )
    (tmp_path / "report.pdf").write_bytes(_written(grown, "pdf"))
    text = subprocess.run(
        ["pdftotext", "-raw", str(tmp_path / "report.pdf"), "-"],
        capture_output=True,
        check=True,
        text=True,
    ).stdout
    squashed = re.sub(r"\s+", " ", text)
    assert "The 300 most urgent findings of 308 are listed" in squashed
    assert (
        "8 more are in result.json (products[].findings), in the product's VEX (review --vex) "
        "and in report.html (review --all lists every one there)"
    ) in squashed


def test_report_html_lists_at_most_its_rows_unless_all_are_asked_for(
    storage: ReviewResult,
) -> None:
    agent = next(p for p in storage.products if p.product == "P-AGENT")
    many = tuple(
        replace(f, component=f"{f.component}#{n}") for n in range(25) for f in agent.findings
    )
    assert len(many) == 1_100 > HTML_FINDING_ROWS == 1_000
    grown = replace(
        storage,
        products=tuple(
            replace(p, findings=many) if p.product == "P-AGENT" else p for p in storage.products
        ),
    )
    capped = lxml_html.fromstring(_written(grown, "html").decode())
    table = capped.xpath("//table[contains(@class, 'findings')]")[1]
    assert len(table.xpath("tbody/tr")) == 1_000
    note = " ".join(table.getnext().text_content().split())
    assert note == (
        "The 1,000 most urgent findings of 1,100 are listed (active first, then in KEV, by "
        "severity, by EPSS); 100 more are in result.json (products[].findings) and in the "
        "product's VEX (review --vex); review --all lists every one here."
    )
    buffer = io.BytesIO()
    review_formats("en", every_row=True)["html"].write(grown, buffer)
    every = lxml_html.fromstring(buffer.getvalue().decode())
    table = every.xpath("//table[contains(@class, 'findings')]")[1]
    assert len(table.xpath("tbody/tr")) == 1_100
    assert not table.xpath("following-sibling::p[@class='more']")
