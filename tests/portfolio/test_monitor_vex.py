"""A product's own VEX statements in the monitor, across the two real snapshots of
tests/monitor_kit.py, applied as `review` applies them.

examples/cloud-pi-service is copied and its product P-EKYC given one OpenVEX document of two
statements written here:

* CVE-2023-49083 in cryptography 41.0.5 is `not_affected`. PYSEC-2023-254 (CVE-2023-49083,
  modified 2024-02-17, after the cutoff) affects cryptography 3.1 up to 41.0.6: without the
  statement the second run flags P-EKYC for it (`new-finding`), as
  `test_without_vex_it_is_a_flag` checks; with it, the change is settled, listed with the
  statement, and not a reason;
* CVE-2024-3651 in idna 3.4 is `under_investigation`. PYSEC-2024-60 (modified 2024-07-11)
  affects idna 0.1 up to 3.7: still a reason (the finding stays active), shown with the
  statement.

Every other change of the second run (eleven new django 4.2.7 findings) is untouched. A review
of the same package on the second snapshot gives the two findings those very statuses.
"""

from __future__ import annotations

import json
import shutil
from datetime import date
from pathlib import Path

import pytest

from chainreview.intel.snapshot import open_current
from chainreview.portfolio.monitor import MonitorReport, run_monitor
from chainreview.portfolio.sources import load_portfolio
from chainreview.reviewer import Reviewer, load_package
from monitor_kit import CUTOFF, advisory, import_first, import_second, modified_on

EXAMPLE = Path(__file__).parents[2] / "examples" / "cloud-pi-service"
DJANGO = [
    "CVE-2024-24680",
    "CVE-2024-27351",
    "CVE-2024-38875",
    "CVE-2024-39329",
    "CVE-2024-39330",
    "CVE-2024-39614",
    "CVE-2024-41989",
    "CVE-2024-41990",
    "CVE-2024-41991",
    "CVE-2024-42005",
    "CVE-2024-45230",
]
VEX = {
    "@context": "https://openvex.dev/ns/v0.2.0",
    "@id": "https://xiyue.example/vex/2026-001",
    "author": "Xiyue PSIRT",
    "timestamp": "2026-11-20T00:00:00Z",
    "version": 1,
    "statements": [
        {
            "vulnerability": {"name": "CVE-2023-49083"},
            "products": [{"@id": "pkg:pypi/cryptography@41.0.5"}],
            "status": "not_affected",
            "justification": "vulnerable_code_not_in_execute_path",
        },
        {
            "vulnerability": {"name": "CVE-2024-3651"},
            "products": [{"@id": "pkg:pypi/idna@3.4"}],
            "status": "under_investigation",
        },
    ],
}


def package(tmp_path: Path, *, vex: bool) -> Path:
    """The example, with P-EKYC's VEX document when `vex`."""
    folder = tmp_path / "package"
    shutil.copytree(EXAMPLE, folder)
    if vex:
        (folder / "vex").mkdir()
        (folder / "vex" / "ekyc.openvex.json").write_text(json.dumps(VEX), encoding="utf-8")
        manifest = folder / "declaration.yaml"
        text = manifest.read_text(encoding="utf-8")
        assert text.count("    vex: []\n") == 1
        manifest.write_text(
            text.replace("    vex: []\n", "    vex: [vex/ekyc.openvex.json]\n"), encoding="utf-8"
        )
    return folder


def two_runs(tmp_path: Path, shared_data: Path, until_cutoff: Path, folder: Path) -> MonitorReport:
    home = tmp_path / "home"
    import_first(home, until_cutoff)
    for day in (date(2027, 1, 10), date(2027, 1, 20)):
        if day.day == 20:
            import_second(home, shared_data)
        snapshot = open_current(home)
        assert snapshot is not None
        with snapshot:
            report = run_monitor(
                load_portfolio(folder), snapshot, home=home, inventory=str(folder), today=day
            )
    return report


def changes(report: MonitorReport) -> list[tuple[str, str, str | None, str | None]]:
    (flagged,) = report.flagged
    assert flagged.product == "P-EKYC"
    return [(c.subject, c.reason.value, c.purl, c.vex_status) for c in flagged.changes]


def test_what_the_advisory_files_say(shared_data: Path) -> None:
    for package_name, advisory_id, alias, events in (
        (
            "cryptography",
            "PYSEC-2023-254",
            "CVE-2023-49083",
            [{"introduced": "3.1"}, {"fixed": "41.0.6"}],
        ),
        ("idna", "PYSEC-2024-60", "CVE-2024-3651", [{"introduced": "0.1"}, {"fixed": "3.7"}]),
    ):
        record = advisory(shared_data, package_name, advisory_id)
        assert modified_on(record) > CUTOFF
        (found,) = [r for r in record["affected"][0]["ranges"] if r["type"] == "ECOSYSTEM"]
        assert found["events"] == events
        assert alias in record["aliases"]


def test_without_vex_it_is_a_flag(
    tmp_path: Path, shared_data: Path, pypa_until_cutoff: Path
) -> None:
    report = two_runs(tmp_path, shared_data, pypa_until_cutoff, package(tmp_path, vex=False))
    assert report.settled == ()
    assert changes(report) == [
        ("CVE-2023-49083", "new-finding", "pkg:pypi/cryptography@41.0.5", None),
        *[(cve, "new-finding", "pkg:pypi/django@4.2.7", None) for cve in DJANGO],
        ("CVE-2024-3651", "new-finding", "pkg:pypi/idna@3.4", None),
    ]


def test_the_products_vex_settles_and_annotates_as_review_does(
    tmp_path: Path, shared_data: Path, pypa_until_cutoff: Path
) -> None:
    folder = package(tmp_path, vex=True)
    report = two_runs(tmp_path, shared_data, pypa_until_cutoff, folder)
    source = "vex/ekyc.openvex.json: /statements/"
    assert [
        (s.product, s.change.subject, s.change.purl, s.change.vex_status, s.change.vex_source)
        for s in report.settled
    ] == [
        (
            "P-EKYC",
            "CVE-2023-49083",
            "pkg:pypi/cryptography@41.0.5",
            "not_affected",
            f"{source}0",
        )
    ]
    assert changes(report) == [
        *[(cve, "new-finding", "pkg:pypi/django@4.2.7", None) for cve in DJANGO],
        ("CVE-2024-3651", "new-finding", "pkg:pypi/idna@3.4", "under_investigation"),
    ]
    assert report.flagged[0].changes[-1].vex_source == f"{source}1"

    snapshot = open_current(tmp_path / "home")
    assert snapshot is not None
    with snapshot:
        reviewed = Reviewer(snapshot).review(load_package(folder), as_of=date(2027, 1, 20))
    (scan,) = reviewed.products
    statuses = {
        (f.id, f.status.value, f.status_source, f.active)
        for f in scan.findings
        if f.id in ("CVE-2023-49083", "CVE-2024-3651")
    }
    assert statuses == {
        ("CVE-2023-49083", "not_affected", f"{source}0", False),
        ("CVE-2024-3651", "under_investigation", f"{source}1", True),
    }


INVENTORY_YAML = """\
schema_version: "1.0"
operator: Demo Bank
systems:
  - {id: S-KYC, name: Customer onboarding, criticality: high, function: identity}
vendors:
  - {id: V-XIYUE, name: Xiyue Cloud, country: CN}
products:
  - id: P-EKYC
    name: eKYC service
    vendor: V-XIYUE
    sboms: [sbom/ekyc-saasbom.cdx.json, sbom/ekyc-backend.cdx.json]
    vex: [vex/ekyc.openvex.json]
    deployments: [{system: S-KYC, quantity: 1}]
"""
INVENTORY_CSV = (
    "operator,system,system_name,criticality,function,product,product_name,quantity,vendor,"
    "vendor_name,vendor_country,sboms,vex\n"
    "Demo Bank,S-KYC,Customer onboarding,high,identity,P-EKYC,eKYC service,1,V-XIYUE,"
    "Xiyue Cloud,CN,sbom/ekyc-saasbom.cdx.json;sbom/ekyc-backend.cdx.json,vex/ekyc.openvex.json\n"
)


@pytest.mark.parametrize(
    ("name", "text"), [("inventory.yaml", INVENTORY_YAML), ("inventory.csv", INVENTORY_CSV)]
)
def test_an_inventory_products_vex_settles_as_a_declarations_does(
    tmp_path: Path, shared_data: Path, pypa_until_cutoff: Path, name: str, text: str
) -> None:
    folder = package(tmp_path, vex=True)  # the same SBOMs and VEX document, listed by an inventory
    inventory = folder / name
    inventory.write_text(text, encoding="utf-8")
    report = two_runs(tmp_path, shared_data, pypa_until_cutoff, inventory)
    assert [(s.product, s.change.subject, s.change.vex_status) for s in report.settled] == [
        ("P-EKYC", "CVE-2023-49083", "not_affected")
    ]
    shown = f"{folder.as_posix()}/vex/ekyc.openvex.json"  # beside the inventory, as named
    assert report.settled[0].change.vex_source == f"{shown}: /statements/0"
    assert changes(report) == [
        *[(cve, "new-finding", "pkg:pypi/django@4.2.7", None) for cve in DJANGO],
        ("CVE-2024-3651", "new-finding", "pkg:pypi/idna@3.4", "under_investigation"),
    ]
