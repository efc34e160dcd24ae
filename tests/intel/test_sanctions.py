"""Tests of the sanctions-list reader (real OFAC SDN.CSV, synthetic CSL) and of name normalising."""

from __future__ import annotations

import csv
import json
import re
from collections import Counter
from pathlib import Path

import pytest

from chainreview.intel import sanctions
from chainreview.intel.interface import FeedKind, IntelError
from chainreview.intel.sanctions import (
    AliasKind,
    PartyType,
    normalise_entity_name,
    token_sorted_name,
)

SYNTHETIC = Path(__file__).parent.parent / "fixtures" / "synthetic"


def sdn_rows(shared_data: Path) -> list[list[str]]:
    with (shared_data / "ofac-sdn/sdn.csv").open(encoding="utf-8", newline="") as handle:
        return [row for row in csv.reader(handle) if len(row) == 12]


def test_real_sdn_list(shared_data: Path) -> None:
    rows = sdn_rows(shared_data)
    feed = sanctions.read(shared_data / "ofac-sdn/sdn.csv", "sdn.csv")
    assert feed.kind is FeedKind.SANCTIONS
    assert feed.source == "ofac-sdn"
    assert len(feed.records) == len(rows)
    assert feed.rejected == ()
    assert [p.uid for p in feed.records] == [row[0] for row in rows]
    types = Counter(p.type for p in feed.records)
    raw_types = Counter(row[2].strip() for row in rows)
    assert types[PartyType.INDIVIDUAL] == raw_types["individual"]
    assert types[PartyType.VESSEL] == raw_types["vessel"]
    assert types[PartyType.AIRCRAFT] == raw_types["aircraft"]
    assert types[PartyType.ENTITY] == raw_types["-0-"]
    assert all(p.remarks is None or p.remarks != "-0-" for p in feed.records)


def test_sdn_aliases_from_remarks(shared_data: Path) -> None:
    rows = sdn_rows(shared_data)
    feed = sanctions.read(shared_data / "ofac-sdn/sdn.csv", "sdn.csv")
    clauses = sum(len(re.findall(r"\b[afn]\.k\.a\. '", row[11])) for row in rows)
    aliases = sum(len(p.aliases) for p in feed.records)
    # OFAC truncates long remarks: an alias left without its closing quote is warned and dropped.
    assert aliases + len(feed.warnings) == clauses
    assert all(d.code == "alias" for d in feed.warnings)
    bnc = next(p for p in feed.records if p.uid == "306")
    assert [(a.name, a.kind) for a in bnc.aliases] == [("BNC", AliasKind.AKA)]
    fka = sum(len(re.findall(r"\bf\.k\.a\. '", row[11])) for row in rows)
    assert sum(a.kind is AliasKind.FKA for p in feed.records for a in p.aliases) == fka


def test_sdn_programs_and_countries(shared_data: Path) -> None:
    feed = sanctions.read(shared_data / "ofac-sdn/sdn.csv", "sdn.csv")
    by_uid = {p.uid: p for p in feed.records}
    multi = next(row for row in sdn_rows(shared_data) if "] [" in row[3])
    assert len(by_uid[multi[0]].programs) == multi[3].count("] [") + 1
    assert all("[" not in prog and "]" not in prog for p in feed.records for prog in p.programs)
    assert by_uid["4238"].countries == ("Cuba",)  # vessel flag
    russian = sum(1 for p in feed.records if "Russia" in p.countries)
    assert russian > 1000


def test_synthetic_csl_json() -> None:
    raw = json.loads((SYNTHETIC / "csl_consolidated.json").read_text(encoding="utf-8"))
    feed = sanctions.read(SYNTHETIC / "csl_consolidated.json", "csl.json")
    named = [r for r in raw["results"] if r.get("name")]
    assert [p.uid for p in feed.records] == [r["id"] for r in named]
    assert [d.location.pointer for d in feed.rejected] == ["/results/3"]
    assert [p.list for p in feed.records] == ["csl:el", "csl:sdn", "csl:sdn"]
    person = feed.records[1]
    assert person.type is PartyType.INDIVIDUAL
    assert person.programs == ("SDGT", "IRGC")
    assert person.countries == ("IR",)
    assert feed.records[2].type is PartyType.VESSEL
    assert feed.records[2].countries == ("Panama",)
    assert feed.records[0].type is PartyType.UNKNOWN


def test_synthetic_csl_csv() -> None:
    path = SYNTHETIC / "csl_consolidated.csv"
    with path.open(encoding="utf-8", newline="") as handle:
        rows = list(csv.DictReader(handle))
    feed = sanctions.read(path, "csl.csv")
    good = [r for r in rows if r["_id"] and r["name"] and None not in r.values()]
    assert [p.uid for p in feed.records] == [r["_id"] for r in good]
    assert [d.location.pointer for d in feed.rejected] == ["line 5", "line 6"]
    assert feed.records[0].countries == ("CN",)
    assert [a.name for a in feed.records[0].aliases] == ["Example Semi Trading", "EST Co."]
    assert feed.records[2].programs == ("RUSSIA-EO14024", "CYBER2")


def test_csl_csv_with_wrong_header_is_an_error(tmp_path: Path) -> None:
    text = (SYNTHETIC / "csl_consolidated.csv").read_text(encoding="utf-8")
    path = tmp_path / "csl.csv"
    path.write_text(text.replace("alt_names", "aliases", 1), encoding="utf-8")
    with pytest.raises(IntelError) as caught:
        sanctions.read(path, "csl.csv")
    assert (caught.value.path, caught.value.location) == ("csl.csv", "line 1")


def test_garbage_is_not_an_sdn_file(tmp_path: Path) -> None:
    path = tmp_path / "sdn.csv"
    path.write_text("hello,world\n")
    with pytest.raises(IntelError, match=r"not an OFAC SDN\.CSV"):
        sanctions.read(path, "sdn.csv")


def test_malformed_sdn_line_is_rejected(tmp_path: Path, shared_data: Path) -> None:
    lines = (shared_data / "ofac-sdn/sdn.csv").read_text(encoding="utf-8").splitlines()[:5]
    lines.insert(2, "garbage line")
    path = tmp_path / "sdn.csv"
    path.write_text("\n".join(lines) + "\n")
    feed = sanctions.read(path, "sdn.csv")
    assert len(feed.records) == 5
    assert [d.location.pointer for d in feed.rejected] == ["line 3"]


@pytest.mark.parametrize(
    ("name", "normal"),
    [
        ("ANGLO-CARIBBEAN CO., LTD.", "anglo caribbean"),
        ("BANCO NACIONAL DE CUBA", "banco nacional de cuba"),
        ("Société Générale S.A.", "societe generale"),
        ("OOO  Example-Trade", "example trade"),
        ("AL-MU'TAMAR", "al mutamar"),
        ("LIMITED", "limited"),
        ("CO LTD", "ltd"),
        ("Straße GmbH", "strasse"),
    ],
)
def test_normalise_entity_name(name: str, normal: str) -> None:
    assert normalise_entity_name(name) == normal


def test_normalised_real_sdn_names(shared_data: Path) -> None:
    names = {row[0]: row[1] for row in sdn_rows(shared_data)}
    assert normalise_entity_name(names["173"]) == "anglo caribbean"
    for name in names.values():
        normal = normalise_entity_name(name)
        assert normal, name
        assert normal == normal.casefold().strip()
        assert not re.search(r"[^\w ]|  ", normal), name
        assert token_sorted_name(name).split() == sorted(normal.split())
    assert token_sorted_name("CUBA DE NACIONAL BANCO") == token_sorted_name(names["306"])
