"""Chart drawing for the report (issue #15): matplotlib's SVG backend against pygal.

    python benchmarks/bench_charts.py [--repeat N] [--look DIR]

Each example package is reviewed once on a private temporary `CHAINREVIEW_HOME` with the bundled
snapshot (review date 2026-12-01), and the findings chart of its products (active findings
stacked by severity: `chainreview.report.charts.findings_chart`) is drawn N times with
matplotlib, the library the report uses, and N times with pygal (`HorizontalStackedBar`, the
same counts, colours and labels), alternately. Printed per example: median wall time of a warm
drawing and the SVG's size in bytes, for each, and the ratio matplotlib / pygal; then the cost of
importing each library, measured in a fresh interpreter. Then the two charts of a report (the
factor × level strip and the findings chart; pygal draws the strip as one stacked bar, a series
of one unit per factor in its level's colour, since it has no grid of labelled cells) of
`examples/grid-storage`, each library imported and both charts drawn in a fresh interpreter:
median wall time of N such processes, the import included, and the SVG bytes. With `--look DIR`
the pygal charts are also laid out by WeasyPrint as the report is (`layout_pdf`) into
`DIR/pygal-charts.pdf`, to look at with `pdftoppm`. No target: the figures are what the choice of
library in `benchmarks/README.md` rests on. The script always exits 0.
"""

from __future__ import annotations

import argparse
import json
import statistics
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable, Sequence
from datetime import date
from pathlib import Path
from typing import Final

from chainreview.levels import Level
from chainreview.report.charts import LEVEL_COLOURS, SEVERITY_COLOURS, ProductFindings

ROOT: Final = Path(__file__).resolve().parents[1]
EXAMPLES: Final = sorted(p.parent for p in (ROOT / "examples").glob("*/declaration.yaml"))
AS_OF: Final = date(2026, 12, 1)
REPEAT: Final = 20


def pygal_chart(products: Sequence[ProductFindings]) -> str:
    """The findings chart drawn by pygal: one stacked horizontal bar per product."""
    import pygal  # type: ignore[import-untyped]
    from pygal.style import Style  # type: ignore[import-untyped]

    style = Style(colors=tuple(SEVERITY_COLOURS.values()), font_family="DejaVu Sans")
    chart = pygal.HorizontalStackedBar(
        style=style,
        width=680,
        height=100 + 38 * len(products),
        disable_xml_declaration=True,
        legend_at_bottom=False,
        x_title="active findings",
        js=(),
    )
    chart.x_labels = [p.product for p in products]
    for severity in SEVERITY_COLOURS:
        chart.add(severity.value, [dict(p.by_severity).get(severity, 0) for p in products])
    svg: str = chart.render(is_unicode=True)
    return svg


def pygal_levels(levels: Sequence[tuple[str, Level]]) -> str:
    """The factor × level strip drawn by pygal: one bar, a one-unit series per factor coloured
    by its level (the level in words only in the legend)."""
    import pygal
    from pygal.style import Style

    style = Style(
        colors=tuple(LEVEL_COLOURS[level] for _, level in levels), font_family="DejaVu Sans"
    )
    chart = pygal.HorizontalStackedBar(
        style=style,
        width=680,
        height=140,
        disable_xml_declaration=True,
        show_y_labels=False,
        show_x_labels=False,
        legend_at_bottom=True,
        legend_at_bottom_columns=10,
        js=(),
    )
    for factor, level in levels:
        chart.add(f"{factor} {level.value}", [1])
    svg: str = chart.render(is_unicode=True)
    return svg


_COLD: Final = """
import json, sys, time
start = time.perf_counter()
sys.path.insert(0, {benchmarks!r})
from chainreview.levels import Level
from chainreview.report.charts import ProductFindings, findings_chart, level_strip
from chainreview.findings.model import Level as Severity
import bench_charts
levels = [(f, Level(v)) for f, v in json.loads({levels!r})]
products = [
    ProductFindings(product=p, by_severity=tuple((Severity(s), n) for s, n in b), kev=k, fixable=f,
                    suppressed=u)
    for p, b, k, f, u in json.loads({products!r})
]
if {library!r} == "matplotlib":
    svgs = level_strip(levels), findings_chart(products)
else:
    svgs = bench_charts.pygal_levels(levels), bench_charts.pygal_chart(products)
print(time.perf_counter() - start, sum(len(s.encode()) for s in svgs))
"""
"""A fresh interpreter drawing both charts of one report with one library: seconds from before
the imports, SVG bytes."""


def cold_ms(
    library: str,
    levels: Sequence[tuple[str, Level]],
    products: Sequence[ProductFindings],
    repeat: int,
) -> tuple[float, int]:
    """Median milliseconds (imports included) and SVG bytes of `repeat` fresh processes."""
    code = _COLD.format(
        benchmarks=str(ROOT / "benchmarks"),
        levels=json.dumps([(f, level.value) for f, level in levels]),
        products=json.dumps(
            [
                (
                    p.product,
                    [(s.value, n) for s, n in p.by_severity],
                    p.kev,
                    p.fixable,
                    p.suppressed,
                )
                for p in products
            ]
        ),
        library=library,
    )
    times, size = [], 0
    for _ in range(repeat):
        out = subprocess.run(
            [sys.executable, "-c", code], capture_output=True, text=True, check=True
        )
        seconds, size_text = out.stdout.split()
        times.append(float(seconds) * 1000)
        size = int(size_text)
    return statistics.median(times), size


def _median_ms(
    draw: Callable[[Sequence[ProductFindings]], str],
    products: Sequence[ProductFindings],
    repeat: int,
) -> tuple[float, int]:
    times, size = [], 0
    for _ in range(repeat):
        start = time.perf_counter()
        size = len(draw(products).encode())
        times.append((time.perf_counter() - start) * 1000)
    return statistics.median(times), size


def _import_ms(module: str) -> float:
    code = f"import time; t = time.perf_counter(); import {module}; print(time.perf_counter() - t)"
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    return float(out.stdout) * 1000


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--repeat", type=int, default=REPEAT)
    parser.add_argument("--look", type=Path, help="write the pygal charts' PDF into this folder")
    args = parser.parse_args(argv)

    from chainreview import review
    from chainreview.intel.bundled import ensure_snapshot
    from chainreview.report.charts import findings_chart, product_findings

    with tempfile.TemporaryDirectory() as home_dir:
        home = Path(home_dir)
        ensure_snapshot(home)
        print(
            f"{'example':<28} {'matplotlib ms':>13} {'bytes':>7} {'pygal ms':>9} {'bytes':>7}"
            f" {'time ×':>7} {'size ×':>7}"
        )
        for folder in EXAMPLES:
            products = product_findings(review(folder, home=home, as_of=AS_OF))
            if not any(sum(n for _, n in p.by_severity) for p in products):
                print(f"{folder.name:<28} no active finding: no chart")
                continue
            findings_chart(products), pygal_chart(products)  # warm: imports, font caches
            mpl_ms, mpl_bytes = _median_ms(findings_chart, products, args.repeat)
            pg_ms, pg_bytes = _median_ms(pygal_chart, products, args.repeat)
            print(
                f"{folder.name:<28} {mpl_ms:>13.1f} {mpl_bytes:>7,} {pg_ms:>9.1f} {pg_bytes:>7,}"
                f" {mpl_ms / pg_ms:>7.2f} {mpl_bytes / pg_bytes:>7.2f}"
            )
            if folder.name == "grid-storage":
                report = review(folder, home=home, as_of=AS_OF)
                levels = [(a.factor_id, a.level) for a in report.determination.assessments]
                cold = (products, levels)
    for module in ("matplotlib.figure, matplotlib.backends.backend_svg", "pygal"):
        print(f"import {module}: {_import_ms(module):.0f} ms (fresh interpreter)")
    products, levels = cold
    runs = max(3, args.repeat // 4)
    print(f"both charts of grid-storage in a fresh interpreter, imports included ({runs} runs):")
    for library in ("matplotlib", "pygal"):
        ms, size = cold_ms(library, levels, products, runs)
        print(f"  {library}: median {ms:.0f} ms, SVG {size:,} bytes")
    if args.look:
        from chainreview.report.pdf import layout_pdf

        page = (
            "<!DOCTYPE html><html><body><h2>pygal</h2>"
            f"<figure>{pygal_levels(levels)}</figure><figure>{pygal_chart(products)}</figure>"
            "</body></html>"
        )
        args.look.mkdir(parents=True, exist_ok=True)
        (args.look / "pygal-charts.pdf").write_bytes(layout_pdf(page))
        print(f"pygal's charts laid out by WeasyPrint: {args.look / 'pygal-charts.pdf'}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
