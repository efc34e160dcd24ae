"""CPE fallback matching: NVD configurations for components no purl ecosystem covers (DESIGN §4).

Firmware, devices, appliances and OS kernels rarely have a purl ecosystem; NVD describes them by
CPE. Only components whose `ecosystem` is None are matched here, and only by the CPE their SBOM
gives: no CPE is guessed from a name or a supplier, so a component with neither a purl
ecosystem nor a CPE is *indeterminate* ("no identifier to match"). Candidates come from the
snapshot's NVD `cpe` index (`vendor:product`), so a vendor is always honoured.

One CPE match criterion of a configuration (`cpeMatch`) matches the component when

* part, vendor and product are equal (an ANY vendor or product in NVD matches nothing), and each
  other attribute (edition, language, sw_edition, target_sw, target_hw, other) is ANY on either
  side or equal;
* the version agrees, which the criterion decides in one of four ways (`VersionBasis`):
  `range` — the version is `*` or `-` with versionStart/End bounds, and the component's version
  lies within every bound; `exact` — the criterion names a version (with its `update`, as
  `6.8-rc1`) equal to the component's; `wildcard` — `*` with no bound: NVD says every version,
  so it matches only a component whose version is given, and says so; `not-applicable` — `-`
  with no bound (NVD's usual firmware entry): no version applies, so any component version
  matches, flagged the same way (`CpeMatch.wildcard`).

The component's version is the version of its CPE, or `Component.version` when the CPE's is ANY
or NA; a CPE `update` is appended (`6.8` + `rc1` → `6.8-rc1`). Versions compare with the lenient
`CPE` scheme (`components.versions.generic`). A version that is missing or cannot be ordered
(`custom`) makes the CVE indeterminate for that component, never a match.

A configuration applies when a criterion marked `vulnerable` matches (a `vulnerable: false`
criterion, e.g. the `h:` hardware of an `o:…_firmware` AND `h:…` pair, is never the vulnerable
part, and a negated node or configuration never holds it). Everything else the configuration
requires — the other nodes of an AND configuration, the other criteria of an AND node — is
*platform* context, looked for among the other components of the same inventory that carry a
CPE: found, the match is `confirmed`; missing, it is `unconfirmed`, reported but never as a
plain match. A negated context node that a platform component satisfies rules the
configuration out. Per component and CVE the strongest configuration is kept: platform
not required or confirmed before unconfirmed, a decided version before a wildcard, then the
first. Every match has `Confidence.CPE` and cites the configuration it came from.
"""

from __future__ import annotations

from collections.abc import Iterator, Sequence
from dataclasses import dataclass
from typing import Final

from chainreview.components.cpe import ANY, NA, Cpe, InvalidCpe, parse_cpe
from chainreview.components.model import Component, Location
from chainreview.components.versions import InvalidVersion, sort_key
from chainreview.intel import nvd
from chainreview.intel.interface import FeedKind, load_record
from chainreview.intel.snapshot import Snapshot
from chainreview.matches.interface import MatchError
from chainreview.matches.model import (
    CpeMatch,
    Indeterminate,
    PlatformStatus,
    VersionBasis,
)

__all__ = [
    "CpeMatch",
    "CpeMatchResult",
    "CpeMatcher",
    "PlatformStatus",
    "VersionBasis",
    "component_cpe_version",
]

SCHEME: Final = "CPE"
"""The pseudo-ecosystem whose version order CPE versions use (`components.versions`)."""
NO_IDENTIFIER: Final = "no identifier to match: no purl ecosystem and no CPE"

_BOUNDS: Final = (
    ("version_start_including", ">="),
    ("version_start_excluding", ">"),
    ("version_end_including", "<="),
    ("version_end_excluding", "<"),
)
_HOLDS: Final = {">=": (0, 1), ">": (1,), "<=": (-1, 0), "<": (-1,)}
"""Comparison results (component vs bound) each bound operator accepts."""
_OTHER_ATTRIBUTES: Final = ("edition", "language", "sw_edition", "target_sw", "target_hw", "other")


CpeMatchResult = CpeMatch | Indeterminate
"""What the CPE matcher yields per component."""


@dataclass(frozen=True, slots=True, kw_only=True)
class _Subject:
    """A component as the CPE matcher sees it."""

    ref: str
    cpe: Cpe
    version: str | None


@dataclass(frozen=True, slots=True, kw_only=True)
class _Hit:
    basis: VersionBasis
    bounds: tuple[str, ...] = ()


class _Undecided(Exception):
    """The criterion names the product, but the version cannot be decided (the message says why)."""


def component_cpe_version(cpe: Cpe, component: Component) -> str | None:
    """The version the CPE matcher evaluates: the CPE's, else `Component.version`, plus update."""
    version = _unescape(cpe.version) if cpe.version not in (ANY, NA) else component.version
    return _with_update(version, cpe.update) if version else None


class CpeMatcher:
    """Matches the purl-less components of one inventory against the NVD part of a snapshot."""

    name: Final = "nvd-cpe"
    version: Final = "1"

    def __init__(self, snapshot: Snapshot) -> None:
        self._snapshot = snapshot
        self._records: dict[str, nvd.NvdCve] = {}

    def match_inventory(self, components: Sequence[Component]) -> Iterator[CpeMatchResult]:
        """Match every component without a purl ecosystem; the others are the platforms."""
        subjects: dict[str, _Subject | str] = {c.ref: _subject(c) for c in components if c.cpe}
        platforms = [s for s in subjects.values() if isinstance(s, _Subject)]
        for component in components:
            if component.ecosystem is not None:
                continue
            subject = subjects.get(component.ref, NO_IDENTIFIER)
            if isinstance(subject, str):
                yield Indeterminate(component=component.ref, reason=subject)
                continue
            others = [p for p in platforms if p.ref != subject.ref]
            yield from self._match(subject, others)

    def _match(self, subject: _Subject, platforms: list[_Subject]) -> Iterator[CpeMatchResult]:
        value = nvd.cpe_index_value(subject.cpe.vendor, subject.cpe.product)
        undecided: dict[str, list[str]] = {}
        for cve_id in self._snapshot.keys(FeedKind.NVD, "cpe", value):
            found: list[CpeMatch] = []
            reasons: list[str] = []
            record = self._record(cve_id)
            for index, configuration in enumerate(record.configurations):
                try:
                    match = _evaluate(record.cve_id, index, configuration, subject, platforms)
                except _Undecided as exc:
                    reasons.append(str(exc))
                    continue
                if match is not None:
                    found.append(match)
            if found:
                yield min(found, key=_strength)
            elif reasons:
                undecided.setdefault(reasons[0], []).append(cve_id)
        for reason, cve_ids in undecided.items():
            yield Indeterminate(component=subject.ref, reason=reason, advisory_ids=tuple(cve_ids))

    def _record(self, cve_id: str) -> nvd.NvdCve:
        record = self._records.get(cve_id)
        if record is None:
            body = self._snapshot.record(FeedKind.NVD, cve_id)
            if body is None:
                raise MatchError(
                    f"intel snapshot {self._snapshot.hash}: {cve_id} is indexed, not stored"
                )
            record = load_record(nvd.NvdCve, body)
            self._records[cve_id] = record
        return record


def _subject(component: Component) -> _Subject | str:
    """The component's CPE and version, or why it cannot be matched by CPE."""
    try:
        cpe = parse_cpe(component.cpe or "")
    except InvalidCpe as exc:
        return f"CPE does not parse: {exc}"
    if ANY in (cpe.vendor, cpe.product):
        return f"CPE {cpe} names no vendor or no product"
    return _Subject(ref=component.ref, cpe=cpe, version=component_cpe_version(cpe, component))


def _strength(match: CpeMatch) -> tuple[bool, bool, int]:
    return (match.platform is PlatformStatus.UNCONFIRMED, match.wildcard, match.configuration)


def _evaluate(
    cve_id: str,
    index: int,
    configuration: nvd.Configuration,
    subject: _Subject,
    platforms: list[_Subject],
) -> CpeMatch | None:
    """The match one configuration makes for `subject`, or None; `_Undecided` when unknown."""
    if configuration.negate:
        return None
    undecided: _Undecided | None = None
    for node_index, node in enumerate(configuration.nodes):
        if node.negate:
            continue
        for match_index, criterion in enumerate(node.cpe_matches):
            if not criterion.vulnerable:
                continue
            criteria = parse_cpe(criterion.criteria)
            if not _same_product(criteria, subject.cpe):
                continue
            try:
                hit = _version_hit(criterion, criteria, subject.version)
            except _Undecided as exc:
                undecided = undecided or exc
                continue
            if hit is None:
                continue
            context = _context(configuration, node_index, match_index)
            platform = _platform(context, platforms)
            if platform is None:
                return None
            status, needed, refs = platform
            return CpeMatch(
                component=subject.ref,
                advisory_id=cve_id,
                version=subject.version,
                cpe=str(subject.cpe),
                configuration=index,
                criteria=criterion.criteria,
                basis=hit.basis,
                bounds=hit.bounds,
                platform=status,
                platform_criteria=needed,
                platform_components=refs,
                evidence=Location(
                    file=f"nvd:{cve_id}",
                    pointer=f"/configurations/{index}/nodes/{node_index}/cpe_matches/{match_index}",
                ),
            )
    if undecided is not None:
        raise undecided
    return None


def _same_product(criteria: Cpe, cpe: Cpe) -> bool:
    if ANY in (criteria.vendor, criteria.product):
        return False
    if (criteria.vendor, criteria.product) != (cpe.vendor, cpe.product):
        return False
    if criteria.part != ANY and criteria.part != cpe.part:
        return False
    return all(
        ANY in (a, b) or a == b
        for a, b in ((getattr(criteria, n), getattr(cpe, n)) for n in _OTHER_ATTRIBUTES)
    )


def _version_hit(criterion: nvd.CpeMatch, criteria: Cpe, version: str | None) -> _Hit | None:
    """How the criterion's version agrees with `version`; None when it does not."""
    bounds = _bounds(criterion)
    if not bounds and criteria.version == NA:
        return _Hit(basis=VersionBasis.NOT_APPLICABLE)
    if version is None:
        raise _Undecided("no version")
    if not bounds and criteria.version == ANY:
        return _Hit(basis=VersionBasis.WILDCARD)
    if criteria.version not in (ANY, NA):
        wanted = _with_update(_unescape(criteria.version), criteria.update)
        if _compare(version, wanted) != 0:
            return None
        return _Hit(basis=VersionBasis.EXACT, bounds=(f"= {wanted}",))
    if all(_compare(version, value) in _HOLDS[op] for op, value in bounds):
        return _Hit(basis=VersionBasis.RANGE, bounds=tuple(f"{op} {v}" for op, v in bounds))
    return None


def _bounds(criterion: nvd.CpeMatch) -> list[tuple[str, str]]:
    """The criterion's version bounds as (operator, version), start bounds first."""
    return [(op, value) for name, op in _BOUNDS if (value := getattr(criterion, name))]


def _compare(version: str, bound: str) -> int:
    """Three-way comparison in the `CPE` scheme; `_Undecided` names the side that cannot order."""
    keys = []
    for text, what in ((version, "version"), (bound, "NVD version")):
        try:
            keys.append(sort_key(SCHEME, text))
        except InvalidVersion as exc:
            raise _Undecided(f"{what} {text!r} cannot be ordered: {exc}") from exc
    return (keys[0] > keys[1]) - (keys[0] < keys[1])


def _with_update(version: str, update: str) -> str:
    return version if update in (ANY, NA) else f"{version}-{_unescape(update)}"


def _unescape(value: str) -> str:
    """A CPE formatted-string value without its backslash escapes (`1\\:2` → `1:2`)."""
    return value.replace("\\", "")


_Requirement = tuple[tuple[nvd.CpeMatch, ...], str, bool]
"""Criteria that platform components must satisfy: (criteria, `AND`/`OR`, negated)."""


def _context(
    configuration: nvd.Configuration, node_index: int, match_index: int
) -> list[_Requirement]:
    """What else the configuration requires once criterion `match_index` of node
    `node_index` matched: the node's other criteria when it is an AND node, and the other
    nodes when the configuration is an AND."""
    node = configuration.nodes[node_index]
    needed: list[_Requirement] = []
    if node.operator == "AND":
        others = tuple(m for i, m in enumerate(node.cpe_matches) if i != match_index)
        if others:
            needed.append((others, "AND", False))
    if configuration.operator == "AND":
        needed += [
            (other.cpe_matches, other.operator, other.negate)
            for i, other in enumerate(configuration.nodes)
            if i != node_index
        ]
    return needed


def _platform(
    requirements: list[_Requirement], platforms: list[_Subject]
) -> tuple[PlatformStatus, tuple[str, ...], tuple[str, ...]] | None:
    """(status, required criteria, confirming refs); None when a negated node rules it out."""
    if not requirements:
        return PlatformStatus.NOT_REQUIRED, (), ()
    confirmed = True
    needed: list[str] = []
    refs: dict[str, None] = {}
    for criteria, operator, negate in requirements:
        found = [[p.ref for p in platforms if _is_platform(m, p)] for m in criteria]
        holds = all(found) if operator == "AND" else any(found)
        if negate:
            if holds:
                return None
            continue
        needed += [m.criteria for m in criteria]
        if holds:
            refs.update(dict.fromkeys(ref for group in found for ref in group))
        else:
            confirmed = False
    status = PlatformStatus.CONFIRMED if confirmed else PlatformStatus.UNCONFIRMED
    return status, tuple(needed), tuple(refs) if confirmed else ()


def _is_platform(criterion: nvd.CpeMatch, platform: _Subject) -> bool:
    """Whether an inventory component satisfies a context criterion (undecidable: no)."""
    criteria = parse_cpe(criterion.criteria)
    if not _same_product(criteria, platform.cpe):
        return False
    if criteria.version == ANY and not _bounds(criterion):
        return True  # any version of the platform, none given included
    try:
        return _version_hit(criterion, criteria, platform.version) is not None
    except _Undecided:
        return False
