"""Cases at office scale (issue #14): the case list with each deadline, one case's page, and
`audit verify`, over N cases with three review rounds each.

Builds N cases (default 1,000) through the library, on a throwaway SQLite home or the
PostgreSQL database `--url` names (empty; drop its tables after). Each case is opened on a
declaration and taken through the procedure to a running clock (check, accept; one in three
also has materials requested and supplied, one in five is decided for review), holds one
submission of a small real package (`examples/office-video-conferencing`) and three rounds
whose `result.json` is that package's real review (made once, on the bundled snapshot). Then
times, R times each (median and min):

* `list_case_views`: every case with its state and deadline (`chainreview case list`);
* a case page: `view_case` of one case and its rounds (`chainreview case show`);
* `verify_audit` over the whole log.

The baseline, in the same run, is a plain `SELECT` of every case row (what listing costs before
any procedure is replayed). Targets: list and page ≤ 50 ms, verify ≤ 2 s up to 100,000 entries
(scaled beyond; `bench_audit.py` measures 100,000). Prints MET / MISSED and exits 0 either way.

    python benchmarks/bench_cases.py [--cases N] [--repeat R] [--url URL] [--quick]
"""

from __future__ import annotations

import argparse
import io
import statistics
import tempfile
import time
from collections.abc import Callable
from datetime import date, timedelta
from pathlib import Path

from sqlalchemy import select

import chainreview
from chainreview.case.access import Caller
from chainreview.case.procedure import Opening, Role
from chainreview.case.service import (
    Opened,
    Step,
    list_case_views,
    open_case,
    take_action,
    view_case,
)
from chainreview.store import files, rounds
from chainreview.store.audit import verify_audit
from chainreview.store.db import Store, open_store
from chainreview.store.tables import Case

PACKAGE = Path(__file__).resolve().parents[1] / "examples" / "office-video-conferencing"
TARGET_LIST_SECONDS = 0.050
TARGET_PAGE_SECONDS = 0.050
TARGET_VERIFY_SECONDS_PER_100K = 2.0
OFFICE = Caller(name="bench-reviewer", role=Role.REVIEWER, org=None)
"""The list and page are read as a reviewer: the office sees every case."""
SNAPSHOT_HASH = "5" * 64
"""The snapshot hash the rounds name (the rounds' bytes are real; no snapshot is opened)."""


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--cases", type=int, default=1000)
    parser.add_argument("--repeat", type=int, default=5)
    parser.add_argument("--url", default=None, help="a PostgreSQL URL (default: SQLite)")
    parser.add_argument("--quick", action="store_true", help="200 cases, 3 runs")
    args = parser.parse_args()
    count, repeat = (200, 3) if args.quick else (args.cases, args.repeat)
    with tempfile.TemporaryDirectory() as scratch:
        result = reviewed_result(Path(scratch) / "intel-home")
        store = open_store(args.url, home=Path(scratch))
        started = time.perf_counter()
        ids = fill_cases(store, count, result)
        print(
            f"{store.backend}: {count:,} cases, 3 rounds each ({len(result):,}-byte result.json), "
            f"built in {time.perf_counter() - started:.1f} s"
        )
        today = date(2026, 12, 7)
        baseline = _timed(lambda: _select_cases(store), repeat)
        listed = _timed(
            lambda: list_case_views(store, caller=OFFICE, today=today, home=None), repeat
        )
        page = _timed(lambda: _page(store, ids[len(ids) // 2], today), repeat)
        entries = verify_audit(store).checked
        verify = _timed(lambda: verify_audit(store), repeat)
        store.close()
    verify_target = TARGET_VERIFY_SECONDS_PER_100K * max(1.0, entries / 100_000)
    rows = [
        ("case list with deadlines", listed, TARGET_LIST_SECONDS),
        ("case page (state, clock, rounds)", page, TARGET_PAGE_SECONDS),
        (f"audit verify, {entries:,} entries", verify, verify_target),
    ]
    print(
        f"baseline: SELECT of every case row {baseline[0] * 1000:.1f} ms ({baseline[1] * 1000:.1f})"
    )
    for name, (median, low), target in rows:
        ratio = median / baseline[0] if baseline[0] else float("inf")
        verdict = "MET" if median <= target else "MISSED"
        print(
            f"  {name:<36} {median * 1000:8.1f} ms ({low * 1000:.1f})  "
            f"{ratio:6.1f}× baseline  target ≤ {target * 1000:.0f} ms  {verdict}"
        )


def reviewed_result(home: Path) -> bytes:
    """The real result.json of the package, reviewed once on the bundled snapshot."""
    with chainreview.open_snapshot(home, install_bundled=True) as snapshot:
        result = chainreview.Reviewer(snapshot).review(PACKAGE, as_of=date(2026, 11, 30))
    buffer = io.BytesIO()
    chainreview.REVIEW_FORMATS["json"].write(result, buffer)
    return buffer.getvalue()


def fill_cases(store: Store, count: int, result: bytes) -> list[str]:
    package = {
        p.relative_to(PACKAGE).as_posix(): p.read_bytes() for p in PACKAGE.rglob("*") if p.is_file()
    }
    ids = []
    for n in range(count):
        opened_on = date(2026, 1, 5) + timedelta(days=n % 300)
        opened = Opened(
            regime="cn-crm-2022",
            title=f"Purchase {n}",
            applicant=f"Operator {n % 40}",
            vendor=f"Vendor {n % 90}",
            opening=Opening.DECLARATION,
            on=opened_on,
        )
        operator = Caller(name="bench-operator", role=Role.APPLICANT, org=opened.applicant)
        case_id = open_case(store, opened, caller=operator, home=None).case.id
        steps = [("check", Role.REVIEWER, 1), ("accept", Role.REVIEWER, 2)]
        if n % 3 == 0:
            steps += [
                ("request-materials", Role.REVIEWER, 4),
                ("supply-materials", Role.APPLICANT, 9),
            ]
        if n % 5 == 0:
            steps.append(("decide-review", Role.REVIEWER, 12))
        for action, role, days in steps:
            step = Step(action=action, on=opened_on + timedelta(days=days))
            who = operator if role is Role.APPLICANT else OFFICE
            take_action(store, case_id, step, caller=who, expected_version=None, home=None)
        with store.transaction("bench") as tx:
            submission = files.submit(tx, case_id, package).number
            for _ in range(3):
                rounds.add_round(
                    tx,
                    case_id,
                    submission=submission,
                    snapshot_hash=SNAPSHOT_HASH,
                    result_json=result,
                )
        ids.append(case_id)
    return ids


def _select_cases(store: Store) -> None:
    with store.transaction("bench") as tx:
        list(tx.session.execute(select(*Case.__table__.columns)))


def _page(store: Store, case_id: str, today: date) -> None:
    view_case(store, case_id, caller=OFFICE, today=today, home=None)
    with store.transaction("bench") as tx:
        rounds.list_rounds(tx, case_id)


def _timed(action: Callable[[], object], repeat: int) -> tuple[float, float]:
    action()  # warm: imports, calendars, the workflow
    times = []
    for _ in range(repeat):
        started = time.perf_counter()
        action()
        times.append(time.perf_counter() - started)
    return statistics.median(times), min(times)


if __name__ == "__main__":
    main()
