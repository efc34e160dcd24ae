"""Report rendering speed (issue #15): the HTML and the PDF report of each example.

    python benchmarks/bench_report.py [--repeat N] [--lang en|zh-CN ...]

Through the public library API on a private temporary `CHAINREVIEW_HOME` with the bundled
snapshot installed: each example package (each folder of `examples/` with a `declaration.yaml`)
is reviewed once (review date 2026-12-01), then its result is rendered as HTML
(`review_formats(lang)["html"]`) and as PDF (`review_formats(lang)["pdf"]`), N times each,
alternately, in each language asked for (default: English and Chinese). The
baseline, measured in the same run, is the HTML render alone: the PDF lays out that same page,
so the ratio is what WeasyPrint adds. The very first PDF of the process, which imports
WeasyPrint and loads the fonts, is printed apart. Figures: median and min wall time, and median
CPU time of the process (the machines are shared and noisy: CPU time shows what the render
costs when other work slows the wall clock). Target: PDF ≤ 3 s (median wall) per example,
printed MET / MISSED; the script always exits 0.

Then a 10,000-component product (`--size N`; 0 skips it): the package `bench_review.py`
generates (seeded; one CycloneDX SBOM of real components of the shared data's real SBOMs and
real (package, version) pairs of the PyPA and Go advisories, with an OpenVEX document of 5,000
statements), reviewed once, its HTML and PDF rendered once each in English (`--big-repeat`),
with their sizes, page count (`pdfinfo`) and number of findings, and the HTML with every finding
(`review --all`). The PDF lists each product's `PDF_FINDING_ROWS` most urgent findings, the
HTML its `HTML_FINDING_ROWS` (uncapped, the 10,000-component product's HTML was 30.6 MB);
uncapped, a 1,000-component
product's 2,961 findings took 502 pages and 186 s (75 s CPU), and the 10,000-component one was
stopped after 22 minutes at 7.4 GB resident. Informational: the issue sets no target for it.
Data: `$CHAINREVIEW_SHARED_DATA` (default `../shared/data`).
"""

from __future__ import annotations

import argparse
import dataclasses
import io
import os
import statistics
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from datetime import date
from pathlib import Path
from typing import TYPE_CHECKING, Final

if TYPE_CHECKING:
    from chainreview import Reviewer, Scanner
    from chainreview.reviewer import ReviewResult

ROOT: Final = Path(__file__).resolve().parents[1]
EXAMPLES: Final = sorted(p.parent for p in (ROOT / "examples").glob("*/declaration.yaml"))
AS_OF: Final = date(2026, 12, 1)
TARGET_SECONDS: Final = 3.0
REPEAT: Final = 5
BIG: Final = 10_000


@dataclass(frozen=True, slots=True)
class Stats:
    """Wall and CPU seconds of N runs."""

    median: float
    least: float
    cpu: float
    """Median CPU seconds of the process."""


def timed(action: Callable[[], int], repeat: int, other: Callable[[], int]) -> tuple[Stats, Stats]:
    """`action` and `other`, `repeat` times each, alternately: their wall and CPU times."""
    walls: tuple[list[float], list[float]] = ([], [])
    cpus: tuple[list[float], list[float]] = ([], [])
    for _ in range(repeat):
        for index, call in enumerate((action, other)):
            start, start_cpu = time.perf_counter(), time.process_time()
            call()
            walls[index].append(time.perf_counter() - start)
            cpus[index].append(time.process_time() - start_cpu)
    return _stats(walls[0], cpus[0]), _stats(walls[1], cpus[1])


def _stats(walls: list[float], cpus: list[float]) -> Stats:
    return Stats(statistics.median(walls), min(walls), statistics.median(cpus))


def writer(
    name: str, result: ReviewResult, language: str = "en", every_row: bool = False
) -> Callable[[], int]:
    """A call writing `result` in the review format `name` and `language` (the HTML with every
    finding when `every_row`); returns the bytes written."""
    from chainreview.formats import review_formats

    formats = review_formats(language, every_row=every_row)

    def write() -> int:
        buffer = io.BytesIO()
        formats[name].write(result, buffer)
        return len(buffer.getvalue())

    return write


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument(
        "--repeat", type=int, default=REPEAT, help=f"runs of each render (default {REPEAT})"
    )
    parser.add_argument(
        "--lang",
        action="append",
        choices=("en", "zh-CN"),
        help="report language (repeatable; default: en and zh-CN)",
    )
    parser.add_argument(
        "--size", type=int, default=BIG, help=f"components of the big product (default {BIG:,})"
    )
    parser.add_argument(
        "--big-repeat", type=int, default=1, help="runs of each render of the big product"
    )
    args = parser.parse_args(argv)
    languages = args.lang or ["en", "zh-CN"]
    repeat = max(1, args.repeat)

    import chainreview

    print(
        f"chainreview {chainreview.__version__}, Python {sys.version.split()[0]}, "
        f"{os.cpu_count()} CPU(s), load average {os.getloadavg()[0]:.1f}, "
        f"{date.today().isoformat()}; {repeat} runs of each render"
    )
    rows: list[tuple[str, Stats, Stats, bool]] = []
    with tempfile.TemporaryDirectory(prefix="chainreview-bench-report-") as folder:
        os.environ["CHAINREVIEW_HOME"] = folder
        with chainreview.open_snapshot(Path(folder), install_bundled=True) as snapshot:
            reviewer = chainreview.Reviewer(snapshot)
            results = {p.name: reviewer.review(p, as_of=AS_OF) for p in EXAMPLES}
            big = (
                None
                if args.size <= 0
                else big_product(reviewer, chainreview.Scanner(snapshot), args.size, folder)
            )
        first = next(iter(results.values()))
        start = time.perf_counter()
        writer("pdf", first)()
        print(
            f"first PDF of the process ({EXAMPLES[0].name}; WeasyPrint imported, fonts loaded): "
            f"{time.perf_counter() - start:.2f} s"
        )
        for (name, result), language in (
            (item, language) for item in results.items() for language in languages
        ):
            html, pdf = writer("html", result, language), writer("pdf", result, language)
            sizes = html(), pdf()
            pdf_time, html_time = timed(pdf, repeat, html)
            name = f"{name} [{language}]"
            print(
                f"  {name}: {result.determination.outcome}, HTML {sizes[0]:,} B, PDF "
                f"{sizes[1]:,} B; HTML median {html_time.median:.3f} s (min "
                f"{html_time.least:.3f}, CPU {html_time.cpu:.3f}); PDF median "
                f"{pdf_time.median:.2f} s (min {pdf_time.least:.2f}, CPU {pdf_time.cpu:.2f}); "
                f"PDF/HTML {pdf_time.median / html_time.median:.0f}×"
            )
            rows.append((name, pdf_time, html_time, pdf_time.median <= TARGET_SECONDS))
    if big is not None:
        measure_big(big, max(1, args.big_repeat))
    print(f"\n{'target':<54} {'PDF median':>10} {'HTML median':>11}  result")
    for name, pdf_time, html_time, met in rows:
        print(
            f"{name + f': PDF ≤ {TARGET_SECONDS:.0f} s':<54} {pdf_time.median:>9.2f}s "
            f"{html_time.median:>10.3f}s  {'MET' if met else 'MISSED'}"
        )
    return 0


def big_product(reviewer: Reviewer, scanner: Scanner, size: int, folder: str) -> ReviewResult:
    """The review of `bench_review.py`'s generated package of `size` components."""
    import bench_review

    mode = dataclasses.replace(bench_review.FULL, size=size, statements=size // 2)
    package = Path(folder) / "big"
    package.mkdir()
    generated = bench_review.generate(package, scanner, mode)
    print(
        f"big product: {generated.components:,} components ({generated.real:,} of real SBOMs, "
        f"{generated.drawn:,} advisory (package, version) pairs), {generated.statements:,} VEX "
        "statements"
    )
    return reviewer.review(package, as_of=AS_OF)


def measure_big(result: ReviewResult, repeat: int) -> None:
    """The big product's HTML and PDF render times, sizes and pages (HTML printed first: the
    PDF takes minutes)."""
    from chainreview.formats import review_formats
    from chainreview.report.html import HTML_FINDING_ROWS
    from chainreview.report.pdf import PDF_FINDING_ROWS

    (product,) = result.products
    html, pdf = writer("html", result), writer("pdf", result)
    every = writer("html", result, every_row=True)
    html_time = timed(html, repeat, lambda: 0)[0]
    every_time = timed(every, repeat, lambda: 0)[0]
    print(
        f"  big product [en]: {result.determination.outcome}, {len(product.findings):,} findings "
        f"({sum(f.active for f in product.findings):,} active), "
        f"{len(product.indeterminate):,} indeterminate; HTML (the {HTML_FINDING_ROWS:,} most "
        f"urgent findings) {html():,} B, median {html_time.median:.2f} s (CPU "
        f"{html_time.cpu:.2f}); HTML with --all (every finding) {every():,} B, median "
        f"{every_time.median:.2f} s (CPU {every_time.cpu:.2f})",
        flush=True,
    )
    pdf_time = timed(pdf, repeat, lambda: 0)[0]
    with tempfile.NamedTemporaryFile(suffix=".pdf") as out:
        review_formats("en")["pdf"].write(result, out)
        out.flush()
        size = out.tell()
        info = subprocess.run(["pdfinfo", out.name], capture_output=True, text=True).stdout
    pages = next((line.split()[-1] for line in info.splitlines() if line.startswith("Pages:")), "?")
    print(
        f"  big product [en]: PDF (the {PDF_FINDING_ROWS} most urgent findings) {size:,} B, "
        f"{pages} pages, median {pdf_time.median:.1f} s (CPU {pdf_time.cpu:.1f})"
    )


if __name__ == "__main__":
    raise SystemExit(main())
