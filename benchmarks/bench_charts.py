"""Chart drawing for the report (issue #15): matplotlib's SVG backend against pygal.

    python benchmarks/bench_charts.py [--repeat N]

Each example package is reviewed once on a private temporary `CHAINREVIEW_HOME` with the bundled
snapshot (review date 2026-12-01), and the findings chart of its products (active findings
stacked by severity: `chainreview.report.charts.findings_chart`) is drawn N times with
matplotlib, the library the report uses, and N times with pygal (`HorizontalStackedBar`, the
same counts, colours and labels), alternately. Printed per example: median wall time of a warm
drawing and the SVG's size in bytes, for each, and the ratio matplotlib / pygal; then the cost of
importing each library, measured in a fresh interpreter. No target: the figures are what the
choice of library in `docs/report.md` rests on. The script always exits 0.
"""

from __future__ import annotations

import argparse
import statistics
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable, Sequence
from datetime import date
from pathlib import Path
from typing import Final

from chainreview.report.charts import SEVERITY_COLOURS, ProductFindings

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
    for module in ("matplotlib.figure, matplotlib.backends.backend_svg", "pygal"):
        print(f"import {module}: {_import_ms(module):.0f} ms (fresh interpreter)")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
