"""Sanctions and export-control lists: OFAC's SDN.CSV and the US Consolidated Screening List.

Three inputs are read into one `ListedParty` record:

* OFAC's legacy `SDN.CSV` (no header; 12 columns `ent_num, SDN_Name, SDN_Type, Program, Title,
  Call_Sign, Vess_type, Tonnage, GRT, Vess_flag, Vess_owner, Remarks`; `-0-` means empty; an
  MS-DOS end-of-file byte may close it). Aliases come from `a.k.a.`/`f.k.a.`/`n.k.a.` clauses
  of the remarks (OFAC's separate ALT.CSV is not read); countries from the vessel flag and the
  remarks' `nationality`/`citizen` clauses. OFAC cuts long remarks short, so an alias whose
  closing quote is missing is dropped with a warning.
* The trade.gov Consolidated Screening List JSON (`{"results": [...]}`) and CSV.

`normalise_entity_name` and `token_sorted_name` give the comparison forms a screening matcher
uses. The lists are US Government works in the public domain.
"""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from enum import StrEnum
from pathlib import Path
from typing import Final

from chainreview.intel._common import (
    Fields,
    Sink,
    check_header,
    csv_rows,
    first_of_each_key,
    head,
    json_object,
    read_json,
    text_lines,
)
from chainreview.intel.interface import FeedData, FeedKind, IntelError

LICENCE: Final = "LicenseRef-US-Government-Public-Domain"
OFAC_ATTRIBUTION: Final = (
    "U.S. Department of the Treasury, Office of Foreign Assets Control (OFAC): Specially "
    "Designated Nationals and Blocked Persons List"
)
CSL_ATTRIBUTION: Final = (
    "U.S. Department of Commerce, International Trade Administration: Consolidated Screening List"
)

SDN_COLUMNS: Final = 12
_EMPTY: Final = "-0-"
_END_OF_FILE: Final = "\x1a"
_ALIAS: Final = re.compile(r"([afn])\.k\.a\. '(.*)'\.?", re.DOTALL)
_ALIAS_START: Final = re.compile(r"[afn]\.k\.a\. ")
_NATIONALITY: Final = re.compile(r"(?:nationality|citizen) (.+?)\.?", re.IGNORECASE)
_CSL_ABBREVIATION: Final = re.compile(r"\(([A-Za-z][A-Za-z0-9 -]*)\)")

CSL_CSV_COLUMNS: Final = (
    "_id",
    "source",
    "entity_number",
    "type",
    "programs",
    "name",
    "title",
    "addresses",
    "federal_register_notice",
    "start_date",
    "end_date",
    "standard_order",
    "license_requirement",
    "license_policy",
    "call_sign",
    "vessel_type",
    "gross_tonnage",
    "gross_registered_tonnage",
    "vessel_flag",
    "vessel_owner",
    "remarks",
    "source_list_url",
    "alt_names",
    "citizenships",
    "dates_of_birth",
    "nationalities",
    "places_of_birth",
    "source_information_url",
    "ids",
)
"""The CSL CSV header, in the order of the field list trade.gov documents for the CSL."""


class PartyType(StrEnum):
    """What kind of party a list entry names."""

    INDIVIDUAL = "individual"
    ENTITY = "entity"
    VESSEL = "vessel"
    AIRCRAFT = "aircraft"
    UNKNOWN = "unknown"
    """The list does not say (several CSL source lists carry no type)."""


class AliasKind(StrEnum):
    """How an alias relates to the listed name."""

    AKA = "aka"
    """Also known as."""
    FKA = "fka"
    """Formerly known as: still screened, a former name may be used in old documents."""
    NKA = "nka"
    """Now known as."""


@dataclass(frozen=True, slots=True, kw_only=True)
class Alias:
    """Another name of a listed party."""

    name: str
    kind: AliasKind = AliasKind.AKA


@dataclass(frozen=True, slots=True, kw_only=True)
class ListedParty:
    """One entry of a sanctions or export-control list."""

    list: str
    """`ofac-sdn`, or `csl:<source>` with the CSL source list's abbreviation (`csl:el`, …)."""
    uid: str
    """The entry's id within its list (OFAC `ent_num`, CSL `id`)."""
    name: str
    type: PartyType
    aliases: tuple[Alias, ...] = ()
    programs: tuple[str, ...] = ()
    countries: tuple[str, ...] = ()
    """Countries the list links the party to (nationality, citizenship, address, vessel flag)."""
    remarks: str | None = None

    @property
    def key(self) -> str:
        """`<list>:<uid>`."""
        return f"{self.list}:{self.uid}"

    def index_keys(self) -> Iterator[tuple[str, str]]:
        """Filed under `name` (`normalise_entity_name`) and `token` (`token_sorted_name`), for the
        name and every alias; a name that normalises to nothing is not filed."""
        keys: dict[tuple[str, str], None] = {}
        for name in (self.name, *(alias.name for alias in self.aliases)):
            normalised = normalise_entity_name(name)
            if normalised:
                keys[("name", normalised)] = None
                keys[("token", token_sorted_name(name))] = None
        yield from keys


# --- names ---------------------------------------------------------------------------------

LEGAL_FORMS: Final = frozenset(
    {
        "llc", "ltd", "limited", "co", "company", "inc", "incorporated", "corp", "corporation",
        "jsc", "ojsc", "pjsc", "cjsc", "ooo", "oao", "zao", "pao", "gmbh", "sa", "ag", "plc",
        "llp", "srl", "sarl", "spa", "bv", "nv", "pte", "pty", "fze", "fzco", "sirketi",
    }
)  # fmt: skip
"""Legal-form words dropped from either end of a normalised entity name."""

_JOINERS: Final = frozenset("'’`.")
"""Punctuation dropped without a gap (`S.A.` → `sa`, `O'Brien` → `obrien`); other is a space."""


def normalise_entity_name(name: str) -> str:
    """A comparison form of a name: case-folded, accents and punctuation gone, legal forms cut.

    `"ANGLO-CARIBBEAN CO., LTD."` → `"anglo caribbean"`. Legal-form words (`LEGAL_FORMS`) are
    dropped only from the start or end, and never when nothing else would remain.
    """
    decomposed = unicodedata.normalize("NFKD", name.casefold())
    chars = []
    for char in decomposed:
        category = unicodedata.category(char)
        if category == "Mn" or char in _JOINERS:
            continue
        chars.append(" " if category[0] in "PSZC" else char)
    tokens = "".join(chars).split()
    start, end = 0, len(tokens)
    while start < end - 1 and tokens[start] in LEGAL_FORMS:
        start += 1
    while end - 1 > start and tokens[end - 1] in LEGAL_FORMS:
        end -= 1
    return " ".join(tokens[start:end])


def token_sorted_name(name: str) -> str:
    """`normalise_entity_name` with its words sorted, so that word order does not matter."""
    return " ".join(sorted(normalise_entity_name(name).split()))


# --- reading -------------------------------------------------------------------------------


def sniff(path: Path) -> bool:
    """True for an OFAC SDN.CSV, a CSL JSON (`results` with `source`) or a CSL CSV."""
    data = head(path)
    if data.lstrip().startswith(b"{"):
        return b'"results"' in data and b'"source"' in data and b'"alt_names"' in data
    if data.startswith(",".join(CSL_CSV_COLUMNS[:4]).encode()):
        return True
    first = data.split(b"\n", 1)[0]
    return re.match(rb'\d+,"[^"]*",(?:-0- |"(?:individual|vessel|aircraft)"),', first) is not None


def read(path: Path, display: str) -> FeedData:
    """Read an OFAC SDN.CSV, a CSL JSON or a CSL CSV (told apart by their first bytes)."""
    start = head(path).lstrip()
    sink = Sink(display)
    if start.startswith(b"{"):
        parties, source, attribution = _csl_json(read_json(path, display), display, sink)
    elif start.startswith(CSL_CSV_COLUMNS[0].encode()):
        parties, source, attribution = _csl_csv(text_lines(path, display), display, sink)
    else:
        parties, source, attribution = _sdn_csv(text_lines(path, display), display, sink)
    return FeedData(
        kind=FeedKind.SANCTIONS,
        source=source,
        records=first_of_each_key(parties, sink),
        warnings=sink.warnings(),
        rejected=sink.rejected(),
        licence=LICENCE,
        attribution=attribution,
    )


def _unique_strings(values: list[str]) -> tuple[str, ...]:
    return tuple(dict.fromkeys(value.strip() for value in values if value.strip()))


# --- OFAC SDN.CSV --------------------------------------------------------------------------


def _sdn_csv(
    lines: Iterable[str], display: str, sink: Sink
) -> tuple[list[tuple[str, ListedParty]], str, str]:
    parties: list[tuple[str, ListedParty]] = []
    for line, row in csv_rows(lines, display):
        where = f"line {line}"
        if row == [_END_OF_FILE]:  # OFAC ends the file with a DOS end-of-file mark
            continue
        if len(row) != SDN_COLUMNS or not row[0].strip().isdigit():
            if line == 1:
                raise IntelError(
                    display, "not an OFAC SDN.CSV: expected 12 columns starting with ent_num", where
                )
            sink.reject(where, f"expected {SDN_COLUMNS} columns starting with ent_num")
            continue
        parties.append((where, _sdn_party([_sdn_cell(cell) for cell in row], where, sink)))
    return parties, "ofac-sdn", OFAC_ATTRIBUTION


def _sdn_cell(cell: str) -> str | None:
    value = cell.strip()
    return None if value in ("", _EMPTY) else value


def _sdn_party(cells: list[str | None], where: str, sink: Sink) -> ListedParty:
    uid, name, kind, program, _title, _call, _vtype, _tons, _grt, flag, _owner, remarks = cells
    return ListedParty(
        list="ofac-sdn",
        uid=uid or "",
        name=name or "",
        type=PartyType(kind) if kind in ("individual", "vessel", "aircraft") else PartyType.ENTITY,
        aliases=_remark_aliases(remarks or "", where, sink),
        programs=_unique_strings(re.split(r"\]\s*\[", (program or "").strip("[]"))),
        countries=_unique_strings([flag or "", *_remark_countries(remarks or "")]),
        remarks=remarks,
    )


def _remark_clauses(remarks: str) -> list[str]:
    return [clause.strip() for clause in remarks.split("; ")]


def _remark_aliases(remarks: str, where: str, sink: Sink) -> tuple[Alias, ...]:
    aliases: list[Alias] = []
    for clause in _remark_clauses(remarks):
        if not _ALIAS_START.match(clause):
            continue
        match = _ALIAS.fullmatch(clause)
        if match is None:
            sink.warn(where, f"alias cut short in the remarks, dropped: {clause[:80]!r}", "alias")
            continue
        aliases.append(Alias(name=match[2], kind=AliasKind(match[1] + "ka")))
    return tuple(aliases)


def _remark_countries(remarks: str) -> list[str]:
    return [
        match[1]
        for clause in _remark_clauses(remarks)
        for match in (_NATIONALITY.fullmatch(clause),)
        if match
    ]


# --- Consolidated Screening List -----------------------------------------------------------


def _csl_list(source: str | None) -> str:
    """`csl:<abbreviation>` from a CSL source like `Entity List (EL) - Bureau of Industry…`."""
    match = _CSL_ABBREVIATION.search(source or "")
    label = match[1] if match else (source or "unknown")
    return "csl:" + "-".join(re.split(r"[^a-z0-9]+", label.casefold())).strip("-")


def _party_type(value: str | None) -> PartyType:
    try:
        return PartyType((value or "").strip().casefold())
    except ValueError:
        return PartyType.UNKNOWN


def _csl_json(
    value: object, display: str, sink: Sink
) -> tuple[list[tuple[str, ListedParty]], str, str]:
    doc = json_object(value, display, "a Consolidated Screening List")
    if not isinstance(doc.get("results"), list):
        raise IntelError(display, "not a Consolidated Screening List: no results array")
    top = Fields(doc, "", sink)
    parties: list[tuple[str, ListedParty]] = []
    for entry in top.objects("results"):
        uid, name = entry.text("id") or entry.text("entity_number"), entry.text("name")
        if not uid or not name:
            sink.reject(entry.where, "an entry needs an id and a name")
            continue
        countries = [
            *(address.text("country") or "" for address in entry.objects("addresses")),
            *entry.strings("citizenships"),
            *entry.strings("nationalities"),
            entry.text("vessel_flag") or "",
        ]
        party = ListedParty(
            list=_csl_list(entry.text("source")),
            uid=uid,
            name=name,
            type=_party_type(entry.text("type")),
            aliases=tuple(
                Alias(name=alias) for alias in _unique_strings([*entry.strings("alt_names")])
            ),
            programs=_unique_strings([*entry.strings("programs")]),
            countries=_unique_strings(countries),
            remarks=entry.text("remarks"),
        )
        parties.append((entry.where, party))
    return parties, "csl", CSL_ATTRIBUTION


def _csl_csv(
    lines: Iterable[str], display: str, sink: Sink
) -> tuple[list[tuple[str, ListedParty]], str, str]:
    rows = csv_rows(lines, display)
    first = next(rows, None)
    check_header(first[1] if first else [], CSL_CSV_COLUMNS, display)
    parties: list[tuple[str, ListedParty]] = []
    for line, row in rows:
        where = f"line {line}"
        if len(row) != len(CSL_CSV_COLUMNS):
            sink.reject(where, f"expected {len(CSL_CSV_COLUMNS)} columns, got {len(row)}")
            continue
        cells = dict(zip(CSL_CSV_COLUMNS, row, strict=True))
        if not cells["_id"].strip() or not cells["name"].strip():
            sink.reject(where, "an entry needs an _id and a name")
            continue
        countries = [
            address.rsplit(",", 1)[-1]
            for address in _csl_multi(cells["addresses"])
            if "," in address
        ]
        party = ListedParty(
            list=_csl_list(cells["source"]),
            uid=cells["_id"].strip(),
            name=cells["name"].strip(),
            type=_party_type(cells["type"]),
            aliases=tuple(Alias(name=alias) for alias in _csl_multi(cells["alt_names"])),
            programs=_csl_multi(cells["programs"]),
            countries=_unique_strings(
                [
                    *countries,
                    *_csl_multi(cells["citizenships"]),
                    *_csl_multi(cells["nationalities"]),
                    cells["vessel_flag"],
                ]
            ),
            remarks=cells["remarks"].strip() or None,
        )
        parties.append((where, party))
    return parties, "csl", CSL_ATTRIBUTION


def _csl_multi(cell: str) -> tuple[str, ...]:
    """The values of a multi-valued CSL CSV cell (`; `-separated)."""
    return _unique_strings(cell.split(";"))
