"""What changed between two review rounds of a case, read from the `result.json` each kept.

`diff_results` compares two results of a known `schema_version` (2.0 to 2.3, checked against
`schemas/result.schema.json`): the outcome, the findings added, resolved and changed (a finding
is the same one when its product, vulnerability id and component ref are; or, failing that,
when the product and component are and their ids and aliases share one, as when a newer
snapshot names the same vulnerability by another of its ids), the factor levels
that moved with the after side's rule, reasons and evidence as the why, the conditions and
limitations added and removed, and the declaration inputs whose bytes changed. Every list is
in a fixed order, so the same two documents always give the same difference.
`result_conditions` reads one result's conditions alone, checked the same way (a decision
takes them over); `result_assessments` its factor assessments (a case page shows them).
"""

from __future__ import annotations

import functools
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from importlib import resources
from typing import Any, TypeVar

import orjson
from jsonschema import Draft202012Validator
from jsonschema.exceptions import best_match

from chainreview import raw
from chainreview.errors import InputError
from chainreview.reviewer import RESULT_SCHEMA_VERSION

_T = TypeVar("_T")
_READS = ("2.0", "2.1", "2.2", RESULT_SCHEMA_VERSION)
"""The result versions read: 2.1 only added `determination.deciding`, 2.2
`products[].component_sources` and 2.3 `supply_chain`, none of which is compared."""
Key = tuple[str, str, str]
"""A finding's product, vulnerability id and component ref."""


@dataclass(frozen=True, slots=True, kw_only=True)
class Side:
    """What one round decided, on which intel snapshot and review date."""

    name: str
    """Which result it is (`names` of `diff_results`)."""
    as_of: str
    intel: str
    """The intel snapshot's hash."""
    outcome: str
    rule: str
    final: bool


@dataclass(frozen=True, slots=True, kw_only=True)
class Finding:
    """A finding as one round has it."""

    product: str
    id: str
    component: str
    name: str
    version: str
    severity: str
    kev: bool
    status: str
    suppressed: str | None
    """The entry that suppresses it, with why: `ID: reason`."""
    aliases: tuple[str, ...]
    """Its other ids (the alias group the finding stands for)."""

    def names(self) -> frozenset[str]:
        """Every id the finding goes by."""
        return frozenset((self.id, *self.aliases))


@dataclass(frozen=True, slots=True, kw_only=True)
class Change:
    """One property of a finding, before and after."""

    field: str
    before: str
    after: str


@dataclass(frozen=True, slots=True, kw_only=True)
class FindingChange:
    """A finding both rounds have, as the later one has it, and what changed about it."""

    finding: Finding
    changes: tuple[Change, ...]


@dataclass(frozen=True, slots=True, kw_only=True)
class LevelMove:
    """A factor whose level moved (None: not assessed on that side), and why, from the later
    round: its rule, reasons and evidence refs."""

    factor: str
    before: str | None
    after: str | None
    rule: str | None
    reasons: tuple[str, ...]
    evidence: tuple[str, ...]


@dataclass(frozen=True, slots=True, kw_only=True)
class Condition:
    """A condition the determination sets."""

    kind: str
    text: str
    factors: tuple[str, ...]
    party: str
    due: str
    days: int | None
    verification: str


@dataclass(frozen=True, slots=True, kw_only=True)
class Limitation:
    """A limitation the determination states."""

    text: str
    factors: tuple[str, ...]


@dataclass(frozen=True, slots=True, kw_only=True)
class InputChange:
    """A declaration input whose sha256 changed (None: not an input on that side)."""

    path: str
    before: str | None
    after: str | None


@dataclass(frozen=True, slots=True, kw_only=True)
class RoundDiff:
    """The difference between an earlier and a later result."""

    before: Side
    after: Side
    findings_added: tuple[Finding, ...]
    findings_resolved: tuple[Finding, ...]
    findings_changed: tuple[FindingChange, ...]
    levels_moved: tuple[LevelMove, ...]
    conditions_added: tuple[Condition, ...]
    conditions_removed: tuple[Condition, ...]
    limitations_added: tuple[Limitation, ...]
    limitations_removed: tuple[Limitation, ...]
    inputs_changed: tuple[InputChange, ...]

    @property
    def outcome_moved(self) -> bool:
        """Whether the outcome, its rule or its finality differ."""
        before, after = self.before, self.after
        return (before.outcome, before.rule, before.final) != (
            after.outcome,
            after.rule,
            after.final,
        )

    @property
    def empty(self) -> bool:
        """Whether the two results decide the same on the same findings and evidence."""
        return not self.outcome_moved and not any(
            (
                self.findings_added,
                self.findings_resolved,
                self.findings_changed,
                self.levels_moved,
                self.conditions_added,
                self.conditions_removed,
                self.limitations_added,
                self.limitations_removed,
                self.inputs_changed,
            )
        )


def diff_results(
    before: bytes, after: bytes, *, names: tuple[str, str] = ("before", "after")
) -> RoundDiff:
    """Compare two `result.json` documents; raises `InputError` naming the one (`names`) that
    is not a result of a known schema version."""
    old, new = _result(before, names[0]), _result(after, names[1])
    old_det, new_det = old["determination"], new["determination"]
    old_findings, new_findings = _findings(old, names[0]), _findings(new, names[1])
    renamed = _renamed(old_findings, new_findings)
    same = sorted(old_findings.keys() & new_findings.keys())
    pairs = [(old_findings[k], new_findings[k]) for k in same] + [
        (old_findings[o], new_findings[n]) for o, n in renamed
    ]
    gone = old_findings.keys() - new_findings.keys() - {o for o, _ in renamed}
    came = new_findings.keys() - old_findings.keys() - {n for _, n in renamed}
    old_conditions = _each(old_det["conditions"], _condition)
    new_conditions = _each(new_det["conditions"], _condition)
    old_limits = _each(old_det["limitations"], _limitation)
    new_limits = _each(new_det["limitations"], _limitation)
    return RoundDiff(
        before=_side(names[0], old_det),
        after=_side(names[1], new_det),
        findings_added=tuple(new_findings[k] for k in sorted(came)),
        findings_resolved=tuple(old_findings[k] for k in sorted(gone)),
        findings_changed=tuple(
            sorted(
                (
                    FindingChange(finding=after, changes=moved)
                    for before, after in pairs
                    if (moved := _changes(before, after))
                ),
                key=lambda c: (c.finding.product, c.finding.id, c.finding.component),
            )
        ),
        levels_moved=_levels(old_det["assessments"], new_det["assessments"]),
        conditions_added=_sorted(new_conditions - old_conditions),
        conditions_removed=_sorted(old_conditions - new_conditions),
        limitations_added=_sorted(new_limits - old_limits),
        limitations_removed=_sorted(old_limits - new_limits),
        inputs_changed=_inputs(old_det["inputs"], new_det["inputs"]),
    )


def result_conditions(data: bytes, name: str) -> tuple[Condition, ...]:
    """The conditions a `result.json` document sets, in its order; raises `InputError` naming
    it (`name`) when it is not a result of a known schema version."""
    return tuple(_condition(item) for item in _result(data, name)["determination"]["conditions"])


@dataclass(frozen=True, slots=True, kw_only=True)
class EvidenceRef:
    """What an assessment rests on: the kind of evidence, where it is, and what it says."""

    kind: str
    ref: str
    detail: str


@dataclass(frozen=True, slots=True, kw_only=True)
class Assessment:
    """One factor's level in a result, its rule, reasons, evidence and what evidence it lacks
    (each as `(what, party)`)."""

    factor: str
    level: str
    rule: str
    reasons: tuple[str, ...]
    evidence: tuple[EvidenceRef, ...]
    missing: tuple[tuple[str, str], ...]


def result_assessments(data: bytes, name: str) -> tuple[Assessment, ...]:
    """The factor assessments a `result.json` document makes, by factor id; raises
    `InputError` naming it (`name`) when it is not a result of a known schema version."""
    found = _result(data, name)["determination"]["assessments"]
    return tuple(
        Assessment(
            factor=a["factor_id"],
            level=a["level"],
            rule=a["rule"],
            reasons=tuple(a["reasons"]),
            evidence=tuple(
                EvidenceRef(kind=e["kind"], ref=e["ref"], detail=e["detail"]) for e in a["evidence"]
            ),
            missing=tuple((m["what"], m["party"]) for m in a["missing_evidence"]),
        )
        for a in sorted(found, key=lambda a: str(a["factor_id"]))
    )


@functools.cache
def _validator() -> Draft202012Validator:
    schema = orjson.loads(
        resources.files("chainreview").joinpath("schemas", "result.schema.json").read_bytes()
    )
    return Draft202012Validator(schema)


def _result(data: bytes, name: str) -> dict[str, Any]:
    """The parsed result, checked to be one of the schema version this code reads."""
    document = raw.load_json(data, name)
    version = document.get("schema_version") if isinstance(document, dict) else None
    if version not in _READS:
        raise InputError(
            name,
            f"not a review result of a known schema_version ({', '.join(_READS)}): "
            f"schema_version is {version!r}",
        )
    error = best_match(_validator().iter_errors(document))
    if error is not None:
        raise InputError(
            name,
            f"not a review result of schema_version {version}: {error.message}",
            error.json_path,
        )
    result: dict[str, Any] = document
    return result


def _side(name: str, determination: Mapping[str, Any]) -> Side:
    return Side(
        name=name,
        as_of=determination["as_of"],
        intel=determination["intel"]["hash"],
        outcome=determination["outcome"],
        rule=determination["rule"],
        final=determination["final"],
    )


def _findings(result: Mapping[str, Any], name: str) -> dict[Key, Finding]:
    """Every finding by product, vulnerability id and component ref."""
    found: dict[tuple[str, str, str], Finding] = {}
    for product in result["products"]:
        for item in product["findings"]:
            suppressed = item.get("suppressed")
            finding = Finding(
                product=product["product"],
                id=item["id"],
                component=item["component"],
                name=item["name"],
                version=item["version"],
                severity=item["severity"]["level"],
                kev=item.get("kev") is not None,
                status=item["status"],
                suppressed=None if suppressed is None else _suppression(suppressed),
                aliases=tuple(sorted(set(item["aliases"]) - {item["id"]})),
            )
            key = (finding.product, finding.id, finding.component)
            if key in found:
                raise InputError(name, f"finding {finding.id} of {finding.component} listed twice")
            found[key] = finding
    return found


def _suppression(entry: Mapping[str, Any]) -> str:
    return f"{entry.get('id')}: {entry.get('reason')}"


def _renamed(old: Mapping[Key, Finding], new: Mapping[Key, Finding]) -> list[tuple[Key, Key]]:
    """Findings of one round without a namesake in the other, paired when the product and
    component are the same and their ids and aliases overlap (each paired at most once, in key
    order)."""
    unmatched = sorted(new.keys() - old.keys())
    pairs = []
    for key in sorted(old.keys() - new.keys()):
        finding = old[key]
        for other in unmatched:
            candidate = new[other]
            if (candidate.product, candidate.component) == (
                finding.product,
                finding.component,
            ) and (candidate.names() & finding.names()):
                pairs.append((key, other))
                unmatched.remove(other)
                break
    return pairs


def _changes(old: Finding, new: Finding) -> tuple[Change, ...]:
    pairs = (
        ("id", old.id, new.id),
        ("severity", old.severity, new.severity),
        ("kev", _yes(old.kev), _yes(new.kev)),
        ("status", old.status, new.status),
        ("suppressed", old.suppressed or "no", new.suppressed or "no"),
    )
    return tuple(Change(field=f, before=b, after=a) for f, b, a in pairs if b != a)


def _yes(flag: bool) -> str:
    return "yes" if flag else "no"


def _levels(old: list[Any], new: list[Any]) -> tuple[LevelMove, ...]:
    before = {a["factor_id"]: a for a in old}
    after = {a["factor_id"]: a for a in new}
    moved = []
    for factor in sorted(before.keys() | after.keys()):
        was, now = before.get(factor), after.get(factor)
        level_was = None if was is None else was["level"]
        level_now = None if now is None else now["level"]
        if level_was == level_now:
            continue
        moved.append(
            LevelMove(
                factor=factor,
                before=level_was,
                after=level_now,
                rule=None if now is None else now["rule"],
                reasons=() if now is None else tuple(now["reasons"]),
                evidence=() if now is None else tuple(e["ref"] for e in now["evidence"]),
            )
        )
    return tuple(moved)


def _condition(item: Mapping[str, Any]) -> Condition:
    return Condition(
        kind=item["kind"],
        text=item["text"],
        factors=tuple(item["factors"]),
        party=item["party"],
        due=item["due"],
        days=item["days"],
        verification=item["verification"],
    )


def _limitation(item: Mapping[str, Any]) -> Limitation:
    return Limitation(text=item["text"], factors=tuple(item["factors"]))


def _each(items: list[Any], make: Callable[[Mapping[str, Any]], _T]) -> frozenset[_T]:
    return frozenset(make(item) for item in items)


def _sorted(items: frozenset[_T]) -> tuple[_T, ...]:
    """In the order of their canonical JSON."""
    return tuple(sorted(items, key=lambda item: orjson.dumps(item, option=orjson.OPT_SORT_KEYS)))


def _inputs(old: Mapping[str, str], new: Mapping[str, str]) -> tuple[InputChange, ...]:
    return tuple(
        InputChange(path=path, before=old.get(path), after=new.get(path))
        for path in sorted(old.keys() | new.keys())
        if old.get(path) != new.get(path)
    )
