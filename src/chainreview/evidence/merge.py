"""Merge the SBOMs of one product into one `Inventory`, folding duplicate components together.

Identity rules: two components are the same when they have the same purl, or the same name,
version and supplier with no conflicting purls. The first one read survives; the others add
their sources, hashes, licences and any fields it lacked, and each merge is reported. Refs that
collide between documents are prefixed with the file name so every ref stays unique.
"""

from __future__ import annotations

import dataclasses
from collections.abc import Iterable, Sequence
from typing import TypeVar

from chainreview.components.model import (
    Component,
    Diagnostic,
    Edge,
    Inventory,
    Location,
    MergedDuplicate,
    SbomDocument,
    Service,
)

_T = TypeVar("_T")
_FILLABLE = (
    "version",
    "group",
    "purl",
    "ecosystem",
    "cpe",
    "supplier",
    "manufacturer",
    "author",
    "description",
)


def merge_documents(documents: Sequence[SbomDocument]) -> Inventory:
    """Merge `documents` (in the order given) into one inventory of unique components."""
    components: list[Component] = []
    services: list[Service] = []
    edges: list[Edge] = []
    seen_refs: set[str] = set()
    warnings: list[Diagnostic] = []
    for document in documents:
        warnings.extend(document.warnings)
        warnings.extend(_dangling_refs(document))
        renames = _unique_refs(document, seen_refs)
        components.extend(
            dataclasses.replace(c, ref=renames.get(c.ref, c.ref)) for c in document.components
        )
        services.extend(
            dataclasses.replace(s, ref=renames.get(s.ref, s.ref)) for s in document.services
        )
        edges.extend(
            Edge(
                source=renames.get(e.source, e.source),
                target=renames.get(e.target, e.target),
                kind=e.kind,
            )
            for e in document.edges
        )
    merged, aliases, duplicates = _fold_duplicates(components)
    final_edges = _rewrite_edges(edges, aliases)
    return Inventory(
        documents=tuple(documents),
        components=tuple(merged),
        services=tuple(services),
        edges=final_edges,
        skipped=tuple(s for d in documents for s in d.skipped),
        warnings=tuple(warnings),
        duplicates=tuple(duplicates),
    )


def _unique_refs(document: SbomDocument, seen: set[str]) -> dict[str, str]:
    """Map each ref of `document` that an earlier document already used to a file-qualified ref."""
    renames: dict[str, str] = {}
    own = [c.ref for c in document.components] + [s.ref for s in document.services]
    for ref in own:
        if ref in seen and ref not in renames:
            renames[ref] = f"{document.file}#{ref}"
    seen.update(renames.get(ref, ref) for ref in own)
    return renames


def _identity_keys(component: Component) -> tuple[str | None, tuple[str, str | None, str | None]]:
    name_key = (
        component.name.casefold(),
        component.version,
        (component.supplier or "").casefold() or None,
    )
    return component.purl, name_key


def _fold_duplicates(
    components: Iterable[Component],
) -> tuple[list[Component], dict[str, str], list[MergedDuplicate]]:
    """Fold duplicates into the first of each identity; return survivors, ref aliases, reports."""
    survivors: list[Component] = []
    by_purl: dict[str, int] = {}
    by_name: dict[tuple[str, str | None, str | None], int] = {}
    folded: dict[int, list[Component]] = {}
    reasons: dict[int, str] = {}
    aliases: dict[str, str] = {}
    for component in components:
        purl, name_key = _identity_keys(component)
        index, reason = _find_twin(component, purl, name_key, by_purl, by_name, survivors)
        if index is None:
            index = len(survivors)
            survivors.append(component)
        else:
            survivors[index] = _absorb(survivors[index], component)
            folded.setdefault(index, []).append(component)
            reasons.setdefault(index, reason)
            aliases[component.ref] = survivors[index].ref
        if purl is not None:
            by_purl.setdefault(purl, index)
        by_name.setdefault(name_key, index)
    reports = [
        MergedDuplicate(
            ref=survivors[index].ref,
            merged_refs=tuple(f"{c.sources[0] if c.sources else c.ref}" for c in twins),
            reason=reasons[index],
        )
        for index, twins in sorted(folded.items())
    ]
    return survivors, aliases, reports


def _find_twin(
    component: Component,
    purl: str | None,
    name_key: tuple[str, str | None, str | None],
    by_purl: dict[str, int],
    by_name: dict[tuple[str, str | None, str | None], int],
    survivors: list[Component],
) -> tuple[int | None, str]:
    if purl is not None and purl in by_purl:
        return by_purl[purl], "same purl"
    index = by_name.get(name_key)
    if index is None:
        return None, ""
    other = survivors[index].purl
    if purl is not None and other is not None and other != purl:
        return None, ""
    return index, "same name, version and supplier"


def _absorb(kept: Component, other: Component) -> Component:
    """Return `kept` with `other`'s sources, hashes and licences added and its gaps filled."""
    fills = {name: getattr(other, name) for name in _FILLABLE if getattr(kept, name) is None}
    return dataclasses.replace(
        kept,
        hashes=_union(kept.hashes, other.hashes),
        licenses=_union(kept.licenses, other.licenses),
        sources=_union(kept.sources, other.sources),
        **{name: value for name, value in fills.items() if value is not None},
    )


def _union(first: tuple[_T, ...], second: tuple[_T, ...]) -> tuple[_T, ...]:
    return first + tuple(item for item in second if item not in first)


def _rewrite_edges(edges: Iterable[Edge], aliases: dict[str, str]) -> tuple[Edge, ...]:
    """Point edges at surviving refs, dropping self-loops and repeats."""
    result: dict[Edge, None] = {}
    for edge in edges:
        source, target = (
            aliases.get(edge.source, edge.source),
            aliases.get(edge.target, edge.target),
        )
        if source != target:
            result.setdefault(Edge(source=source, target=target, kind=edge.kind), None)
    return tuple(result)


def _dangling_refs(document: SbomDocument) -> list[Diagnostic]:
    """Warn once per ref that the document's dependency graph names but never declares."""
    known = {c.ref for c in document.components} | {s.ref for s in document.services}
    unknown = dict.fromkeys(
        ref for e in document.edges for ref in (e.source, e.target) if ref not in known
    )
    return [
        Diagnostic(
            location=Location(file=document.file, pointer="dependencies"),
            message=f"dependency graph refers to {ref!r}, which the document does not declare",
            code="dangling-ref",
        )
        for ref in unknown
    ]
