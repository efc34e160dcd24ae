"""The store's declarations as a portfolio (issue #16): records kept in the store (revision
0009) against every package read again (the path before it), in the same run.

For each N, a throwaway SQLite home gets N cases of one operator, each with one submission of
an example package (grid-storage and office-video-conferencing in turn), recorded with their
portfolio records. Then R times each, alternately: `stored_portfolio` (records loaded) against
the same portfolio read from every package (`declared_packages`, `read_records` of each,
`merge_declared`: what `stored_portfolio` did before), checked equal; and the product page's
`declared_product` (records loaded) against the same page on a submission whose records are not
kept yet (read from the package and kept: the pre-0009 read plus one write). CPU time
(`time.process_time`) and wall time, median and min; `uptime` before and after.

With `--before-src OLD/src` (e.g. `git archive` of main before revision 0009), each N is also
filled and timed in two processes of their own, one on that tree and one on this (records kept
on the first read there): `stored_portfolio` and the product page, old against new.

    python benchmarks/bench_portfolio_store.py [--cases 50,200] [--repeat R] [--before-src DIR]
"""

from __future__ import annotations

import argparse
import json
import os
import statistics
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable
from datetime import date
from pathlib import Path

from sqlalchemy import delete

from chainreview.case.access import Caller
from chainreview.case.packages import declared_packages
from chainreview.case.procedure import Opening, Role
from chainreview.case.rounds import submit_package
from chainreview.case.service import Opened, open_case
from chainreview.portfolio.product import declared_product
from chainreview.portfolio.stored import StoredPortfolio, merge_declared, stored_portfolio
from chainreview.store.db import Store, open_store

EXAMPLES = Path(__file__).parents[1] / "examples"
OPERATOR = "Qiuyuan Provincial Grid Dispatch Co., Ltd."
PACKAGES = (("grid-storage", "Veltrani"), ("office-video-conferencing", "Huiting"))
REVIEWER = Caller(name="reviewer", role=Role.REVIEWER, org=None)
GRID = Caller(name="grid", role=Role.APPLICANT, org=OPERATOR)


def _fill(store: Store, cases: int, *, keep: bool = True) -> list[str]:
    made = []
    for n in range(cases):
        example, vendor = PACKAGES[n % len(PACKAGES)]
        opened = Opened(
            regime="cn-crm-2022",
            title=f"{example} {n}",
            applicant=OPERATOR,
            vendor=vendor,
            opening=Opening.DECLARATION,
            on=date(2026, 11, 2),
        )
        case_id = open_case(store, opened, caller=GRID, home=None).case.id
        if keep:
            from chainreview.portfolio.kept import keep_records

            submit_package(store, case_id, EXAMPLES / example, caller=GRID, keep=keep_records)
        else:  # a tree from before revision 0009
            submit_package(store, case_id, EXAMPLES / example, caller=GRID)
        made.append(case_id)
    return made


def _reread(store: Store) -> StoredPortfolio:
    """The portfolio as `stored_portfolio` made it before revision 0009."""
    from chainreview.portfolio.kept import read_records

    declared = declared_packages(store, caller=REVIEWER)
    read = [(s.case_id, read_records(store, s, caller=REVIEWER)) for s in declared.submissions]
    return StoredPortfolio(
        portfolio=merge_declared(read, operator=OPERATOR),
        cases=tuple(case for case, _ in read),
        left_out=declared.left_out,
    )


def _timed(work: Callable[[], object]) -> tuple[float, float]:
    wall, cpu = time.perf_counter(), time.process_time()
    work()
    return time.perf_counter() - wall, time.process_time() - cpu


def _row(name: str, runs: list[tuple[float, float]], baseline: list[tuple[float, float]]) -> str:
    cpu = statistics.median(c for _, c in runs)
    base = statistics.median(c for _, c in baseline)
    wall = statistics.median(w for w, _ in runs)
    return (
        f"  {name:<48} CPU median {cpu * 1000:9.1f} ms (min {min(c for _, c in runs) * 1000:8.1f})"
        f"  wall median {wall * 1000:9.1f} ms   CPU / re-read {cpu / base:6.3f}"
    )


def _uptime() -> str:
    return subprocess.run(["uptime"], capture_output=True, text=True, check=False).stdout.strip()


def measure(cases: int, repeat: int) -> None:
    with (
        tempfile.TemporaryDirectory(prefix="bench-portfolio-store-") as home,
        open_store(None, home=Path(home)) as store,
    ):
        started = time.perf_counter()
        made = _fill(store, cases)
        print(f"N = {cases}: filled in {time.perf_counter() - started:.1f} s wall")
        assert stored_portfolio(store, caller=REVIEWER, operator=OPERATOR) == _reread(store)
        product = made[0]

        def forget() -> None:
            from chainreview.store.tables import PortfolioRecords

            with store.transaction("bench") as tx:
                tx.session.execute(
                    delete(PortfolioRecords).where(PortfolioRecords.case_id == product)
                )

        kept, reread, page, first = [], [], [], []
        for _ in range(repeat):
            kept.append(_timed(lambda: stored_portfolio(store, caller=REVIEWER, operator=OPERATOR)))
            reread.append(_timed(lambda: _reread(store)))
            page.append(_timed(lambda: declared_product(store, product, "P-ARRAY", caller=GRID)))
            forget()
            first.append(_timed(lambda: declared_product(store, product, "P-ARRAY", caller=GRID)))
        print(_row("stored_portfolio, every package read (before)", reread, reread))
        print(_row("stored_portfolio, records loaded (after)", kept, reread))
        print(_row("product page, package read and kept (before)", first, first))
        print(_row("product page, records loaded (after)", page, first))


def measure_tree(cases: int, repeat: int) -> None:
    """`stored_portfolio` and the product page of whichever tree is imported (with
    `--tree-only`, a tree from before revision 0009 given as `--before-src`), printed as JSON."""
    with (
        tempfile.TemporaryDirectory(prefix="bench-portfolio-tree-") as home,
        open_store(None, home=Path(home)) as store,
    ):
        product = _fill(store, cases, keep=False)[0]
        stored_portfolio(store, caller=REVIEWER, operator=OPERATOR)  # a later tree keeps records
        portfolio = [
            _timed(lambda: stored_portfolio(store, caller=REVIEWER, operator=OPERATOR))
            for _ in range(repeat)
        ]
        page = [
            _timed(lambda: declared_product(store, product, "P-ARRAY", caller=GRID))
            for _ in range(repeat)
        ]
    print(json.dumps({"portfolio": portfolio, "page": page}))


def _tree(source: str, cases: int, repeat: int) -> dict[str, list[tuple[float, float]]]:
    command = [sys.executable, __file__, "--tree-only", "--cases", str(cases)]
    command += ["--repeat", str(repeat)]
    done = subprocess.run(
        command,
        capture_output=True,
        text=True,
        check=True,
        env={**os.environ, "PYTHONPATH": source},
    )
    found: dict[str, list[tuple[float, float]]] = json.loads(done.stdout.splitlines()[-1])
    return found


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--cases", default="50,200", help="numbers of cases, comma-separated")
    parser.add_argument("--repeat", type=int, default=3)
    parser.add_argument(
        "--before-src",
        help="also time a tree from before revision 0009 (its src folder) in a process of its "
        "own, and this tree the same way in another",
    )
    parser.add_argument("--tree-only", action="store_true", help=argparse.SUPPRESS)
    args = parser.parse_args()
    numbers = [int(n) for n in args.cases.split(",")]
    if args.tree_only:
        measure_tree(numbers[0], args.repeat)
        return
    print(f"uptime before: {_uptime()}")
    for cases in numbers:
        measure(cases, args.repeat)
        if args.before_src:
            this = str(Path(__file__).parents[1] / "src")
            old, new = _tree(args.before_src, cases, args.repeat), _tree(this, cases, args.repeat)
            print(f"N = {cases}, each tree in its own process, records kept on first read:")
            print(_row("stored_portfolio, --before-src tree", old["portfolio"], old["portfolio"]))
            print(_row("stored_portfolio, this tree", new["portfolio"], old["portfolio"]))
            print(_row("product page, --before-src tree", old["page"], old["page"]))
            print(_row("product page, this tree", new["page"], old["page"]))
    print(f"uptime after:  {_uptime()}")


if __name__ == "__main__":
    main()
