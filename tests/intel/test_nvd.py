"""Tests of the NVD reader: API 2.0 pages and single records, the legacy 1.1 feed, bad CPEs."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest

from chainreview.components.cpe import parse_cpe
from chainreview.intel import nvd
from chainreview.intel.interface import FeedKind, IntelError

V11 = "osv-dev-vulnfeeds-nvd/vulnfeeds/test_data/nvdcve-1.1-test-data.json"


def api20_files(root: Path) -> list[Path]:
    return sorted(
        [
            *root.glob("nvd-cve-firmware-selection/**/CVE-*.json"),
            *root.glob("osv-dev-vulnfeeds-nvd/vulnfeeds/test_data/nvdcve-2.0/*.json"),
            root / "osv-dev-testdata/vulnfeeds/conversion/nvd/testdata/test.json",
        ]
    )


def cves_of(doc: dict[str, Any]) -> list[dict[str, Any]]:
    if "vulnerabilities" in doc:
        return [item["cve"] for item in doc["vulnerabilities"]]
    return [doc]


def count_matches(nodes: list[dict[str, Any]], key: str) -> int:
    return sum(len(n.get(key, [])) + count_matches(n.get("children", []), key) for n in nodes)


def test_every_api20_file(shared_data: Path) -> None:
    paths = api20_files(shared_data)
    assert len(paths) == 9 + 23 + 1
    for path in paths:
        raw = cves_of(json.loads(path.read_text(encoding="utf-8")))
        feed = nvd.read(path, path.name)
        assert feed.kind is FeedKind.NVD
        assert (feed.warnings, feed.rejected) == ((), ()), path
        assert [r.cve_id for r in feed.records] == [c["id"] for c in raw]
        assert feed.attribution == nvd.NOTICE
        for record, cve in zip(feed.records, raw, strict=True):
            confs = cve.get("configurations", [])
            assert len(record.configurations) == len(confs)
            assert sum(len(n.cpe_matches) for c in record.configurations for n in c.nodes) == sum(
                count_matches(c["nodes"], "cpeMatch") for c in confs
            )
            metrics = cve.get("metrics", {})
            expected = sum(len(v) for k, v in metrics.items() if k.startswith("cvssMetric"))
            assert len(record.metrics) == expected
            english = [d["value"] for d in cve["descriptions"] if d["lang"] == "en"]
            assert record.description == english[0]


def test_configuration_tree_of_a_firmware_cve(shared_data: Path) -> None:
    path = next(shared_data.glob("nvd-cve-firmware-selection/**/CVE-2023-1389.json"))
    raw = json.loads(path.read_text(encoding="utf-8"))
    record = nvd.read(path, "x").records[0]
    assert any(c.operator == "AND" for c in record.configurations)
    for conf, raw_conf in zip(record.configurations, raw["configurations"], strict=True):
        assert conf.operator == raw_conf.get("operator", "OR")
        for node, raw_node in zip(conf.nodes, raw_conf["nodes"], strict=True):
            assert [m.criteria for m in node.cpe_matches] == [
                m["criteria"] for m in raw_node["cpeMatch"]
            ]
            assert [m.vulnerable for m in node.cpe_matches] == [
                m["vulnerable"] for m in raw_node["cpeMatch"]
            ]
    pairs = nvd.vendor_products(record)
    expected = {
        (parse_cpe(m["criteria"]).vendor, parse_cpe(m["criteria"]).product)
        for c in raw["configurations"]
        for n in c["nodes"]
        for m in n["cpeMatch"]
        if m["vulnerable"]
    }
    assert pairs == expected
    assert all(product.endswith("_firmware") for _, product in pairs)


def test_version_bounds_are_kept(shared_data: Path) -> None:
    path = next(shared_data.glob("nvd-cve-firmware-selection/**/CVE-2022-3602.json"))
    record = nvd.read(path, "x").records[0]
    openssl = record.configurations[0].nodes[0].cpe_matches[0]
    assert (openssl.version_start_including, openssl.version_end_excluding) == ("3.0.0", "3.0.7")
    assert {(m.source, m.type) for m in record.metrics} >= {("nvd@nist.gov", "Primary")}
    assert record.cwes == ("CWE-787",)


def test_legacy_11_feed(shared_data: Path) -> None:
    raw = json.loads((shared_data / V11).read_text(encoding="utf-8"))
    feed = nvd.read(shared_data / V11, "nvd11.json")
    assert len(feed.records) == len(raw["CVE_Items"])
    assert (feed.warnings, feed.rejected) == ((), ())
    for record, item in zip(feed.records, raw["CVE_Items"], strict=True):
        assert record.cve_id == item["cve"]["CVE_data_meta"]["ID"]
        nodes = item["configurations"]["nodes"]
        assert len(record.configurations) == len(nodes)
        assert sum(
            len(n.cpe_matches) for c in record.configurations for n in c.nodes
        ) == count_matches(nodes, "cpe_match")
        assert len(record.metrics) == len(item["impact"])
    # A top-level AND node with children becomes an AND configuration; one without stays an AND
    # node (of CPE matches) inside a one-node configuration.
    top = [n for i in raw["CVE_Items"] for n in i["configurations"]["nodes"]]
    and_parents = sum(1 for n in top if n["operator"] == "AND" and n["children"])
    and_leaves = sum(1 for n in top if n["operator"] == "AND" and not n["children"])
    confs = [c for r in feed.records for c in r.configurations]
    assert sum(1 for c in confs if c.operator == "AND") == and_parents
    assert (
        sum(1 for c in confs if c.operator == "OR" and c.nodes[0].operator == "AND") == and_leaves
    )
    assert feed.newest == max(i["lastModifiedDate"][:10] for i in raw["CVE_Items"])


def test_bad_cpe_is_dropped_with_a_warning_at_its_pointer(
    tmp_path: Path, shared_data: Path
) -> None:
    source = shared_data / "osv-dev-vulnfeeds-nvd/vulnfeeds/test_data/nvdcve-2.0/CVE-2023-4863.json"
    raw = json.loads(source.read_text(encoding="utf-8"))
    node = raw["vulnerabilities"][0]["cve"]["configurations"][0]["nodes"][0]
    before = len(node["cpeMatch"])
    node["cpeMatch"][0]["criteria"] = "cpe:2.3:a:only:three"
    path = tmp_path / "page.json"
    path.write_text(json.dumps(raw), encoding="utf-8")
    feed = nvd.read(path, "page.json")
    assert len(feed.records) == 1
    assert len(feed.records[0].configurations[0].nodes[0].cpe_matches) == before - 1
    assert [d.location.pointer for d in feed.warnings] == [
        "/vulnerabilities/0/cve/configurations/0/nodes/0/cpeMatch/0/criteria"
    ]


def test_cve_without_id_is_rejected(tmp_path: Path) -> None:
    path = tmp_path / "page.json"
    page = {
        "format": "NVD_CVE",
        "vulnerabilities": [{"cve": {"descriptions": []}}, {"cve": {"id": "CVE-2020-0001"}}, 7],
    }
    path.write_text(json.dumps(page))
    feed = nvd.read(path, "page.json")
    assert [r.cve_id for r in feed.records] == ["CVE-2020-0001"]
    assert [d.location.pointer for d in feed.rejected] == [
        "/vulnerabilities/0/cve",
        "/vulnerabilities/2/cve",
    ]


@pytest.mark.parametrize("content", [b"[]", b'{"x": 1}', b'{"vulnerabilities": [', b""])
def test_unreadable_documents_are_one_line_errors(tmp_path: Path, content: bytes) -> None:
    path = tmp_path / "nvd.json"
    path.write_bytes(content)
    with pytest.raises(IntelError) as caught:
        nvd.read(path, "nvd.json")
    assert caught.value.path == "nvd.json"
    assert "\n" not in str(caught.value)
