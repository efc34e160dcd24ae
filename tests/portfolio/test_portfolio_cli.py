"""`chainreview portfolio …` end to end, in a real subprocess, on the hand-built portfolio."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest

from chainreview.intel.snapshot import Snapshot

DATA = Path(__file__).parent / "data"


def run(*args: str, home: Path | None = None) -> subprocess.CompletedProcess[str]:
    env = {**os.environ, "COLUMNS": "200"}
    if home is not None:
        env["CHAINREVIEW_HOME"] = str(home)
    return subprocess.run(
        [sys.executable, "-m", "chainreview", "portfolio", *args],
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


def test_concentration_json() -> None:
    data = shown(run("concentration", str(DATA / "inventory.csv"), "--format", "json"))
    assert data["operator"] == "Hand-built Grid Co."
    functions = {f["function"]: f for f in data["concentration"]["functions"]}
    # dispatch: acme 8 of 10 units, borei 2: HHI 0.8² + 0.2² = 0.68.
    assert functions["dispatch"]["vendor_hhi"] == pytest.approx(0.68)
    assert [(s["name"], s["quantity"]) for s in functions["dispatch"]["vendors"]] == [
        ("acme", 8),
        ("borei", 2),
    ]
    single = data["concentration"]["single_source_products"]
    assert [(s["product"], s["function"]) for s in single] == [
        ("P-MAIL", "office"),
        ("P-WAF", "web filtering"),
    ]


def test_concentration_table() -> None:
    result = run("concentration", str(DATA / "inventory.yaml"))
    assert result.returncode == 0, result.stderr
    assert "vendors   HHI 0.6800: acme 80.0% (8), borei 20.0% (2)" in result.stdout
    assert "    P-MAIL (cedar): sole vendor of office in SYS-MAIL" in result.stdout


def test_blast_radius_of_a_vendor_table() -> None:
    result = run("blast-radius", str(DATA / "inventory.yaml"), "--vendor", "Cedar Soft")
    assert result.returncode == 0, result.stderr
    # Payments (high) before Office mail (low).
    assert result.stdout.splitlines()[1:] == [
        "2 system(s) reached (2 CII), through 2 deployed product(s)",
        "high      SYS-PAY  Payments (function: payments)",
        "    3 × P-DB: Payments ← Ledger database ← Cedar Soft",
        "low       SYS-MAIL  Office mail (function: office)",
        "    10 × P-MAIL: Office mail ← Mail server ← Cedar Soft",
    ]


def test_blast_radius_of_an_advisory_json(advisory_snapshot: Snapshot) -> None:
    home = advisory_snapshot.path.parents[2]  # HOME/intel/snapshots/<hash>.sqlite
    result = run(
        "blast-radius",
        str(DATA / "inventory.yaml"),
        "--advisory",
        "CVE-2099-0001",
        "--format",
        "json",
        home=home,
    )
    data = shown(result)
    # As test_blast.test_an_advisory: SYS-DR, SYS-GRID, SYS-PAY; four groups not checked.
    assert [s["id"] for s in data["systems"]] == ["SYS-DR", "SYS-GRID", "SYS-PAY"]
    assert data["snapshot"] == advisory_snapshot.hash
    assert [u["product"] for u in data["unchecked"]] == ["P-FW", "P-SW", "P-MAIL", "P-WAF"]


def test_an_advisory_the_snapshot_lacks_is_bad_input(advisory_snapshot: Snapshot) -> None:
    home = advisory_snapshot.path.parents[2]
    result = run(
        "blast-radius", str(DATA / "inventory.yaml"), "--advisory", "CVE-2099-9999", home=home
    )
    assert result.returncode == 3
    assert "no advisory 'CVE-2099-9999' in the intel snapshot" in result.stderr


@pytest.mark.parametrize(
    "options", [[], ["--vendor", "acme", "--country", "US"], ["--country", "USA"]]
)
def test_usage_errors(options: list[str]) -> None:
    result = run("blast-radius", str(DATA / "inventory.yaml"), *options)
    assert result.returncode == 2


def test_a_malformed_inventory_is_one_error_line(tmp_path: Path) -> None:
    text = (DATA / "inventory.csv").read_text().replace(",Core switch,4,", ",Core switch,-4,")
    (tmp_path / "inventory.csv").write_text(text)
    result = run("concentration", str(tmp_path / "inventory.csv"))
    assert result.returncode == 3
    assert result.stderr.splitlines() == [
        f"error: {tmp_path / 'inventory.csv'}: line 5, column quantity: -4 is less than the "
        "minimum of 1"
    ]


def test_what_if_a_vendor_fails_json() -> None:
    data = shown(
        run(
            "what-if",
            str(DATA / "inventory.csv"),
            "--vendor",
            "cedar",
            "--fails",
            "--format",
            "json",
        )
    )
    found = data["what_if"]
    # cedar: P-DB 3 of SYS-PAY's 12 units, P-MAIL 10 of SYS-MAIL's 10.
    assert [(s["id"], s["lost"], s["quantity"]) for s in found["systems"]] == [
        ("SYS-PAY", 3, 12),
        ("SYS-MAIL", 10, 10),
    ]
    office = found["functions"][0]
    assert office["function"] == "office" and not office["alternative_known"]
    assert found["becomes_single_source"] == ["payments"] and found["unserved"] == ["office"]


def test_what_if_table_and_refusals() -> None:
    result = run("what-if", str(DATA / "inventory.yaml"), "--vendor", "acme", "--fails")
    assert result.returncode == 0, result.stderr
    # dispatch: 8 of 10 units, HHI 0.68 → 1; web filtering: 5 of 5, Dunmore Security named.
    assert (
        "dispatch: loses 8 of 10 units (80.0%); HHI before 0.6800, HHI after 1.0000, "
        "becomes single-source" in result.stdout
    )
    assert "    qualified alternatives named: Dunmore Security" in result.stdout
    unknown = run("what-if", str(DATA / "inventory.yaml"), "--vendor", "zeta", "--fails")
    assert unknown.returncode == 3
    assert "unknown vendor 'zeta' (vendors: acme (Acme Networks)," in unknown.stderr
    assert run("what-if", str(DATA / "inventory.yaml"), "--vendor", "acme").returncode == 2
