"""The Art. 8 declaration materials as a page: HTML from Jinja2 templates, laid out on A4 as a PDF.

One self-contained page, no JavaScript: a first page saying what the applicant still has to
supply and where each Art. 8 item stands, then the declaration form (Part 1) and the draft
analysis report (Part 2), each from a new page when printed. In English or Chinese (`zh-CN`),
through the report's catalogue and environment (`report.html.environment`): every human word
is a gettext message of the templates (`materials*.j2`; the labels of the form's fields in
`materials_words.j2`), the review's sentences, factor titles, rules and citations are translated
as in the report, and the Art. 10 items are given in the Measures' own words in Chinese; what the
package says (names, titles, descriptions, answers) is quoted as it is, escaped. The page is a
function of the `Materials` and the language alone (its dates are the review date), and the PDF
is laid out by WeasyPrint as the review report is (`report.pdf`): A4, page numbers, a running
header, Chinese text in Noto Sans CJK SC, nothing fetched, a file identifier that is a digest of
the content, so the same materials give the same bytes.
"""

from __future__ import annotations

from chainreview.factors.catalogue import load_catalogue, load_profile
from chainreview.report.html import environment
from chainreview.report.i18n import Language
from chainreview.report.materials import MATERIALS_REGIME, Materials
from chainreview.report.pdf import layout_pdf
from chainreview.version import __version__

__all__ = ["render_materials_html", "render_materials_pdf"]


def render_materials_html(materials: Materials, language: Language | str = Language.EN) -> str:
    """The materials as one HTML page in `language` (`en` or `zh-CN`)."""
    profile = load_profile(MATERIALS_REGIME)
    analysis = materials.analysis
    first: dict[str, int] = {}
    for section in analysis.items:
        for factor in section.factors:
            first.setdefault(factor, section.item)
    return (
        environment(Language(language))
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


def render_materials_pdf(materials: Materials, language: Language | str = Language.EN) -> bytes:
    """The materials laid out on A4 in `language` (WeasyPrint, imported on first use)."""
    return layout_pdf(render_materials_html(materials, language))
