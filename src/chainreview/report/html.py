"""The HTML report of a review: one self-contained page from Jinja2 templates.

The first page says what was decided (the outcome in colour and words), the reasons that decided
it, the conditions with who acts and when, what the review rests on (coverage, every source's
date) and its limitations; the detail and a sign-off block follow. The same page, with its print
style sheet, is what `chainreview.report.pdf` lays out on A4. The page is a function of the
`ReviewResult` alone (no clock, no path; its metadata dates are the review date), so it is as
reproducible as `result.json`. Factors whose basis the reviewer withheld show the level and the
mark, not the evidence references. Advisory summaries are quoted from their sources, many written in
Markdown: their code spans are shown as code, never as literal backticks.

Each finding links to its advisory and shows what it rests on: the advisory record and the part
of it that matched (affected entry and range, or NVD configuration), and the SBOM file and JSON
pointer of its component (`ProductScan.component_sources`). One small inline script
(`templates/table_sort.js.j2`, no library) makes the findings tables sortable by severity, KEV and
EPSS; without it the page reads the same, in the report's order (WeasyPrint runs no script).
The PDF lists at most `pdf.PDF_FINDING_ROWS` findings per product, the most urgent, and as many
evidence references per factor, and says where the others are: a finding and an evidence line
each, a 10,000-component product's PDF ran to thousands of pages (`benchmarks/bench_report.py`).
`report.html` lists `HTML_FINDING_ROWS` of each, unless every one is asked for (`review --all`).

The "Supply chain" section draws the declaration's sites, vendors, components with findings,
products and systems (`report.supply_chart`, from `result.json`'s `supply_chain`) beside tables
of every site, product and system; a case round's report adds the case's statutory clock
(`report.timeline_chart`, from a `CaseTimeline` the case library builds) beside the table of
the same dates.
"""

from __future__ import annotations

import functools
import re
import sys
from collections.abc import Sequence
from typing import Final

from jinja2 import Environment
from markupsafe import Markup, escape

from chainreview.determination.model import Outcome
from chainreview.factors.catalogue import load_catalogue
from chainreview.findings.coverage import CoverageState
from chainreview.findings.model import SEVERITY_RANK, EvidenceRef, Finding
from chainreview.report.charts import charts_of
from chainreview.report.i18n import Language, Localizer, localizer
from chainreview.report.supply_chart import (
    MAX_PER_LAYER,
    left_out_words,
    supply_chart,
    supply_graph,
)
from chainreview.report.templating import report_environment
from chainreview.report.timeline import CaseTimeline
from chainreview.report.timeline_chart import timeline_chart
from chainreview.reviewer import ReviewResult

__all__ = [
    "HTML_FINDING_ROWS",
    "OUTCOME_TITLES",
    "advisory_link",
    "advisory_url",
    "environment",
    "matched_part",
    "most_urgent",
    "outcome_title",
    "quoted_text",
    "render_html",
]

OUTCOME_TITLES: Final = {
    Outcome.NO_REVIEW_NEEDED: "No review needed",
    Outcome.PASS: "Pass",
    Outcome.PASS_WITH_CONDITIONS: "Pass with conditions",
    Outcome.REFER_TO_SPECIAL_REVIEW: "Refer to special review",
    Outcome.FAIL: "Fail",
}
"""The outcome in words, in English (the `outcome` context of the catalogue in other languages)."""
HTML_FINDING_ROWS: Final = 1_000
"""The findings each product's table lists in `report.html` by default, the most urgent, and
the evidence references each factor lists, the first (`review --all`: every one): a
10,000-component product's every finding made a page of 30 MB."""
_FONTS: Final = {
    Language.EN: '"DejaVu Sans", "Noto Sans CJK SC", sans-serif',
    Language.ZH_CN: '"Noto Sans CJK SC", "DejaVu Sans", sans-serif',
}
"""The print fonts: a Chinese page is set in Noto Sans CJK SC throughout (its Latin too), an
English one in DejaVu Sans with Noto Sans CJK SC for the Chinese it quotes."""
_CODE_SPAN: Final = re.compile(r"(`+)([^`]+?)\1(?!`)")
"""A Markdown code span: a run of backticks, text, the same run."""
_CSS_FIELD: Final = re.compile(r"\{(page|pages|date)\}")
_ADVISORY_ID: Final = re.compile(r"[A-Za-z0-9][A-Za-z0-9._-]{1,99}", re.ASCII)
_ADVISORY_SITES: Final = (
    ("CVE-", "https://nvd.nist.gov/vuln/detail/"),
    ("GHSA-", "https://github.com/advisories/"),
    ("DSA-", "https://security-tracker.debian.org/tracker/"),
    ("DLA-", "https://security-tracker.debian.org/tracker/"),
)
_OSV_SITE: Final = "https://osv.dev/vulnerability/"


def outcome_title(outcome: Outcome, loc: Localizer) -> str:
    """The outcome in words in `loc`'s language."""
    if loc.language is Language.EN:
        return OUTCOME_TITLES[outcome]
    return loc.word("outcome", outcome.value)


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


def advisory_link(identifier: str) -> Markup:
    """`identifier` linked to where it is published (`advisory_url`), else as plain text."""
    url = advisory_url(identifier)
    if url is None:
        return escape(identifier)
    return Markup('<a href="{0}">{1}</a>').format(url, identifier)


def matched_part(evidence: EvidenceRef) -> str:
    """The part of its advisory record that `evidence` rests on: `affected[0] ranges[1] ECOSYSTEM
    introduced 0, fixed 2.0`, `affected[0] versions: 1.2`, an NVD configuration's criterion."""
    if evidence.affected_index is None:
        return evidence.decision
    return f"affected[{evidence.affected_index}] {evidence.decision}"


def advisory_url(identifier: str) -> str | None:
    """Where the advisory `identifier` is published: NVD for a CVE, GitHub for a GHSA, the
    Debian tracker for a DSA or DLA, osv.dev for the other OSV ids; None for an id of other
    characters than an advisory id has (the id comes from intel, which may be hostile)."""
    if not _ADVISORY_ID.fullmatch(identifier):
        return None
    for prefix, base in _ADVISORY_SITES:
        if identifier.startswith(prefix):
            return base + identifier
    return _OSV_SITE + identifier


def _css_content(message: str) -> Markup:
    """A translated page-margin text as a CSS `content` value: its literal parts as CSS strings,
    `{page}`, `{pages}` and `{date}` as the page counters and the review date."""
    fields = {"page": "counter(page)", "pages": "counter(pages)", "date": "string(review-date)"}
    values: list[str] = []
    for n, part in enumerate(_CSS_FIELD.split(message)):
        if n % 2:
            values.append(fields[part])
        elif part:
            values.append(
                '"' + re.sub(r'["\\\n<>&]', lambda m: f"\\{ord(m.group(0)):x} ", part) + '"'
            )
    return Markup(" ".join(values))


@functools.cache
def environment(language: Language) -> Environment:
    """The templates' environment in `language`: its gettext catalogue installed, the filters
    that translate the library's sentences and words (`tr`, `detail`, `word`, `outcome`) and
    write dates and numbers (`date`, `num`), `css` for a page-margin text; shared by the report
    and the declaration materials."""
    loc = localizer(language)
    env = report_environment(extensions=["jinja2.ext.i18n"])
    env.install_gettext_translations(loc.translations, newstyle=True)  # type: ignore[attr-defined]
    provisional = loc.gettext(" (provisional)")
    env.filters["outcome"] = lambda d: (
        outcome_title(d.outcome, loc) + ("" if d.final else provisional)
    )
    env.filters["quoted"] = quoted_text
    env.filters["advisory_link"] = advisory_link
    env.filters["matched_part"] = matched_part
    env.filters["severity_rank"] = SEVERITY_RANK.__getitem__
    env.filters["tr"] = loc.sentence
    env.filters["detail"] = loc.detail
    env.filters["word"] = lambda value, context: loc.word(context, str(value))
    env.filters["date"] = loc.date
    env.filters["num"] = loc.number
    env.filters["msg"] = loc.gettext
    env.filters["css"] = lambda message: _css_content(message)
    env.filters["code"] = lambda text, kind="": Markup(
        f'<code class="{kind}">{escape(text)}</code>' if kind else f"<code>{escape(text)}</code>"
    )
    env.globals.update(
        lang=language.value,
        fonts=Markup(_FONTS[language]),
        page_footer=_css_content(loc.gettext("Review date {date}")),
        page_number=_css_content(loc.gettext("page {page} of {pages}")),
    )
    return env


def most_urgent(findings: Sequence[Finding], rows: int | None) -> Sequence[Finding]:
    """`findings` as the report lists them: all in their order when `rows` is None or enough;
    else the `rows` most urgent (active first, then in KEV, by severity, by EPSS), in that
    order."""
    if rows is None or len(findings) <= rows:
        return findings
    return sorted(
        findings,
        key=lambda f: (
            not f.active,
            f.kev is None,
            SEVERITY_RANK[f.severity.level],
            -(f.epss.score if f.epss else -1.0),
        ),
    )[:rows]


def render_html(
    result: ReviewResult,
    language: Language | str = Language.EN,
    *,
    rows: int | None = None,
    paged: bool = False,
    timeline: CaseTimeline | None = None,
) -> str:
    """The HTML report of `result` in `language` (`en` or `zh-CN`); with `rows`, each
    product's findings table holds its `rows` most urgent findings (`most_urgent`) and each
    factor's evidence list its first `rows` references, each saying where the others are
    (`paged`: the page is the PDF's, whose notes point to the HTML; else to `review --all`).
    With `timeline` (a case's round), the case's statutory clock: its chart and the table of
    the same dates."""
    determination = result.determination
    loc = localizer(language)
    drawn = charts_of(result, loc)
    clock_chart = None if timeline is None else timeline_chart(timeline, loc)
    graph = supply_graph(result, loc)
    return (
        environment(Language(language))
        .get_template("report.html.j2")
        .render(
            r=result,
            d=determination,
            titles={f.id: f.title for f in load_catalogue().factors},
            withheld={o.factor for o in determination.overrides if o.basis_withheld},
            sources={
                (scan.product, cited.ref): cited.sources
                for scan in result.products
                for cited in scan.component_sources
            },
            shown={scan.product: most_urgent(scan.findings, rows) for scan in result.products},
            rows=sys.maxsize if rows is None else rows,
            paged=paged,
            level_chart=Markup(drawn.levels),
            findings_chart=None if drawn.findings is None else Markup(drawn.findings),
            timeline=timeline,
            supply_chart=None if graph is None else Markup(supply_chart(graph, loc)),
            supply_left_out=left_out_words(graph, loc) if graph else [],
            max_per_layer=MAX_PER_LAYER,
            affected={
                scan.product: len({f.component for f in scan.findings if f.active})
                for scan in result.products
            },
            timeline_chart=None if clock_chart is None else Markup(clock_chart),
            unchecked=[
                (scan.product, group)
                for scan in result.products
                if scan.coverage is not None
                for group in scan.coverage.groups
                if group.state is not CoverageState.CHECKED
            ],
        )
    )
