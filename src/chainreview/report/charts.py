"""The review report's charts, as inline SVG drawn by matplotlib.

Two pictures of a `ReviewResult`: the factor × level strip (each factor a cell coloured by its
level, the level also in words, so no reader depends on colour) and each product's active
findings by severity, with how many are on CISA's KEV list and how many have a fixed version.
Labels are in the report's language (`Localizer`). Text stays text (`svg.fonttype: none`): it
is searchable, selectable and set in the page's fonts by the browser and by WeasyPrint, and a
name with `$` is never read as TeX. The SVG is reproducible: no date in its metadata and a fixed
salt for its element ids, each id prefixed with its chart's name so that two charts on one page
never share one; the same result gives the same bytes on the same matplotlib.

matplotlib is imported on first use (0.3–0.8 s) and driven without pyplot, through a
`Figure` and its SVG canvas, so no backend or figure registry of the process is touched; its
settings are applied for the drawing only (`rc_context`), under a lock, because matplotlib's
settings are the process's. Measured against pygal in `benchmarks/bench_charts.py`.
"""

from __future__ import annotations

import io
import threading
from collections import Counter
from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass
from typing import TYPE_CHECKING, Final

from chainreview.findings.model import Finding
from chainreview.findings.model import Level as Severity
from chainreview.levels import Level
from chainreview.report.i18n import Language, Localizer, localizer

if TYPE_CHECKING:
    from matplotlib.figure import Figure

    from chainreview.reviewer import ReviewResult

__all__ = [
    "LEVEL_COLOURS",
    "SEVERITY_COLOURS",
    "Charts",
    "ProductFindings",
    "charts_of",
    "drawing",
    "findings_chart",
    "level_strip",
    "product_findings",
    "svg_element",
]

LEVEL_COLOURS: Final = {
    Level.NONE: "#e2e8f0",
    Level.LOW: "#bfdbfe",
    Level.MEDIUM: "#fcd34d",
    Level.HIGH: "#f97316",
    Level.CRITICAL: "#b91c1c",
    Level.UNDETERMINED: "#ffffff",
}
"""Light to dark with the risk; undetermined white with a hatch, never a colour of a level."""
SEVERITY_COLOURS: Final = {
    Severity.CRITICAL: LEVEL_COLOURS[Level.CRITICAL],
    Severity.HIGH: LEVEL_COLOURS[Level.HIGH],
    Severity.MEDIUM: LEVEL_COLOURS[Level.MEDIUM],
    Severity.LOW: LEVEL_COLOURS[Level.LOW],
    Severity.NONE: LEVEL_COLOURS[Level.NONE],
    Severity.UNKNOWN: "#94a3b8",
}
"""Stacked in this order, most severe first; unknown last, in grey, never a level's colour."""
_LOCK: Final = threading.Lock()
_NAME_WIDTH: Final = 28


@dataclass(frozen=True, slots=True)
class Charts:
    """The report's charts, each an `<svg>` element as text."""

    levels: str
    """The factor × level strip."""
    findings: str | None
    """Active findings by severity per product; None when no product has a finding."""


@dataclass(frozen=True, slots=True)
class ProductFindings:
    """What the findings chart shows of one product."""

    product: str
    by_severity: tuple[tuple[Severity, int], ...]
    """(severity, active findings) for each of critical, high, medium, low, none, unknown."""
    kev: int
    """Active findings on the KEV list."""
    fixable: int
    """Active findings with a fixed version known."""
    suppressed: int
    """Findings resolved by VEX or accepted (not drawn as bars)."""


def charts_of(result: ReviewResult, loc: Localizer | None = None) -> Charts:
    """The charts of `result`, labelled in `loc`'s language (default English)."""
    loc = loc or localizer()
    levels = tuple((a.factor_id, a.level) for a in result.determination.assessments)
    products = product_findings(result)
    drawn = any(sum(n for _, n in p.by_severity) for p in products)
    return Charts(
        levels=level_strip(levels, loc),
        findings=findings_chart(products, loc) if drawn else None,
    )


def product_findings(result: ReviewResult) -> tuple[ProductFindings, ...]:
    """What the findings chart shows of each product of `result`, in its order."""
    return tuple(_product_findings(_label(p.product, p.name), p.findings) for p in result.products)


def level_strip(levels: Sequence[tuple[str, Level]], loc: Localizer | None = None) -> str:
    """One cell per factor, in the order given, coloured by level and labelled with the factor
    id above and its level below (in `loc`'s language)."""
    loc = loc or localizer()
    from matplotlib.patches import Rectangle

    with drawing(loc) as figure_of:
        figure = figure_of((max(len(levels), 1) * 0.42 + 0.2, 0.75))
        axes = figure.add_axes((0.01, 0.02, 0.98, 0.96))
        axes.set_xlim(0, max(len(levels), 1))
        axes.set_ylim(0, 1)
        axes.set_axis_off()
        for index, (factor, level) in enumerate(levels):
            undetermined = level is Level.UNDETERMINED
            axes.add_patch(
                Rectangle(
                    (index + 0.05, 0.3),
                    0.9,
                    0.4,
                    facecolor=LEVEL_COLOURS[level],
                    edgecolor="#475569",
                    linewidth=0.5,
                    hatch="////" if undetermined else None,
                )
            )
            axes.text(index + 0.5, 0.85, factor, ha="center", va="center", fontsize=7)
            # the short form of "undetermined" fits the cell
            word = loc.gettext("undet.") if undetermined else loc.word("level", level.value)
            axes.text(index + 0.5, 0.13, word, ha="center", va="center", fontsize=5.5)
        return svg_element(figure, "levels")


def findings_chart(products: Sequence[ProductFindings], loc: Localizer | None = None) -> str:
    """A horizontal bar per product of its active findings stacked by severity, and beside it
    its KEV, fixable and resolved counts (in `loc`'s language)."""
    loc = loc or localizer()
    from matplotlib.ticker import MaxNLocator

    with drawing(loc) as figure_of:
        bars = 0.38 * len(products)
        figure = figure_of((6.8, bars + 1.0))  # inches: legend above, axis label below
        axes = figure.add_axes((0.22, 0.45 / (bars + 1.0), 0.5, bars / (bars + 1.0)))
        rows = range(len(products))
        starts = [0] * len(products)
        for severity, colour in SEVERITY_COLOURS.items():
            counts = [dict(p.by_severity).get(severity, 0) for p in products]
            if any(counts):
                axes.barh(
                    rows,
                    counts,
                    left=starts,
                    height=0.6,
                    color=colour,
                    edgecolor="#475569",
                    linewidth=0.4,
                    label=loc.word("level", severity.value),
                )
            starts = [s + c for s, c in zip(starts, counts, strict=True)]
        axes.set_yticks(list(rows), [p.product for p in products], fontsize=7)
        axes.tick_params(axis="x", labelsize=7)
        axes.xaxis.set_major_locator(MaxNLocator(integer=True))
        axes.invert_yaxis()
        axes.set_xlabel(loc.gettext("active findings"), fontsize=7)
        axes.spines[["top", "right"]].set_visible(False)
        facts = loc.gettext("KEV {kev} · fix known {fixable} · resolved {resolved}")
        for row, product in enumerate(products):
            axes.annotate(
                facts.format(kev=product.kev, fixable=product.fixable, resolved=product.suppressed),
                (1.0, row),
                xycoords=("axes fraction", "data"),
                xytext=(6, 0),
                textcoords="offset points",
                va="center",
                fontsize=7,
            )
        axes.legend(
            loc="lower left",
            bbox_to_anchor=(0.0, 1.0),
            ncols=6,
            frameon=False,
            fontsize=6.5,
            handlelength=1.0,
        )
        return svg_element(figure, "findings")


def _label(product: str, name: str) -> str:
    """The product's name and id, the name cut to fit beside the bars."""
    short = name if len(name) <= _NAME_WIDTH else name[: _NAME_WIDTH - 1] + "…"
    return f"{short} ({product})"


def _product_findings(product: str, findings: Sequence[Finding]) -> ProductFindings:
    active = [f for f in findings if f.active]
    severities = Counter(f.severity.level for f in active)
    return ProductFindings(
        product=product,
        by_severity=tuple((s, severities[s]) for s in SEVERITY_COLOURS),
        kev=sum(f.kev is not None for f in active),
        fixable=sum(bool(f.fixed_versions) for f in active),
        suppressed=len(findings) - len(active),
    )


@contextmanager
def drawing(loc: Localizer) -> Iterator[type[Figure]]:
    """matplotlib's `Figure` class, with the charts' settings in force (the fonts of `loc`'s
    language, as the page's) and the lock held."""
    import matplotlib as mpl
    from matplotlib.figure import Figure

    fonts = ["DejaVu Sans", "Noto Sans CJK SC", "sans-serif"]
    if loc.language is not Language.EN:
        fonts[:2] = fonts[1::-1]
    with (
        _LOCK,
        mpl.rc_context(
            {"svg.fonttype": "none", "svg.hashsalt": "chainreview", "font.family": fonts}
        ),
    ):
        yield Figure


def svg_element(figure: Figure, scope: str) -> str:
    """The figure as an `<svg>` element (no XML prolog or doctype, no date) whose element ids
    all start with `scope-`, so that two charts on one page never share an id."""
    from lxml import etree
    from matplotlib.backends.backend_svg import FigureCanvasSVG

    FigureCanvasSVG(figure)
    buffer = io.BytesIO()
    figure.savefig(
        buffer, format="svg", metadata={"Date": None}, bbox_inches="tight", pad_inches=0.04
    )
    root = etree.fromstring(buffer.getvalue(), etree.XMLParser(resolve_entities=False))
    for element in root.iter(etree.Element):
        for key, raw_value in element.attrib.items():
            name, value = str(key), str(raw_value)
            if name == "id":
                element.set(name, f"{scope}-{value}")
            elif name.endswith("href") and value.startswith("#"):
                element.set(name, f"#{scope}-{value[1:]}")
            elif "url(#" in value:
                element.set(name, value.replace("url(#", f"url(#{scope}-"))
    return etree.tostring(root, encoding="unicode")
