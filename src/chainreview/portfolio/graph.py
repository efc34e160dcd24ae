"""The supply-chain graph, behind one small typed class: rustworkx holds the topology.

Nodes are typed (`NodeKind`) and found by kind, owner and id; edges point the way harm travels,
from what is depended on to what depends on it: country → vendor or site → product → system →
operator, and component → the component or product that uses it. Every question then walks
forward from what it names (`Graph.reach`).

Only `Topology` touches the graph library: `rustworkx_topology` builds it with rustworkx,
chosen over networkx on the measurement in docs/portfolio.md (`benchmarks/bench_graph.py`
builds the same graph with networkx), so the choice can change without touching the questions.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass
from enum import StrEnum
from typing import Protocol

__all__ = [
    "Graph",
    "GraphBuilder",
    "Node",
    "NodeKind",
    "Topology",
    "TopologyFactory",
    "rustworkx_topology",
]


class NodeKind(StrEnum):
    """What a node of the graph stands for."""

    OPERATOR = "operator"
    SYSTEM = "system"
    PRODUCT = "product"
    COMPONENT = "component"
    SUPPLIER = "supplier"
    VENDOR = "vendor"
    SITE = "site"
    COUNTRY = "country"


@dataclass(frozen=True, slots=True, kw_only=True)
class Node:
    """One node: a record of the portfolio, or a country."""

    kind: NodeKind
    id: str
    """The record's id (a component's SBOM ref, a country's code, `vendor/sites/N` for a site,
    a supplier's name as `supplier_key` gives it)."""
    label: str
    """What a person reads: a name, a component's purl."""
    owner: str | None = None
    """The product a component belongs to; None for the other kinds."""


class Topology(Protocol):
    """The edges of a graph of nodes numbered from 0, as a graph library holds them."""

    @property
    def edge_count(self) -> int:
        """Distinct edges."""
        ...

    def successors(self, node: int) -> Iterable[int]:
        """The nodes `node` has an edge to."""
        ...


TopologyFactory = Callable[[int, Sequence[tuple[int, int]]], Topology]
"""Builds a `Topology` of that many nodes and those edges (repeats kept once)."""


class _Rustworkx:
    """A rustworkx directed graph without payloads."""

    def __init__(self, size: int, edges: Sequence[tuple[int, int]]) -> None:
        import rustworkx

        graph = rustworkx.PyDiGraph(multigraph=False)
        graph.add_nodes_from([None] * size)
        graph.add_edges_from_no_data(list(edges))
        self._graph = graph
        self.successors = graph.successor_indices

    @property
    def edge_count(self) -> int:
        return self._graph.num_edges()


def rustworkx_topology(size: int, edges: Sequence[tuple[int, int]]) -> Topology:
    """The topology as a rustworkx `PyDiGraph`."""
    return _Rustworkx(size, edges)


class Graph:
    """The built graph: typed nodes, and walks along the edges."""

    def __init__(
        self,
        nodes: Sequence[Node],
        index: Mapping[tuple[NodeKind, str | None, str], int],
        topology: Topology,
    ) -> None:
        self._nodes = nodes
        self._index = index
        self._topology = topology

    def __len__(self) -> int:
        return len(self._nodes)

    @property
    def edge_count(self) -> int:
        """Distinct edges."""
        return self._topology.edge_count

    def node(self, index: int) -> Node:
        """The node numbered `index`."""
        return self._nodes[index]

    def successors(self, index: int) -> tuple[int, ...]:
        """The nodes `index` has an edge to (where harm goes from it), in ascending order."""
        return tuple(sorted(self._topology.successors(index)))

    def find(self, kind: NodeKind, id: str, owner: str | None = None) -> int | None:
        """The number of the node of that kind, id and owner, if there is one."""
        return self._index.get((kind, owner, id))

    def reach(self, sources: Iterable[int]) -> dict[int, int]:
        """Every node reachable from `sources` (themselves included), each with the node it
        was first reached from (-1 for a source): breadth first, so each path is a shortest."""
        parents = dict.fromkeys(sorted(set(sources)), -1)
        queue = list(parents)
        successors = self._topology.successors
        for node in queue:
            for following in successors(node):
                if following not in parents:
                    parents[following] = node
                    queue.append(following)
        return parents

    def path(self, parents: Mapping[int, int], node: int) -> tuple[Node, ...]:
        """The path `reach` found to `node`, from `node` back to its source."""
        steps = [node]
        while (parent := parents[steps[-1]]) != -1:
            steps.append(parent)
        return tuple(self._nodes[step] for step in steps)


class GraphBuilder:
    """Collects nodes (each once) and edges, then builds the `Graph` in one go."""

    def __init__(self) -> None:
        self._nodes: list[Node] = []
        self._index: dict[tuple[NodeKind, str | None, str], int] = {}
        self._edges: list[tuple[int, int]] = []

    def add(self, node: Node) -> int:
        """The number of `node` (its kind, owner and id), added when new."""
        key = (node.kind, node.owner, node.id)
        found = self._index.get(key)
        if found is None:
            found = self._index[key] = len(self._nodes)
            self._nodes.append(node)
        return found

    def edge(self, source: int, target: int) -> None:
        """An edge from `source` to `target` (harm travels that way)."""
        self._edges.append((source, target))

    def build(self, topology: TopologyFactory = rustworkx_topology) -> Graph:
        """The graph of the nodes and edges added."""
        return Graph(self._nodes, self._index, topology(len(self._nodes), self._edges))
