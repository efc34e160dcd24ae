"""A finding's status from VEX: the statement that applies to it sets it; none removes it.

`apply_vex` gives each finding the few statements that name one of its ids and its component
(`_VexIndex`), and `evidence.vex.applicable` decides among them, in statement order.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Collection, Iterator, Mapping, Sequence
from dataclasses import replace
from typing import TYPE_CHECKING
from urllib.parse import unquote

from chainreview.components.cpe import InvalidCpe, parse_cpe
from chainreview.components.model import Component
from chainreview.components.purl import InvalidPurl, Purl, parse_purl
from chainreview.findings.model import Finding, Status

if TYPE_CHECKING:
    from chainreview.evidence.vex import VexStatement

__all__ = ["apply_vex"]


def apply_vex(
    findings: Sequence[Finding],
    statements: Sequence[VexStatement],
    components: Mapping[str, Component],
) -> tuple[Finding, ...]:
    """Set each finding's status from the VEX statement that applies to it (kept, never removed).

    Linear in findings + statements (and their ids and identifiers): `_VexIndex` gives each
    finding the few statements that name one of its ids and its component, each narrowed to
    those ids and identifiers, and `vex.applicable` decides among them, in statement order, with
    the rules of `evidence.vex`.
    """
    if not statements:
        return tuple(findings)
    from chainreview.evidence.vex import applicable  # lazy: only runs with --vex

    index = _VexIndex(findings, components)
    candidates: list[list[VexStatement]] = [[] for _ in findings]
    for statement in statements:
        for position, narrowed in index.named_by(statement):
            candidates[position].append(narrowed)
    out: list[Finding] = []
    for finding, chosen in zip(findings, candidates, strict=True):
        component = components[finding.component]
        decided = applicable(chosen, finding.aliases, component) if chosen else None
        if decided is None:
            out.append(finding)
            continue
        out.append(
            replace(
                finding,
                status=Status(decided.status.value),
                justification=decided.justification or decided.impact,
                status_source=str(decided.location),
            )
        )
    return tuple(out)


_ProductKey = tuple[str | None, ...]
"""What a VEX identifier and a component can share: ("ref", text), ("purl", type, namespace,
name, version or None) or ("cpe", vendor, product); `vex.applicable` looks further (qualifiers,
subpath, CPE version)."""


class _VexIndex:
    """The findings by alias group and by component, so that a statement finds the findings it
    may apply to without walking them all.

    A statement may apply to a finding when one of its ids (`vex.vulnerability_key`) is in the
    finding's alias group and one of its identifiers (its subcomponents when it has any, else its
    products) shares a `_ProductKey` with the finding's component: a purl without a version
    names every version, one with a version the components of that version (their purl's, else
    their own). Its findings are then listed the cheapest way: by each (group, component) pair,
    or by walking the findings of its groups, or those of its components, whichever is fewest;
    so a statement naming many products of a many-alias vulnerability costs no more than the
    findings there are.
    """

    def __init__(self, findings: Sequence[Finding], components: Mapping[str, Component]) -> None:
        from chainreview.evidence.vex import vulnerability_key

        self._key = vulnerability_key
        self._groups: dict[str, set[int]] = defaultdict(set)
        self._components: dict[_ProductKey, set[str]] = defaultdict(set)
        self._pairs: dict[tuple[int, str], list[int]] = defaultdict(list)
        self._of_group: dict[int, list[int]] = defaultdict(list)
        self._of_component: dict[str, list[int]] = defaultdict(list)
        self._group_at: list[int] = []
        self._component_at = [finding.component for finding in findings]
        numbers: dict[tuple[str, ...], int] = {}
        for position, finding in enumerate(findings):
            group = numbers.get(finding.aliases)
            if group is None:
                group = numbers[finding.aliases] = len(numbers)
                for alias in finding.aliases:
                    self._groups[vulnerability_key(alias)].add(group)
            ref = finding.component
            if ref not in self._of_component:
                for key in _component_keys(components[ref]):
                    self._components[key].add(ref)
            self._group_at.append(group)
            self._pairs[group, ref].append(position)
            self._of_group[group].append(position)
            self._of_component[ref].append(position)

    def named_by(self, statement: VexStatement) -> list[tuple[int, VexStatement]]:
        """The findings `statement` may apply to, by position, each with the statement narrowed
        to the ids and identifiers that concern it (`_narrowed`)."""
        ids = (statement.vulnerability, *statement.aliases)
        ids_of: dict[int, list[int]] = defaultdict(list)
        for n, identifier in enumerate(ids):
            for group in self._groups.get(self._key(identifier), ()):
                ids_of[group].append(n)
        if not ids_of:
            return []
        identifiers = statement.subcomponents or statement.products
        named_of: dict[str, list[int]] = defaultdict(list)
        for n, identifier in enumerate(identifiers):
            for key in _product_keys(identifier):
                for ref in self._components.get(key, ()):
                    named_of[ref].append(n)
        if not named_of:
            return []
        narrowed: dict[tuple[int, str], VexStatement] = {}
        out = []
        for position in self._findings(ids_of.keys(), named_of.keys()):
            pair = (self._group_at[position], self._component_at[position])
            found = narrowed.get(pair)
            if found is None:
                found = narrowed[pair] = _narrowed(statement, ids_of[pair[0]], named_of[pair[1]])
            out.append((position, found))
        return out

    def _findings(self, groups: Collection[int], refs: Collection[str]) -> list[int]:
        """Positions of the findings of any of `groups` on any of `refs`."""
        by_pair = len(groups) * len(refs)
        by_group = sum(len(self._of_group[g]) for g in groups)
        by_component = sum(len(self._of_component[r]) for r in refs)
        if by_pair <= min(by_group, by_component):
            return [p for g in groups for r in refs for p in self._pairs.get((g, r), ())]
        if by_group <= by_component:
            return [p for g in groups for p in self._of_group[g] if self._component_at[p] in refs]
        return [p for r in refs for p in self._of_component[r] if self._group_at[p] in groups]


def _narrowed(statement: VexStatement, ids: list[int], identifiers: list[int]) -> VexStatement:
    """`statement` with only the aliases at positions `ids` of (vulnerability, *aliases) and the
    identifiers (subcomponents, else products) at positions `identifiers`: all `vex.applicable`
    weighs of it for one finding, so a statement naming thousands of products or aliases is
    not weighed whole for each of their findings."""
    aliases = tuple(statement.aliases[n - 1] for n in sorted(set(ids)) if n)
    if statement.subcomponents:
        kept = tuple(statement.subcomponents[n] for n in sorted(set(identifiers)))
        return replace(statement, aliases=aliases, subcomponents=kept)
    kept = tuple(statement.products[n] for n in sorted(set(identifiers)))
    return replace(statement, aliases=aliases, products=kept)


def _product_keys(identifier: str) -> Iterator[_ProductKey]:
    """The keys under which a VEX identifier may name a component (see `vex.applicable`)."""
    yield ("ref", identifier)
    yield from _identity_keys(identifier)
    if "#" in identifier:  # a BOM-Link names a bom-ref (perhaps a purl) after the '#'
        fragment = identifier.partition("#")[2]
        yield ("ref", fragment)
        yield ("ref", unquote(fragment))
        yield from _identity_keys(fragment)


def _identity_keys(identifier: str) -> Iterator[_ProductKey]:
    """The purl or CPE key of a valid identifier."""
    prefix = identifier[:4].lower()
    if prefix == "pkg:":
        purl = _purl(identifier)
        if purl is not None:
            yield _purl_key(purl, purl.version)
    elif prefix == "cpe:":
        try:
            cpe = parse_cpe(identifier)
        except InvalidCpe:
            return
        yield ("cpe", cpe.vendor, cpe.product)


def _component_keys(component: Component) -> Iterator[_ProductKey]:
    """The keys under which a VEX identifier may name `component`."""
    yield ("ref", component.ref)
    purl = _purl(component.purl) if component.purl else None
    if purl is not None:
        yield _purl_key(purl, None)
        version = purl.version or component.version
        if version is not None:
            yield _purl_key(purl, version)
    if component.cpe:
        yield from _identity_keys(component.cpe)


def _purl(text: str) -> Purl | None:
    try:
        return parse_purl(text)
    except InvalidPurl:
        return None


def _purl_key(purl: Purl, version: str | None) -> _ProductKey:
    return ("purl", purl.type, purl.namespace, purl.name, version)
