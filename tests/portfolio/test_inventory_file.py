"""Reading inventories: YAML and CSV give the same records; hostile input is one line naming
the file and the place."""

from __future__ import annotations

import os
import shutil
from pathlib import Path

import pytest

from chainreview import limits
from chainreview.errors import InputError, LimitExceeded
from chainreview.evidence.declaration import Criticality
from chainreview.portfolio.inventory_file import read_inventory
from chainreview.portfolio.model import Deployment, System, Vendor, VendorSite

DATA = Path(__file__).parent / "data"


YAML = (DATA / "inventory.yaml").read_text()
CSV = (DATA / "inventory.csv").read_text()


def test_yaml_and_csv_give_the_same_portfolio() -> None:
    from_yaml = read_inventory(DATA / "inventory.yaml", "inventory.yaml")
    from_csv = read_inventory(DATA / "inventory.csv", "inventory.csv")
    assert from_yaml.source == "inventory.yaml" and from_csv.source == "inventory.csv"
    for field in ("operator", "systems", "vendors"):
        assert getattr(from_yaml, field) == getattr(from_csv, field)
    for a, b in zip(from_yaml.products, from_csv.products, strict=True):
        assert (a.id, a.name, a.vendor, a.deployments, a.sboms, a.case, a.alternatives) == (
            b.id,
            b.name,
            b.vendor,
            b.deployments,
            b.sboms,
            b.case,
            b.alternatives,
        )
        assert (a.inventory is None) == (b.inventory is None)


def test_the_records_read() -> None:
    found = read_inventory(DATA / "inventory.yaml")
    assert found.operator == "Hand-built Grid Co."
    assert found.systems[0] == System(
        id="SYS-GRID", name="Grid dispatch", criticality=Criticality.CRITICAL, function="dispatch"
    )
    assert found.vendors[0] == Vendor(
        id="acme",
        name="Acme Networks",
        country="US",
        sites=(VendorSite(country="MY", products=("P-FW",)),),
    )
    products = {p.id: p for p in found.products}
    assert products["P-WAF"].deployments == (
        Deployment(system="SYS-PAY", quantity=5, function="web filtering"),
    )
    assert products["P-DB"].case == "CR-2026-0007"
    assert products["P-WAF"].alternatives == ("Dunmore Security",)
    assert products["P-DB"].alternatives == ()
    assert products["P-MAIL"].sboms == () and products["P-MAIL"].inventory is None
    # fw.cdx.json is read once: P-FW and P-WAF share its inventory.
    assert products["P-FW"].inventory is products["P-WAF"].inventory
    assert products["P-FW"].sboms == ("sbom/fw.cdx.json",)
    assert products["P-FW"].inventory is not None
    assert [c.ref for c in products["P-FW"].inventory.components] == [
        "fw",
        "web",
        "jinja",
        "crypto",
        "zlib",
    ]


def test_a_deployment_without_a_function_serves_its_systems(tmp_path: Path) -> None:
    shutil.copytree(DATA / "sbom", tmp_path / "sbom")
    text = YAML.replace("quantity: 6, function: dispatch}", "quantity: 6}")
    text = text.replace(
        "criticality: critical, function: dispatch}\n  - {id: SYS-DR",
        "criticality: critical, function: grid control}\n  - {id: SYS-DR",
    )
    (tmp_path / "inventory.yaml").write_text(text)
    found = read_inventory(tmp_path / "inventory.yaml")
    assert found.systems[0].function == "grid control"
    assert found.products[0].deployments[0].function == "grid control"  # SYS-GRID's
    assert found.products[1].deployments[0].function == "dispatch"  # P-SW's own there


HOSTILE = [
    (
        "inventory.yaml",
        YAML.replace("{system: SYS-DR, quantity: 2", "{system: SYS-DX, quantity: 2"),
        "inventory.yaml: /products/0/deployments/1/system: unknown system 'SYS-DX' "
        "(declared: SYS-DR, SYS-GRID, SYS-MAIL, SYS-PAY)",
    ),
    (
        "inventory.yaml",
        YAML.replace("[Dunmore Security]", "[Dunmore Security, Dunmore Security]"),
        "inventory.yaml: /products/4/alternatives: ['Dunmore Security', 'Dunmore Security'] "
        "has non-unique elements",
    ),
    (
        "inventory.yaml",
        YAML.replace("quantity: 3,", "quantity: -3,"),
        "inventory.yaml: /products/2/deployments/0/quantity: -3 is less than the minimum of 1",
    ),
    (
        "inventory.yaml",
        YAML.replace("vendor: borei\n", "vendor: boreal\n"),
        "inventory.yaml: /products/1/vendor: unknown vendor 'boreal' "
        "(declared: acme, borei, cedar)",
    ),
    (
        "inventory.yaml",
        YAML.replace("  - {id: cedar,", "  - {id: acme,"),
        "inventory.yaml: /vendors/2/id: vendor id 'acme' appears more than once",
    ),
    (
        "inventory.yaml",
        YAML.replace("{country: CN, products: [P-SW]}", "{country: CN, products: [P-FW]}"),
        "inventory.yaml: /vendors/1/sites/0/products/0: product 'P-FW' is made by vendor "
        "'acme', not 'borei'",
    ),
    (
        "inventory.yaml",
        YAML.replace("sboms: [sbom/db.cdx.json]", "sboms: [../db.cdx.json]"),
        "inventory.yaml: /products/2/sboms/0: path '../db.cdx.json' refused: `..` leaves the "
        "folder",
    ),
    (
        "inventory.yaml",
        YAML.replace(
            "sboms: [sbom/db.cdx.json]", "sboms: [sbom/db.cdx.json]\n    vex: [../x.json]"
        ),
        "inventory.yaml: /products/2/vex/0: path '../x.json' refused: `..` leaves the folder",
    ),
    (
        "inventory.yaml",
        YAML.replace(
            "sboms: [sbom/db.cdx.json]", "sboms: [sbom/db.cdx.json]\n    vex: [inventory.yaml]"
        ),
        "inventory.yaml: not a VEX document: no bomFormat (CycloneDX), @context or statements "
        "(OpenVEX) or document (CSAF) at the top level",
    ),
    (
        "inventory.yaml",
        YAML.replace("sboms: [sbom/db.cdx.json]", "sboms: [sbom/none.cdx.json]"),
        "inventory.yaml: /products/2/sboms/0: no such file 'sbom/none.cdx.json' in the folder",
    ),
    (
        "inventory.yaml",
        YAML.replace("criticality: low", "criticality: trivial"),
        "inventory.yaml: /systems/3/criticality: 'trivial' is not one of "
        "['low', 'medium', 'high', 'critical']",
    ),
    ("inventory.yaml", "", "inventory.yaml: empty inventory"),
    (
        "inventory.yaml",
        "operator: [\n",
        "inventory.yaml: line 2, column 1: not valid YAML: did not find expected node content",
    ),
    (
        "inventory.csv",
        CSV.replace(",Core switch,4,", ",Core switch,-4,"),
        "inventory.csv: line 5, column quantity: -4 is less than the minimum of 1",
    ),
    (
        "inventory.csv",
        CSV.replace(",Core switch,4,", ",Core switch,four,"),
        "inventory.csv: line 5, column quantity: 'four' is not of type 'integer'",
    ),
    (
        "inventory.csv",
        CSV.replace(",quantity,", ",qty,"),
        "inventory.csv: line 1: unknown column 'qty' (columns: operator, system, system_name, "
        "criticality, function, product, product_name, quantity, vendor, vendor_name, "
        "vendor_country, sboms, sites, case, alternatives, vex)",
    ),
    (
        "inventory.csv",
        CSV.replace(",sboms,", ",vendor,"),
        "inventory.csv: line 1, column 12: column 'vendor' appears more than once",
    ),
    (
        "inventory.csv",
        CSV.replace(",quantity,", ",").replace(",6,acme", ",acme"),
        "inventory.csv: line 1: missing column quantity",
    ),
    (
        "inventory.csv",
        CSV.replace("SYS-DR,Dispatch backup,critical", "SYS-GRID,Grid despatch,critical"),
        "inventory.csv: line 3, column system_name: system_name 'Grid despatch' differs from "
        "'Grid dispatch' given for system 'SYS-GRID' on line 2",
    ),
    (
        "inventory.csv",
        CSV.replace(",CR-2026-0007", ",CR-2026-0007,extra"),
        "inventory.csv: line 6: 16 fields, the header has 15",
    ),
    (
        "inventory.csv",
        CSV.replace("MY,,\n", "MY,,Dunmore Security\n", 1),
        "inventory.csv: line 3, column alternatives: alternatives [] differs from "
        "['Dunmore Security'] given for product 'P-FW' on line 2",
    ),
    (
        "inventory.csv",
        CSV + CSV.splitlines()[1] + "\n",
        "inventory.csv: line 9: product 'P-FW' is listed in system 'SYS-GRID' twice (first on "
        "line 2)",
    ),
    (
        "inventory.csv",
        CSV.replace(",US,sbom/fw", ",USA,sbom/fw"),
        "inventory.csv: line 2, column vendor_country: 'USA' does not match '^[A-Z]{2}$'",
    ),
    (
        "inventory.csv",
        CSV.replace("sbom/db.cdx.json", "/etc/passwd"),
        "inventory.csv: line 6, column sboms: absolute path '/etc/passwd' refused: use a folder "
        "path",
    ),
    (
        "inventory.csv",
        CSV.replace("Edge firewall,6", '"Edge firewall,6'),
        "inventory.csv: line 8: not valid CSV: unexpected end of data",
    ),
    (
        "inventory.csv",
        CSV.splitlines()[0] + "\n",
        "inventory.csv: no deployment rows after the header",
    ),
]


@pytest.mark.parametrize(("name", "text", "message"), HOSTILE)
def test_hostile_inventories_are_one_line_naming_file_and_place(
    tmp_path: Path, name: str, text: str, message: str
) -> None:
    shutil.copytree(DATA / "sbom", tmp_path / "sbom")
    (tmp_path / name).write_text(text)
    with pytest.raises(InputError) as caught:
        read_inventory(tmp_path / name, name)
    assert str(caught.value) == message
    assert "\n" not in str(caught.value)


def test_an_oversize_inventory_is_refused_unread(tmp_path: Path) -> None:
    path = tmp_path / "inventory.csv"
    with path.open("wb") as handle:  # sparse: nothing of it is ever read
        os.truncate(handle.fileno(), limits.MAX_INVENTORY_BYTES + 1)
    with pytest.raises(LimitExceeded) as caught:
        read_inventory(path, "inventory.csv")
    assert str(caught.value) == (
        "inventory.csv: file is 33,554,433 bytes, over the 33,554,432-byte limit"
    )


def test_a_link_out_of_the_folder_is_refused(tmp_path: Path) -> None:
    folder = tmp_path / "inventory"
    shutil.copytree(DATA / "sbom", folder / "sbom")
    (tmp_path / "secret.cdx.json").write_text("{}")
    (folder / "sbom" / "db.cdx.json").unlink()
    (folder / "sbom" / "db.cdx.json").symlink_to(tmp_path / "secret.cdx.json")
    (folder / "inventory.yaml").write_text(YAML)
    with pytest.raises(InputError) as caught:
        read_inventory(folder / "inventory.yaml", "inventory.yaml")
    assert str(caught.value) == (
        "inventory.yaml: /products/2/sboms/0: path 'sbom/db.cdx.json' refused: a link leads outside"
    )
