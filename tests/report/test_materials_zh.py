"""The Art. 8 declaration materials in Chinese (`zh-CN`), as an applicant files them.

Each example's materials are drafted from its review and written in Chinese. What must be read
is spelt out here from the Measures themselves: the four Art. 8 materials by their names in
Art. 8 (申报书; 关于影响或者可能影响国家安全的分析报告; 采购文件、协议、拟签订的合同等;
网络安全审查工作需要的其他材料), the seven Art. 10 items by their number (第十条第（一）项 …), the
page header and the "第 N 页，共 M 页" footer on every page, the review date written 2026年12月1日,
the count of what is still to be supplied; the fonts are embedded. No English message of the
catalogue is left on the page outside what the package says (its names, titles and descriptions,
quoted as they are), and `materials.json` is the same bytes in both languages. `chainreview
declare --lang zh-CN` writes the Chinese page and prints its summary in Chinese.
"""

from __future__ import annotations

import io
import json
import os
import re
import subprocess
import sys
from datetime import date
from pathlib import Path

import pytest
from babel.messages.pofile import read_po
from lxml import html as lxml_html

from chainreview import load_package, review
from chainreview.formats import materials_formats
from chainreview.report.materials import Materials, build_materials

ROOT = Path(__file__).resolve().parents[2]
EXAMPLES = sorted(p.parent.name for p in (ROOT / "examples").glob("*/declaration.yaml"))
PO = ROOT / "src" / "chainreview" / "report" / "locale" / "zh_CN" / "LC_MESSAGES" / "chainreview.po"
AS_OF = date(2026, 12, 1)
ART8 = (
    "申报书",
    "关于影响或者可能影响国家安全的分析报告",
    "采购文件、协议、拟签订的合同等",
    "网络安全审查工作需要的其他材料",
)
ART10 = [f"第十条第（{n}）项" for n in "一二三四五六七"]
CJK = re.compile(r"[\u4e00-\u9fff]")
PLACEHOLDER = re.compile(r"\{[a-z_0-9]+\}|%\([a-z_]+\)[sd]|\[/?[a-z ]+\]")


@pytest.fixture(scope="module")
def drafted(bundled_home: Path) -> dict[str, Materials]:
    found = {}
    for name in EXAMPLES:
        package = load_package(ROOT / "examples" / name)
        result = review(package, home=bundled_home, as_of=AS_OF, regime="cn-crm-2022")
        found[name] = build_materials(package, result)
    return found


def _written(materials: Materials, language: str, kind: str) -> bytes:
    buffer = io.BytesIO()
    materials_formats(language)[kind].write(materials, buffer)
    return buffer.getvalue()


def _english_messages() -> list[str]:
    """The English of every message of the catalogue, cut at its placeholders, in parts of two
    words or more (three when possessive), as `test_report_i18n` cuts them."""
    with PO.open("rb") as stream:
        catalog = read_po(stream)
    parts: set[str] = set()
    for message in catalog:
        for msgid in message.id if isinstance(message.id, tuple) else (message.id,):
            for part in PLACEHOLDER.split(str(msgid)):
                part = part.strip(" .,;:()[]")
                words = part.split()
                two = len(words) == 2 and "'" not in part
                if (len(words) >= 3 or two) and re.search("[a-z]{3}", part):
                    parts.add(part)
    return sorted(parts)


def _package_texts(name: str) -> str:
    """Every text the package itself gives (its YAML files), which the page quotes as is."""
    folder = ROOT / "examples" / name
    return "\n".join(p.read_text(encoding="utf-8") for p in sorted(folder.rglob("*.yaml")))


def _visible_text(page: str) -> str:
    tree = lxml_html.fromstring(page)
    for node in tree.xpath("//style|//title|//code|//section[@class='cover']/h1"):
        node.drop_tree()
    return " ".join(tree.text_content().split())


@pytest.mark.parametrize("name", EXAMPLES)
def test_no_english_message_is_left_in_the_chinese_materials(
    drafted: dict[str, Materials], name: str
) -> None:
    text = _visible_text(_written(drafted[name], "zh-CN", "html").decode())
    assert len(CJK.findall(text)) > 2000
    quoted = " ".join(_package_texts(name).split())
    english = _english_messages()
    left = [m for m in english if m in text and m not in quoted]
    assert left == []
    in_english = _visible_text(_written(drafted[name], "en", "html").decode())
    assert sum(m in in_english and m not in quoted for m in english) > 40  # the check can fail


@pytest.mark.parametrize("name", EXAMPLES)
def test_the_json_is_the_same_in_both_languages(drafted: dict[str, Materials], name: str) -> None:
    assert _written(drafted[name], "zh-CN", "json") == _written(drafted[name], "en", "json")


@pytest.mark.parametrize("name", ["grid-storage", "cloud-pi-service"])
def test_the_chinese_pdf_read_back_with_pdftotext(
    drafted: dict[str, Materials], name: str, tmp_path: Path
) -> None:
    materials = drafted[name]
    path = tmp_path / "materials.pdf"
    path.write_bytes(_written(materials, "zh-CN", "pdf"))
    text = subprocess.run(
        ["pdftotext", "-layout", str(path), "-"], capture_output=True, check=True, text=True
    ).stdout
    pages = text.split("\f")[:-1]
    assert len(pages) > 5
    squashed = [re.sub(r"\s+", "", page) for page in pages]
    for number, page in enumerate(squashed, start=1):
        assert f"{materials.declaration.id}·申报材料（草稿）" in page, number
        assert "审查日期2026年12月1日" in page, number
        assert f"第{number}页，共{len(pages)}页" in page, number
    whole = "".join(squashed)
    assert f"申报人尚需补充{len(materials.to_supply)}项" in squashed[0]
    for material in ART8:
        assert material in squashed[0], material
    assert "第一部分·第八条第（一）项" in whole and "第二部分·第八条第（二）项·草稿" in whole
    for item in ART10:
        assert item in whole, item
    fonts = subprocess.run(["pdffonts", str(path)], capture_output=True, check=True, text=True)
    rows = [line.split() for line in fonts.stdout.splitlines()[2:]]
    assert any(row[0].endswith("+Noto-Sans-CJK-SC") for row in rows)
    assert all(row[-5] == "yes" for row in rows)  # embedded


def test_declare_writes_the_chinese_materials_and_summary(
    bundled_home: Path, tmp_path: Path
) -> None:
    package = ROOT / "tests" / "fixtures" / "declarations" / "minimal"
    done = subprocess.run(
        [
            *(sys.executable, "-m", "chainreview", "declare", str(package), "-o", "out"),
            *("--as-of", "2026-12-01", "--lang", "zh-CN"),
        ],
        capture_output=True,
        env={**os.environ, "CHAINREVIEW_HOME": str(bundled_home), "COLUMNS": "200"},
        cwd=tmp_path,
        timeout=180,
    )
    assert done.returncode == 0, done.stderr.decode()
    materials = json.loads((tmp_path / "out" / "materials.json").read_bytes())
    summary = " ".join(done.stdout.decode().split())
    assert f"申报人尚需补充 {len(materials['to_supply'])} 项" in summary
    assert "审查日期 2026年12月1日" in summary and "已写入" in summary
    page = (tmp_path / "out" / "materials.html").read_text(encoding="utf-8")
    assert '<html lang="zh-CN">' in page and "待申报人补充" in page
