"""Tests of the CISA KEV reader on the real catalogue (JSON and CSV) and on broken copies."""

from __future__ import annotations

import csv
import json
from pathlib import Path
from typing import Any

import pytest

from chainreview.intel import kev
from chainreview.intel.interface import FeedKind, IntelError

SCHEMAS = Path(kev.__file__).parent / "schemas"


@pytest.fixture()
def kev_dir(shared_data: Path) -> Path:
    return shared_data / "cisa-kev"


def load(path: Path) -> Any:
    return json.loads(path.read_text(encoding="utf-8"))


def test_bundled_schema_is_an_unmodified_copy(kev_dir: Path) -> None:
    name = "known_exploited_vulnerabilities_schema.json"
    assert (SCHEMAS / name).read_bytes() == (kev_dir / name).read_bytes()
    assert (SCHEMAS / "LICENSE-KEV-CC0-1.0.txt").read_bytes() == (kev_dir / "LICENSE").read_bytes()


def test_real_json_catalogue(kev_dir: Path) -> None:
    raw = load(kev_dir / "known_exploited_vulnerabilities.json")
    feed = kev.read(kev_dir / "known_exploited_vulnerabilities.json", "kev.json")
    assert feed.kind is FeedKind.KEV
    assert len(feed.records) == len(raw["vulnerabilities"]) == raw["count"]
    assert (feed.warnings, feed.rejected) == ((), ())
    assert feed.newest == raw["dateReleased"][:10]
    assert raw["catalogVersion"] in feed.attribution
    assert feed.licence == "CC0-1.0"
    by_id = {entry.key: entry for entry in feed.records}
    for item in raw["vulnerabilities"]:
        entry = by_id[item["cveID"]]
        assert entry.date_added == item["dateAdded"]
        assert entry.due_date == item["dueDate"]
        assert entry.cwes == tuple(item.get("cwes", ()))
        assert entry.known_ransomware is (item["knownRansomwareCampaignUse"] == "Known")
    known = sum(
        1 for item in raw["vulnerabilities"] if item["knownRansomwareCampaignUse"] == "Known"
    )
    assert sum(entry.known_ransomware for entry in feed.records) == known


def test_real_csv_matches_the_json(kev_dir: Path) -> None:
    path = kev_dir / "known_exploited_vulnerabilities.csv"
    with path.open(encoding="utf-8", newline="") as handle:
        rows = list(csv.DictReader(handle))
    feed = kev.read(path, "kev.csv")
    assert len(feed.records) == len(rows)
    assert (feed.warnings, feed.rejected) == ((), ())
    assert feed.newest == max(row["dateAdded"] for row in rows)
    from_json = {
        e.key: e for e in kev.read(kev_dir / "known_exploited_vulnerabilities.json", "j").records
    }
    assert {e.key: e for e in feed.records} == from_json


def test_wrong_csv_header_names_file_and_line_1(tmp_path: Path, kev_dir: Path) -> None:
    text = (kev_dir / "known_exploited_vulnerabilities.csv").read_text(encoding="utf-8")
    bad = tmp_path / "kev.csv"
    bad.write_text(text.replace("vendorProject", "vendor", 1), encoding="utf-8")
    with pytest.raises(IntelError) as caught:
        kev.read(bad, "kev.csv")
    assert caught.value.path == "kev.csv"
    assert caught.value.location == "line 1"
    assert "\n" not in str(caught.value)


def test_bad_csv_rows_are_rejected_by_line(tmp_path: Path) -> None:
    header = ",".join(kev.CSV_HEADER)
    good = "CVE-2020-0001,V,P,Name,2021-11-03,Desc,Act,2021-11-17,Known,,CWE-1"
    bad = tmp_path / "kev.csv"
    bad.write_text(f"{header}\n{good}\nCVE-2020-0002,V,P\n{good.replace('2021-11-03', 'soon')}\n")
    feed = kev.read(bad, "kev.csv")
    assert [e.key for e in feed.records] == ["CVE-2020-0001"]
    assert feed.records[0].known_ransomware is True
    assert [d.location.pointer for d in feed.rejected] == ["line 3", "line 4"]


def test_entry_failing_the_schema_is_rejected_at_its_pointer(tmp_path: Path, kev_dir: Path) -> None:
    raw = load(kev_dir / "known_exploited_vulnerabilities.json")
    del raw["vulnerabilities"][3]["product"]
    raw["vulnerabilities"][7]["dateAdded"] = "2023-02-30"
    raw["vulnerabilities"][9]["cveID"] = "CVE-12-1"
    path = tmp_path / "kev.json"
    path.write_text(json.dumps(raw), encoding="utf-8")
    feed = kev.read(path, "kev.json")
    assert len(feed.records) == len(raw["vulnerabilities"]) - 3
    assert [d.location.pointer for d in feed.rejected] == [
        "/vulnerabilities/3",
        "/vulnerabilities/7",
        "/vulnerabilities/9",
    ]
    assert all(d.code == "schema" for d in feed.rejected)
    assert "product" in feed.rejected[0].message


def test_catalogue_failing_the_schema_is_an_error(tmp_path: Path) -> None:
    path = tmp_path / "kev.json"
    path.write_text(json.dumps({"catalogVersion": "1", "dateReleased": "x", "count": 0}))
    with pytest.raises(IntelError, match="not a KEV catalogue"):
        kev.read(path, "kev.json")


def test_duplicate_cve_is_rejected(tmp_path: Path, kev_dir: Path) -> None:
    raw = load(kev_dir / "known_exploited_vulnerabilities.json")
    raw["vulnerabilities"].append(raw["vulnerabilities"][0])
    raw["count"] += 1
    path = tmp_path / "kev.json"
    path.write_text(json.dumps(raw), encoding="utf-8")
    feed = kev.read(path, "kev.json")
    assert len(feed.records) == raw["count"] - 1
    assert [d.code for d in feed.rejected] == ["duplicate"]


def test_truncated_json_is_a_one_line_error(tmp_path: Path, kev_dir: Path) -> None:
    data = (kev_dir / "known_exploited_vulnerabilities.json").read_bytes()
    path = tmp_path / "kev.json"
    path.write_bytes(data[: len(data) // 2])
    with pytest.raises(IntelError) as caught:
        kev.read(path, "kev.json")
    assert caught.value.path == "kev.json"
    assert caught.value.location.startswith("line ")
    assert "\n" not in str(caught.value)
