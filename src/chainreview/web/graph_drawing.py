"""A product's supply-chain graph laid out for the product page's inline SVG (drawn by the
`product.html.j2` template), bounded whatever the product's size.

Harm travels left to right, as the graph's edges go (`portfolio.graph`). The top band is the
supplier side: countries, the vendor's sites, the vendor; the bottom band the product's
components, in three columns by their distance from the product (1: what the product uses
directly); then the product, the systems it is deployed in, the operator. At most
`MAX_COMPONENTS` components are drawn (the nearest the product, breadth first, up to
`MAX_DEPTH`), and at most `MAX_PER_COLUMN` countries, sites or systems; the page says how many
of each are left out."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import Final

from chainreview.portfolio.build import PortfolioGraph
from chainreview.portfolio.graph import NodeKind
from chainreview.portfolio.model import VendorSite
from chainreview.portfolio.product import DeclaredProduct

MAX_COMPONENTS: Final = 30
MAX_DEPTH: Final = 3
MAX_PER_COLUMN: Final = 12
_LABEL: Final = {"product": 21}
"""Characters of a label shown in a box, where not `_LABEL_DEFAULT` (the whole label is its
tooltip); the product's is bold."""
_LABEL_DEFAULT: Final = 24
_COLUMN, _BOX_W, _ROW, _BOX_H, _TOP, _GAP = 188, 166, 28, 22, 34, 40


@dataclass(frozen=True, slots=True, kw_only=True)
class Box:
    """A node drawn: its box's top-left corner and what it says."""

    x: int
    y: int
    kind: str
    label: str
    """Shortened to fit the box."""
    title: str
    """The whole label, and the id when it differs."""
    site: VendorSite | None = None
    """A site's record (the page names its kind in the page's language)."""


@dataclass(frozen=True, slots=True, kw_only=True)
class Line:
    """An edge drawn, from the right of one box to the left of another."""

    x1: int
    y1: int
    x2: int
    y2: int


@dataclass(frozen=True, slots=True, kw_only=True)
class Heading:
    x: int
    y: int
    kind: str
    depth: int | None = None
    """A component column's distance from the product."""


@dataclass(frozen=True, slots=True, kw_only=True)
class Drawing:
    width: int
    height: int
    box_width: int
    box_height: int
    headings: tuple[Heading, ...]
    boxes: tuple[Box, ...]
    lines: tuple[Line, ...]
    components: int
    """Components the product's SBOMs list."""
    drawn_components: int
    left_out: dict[str, int]
    """Nodes of each kind not drawn (kinds with none left out are absent)."""


def draw(declared: DeclaredProduct) -> Drawing:
    """The layout of a declared product's own graph (`DeclaredProduct.graph`)."""
    found = declared.graph
    graph = found.graph
    start = graph.find(NodeKind.PRODUCT, declared.product.id)
    assert start is not None
    users: dict[int, list[int]] = {}
    """Each node → the nodes with an edge to it."""
    for node in range(len(graph)):
        for following in graph.successors(node):
            users.setdefault(following, []).append(node)
    kinds: dict[NodeKind, list[int]] = {}
    for node in range(len(graph)):
        kinds.setdefault(graph.node(node).kind, []).append(node)
    depth = _nearest_components(found, start, users)
    columns: list[tuple[str, int | None, list[int]]] = [
        ("country", None, kinds.get(NodeKind.COUNTRY, [])),
        ("site", None, kinds.get(NodeKind.SITE, [])),
        ("vendor", None, kinds.get(NodeKind.VENDOR, [])),
    ]
    left_out: dict[str, int] = {}
    placed: dict[int, tuple[int, int]] = {}
    boxes: list[Box] = []
    headings: list[Heading] = []
    top_rows = 0
    for n, (kind, _, nodes) in enumerate(columns):
        shown = _capped(nodes, kind, left_out)
        headings.append(Heading(x=n * _COLUMN, y=0, kind=kind))
        _place(found, shown, n * _COLUMN, _TOP, placed, boxes, declared.vendor.sites)
        top_rows = max(top_rows, len(shown))
    low = _TOP + top_rows * _ROW + _GAP
    component_rows = 0
    for d in range(MAX_DEPTH, 0, -1):
        nodes = [node for node, at in depth.items() if at == d]
        if not nodes:
            continue
        x = (MAX_DEPTH - d) * _COLUMN
        headings.append(Heading(x=x, y=low - _TOP + 8, kind="component", depth=d))
        _place(found, nodes, x, low, placed, boxes)
        component_rows = max(component_rows, len(nodes))
    total = len(kinds.get(NodeKind.COMPONENT, []))
    if total > len(depth):
        left_out["component"] = total - len(depth)
    height = low + component_rows * _ROW if component_rows else _TOP + top_rows * _ROW
    middle = max(_TOP, (height - _BOX_H) // 2 // _ROW * _ROW)
    for n, kind in enumerate(("product", "system", "operator"), start=3):
        nodes = _capped(kinds.get(NodeKind(kind), []), kind, left_out)
        headings.append(Heading(x=n * _COLUMN, y=0, kind=kind))
        _place(found, nodes, n * _COLUMN, middle, placed, boxes)
        height = max(height, middle + len(nodes) * _ROW)
    lines = [
        Line(
            x1=placed[source][0] + _BOX_W,
            y1=placed[source][1] + _BOX_H // 2,
            x2=placed[target][0],
            y2=placed[target][1] + _BOX_H // 2,
        )
        for source in sorted(placed)
        for target in graph.successors(source)
        if target in placed
    ]
    return Drawing(
        width=6 * _COLUMN - (_COLUMN - _BOX_W),
        height=height + 4,
        box_width=_BOX_W,
        box_height=_BOX_H,
        headings=tuple(headings),
        boxes=tuple(boxes),
        lines=tuple(lines),
        components=total,
        drawn_components=len(depth),
        left_out=left_out,
    )


def _nearest_components(
    found: PortfolioGraph, product: int, users: dict[int, list[int]]
) -> dict[int, int]:
    """Up to `MAX_COMPONENTS` components nearest the product, breadth first against the edges
    (each level in id order), each with its distance (at most `MAX_DEPTH`)."""
    graph = found.graph
    depth: dict[int, int] = {}
    level = [product]
    for d in range(1, MAX_DEPTH + 1):
        following = sorted(
            {
                user
                for node in level
                for user in users.get(node, [])
                if graph.node(user).kind is NodeKind.COMPONENT and user not in depth
            },
            key=lambda node: (graph.node(node).label, graph.node(node).id),
        )
        for node in following[: MAX_COMPONENTS - len(depth)]:
            depth[node] = d
        level = [node for node in following if node in depth]
        if len(depth) >= MAX_COMPONENTS or not level:
            break
    return depth


def _capped(nodes: Sequence[int], kind: str, left_out: dict[str, int]) -> list[int]:
    if len(nodes) > MAX_PER_COLUMN:
        left_out[kind] = len(nodes) - MAX_PER_COLUMN
    return list(nodes[:MAX_PER_COLUMN])


def _place(
    found: PortfolioGraph,
    nodes: Sequence[int],
    x: int,
    y: int,
    placed: dict[int, tuple[int, int]],
    boxes: list[Box],
    sites: Sequence[VendorSite] = (),
) -> None:
    for row, index in enumerate(nodes):
        node = found.graph.node(index)
        placed[index] = (x, y + row * _ROW)
        room = _LABEL.get(node.kind.value, _LABEL_DEFAULT)
        label = node.label if len(node.label) <= room else node.label[: room - 1] + "…"
        title = node.label if node.label == node.id else f"{node.label} ({node.id})"
        site = None
        if node.kind is NodeKind.SITE:  # `vendor/sites/N`: the vendor's N-th site
            site = sites[int(node.id.rpartition("/")[2])]
        boxes.append(
            Box(x=x, y=y + row * _ROW, kind=node.kind.value, label=label, title=title, site=site)
        )
