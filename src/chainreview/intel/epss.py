"""FIRST EPSS scores: the daily CSV (`epss_scores-YYYY-MM-DD.csv`, usually gzipped).

The file opens with a comment line naming the model and the score date,
`#model_version:v2023.03.01,score_date:2023-03-09T00:00:00+0000`, then the header
`cve,epss,percentile` and one row per CVE. Model version and score date are the same for every
row, so they go into the feed's attribution (and the score date into `newest`), not into each
record. The file is read a line at a time, a gzipped one decompressed as it comes with the bytes
counted against `MAX_FEED_DECOMPRESSED_BYTES`, and each score goes to a `Spool` on disk: memory
stays flat whatever the number of rows. FIRST publishes EPSS for free use without a formal
open-data licence.
"""

from __future__ import annotations

import re
import struct
import zlib
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Final

from chainreview.intel._common import (
    Sink,
    batched,
    check_header,
    csv_rows,
    head,
    iso_date,
    text_lines,
)
from chainreview.intel.interface import FeedData, FeedKind, IntelError
from chainreview.intel.spool import Spool

LICENCE: Final = "LicenseRef-FIRST-EPSS-Usage"
ATTRIBUTION: Final = (
    "Exploit Prediction Scoring System (EPSS), FIRST.org (https://www.first.org/epss)"
)

HEADER: Final = ("cve", "epss", "percentile")
_GZIP_MAGIC: Final = b"\x1f\x8b"
_COMMENT: Final = re.compile(r"#model_version:([^,]*),score_date:(\S*)")
_CVE: Final = re.compile(r"CVE-\d{4}-\d{4,}")
_BATCH: Final = 1024
"""Scores stored in the spool at a time."""
_STORED: Final = struct.Struct("<dd")
"""How a score and its percentile are kept in the spool."""


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
    lines = csv_rows(text_lines(path, display), display)
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
    scores: Spool[EpssScore] = Spool(_decode)
    for batch in batched(_scores(lines, sink), _BATCH):
        stored = [(score.cve, _STORED.pack(score.epss, score.percentile)) for _, score in batch]
        for position in scores.add_first(stored):
            line, score = batch[position]
            sink.reject(
                f"line {line}", f"{score.cve} is listed twice; the first is kept", "duplicate"
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


def _scores(lines: Iterator[tuple[int, list[str]]], sink: Sink) -> Iterator[tuple[int, EpssScore]]:
    for line, row in lines:
        score = _score(row, line, sink)
        if score is not None:
            yield line, score


def _decode(cve: str, body: bytes) -> EpssScore:
    epss, percentile = _STORED.unpack(body)
    return EpssScore(cve=cve, epss=epss, percentile=percentile)


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
