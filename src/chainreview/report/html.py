"""The HTML report of a review: one self-contained page, no JavaScript, from Jinja2 templates.

The first page says what was decided (the outcome in colour and words), the reasons that decided
it, the conditions with who acts and when, what the review rests on (coverage, every source's
date) and its limitations; the detail and a sign-off block follow. The same page, with its print
style sheet, is what `chainreview.report.pdf` lays out on A4. The page is a function of the
`ReviewResult` alone (no clock, no path; its metadata dates are the review date), so it is as
reproducible as `result.json`. Factors whose basis the reviewer withheld show the level and the
mark, not the evidence references. Advisory summaries are quoted from their sources, many written in
Markdown: their code spans are shown as code, never as literal backticks.
"""

from __future__ import annotations

import functools
import re
from importlib import resources
from typing import Final

from jinja2 import Environment, FunctionLoader, StrictUndefined, select_autoescape
from markupsafe import Markup, escape

from chainreview.determination.model import Outcome
from chainreview.factors.catalogue import load_catalogue
from chainreview.findings.coverage import CoverageState
from chainreview.reviewer import ReviewResult

__all__ = ["OUTCOME_TITLES", "quoted_text", "render_html"]

OUTCOME_TITLES = {
    Outcome.NO_REVIEW_NEEDED: "No review needed",
    Outcome.PASS: "Pass",
    Outcome.PASS_WITH_CONDITIONS: "Pass with conditions",
    Outcome.REFER_TO_SPECIAL_REVIEW: "Refer to special review",
    Outcome.FAIL: "Fail",
}
_TEMPLATES = resources.files("chainreview.report") / "templates"
_CODE_SPAN: Final = re.compile(r"(`+)([^`]+?)\1(?!`)")
"""A Markdown code span: a run of backticks, text, the same run."""


def quoted_text(text: str) -> Markup:
    """`text` quoted from an advisory, escaped, its Markdown code spans as `<code>` and any
    backtick left over dropped."""
    parts: list[str] = []
    last = 0
    for match in _CODE_SPAN.finditer(text):
        parts.append(str(escape(text[last : match.start()].replace("`", ""))))
        parts.append(f"<code>{escape(match.group(2).strip())}</code>")
        last = match.end()
    parts.append(str(escape(text[last:].replace("`", ""))))
    return Markup("".join(parts))


def _template_source(name: str) -> str:
    return (_TEMPLATES / name).read_text(encoding="utf-8")


@functools.cache
def _environment() -> Environment:
    env = Environment(
        loader=FunctionLoader(_template_source),
        autoescape=select_autoescape(default=True, default_for_string=True),
        undefined=StrictUndefined,
        trim_blocks=True,
        lstrip_blocks=True,
    )
    env.filters["outcome"] = lambda outcome: OUTCOME_TITLES[Outcome(outcome)]
    env.filters["quoted"] = quoted_text
    return env


def render_html(result: ReviewResult) -> str:
    """The HTML report of `result`."""
    determination = result.determination
    return (
        _environment()
        .get_template("report.html.j2")
        .render(
            r=result,
            d=determination,
            titles={f.id: f.title for f in load_catalogue().factors},
            withheld={o.factor for o in determination.overrides if o.basis_withheld},
            unchecked=[
                (scan.product, group)
                for scan in result.products
                if scan.coverage is not None
                for group in scan.coverage.groups
                if group.state is not CoverageState.CHECKED
            ],
        )
    )
