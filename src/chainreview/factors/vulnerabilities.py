"""The vulnerability family: known vulnerabilities (F02), end of life (F04), likelihood (F17) and
mitigability (F18), read from the findings of every product's inventory.

The findings come from the scan pipeline with each product's VEX applied (`ReviewContext.findings`).
A finding resolved by VEX (`not_affected`, `fixed`) is kept and shown as evidence, but raises
nothing; only *active* findings (`affected`, `under_investigation`) raise levels.

F02 (per active finding, the highest wins):

* severity: `critical` → high, `high` → medium, `medium`/`low` → low; `unknown` is read as
  `critical` (as `--fail-on` reads it), never as low;
* no fixed version above the component's version → one step higher, at least medium, at most
  high: a published vulnerability without a remedy (GB 40050-2021 5.3(a));
* in CISA KEV → at least high, critical when used in ransomware campaigns or without a fix (the
  policy treats an active KEV finding as a hard-fail candidate);
* EPSS, when the snapshot has it: ≥ 0.5 → high, ≥ 0.1 → medium.

Absent data is never no risk (see `interface.conclude`). Evidence the vendor can supply is a gap:
a product without an SBOM, or whose SBOM lists nothing but the product itself; third-party
components with no purl or CPE; OS packages whose release nothing names; a component whose version
could not be placed. A gap in the tool's own data is a limitation: no snapshot, no OSV or KEV
feed, components of an ecosystem or release the snapshot holds no advisories for, or only a
partial selection of (`ReviewContext.coverage`). Either leaves F02 and F17 undetermined below
`high`. The vendor's own components without an identifier are not F02's to judge: they are a
transparency gap (F12, `factors.unchecked`).

F04 judges the product's declared support end date (or the F04.Q1 answer) against the review
date, and each component against endoflife.date cycles when the snapshot has the `eol` feed
(looked up by the component's lower-case name in the feed's `product` index; the cycle is the
longest one that is the version or a dotted prefix of it).

F17 weighs exploitation in the wild (KEV), its probability (EPSS) and exposure: a component of a
product deployed on an internet-facing CII system is one step more likely to be attacked.

F18 weighs remedies: fixed versions for every active finding make it low; findings without a fix
are high, medium when the operator declares compensating controls (F18.Q1 isolation, F18.Q3).
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator, Sequence
from datetime import date, timedelta
from typing import Final

from chainreview.components.model import Component
from chainreview.components.purl import InvalidPurl, osv_ecosystem, parse_purl
from chainreview.components.versions import InvalidVersion, sort_key
from chainreview.evidence.product import Product
from chainreview.factors import mitigations as m
from chainreview.factors.interface import (
    RANK,
    Evaluator,
    EvidenceRef,
    FactorAssessment,
    Gap,
    Limitation,
    Mitigation,
    Raise,
    ReviewContext,
    Rule,
    declared,
    limitation,
    missing,
)
from chainreview.factors.questions import answer_for, answer_ref, on_concern, unanswered
from chainreview.factors.unchecked import no_sbom, only_the_product, unchecked
from chainreview.findings.coverage import CoverageState
from chainreview.findings.model import Finding
from chainreview.findings.model import Level as Severity
from chainreview.intel.eol import EolCycle
from chainreview.intel.interface import FeedKind
from chainreview.levels import Level

__all__ = ["SEVERITY_LEVEL", "VulnerabilityEvaluator", "finding_level"]

F02_SEVERITY = Rule(
    id="F02.R1", text="active findings by severity (unknown severity is read as critical)"
)
F02_NO_REMEDY = Rule(
    id="F02.R2",
    text="a published vulnerability without a remedy (GB 40050-2021 5.3(a)) is one step higher",
)
F02_KEV = Rule(
    id="F02.R3", text="an active finding in CISA KEV is at least high (hard-fail candidate)"
)
F02_EPSS = Rule(id="F02.R4", text="EPSS probability of exploitation (≥ 0.5 high, ≥ 0.1 medium)")
F02_RESOLVED = Rule(id="F02.R5", text="findings resolved by VEX are kept and raise nothing")
F02_ANSWER = Rule(id="F02.R6", text="questionnaire: remedies and time to fix")

F04_SUPPORT = Rule(
    id="F04.R1",
    text="product support end: passed → high, within a year → medium, within five years → low",
)
F04_EOL = Rule(
    id="F04.R2", text="component cycle past end of life → high, ending within 180 days → medium"
)
F04_ANSWER = Rule(id="F04.R3", text="questionnaire: notice before support ends")

F17_KEV = Rule(
    id="F17.R1", text="exploited in the wild (KEV) → high, critical when internet-facing"
)
F17_EPSS = Rule(
    id="F17.R2",
    text="EPSS ≥ 0.5 → high, ≥ 0.1 → medium, else low; one step higher when internet-facing",
)
F17_EXPOSURE = Rule(id="F17.R3", text="exposure of the components with active findings")
F17_ANSWER = Rule(id="F17.R4", text="questionnaire: threat intelligence and public exploits")

F18_FIXED = Rule(id="F18.R1", text="fixed versions exist for the active findings → low")
F18_UNFIXED = Rule(
    id="F18.R2",
    text="active findings without a fix → high, medium with declared compensating controls",
)
F18_ANSWER = Rule(id="F18.R3", text="questionnaire: isolation and contractual mitigation")

SEVERITY_LEVEL: Final = {
    Severity.CRITICAL: Level.HIGH,
    Severity.UNKNOWN: Level.HIGH,
    Severity.HIGH: Level.MEDIUM,
    Severity.MEDIUM: Level.LOW,
    Severity.LOW: Level.LOW,
    Severity.NONE: Level.NONE,
}
"""The F02 level of an active finding's severity, before remedy, KEV and EPSS."""

EPSS_HIGH: Final = 0.5
EPSS_MEDIUM: Final = 0.1
EOL_WARNING_DAYS: Final = 180
SUPPORT_SHORT_DAYS: Final = 365
SUPPORT_CRA_DAYS: Final = 1825
"""Five years (cf. CRA Art. 13(8), catalogue question F04.Q1)."""
_LISTED = 5
"""Ids named in a reason before "and N more"."""
_BY_RANK: Final = {rank: level for level, rank in RANK.items()}


def _step(level: Level, steps: int = 1, *, cap: Level = Level.CRITICAL) -> Level:
    return _BY_RANK[min(RANK[level] + steps, RANK[cap])]


def _at_least(level: Level, floor: Level) -> Level:
    return level if RANK[level] >= RANK[floor] else floor


def _epss_level(finding: Finding) -> Level | None:
    if finding.epss is None:
        return None
    if finding.epss.score >= EPSS_HIGH:
        return Level.HIGH
    return Level.MEDIUM if finding.epss.score >= EPSS_MEDIUM else Level.LOW


def finding_level(finding: Finding) -> Level:
    """The F02 level one finding raises (`none` when VEX or a suppression resolved it)."""
    if not finding.active:
        return Level.NONE
    level = SEVERITY_LEVEL[finding.severity.level]
    if not finding.fixed_versions:
        level = _at_least(_step(level, cap=Level.HIGH), Level.MEDIUM)
    if finding.kev is not None:
        exploited = finding.kev.known_ransomware or not finding.fixed_versions
        level = Level.CRITICAL if exploited else _at_least(level, Level.HIGH)
    epss = _epss_level(finding)
    return level if epss is None else _at_least(level, epss)


def _ref(finding: Finding) -> EvidenceRef:
    status = finding.status.value + (f" ({finding.status_source})" if finding.status_source else "")
    facts = [f"{finding.name} {finding.version}", finding.severity.level.value, status]
    if finding.kev is not None:
        facts.append(f"KEV since {finding.kev.date_added}")
    if finding.epss is not None:
        facts.append(f"EPSS {finding.epss.score:.3f}")
    if finding.fixed_versions:
        facts.append("fixed in " + ", ".join(finding.fixed_versions))
    return EvidenceRef(
        kind="finding", ref=f"{finding.id}@{finding.component}", detail="; ".join(facts)
    )


def _ids(findings: Iterable[Finding]) -> str:
    named = sorted({f"{f.id} ({f.name} {f.version})" for f in findings})
    more = len(named) - _LISTED
    return ", ".join(named[:_LISTED]) + (f" and {more} more" if more > 0 else "")


def _upgrades(findings: Iterable[Finding]) -> Mitigation:
    """ "Upgrade <name> <version> → <target>, …" for every component (see `_target`): a condition
    names all it asks for."""
    by_component: dict[tuple[str, str, str], list[Finding]] = {}
    for finding in findings:
        key = (finding.name, finding.version, finding.component)
        by_component.setdefault(key, []).append(finding)
    targets = sorted({f"{n} {v} → {_target(fs)}" for (n, v, _), fs in by_component.items()})
    return m.upgrade(", ".join(targets))


def _target(findings: list[Finding]) -> str:
    """The highest of the findings' nearest fixed versions: the least upgrade fixing them all."""
    nearest = {f.fixed_versions[0] for f in findings}
    try:
        ecosystem = osv_ecosystem(parse_purl(findings[0].purl or ""))
        if ecosystem is not None:
            return max(nearest, key=lambda v: sort_key(ecosystem, v))
    except (InvalidPurl, InvalidVersion, TypeError):
        pass
    return " or ".join(sorted(nearest))


def _worst_raise(
    rule: Rule,
    levels: Sequence[tuple[Finding, Level]],
    what: str,
    mitigation: Mitigation | tuple[Mitigation, ...],
) -> Raise | None:
    """One raise for the findings `rule` covers, each with its level: the top level, and the
    findings at it. (Pairs, not a mapping: hashing a finding hashes all it holds.)"""
    if not levels:
        return None
    top = max((level for _, level in levels), key=RANK.__getitem__)
    at_top = [f for f, level in levels if level is top]
    reason = f"{len(levels)} {what}; at {top}: {_ids(at_top)}"
    return rule.fire(top, reason, [_ref(f) for f in at_top], mitigation)


class VulnerabilityEvaluator(Evaluator):
    """F02 known vulnerabilities, F04 end of life and support, F17 likelihood, F18 mitigability."""

    name = "vulnerabilities"
    version = "1.0"
    factor_ids = ("F02", "F04", "F17", "F18")

    def assess(self, ctx: ReviewContext) -> Iterator[FactorAssessment]:
        """F02, F04, F17, F18."""
        coverage = _coverage(ctx)
        active = [f for f in ctx.findings if f.active]
        yield self.conclude(ctx, "F02", _known(ctx, active), coverage + _feed_gaps(ctx))
        yield self.conclude(ctx, "F04", *_lifecycle(ctx))
        yield self.conclude(ctx, "F17", *_likelihood(ctx, active, coverage))
        yield self.conclude(ctx, "F18", *_mitigability(ctx, active, coverage))


# --- evidence coverage --------------------------------------------------------------------------


def _feeds(ctx: ReviewContext) -> frozenset[str]:
    """The feeds the snapshot holds records of (none without a snapshot)."""
    return frozenset() if ctx.intel is None else ctx.intel.feeds


def _feed_gaps(ctx: ReviewContext) -> list[Gap | Limitation]:
    if ctx.intel is None:
        return [limitation("components against advisories (no intel snapshot: OSV, CISA KEV)")]
    feeds = _feeds(ctx)
    return [
        limitation(f"{title} (not in the intel snapshot)")
        for kind, title in ((FeedKind.OSV, "OSV advisories"), (FeedKind.KEV, "CISA KEV"))
        if kind.value not in feeds
    ]


def _coverage(ctx: ReviewContext) -> list[Gap | Limitation]:
    """What the scans could not check, as gaps (the vendor can supply it) and limitations (the
    intel lacks it)."""
    gaps: list[Gap | Limitation] = []
    vendors = {v.id: v for v in ctx.declaration.vendors}
    for product in ctx.declaration.products:
        if product.inventory is None:
            gaps.append(missing(no_sbom(product)))
            continue
        coverage = None if ctx.coverage is None else ctx.coverage.get(product.id)
        if coverage is None:
            continue  # no scan: `_feed_gaps` names the missing snapshot
        found = unchecked(product, vendors[product.vendor], coverage)
        if not found.listed:
            gaps.append(missing(only_the_product(product)))
            continue
        if found.third_party:
            gaps.append(
                missing(
                    f"identifiers (purl or CPE) for {len(found.third_party)} third-party "
                    f"component(s) of {product.id} ({_names(found.third_party)})"
                )
            )
        if found.no_release:
            gaps.append(
                missing(
                    f"the distribution release of {len(found.no_release)} OS package(s) of "
                    f"{product.id} ({_names(found.no_release)}): no distro qualifier in the purl "
                    "and no operating-system component"
                )
            )
        for group, components in found.uncovered:
            state = (
                "not checked" if group.state is CoverageState.NOT_CHECKED else "not fully checked"
            )
            gaps.append(
                limitation(
                    f"{len(components)} component(s) of {product.id} {state}: {group.reason} "
                    f"({_names(components)})"
                )
            )
    gaps += [
        missing(
            f"a decidable version of {item.name} {item.version or '(no version)'}: {item.reason}"
            + (f" ({', '.join(item.advisory_ids)})" if item.advisory_ids else "")
        )
        for item in ctx.indeterminate
        if item.advisory_ids  # the others have nothing to decide (no identifier: above)
    ]
    return gaps


def _names(components: Iterable[Component]) -> str:
    named = sorted({" ".join(filter(None, (c.name, c.version))) for c in components})
    more = len(named) - _LISTED
    return ", ".join(named[:_LISTED]) + (f" and {more} more" if more > 0 else "")


# --- F02 ------------------------------------------------------------------------------------------


def _known(ctx: ReviewContext, active: list[Finding]) -> list[Raise]:
    levels = [(f, finding_level(f)) for f in active]
    severity = [(f, SEVERITY_LEVEL[f.severity.level]) for f in active]
    high_epss = (Level.MEDIUM, Level.HIGH)
    epss = [(f, level) for f in active if (level := _epss_level(f)) in high_epss]
    remedy = m.REMEDY
    raised = [
        _worst_raise(
            F02_KEV,
            [(f, level) for f, level in levels if f.kev is not None],
            "active finding(s) in CISA KEV",
            remedy,
        ),
        _worst_raise(
            F02_NO_REMEDY,
            [(f, level) for f, level in levels if not f.fixed_versions],
            "active finding(s) without a fix",
            remedy,
        ),
        _worst_raise(
            F02_SEVERITY,
            severity,
            "active finding(s)",
            _upgrades(f for f in active if f.fixed_versions)
            if any(f.fixed_versions for f in active)
            else remedy,
        ),
        _worst_raise(F02_EPSS, epss, "active finding(s) with a high EPSS", remedy),
    ]
    resolved = [f for f in ctx.findings if not f.active]
    if resolved:
        reason = f"{len(resolved)} finding(s) resolved by VEX or accepted: {_ids(resolved)}"
        raised.append(F02_RESOLVED.fire(Level.NONE, reason, [_ref(f) for f in resolved]))
    if not active and ctx.intel is not None:
        raised.append(F02_SEVERITY.fire(Level.NONE, "no active finding in the checked components"))
    answers = (
        on_concern(ctx, F02_ANSWER, "F02.Q1", Level.MEDIUM, remedy),
        on_concern(ctx, F02_ANSWER, "F02.Q2", Level.LOW, m.FIX_TIME),
    )
    return [r for r in (*raised, *answers) if r is not None]


# --- F04 ------------------------------------------------------------------------------------------


def _lifecycle(ctx: ReviewContext) -> tuple[list[Raise], list[Gap | Limitation]]:
    raised: list[Raise] = []
    gaps: list[Gap | Limitation] = []
    for n, product in enumerate(ctx.declaration.products):
        raised += _support(ctx, n, product, gaps)
    if FeedKind.EOL.value not in _feeds(ctx):
        gaps.append(
            limitation("component lifecycles (no endoflife.date data in the intel snapshot)")
        )
    else:
        raised += _eol_components(ctx)
    notice = on_concern(ctx, F04_ANSWER, "F04.Q2", Level.MEDIUM, m.SUPPORT_NOTICE)
    return raised + ([notice] if notice is not None else []), gaps


def _support(
    ctx: ReviewContext, n: int, product: Product, gaps: list[Gap | Limitation]
) -> list[Raise]:
    answer = answer_for(ctx.declaration, "F04.Q1")
    if product.support_end is not None:
        ends, ref = product.support_end, declared(f"/products/{n}/support_end", product.support_end)
    elif answer is not None and isinstance(answer.answer, str):
        ends, ref = answer.answer, answer_ref(answer)
    else:
        gaps.append(missing(f"the support end date of {product.id}"))
        return []
    try:
        end = date.fromisoformat(ends)
    except ValueError:
        gaps.append(missing(f"a valid support end date for {product.id} (got {ends!r})"))
        return []
    if end < ctx.as_of:
        level, state = Level.HIGH, "ended"
    elif end < ctx.as_of + timedelta(days=SUPPORT_SHORT_DAYS):
        level, state = Level.MEDIUM, "ends within a year"
    elif end < ctx.as_of + timedelta(days=SUPPORT_CRA_DAYS):
        level, state = Level.LOW, "ends within five years"
    else:
        level, state = Level.NONE, "lasts five years or more"
    reason = f"{product.id} {product.version}: security support {state} ({end.isoformat()})"
    return [F04_SUPPORT.fire(level, reason, [ref], m.SUPPORT_PERIOD)]


def _eol_components(ctx: ReviewContext) -> list[Raise]:
    assert ctx.intel is not None  # the caller checked the eol feed
    components = [
        (product, component)
        for product in ctx.declaration.products
        for component in (product.inventory.components if product.inventory else ())
        if component.version
    ]
    cycles = ctx.intel.eol_cycles({c.name.lower() for _, c in components})
    raised: list[Raise] = []
    for product, component in components:
        cycle = _cycle(cycles.get(component.name.lower(), ()), component.version)
        if cycle is None:
            continue
        level, state = _eol_state(cycle, ctx.as_of)
        reason = f"{product.id}: {component.name} {component.version} ({cycle.key}) {state}"
        ref = EvidenceRef(kind="eol", ref=cycle.key, detail=state)
        mitigation = m.supported_cycle(component.name, cycle.latest)
        raised.append(F04_EOL.fire(level, reason, [ref], mitigation))
    return raised


def _cycle(cycles: Iterable[EolCycle], version: str | None) -> EolCycle | None:
    """The longest of a product's endoflife.date `cycles` that `version` is in, if any."""
    if not version:
        return None
    fitting = [c for c in cycles if version == c.cycle or version.startswith(c.cycle + ".")]
    return max(fitting, key=lambda c: len(c.cycle), default=None)


def _eol_state(cycle: EolCycle, as_of: date) -> tuple[Level, str]:
    ends = date.fromisoformat(cycle.eol_date) if cycle.eol_date else None
    if (ends is not None and ends <= as_of) or (ends is None and cycle.eol):
        return Level.HIGH, "is past end of life" + (f" ({cycle.eol_date})" if ends else "")
    if ends is not None and ends <= as_of + timedelta(days=EOL_WARNING_DAYS):
        return Level.MEDIUM, f"reaches end of life on {cycle.eol_date}"
    return Level.NONE, "is supported" + (f" until {cycle.eol_date}" if ends else "")


# --- F17 ------------------------------------------------------------------------------------------


def _exposed(ctx: ReviewContext) -> frozenset[str]:
    """Refs of the components of products deployed on an internet-facing CII system."""
    facing = {s.id for s in ctx.declaration.cii_systems if s.internet_facing}
    return frozenset(
        c.ref
        for p in ctx.declaration.products
        if p.inventory is not None and any(d.system in facing for d in p.deployments)
        for c in p.inventory.components
    )


def _likelihood(
    ctx: ReviewContext, active: list[Finding], coverage: list[Gap | Limitation]
) -> tuple[list[Raise], list[Gap | Limitation]]:
    exposed = _exposed(ctx)
    gaps = coverage + _feed_gaps(ctx)
    kev_level = [
        (f, Level.CRITICAL if f.component in exposed else Level.HIGH)
        for f in active
        if f.kev is not None
    ]
    epss_level = [
        (f, _step(level, int(f.component in exposed)))
        for f in active
        if (level := _epss_level(f)) is not None
    ]
    remedy = (m.REMEDY, m.ISOLATE)
    raised = [
        _worst_raise(F17_KEV, kev_level, "active finding(s) in KEV", remedy),
        _worst_raise(F17_EPSS, epss_level, "finding(s) scored by EPSS", remedy),
    ]
    unscored = [f for f in active if f.kev is None and f.epss is None]
    if unscored and FeedKind.EPSS.value not in _feeds(ctx):
        gaps.append(limitation(f"EPSS scores of {len(unscored)} active finding(s) (no EPSS feed)"))
    facing = [f for f in active if f.component in exposed]
    if facing:
        reason = f"{len(facing)} active finding(s) in internet-facing products: {_ids(facing)}"
        raised.append(F17_EXPOSURE.fire(Level.MEDIUM, reason, [_ref(f) for f in facing], remedy))
    elif not active and ctx.intel is not None:
        raised.append(F17_EXPOSURE.fire(Level.NONE, "no active finding to exploit"))
    elif active:
        reason = f"{len(active)} active finding(s), none in an internet-facing product"
        raised.append(F17_EXPOSURE.fire(Level.LOW, reason, (), remedy))
    answers = (
        on_concern(ctx, F17_ANSWER, "F17.Q1", Level.HIGH, m.MONITORING),
        on_concern(ctx, F17_ANSWER, "F17.Q2", Level.MEDIUM, m.REMEDY),
    )
    return [r for r in (*raised, *answers) if r is not None], gaps


# --- F18 ------------------------------------------------------------------------------------------


def _mitigability(
    ctx: ReviewContext, active: list[Finding], coverage: list[Gap | Limitation]
) -> tuple[list[Raise], list[Gap | Limitation]]:
    """F18: what can remedy the active findings; what the scans could not check (`coverage`)
    leaves it as open as F02 and F17 (no finding found is not no finding to remedy)."""
    raised: list[Raise] = []
    gaps: list[Gap | Limitation] = [*coverage, *_feed_gaps(ctx)]
    gaps += [
        unanswered(q, text)
        for q, text in (
            ("F18.Q1", "whether the product can be isolated"),
            ("F18.Q2", "whether the vendor accepts contractual mitigation conditions"),
        )
        if answer_for(ctx.declaration, q) is None
    ]
    fixed = [f for f in active if f.fixed_versions]
    unfixed = [f for f in active if not f.fixed_versions]
    if fixed:
        reason = f"{len(fixed)} active finding(s) have a fixed version: {_ids(fixed)}"
        raised.append(F18_FIXED.fire(Level.LOW, reason, [_ref(f) for f in fixed], _upgrades(fixed)))
    if unfixed:
        controls = [
            a
            for q in ("F18.Q1", "F18.Q3")
            if (a := answer_for(ctx.declaration, q)) is not None and a.answer not in (False, "")
        ]
        level = Level.MEDIUM if controls else Level.HIGH
        how = "compensating controls declared" if controls else "no compensating control declared"
        reason = f"{len(unfixed)} active finding(s) without a fix, {how}: {_ids(unfixed)}"
        refs = [_ref(f) for f in unfixed] + [answer_ref(a) for a in controls]
        raised.append(F18_UNFIXED.fire(level, reason, refs, m.ISOLATE))
    if not active and ctx.intel is not None:
        raised.append(F18_FIXED.fire(Level.NONE, "no active finding needs a remedy"))
    answers = (
        on_concern(ctx, F18_ANSWER, "F18.Q1", Level.MEDIUM, m.ISOLATE),
        on_concern(ctx, F18_ANSWER, "F18.Q2", Level.MEDIUM, m.CONTRACTUAL_MITIGATION),
    )
    return raised + [r for r in answers if r is not None], gaps
