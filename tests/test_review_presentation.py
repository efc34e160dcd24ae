"""What a reader of a review sees, on packages written here: the demo mark on the first screen and
on the report's first page, a final determination only with `--allow-demo-intel`, and wording
free of empty brackets, "no a …", "at least none", Python's `None` and literal backticks, in the
terminal summary and in the HTML report as rendered (not only in the determination's strings).
"""

from __future__ import annotations

import html
import json
import os
import re
import subprocess
import sys
from pathlib import Path

import pytest

from chainreview.report.html import quoted_text
from test_review_policy import (
    IDENTIFIERS,
    KEV,
    UNSCORED,
    VENDOR,
    _component,
    _first_party,
    _Package,
    _sole_source,
    _third_party,
)

AS_OF = "2026-12-01"
BAD_WORDING = (" ()", "( )", "no a ", "no an ", "at least none", "`", "None", "..")
"""Our sentences with an empty list, a wrong article, a level that says nothing, a Python value,
Markdown code marks or a doubled full stop."""


def _run(package: Path, out: Path, home: Path, *options: str) -> subprocess.CompletedProcess[str]:
    env = {**os.environ, "CHAINREVIEW_HOME": str(home), "COLUMNS": "200"}
    for name in ("CHAINREVIEW_REVIEW_FAIL_ON", "CHAINREVIEW_REVIEW_FORMAT"):
        env.pop(name, None)
    command = [sys.executable, "-m", "chainreview", "review", str(package), "--out", str(out)]
    command += ["--as-of", AS_OF, *options]
    return subprocess.run(command, capture_output=True, text=True, env=env, timeout=300)


def _page_text(page: str) -> str:
    """The report as a reader sees it: no style sheet or script, no tags, entities resolved."""
    page = re.sub(r"<(style|script)\b[^>]*>.*?</\1>", "", page, flags=re.S)
    return html.unescape(re.sub(r"\s+", " ", re.sub(r"<[^>]+>", " ", page)))


@pytest.fixture
def package(tmp_path: Path) -> _Package:
    return _Package(tmp_path / "package")


def test_a_demo_intel_review_says_so_first_and_is_final_only_when_allowed(
    package: _Package, bundled_home: Path, tmp_path: Path
) -> None:
    # the bundled snapshot is a demo capture (docs/review-policy.md, "Demo intelligence"): the
    # outcome is given as provisional, said before the outcome on the first screen and on the
    # report's first page; --allow-demo-intel accepts it as final, still naming the demo data
    root = package.write()
    done = _run(root, tmp_path / "out", bundled_home)
    assert done.returncode == 0, done.stderr
    lines = done.stdout.splitlines()
    assert lines[1].startswith("PROVISIONAL: The review rests on demo intelligence")
    assert lines[2].startswith("Outcome:") and lines[2].endswith("(provisional)")
    result = json.loads((tmp_path / "out" / "result.json").read_text(encoding="utf-8"))
    assert result["determination"]["final"] is False
    assert result["determination"]["provisional"][0].startswith("The review rests on demo")
    page = _page_text((tmp_path / "out" / "report.html").read_text(encoding="utf-8"))
    first_page = page[: page.index(" Why ")]  # before the rationale
    assert "Provisional: The review rests on demo intelligence" in first_page
    assert "Pass with conditions (provisional)" in first_page

    allowed = _run(root, tmp_path / "allowed", bundled_home, "--allow-demo-intel")
    assert allowed.returncode == 0, allowed.stderr
    assert "PROVISIONAL" not in allowed.stdout and "(provisional)" not in allowed.stdout
    assert "warning: The intel snapshot holds demo data" in allowed.stdout  # still said
    result = json.loads((tmp_path / "allowed" / "result.json").read_text(encoding="utf-8"))
    assert (result["determination"]["final"], result["determination"]["provisional"]) == (True, [])
    page = _page_text((tmp_path / "allowed" / "report.html").read_text(encoding="utf-8"))
    assert "Provisional" not in page and "holds demo data" in page


def test_the_summary_and_the_report_read_as_sentences(
    package: _Package, bundled_home: Path, tmp_path: Path
) -> None:
    # a package that reaches most sentence builders: an unidentified third-party part, the
    # vendor's own parts with and without an identifier the snapshot covers, a sole source
    # (A10.2), KEV and unscored findings (A10.1), an undeclared CVD policy and answer (A10.3),
    # personal data of unknown scale (A10.5), a mandatory listing abroad (Art. 7), unsigned
    # Art. 6 commitments
    _third_party(package)
    _first_party(package)
    _sole_source(package)
    package.components += [_component(*UNSCORED), _component(*KEV)]
    package.components.append(
        {"type": "firmware", "bom-ref": "qh-2", "name": "qinghe-boot", "version": "2.0",
         "supplier": {"name": VENDOR}, **IDENTIFIERS["cpe"]}
    )  # fmt: skip
    del package.vendor["vulnerability_handling"]["cvd_policy_url"]
    package.answers.pop("F03.Q2")
    package.product["capabilities"]["data"].append({"category": "personal"})
    package.product["capabilities"]["remote_update"] = {"supported": True}
    package.manifest["operator"]["listing"] = {
        "venue": "NASDAQ",
        "country": "US",
        "personal_information_users": 1_200_000,
    }
    package.vendor["commitments"] = package.vendor["commitments"][:2]
    done = _run(package.write(), tmp_path / "out", bundled_home)
    assert done.returncode == 0, done.stderr
    page = _page_text((tmp_path / "out" / "report.html").read_text(encoding="utf-8"))
    # the jinja2 advisory quotes a Markdown code span (`_punctuation_re regex`), shown as code
    assert "_punctuation_re regex" in page
    for name, text in (("summary", done.stdout), ("report", page)):
        for bad in BAD_WORDING:
            at = text.find(bad)
            assert at < 0, (name, bad, text[max(0, at - 100) : at + 60])


@pytest.mark.parametrize(
    ("quoted", "shown"),
    [
        ("due to the `_re` regex", "due to the <code>_re</code> regex"),
        ("a ``x`` and `y`", "a <code>x</code> and <code>y</code>"),
        ("a lone ` mark", "a lone  mark"),
        ("`<b>` & co", "<code>&lt;b&gt;</code> &amp; co"),
    ],
)
def test_advisory_code_spans_are_shown_as_code(quoted: str, shown: str) -> None:
    # advisories quote code in Markdown; the report shows it as code, escaped, never the marks
    assert str(quoted_text(quoted)) == shown
