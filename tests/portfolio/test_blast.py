"""Blast radius on the hand-built portfolio (`data/`), every answer worked out by hand.

The portfolio, from `data/inventory.yaml` and the three SBOMs:

    SYS-GRID  Grid dispatch    critical   P-FW ×6, P-SW ×2
    SYS-DR    Dispatch backup  critical   P-FW ×2
    SYS-PAY   Payments         high       P-SW ×4, P-DB ×3, P-WAF ×5
    SYS-MAIL  Office mail      low        P-MAIL ×10

    P-FW  acme (US; a site in MY for P-FW)  fw.cdx.json: fw → web (flask 2.0.0) → jinja (jinja2
          3.0.0) → crypto (cryptolib 1.0.0); fw → zlib (Go)
    P-WAF acme                              the same fw.cdx.json
    P-SW  borei (CN; a site in CN for P-SW)  sw.cdx.json: sw → crypto (cryptolib 1.2.0), jinja
          (jinja2 3.1.0), blob (no purl, no CPE)
    P-DB  cedar (DE)                        db.cdx.json: db → jinja (jinja2 3.0.0) → crypto
          (cryptolib 2.0.0)
    P-MAIL cedar                            no SBOM

Systems rank critical first, then by name: "Dispatch backup" (SYS-DR) before "Grid dispatch"
(SYS-GRID), then Payments (high), then Office mail (low).
"""

from __future__ import annotations

import json
import shutil
from pathlib import Path

import pytest

import chainreview
from chainreview.components.purl import InvalidPurl
from chainreview.errors import InputError
from chainreview.intel.snapshot import Snapshot
from chainreview.portfolio import blast
from chainreview.portfolio.advisory import of_advisory
from chainreview.portfolio.blast import BlastRadius
from chainreview.portfolio.build import PortfolioGraph, build_graph
from chainreview.portfolio.declared import from_declaration
from chainreview.portfolio.graph import NodeKind
from chainreview.portfolio.inventory_file import read_inventory
from chainreview.scanner import Scanner

EXAMPLES = Path(__file__).parents[2] / "examples"
DATA = Path(__file__).parent / "data"

Answer = list[tuple[str, list[tuple[str, int, list[str]]]]]
"""Each system reached, with each exposure: product, units, the path's node ids."""


def answer(found: BlastRadius) -> Answer:
    return [
        (s.id, [(e.product, e.quantity, [n.id for n in e.path]) for e in s.exposures])
        for s in found.systems
    ]


def test_a_component_of_every_version(graph: PortfolioGraph) -> None:
    # jinja2 is in P-FW (3.0.0, used by web), P-SW (3.1.0, by sw), P-DB (3.0.0, by db) and
    # P-WAF (fw.cdx.json again). P-FW reaches SYS-DR ×2 and SYS-GRID ×6, P-SW SYS-GRID ×2 and
    # SYS-PAY ×4, P-DB SYS-PAY ×3, P-WAF SYS-PAY ×5; P-MAIL has no SBOM: not checked.
    found = blast.of_component(graph, "pkg:pypi/jinja2")
    assert answer(found) == [
        ("SYS-DR", [("P-FW", 2, ["SYS-DR", "P-FW", "fw", "web", "jinja"])]),
        (
            "SYS-GRID",
            [
                ("P-FW", 6, ["SYS-GRID", "P-FW", "fw", "web", "jinja"]),
                ("P-SW", 2, ["SYS-GRID", "P-SW", "sw", "jinja"]),
            ],
        ),
        (
            "SYS-PAY",
            [
                ("P-DB", 3, ["SYS-PAY", "P-DB", "db", "jinja"]),
                ("P-SW", 4, ["SYS-PAY", "P-SW", "sw", "jinja"]),
                ("P-WAF", 5, ["SYS-PAY", "P-WAF", "fw", "web", "jinja"]),
            ],
        ),
    ]
    assert [(n.owner, n.id) for n in found.matched] == [  # in the inventory's order
        ("P-FW", "jinja"),
        ("P-SW", "jinja"),
        ("P-DB", "jinja"),
        ("P-WAF", "jinja"),
    ]
    assert [(u.product, u.target) for u in found.unchecked] == [("P-MAIL", "no SBOM")]
    assert found.systems[0].criticality == "critical" and found.systems[2].criticality == "high"


def test_a_component_of_one_version(graph: PortfolioGraph) -> None:
    # jinja2 3.0.0: P-FW and P-WAF (fw.cdx.json) and P-DB; not P-SW's 3.1.0.
    found = blast.of_component(graph, "pkg:pypi/jinja2@3.0.0")
    assert answer(found) == [
        ("SYS-DR", [("P-FW", 2, ["SYS-DR", "P-FW", "fw", "web", "jinja"])]),
        ("SYS-GRID", [("P-FW", 6, ["SYS-GRID", "P-FW", "fw", "web", "jinja"])]),
        (
            "SYS-PAY",
            [
                ("P-DB", 3, ["SYS-PAY", "P-DB", "db", "jinja"]),
                ("P-WAF", 5, ["SYS-PAY", "P-WAF", "fw", "web", "jinja"]),
            ],
        ),
    ]


def test_a_component_nobody_runs_and_a_bad_purl(graph: PortfolioGraph) -> None:
    found = blast.of_component(graph, "pkg:pypi/jinja2@9.9.9")
    assert found.matched == () and found.systems == ()
    with pytest.raises(InvalidPurl):
        blast.of_component(graph, "jinja2")


@pytest.mark.parametrize("name", ["cedar", "Cedar Soft", "  CEDAR SOFT "])
def test_a_vendor_by_id_or_name(graph: PortfolioGraph, name: str) -> None:
    # cedar makes P-DB (SYS-PAY ×3, high) and P-MAIL (SYS-MAIL ×10, low).
    found = blast.of_vendor(graph, name)
    assert answer(found) == [
        ("SYS-PAY", [("P-DB", 3, ["SYS-PAY", "P-DB", "cedar"])]),
        ("SYS-MAIL", [("P-MAIL", 10, ["SYS-MAIL", "P-MAIL", "cedar"])]),
    ]
    assert found.unchecked == ()


def test_a_country_through_a_site(graph: PortfolioGraph) -> None:
    # Only acme's site in MY, and it makes P-FW alone (not P-WAF).
    found = blast.of_country(graph, "my")
    assert found.question.value == "MY"
    assert answer(found) == [
        ("SYS-DR", [("P-FW", 2, ["SYS-DR", "P-FW", "acme/sites/0", "MY"])]),
        ("SYS-GRID", [("P-FW", 6, ["SYS-GRID", "P-FW", "acme/sites/0", "MY"])]),
    ]


def test_a_country_through_a_jurisdiction(graph: PortfolioGraph) -> None:
    # acme is incorporated in the US: P-FW (SYS-DR ×2, SYS-GRID ×6) and P-WAF (SYS-PAY ×5).
    found = blast.of_country(graph, "US")
    assert answer(found) == [
        ("SYS-DR", [("P-FW", 2, ["SYS-DR", "P-FW", "acme", "US"])]),
        ("SYS-GRID", [("P-FW", 6, ["SYS-GRID", "P-FW", "acme", "US"])]),
        ("SYS-PAY", [("P-WAF", 5, ["SYS-PAY", "P-WAF", "acme", "US"])]),
    ]


def test_a_country_nobody_is_in(graph: PortfolioGraph) -> None:
    found = blast.of_country(graph, "FR")
    assert found.matched == () and found.systems == ()
    with pytest.raises(ValueError, match="alpha-2"):
        blast.of_country(graph, "FRA")


@pytest.mark.parametrize("advisory", ["CVE-2099-0001", "GHSA-cccc-dddd-eeee"])
def test_an_advisory(graph: PortfolioGraph, advisory_snapshot: Snapshot, advisory: str) -> None:
    # cryptolib < 1.5.0: 1.0.0 in fw.cdx.json (P-FW, P-WAF), 1.2.0 in sw.cdx.json (P-SW); the
    # 2.0.0 of P-DB is fixed. P-FW: SYS-DR ×2, SYS-GRID ×6; P-SW: SYS-GRID ×2, SYS-PAY ×4;
    # P-WAF: SYS-PAY ×5. By either id of the alias group.
    found = of_advisory(graph, Scanner(advisory_snapshot), advisory)
    chain = ["fw", "web", "jinja", "crypto"]
    assert answer(found) == [
        ("SYS-DR", [("P-FW", 2, ["SYS-DR", "P-FW", *chain])]),
        (
            "SYS-GRID",
            [
                ("P-FW", 6, ["SYS-GRID", "P-FW", *chain]),
                ("P-SW", 2, ["SYS-GRID", "P-SW", "sw", "crypto"]),
            ],
        ),
        (
            "SYS-PAY",
            [
                ("P-SW", 4, ["SYS-PAY", "P-SW", "sw", "crypto"]),
                ("P-WAF", 5, ["SYS-PAY", "P-WAF", *chain]),
            ],
        ),
    ]
    assert found.snapshot == advisory_snapshot.hash
    # Not checked, never unaffected: the Go zlib of fw.cdx.json (no Go advisories), sw's blob
    # (nothing to look it up by), and P-MAIL (no SBOM). P-DB was wholly checked.
    assert [(u.product, u.target, u.state, u.components) for u in found.unchecked] == [
        ("P-FW", "Go", "not_checked", ("zlib",)),
        ("P-SW", "no identifier", "not_checked", ("blob",)),
        ("P-MAIL", "no SBOM", "not_checked", ()),
        ("P-WAF", "Go", "not_checked", ("zlib",)),
    ]


def test_an_advisory_the_snapshot_lacks_is_refused(
    graph: PortfolioGraph, advisory_snapshot: Snapshot
) -> None:
    with pytest.raises(InputError, match="no advisory 'CVE-2099-9999' in the intel snapshot"):
        of_advisory(graph, Scanner(advisory_snapshot), "CVE-2099-9999")


def test_a_declaration_feeds_the_same_questions() -> None:
    # examples/grid-storage: P-ARRAY (8 units) and P-AGENT (4) of veltrani (US), both in
    # SYS-DISPATCH and SYS-DR (critical both: "Backup dispatch centre" before "Provincial…").
    # veltrani's service site in CN serves all its products: CN reaches them through it.
    graph = build_graph(from_declaration(chainreview.load_package(EXAMPLES / "grid-storage")))
    found = blast.of_country(graph, "CN")
    assert answer(found) == [
        (
            "SYS-DR",
            [
                ("P-AGENT", 4, ["SYS-DR", "P-AGENT", "veltrani", "veltrani/sites/3", "CN"]),
                ("P-ARRAY", 8, ["SYS-DR", "P-ARRAY", "veltrani", "veltrani/sites/3", "CN"]),
            ],
        ),
        (
            "SYS-DISPATCH",
            [
                ("P-AGENT", 4, ["SYS-DISPATCH", "P-AGENT", "veltrani", "veltrani/sites/3", "CN"]),
                ("P-ARRAY", 8, ["SYS-DISPATCH", "P-ARRAY", "veltrani", "veltrani/sites/3", "CN"]),
            ],
        ),
    ]
    # salt 3000.1 is in the Fleet Agent's SBOM, a dependency of its root component.
    salt = blast.of_component(graph, "pkg:pypi/salt")
    assert [[n.kind for n in e.path] for s in salt.systems for e in s.exposures] == [
        [NodeKind.SYSTEM, NodeKind.PRODUCT, NodeKind.COMPONENT, NodeKind.COMPONENT]
    ] * 2
    assert salt.systems[0].exposures[0].path[-1].label == "pkg:pypi/salt@3000.1"


def test_a_system_outside_the_cii_says_so() -> None:
    # examples/office-video-conferencing declares its one system `cii: false`.
    package = chainreview.load_package(EXAMPLES / "office-video-conferencing")
    graph = build_graph(from_declaration(package))
    vendor = package.products[0].vendor
    found = blast.of_vendor(graph, vendor)
    assert [s.cii for s in found.systems] == [False]


@pytest.fixture
def supplied(tmp_path: Path) -> PortfolioGraph:
    """The hand-built portfolio with two suppliers named in its SBOMs: P-SW's `blob` supplied
    by "Cedar  soft" (cedar's name, other case and spacing), fw.cdx.json's `zlib` (P-FW and
    P-WAF) by "Zlib Project", which is no vendor of the portfolio."""
    folder = tmp_path / "data"
    shutil.copytree(DATA, folder)
    for name, ref, supplier in (("sw", "blob", "Cedar  soft"), ("fw", "zlib", "Zlib Project")):
        path = folder / "sbom" / f"{name}.cdx.json"
        bom = json.loads(path.read_text(encoding="utf-8"))
        (component,) = [c for c in bom["components"] if c["bom-ref"] == ref]
        component["supplier"] = {"name": supplier}
        path.write_text(json.dumps(bom), encoding="utf-8")
    return build_graph(read_inventory(folder / "inventory.yaml"))


def test_a_vendor_reaches_the_parts_it_supplies_to_other_products(
    supplied: PortfolioGraph,
) -> None:
    # cedar makes P-DB (SYS-PAY ×3) and P-MAIL (SYS-MAIL ×10), and supplies P-SW's blob
    # (SYS-GRID ×2, SYS-PAY ×4), reached through sw, P-SW's top component.
    found = blast.of_vendor(supplied, "cedar")
    assert answer(found) == [
        ("SYS-GRID", [("P-SW", 2, ["SYS-GRID", "P-SW", "sw", "blob", "cedar soft"])]),
        (
            "SYS-PAY",
            [
                ("P-DB", 3, ["SYS-PAY", "P-DB", "cedar"]),
                ("P-SW", 4, ["SYS-PAY", "P-SW", "sw", "blob", "cedar soft"]),
            ],
        ),
        ("SYS-MAIL", [("P-MAIL", 10, ["SYS-MAIL", "P-MAIL", "cedar"])]),
    ]
    assert [(n.kind, n.id, n.label) for n in found.matched] == [
        (NodeKind.VENDOR, "cedar", "Cedar Soft"),
        (NodeKind.SUPPLIER, "cedar soft", "Cedar soft"),
    ]
    # a supplier that is no vendor of the portfolio, by its name alone: zlib is in fw.cdx.json,
    # P-FW's (SYS-DR ×2, SYS-GRID ×6) and P-WAF's (SYS-PAY ×5), used by fw
    zlib = blast.of_vendor(supplied, "zlib project")
    assert answer(zlib) == [
        ("SYS-DR", [("P-FW", 2, ["SYS-DR", "P-FW", "fw", "zlib", "zlib project"])]),
        ("SYS-GRID", [("P-FW", 6, ["SYS-GRID", "P-FW", "fw", "zlib", "zlib project"])]),
        ("SYS-PAY", [("P-WAF", 5, ["SYS-PAY", "P-WAF", "fw", "zlib", "zlib project"])]),
    ]
