"""`merge_documents` end to end: real SBOMs read with `read_sbom`, then merged.

The expected inventory is computed here from the raw JSON/XML: identities (purl, else name +
version + supplier), which entry survives (the first read), how edges are rewritten to it, and
which refs had to be renamed with their file's name.
"""

from __future__ import annotations

import json
import time
import xml.etree.ElementTree as ET
from collections import Counter
from pathlib import Path
from typing import Any

import pytest

from chainreview.components.model import (
    Component,
    EdgeKind,
    Encoding,
    Hash,
    Inventory,
    Location,
    SbomDocument,
    SbomFormat,
)
from chainreview.evidence.merge import merge_documents
from chainreview.evidence.sbom import read_sbom

DUPLICATES = (
    "osv-scanner-fixtures/cmd/osv-scanner/scan/source/testdata/sbom-insecure/"
    "with-duplicates.cdx.xml"
)
JUICE = "cyclonedx-bom-examples/SBOM/juice-shop/via_npm/flat/bom.1.4"
KUBE = "guac-data-sboms/docs/spdx/syft-spdx-k8s.gcr.io-kube-apiserver"
SAME_PURL = "same purl"
SAME_NAME = "same name, version and supplier"


def _read(shared_data: Path, relative: str) -> SbomDocument:
    return read_sbom(shared_data / relative, relative.rsplit("/", 1)[1])


def _xml_entries(path: Path) -> list[tuple[str, ET.Element]]:
    """Named component entries of a CycloneDX XML file with their paths, in reading order."""
    root = ET.parse(path).getroot()
    q = root.tag[: root.tag.index("}") + 1]
    found: list[tuple[str, ET.Element]] = []

    def walk(element: ET.Element, where: str) -> None:
        if (element.findtext(f"{q}name") or "").strip():
            found.append((where, element))
        for index, child in enumerate(element.findall(f"{q}components/{q}component"), start=1):
            walk(child, f"{where}/components/component[{index}]")

    primary = root.find(f"{q}metadata/{q}component")
    if primary is not None:
        walk(primary, "/bom/metadata/component")
    for index, entry in enumerate(root.findall(f"{q}components/{q}component"), start=1):
        walk(entry, f"/bom/components/component[{index}]")
    return found


def _first_of_each_purl(pairs: list[tuple[str, str]]) -> dict[str, str]:
    """ref → the ref of the first entry with the same purl (the survivor of a merge)."""
    first: dict[str, str] = {}
    survivor: dict[str, str] = {}
    for ref, purl in pairs:
        survivor[ref] = first.setdefault(purl, ref)
    return survivor


# --- duplicates inside one SBOM ---------------------------------------------------------------


def test_duplicates_inside_one_sbom_are_merged_and_reported(shared_data: Path) -> None:
    entries = _xml_entries(shared_data / DUPLICATES)
    q = entries[0][1].tag[: entries[0][1].tag.index("}") + 1]
    purls = [(where, (e.findtext(f"{q}purl") or "").strip()) for where, e in entries]
    groups: dict[str, list[str]] = {}
    for where, purl in purls:
        if purl:
            groups.setdefault(purl, []).append(where)
    repeated = {purl: wheres for purl, wheres in groups.items() if len(wheres) > 1}
    assert repeated  # the fixture is about duplicates

    name_keys = Counter(
        ((e.findtext(f"{q}name") or "").casefold(), e.findtext(f"{q}version"))
        for _, e in entries
        if not (e.findtext(f"{q}purl") or "").strip()
    )
    assert all(n == 1 for n in name_keys.values())  # purl-less entries are all distinct

    inventory = merge_documents([_read(shared_data, DUPLICATES)])
    assert len(inventory.components) == len(entries) - sum(len(w) - 1 for w in repeated.values())

    file = DUPLICATES.rsplit("/", 1)[1]
    expected = sorted(
        (purl_wheres[0], tuple(f"{file}: {w}" for w in purl_wheres[1:]), SAME_PURL)
        for purl_wheres in repeated.values()
    )
    survivors = {c.ref: c for c in inventory.components}
    reported = sorted(
        (survivors[d.ref].sources[0].pointer, d.merged_refs, d.reason) for d in inventory.duplicates
    )
    assert reported == expected
    for duplicate in inventory.duplicates:
        assert len(survivors[duplicate.ref].sources) == 1 + len(duplicate.merged_refs)
    # Components without a purl are kept as they are.
    kept = {(c.name.casefold(), c.version) for c in inventory.components if c.purl is None}
    assert kept == set(name_keys)
    assert len({c.ref for c in inventory.components}) == len(inventory.components)


# --- several SBOMs of one product -------------------------------------------------------------


def _juice_raw(shared_data: Path) -> tuple[list[tuple[str, str]], set[tuple[str, str]]]:
    """(bom-ref, purl) of every component and the depends-on pairs, from the raw JSON twin."""
    doc: dict[str, Any] = json.loads((shared_data / f"{JUICE}.json").read_bytes())
    assert "components" not in doc["metadata"]["component"]
    pairs = [(doc["metadata"]["component"]["bom-ref"], doc["metadata"]["component"]["purl"])]
    pairs += [(c["bom-ref"], c["purl"]) for c in doc["components"]]
    assert not any("components" in c for c in doc["components"])
    edges = {(d["ref"], target) for d in doc["dependencies"] for target in d.get("dependsOn", [])}
    return pairs, edges


def _juice_raw_xml(shared_data: Path) -> tuple[list[tuple[str, str]], set[tuple[str, str]]]:
    path = shared_data / f"{JUICE}.xml"
    root = ET.parse(path).getroot()
    q = root.tag[: root.tag.index("}") + 1]
    pairs = [
        (e.get("bom-ref") or "", (e.findtext(f"{q}purl") or "").strip())
        for _, e in _xml_entries(path)
    ]
    edges = {
        (d.get("ref") or "", child.get("ref") or "")
        for d in root.findall(f"{q}dependencies/{q}dependency")
        for child in d.findall(f"{q}dependency")
    }
    return pairs, edges


@pytest.mark.parametrize("xml_first", [False, True])
def test_json_and_xml_twins_merge_into_one_inventory(shared_data: Path, xml_first: bool) -> None:
    json_pairs, json_edges = _juice_raw(shared_data)
    xml_pairs, xml_edges = _juice_raw_xml(shared_data)
    assert all(purl for _, purl in json_pairs + xml_pairs)
    first, second = (xml_pairs, json_pairs) if xml_first else (json_pairs, xml_pairs)
    names = ("bom.1.4.xml", "bom.1.4.json") if xml_first else ("bom.1.4.json", "bom.1.4.xml")
    # Refs of the second file collide with the first's and are renamed `file#ref` before the merge.
    renamed = [(f"{names[1]}#{ref}", purl) for ref, purl in second]
    survivor = _first_of_each_purl(first + renamed)
    expected_edges = {
        (survivor.get(s, s), survivor.get(t, t))
        for s, t in ({*json_edges} if not xml_first else {*xml_edges})
    } | {
        (survivor.get(f"{names[1]}#{s}", s), survivor.get(f"{names[1]}#{t}", t))
        for s, t in (xml_edges if not xml_first else json_edges)
    }
    expected_edges = {(s, t) for s, t in expected_edges if s != t}

    documents = [_read(shared_data, f"{JUICE}.{name.rsplit('.', 1)[1]}") for name in names]
    inventory = merge_documents(documents)

    assert len(inventory.components) == len({purl for _, purl in json_pairs + xml_pairs})
    assert {c.ref for c in inventory.components} == set(survivor.values())
    assert {(e.source, e.target) for e in inventory.edges} == expected_edges
    assert all(e.kind is EdgeKind.DEPENDS_ON for e in inventory.edges)
    assert not any("#" in ref for e in inventory.edges for ref in (e.source, e.target))
    for component in inventory.components:
        assert {s.file for s in component.sources} == set(names), component.ref
    folded = len(json_pairs) + len(xml_pairs) - len(inventory.components)
    assert sum(len(d.merged_refs) for d in inventory.duplicates) == folded
    assert {d.reason for d in inventory.duplicates} == {SAME_PURL}
    assert inventory.documents == tuple(documents)


def _spdx_raw(shared_data: Path, relative: str) -> list[tuple[str, str]]:
    doc = json.loads((shared_data / relative).read_bytes())
    pairs = []
    for package in doc["packages"]:
        purls = [
            r["referenceLocator"]
            for r in package.get("externalRefs", [])
            if r["referenceType"] == "purl"
        ]
        assert len(purls) == 1
        pairs.append((package["SPDXID"], purls[0]))
    return pairs


def test_two_versions_of_one_product_merge(shared_data: Path) -> None:
    old, new = f"{KUBE}.v1.24.1.json", f"{KUBE}.v1.25.2.json"
    old_name, new_name = old.rsplit("/", 1)[1], new.rsplit("/", 1)[1]
    old_pairs, new_pairs = _spdx_raw(shared_data, old), _spdx_raw(shared_data, new)
    old_purl = dict(old_pairs)
    shared_purls = {p for _, p in old_pairs} & {p for _, p in new_pairs}
    # A ref of the newer file already used by the older one is renamed, unless it is folded away.
    colliding = {ref for ref, _ in new_pairs} & set(old_purl)
    renamed = {
        f"{new_name}#{ref}" for ref, purl in new_pairs if ref in colliding and purl != old_purl[ref]
    }
    assert shared_purls and colliding  # these two files overlap in packages and in SPDXIDs

    inventory = merge_documents([_read(shared_data, old), _read(shared_data, new)])
    assert len(inventory.components) == len({p for _, p in old_pairs + new_pairs})
    assert {c.ref for c in inventory.components if c.ref.startswith(f"{new_name}#")} == renamed
    assert len(inventory.duplicates) == len(shared_purls)
    assert {d.reason for d in inventory.duplicates} == {SAME_PURL}
    assert all(
        m.startswith(f"{new_name}: /packages/") for d in inventory.duplicates for m in d.merged_refs
    )
    both = [c for c in inventory.components if len({s.file for s in c.sources}) == 2]
    assert len(both) == len(shared_purls)
    assert {s.file for c in both for s in c.sources} == {old_name, new_name}


# --- identity rules, on small documents --------------------------------------------------------


def _cdx(
    tmp_path: Path,
    name: str,
    components: list[dict[str, Any]],
    dependencies: list[dict[str, Any]] = (),  # type: ignore[assignment]
    services: list[dict[str, Any]] = (),  # type: ignore[assignment]
) -> SbomDocument:
    doc: dict[str, Any] = {"bomFormat": "CycloneDX", "specVersion": "1.6", "version": 1}
    doc["components"] = [{"type": "library", **c} for c in components]
    if dependencies:
        doc["dependencies"] = list(dependencies)
    if services:
        doc["services"] = list(services)
    path = tmp_path / name
    path.write_text(json.dumps(doc))
    return read_sbom(path, name)


def _by_name(inventory: Inventory) -> dict[str, list[Any]]:
    found: dict[str, list[Any]] = {}
    for component in inventory.components:
        found.setdefault(component.name, []).append(component)
    return found


LODASH = "pkg:npm/lodash@4.17.21"
LEFT_PAD = "pkg:npm/left-pad@1.3.0"


def test_colliding_refs_of_different_components_are_renamed_with_the_file(tmp_path: Path) -> None:
    a = _cdx(
        tmp_path,
        "a.json",
        [{"bom-ref": "app", "name": "app-a"}, {"bom-ref": "lib", "name": "lodash", "purl": LODASH}],
        [{"ref": "app", "dependsOn": ["lib"]}],
        [{"bom-ref": "api", "name": "payments"}],
    )
    b = _cdx(
        tmp_path,
        "b.json",
        [
            {"bom-ref": "app", "name": "app-b"},
            {"bom-ref": "lib", "name": "left-pad", "purl": LEFT_PAD},
        ],
        [{"ref": "app", "dependsOn": ["lib"]}],
        [{"bom-ref": "api", "name": "billing"}],
    )
    inventory = merge_documents([a, b])
    assert sorted(c.ref for c in inventory.components) == ["app", "b.json#app", "b.json#lib", "lib"]
    assert _by_name(inventory)["left-pad"][0].ref == "b.json#lib"
    assert {(e.source, e.target) for e in inventory.edges} == {
        ("app", "lib"),
        ("b.json#app", "b.json#lib"),
    }
    assert sorted(s.ref for s in inventory.services) == ["api", "b.json#api"]
    assert inventory.duplicates == ()


def test_same_package_under_another_ref_is_merged_and_edges_follow(tmp_path: Path) -> None:
    a = _cdx(tmp_path, "a.json", [{"bom-ref": "lib", "name": "lodash", "purl": LODASH}])
    b = _cdx(
        tmp_path,
        "b.json",
        [{"bom-ref": "root", "name": "b-app"}, {"bom-ref": "x", "name": "lodash", "purl": LODASH}],
        [{"ref": "root", "dependsOn": ["x"]}],
    )
    inventory = merge_documents([a, b])
    assert sorted(c.ref for c in inventory.components) == ["lib", "root"]
    assert {(e.source, e.target) for e in inventory.edges} == {("root", "lib")}
    (duplicate,) = inventory.duplicates
    assert (duplicate.ref, duplicate.reason) == ("lib", SAME_PURL)
    assert duplicate.merged_refs == ("b.json: /components/1",)
    lodash = _by_name(inventory)["lodash"][0]
    assert [str(s) for s in lodash.sources] == ["a.json: /components/0", "b.json: /components/1"]


def test_name_only_components_stay_and_merge_only_on_name_version_and_supplier(
    tmp_path: Path,
) -> None:
    acme = {"name": "Acme"}
    a = _cdx(
        tmp_path,
        "a.json",
        [
            {"name": "internal-tool", "version": "1.0", "supplier": acme},
            {"name": "firmware-blob", "version": "7"},
            {"name": "vendored-zlib", "version": "1.2.13", "supplier": acme},
        ],
    )
    b = _cdx(
        tmp_path,
        "b.json",
        [
            {"name": "Internal-Tool", "version": "1.0", "supplier": acme},  # same, case aside
            {"name": "internal-tool", "version": "1.0", "supplier": {"name": "Other"}},
            {"name": "internal-tool", "version": "2.0", "supplier": acme},
            {
                "name": "vendored-zlib",
                "version": "1.2.13",
                "supplier": acme,
                "purl": "pkg:generic/zlib@1.2.13",
            },
        ],
    )
    inventory = merge_documents([a, b])
    found = _by_name(inventory)
    assert len(found["firmware-blob"]) == 1 and found["firmware-blob"][0].purl is None
    tools = sorted((c.version, c.supplier) for c in found["internal-tool"])
    assert tools == [("1.0", "Acme"), ("1.0", "Other"), ("2.0", "Acme")]
    assert "Internal-Tool" not in found
    # A purl-less entry and one with a purl, same name, version and supplier: one component,
    # and the purl fills the gap.
    assert [c.purl for c in found["vendored-zlib"]] == ["pkg:generic/zlib@1.2.13"]
    assert sorted(d.reason for d in inventory.duplicates) == [SAME_NAME, SAME_NAME]
    assert len(inventory.components) == 5


def test_same_name_and_version_with_different_purls_are_not_merged(tmp_path: Path) -> None:
    a = _cdx(
        tmp_path,
        "a.json",
        [{"name": "requests", "version": "2.31.0", "purl": "pkg:pypi/requests@2.31.0"}],
    )
    b = _cdx(
        tmp_path,
        "b.json",
        [{"name": "requests", "version": "2.31.0", "purl": "pkg:conda/requests@2.31.0"}],
    )
    inventory = merge_documents([a, b])
    assert sorted(c.purl or "" for c in inventory.components) == [
        "pkg:conda/requests@2.31.0",
        "pkg:pypi/requests@2.31.0",
    ]
    assert inventory.duplicates == ()


def test_repeated_bom_ref_inside_one_document_keeps_refs_unique(tmp_path: Path) -> None:
    doc = _cdx(
        tmp_path,
        "dup.json",
        [
            {"bom-ref": "dup", "name": "lodash", "purl": LODASH},
            {"bom-ref": "dup", "name": "left-pad", "purl": LEFT_PAD},
        ],
        [{"ref": "dup", "dependsOn": []}],
    )
    assert [w.code for w in doc.warnings if w.code == "duplicate-ref"] == ["duplicate-ref"]
    inventory = merge_documents([doc])
    assert sorted(c.ref for c in inventory.components) == ["#/components/1", "dup"]
    assert _by_name(inventory)["lodash"][0].ref == "dup"


def test_dangling_dependency_refs_are_warned_about_once(tmp_path: Path) -> None:
    doc = _cdx(
        tmp_path,
        "dangling.json",
        [{"bom-ref": "app", "name": "app"}],
        [{"ref": "app", "dependsOn": ["ghost", "ghost"]}, {"ref": "ghost", "dependsOn": ["app"]}],
    )
    inventory = merge_documents([doc])
    dangling = [w for w in inventory.warnings if w.code == "dangling-ref"]
    assert len(dangling) == 1 and "'ghost'" in dangling[0].message
    assert dangling[0].location.file == "dangling.json"


def test_twins_fold_in_reading_order(tmp_path: Path) -> None:
    """Gaps are filled by the first twin that has the field; lists gain what they lack, in order.

    A purl that a name-matched twin gives the survivor counts at once: a later entry with the
    same name, version and supplier but another purl is then a different component.
    """
    sha = {"alg": "SHA-256", "content": "AA"}
    zlib = {"expression": "Zlib"}
    other_sha = {"alg": "SHA-1", "content": "bb"}
    mit = {"license": {"id": "MIT"}}
    a = _cdx(
        tmp_path,
        "a.json",
        [
            {"name": "zlib", "version": "1.3", "hashes": [sha], "licenses": [zlib]},
            {"name": "zlib", "version": "1.3", "description": "first", "hashes": [sha, other_sha]},
            {"name": "zlib", "version": "1.3", "description": "second", "cpe": "cpe:2.3:a:z:z"},
            {"name": "zlib", "version": "1.3", "purl": "pkg:generic/zlib@1.3"},
            {"name": "zlib", "version": "1.3", "purl": "pkg:github/madler/zlib@1.3"},
            {"name": "ZLIB", "version": "1.3", "licenses": [zlib, mit]},
            {"name": "zlib-copy", "version": "1.3", "purl": "pkg:generic/zlib@1.3"},
        ],
    )
    inventory = merge_documents([a])
    first, github = _by_name(inventory)["zlib"]
    assert (first.description, first.cpe) == ("first", "cpe:2.3:a:z:z")
    assert first.purl == "pkg:generic/zlib@1.3"
    assert [(h.algorithm, h.value) for h in first.hashes] == [("SHA-256", "aa"), ("SHA-1", "bb")]
    assert first.licenses == ("Zlib", "MIT")
    assert [s.pointer for s in first.sources] == [f"/components/{i}" for i in (0, 1, 2, 3, 5, 6)]
    assert github.purl == "pkg:github/madler/zlib@1.3"
    assert "zlib-copy" not in _by_name(inventory)
    (duplicate,) = inventory.duplicates
    assert duplicate.ref == first.ref and duplicate.reason == SAME_NAME
    assert len(duplicate.merged_refs) == 5


def test_a_component_repeated_ten_thousand_times_folds_in_bounded_time() -> None:
    """Hostile input: one purl 10,000 times, each entry with its own hash, licence and source.
    The survivor gathers all of them once, in reading order; a generous bound on the time (the
    twins' lists were searched item by item: about 80 s here before)."""
    twins = [
        Component(
            ref=f"c{n}",
            name="a",
            version="1",
            purl="pkg:npm/a@1",
            hashes=(Hash(algorithm="SHA-256", value=f"{n:064x}"),),
            licenses=(f"LicenseRef-{n}", "MIT"),
            sources=(Location(file="big.json", pointer=f"/components/{n}"),),
        )
        for n in range(10_000)
    ]
    document = SbomDocument(
        file="big.json",
        format=SbomFormat.CYCLONEDX,
        spec_version="1.6",
        encoding=Encoding.JSON,
        components=tuple(twins),
    )
    start = time.monotonic()
    (survivor,) = merge_documents([document]).components
    assert time.monotonic() - start < 20
    assert [h.value for h in survivor.hashes] == [f"{n:064x}" for n in range(10_000)]
    assert survivor.licenses == (
        "LicenseRef-0",
        "MIT",
        *(f"LicenseRef-{n}" for n in range(1, 10_000)),
    )
    assert [s.pointer for s in survivor.sources] == [f"/components/{n}" for n in range(10_000)]
