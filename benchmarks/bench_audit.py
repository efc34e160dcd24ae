"""`verify_audit` over a long audit log (issue #14): target 100,000 entries in ≤ 2 s.

Builds a hash-chained log of N entries (default 100,000: case transitions over 500 cases, one
in seven without a case) in a throwaway SQLite home, or in the PostgreSQL database `--url`
names (its tables must not exist yet; drop them after), inserted in bulk past the store. Then
times `verify_audit` R times (median and min) against the baseline of the same run: a plain
`SELECT` of the same rows in the same order, fetched and thrown away (what reading the log
costs before any checking). Prints MET / MISSED and exits 0 either way.

    python benchmarks/bench_audit.py [--entries N] [--repeat R] [--url URL]
"""

from __future__ import annotations

import argparse
import statistics
import tempfile
import time
from collections.abc import Callable
from pathlib import Path

from sqlalchemy import create_engine, insert, select, update

from chainreview import canonical
from chainreview.store.audit import GENESIS, entry_hash, verify_audit
from chainreview.store.db import open_store
from chainreview.store.engines import database_url
from chainreview.store.tables import AuditEntry, AuditHead

TARGET_SECONDS = 2.0
TARGET_ENTRIES = 100_000


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--entries", type=int, default=TARGET_ENTRIES)
    parser.add_argument("--repeat", type=int, default=5)
    parser.add_argument("--url", default=None, help="a PostgreSQL URL (default: SQLite)")
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as home:
        store = open_store(args.url, home=Path(home))
        url = database_url(args.url, home=Path(home))
        started = time.perf_counter()
        _fill(url.render_as_string(hide_password=False), args.entries)
        print(
            f"{store.backend}: {args.entries:,} entries written in "
            f"{time.perf_counter() - started:.1f} s"
        )
        verdict = verify_audit(store)
        assert verdict.ok and verdict.checked == args.entries, verdict
        engine = create_engine(url)
        query = select(*AuditEntry.__table__.columns).order_by(AuditEntry.seq)

        def fetch_only() -> None:
            with engine.connect() as connection:
                for _ in connection.execution_options(yield_per=5000).execute(query):
                    pass

        baseline = _timed(fetch_only, args.repeat)
        verify = _timed(lambda: verify_audit(store), args.repeat)
        engine.dispose()
        store.close()
    for name, times in (("fetch only (baseline)", baseline), ("verify_audit", verify)):
        print(f"{name:>22}: median {statistics.median(times):.3f} s, min {min(times):.3f} s")
    print(f"verify / fetch: {statistics.median(verify) / statistics.median(baseline):.2f}x")
    scaled = statistics.median(verify) * TARGET_ENTRIES / args.entries
    verdict_text = "MET" if scaled <= TARGET_SECONDS else "MISSED"
    print(
        f"target {TARGET_ENTRIES:,} entries in <= {TARGET_SECONDS} s: {scaled:.2f} s "
        f"({'measured' if args.entries == TARGET_ENTRIES else 'scaled'}) {verdict_text}"
    )


def _fill(url: str, entries: int) -> None:
    engine = create_engine(url)
    prev, rows = GENESIS, []
    for seq in range(1, entries + 1):
        case_id = f"CR-2026-{seq % 500 + 1:04d}" if seq % 7 else None
        at = f"2026-03-02T09:{seq // 60 % 60:02d}:{seq % 60:02d}.000000Z"
        change = {"changes": {"state": ["submitted", "under-review"]}, "version": [seq, seq + 1]}
        payload = canonical.dumps(change).decode()
        digest = entry_hash(prev, seq, case_id, at, "reviewer-17", "case.transition", payload)
        rows.append(
            {
                "seq": seq,
                "case_id": case_id,
                "at": at,
                "actor": "reviewer-17",
                "action": "case.transition",
                "payload": payload,
                "prev_hash": prev,
                "hash": digest,
            }
        )
        prev = digest
    with engine.begin() as connection:
        for start in range(0, entries, 10_000):
            connection.execute(insert(AuditEntry), rows[start : start + 10_000])
        connection.execute(update(AuditHead).values(seq=entries, hash=prev))
    engine.dispose()


def _timed(work: Callable[[], object], repeat: int) -> list[float]:
    times = []
    for _ in range(repeat):
        started = time.perf_counter()
        work()
        times.append(time.perf_counter() - started)
    return times


if __name__ == "__main__":
    main()
