"""endoflife.date release cycles: when each cycle of a product was released and loses support.

Two API shapes are read:

* v0, `/api/<product>.json`: a list of cycles `{cycle, releaseDate, eol, latest,
  latestReleaseDate, lts, support, extendedSupport, …}`, where `eol`, `lts`, `support` and
  `extendedSupport` are each a date or a boolean. The product name is the file's stem.
* v1, `/api/v1/products/<product>/`: `{"result": {"name", "releases": [{name, releaseDate,
  isLts, ltsFrom, isEol, eolFrom, isEoas, eoasFrom, isMaintained, latest: {name, date}}]}}`.

Both become `EolCycle`. The endoflife.date data is MIT-licensed.
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Final

from chainreview.intel._common import (
    Fields,
    Sink,
    first_of_each_key,
    head,
    iso_date,
    newest,
    pointer,
    read_json,
)
from chainreview.intel.interface import FeedData, FeedKind, IntelError

LICENCE: Final = "MIT"
ATTRIBUTION: Final = "endoflife.date contributors (https://endoflife.date)"


@dataclass(frozen=True, slots=True, kw_only=True)
class EolCycle:
    """One release cycle of a product and its support dates."""

    product: str
    cycle: str
    release_date: str | None = None
    eol: bool | None = None
    """Whether the cycle is end-of-life (as of `eol_date` when given, else as the feed says)."""
    eol_date: str | None = None
    """ISO date support ends (ended), when the feed gives one."""
    support_until: str | None = None
    """ISO date active support ends, when the feed gives one."""
    latest: str | None = None
    latest_release_date: str | None = None
    lts: bool | None = None
    maintained: bool | None = None
    """v1 `isMaintained`; None in v0 data."""

    @property
    def key(self) -> str:
        """`<product>@<cycle>`."""
        return f"{self.product}@{self.cycle}"

    def index_keys(self) -> Iterator[tuple[str, str]]:
        """Filed under `product`, so every cycle of a product is found by its name."""
        yield ("product", self.product)


def sniff(path: Path) -> bool:
    """True for an endoflife.date v0 cycle list or v1 product document."""
    data = head(path).lstrip()
    if data.startswith(b"["):
        return b'"cycle"' in data and b'"eol"' in data
    return data.startswith(b"{") and b'"releases"' in data and b'"isEol"' in data


def read(path: Path, display: str) -> FeedData:
    """Read a v0 (`<product>.json`, product from the file stem) or v1 product document."""
    doc = read_json(path, display)
    sink = Sink(display)
    if isinstance(doc, list):
        product = path.name.removesuffix(".json")
        items = [(pointer(i), value) for i, value in enumerate(doc)]
        convert = _v0
    elif isinstance(doc, dict) and isinstance(doc.get("result"), dict):
        result = Fields(doc["result"], "/result", sink)
        product = result.text("name") or path.name.removesuffix(".json")
        items = [
            (pointer("result", "releases", i), v) for i, v in enumerate(result.array("releases"))
        ]
        convert = _v1
    else:
        raise IntelError(display, "not endoflife.date data: expected a cycle list or a result")
    cycles: list[tuple[str, EolCycle]] = []
    for where, value in items:
        if not isinstance(value, dict):
            sink.reject(where, "a cycle must be an object")
            continue
        cycle = convert(product, Fields(value, where, sink))
        if cycle is not None:
            cycles.append((where, cycle))
    records = first_of_each_key(cycles, sink)
    return FeedData(
        kind=FeedKind.EOL,
        source=f"eol:{product}",
        records=records,
        warnings=sink.warnings(),
        rejected=sink.rejected(),
        newest=newest([c.latest_release_date or c.release_date for c in records]),
        licence=LICENCE,
        attribution=ATTRIBUTION,
    )


def _date_or_flag(item: Fields, key: str) -> tuple[bool | None, str | None]:
    """A v0 field that is a date or a boolean: (flag, date); a date implies nothing about now."""
    value = item.value.get(key)
    if isinstance(value, bool):
        return value, None
    if isinstance(value, str):
        when = iso_date(value)
        if when is None:
            item.sink.warn(f"{item.where}/{key}", f"expected a date or a boolean, got {value!r}")
        return None, when
    if value is not None:
        item.sink.warn(f"{item.where}/{key}", "expected a date or a boolean")
    return None, None


def _cycle_name(item: Fields, key: str) -> str | None:
    value = item.value.get(key)
    if isinstance(value, (str, int, float)) and not isinstance(value, bool) and str(value):
        return str(value)
    item.sink.reject(item.where, f"no {key!r} naming the cycle")
    return None


def _v0(product: str, item: Fields) -> EolCycle | None:
    cycle = _cycle_name(item, "cycle")
    if cycle is None:
        return None
    eol, eol_date = _date_or_flag(item, "eol")
    lts, lts_date = _date_or_flag(item, "lts")
    _support, support_date = _date_or_flag(item, "support")
    return EolCycle(
        product=product,
        cycle=cycle,
        release_date=iso_date(item.text("releaseDate")),
        eol=eol,
        eol_date=eol_date,
        support_until=support_date,
        latest=item.text("latest"),
        latest_release_date=iso_date(item.text("latestReleaseDate")),
        lts=True if lts_date else lts,
    )


def _v1(product: str, item: Fields) -> EolCycle | None:
    cycle = _cycle_name(item, "name")
    if cycle is None:
        return None
    latest = item.at("latest")
    return EolCycle(
        product=product,
        cycle=cycle,
        release_date=iso_date(item.text("releaseDate")),
        eol=item.flag("isEol"),
        eol_date=iso_date(item.text("eolFrom")),
        support_until=iso_date(item.text("eoasFrom")),
        latest=latest.text("name"),
        latest_release_date=iso_date(latest.text("date")),
        lts=item.flag("isLts"),
        maintained=item.flag("isMaintained"),
    )
