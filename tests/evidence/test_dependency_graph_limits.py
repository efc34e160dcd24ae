"""Dependency graph edges (issue #13): what one costs while a CycloneDX document is read, the
`MAX_EDGES` cap in every SBOM format, and that edges are still kept once each, in the order given.

Memory is measured with `tracemalloc` (bytes Python allocates), never with wall time.
"""

from __future__ import annotations

import json
import tracemalloc
from pathlib import Path
from typing import Any

import pytest
import yaml
from hypothesis import given, settings
from hypothesis import strategies as st

from chainreview import limits
from chainreview.components.model import (
    DocumentMetadata,
    Edge,
    EdgeKind,
    Encoding,
    SbomDocument,
    Signature,
)
from chainreview.errors import InputError, LimitExceeded
from chainreview.evidence._cyclonedx_common import DocumentBuilder
from chainreview.evidence.sbom import read_sbom

CDX_NS = "http://cyclonedx.org/schema/bom/1.6"


def built(builder: DocumentBuilder) -> SbomDocument:
    return builder.build(
        spec_version="1.6",
        encoding=Encoding.JSON,
        metadata=DocumentMetadata(),
        signature=Signature(),
    )


# --- what the builder keeps ---------------------------------------------------------------------

_EDGES = st.lists(
    st.tuples(st.sampled_from("abcde"), st.sampled_from("abcdef"), st.sampled_from(list(EdgeKind))),
    max_size=60,
)


@settings(max_examples=500, deadline=None)
@given(_EDGES)
def test_each_edge_is_kept_once_in_the_order_first_given(edges: list[tuple[str, str, Any]]) -> None:
    """Whatever the order (a source's edges together or interleaved with others, one source in
    both kinds, self-loops, repeats), the edges are the given ones without repeats, in order."""
    builder = DocumentBuilder("graph.json")
    for source, target, kind in edges:
        builder.add_edge(source, target, kind)
    expected = tuple(Edge(source=s, target=t, kind=k) for s, t, k in dict.fromkeys(edges))
    assert built(builder).edges == expected


def test_a_dense_graph_costs_about_an_edge_object_per_edge() -> None:
    """1,000 components each depending on all others (999,000 edges), as the JSON reader hands
    them over. An `Edge` is 56 bytes and its slot in the list 8; keying a dict by a
    `(source, target, kind)` tuple as well cost some 100 bytes more per edge."""
    n = 1_000
    refs = [f"component-{i}" for i in range(n)]
    builder = DocumentBuilder("dense.json")
    tracemalloc.start()
    try:
        for source in refs:
            for target in refs:
                if target is not source:
                    builder.add_edge(source, target)
        _, peak = tracemalloc.get_traced_memory()
    finally:
        tracemalloc.stop()
    edges = n * (n - 1)
    assert len(built(builder).edges) == edges
    assert peak / edges < 80, f"{peak / edges:.0f} bytes per edge"


# --- MAX_EDGES in every format ------------------------------------------------------------------


def _pairs(count: int) -> list[tuple[int, int]]:
    """`count` distinct (source, target) pairs among 6 components, no self-loops."""
    pairs = [(i, j) for i in range(6) for j in range(6) if i != j]
    assert count <= len(pairs)
    return pairs[:count]


def cdx_json(pairs: list[tuple[int, int]]) -> bytes:
    targets: dict[int, list[str]] = {}
    for i, j in pairs:
        targets.setdefault(i, []).append(f"c{j}")
    document = {
        "bomFormat": "CycloneDX",
        "specVersion": "1.6",
        "version": 1,
        "components": [{"type": "library", "bom-ref": f"c{i}", "name": f"c{i}"} for i in range(6)],
        "dependencies": [{"ref": f"c{i}", "dependsOn": refs} for i, refs in targets.items()],
    }
    return json.dumps(document).encode()


def cdx_xml(pairs: list[tuple[int, int]]) -> bytes:
    components = "".join(
        f'<component type="library" bom-ref="c{i}"><name>c{i}</name></component>' for i in range(6)
    )
    dependencies = "".join(
        f'<dependency ref="c{i}"><dependency ref="c{j}"/></dependency>' for i, j in pairs
    )
    return (
        f'<?xml version="1.0"?><bom xmlns="{CDX_NS}" version="1"><components>{components}'
        f"</components><dependencies>{dependencies}</dependencies></bom>"
    ).encode()


def _spdx(pairs: list[tuple[int, int]]) -> dict[str, Any]:
    return {
        "spdxVersion": "SPDX-2.3",
        "SPDXID": "SPDXRef-DOCUMENT",
        "dataLicense": "CC0-1.0",
        "name": "edges",
        "documentNamespace": "https://example.com/edges",
        "creationInfo": {"created": "2024-01-01T00:00:00Z", "creators": ["Tool: test"]},
        "packages": [
            {"SPDXID": f"SPDXRef-c{i}", "name": f"c{i}", "downloadLocation": "NOASSERTION"}
            for i in range(6)
        ],
        "relationships": [
            {
                "spdxElementId": f"SPDXRef-c{i}",
                "relatedSpdxElement": f"SPDXRef-c{j}",
                "relationshipType": "DEPENDS_ON",
            }
            for i, j in pairs
        ],
    }


def spdx_json(pairs: list[tuple[int, int]]) -> bytes:
    return json.dumps(_spdx(pairs)).encode()


def spdx_yaml(pairs: list[tuple[int, int]]) -> bytes:
    return yaml.safe_dump(_spdx(pairs)).encode()


def spdx_tag_value(pairs: list[tuple[int, int]]) -> bytes:
    lines = [
        "SPDXVersion: SPDX-2.3",
        "DataLicense: CC0-1.0",
        "SPDXID: SPDXRef-DOCUMENT",
        "DocumentName: edges",
        "DocumentNamespace: https://example.com/edges",
        "Creator: Tool: test",
        "Created: 2024-01-01T00:00:00Z",
    ]
    for i in range(6):
        lines += [f"PackageName: c{i}", f"SPDXID: SPDXRef-c{i}", "PackageDownloadLocation: NONE"]
    lines += [f"Relationship: SPDXRef-c{i} DEPENDS_ON SPDXRef-c{j}" for i, j in pairs]
    return ("\n".join(lines) + "\n").encode()


FORMATS = {
    "cyclonedx.json": cdx_json,
    "cyclonedx.xml": cdx_xml,
    "spdx.json": spdx_json,
    "spdx.yaml": spdx_yaml,
    "spdx.spdx": spdx_tag_value,
}


@pytest.mark.parametrize("name", FORMATS)
def test_one_edge_past_the_limit_is_refused_in_one_line(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, name: str
) -> None:
    monkeypatch.setattr(limits, "MAX_EDGES", 10)
    path = tmp_path / name
    path.write_bytes(FORMATS[name](_pairs(11)))
    with pytest.raises(LimitExceeded) as caught:
        read_sbom(path, f"vendor/{name}")
    text = str(caught.value)
    assert "\n" not in text
    assert text.startswith(f"vendor/{name}: "), text
    assert text.endswith("more than 10 dependency graph edges"), text
    assert isinstance(caught.value, InputError)


@pytest.mark.parametrize("name", FORMATS)
def test_repeats_do_not_count_towards_the_limit(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, name: str
) -> None:
    monkeypatch.setattr(limits, "MAX_EDGES", 10)
    pairs = _pairs(10)
    path = tmp_path / name
    path.write_bytes(FORMATS[name](pairs + pairs[:4]))  # 14 given, 10 distinct
    edges = read_sbom(path, name).edges
    prefix = "SPDXRef-" if name.startswith("spdx") else ""
    assert [(e.source, e.target) for e in edges] == [
        (f"{prefix}c{i}", f"{prefix}c{j}") for i, j in pairs
    ]


def test_nested_components_count_as_edges(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """Containment (components nested in a component) is an edge like any dependency."""
    monkeypatch.setattr(limits, "MAX_EDGES", 3)
    children = [{"type": "library", "bom-ref": f"child{i}", "name": f"child{i}"} for i in range(4)]
    document = {
        "bomFormat": "CycloneDX",
        "specVersion": "1.6",
        "version": 1,
        "components": [
            {"type": "library", "bom-ref": "parent", "name": "parent", "components": children}
        ],
    }
    path = tmp_path / "nested.json"
    path.write_text(json.dumps(document))
    with pytest.raises(LimitExceeded, match="more than 3 dependency graph edges"):
        read_sbom(path, "nested.json")


# --- real SBOMs ---------------------------------------------------------------------------------

LARGEST_GRAPHS = (
    "sbomqs-samples/samples/apache_airflow-sbom-2.8.0-python3.10.json",
    "cyclonedx-bom-examples/SBOM/juice-shop/via_npm/bare/bom.1.4.json",
    "cyclonedx-bom-examples/SBOM/keycloak-10.0.2/bom.json",
)
"""The real CycloneDX JSON SBOMs with the most dependency edges in the shared data."""


@pytest.mark.parametrize("relative", LARGEST_GRAPHS)
def test_real_dependency_graphs_are_read_whole_far_under_the_limit(
    shared_data: Path, relative: str
) -> None:
    path = shared_data / relative
    raw = json.loads(path.read_bytes())
    given = [
        (entry["ref"].strip(), target.strip())
        for entry in raw["dependencies"]
        for target in entry.get("dependsOn", [])
        if entry["ref"].strip() and target.strip()
    ]
    document = read_sbom(path, relative, validate=False)
    depends_on = [(e.source, e.target) for e in document.edges if e.kind is EdgeKind.DEPENDS_ON]
    assert depends_on == list(dict.fromkeys(given))
    assert len(document.edges) * 1_000 <= limits.MAX_EDGES
