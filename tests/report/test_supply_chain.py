"""The report's supply-chain picture: `result.json` carries what the declaration states
(`supply_chain`, schema 2.3), the picture draws it within its cap and says what it left out, and
the tables beside it list every site, product and system, in English and Chinese, in the HTML
and the PDF. Expected values are read by hand from `examples/grid-storage` (its declaration and
`vendor/veltrani.yaml`)."""

from __future__ import annotations

import json
import subprocess
from dataclasses import replace
from datetime import date
from pathlib import Path

import pytest
from lxml import html as lxml_html

from chainreview import canonical, review
from chainreview.report.html import render_html
from chainreview.report.pdf import render_pdf
from chainreview.report.supply_chart import MAX_PER_LAYER, supply_graph
from chainreview.reviewer import ReviewResult

STORAGE = Path(__file__).parents[2] / "examples" / "grid-storage"
SITES = [  # veltrani.yaml's sites: entity, kind as the English report words it, country
    ("Veltrani Storage Systems, Inc.", "R&D", "US"),
    ("Veltrani Manufacturing (Penang) Sdn. Bhd.", "manufacturing", "MY"),
    ("Veltrani Storage Systems, Inc.", "packaging and test", "US"),
    ("Veltrani Storage Technology (Shanghai) Co., Ltd.", "service", "CN"),
    ("Veltrani Storage Systems, Inc.", "data centre", "US"),
]


@pytest.fixture(scope="module")
def storage(bundled_home: Path) -> ReviewResult:
    return review(STORAGE, home=bundled_home, as_of=date(2026, 12, 1))


def test_result_json_carries_the_declared_supply_chain(storage: ReviewResult) -> None:
    document = json.loads(canonical.dumps(storage))
    assert document["schema_version"] == "2.3"
    chain = document["supply_chain"]
    (vendor,) = chain["vendors"]
    assert (vendor["id"], vendor["legal_name"], vendor["jurisdiction"]) == (
        "veltrani", "Veltrani Storage Systems, Inc.", "US"
    )  # fmt: skip
    assert [(s["kind"], s["country"], s["in_country"], s["products"]) for s in vendor["sites"]] == [
        ("r-and-d", "US", False, []),
        ("manufacturing", "MY", False, ["P-ARRAY"]),
        ("packaging-test", "US", False, ["P-ARRAY"]),
        ("service", "CN", True, []),
        ("data-centre", "US", False, []),
    ]
    assert chain["products"] == [
        {"id": "P-ARRAY", "vendor": "veltrani", "systems": ["SYS-DISPATCH", "SYS-DR"]},
        {"id": "P-AGENT", "vendor": "veltrani", "systems": ["SYS-DISPATCH", "SYS-DR"]},
    ]
    assert [(y["id"], y["criticality"], y["cii"]) for y in chain["systems"]] == [
        ("SYS-DISPATCH", "critical", True),
        ("SYS-DR", "critical", True),
    ]


def test_the_picture_keeps_its_cap_and_counts_what_it_leaves_out(storage: ReviewResult) -> None:
    affected = {(p.product, f.component) for p in storage.products for f in p.findings if f.active}
    assert len(affected) + 1 > MAX_PER_LAYER  # the vendor and its components share a layer
    graph = supply_graph(storage)
    assert graph is not None
    sites, middle, products, systems = graph.layers
    assert [n.kind for n in sites] == ["site"] * 5
    assert [n.title for n in products] == ["VS-8400 NVMe all-flash array", "Veltrani Fleet Agent"]
    assert [n.title for n in systems] == [
        "Provincial dispatch automation (SCADA/EMS)", "Backup dispatch centre"
    ]  # fmt: skip
    assert len(middle) == MAX_PER_LAYER + 1 and middle[-1].kind == "more"
    assert middle[0].kind == "vendor"  # placed next to its sites
    assert graph.left_out == (("component", len(affected) + 1 - MAX_PER_LAYER),)
    # the components drawn are the most urgent: those with a KEV finding first
    kev = {f.component for p in storage.products for f in p.findings if f.active and f.kev}
    drawn = [n for n in middle if n.kind == "component"]
    assert {n.key.split(":", 2)[2] for n in drawn[: len(kev)]} == kev
    assert all(n.kev for n in drawn[: len(kev)]) and not any(n.kev for n in drawn[len(kev) :])
    # every edge joins two boxes drawn: site → vendor, vendor → product, product → system
    keys = {n.key for layer in graph.layers for n in layer}
    assert all(s in keys and t in keys for s, t in graph.edges)
    assert ("p:P-ARRAY", "y:SYS-DR") in graph.edges
    assert ("s:veltrani:1", "v:veltrani") in graph.edges


def test_no_picture_without_vendors_or_systems(storage: ReviewResult) -> None:
    empty = replace(storage.supply_chain, vendors=(), systems=())
    assert supply_graph(replace(storage, supply_chain=empty)) is None


def test_the_tables_list_every_site_product_and_system(
    storage: ReviewResult, tmp_path: Path
) -> None:
    page = lxml_html.fromstring(render_html(storage))
    (section,) = page.xpath("//section[@class='supply']")
    assert section.xpath(".//figure//*[local-name()='svg']")
    rows = [[" ".join(td.text_content().split()) for td in tr.xpath("td")]
            for tr in section.xpath(".//table[@class='sites']/tr")]  # fmt: skip
    assert [(r[1], r[2], r[3]) for r in rows] == SITES
    assert [r[4] for r in rows] == ["no", "no", "no", "yes", "no"]
    caption = " ".join(section.xpath(".//figcaption")[0].text_content().split())
    affected = {(p.product, f.component) for p in storage.products for f in p.findings if f.active}
    left = len(affected) + 1 - MAX_PER_LAYER
    assert f"not drawn: {left} components (all listed below and under Findings)" in caption

    (tmp_path / "zh.pdf").write_bytes(render_pdf(storage, "zh-CN"))
    text = "".join(
        subprocess.run(
            ["pdftotext", str(tmp_path / "zh.pdf"), "-"], capture_output=True, text=True, check=True
        ).stdout.split()
    )
    assert "供应链" in text and "研发" in text and "封装测试" in text
    assert f"未绘制：{left}个组件" in text
    assert "Backupdispatchcentre" in text  # names are quoted as declared
