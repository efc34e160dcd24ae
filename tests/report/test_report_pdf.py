"""The PDF report of every example, read back as a reader would: with poppler's `pdftotext`.

Each example package is reviewed on the bundled snapshot, its `result.json` and `report.pdf`
written by the review formats. What the PDF must say is read from `result.json` and the package's
YAML with plain `json` and `yaml`, and the outcome words are spelt out here, never taken from the
report code: the outcome in words on page one and in the running header of every page, "page N of
M" on every page (M from `pdfinfo`), every factor with its level, every condition, every evidence
reference of a factor (the lists are expanded), and the Chinese names of the vendor profile with a
CJK font embedded. No word lies outside the A4 page's text area (no clipped column), and the same
result gives the same bytes, dated the review date.

`pdftotext -layout` keeps each printed line, so it is read for what stands on one line (header,
footer, banner, factor headings); table cells wrap beside one another in that mode, so texts that
may sit in a cell are looked for in `-raw` (content stream order, one cell after another) with
all white space removed (lines wrap anywhere inside long identifiers).
"""

from __future__ import annotations

import io
import json
import re
import subprocess
from dataclasses import dataclass
from datetime import date
from pathlib import Path
from typing import Any

import pytest
import yaml

from chainreview import REVIEW_FORMATS, review

ROOT = Path(__file__).resolve().parents[2]
EXAMPLES = sorted(p.parent.name for p in (ROOT / "examples").glob("*/declaration.yaml"))
AS_OF = date(2026, 12, 1)
WORDS = {
    "fail": "Fail",
    "refer_to_special_review": "Refer to special review",
    "pass_with_conditions": "Pass with conditions",
    "pass": "Pass",
    "no_review_needed": "No review needed",
}
A4_WIDTH = 595.28  # points
MARGIN = 15 / 25.4 * 72  # the print style sheet's left and right page margins, 15 mm
CJK = re.compile(r"[\u3400-\u9fff]")
CATALOGUE = ROOT / "src" / "chainreview" / "factors" / "catalogue.yaml"
TITLES = {f["id"]: f["title"] for f in yaml.safe_load(CATALOGUE.read_text())["factors"]}


@dataclass(frozen=True)
class Rendered:
    """One example's result (as JSON), PDF bytes and what poppler reads from them."""

    result: dict[str, Any]
    pdf: bytes
    layout: list[str]
    """`pdftotext -layout`, one string per page."""
    raw: str
    """`pdftotext -raw`, all white space removed."""
    pages: int
    """`pdfinfo`'s page count."""
    path: Path


def _poppler(*command: str) -> str:
    return subprocess.run(command, capture_output=True, check=True, text=True).stdout


def _squash(text: str) -> str:
    return re.sub(r"\s+", "", text)


@pytest.fixture(scope="module")
def rendered(bundled_home: Path, tmp_path_factory: pytest.TempPathFactory) -> dict[str, Rendered]:
    """Every example reviewed once, written as result.json and report.pdf, read back."""
    out = tmp_path_factory.mktemp("pdf-reports")
    found = {}
    for name in EXAMPLES:
        result = review(ROOT / "examples" / name, home=bundled_home, as_of=AS_OF)
        files = {}
        for output in ("json", "pdf"):
            buffer = io.BytesIO()
            REVIEW_FORMATS[output].write(result, buffer)
            files[output] = buffer.getvalue()
        path = out / f"{name}.pdf"
        path.write_bytes(files["pdf"])
        pages = re.search(r"^Pages:\s+(\d+)$", _poppler("pdfinfo", str(path)), re.M)
        assert pages is not None
        found[name] = Rendered(
            result=json.loads(files["json"]),
            pdf=files["pdf"],
            layout=_poppler("pdftotext", "-layout", str(path), "-").split("\f")[:-1],
            raw=_squash(_poppler("pdftotext", "-raw", str(path), "-")),
            pages=int(pages.group(1)),
            path=path,
        )
    return found


def _outcome(result: dict[str, Any]) -> str:
    d = result["determination"]
    return WORDS[d["outcome"]] + ("" if d["final"] else " (provisional)")


@pytest.mark.parametrize("name", EXAMPLES)
def test_every_page_is_numbered_and_headed_with_the_declaration_and_outcome(
    rendered: dict[str, Rendered], name: str
) -> None:
    page = rendered[name]
    manifest = yaml.safe_load((ROOT / "examples" / name / "declaration.yaml").read_text())
    declaration = manifest["declaration"]
    assert declaration["id"] == page.result["declaration"]["id"]
    assert len(page.layout) == page.pages > 1
    header = f"{declaration['id']} · {_outcome(page.result)}"
    for number, text in enumerate(page.layout, start=1):
        lines = [line.strip() for line in text.splitlines() if line.strip()]
        assert lines[0] == header, (number, lines[0])
        assert lines[-1].endswith(f"page {number} of {page.pages}"), (number, lines[-1])
        assert lines[-1].startswith(f"Review date {page.result['determination']['as_of']}")


@pytest.mark.parametrize("name", EXAMPLES)
def test_page_one_gives_the_outcome_in_words_and_the_reasons_that_decide_it(
    rendered: dict[str, Rendered], name: str
) -> None:
    page = rendered[name]
    d = page.result["determination"]
    first = [line.strip() for line in page.layout[0].splitlines()]
    assert _outcome(page.result) in first  # the banner, a line of its own
    raw_first = _squash(_poppler("pdftotext", "-raw", "-l", "1", str(page.path), "-"))
    assert _squash(d["rationale"][0]) in raw_first  # the rule's sentence
    for sentence in d["rationale"][1 : d["deciding"]][:3]:
        assert _squash(sentence) in raw_first
    for sentence in d["rationale"][d["deciding"] :][:1]:  # for information: not on page one
        assert _squash(sentence) not in raw_first


@pytest.mark.parametrize("name", EXAMPLES)
def test_every_factor_with_its_level_and_evidence(rendered: dict[str, Rendered], name: str) -> None:
    page = rendered[name]
    text = _squash("\n".join(page.layout))  # headings span the page: never beside other text
    d = page.result["determination"]
    withheld = {o["factor"] for o in d["overrides"] if o["basis_withheld"]}
    assert len(d["assessments"]) == len(TITLES) == 20
    for a in d["assessments"]:
        heading = f"{a['factor_id']} {TITLES[a['factor_id']]}: {a['level']}"
        if a["level"] == "undetermined" and a["floor"] != "none":
            heading += f" (at least {a['floor']})"
        assert _squash(heading) in text, heading
        if a["factor_id"] not in withheld:
            for evidence in a["evidence"]:
                assert _squash(evidence["ref"]) in page.raw, (a["factor_id"], evidence["ref"])


@pytest.mark.parametrize("name", EXAMPLES)
def test_every_condition_with_who_acts(rendered: dict[str, Rendered], name: str) -> None:
    page = rendered[name]
    conditions = page.result["determination"]["conditions"]
    if name == "domestic-database":
        assert len(conditions) == 7  # the example's README: seven conditions
    raw_first = _squash(
        _poppler("pdftotext", "-raw", "-l", "2", str(page.path), "-")
    )  # page one, and its overflow
    for condition in conditions:
        assert _squash(f"{condition['text']}{condition['kind']}") in raw_first, condition["text"]
        due = (
            f"within {condition['days']} days of the contract"
            if condition["days"]
            else condition["due"].replace("-", " ")
        )
        assert _squash(f"{condition['party']}{due}{condition['verification']}") in raw_first
    if not conditions:
        assert "This outcome carries no conditions." in page.layout[0]


@pytest.mark.parametrize("name", EXAMPLES)
def test_chinese_names_survive_with_a_cjk_font_embedded(
    rendered: dict[str, Rendered], name: str
) -> None:
    page = rendered[name]
    names = [
        n
        for profile in (ROOT / "examples" / name / "vendor").glob("*.yaml")
        for n in yaml.safe_load(profile.read_text(encoding="utf-8")).get("other_names", ())
        if CJK.search(n)
    ]
    assert names
    for chinese in names:
        assert chinese in page.raw
    fonts = _poppler("pdffonts", str(page.path)).splitlines()[2:]
    cjk = [line.split() for line in fonts if "CJK" in line.split()[0]]
    assert cjk and all(row[-5:-3] == ["yes", "yes"] for row in cjk)  # embedded, subset


@pytest.mark.parametrize("name", EXAMPLES)
def test_no_word_leaves_the_text_area(rendered: dict[str, Rendered], name: str) -> None:
    page = rendered[name]
    bbox = _poppler("pdftotext", "-bbox", str(page.path), "-")
    edges = [
        (float(x_min), float(x_max), word)
        for x_min, x_max, word in re.findall(
            r'<word xMin="([\d.]+)" yMin="[\d.]+" xMax="([\d.]+)" yMax="[\d.]+">([^<]*)</word>',
            bbox,
        )
    ]
    assert len(edges) > 1000
    outside = [
        word for x_min, x_max, word in edges if x_min < MARGIN - 1 or x_max > A4_WIDTH - MARGIN + 1
    ]
    assert outside == []
    assert "595.27" in bbox and "841.88" in bbox  # A4


def test_the_same_result_gives_the_same_pdf_dated_the_review_date(
    rendered: dict[str, Rendered], bundled_home: Path
) -> None:
    name = EXAMPLES[0]
    again = review(ROOT / "examples" / name, home=bundled_home, as_of=AS_OF)
    buffer = io.BytesIO()
    REVIEW_FORMATS["pdf"].write(again, buffer)
    assert buffer.getvalue() == rendered[name].pdf
    info = _poppler("pdfinfo", "-isodates", str(rendered[name].path))
    assert re.search(r"^CreationDate:\s+2026-12-01T00:00:00", info, re.M)
    assert re.search(r"^ModDate:\s+2026-12-01T00:00:00", info, re.M)
