"""The PDF report of a review: the HTML report laid out on A4 by WeasyPrint.

The page is `render_html`'s with its print style sheet: page numbers, a running header with the
declaration id and outcome, a sign-off block at the end, in the language asked for (`en`, or
`zh-CN` set in Noto Sans CJK SC throughout). Chinese text is set in Noto Sans CJK SC
(Debian's `fonts-noto-cjk`), embedded as a subset. Nothing is fetched: the page is self-contained
and the fetcher refuses every URL. The PDF's dates are the review date (the page's `dcterms`
metadata), never the clock, and its file identifier is a digest of its content, so the same
result gives the same bytes on the same WeasyPrint and fonts. WeasyPrint (68 or later, for its
`URLFetcher`) is imported on first use: it takes about a second. A product's findings table
lists its `PDF_FINDING_ROWS` most urgent findings, a factor's evidence its first as many, each
saying how many more the JSON and the HTML hold: a 1,000-component product's 2,961 findings (and
F02's 2,869 and F18's 2,607 evidence references, one per finding) took 502 pages and three
minutes (`benchmarks/bench_report.py`).
"""

from __future__ import annotations

from typing import Final

from chainreview.report.html import render_html
from chainreview.report.i18n import Language
from chainreview.report.timeline import CaseTimeline
from chainreview.reviewer import ReviewResult

__all__ = ["PDF_FINDING_ROWS", "layout_pdf", "render_pdf"]

PDF_FINDING_ROWS: Final = 300
"""The findings each product's table lists in the PDF, the most urgent (`html.most_urgent`,
about 50 A4 pages), and the evidence references each factor lists, the first; the rest are in
result.json and the HTML report."""


def render_pdf(
    result: ReviewResult,
    language: Language | str = Language.EN,
    *,
    timeline: CaseTimeline | None = None,
) -> bytes:
    """The PDF report of `result` in `language` (`en` or `zh-CN`), each product's findings
    table cut to its `PDF_FINDING_ROWS` most urgent, each factor's evidence to as many; with
    `timeline`, the case's statutory clock (`render_html`)."""
    page = render_html(result, language, rows=PDF_FINDING_ROWS, paged=True, timeline=timeline)
    return layout_pdf(page)


def layout_pdf(page: str) -> bytes:
    """The self-contained HTML `page` laid out by its print style sheet, fetching nothing, with a
    file identifier digested from the content."""
    from weasyprint import HTML  # type: ignore[import-untyped]
    from weasyprint.urls import URLFetcher  # type: ignore[import-untyped]

    laid_out: bytes = HTML(string=page, url_fetcher=URLFetcher(allowed_protocols=())).write_pdf(
        pdf_identifier=True
    )
    return laid_out
