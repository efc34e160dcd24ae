"""A declaration package as portfolio records: examples/grid-storage, read by hand."""

from __future__ import annotations

from pathlib import Path

import chainreview
from chainreview.evidence.declaration import Criticality
from chainreview.evidence.vendor_profile import SiteKind
from chainreview.portfolio.declared import from_declaration
from chainreview.portfolio.model import Deployment, System, VendorSite

GRID_STORAGE = Path(__file__).parents[2] / "examples" / "grid-storage"


def test_grid_storage_as_records() -> None:
    package = chainreview.load_package(GRID_STORAGE)
    found = from_declaration(package, case="CR-2026-0001")
    assert found.operator == "Qiuyuan Provincial Grid Dispatch Co., Ltd."
    assert found.source == "declaration QPGD-2026-CR-031"
    # A declared system has no function of its own: its name stands for it.
    assert found.systems == (
        System(
            id="SYS-DISPATCH",
            name="Provincial dispatch automation (SCADA/EMS)",
            criticality=Criticality.CRITICAL,
            function="Provincial dispatch automation (SCADA/EMS)",
        ),
        System(
            id="SYS-DR",
            name="Backup dispatch centre",
            criticality=Criticality.CRITICAL,
            function="Backup dispatch centre",
        ),
    )
    (vendor,) = found.vendors
    assert (vendor.id, vendor.name, vendor.country) == (
        "veltrani",
        "Veltrani Storage Systems, Inc.",
        "US",
    )
    # Five sites: R&D US, manufacturing MY and packaging-test US for P-ARRAY, service CN,
    # data centre US.
    assert vendor.sites[1] == VendorSite(
        country="MY", kind=SiteKind.MANUFACTURING, products=("P-ARRAY",)
    )
    assert [s.country for s in vendor.sites] == ["US", "MY", "US", "CN", "US"]
    array, agent = found.products
    # 8 arrays declared for the purchase: each deployment counts all 8.
    assert array.deployments == (
        Deployment(
            system="SYS-DISPATCH",
            quantity=8,
            function="primary block storage (historian, real-time database, SCADA servers)",
        ),
        Deployment(system="SYS-DR", quantity=8, function="replica block storage"),
    )
    assert agent.sboms == ("sbom/fleet-agent.cdx.json",) and agent.case == "CR-2026-0001"
    assert agent.inventory is package.products[1].inventory


def test_qualified_alternatives_are_the_products_alternatives() -> None:
    # grid-storage: Kunlan and Halmstad both replace P-ARRAY, neither qualified.
    grid = from_declaration(chainreview.load_package(GRID_STORAGE))
    assert [p.alternatives for p in grid.products] == [(), ()]
    # domestic-database: Hengyang and Taibai, both qualified, replace P-LXDB.
    database = from_declaration(chainreview.load_package(GRID_STORAGE.parent / "domestic-database"))
    assert [p.alternatives for p in database.products] == [
        ("Hengyang Shuku Information Technology Co., Ltd.", "Taibai Software Co., Ltd.")
    ]
