"""Components the OSV matcher does not decide alone, in the monitor: matched as a review
matches them (the CPE and distro matchers), or counted as not checked, never as clean.

One product, P-GW, carries pyspark 3.2.1 (a PyPI package, as in test_monitor.py), BusyBox
1.33.0 named by a CPE only, and Debian's openssl 1.1.1n-0+deb11u3 for Debian 11. The first
snapshot is the PyPA advisories up to the cutoff (tests/monitor_kit.py); the second adds every
PyPA advisory, the CISA KEV catalogue and the NVD records of `nvd-cve-firmware-selection`.

Worked out by hand from the files (`test_what_the_nvd_record_says` reads them):

* CVE-2021-42374's NVD configuration affects `cpe:2.3:a:busybox:busybox` from 1.27.0 up to
  and including 1.33.1, so 1.33.0; its primary CVSS 3.1 score is 5.3 (medium); it is not in
  KEV. The first snapshot holds no NVD record, so BusyBox is not checked there (counted as not
  monitored); the second matches it: `new-finding` (medium) for P-GW.
* Neither snapshot holds Debian's advisories: openssl is not checked in either (counted).
* pyspark 3.2.1: `new-kev` for CVE-2022-33891 (test_monitor.py).
"""

from __future__ import annotations

import json
from datetime import date
from pathlib import Path

from chainreview.intel import importer
from chainreview.intel.snapshot import open_current
from chainreview.portfolio.monitor import MonitorReport, run_monitor
from chainreview.portfolio.sources import load_portfolio
from monitor_kit import import_first, import_second

NVD = "nvd-cve-firmware-selection"
BUSYBOX = "cpe:2.3:a:busybox:busybox:1.33.0:*:*:*:*:*:*:*"
OPENSSL = "pkg:deb/debian/openssl@1.1.1n-0%2Bdeb11u3?distro=debian-11"
SBOM = {
    "bomFormat": "CycloneDX",
    "specVersion": "1.5",
    "version": 1,
    "components": [
        {
            "type": "library",
            "bom-ref": "spark",
            "name": "pyspark",
            "version": "3.2.1",
            "purl": "pkg:pypi/pyspark@3.2.1",
        },
        {
            "type": "application",
            "bom-ref": "busybox",
            "name": "busybox",
            "version": "1.33.0",
            "cpe": BUSYBOX,
        },
        {
            "type": "library",
            "bom-ref": "openssl",
            "name": "openssl",
            "version": "1.1.1n-0+deb11u3",
            "purl": OPENSSL,
        },
    ],
}


def test_what_the_nvd_record_says(shared_data: Path) -> None:
    record = json.loads(
        (shared_data / NVD / "CVE-2021" / "CVE-2021-423xx" / "CVE-2021-42374.json").read_text()
    )
    (match,) = record["configurations"][0]["nodes"][0]["cpeMatch"]
    assert (match["criteria"], match["versionStartIncluding"], match["versionEndIncluding"]) == (
        "cpe:2.3:a:busybox:busybox:*:*:*:*:*:*:*:*",
        "1.27.0",
        "1.33.1",
    )
    primary = record["metrics"]["cvssMetricV31"][0]
    assert (primary["type"], primary["cvssData"]["baseScore"]) == ("Primary", 5.3)
    kev = (shared_data / "cisa-kev" / "known_exploited_vulnerabilities.json").read_text()
    assert "CVE-2021-42374" not in kev


def run(home: Path, inventory: Path, day: date) -> MonitorReport:
    snapshot = open_current(home)
    assert snapshot is not None
    with snapshot:
        return run_monitor(
            load_portfolio(inventory), snapshot, home=home, inventory="gw", today=day
        )


def test_cpe_and_os_components_are_matched_or_counted(
    tmp_path: Path, shared_data: Path, pypa_until_cutoff: Path
) -> None:
    (tmp_path / "gw.cdx.json").write_text(json.dumps(SBOM), encoding="utf-8")
    inventory = tmp_path / "inventory.yaml"
    inventory.write_text(
        "schema_version: '1.0'\noperator: Gateway Co.\n"
        "systems: [{id: S, name: Edge, criticality: high, function: routing}]\n"
        "vendors: [{id: v, name: V, country: DE}]\n"
        "products: [{id: P-GW, name: Gateway, vendor: v, sboms: [gw.cdx.json], "
        "deployments: [{system: S, quantity: 1}]}]\n",
        encoding="utf-8",
    )
    home = tmp_path / "home"
    import_first(home, pypa_until_cutoff)
    first = run(home, inventory, date(2027, 1, 10))
    assert first.flagged == ()
    assert [(u.product, u.no_sbom, u.components) for u in first.unmonitored] == [
        ("P-GW", False, 2)  # busybox (no NVD record) and openssl (no Debian advisories)
    ]
    import_second(home, shared_data)
    importer.import_paths([shared_data / NVD], home=home)
    second = run(home, inventory, date(2027, 1, 20))
    (flagged,) = second.flagged
    assert [
        (c.reason.value, c.subject, c.package, c.purl, c.severity, c.kev) for c in flagged.changes
    ] == [
        (
            "new-kev",
            "CVE-2022-33891",
            "PyPI/pyspark",
            "pkg:pypi/pyspark@3.2.1",
            "unknown",
            "CVE-2022-33891",
        ),
        ("new-finding", "CVE-2021-42374", "cpe/busybox", BUSYBOX, "medium", None),
    ]
    assert [(u.product, u.components) for u in second.unmonitored] == [("P-GW", 1)]  # openssl
    again = run(home, inventory, date(2027, 1, 21))  # the same snapshot: nothing new
    assert (again.flagged, [(u.product, u.components) for u in again.unmonitored]) == (
        (),
        [("P-GW", 1)],
    )
