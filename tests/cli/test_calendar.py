"""`chainreview calendar show` and `calendar import` end to end, in a real subprocess."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path
from typing import Any

EXAMPLE_2026 = Path(__file__).parents[2] / "examples" / "calendars" / "cn-2026.yaml"
ARRANGEMENT_2035 = """\
year: 2035
notice:
  title: 国务院办公厅关于2035年部分节假日安排的通知 (test data)
  date: 2034-11-01
  url: https://example.org/2035
holidays:
  - 2035-01-01
  - {from: 2035-02-07, to: 2035-02-13}
workdays: [2035-02-03, 2035-02-18]
"""
"""Made-up test data: New Year's Day and 7–13 February off, Saturday 3 and Sunday 18 February
worked."""


def run(home: Path, *args: str) -> subprocess.CompletedProcess[str]:
    env = {**os.environ, "CHAINREVIEW_HOME": str(home), "COLUMNS": "200"}
    return subprocess.run(
        [sys.executable, "-m", "chainreview", "calendar", *args],
        capture_output=True,
        text=True,
        env=env,
        timeout=120,
        check=False,
    )


def shown(result: subprocess.CompletedProcess[str]) -> dict[str, Any]:
    assert result.returncode == 0, result.stderr
    value: dict[str, Any] = json.loads(result.stdout)
    return value


def test_show_2024(tmp_path: Path) -> None:
    result = run(tmp_path, "show", "2024", "--format", "json")
    data = shown(result)
    assert result.stderr == ""
    assert data["provisional"] is False and data["warning"] is None
    days = {day["date"]: day for day in data["days"]}
    assert days["2024-02-04"]["weekday"] == "Sunday" and days["2024-02-04"]["workday"] is True
    assert days["2024-02-18"]["workday"] is True
    assert days["2024-02-12"]["workday"] is False  # Monday in Spring Festival
    assert "2024-02-10" not in days  # a Saturday off: as on any weekend
    assert "2024-02-09" not in days  # New Year's Eve: an ordinary Friday
    # 262 weekdays in 2024, less 19 off (1 Jan; 12–16 Feb; 4–5 Apr; 1–3 May; 10 Jun; 16–17 Sep;
    # 1–4 and 7 Oct), plus 8 weekend days worked (4 and 18 Feb, 7 and 28 Apr, 11 May, 14 and
    # 29 Sep, 12 Oct).
    assert data["workdays"] == 251
    assert sorted(d for d, day in days.items() if day["workday"]) == [
        "2024-02-04",
        "2024-02-18",
        "2024-04-07",
        "2024-04-28",
        "2024-05-11",
        "2024-09-14",
        "2024-09-29",
        "2024-10-12",
    ]
    table = run(tmp_path, "show", "2024")
    assert table.returncode == 0 and "2024-05-11 │ Saturday" in table.stdout


def test_show_a_year_without_arrangement_warns(tmp_path: Path) -> None:
    result = run(tmp_path, "show", "2035", "--format", "json")
    data = shown(result)
    assert data["provisional"] is True
    assert data["days"] == []
    assert data["sources"] == ["weekdays (provisional: no arrangement for 2035)"]
    assert data["workdays"] == 261  # 2035: 52 weeks and Monday 31 December
    assert "no State Council holiday arrangement for 2035" in result.stderr
    table = run(tmp_path, "show", "2035")
    assert table.returncode == 0 and "(provisional)" in table.stdout


def test_show_out_of_range_is_bad_input(tmp_path: Path) -> None:
    result = run(tmp_path, "show", "1899")
    assert result.returncode == 3
    assert result.stderr.strip() == "error: cn-working-days: 1899 is outside the years 1900–2200"


def test_import_then_show(tmp_path: Path) -> None:
    source = tmp_path / "2035.yaml"
    source.write_text(ARRANGEMENT_2035, encoding="utf-8")
    home = tmp_path / "home"
    imported = shown(run(home, "import", str(source), "--format", "json"))
    assert imported["year"] == 2035 and imported["replaced"] is None
    assert imported["workdays"] == ["2035-02-03", "2035-02-18"]
    data = shown(run(home, "show", "2035", "--format", "json"))
    assert data["provisional"] is False and data["warning"] is None
    assert data["sources"] == [imported["source"]]
    days = {day["date"]: day["workday"] for day in data["days"]}
    assert days == {
        "2035-01-01": False,
        "2035-02-03": True,
        "2035-02-07": False,
        "2035-02-08": False,
        "2035-02-09": False,
        "2035-02-12": False,
        "2035-02-13": False,
        "2035-02-18": True,
    }


def test_import_a_covered_year_needs_replace(tmp_path: Path) -> None:
    refused = run(tmp_path, "import", str(EXAMPLE_2026))
    assert refused.returncode == 3
    assert refused.stderr.startswith(f"error: {EXAMPLE_2026}: 2026 is already decided by ")
    assert len(refused.stderr.strip().splitlines()) == 1
    result = run(tmp_path, "import", "--replace", str(EXAMPLE_2026))
    assert result.returncode == 0, result.stderr
    assert "It decides 2026 instead of chinese-calendar" in result.stdout
    data = shown(run(tmp_path, "show", "2026", "--format", "json"))
    assert [
        s.startswith("State Council arrangement imported from cn-2026.yaml")
        for s in data["sources"]
    ] == [True]


def test_import_of_a_bad_file_is_one_line(tmp_path: Path) -> None:
    source = tmp_path / "2035.yaml"
    source.write_text(ARRANGEMENT_2035.replace("2035-02-18]", "2035-02-06]"), encoding="utf-8")
    result = run(tmp_path / "home", "import", str(source))
    assert result.returncode == 3
    assert result.stderr.strip().splitlines() == [
        f"error: {source}: workdays[1]: 2035-02-06 is a Tuesday: a working day in exchange "
        "(调休上班) is a Saturday or a Sunday; weekdays are working days anyway"
    ]
    assert not (tmp_path / "home" / "calendars").exists()
