"""VEX readers on hostile and real input (issue #13): CSAF relationship chains resolve in linear
work with the old results, every statement of a multi-`affects` CycloneDX vulnerability keeps its
aliases, and OpenVEX statements are the same whatever way they are built.

Work is counted, never timed: the CSAF relationships index counts its lookups and fails the test
as soon as a quadratic walk overspends, so the old code fails in milliseconds instead of hanging.
"""

from __future__ import annotations

import copy
import json
import random
from pathlib import Path
from typing import Any

import pytest
from lxml import etree

from chainreview.components.model import Component
from chainreview.evidence import vex_csaf
from chainreview.evidence.vex import VexBuilder, VexDocument, VexStatus, applicable, read_vex

CDX_VULNERABILITY = "cyclonedx-specification/tools/src/test/resources/1.6/valid-vulnerability-1.6"


# --- CSAF: relationship chains ----------------------------------------------------------------


def old_resolve(tree: vex_csaf._Tree, product_id: str) -> tuple[str, ...]:
    """The resolution the reader had before (#13), walked afresh for every id: follow each
    relationship to its component until a product that is not one, or the first id met again."""
    seen: set[str] = set()
    while product_id in tree.relationships and product_id not in seen:
        seen.add(product_id)
        product_id = tree.relationships[product_id][0]
    return (product_id, *tree.identifiers.get(product_id, ()))


class OverBudget(AssertionError):
    """The reader looked relationships up more often than linear work allows."""


class CountingRelationships(dict[str, tuple[str, str]]):
    """A relationships index that counts lookups and fails once they pass `budget`."""

    def __init__(self, items: dict[str, tuple[str, str]], budget: int) -> None:
        super().__init__(items)
        self.lookups = 0
        self.budget = budget

    def _count(self) -> None:
        self.lookups += 1
        if self.lookups > self.budget:
            raise OverBudget(f"more than {self.budget:,} relationship lookups")

    def __contains__(self, key: object) -> bool:
        self._count()
        return super().__contains__(key)

    def __getitem__(self, key: str) -> tuple[str, str]:
        self._count()
        return super().__getitem__(key)

    def get(self, key: str, default: Any = None) -> Any:
        self._count()
        return super().get(key, default)


def csaf(relationships: list[tuple[str, str, str]], listed: list[str], **tree: Any) -> bytes:
    """A CSAF VEX whose one vulnerability lists `listed` as known_not_affected; relationships
    are (product id, component, platform)."""
    document = {
        "document": {
            "category": "csaf_vex",
            "csaf_version": "2.0",
            "title": "chain",
            "publisher": {"name": "test", "category": "vendor", "namespace": "https://example.com"},
            "tracking": {"id": "t-1", "current_release_date": "2024-01-01T00:00:00Z"},
        },
        "product_tree": {
            **tree,
            "relationships": [
                {
                    "category": "default_component_of",
                    "full_product_name": {"name": product, "product_id": product},
                    "product_reference": component,
                    "relates_to_product_reference": platform,
                }
                for product, component, platform in relationships
            ],
        },
        "vulnerabilities": [
            {"cve": "CVE-2024-0001", "product_status": {"known_not_affected": listed}}
        ],
    }
    return json.dumps(document).encode()


def read_counted(
    path: Path, budget: int, monkeypatch: pytest.MonkeyPatch
) -> tuple[VexDocument, CountingRelationships]:
    """`read_vex` with the tree's relationships counting their lookups."""
    counted: list[CountingRelationships] = []
    read_tree = vex_csaf._read_tree

    def counting_tree(builder: VexBuilder, value: object) -> vex_csaf._Tree:
        tree = read_tree(builder, value)
        tree.relationships = CountingRelationships(tree.relationships, budget)
        counted.append(tree.relationships)
        return tree

    monkeypatch.setattr(vex_csaf, "_read_tree", counting_tree)
    document = read_vex(path, path.name)
    assert len(counted) == 1
    return document, counted[0]


@pytest.mark.parametrize("n", [2_000, 20_000])
def test_a_long_chain_listed_id_by_id_costs_linear_work(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, n: int
) -> None:
    # r0 → r1 → … → r(n-1) → end, each a component of platform p: the reproducer.
    relationships = [(f"r{i}", f"r{i + 1}" if i < n - 1 else "end", "p") for i in range(n)]
    products = [
        {"name": "p", "product_id": "p"},
        {
            "name": "end",
            "product_id": "end",
            "product_identification_helper": {"purl": "pkg:generic/end@1.0"},
        },
    ]
    path = tmp_path / "chain.json"
    path.write_bytes(
        csaf(relationships, [r[0] for r in relationships], full_product_names=products)
    )
    document, index = read_counted(path, 10 * n, monkeypatch)  # a quadratic walk needs ~n²
    assert index.lookups <= 8 * n
    assert len(document.statements) == n
    for i, statement in enumerate(document.statements):
        assert statement.products == (f"r{i}", "p")
        assert statement.subcomponents == ("end", "pkg:generic/end@1.0")
        assert statement.status is VexStatus.NOT_AFFECTED


CYCLE = [("a", "b", "p"), ("b", "c", "p"), ("c", "a", "p"), ("t", "a", "p"), ("s", "s", "p")]
"""a → b → c → a is a cycle, t leads into it, s is its own component."""
CYCLE_COMPONENTS = {"a": ("b",), "b": ("c",), "c": ("a",), "t": ("a",), "s": ("s",)}
"""The component each one resolves to, as before: the walk stops at the first id met again, so an
id on a cycle ends at itself and one leading into it where it joins."""


@pytest.mark.parametrize("listed", [["t", "a", "b", "c", "s"], ["s", "c", "b", "a", "t"]])
def test_cyclic_relationships_resolve_as_before_in_any_order(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, listed: list[str]
) -> None:
    path = tmp_path / "cycle.json"
    tree = {"full_product_names": [{"name": "p", "product_id": "p"}]}
    path.write_bytes(csaf(CYCLE, listed, **tree))
    document, _ = read_counted(path, 1_000, monkeypatch)
    assert [s.products[0] for s in document.statements] == listed
    for statement in document.statements:
        product = statement.products[0]
        assert statement.products == (product, "p")
        assert statement.subcomponents == CYCLE_COMPONENTS[product]


@pytest.mark.parametrize("seed", range(40))
def test_memoised_resolution_equals_the_walk_on_random_trees(seed: int) -> None:
    """Random relationship graphs (chains, cycles, tails into cycles, unknown components), asked
    in random order, resolve as a fresh walk does."""
    rng = random.Random(seed)
    ids = [f"id{n}" for n in range(rng.randint(1, 40))]
    tree = vex_csaf._Tree()
    for product_id in ids:
        if rng.random() < 0.7:
            component = rng.choice([*ids, "outside"])
            tree.relationships[product_id] = (component, rng.choice(ids))
        else:
            tree.identifiers[product_id] = (f"pkg:generic/{product_id}",)
    questions = [*ids, "outside", *rng.choices(ids, k=len(ids))]
    rng.shuffle(questions)
    for product_id in questions:
        assert tree.resolve(product_id) == old_resolve(tree, product_id), product_id


def _real_csaf(shared_data: Path) -> list[tuple[str, dict[str, Any]]]:
    """Every JSON document of the shared data with a CSAF product tree, by relative path."""
    found = []
    for path in sorted(shared_data.rglob("*.json")):
        data = path.read_bytes()
        if b'"product_tree"' not in data:
            continue
        try:
            document = json.loads(data)
        except ValueError:
            continue
        if isinstance(document, dict) and isinstance(document.get("product_tree"), dict):
            found.append((str(path.relative_to(shared_data)), document))
    return found


def _mentioned(tree: vex_csaf._Tree) -> set[str]:
    found = {*tree.identifiers, *tree.relationships}
    found.update(part for pair in tree.relationships.values() for part in pair)
    found.update(member for members in tree.groups.values() for member in members)
    return found


def test_real_product_trees_resolve_as_before(shared_data: Path) -> None:
    trees = relationships = 0
    for name, document in _real_csaf(shared_data):
        tree = vex_csaf._read_tree(VexBuilder(name), document["product_tree"])
        for product_id in sorted(_mentioned(tree)):
            assert tree.resolve(product_id) == old_resolve(tree, product_id), (name, product_id)
        trees += 1
        relationships += len(tree.relationships)
    assert trees >= 150  # the OASIS examples and test documents, Red Hat advisories, CSAF VEX
    assert relationships >= 2_500


def test_real_csaf_vex_reads_as_with_the_old_resolution(
    shared_data: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    read = 0
    for name, document in _real_csaf(shared_data):
        meta = document.get("document")
        if not isinstance(meta, dict) or meta.get("category") != "csaf_vex":
            continue
        now = vex_csaf.read(copy.deepcopy(document), name)
        with monkeypatch.context() as patch:
            patch.setattr(vex_csaf._Tree, "resolve", old_resolve)
            before = vex_csaf.read(copy.deepcopy(document), name)
        assert now == before, name
        read += 1
    assert read >= 30


# --- CycloneDX VEX: aliases on every affects entry --------------------------------------------


def _component(ref: str) -> Component:
    return Component(ref=ref, name=ref, version="1.0")


def test_every_affects_entry_carries_the_aliases(tmp_path: Path) -> None:
    """The issue's reproducer: `b`, second in `affects`, is found by the CVE alone too."""
    document = {
        "bomFormat": "CycloneDX",
        "specVersion": "1.6",
        "version": 1,
        "vulnerabilities": [
            {
                "id": "VENDOR-1",
                "references": [{"id": "CVE-2024-1", "source": {"name": "NVD"}}],
                "analysis": {"state": "not_affected", "justification": "code_not_present"},
                "affects": [{"ref": "a"}, {"ref": "b"}, {"ref": "c"}],
            }
        ],
    }
    path = tmp_path / "vex.json"
    path.write_text(json.dumps(document))
    statements = read_vex(path, "vex.json").statements
    assert [s.products for s in statements] == [("a",), ("b",), ("c",)]
    assert [s.aliases for s in statements] == [("CVE-2024-1",)] * 3
    for ref, statement in zip("abc", statements, strict=True):
        assert applicable(statements, {"CVE-2024-1"}, _component(ref)) is statement


def _references(document: dict[str, Any]) -> tuple[str, ...]:
    return tuple(r["id"] for r in document["vulnerabilities"][0]["references"])


def test_real_vulnerability_with_a_second_affects_entry_json(
    shared_data: Path, tmp_path: Path
) -> None:
    document = json.loads((shared_data / f"{CDX_VULNERABILITY}.json").read_bytes())
    expected = _references(document)
    assert expected  # the spec's example names its CVE among the references
    affects = document["vulnerabilities"][0]["affects"]
    affects.append({"ref": "pkg:maven/com.example/other@1.0"})
    path = tmp_path / "two-affects.json"
    path.write_text(json.dumps(document))
    statements = read_vex(path, path.name).statements
    assert [s.products for s in statements] == [(a["ref"],) for a in affects]
    assert [s.aliases for s in statements] == [expected, expected]


def test_real_vulnerability_with_a_second_affects_entry_xml(
    shared_data: Path, tmp_path: Path
) -> None:
    root = etree.parse(str(shared_data / f"{CDX_VULNERABILITY}.xml")).getroot()
    ns = {"c": root.nsmap[None]}
    ids = root.xpath(
        "c:vulnerabilities/c:vulnerability[1]/c:references//c:id/text()", namespaces=ns
    )
    assert isinstance(ids, list)
    expected = tuple(str(i) for i in ids)
    assert expected
    targets = root.find("c:vulnerabilities/c:vulnerability/c:affects", ns)
    assert targets is not None
    second = copy.deepcopy(targets[0])
    ref = second.find("c:ref", ns)
    assert ref is not None
    ref.text = "pkg:maven/com.example/other@1.0"
    targets.append(second)
    path = tmp_path / "two-affects.xml"
    path.write_bytes(etree.tostring(root))
    statements = read_vex(path, path.name).statements
    assert len(statements) == 2
    assert statements[1].products == ("pkg:maven/com.example/other@1.0",)
    assert [s.aliases for s in statements] == [expected, expected]


# --- OpenVEX: statements made once --------------------------------------------------------------


def test_openvex_statement_mixing_plain_and_container_products(tmp_path: Path) -> None:
    """Each part of a split statement carries every field of the statement, and its own
    products and subcomponents only."""
    statement = {
        "vulnerability": {"name": "CVE-2024-2", "aliases": ["GHSA-aaaa-bbbb-cccc"]},
        "products": [
            {"@id": "pkg:npm/plain@1.0.0"},
            {"@id": "pkg:oci/box@sha256:abc", "subcomponents": [{"@id": "pkg:npm/inner@2.0.0"}]},
        ],
        "status": "not_affected",
        "justification": "vulnerable_code_not_in_execute_path",
        "impact_statement": "not reached",
        "action_statement": "none",
        "timestamp": "2024-02-02T00:00:00Z",
    }
    document = {
        "@context": "https://openvex.dev/ns/v0.2.0",
        "@id": "https://example.com/vex/1",
        "author": "test",
        "timestamp": "2024-01-01T00:00:00Z",
        "version": 1,
        "statements": [statement],
    }
    path = tmp_path / "split.openvex.json"
    path.write_text(json.dumps(document))
    first, second = read_vex(path, path.name).statements
    assert (first.products, first.subcomponents) == (("pkg:npm/plain@1.0.0",), ())
    assert (second.products, second.subcomponents) == (
        ("pkg:oci/box@sha256:abc",),
        ("pkg:npm/inner@2.0.0",),
    )
    for made in (first, second):
        assert made.vulnerability == "CVE-2024-2"
        assert made.aliases == ("GHSA-aaaa-bbbb-cccc",)
        assert made.status is VexStatus.NOT_AFFECTED
        assert made.justification == "vulnerable_code_not_in_execute_path"
        assert made.impact == "not reached"
        assert made.action == "none"
        assert made.timestamp == "2024-02-02T00:00:00Z"
        assert made.location.pointer == "/statements/0"
