"""The Chinese PDF report of every example, read back with poppler as a Chinese reviewer reads it.

Each example is reviewed on the bundled snapshot and its report written in `zh-CN`. What the PDF
must say is spelt out here: the outcome words (不予通过, 附条件通过...), the level words, who acts
and by when, the page header and the "第 N 页，共 M 页" footer with the review date written
"2026年12月1日"; the factor titles and condition texts come from the Chinese catalogue, read with
Babel's PO reader. Every page carries the header and the footer, page one the outcome and the
conditions, every factor its heading in Chinese; the text is set in an embedded Noto Sans CJK SC
subset (no slanted CJK: Chinese sets no italics), no word leaves the A4 text area, and the same
result gives the same bytes.
"""

from __future__ import annotations

import io
import re
import subprocess
from dataclasses import dataclass
from datetime import date
from pathlib import Path

import pytest
from babel.messages.pofile import read_po

from chainreview import review, review_formats
from chainreview.reviewer import ReviewResult

ROOT = Path(__file__).resolve().parents[2]
EXAMPLES = sorted(p.parent.name for p in (ROOT / "examples").glob("*/declaration.yaml"))
PO = ROOT / "src" / "chainreview" / "report" / "locale" / "zh_CN" / "LC_MESSAGES" / "chainreview.po"
AS_OF = date(2026, 12, 1)
OUTCOMES = {
    "fail": "不予通过",
    "refer_to_special_review": "转入特别审查程序",
    "pass_with_conditions": "附条件通过",
    "pass": "通过",
    "no_review_needed": "无需审查",
}
LEVELS = {
    "none": "无",
    "low": "低",
    "medium": "中",
    "high": "高",
    "critical": "严重",
    "undetermined": "未定",
}
PARTIES = {"operator": "运营者", "vendor": "供应商"}
DUE = {"during-review": "审查期间", "before-contract": "签订合同前", "before-go-live": "投入使用前"}
A4_WIDTH = 595.28
MARGIN = 15 / 25.4 * 72


@dataclass(frozen=True)
class Rendered:
    """One example's result, its Chinese PDF and what poppler reads from it."""

    result: ReviewResult
    pdf: bytes
    layout: list[str]
    raw: str
    """`pdftotext -raw`, all white space removed."""
    pages: int
    path: Path


def _poppler(*command: str) -> str:
    return subprocess.run(command, capture_output=True, check=True, text=True).stdout


def _squash(text: str) -> str:
    return re.sub(r"\s+", "", text)


@pytest.fixture(scope="module")
def chinese() -> dict[str, str]:
    """The Chinese catalogue: English message → Chinese."""
    with PO.open("rb") as stream:
        return {str(m.id): str(m.string) for m in read_po(stream) if m.id and not m.context}


@pytest.fixture(scope="module")
def rendered(bundled_home: Path, tmp_path_factory: pytest.TempPathFactory) -> dict[str, Rendered]:
    out = tmp_path_factory.mktemp("pdf-zh")
    found = {}
    for name in EXAMPLES:
        result = review(ROOT / "examples" / name, home=bundled_home, as_of=AS_OF)
        buffer = io.BytesIO()
        review_formats("zh-CN")["pdf"].write(result, buffer)
        path = out / f"{name}.pdf"
        path.write_bytes(buffer.getvalue())
        pages = re.search(r"^Pages:\s+(\d+)$", _poppler("pdfinfo", str(path)), re.M)
        assert pages is not None
        found[name] = Rendered(
            result=result,
            pdf=buffer.getvalue(),
            layout=_poppler("pdftotext", "-layout", str(path), "-").split("\f")[:-1],
            raw=_squash(_poppler("pdftotext", "-raw", str(path), "-")),
            pages=int(pages.group(1)),
            path=path,
        )
    return found


def _outcome(result: ReviewResult) -> str:
    d = result.determination
    return OUTCOMES[d.outcome.value] + ("" if d.final else "（临时）")


@pytest.mark.parametrize("name", EXAMPLES)
def test_every_page_is_headed_and_numbered_in_chinese(
    rendered: dict[str, Rendered], name: str
) -> None:
    page = rendered[name]
    header = _squash(f"{page.result.declaration.id} · {_outcome(page.result)}")
    assert len(page.layout) == page.pages > 1
    for number, text in enumerate(page.layout, start=1):
        lines = [_squash(line) for line in text.splitlines() if line.strip()]
        assert lines[0] == header, (number, lines[0])
        assert lines[-1].startswith("审查日期2026年12月1日"), lines[-1]
        assert lines[-1].endswith(f"第{number}页，共{page.pages}页"), lines[-1]


@pytest.mark.parametrize("name", EXAMPLES)
def test_page_one_gives_the_outcome_in_chinese(rendered: dict[str, Rendered], name: str) -> None:
    page = rendered[name]
    first = [_squash(line) for line in page.layout[0].splitlines()]
    assert _squash(_outcome(page.result)) in first
    assert "作出结论的理由" in first
    raw_first = _squash(_poppler("pdftotext", "-raw", "-l", "1", str(page.path), "-"))
    assert f"规则{page.result.determination.rule}" in raw_first


@pytest.mark.parametrize("name", EXAMPLES)
def test_every_factor_with_its_chinese_title_and_level(
    rendered: dict[str, Rendered], chinese: dict[str, str], name: str
) -> None:
    page = rendered[name]
    text = _squash("\n".join(page.layout))
    titles = {
        f.factor_id: chinese[title]
        for f, title in zip(page.result.determination.assessments, _english_titles(), strict=True)
    }
    for a in page.result.determination.assessments:
        heading = f"{a.factor_id}{titles[a.factor_id]}：{LEVELS[a.level.value]}"
        if a.level.value == "undetermined" and a.floor.value != "none":
            heading += f"（至少为{LEVELS[a.floor.value]}）"
        assert _squash(heading) in text, heading


def _english_titles() -> list[str]:
    import yaml

    catalogue = ROOT / "src" / "chainreview" / "factors" / "catalogue.yaml"
    return [f["title"] for f in yaml.safe_load(catalogue.read_text())["factors"]]


@pytest.mark.parametrize("name", EXAMPLES)
def test_every_condition_in_chinese_with_who_acts_and_when(
    rendered: dict[str, Rendered], chinese: dict[str, str], name: str
) -> None:
    page = rendered[name]
    conditions = page.result.determination.conditions
    raw_first = _squash(_poppler("pdftotext", "-raw", "-l", "2", str(page.path), "-"))
    for c in conditions:
        if c.text.startswith("Upgrade "):
            text = "升级" + c.text.removeprefix("Upgrade ")
        else:
            text = chinese[c.text]
        assert _squash(text) in raw_first, c.text
        due = f"合同签订后{c.days}日内" if c.days else DUE[c.due.value]
        assert _squash(f"{PARTIES[c.party.value]}{due}{chinese[c.verification]}") in raw_first
    if not conditions:
        assert "本结论不附条件。" in _squash(page.layout[0])


@pytest.mark.parametrize("name", EXAMPLES)
def test_set_in_noto_sans_cjk_sc_within_the_text_area(
    rendered: dict[str, Rendered], name: str
) -> None:
    page = rendered[name]
    fonts = [line.split() for line in _poppler("pdffonts", str(page.path)).splitlines()[2:]]
    names = {row[0].split("+", 1)[1] for row in fonts}
    assert "Noto-Sans-CJK-SC" in names
    assert names <= {
        "Noto-Sans-CJK-SC",
        "Noto-Sans-CJK-SC-Bold",
        "DejaVu-Sans-Mono",
    }, names
    assert all(row[-5:-3] == ["yes", "yes"] for row in fonts)  # embedded, subset
    bbox = _poppler("pdftotext", "-bbox", str(page.path), "-")
    edges = re.findall(r'<word xMin="([\d.]+)" yMin="[\d.]+" xMax="([\d.]+)"', bbox)
    assert len(edges) > 500  # a Chinese line is a few long words
    assert [
        e for e in edges if float(e[0]) < MARGIN - 1 or float(e[1]) > A4_WIDTH - MARGIN + 1
    ] == []


def test_the_same_result_gives_the_same_chinese_pdf(
    rendered: dict[str, Rendered], bundled_home: Path
) -> None:
    name = EXAMPLES[-1]
    again = review(ROOT / "examples" / name, home=bundled_home, as_of=AS_OF)
    buffer = io.BytesIO()
    review_formats("zh-CN")["pdf"].write(again, buffer)
    assert buffer.getvalue() == rendered[name].pdf
