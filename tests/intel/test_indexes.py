"""Secondary indexes of the feed records, filled by a real `intel import` of every feed's data.

Everything is imported once, through the CLI in a subprocess, into a temporary
`CHAINREVIEW_HOME`; each expectation is computed here from the raw files, without the readers.
"""

from __future__ import annotations

import csv
import json
import os
import re
import subprocess
import sys
from collections import Counter
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from chainreview.intel import importer, kev, nvd, osv
from chainreview.intel.interface import FeedKind, load_record
from chainreview.intel.sanctions import normalise_entity_name, token_sorted_name
from chainreview.intel.snapshot import Snapshot, open_current

SYNTHETIC = Path(__file__).parent.parent / "fixtures" / "synthetic"
NVD_DIR = "nvd-cve-firmware-selection"
NVD_11 = "osv-dev-vulnfeeds-nvd/vulnfeeds/test_data/nvdcve-1.1-test-data.json"
ALPINE = "alpine-secdb/alpine/v3.16"
DEBIAN = "debian-security-tracker/data"
KEV = "cisa-kev/known_exploited_vulnerabilities.json"
INPUTS = (NVD_DIR, NVD_11, KEV, "ofac-sdn/sdn.csv", ALPINE, DEBIAN)


@pytest.fixture(scope="module")
def imported(
    shared_data: Path, tmp_path_factory: pytest.TempPathFactory
) -> Iterator[dict[str, Any]]:
    """`chainreview intel import` of every feed (folders included) in one run; its JSON report."""
    home = tmp_path_factory.mktemp("indexes-home")
    paths = [str(shared_data / name) for name in INPUTS]
    paths += [str(SYNTHETIC / "epss_scores-2023-03-09.csv"), str(SYNTHETIC / "python.json")]
    done = subprocess.run(
        [sys.executable, "-m", "chainreview", "intel", "import", *paths, "--format", "json"],
        capture_output=True,
        text=True,
        env={**os.environ, "CHAINREVIEW_HOME": str(home)},
        timeout=300,
        check=False,
    )
    assert done.returncode == 0, done.stderr
    yield {"home": home, "report": json.loads(done.stdout)}


@pytest.fixture(scope="module")
def snap(imported: dict[str, Any]) -> Iterator[Snapshot]:
    """The snapshot the import made current."""
    current = open_current(imported["home"])
    assert current is not None
    with current:
        yield current


# --- detection ------------------------------------------------------------------------------


def test_nvd_files_and_folder_are_nvd_not_osv(shared_data: Path, imported: dict[str, Any]) -> None:
    folder = shared_data / NVD_DIR
    files = sorted(folder.rglob("CVE-*.json"))
    # three of them carry NVD's newer CVE 5 `affected` list beside `id`: they once passed for OSV
    assert sum("affected" in json.loads(f.read_text()) for f in files) == 3
    assert all(importer.detect(f) is FeedKind.NVD and not osv.sniff(f) for f in files)
    assert importer.detect(folder) is FeedKind.NVD
    assert importer.detect(shared_data / ALPINE) is FeedKind.DISTRO
    assert importer.detect(shared_data / DEBIAN) is FeedKind.DISTRO
    nvd_source = next(s for s in imported["report"]["sources"] if s["name"] == "nvd")
    assert nvd_source["kind"] == "nvd"
    raw_11 = json.loads((shared_data / NVD_11).read_text())["CVE_Items"]
    assert nvd_source["records"] == len(files) + len(raw_11)
    skipped = [w for w in nvd_source["warnings"] if w["code"] == "skipped"]
    assert sorted(Path(w["location"]["file"]).name for w in skipped) == [
        "NVD-NOTICE.txt",
        "PROVENANCE.md",
    ]


def test_kev_schema_is_not_taken_for_the_catalogue(shared_data: Path) -> None:
    assert kev.sniff(shared_data / "cisa-kev/known_exploited_vulnerabilities_schema.json") is False
    assert importer.detect(shared_data / "cisa-kev") is FeedKind.KEV


def test_folder_sources_are_one_per_file(shared_data: Path, imported: dict[str, Any]) -> None:
    names = {s["name"] for s in imported["report"]["sources"]}
    assert {"alpine:v3.16/main", "alpine:v3.16/community", "debian:dsa", "debian:dla"} <= names
    debian = {s["name"]: s for s in imported["report"]["sources"] if s["kind"] == "distro"}
    # the tracker's third file, embedded-code-copies, is no feed: skipped with a warning
    warnings = [w for s in debian.values() for w in s["warnings"] if w["code"] == "skipped"]
    assert [Path(w["location"]["file"]).name for w in warnings] == ["embedded-code-copies"]


# --- KEV, EPSS, EOL -------------------------------------------------------------------------


def test_kev_by_cve(shared_data: Path, snap: Snapshot) -> None:
    raw = json.loads((shared_data / KEV).read_text())
    cves = [item["cveID"] for item in raw["vulnerabilities"]]
    assert len(cves) == 1404
    assert all(snap.keys(FeedKind.KEV, "cve", cve) == (cve,) for cve in cves)
    assert snap.keys(FeedKind.KEV, "cve", "CVE-1999-0001") == ()


def test_epss_by_cve(snap: Snapshot) -> None:
    text = (SYNTHETIC / "epss_scores-2023-03-09.csv").read_text()
    cves = [line.split(",")[0] for line in text.splitlines()[2:] if line.startswith("CVE-")]
    assert cves and all(snap.keys(FeedKind.EPSS, "cve", cve) == (cve,) for cve in cves)


def test_eol_by_product(snap: Snapshot) -> None:
    cycles = json.loads((SYNTHETIC / "python.json").read_text())
    expected = tuple(sorted(f"python@{c['cycle']}" for c in cycles))
    assert snap.keys(FeedKind.EOL, "product", "python") == expected


# --- NVD ------------------------------------------------------------------------------------


def _raw_nvd(shared_data: Path) -> Iterator[tuple[str, list[tuple[bool, str]]]]:
    """(CVE id, [(vulnerable, criteria)]) of every raw NVD record imported."""
    for path in sorted((shared_data / NVD_DIR).rglob("CVE-*.json")):
        doc = json.loads(path.read_text())
        yield (
            doc["id"],
            [
                (m["vulnerable"], m["criteria"])
                for c in doc.get("configurations", [])
                for n in c["nodes"]
                for m in n["cpeMatch"]
            ],
        )
    for item in json.loads((shared_data / NVD_11).read_text())["CVE_Items"]:

        def walk(node: dict[str, Any]) -> Iterator[tuple[bool, str]]:
            for m in node.get("cpe_match", []):
                yield m["vulnerable"], m["cpe23Uri"]
            for child in node.get("children", []):
                yield from walk(child)

        nodes = item["configurations"]["nodes"]
        yield item["cve"]["CVE_data_meta"]["ID"], [m for n in nodes for m in walk(n)]


def test_nvd_by_cve_and_vendor_product(shared_data: Path, snap: Snapshot) -> None:
    expected: dict[str, set[str]] = {}
    hardware_only: set[str] = set()
    for cve_id, matches in _raw_nvd(shared_data):
        assert cve_id in snap.keys(FeedKind.NVD, "cve", cve_id)
        for vulnerable, criteria in matches:
            if "\\" in criteria:
                continue  # an escaped character; splitting on ':' would cut it
            part, vendor, product = criteria.lower().split(":")[2:5]
            if vulnerable:
                expected.setdefault(f"{vendor}:{product}", set()).add(cve_id)
            elif part == "h":
                hardware_only.add(f"{vendor}:{product}")
    assert len(expected) > 200
    for value, cves in expected.items():
        assert set(snap.keys(FeedKind.NVD, "cpe", value)) == cves, value
    # `vulnerable: false` platforms (the h: half of firmware pairs) are not filed
    platforms = hardware_only - set(expected)
    assert "tp-link:archer_ax21" in platforms and "samsung:840_evo" in platforms
    assert all(snap.keys(FeedKind.NVD, "cpe", value) == () for value in platforms)
    assert snap.keys(FeedKind.NVD, "cpe", "busybox:busybox") == ("CVE-2021-42374",)
    assert snap.keys(FeedKind.NVD, "cpe", "tp-link:archer_ax21_firmware") == ("CVE-2023-1389",)


def test_nvd_record_loads_back_to_the_read_record(shared_data: Path, snap: Snapshot) -> None:
    path = next((shared_data / NVD_DIR).rglob("CVE-2018-12037.json"))
    body = snap.record(FeedKind.NVD, "CVE-2018-12037")
    assert body is not None
    stored = load_record(nvd.NvdCve, body)
    assert stored == nvd.read(path, "x").records[0]


# --- sanctions ------------------------------------------------------------------------------


def test_sanctions_by_name_alias_and_token(shared_data: Path, snap: Snapshot) -> None:
    with (shared_data / "ofac-sdn/sdn.csv").open(newline="", encoding="utf-8") as handle:
        rows = [row for row in csv.reader(handle) if len(row) == 12]
    by_name = Counter(normalise_entity_name(row[1]) for row in rows)
    # BANCO NACIONAL DE CUBA (ent_num 306), a.k.a. 'BNC'
    row = next(r for r in rows if r[0] == "306")
    assert snap.keys(FeedKind.SANCTIONS, "name", "banco nacional de cuba") == ("ofac-sdn:306",)
    assert "ofac-sdn:306" in snap.keys(FeedKind.SANCTIONS, "name", "bnc")
    assert snap.keys(FeedKind.SANCTIONS, "token", token_sorted_name("CUBA BANCO DE NACIONAL")) == (
        "ofac-sdn:306",
    )
    assert row[1] == "BANCO NACIONAL DE CUBA"
    # every name shared by several entries finds all of them
    shared = [(name, n) for name, n in by_name.items() if n > 1 and name]
    assert shared
    for name, count in shared[:50]:
        assert len(snap.keys(FeedKind.SANCTIONS, "name", name)) >= count, name
    # aliases: every complete a.k.a. of the first 200 entries that have one
    alias = re.compile(r"a\.k\.a\. '(.*)'\.?")
    checked = 0
    for row in rows:
        for clause in row[11].split("; "):
            found = alias.fullmatch(clause.strip())
            key = normalise_entity_name(found[1]) if found else ""
            if key and checked < 200:
                assert f"ofac-sdn:{row[0].strip()}" in snap.keys(FeedKind.SANCTIONS, "name", key)
                checked += 1
    assert checked == 200


# --- distro feeds ---------------------------------------------------------------------------


def test_alpine_by_package(shared_data: Path, snap: Snapshot) -> None:
    fixes: Counter[str] = Counter()
    for name in ("main.json", "community.json"):
        doc = json.loads((shared_data / ALPINE / name).read_text())
        for entry in doc["packages"]:
            fixes[entry["pkg"]["name"]] += len(entry["pkg"].get("secfixes") or {})
    assert fixes["openssl"] > 10 and fixes["busybox"] > 5
    for package, count in fixes.items():
        assert len(snap.keys(FeedKind.DISTRO, "package", f"Alpine:v3.16/{package}")) == count


def _advisories_fixing(text: str, release: str, package: str) -> set[str]:
    """Advisory ids whose block has a `[release] - package …` line, read from the raw list."""
    found: set[str] = set()
    current = ""
    for line in text.splitlines():
        header = re.match(r"\[[^]]+\] ((?:DSA|DLA)-\S+)", line)
        if header:
            current = header[1]
        elif re.match(rf"\s+\[{release}\] - {re.escape(package)} ", line):
            found.add(current)
    return found


@pytest.mark.parametrize(
    ("release", "ecosystem", "package"),
    [
        ("bullseye", "Debian:11", "openssl"),
        ("bullseye", "Debian:11", "curl"),
        ("stretch", "Debian:9", "openssl"),
        ("buster", "Debian:10", "glibc"),
    ],
)
def test_debian_by_release_and_source_package(
    shared_data: Path, snap: Snapshot, release: str, ecosystem: str, package: str
) -> None:
    expected = set()
    for name in ("DSA/list", "DLA/list"):
        text = (shared_data / DEBIAN / name).read_text(encoding="utf-8")
        expected |= _advisories_fixing(text, release, package)
    assert expected
    assert set(snap.keys(FeedKind.DISTRO, "package", f"{ecosystem}/{package}")) == expected
