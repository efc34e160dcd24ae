"""Distro advisories changing between two snapshots, in the monitor: an OS package is matched
again on the new snapshot with the distro matcher, and a new Debian advisory for its release
flags its product (`changed_packages` names OSV packages only; the monitor scans the components
outside the OSV matcher again on every new snapshot, docs/portfolio.md).

One product, P-DEB, carries Debian 11's openssl 1.1.1n-0+deb11u3. The first snapshot holds
the Debian security tracker's DSA list up to DSA-5342-1 (the blocks above DSA-5343-1 taken
out); the second the whole list. Read by hand in `data/DSA/list`:

* DSA-5169-1 (26 Jun 2022) fixes openssl in bullseye in 1.1.1n-0+deb11u3: the version
  deployed, so not affected, on either snapshot;
* DSA-5343-1 (07 Feb 2023) fixes it in 1.1.1n-0+deb11u4 for CVE-2022-2097, CVE-2022-4304,
  CVE-2022-4450, CVE-2023-0215 and CVE-2023-0286: only in the second snapshot, and it affects
  the version deployed. No NVD or KEV record is imported, so each finding's severity is
  unknown: `new-finding`.
"""

from __future__ import annotations

import json
from datetime import date
from pathlib import Path

from chainreview.intel import importer
from chainreview.intel.snapshot import open_current
from chainreview.portfolio.monitor import MonitorReport, run_monitor
from chainreview.portfolio.sources import load_portfolio

DSA = Path("debian-security-tracker") / "data" / "DSA" / "list"
OPENSSL = "pkg:deb/debian/openssl@1.1.1n-0%2Bdeb11u3?distro=debian-11"
NEW_CVES = ["CVE-2022-2097", "CVE-2022-4304", "CVE-2022-4450", "CVE-2023-0215", "CVE-2023-0286"]


def test_the_list_says_so(shared_data: Path) -> None:
    lines = (shared_data / DSA).read_text(encoding="utf-8").splitlines()
    at = lines.index("[07 Feb 2023] DSA-5343-1 openssl - security update")
    assert lines[at + 1 : at + 3] == [
        "\t{" + " ".join(NEW_CVES) + "}",
        "\t[bullseye] - openssl 1.1.1n-0+deb11u4",
    ]
    older = lines.index("[26 Jun 2022] DSA-5169-1 openssl - security update")
    assert "\t[bullseye] - openssl 1.1.1n-0+deb11u3" in lines[older + 1 : older + 4]


def run(home: Path, inventory: Path, day: date) -> MonitorReport:
    snapshot = open_current(home)
    assert snapshot is not None
    with snapshot:
        return run_monitor(
            load_portfolio(inventory), snapshot, home=home, inventory="deb", today=day
        )


def test_a_new_debian_advisory_flags_the_product(tmp_path: Path, shared_data: Path) -> None:
    sbom = {
        "bomFormat": "CycloneDX",
        "specVersion": "1.5",
        "version": 1,
        "components": [
            {
                "type": "library",
                "bom-ref": "openssl",
                "name": "openssl",
                "version": "1.1.1n-0+deb11u3",
                "purl": OPENSSL,
            }
        ],
    }
    (tmp_path / "deb.cdx.json").write_text(json.dumps(sbom), encoding="utf-8")
    inventory = tmp_path / "inventory.yaml"
    inventory.write_text(
        "schema_version: '1.0'\noperator: Debian Co.\n"
        "systems: [{id: S, name: Edge, criticality: high, function: routing}]\n"
        "vendors: [{id: v, name: V, country: DE}]\n"
        "products: [{id: P-DEB, name: Server, vendor: v, sboms: [deb.cdx.json], "
        "deployments: [{system: S, quantity: 1}]}]\n",
        encoding="utf-8",
    )
    text = (shared_data / DSA).read_text(encoding="utf-8")
    older = text[text.index("[07 Feb 2023] DSA-5342-1") :]
    (tmp_path / "first").mkdir()
    (tmp_path / "first" / "list").write_text(older, encoding="utf-8")
    home = tmp_path / "home"
    importer.import_paths([tmp_path / "first" / "list"], home=home, complete=True)
    first = run(home, inventory, date(2027, 1, 10))
    assert (first.flagged, first.unmonitored) == ((), ())  # checked, nothing found

    importer.import_paths([shared_data / DSA], home=home, complete=True)
    second = run(home, inventory, date(2027, 1, 20))
    assert second.selection.value == "changed"
    assert second.rematched == ()  # no OSV package: the OS package is scanned again instead
    (flagged,) = second.flagged
    assert flagged.product == "P-DEB"
    assert [
        (c.reason.value, c.subject, c.package, c.purl, c.severity) for c in flagged.changes
    ] == [
        ("new-finding", cve, "deb/openssl", OPENSSL, "unknown") for cve in NEW_CVES
    ]  # one finding per CVE the advisory lists

    again = run(home, inventory, date(2027, 1, 21))  # the same snapshot: nothing new
    assert again.flagged == ()
