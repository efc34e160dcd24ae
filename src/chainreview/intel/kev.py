"""CISA Known Exploited Vulnerabilities (KEV) catalogue, from its JSON or its CSV.

The JSON is validated against CISA's own schema (bundled in `intel/schemas/`): a violation inside
one vulnerability rejects that entry, a violation of the catalogue itself refuses the file. The
CSV must start with CISA's exact header. KEV data is CC0-1.0.
"""

from __future__ import annotations

import functools
import re
from collections import defaultdict
from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from importlib import resources
from pathlib import Path
from typing import Any, Final

import orjson
from jsonschema import FormatChecker
from jsonschema.exceptions import ValidationError
from jsonschema.protocols import Validator
from jsonschema.validators import validator_for

from chainreview.intel._common import (
    Sink,
    check_header,
    csv_rows,
    first_of_each_key,
    head,
    iso_date,
    json_object,
    newest,
    pointer,
    read_json,
    text_lines,
)
from chainreview.intel.interface import FeedData, FeedKind, IntelError

LICENCE: Final = "CC0-1.0"
ATTRIBUTION: Final = "CISA Known Exploited Vulnerabilities Catalog (https://www.cisa.gov/kev)"

CSV_HEADER: Final = (
    "cveID",
    "vendorProject",
    "product",
    "vulnerabilityName",
    "dateAdded",
    "shortDescription",
    "requiredAction",
    "dueDate",
    "knownRansomwareCampaignUse",
    "notes",
    "cwes",
)
"""The CSV's header line, exactly as CISA writes it."""

_SCHEMA: Final = "known_exploited_vulnerabilities_schema.json"
_CATALOGUE_VERSION: Final = re.compile(rb'"catalogVersion"\s*:\s*"')
"""A catalogue's version is a string; CISA's JSON schema, which names the field, has an object."""


@dataclass(frozen=True, slots=True, kw_only=True)
class KevEntry:
    """One catalogued vulnerability: CISA has evidence it is exploited in the wild."""

    cve_id: str
    vendor_project: str
    product: str
    name: str
    """CISA's `vulnerabilityName`."""
    description: str
    date_added: str
    """ISO date the CVE entered the catalogue."""
    due_date: str
    """ISO date by which US federal agencies must act (BOD 22-01)."""
    known_ransomware: bool
    """True when CISA marks `knownRansomwareCampaignUse` as `Known` (else `Unknown`)."""
    required_action: str
    notes: str = ""
    cwes: tuple[str, ...] = ()

    @property
    def key(self) -> str:
        """The CVE id."""
        return self.cve_id

    def index_keys(self) -> Iterator[tuple[str, str]]:
        """Filed under `cve`, so a finding's CVE finds its KEV entry."""
        yield ("cve", self.cve_id)


def sniff(path: Path) -> bool:
    """True for a KEV JSON catalogue or a KEV CSV (by its header line)."""
    data = head(path)
    if data.lstrip().startswith(b"{"):
        return _CATALOGUE_VERSION.search(data) is not None and b'"vulnerabilities"' in data
    return data.startswith(",".join(CSV_HEADER).encode())


def read(path: Path, display: str) -> FeedData:
    """Read the KEV catalogue from its JSON or CSV form (told apart by the first character)."""
    if head(path).lstrip().startswith(b"{"):
        return _read_json(read_json(path, display), display)
    return _read_csv(text_lines(path, display), display)


# --- JSON ----------------------------------------------------------------------------------


@functools.cache
def _validator() -> Validator:
    schema = orjson.loads((resources.files("chainreview.intel") / "schemas" / _SCHEMA).read_bytes())
    validator: Validator = validator_for(schema)(
        schema, format_checker=FormatChecker(formats=("date",))
    )
    return validator


def _message(error: ValidationError) -> str:
    text = " ".join(error.message.split())
    return text if len(text) <= 200 else text[:199] + "…"


def _read_json(value: Any, display: str) -> FeedData:
    doc = json_object(value, display, "a KEV catalogue")
    sink = Sink(display)
    bad_entries: dict[int, list[str]] = defaultdict(list)
    for error in _validator().iter_errors(doc):
        path = list(error.absolute_path)
        if len(path) >= 2 and path[0] == "vulnerabilities" and isinstance(path[1], int):
            bad_entries[path[1]].append(f"{pointer(*path)}: {_message(error)}")
        else:
            raise IntelError(display, f"not a KEV catalogue: {_message(error)}", pointer(*path))
    released = iso_date(doc["dateReleased"])
    if released is None:
        raise IntelError(display, "dateReleased is not an ISO date-time", "/dateReleased")
    entries: list[tuple[str, KevEntry]] = []
    for index, item in enumerate(doc["vulnerabilities"]):
        where = pointer("vulnerabilities", index)
        if index in bad_entries:
            sink.reject(where, "schema: " + "; ".join(bad_entries[index]), "schema")
        else:
            entries.append((where, _entry(item)))
    if doc["count"] != len(doc["vulnerabilities"]):
        sink.warn("/count", f"count is {doc['count']}, the catalogue lists {len(entries)}")
    version = doc["catalogVersion"]
    return FeedData(
        kind=FeedKind.KEV,
        source="kev",
        records=first_of_each_key(entries, sink),
        warnings=sink.warnings(),
        rejected=sink.rejected(),
        newest=released,
        licence=LICENCE,
        attribution=f"{ATTRIBUTION}, version {version} released {doc['dateReleased']}",
    )


def _entry(item: dict[str, Any]) -> KevEntry:
    """An entry that passed the schema (required fields present, dates valid)."""
    return KevEntry(
        cve_id=item["cveID"],
        vendor_project=item["vendorProject"],
        product=item["product"],
        name=item["vulnerabilityName"],
        description=item["shortDescription"],
        date_added=item["dateAdded"],
        due_date=item["dueDate"],
        known_ransomware=item.get("knownRansomwareCampaignUse") == "Known",
        required_action=item["requiredAction"],
        notes=item.get("notes", ""),
        cwes=tuple(item.get("cwes", ())),
    )


# --- CSV -----------------------------------------------------------------------------------


def _read_csv(lines: Iterable[str], display: str) -> FeedData:
    rows = csv_rows(lines, display)
    first = next(rows, None)
    if first is None:
        raise IntelError(display, "empty file: expected the KEV CSV header", "line 1")
    check_header(first[1], CSV_HEADER, display)
    sink = Sink(display)
    entries = first_of_each_key(
        ((f"line {line}", entry) for line, row in rows if (entry := _csv_entry(row, line, sink))),
        sink,
    )
    return FeedData(
        kind=FeedKind.KEV,
        source="kev",
        records=entries,
        warnings=sink.warnings(),
        rejected=sink.rejected(),
        newest=newest([entry.date_added for entry in entries]),
        licence=LICENCE,
        attribution=ATTRIBUTION,
    )


def _csv_entry(row: list[str], line: int, sink: Sink) -> KevEntry | None:
    where = f"line {line}"
    if len(row) != len(CSV_HEADER):
        sink.reject(where, f"expected {len(CSV_HEADER)} columns, got {len(row)}")
        return None
    cells = dict(zip(CSV_HEADER, row, strict=True))
    added, due = iso_date(cells["dateAdded"]), iso_date(cells["dueDate"])
    if not cells["cveID"].startswith("CVE-") or added is None or due is None:
        sink.reject(where, "needs a CVE id, an ISO dateAdded and an ISO dueDate")
        return None
    return KevEntry(
        cve_id=cells["cveID"],
        vendor_project=cells["vendorProject"],
        product=cells["product"],
        name=cells["vulnerabilityName"],
        description=cells["shortDescription"],
        date_added=added,
        due_date=due,
        known_ransomware=cells["knownRansomwareCampaignUse"] == "Known",
        required_action=cells["requiredAction"],
        notes=cells["notes"],
        cwes=tuple(cwe.strip() for cwe in cells["cwes"].split(",") if cwe.strip()),
    )
