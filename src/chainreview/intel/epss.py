"""FIRST EPSS scores: the daily CSV (`epss_scores-YYYY-MM-DD.csv`, usually gzipped).

The file opens with a comment line naming the model and the score date,
`#model_version:v2023.03.01,score_date:2023-03-09T00:00:00+0000`, then the header
`cve,epss,percentile` and one row per CVE. Model version and score date are the same for every
row, so they go into the feed's attribution (and the score date into `newest`), not into each
record. A gzipped file is decompressed with a cap (`MAX_FEED_DECOMPRESSED_BYTES`). FIRST
publishes EPSS for free use without a formal open-data licence.
"""

from __future__ import annotations

import re
import zlib
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Final

from chainreview import limits
from chainreview.errors import LimitExceeded
from chainreview.intel._common import (
    Sink,
    as_text,
    check_header,
    csv_rows,
    first_of_each_key,
    head,
    iso_date,
    read_raw,
)
from chainreview.intel.interface import FeedData, FeedKind, IntelError

LICENCE: Final = "LicenseRef-FIRST-EPSS-Usage"
ATTRIBUTION: Final = (
    "Exploit Prediction Scoring System (EPSS), FIRST.org (https://www.first.org/epss)"
)

HEADER: Final = ("cve", "epss", "percentile")
_GZIP_MAGIC: Final = b"\x1f\x8b"
_COMMENT: Final = re.compile(r"#model_version:([^,]*),score_date:(\S*)")
_CVE: Final = re.compile(r"CVE-\d{4}-\d{4,}")


@dataclass(frozen=True, slots=True, kw_only=True)
class EpssScore:
    """A CVE's EPSS score: the probability (0–1) of exploitation activity in the next 30 days."""

    cve: str
    epss: float
    percentile: float
    """Share of all scored CVEs with the same or a lower score (0–1)."""

    @property
    def key(self) -> str:
        """The CVE id."""
        return self.cve

    def index_keys(self) -> Iterator[tuple[str, str]]:
        """Filed under `cve`."""
        yield ("cve", self.cve)


def sniff(path: Path) -> bool:
    """True for an EPSS CSV, plain or gzipped (by the comment or header line)."""
    data = head(path)
    if data.startswith(_GZIP_MAGIC):
        try:
            data = zlib.decompressobj(wbits=31).decompress(data, 4096)
        except zlib.error:
            return False
    return data.startswith(b"#model_version:") or data.startswith(b"cve,epss")


def read(path: Path, display: str) -> FeedData:
    """Read an EPSS scores CSV (`.csv` or `.csv.gz`)."""
    data = read_raw(path, display)
    if data.startswith(_GZIP_MAGIC):
        data = _gunzip(data, display)
    lines = csv_rows(as_text(data, display), display)
    first = next(lines, None)
    if first is None:
        raise IntelError(display, "empty file: expected the EPSS header", "line 1")
    sink = Sink(display)
    model, score_date = None, None
    if first[1] and first[1][0].startswith("#"):
        comment = _COMMENT.fullmatch(",".join(first[1]).strip())
        if comment is None:
            sink.warn("line 1", "comment line does not name model_version and score_date")
        else:
            model, score_date = comment[1], comment[2]
        first = next(lines, (2, []))
    else:
        sink.warn("line 1", "no #model_version/score_date line: model and date unknown")
    check_header(first[1], HEADER, display, first[0])
    scores = first_of_each_key(
        ((f"line {line}", score) for line, row in lines if (score := _score(row, line, sink))),
        sink,
    )
    about = f", model {model}, scores of {score_date}" if model else ""
    return FeedData(
        kind=FeedKind.EPSS,
        source="epss",
        records=scores,
        warnings=sink.warnings(),
        rejected=sink.rejected(),
        newest=iso_date(score_date),
        licence=LICENCE,
        attribution=ATTRIBUTION + about,
    )


def _gunzip(data: bytes, display: str) -> bytes:
    cap = limits.MAX_FEED_DECOMPRESSED_BYTES
    inflater = zlib.decompressobj(wbits=31)
    try:
        out = inflater.decompress(data, cap + 1)
    except zlib.error as exc:
        raise IntelError(display, f"not valid gzip: {exc}") from exc
    if len(out) > cap:
        raise LimitExceeded(display, f"decompresses to over the {cap:,}-byte limit")
    if not inflater.eof:
        raise IntelError(display, "truncated gzip stream")
    return out


def _score(row: list[str], line: int, sink: Sink) -> EpssScore | None:
    where = f"line {line}"
    if len(row) != len(HEADER):
        sink.reject(where, f"expected {len(HEADER)} columns, got {len(row)}")
        return None
    cve, epss, percentile = (cell.strip() for cell in row)
    try:
        values = float(epss), float(percentile)
    except ValueError:
        values = (-1.0, -1.0)
    if not _CVE.fullmatch(cve) or not all(0.0 <= value <= 1.0 for value in values):
        sink.reject(where, "needs a CVE id and epss and percentile numbers from 0 to 1")
        return None
    return EpssScore(cve=cve, epss=values[0], percentile=values[1])
