"""The dependency-graph part of `sbom inspect`: `graph_stats`, and edges through `merge_documents`.

Expected values come from small oracles written here: depth by repeated relaxation over every
edge (no breadth-first search), roots and isolated components by definition, and the merged edge
list by replaying the identity rule (first purl wins) over the edges in reading order. Edges come
in any order, not grouped by source as readers write them.
"""

from __future__ import annotations

import tracemalloc
from collections import Counter

from hypothesis import given
from hypothesis import strategies as st

from chainreview.components.model import (
    Component,
    Edge,
    EdgeKind,
    Encoding,
    SbomDocument,
    SbomFormat,
)
from chainreview.evidence.merge import merge_documents
from chainreview.evidence.summary import graph_stats, summarise

REFS = [f"c{i}" for i in range(8)]
refs = st.sampled_from([*REFS, "ghost"])  # "ghost" is named by edges, never declared
edges = st.lists(
    st.builds(Edge, source=refs, target=refs, kind=st.sampled_from(list(EdgeKind))), max_size=40
)


def _document(
    name: str, components: list[Component], edge_list: list[Edge] | tuple[Edge, ...]
) -> SbomDocument:
    return SbomDocument(
        file=name,
        format=SbomFormat.CYCLONEDX,
        spec_version="1.6",
        encoding=Encoding.JSON,
        components=tuple(components),
        edges=tuple(edge_list),
    )


def _oracle_depth(roots: set[str], edge_list: list[Edge]) -> int:
    distance = dict.fromkeys(roots, 0)
    for _ in range(len(REFS) + 2):
        for edge in edge_list:
            if edge.source in distance:
                step = distance[edge.source] + 1
                distance[edge.target] = min(distance.get(edge.target, step), step)
    return max(distance.values(), default=0)


@given(edges)
def test_graph_stats_agree_with_definitions(edge_list: list[Edge]) -> None:
    components = [Component(ref=ref, name=ref) for ref in REFS]
    sources = {e.source for e in edge_list}
    targets = {e.target for e in edge_list}
    roots = {ref for ref in REFS if ref in sources and ref not in targets}

    stats = graph_stats(components, edge_list)

    assert stats.nodes == len(REFS)
    assert stats.edges == len(edge_list)
    assert stats.edges_by_kind == dict(sorted(Counter(e.kind.value for e in edge_list).items()))
    assert stats.roots == len(roots)
    assert stats.isolated == sum(1 for ref in REFS if ref not in sources | targets)
    assert stats.max_depth == _oracle_depth(roots, edge_list)


def test_depth_is_the_longest_shortest_path() -> None:
    chain = [Edge(source=f"c{i}", target=f"c{i + 1}") for i in range(5)]
    shortcut = Edge(source="c0", target="c5")
    components = [Component(ref=ref, name=ref) for ref in REFS]
    assert graph_stats(components, chain).max_depth == 5
    assert graph_stats(components, [*chain, shortcut]).max_depth == 4


@given(edges, edges, st.lists(st.sampled_from(["a", "b", "c"]), min_size=8, max_size=8))
def test_merged_edges_follow_survivors_once_each(
    first: list[Edge], second: list[Edge], purls: list[str]
) -> None:
    """Two documents whose components share purls from a small pool: every edge is pointed at
    the first component of its purl, self-loops go, and each edge is kept once, in order."""
    docs = []
    survivor: dict[str, str] = {}
    alias: dict[str, str] = {}
    for name, edge_list in (("a", first), ("b", second)):
        components = []
        for ref, purl in zip(REFS, purls, strict=True):
            own = f"{name}-{ref}"
            components.append(Component(ref=own, name=own, purl=f"pkg:generic/{purl}@1"))
            alias[own] = survivor.setdefault(purl, own)
        renamed = [
            Edge(
                source=f"{name}-{e.source}" if e.source in REFS else e.source,
                target=f"{name}-{e.target}" if e.target in REFS else e.target,
                kind=e.kind,
            )
            for e in edge_list
        ]
        docs.append(_document(f"{name}.json", components, renamed))
    expected: dict[tuple[str, str, EdgeKind], None] = {}
    for doc in docs:
        for e in doc.edges:
            source, target = alias.get(e.source, e.source), alias.get(e.target, e.target)
            if source != target:
                expected.setdefault((source, target, e.kind), None)

    inventory = merge_documents(docs)

    assert [(e.source, e.target, e.kind) for e in inventory.edges] == list(expected)


def test_dense_graph_costs_a_few_pointers_per_edge() -> None:
    """Merging and summarising a graph where every component depends on every other allocates
    a few pointers per edge (it allocated ~150 bytes per edge when `Edge` values were hashed
    and rebuilt); a generous bound, counted by tracemalloc, so it does not depend on the clock."""
    n = 400
    components = [Component(ref=f"c{i}", name=f"p{i}") for i in range(n)]
    dense = [Edge(source=f"c{i}", target=f"c{j}") for i in range(n) for j in range(n) if i != j]
    document = _document("dense.json", components, dense)
    tracemalloc.start()
    try:
        summary = summarise(merge_documents([document]))
        _, peak = tracemalloc.get_traced_memory()
    finally:
        tracemalloc.stop()
    assert summary.graph.edges == len(dense)
    assert peak / len(dense) < 64
