"""The report in Chinese: a complete catalogue, every sentence of every example translated, no
English message left in the page, and a `result.json` that does not depend on the language.

The catalogue is read with Babel's PO reader (the same file the report loads); the texts it must
hold are read here from the data files with plain `yaml` and from the factor modules' own rule and
measure objects, never from the extraction script. The page is read with lxml: its text outside
quoted evidence (code, the advisories' summaries, the names of the package's own systems,
products and functions) must contain no English message of the catalogue.
"""

from __future__ import annotations

import importlib
import importlib.util
import io
import pkgutil
import re
import subprocess
import sys
from datetime import date
from pathlib import Path
from typing import Any

import pytest
import yaml
from babel.messages.catalog import Catalog, Message
from babel.messages.pofile import read_po
from lxml import html as lxml_html

import chainreview.factors
from chainreview import review, review_formats
from chainreview.errors import InputError
from chainreview.factors.interface import Gap, Limitation, Mitigation, Rule
from chainreview.report.i18n import localizer
from chainreview.reviewer import ReviewResult

ROOT = Path(__file__).resolve().parents[2]
EXAMPLES = sorted(p.parent.name for p in (ROOT / "examples").glob("*/declaration.yaml"))
LOCALE = ROOT / "src" / "chainreview" / "report" / "locale"
PO = LOCALE / "zh_CN" / "LC_MESSAGES" / "chainreview.po"
POT = LOCALE / "chainreview.pot"
AS_OF = date(2026, 12, 1)
CJK = re.compile(r"[\u3400-\u9fff]")
PLACEHOLDER = re.compile(r"\{[a-z_0-9]+\}|%\([a-z_]+\)[sd]|\[/?[a-z ]+\]")


def _catalog(path: Path) -> Catalog:
    with path.open("rb") as stream:
        return read_po(stream, locale="zh_CN")


@pytest.fixture(scope="module")
def catalog() -> Catalog:
    """The Chinese catalogue."""
    return _catalog(PO)


@pytest.fixture(scope="module")
def results(bundled_home: Path) -> dict[str, ReviewResult]:
    """Every example reviewed once on the bundled snapshot."""
    return {
        name: review(ROOT / "examples" / name, home=bundled_home, as_of=AS_OF) for name in EXAMPLES
    }


def test_every_message_has_a_chinese_translation(catalog: Catalog) -> None:
    messages = [m for m in catalog if m.id]
    assert len(messages) > 600
    for message in messages:
        strings = message.string if isinstance(message.string, tuple) else (message.string,)
        assert all(strings), message.id
        assert not message.fuzzy, message.id
        if re.search(r"[A-Za-z]{3}", PLACEHOLDER.sub("", str(message.id))):
            assert all(CJK.search(s) for s in strings), message.id


def test_the_catalogue_holds_the_template_extracted_from_the_sources(catalog: Catalog) -> None:
    """`scripts/i18n_catalogue.py` run on the sources gives the committed template, and the
    Chinese catalogue holds exactly its messages."""
    script = subprocess.run(
        [
            sys.executable,
            "-c",
            "import i18n_catalogue, sys; "
            "from babel.messages.pofile import write_po; "
            "write_po(sys.stdout.buffer, i18n_catalogue.template(), omit_header=True)",
        ],
        capture_output=True,
        check=True,
        cwd=ROOT / "scripts",
        env={"PYTHONPATH": f"{ROOT / 'src'}:{ROOT / 'scripts'}", "PATH": "/usr/bin:/bin"},
    )
    fresh = read_po(io.BytesIO(script.stdout))
    keys = {(m.id, m.context) for m in fresh if m.id}
    assert keys == {(m.id, m.context) for m in _catalog(POT) if m.id}
    assert keys == {(m.id, m.context) for m in catalog if m.id}


def _data_texts() -> set[str]:
    texts: set[str] = set()
    catalogue = yaml.safe_load((ROOT / "src/chainreview/factors/catalogue.yaml").read_text())
    for factor in catalogue["factors"]:
        texts.add(factor["title"])
        texts.update(q["text"] for q in factor["questions"])
    for policy in (ROOT / "src/chainreview/determination/policies").glob("*.yaml"):
        texts.update(rule["text"] for rule in yaml.safe_load(policy.read_text())["rules"])
    for info in pkgutil.iter_modules(chainreview.factors.__path__):
        module = importlib.import_module(f"chainreview.factors.{info.name}")
        for value in vars(module).values():
            if isinstance(value, Rule):
                texts.add(value.text)
            elif isinstance(value, Mitigation):
                texts.update((value.text, value.verification))
            elif isinstance(value, tuple):
                texts.update(v.what for v in value if isinstance(v, Gap | Limitation))
    return texts


def test_every_text_of_the_data_and_the_factor_modules_is_translated() -> None:
    loc = localizer("zh-CN")
    texts = _data_texts()
    assert len(texts) > 250
    for text in texts:
        assert CJK.search(loc.sentence(text)), text


def _sentences(result: dict[str, Any]) -> list[str]:
    """Every sentence of a result (as JSON) the report shows."""
    d = result["determination"]
    found = [*d["rationale"], *d["provisional"], *(d["intel"] or {}).get("warnings", [])]
    for c in d["conditions"]:
        found += [c["text"], c["verification"]]
    found += [item["text"] for item in d["limitations"]]
    for a in d["assessments"]:
        found += [a["rule"], *a["reasons"], *a["citations"]]
        found += [m["text"] for m in a["mitigations"]]
        found += [m["what"] for m in a["missing_evidence"]]
        found += [m["what"] for m in a["limitations"]]
    for p in result["products"]:
        found += [g["reason"] for g in (p.get("coverage") or {}).get("groups", [])]
        found += [u["reason"] for u in p.get("indeterminate", [])]
    return found


@pytest.mark.parametrize("name", EXAMPLES)
def test_every_sentence_of_every_example_translates(
    results: dict[str, ReviewResult], name: str
) -> None:
    import json

    buffer = io.BytesIO()
    review_formats("zh-CN")["json"].write(results[name], buffer)
    sentences = _sentences(json.loads(buffer.getvalue()))
    assert len(sentences) > 50
    loc = localizer("zh-CN")
    assert [s for s in sentences if not loc.translates(s)] == []


@pytest.mark.parametrize("name", EXAMPLES)
def test_result_json_is_the_same_bytes_in_every_language(
    results: dict[str, ReviewResult], name: str
) -> None:
    written = {}
    for language in ("en", "zh-CN"):
        for output in ("json", "html"):
            buffer = io.BytesIO()
            review_formats(language)[output].write(results[name], buffer)
            written[language, output] = buffer.getvalue()
    assert written["en", "json"] == written["zh-CN", "json"]
    assert written["en", "html"] != written["zh-CN", "html"]
    assert b'<html lang="zh-CN">' in written["zh-CN", "html"]


def test_an_unknown_language_is_refused() -> None:
    with pytest.raises(InputError, match="'fr' is no report language"):
        review_formats("fr")


def _visible_text(page: str) -> str:
    """The page's text outside quoted evidence."""
    tree = lxml_html.fromstring(page)
    quoted = (
        "//style|//title|//code|//h1|//h3[not(ancestor::section[@class='factor'])]"
        "|//table[contains(@class, 'findings')]//td|//table[@class='names']//td"
        "|//table[@class='plugins']//td"
    )
    for node in tree.xpath(quoted):
        node.drop_tree()
    return " ".join(tree.text_content().split())


def _english_messages(catalog: Catalog) -> list[str]:
    """The English of every message, cut at its placeholders, parts of two words or more (of three
    when possessive)."""
    parts: set[str] = set()
    for message in catalog:
        for msgid in message.id if isinstance(message.id, tuple) else (message.id,):
            for part in PLACEHOLDER.split(str(msgid)):
                part = part.strip(" .,;:()[]")
                words = part.split()
                two = len(words) == 2 and "'" not in part  # "the operator's" is in quoted answers
                if (len(words) >= 3 or two) and re.search("[a-z]{3}", part):
                    parts.add(part)
    return sorted(parts)


@pytest.mark.parametrize("name", EXAMPLES)
def test_no_english_message_is_left_in_the_chinese_page(
    results: dict[str, ReviewResult], catalog: Catalog, name: str
) -> None:
    buffer = io.BytesIO()
    review_formats("zh-CN")["html"].write(results[name], buffer)
    text = _visible_text(buffer.getvalue().decode())
    assert len(CJK.findall(text)) > 3000
    english = _english_messages(catalog)
    assert len(english) > 500
    assert [m for m in english if m in text] == []
    buffer = io.BytesIO()
    review_formats("en")["html"].write(results[name], buffer)
    in_english = _visible_text(buffer.getvalue().decode())
    assert sum(m in in_english for m in english) > 40  # the check finds English where there is


def test_sentences_dates_and_numbers_by_hand() -> None:
    loc = localizer("zh-CN")
    sentence = (
        "F02 is high: 9 active finding(s); at high: CVE-1 (oauth2 v0.26.0), CVE-2 (v5 v5.2.1) "
        "and 2 more."
    )
    assert loc.sentence(sentence) == (
        "F02 为高：9 项有效漏洞发现；高等级："
        "CVE-1 (oauth2 v0.26.0)、CVE-2 (v5 v5.2.1) 等，另有 2 项。"
    )
    assert loc.sentence("P-X 1.0: security support ended (2025-12-31)") == (
        "P-X 1.0：安全支持已终止（2025年12月31日）"
    )
    assert loc.sentence(
        "acme: commitment “no illegal control or manipulation of user devices” not signed"
    ) == ("acme：未签署承诺：不非法控制和操纵用户设备")
    assert loc.date("2026-02-01") == "2026年2月1日"
    assert loc.number(1800000000) == "1,800,000,000"
    unknown = "P-X: the vendor sings on Tuesdays"
    assert loc.sentence(unknown) == unknown and not loc.translates(unknown)
    english = localizer("en")
    assert english.sentence(sentence) == sentence and english.date("2026-02-01") == "2026-02-01"


REGIMES = ("cn-crm-2022", "us-icts-791", "eu-5g-toolbox", "nist-800-161")


@pytest.mark.parametrize("regime", REGIMES)
def test_every_sentence_translates_under_every_regime_and_a_later_date(
    bundled_home: Path, regime: str
) -> None:
    """The same examples under the other regimes (data held in China is abroad for them) and
    five years on (support ended, certificates expired) reach other branches of the factors."""
    import json

    loc = localizer("zh-CN")
    untranslated = set()
    for name in EXAMPLES:
        for day in (AS_OF, date(2031, 1, 1)):
            result = review(ROOT / "examples" / name, home=bundled_home, as_of=day, regime=regime)
            buffer = io.BytesIO()
            review_formats("en")["json"].write(result, buffer)
            sentences = _sentences(json.loads(buffer.getvalue()))
            untranslated |= {s for s in sentences if not loc.translates(s)}
    assert sorted(untranslated) == []


def test_the_catalogue_script_counts_a_plural_message_with_an_empty_form_as_untranslated() -> None:
    """`scripts/i18n_catalogue.py` prints each catalogue's untranslated messages: a plural
    message is translated only when every `msgstr[n]` is filled."""
    spec = importlib.util.spec_from_file_location(
        "i18n_catalogue", ROOT / "scripts/i18n_catalogue.py"
    )
    assert spec is not None and spec.loader is not None
    script = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(script)
    plural = ("%(num)d file", "%(num)d files")
    assert not script.translated(Message(plural, string=("", "")))
    assert not script.translated(Message(plural, string=("一个文件", "")))
    assert script.translated(Message(plural, string=("%(num)d 个文件",)))
    assert not script.translated(Message("file", string=""))
    assert script.translated(Message("file", string="文件"))
