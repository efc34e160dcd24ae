"""Finding a way through the report: the PDF's contents give every section, factor and product
with the page it starts on (checked against the page pdftotext finds its heading on), and each
finding's id, and each advisory record it rests on, links to where it is published (the sites
spelt out here); an id with characters no advisory id has gets no link."""

from __future__ import annotations

import io
import json
import re
import subprocess
from datetime import date
from pathlib import Path
from typing import Any

import pytest
from defusedxml import ElementTree

from chainreview import REVIEW_FORMATS, review
from chainreview.report.html import advisory_url

ROOT = Path(__file__).resolve().parents[2]
EXAMPLES = sorted(p.parent.name for p in (ROOT / "examples").glob("*/declaration.yaml"))
CONTENTS_LINE = re.compile(r"^\s*(?:\d+\.\s+)?(.+?)(?:\s*\.{2,}\s*|\s+)(\d+)$")
"""An entry: its number in the list (sections only), title, dot leaders (none when the title
fills the line) and page."""


@pytest.fixture(scope="module")
def reviewed(
    bundled_home: Path, tmp_path_factory: pytest.TempPathFactory
) -> dict[str, tuple[dict[str, Any], str, list[str]]]:
    """Each example's result as JSON, its HTML, and its PDF's pages as pdftotext lays them out."""
    out = tmp_path_factory.mktemp("navigation")
    found = {}
    for name in EXAMPLES:
        result = review(ROOT / "examples" / name, home=bundled_home, as_of=date(2026, 12, 1))
        files = {}
        for output in ("json", "html", "pdf"):
            buffer = io.BytesIO()
            REVIEW_FORMATS[output].write(result, buffer)
            files[output] = buffer.getvalue()
        (out / f"{name}.pdf").write_bytes(files["pdf"])
        layout = subprocess.run(
            ["pdftotext", "-layout", str(out / f"{name}.pdf"), "-"],
            capture_output=True,
            check=True,
            text=True,
        ).stdout
        found[name] = (json.loads(files["json"]), files["html"].decode(), layout.split("\f")[:-1])
    return found


def _contents(pages: list[str]) -> dict[str, int]:
    """The contents page's entries: title (as printed, white space squashed) → page."""
    page = next(p for p in pages if re.search(r"^\s*Contents\s*$", p, re.M))
    entries: dict[str, int] = {}
    pending = ""
    for line in page.splitlines():
        if not line.strip() or line.strip() == "Contents":
            continue
        match = CONTENTS_LINE.match(pending + " " + line.strip() if pending else line)
        if match:
            entries[re.sub(r"\s+", " ", match.group(1)).strip()] = int(match.group(2))
            pending = ""
        elif not re.search(r"page \d+ of \d+|·", line):
            pending = (pending + " " + line.strip()).strip()
    return entries


def _page_of(pages: list[str], heading: str, after: int) -> int:
    """The first page from `after` on with a line starting with `heading`."""
    for number, text in enumerate(pages, start=1):
        if number >= after and any(line.strip().startswith(heading) for line in text.splitlines()):
            return number
    raise AssertionError(f"no page has {heading!r}")


@pytest.mark.parametrize("name", EXAMPLES)
def test_the_contents_give_the_page_of_every_factor_and_product(
    reviewed: dict[str, tuple[dict[str, Any], str, list[str]]], name: str
) -> None:
    data, _, pages = reviewed[name]
    entries = _contents(pages)
    contents_page = next(
        n for n, p in enumerate(pages, 1) if re.search(r"^\s*Contents\s*$", p, re.M)
    )
    factor_entries = {t.split(" ", 1)[0]: n for t, n in entries.items() if re.match(r"F\d\d ", t)}
    assert sorted(factor_entries) == [a["factor_id"] for a in data["determination"]["assessments"]]
    for factor, number in factor_entries.items():
        assert _page_of(pages, f"{factor} ", contents_page + 1) == number, factor
    for product in data["products"]:
        title = f"{product['product']}: {product['name']}"
        assert entries[title] == _page_of(pages, title, contents_page + 1), title
    for section in ("Every reason", "Findings", "Screening", "Inputs and provenance", "Sign-off"):
        assert entries[section] == _page_of(pages, section, contents_page + 1), section


SITES = {
    "CVE-2024-1086": "https://nvd.nist.gov/vuln/detail/CVE-2024-1086",
    "GHSA-h4gh-qq45-vh27": "https://github.com/advisories/GHSA-h4gh-qq45-vh27",
    "DSA-5055-1": "https://security-tracker.debian.org/tracker/DSA-5055-1",
    "DLA-3000-1": "https://security-tracker.debian.org/tracker/DLA-3000-1",
    "PYSEC-2018-49": "https://osv.dev/vulnerability/PYSEC-2018-49",
    "GO-2022-0001": "https://osv.dev/vulnerability/GO-2022-0001",
    "RUSTSEC-2021-0001": "https://osv.dev/vulnerability/RUSTSEC-2021-0001",
}


def test_advisory_ids_link_to_where_they_are_published() -> None:
    assert {i: advisory_url(i) for i in SITES} == SITES
    for hostile in ("javascript:alert(1)", "CVE-1<script>", "../x", " CVE-2024-1", "", "x" * 200):
        assert advisory_url(hostile) is None, hostile


@pytest.mark.parametrize("name", EXAMPLES)
def test_each_finding_links_to_its_advisory(
    reviewed: dict[str, tuple[dict[str, Any], str, list[str]]], name: str
) -> None:
    data, html, _ = reviewed[name]
    start = html.index('<h2 id="findings">')
    links = {
        (a.text, a.get("href"))
        for table in re.findall(r'<table class="findings[ "].*?</table>', html[start:], re.S)
        for a in ElementTree.fromstring(table).iter("a")
    }
    expected = set()
    for product in data["products"]:
        for identifier in (
            i
            for finding in product["findings"]
            for i in (finding["id"], *(e["record"] for e in finding["evidence"]))
        ):
            site = next(
                (
                    url
                    for prefix, url in (
                        ("CVE-", "https://nvd.nist.gov/vuln/detail/"),
                        ("GHSA-", "https://github.com/advisories/"),
                        ("DSA-", "https://security-tracker.debian.org/tracker/"),
                        ("DLA-", "https://security-tracker.debian.org/tracker/"),
                    )
                    if identifier.startswith(prefix)
                ),
                "https://osv.dev/vulnerability/",
            )
            expected.add((identifier, site + identifier))
    assert links == expected
