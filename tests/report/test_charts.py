"""The report's charts for every example, checked against the review's JSON read with plain
`json`: the strip names every factor with its level in words, in the determination's order; the
findings chart counts, per product, the active findings by severity (a finding is active when
not suppressed and affected or under investigation), those on KEV and those with a fixed version,
and prints those counts; the SVG is text-bearing, reproducible and inert (no script, no link);
in a Chinese report the labels are the catalogue's (read here with Babel's own reader)."""

from __future__ import annotations

import io
import json
from collections import Counter
from datetime import date
from pathlib import Path
from typing import Any

import pytest
from babel.messages.pofile import read_po
from defusedxml import ElementTree

from chainreview import REVIEW_FORMATS, review
from chainreview.report.charts import ProductFindings, charts_of, findings_chart, product_findings
from chainreview.report.i18n import localizer

ROOT = Path(__file__).resolve().parents[2]
EXAMPLES = sorted(p.parent.name for p in (ROOT / "examples").glob("*/declaration.yaml"))
SVG = "{http://www.w3.org/2000/svg}"


@pytest.fixture(scope="module")
def reviewed(bundled_home: Path) -> dict[str, tuple[Any, dict[str, Any]]]:
    """Each example's result and its JSON."""
    found = {}
    for name in EXAMPLES:
        result = review(ROOT / "examples" / name, home=bundled_home, as_of=date(2026, 12, 1))
        buffer = io.BytesIO()
        REVIEW_FORMATS["json"].write(result, buffer)
        found[name] = (result, json.loads(buffer.getvalue()))
    return found


def _texts(svg: str) -> list[str]:
    root = ElementTree.fromstring(svg)
    return ["".join(t.itertext()).strip() for t in root.iter(f"{SVG}text")]


def _active(finding: dict[str, Any]) -> bool:
    return finding["suppressed"] is None and finding["status"] in {
        "affected",
        "under_investigation",
    }


@pytest.mark.parametrize("name", EXAMPLES)
def test_the_strip_names_every_factor_with_its_level(
    reviewed: dict[str, tuple[Any, dict[str, Any]]], name: str
) -> None:
    result, data = reviewed[name]
    words = {"undetermined": "undet."}
    expected = []
    for assessment in data["determination"]["assessments"]:
        level = assessment["level"]
        expected += [assessment["factor_id"], words.get(level, level)]
    assert _texts(charts_of(result).levels) == expected


@pytest.mark.parametrize("name", EXAMPLES)
def test_the_findings_chart_counts_what_the_json_says(
    reviewed: dict[str, tuple[Any, dict[str, Any]]], name: str
) -> None:
    result, data = reviewed[name]
    counted = product_findings(result)
    assert len(counted) == len(data["products"])
    lines = []
    for shown, product in zip(counted, data["products"], strict=True):
        active = [f for f in product["findings"] if _active(f)]
        by_severity = Counter(f["severity"]["level"] for f in active)
        assert dict(shown.by_severity) == {
            level: by_severity[level]
            for level in ("critical", "high", "medium", "low", "none", "unknown")
        }
        kev = sum(f["kev"] is not None for f in active)
        fixable = sum(bool(f["fixed_versions"]) for f in active)
        resolved = len(product["findings"]) - len(active)
        assert (shown.kev, shown.fixable, shown.suppressed) == (kev, fixable, resolved)
        assert shown.product.endswith(f"({product['product']})")
        lines.append(f"KEV {kev} · fix known {fixable} · resolved {resolved}")
    chart = charts_of(result).findings
    if not any(_active(f) for p in data["products"] for f in p["findings"]):
        assert chart is None
        return
    assert chart is not None
    texts = _texts(chart)
    assert [t for t in texts if t.startswith("KEV ")] == lines
    assert "active findings" in texts


def test_the_charts_are_the_same_bytes_twice_and_inert(
    reviewed: dict[str, tuple[Any, dict[str, Any]]],
) -> None:
    result = reviewed["grid-storage"][0]
    first, second = charts_of(result), charts_of(result)
    assert first == second
    assert first.findings is not None
    for svg in (first.levels, first.findings):
        assert svg.startswith("<svg")
        root = ElementTree.fromstring(svg)
        tags = {element.tag.removeprefix(SVG) for element in root.iter()}
        assert not tags & {"script", "a", "image", "foreignObject"}
        assert "<dc:date>" not in svg


def test_the_charts_speak_chinese_in_a_chinese_report(
    reviewed: dict[str, tuple[Any, dict[str, Any]]],
) -> None:
    catalogue = ROOT / "src/chainreview/report/locale/zh_CN/LC_MESSAGES/chainreview.po"
    with catalogue.open("rb") as stream:
        po = read_po(stream)
    words = {m.id: m.string for m in po if m.context == "level"}
    result, data = reviewed["grid-storage"]
    charts = charts_of(result, localizer("zh-CN"))
    expected = []
    for assessment in data["determination"]["assessments"]:
        level = assessment["level"]
        expected += [
            assessment["factor_id"],
            po.get("undet.").string if level == "undetermined" else words[level],
        ]
    assert _texts(charts.levels) == expected
    assert charts.findings is not None
    texts = _texts(charts.findings)
    assert po.get("active findings").string in texts
    assert {words["high"], words["medium"], words["unknown"]} <= set(texts)
    assert not any(t.startswith("KEV") and "fix known" in t for t in texts)


def test_two_charts_on_a_page_share_no_id_and_names_stay_text(
    reviewed: dict[str, tuple[Any, dict[str, Any]]],
) -> None:
    charts = charts_of(reviewed["grid-storage"][0])
    assert charts.findings is not None
    ids = [
        [e.get("id") for e in ElementTree.fromstring(svg).iter() if e.get("id")]
        for svg in (charts.levels, charts.findings)
    ]
    assert ids[0] and ids[1]
    assert all(i.startswith("levels-") for i in ids[0])
    assert all(i.startswith("findings-") for i in ids[1])
    assert not set(ids[0]) & set(ids[1])
    assert len(set(ids[0])) == len(ids[0]) and len(set(ids[1])) == len(ids[1])
    # TeX-like and markup-like names are drawn as the text they are
    odd = "Pay $\\frac{1 & <b>x</b> (P-1)"
    unknown = tuple(
        (level, 1 if level.value == "unknown" else 0)
        for level, _ in product_findings(reviewed["grid-storage"][0])[0].by_severity
    )
    shown = ProductFindings(product=odd, by_severity=unknown, kev=0, fixable=0, suppressed=0)
    assert odd in _texts(findings_chart([shown]))
