"""The Art. 8 declaration materials as a page: HTML from Jinja2 templates, laid out on A4 as a PDF.

One self-contained page, no JavaScript: a first page saying what the applicant still has to
supply and where each Art. 8 item stands, then the declaration form (Part 1) and the draft
analysis report (Part 2), each from a new page when printed. Every human word is in the
templates (`materials*.j2`; the labels of the form's fields in `materials_words.j2`), so a
gettext pass can translate them; evidence and the review's sentences are quoted as they are,
escaped. The page is a function of the `Materials` alone (its dates are the review date), and
the PDF is laid out by WeasyPrint as the review report is (`report.pdf`): A4, page numbers, a
running header, Chinese text in Noto Sans CJK SC, nothing fetched, a file identifier that is a
digest of the content, so the same materials give the same bytes.
"""

from __future__ import annotations

import functools

from jinja2 import Environment

from chainreview.factors.catalogue import load_catalogue, load_profile
from chainreview.report.materials import MATERIALS_REGIME, Materials
from chainreview.report.pdf import layout_pdf
from chainreview.report.templating import report_environment
from chainreview.version import __version__

__all__ = ["render_materials_html", "render_materials_pdf"]


def _number(value: float) -> str:
    """A number with thousands separators, without a decimal part when it has none."""
    return f"{int(value):,}" if float(value).is_integer() else f"{value:,}"


@functools.cache
def _environment() -> Environment:
    env = report_environment()
    env.filters["number"] = _number
    return env


def render_materials_html(materials: Materials) -> str:
    """The materials as one HTML page."""
    profile = load_profile(MATERIALS_REGIME)
    analysis = materials.analysis
    first: dict[str, int] = {}
    for section in analysis.items:
        for factor in section.factors:
            first.setdefault(factor, section.item)
    return (
        _environment()
        .get_template("materials.html.j2")
        .render(
            m=materials,
            a=analysis,
            version=__version__,
            titles={f.id: f.title for f in load_catalogue().factors},
            articles={article.id: article for article in profile.articles},
            factors={f.factor: f for f in analysis.factors},
            first=first,
        )
    )


def render_materials_pdf(materials: Materials) -> bytes:
    """The materials laid out on A4 (WeasyPrint, imported on first use)."""
    return layout_pdf(render_materials_html(materials))
