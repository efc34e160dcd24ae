"""The web pages' catalogue: every message translated, the committed catalogue the one
`scripts/i18n_catalogue.py` extracts from the sources, every workflow's states and actions in it,
and the language a request gets."""

from __future__ import annotations

import io
import re
import subprocess
import sys
from pathlib import Path

import pytest
import yaml
from babel.messages.catalog import Catalog
from babel.messages.pofile import read_po

from chainreview.report.i18n import Language
from chainreview.web.i18n import chosen

ROOT = Path(__file__).parents[2]
LOCALE = ROOT / "src" / "chainreview" / "web" / "locale"
PO = LOCALE / "zh_CN" / "LC_MESSAGES" / "chainreview-web.po"
POT = LOCALE / "chainreview-web.pot"
CJK = re.compile(r"[\u4e00-\u9fff]")
PLACEHOLDER = re.compile(r"%\([a-z]+\)[sd]")


def _catalog(path: Path) -> Catalog:
    with path.open("rb") as stream:
        return read_po(stream)


def test_every_web_message_has_a_chinese_translation() -> None:
    messages = [m for m in _catalog(PO) if m.id]
    assert len(messages) > 150
    for message in messages:
        strings = message.string if isinstance(message.string, tuple) else (message.string,)
        assert all(strings), message.id
        assert not message.fuzzy, message.id
        if re.search(r"[A-Za-z]{3}", PLACEHOLDER.sub("", str(message.id))):
            assert all(CJK.search(s) for s in strings), message.id
        for s in strings:  # the same placeholders, or the page fails to render
            ids = message.id if isinstance(message.id, tuple) else (message.id,)
            assert set(PLACEHOLDER.findall(s)) <= set(PLACEHOLDER.findall(ids[-1])), s


def test_the_web_catalogue_is_the_one_extracted_from_the_sources() -> None:
    script = subprocess.run(
        [
            sys.executable,
            "-c",
            "import i18n_catalogue, sys; "
            "from babel.messages.pofile import write_po; "
            "write_po(sys.stdout.buffer, i18n_catalogue.web_template(), omit_header=True)",
        ],
        capture_output=True,
        check=True,
        cwd=ROOT / "scripts",
        env={"PYTHONPATH": f"{ROOT / 'src'}:{ROOT / 'scripts'}", "PATH": "/usr/bin:/bin"},
    )
    keys = {(m.id, m.context) for m in read_po(io.BytesIO(script.stdout)) if m.id}
    assert keys == {(m.id, m.context) for m in _catalog(POT) if m.id}
    assert keys == {(m.id, m.context) for m in _catalog(PO) if m.id}


def test_every_state_title_article_and_action_of_every_workflow_is_in_the_catalogue() -> None:
    """Read from the workflow files themselves, not through `web.words`."""
    keys = {(m.id, m.context) for m in _catalog(PO) if m.id}
    for path in (ROOT / "src/chainreview/case/workflows").glob("*.yaml"):
        workflow = yaml.safe_load(path.read_text())
        for state in workflow["states"]:
            assert (state["title"], None) in keys, (path.name, state["title"])
            assert (state["article"], "article") in keys, (path.name, state["article"])
        for transition in workflow["transitions"]:
            assert (transition["action"], "action") in keys, (path.name, transition["action"])
        for rule in workflow.get("clock", {}).values():
            assert (rule["action"], "action") in keys, (path.name, rule["action"])
        for opening in workflow["starts"]:
            assert (opening, "action") in keys, (path.name, opening)


@pytest.mark.parametrize(
    ("cookie", "header", "expected"),
    [
        (None, None, Language.EN),
        (None, "zh-CN,zh;q=0.9,en;q=0.8", Language.ZH_CN),
        (None, "en-GB,en;q=0.9,zh;q=0.8", Language.EN),
        (None, "zh", Language.ZH_CN),
        (None, "zh-Hans-HK", Language.ZH_CN),
        (None, "zh-TW", Language.EN),  # traditional script: not our catalogue
        (None, "fr, de;q=0.9, zh-cn;q=0.5", Language.ZH_CN),
        (None, "en;q=0.4, zh;q=0.6", Language.ZH_CN),
        (None, "zh;q=0, en", Language.EN),
        (None, "zh;q=x, en", Language.EN),
        (None, "de", Language.EN),
        ("zh-CN", "en", Language.ZH_CN),
        ("en", "zh-CN", Language.EN),
        ("xx", "zh-CN", Language.ZH_CN),  # an unknown cookie is ignored
        (None, "de," * 300 + "zh", Language.EN),  # read up to 512 characters only
    ],
)
def test_the_language_of_a_request(cookie: str | None, header: str, expected: Language) -> None:
    assert chosen(cookie, header) is expected
