"""The main job as a library call: a declaration package in, a reasoned determination out.

`review(declaration_dir)` reads the package (`evidence.declaration`), scans every product's
merged SBOM inventory against the current intel snapshot with its VEX applied (`findings.scan`
with every matcher: OSV by purl, CPE fallback, distro feeds) and states what each scan could and
could not check (`findings.coverage`), screens the vendors once, assesses the catalogue factors
(`factors.registry`), applies the reviewer's overrides and the regime's policy
(`determination`), and returns a `ReviewResult`. No database, server or network: the intel
snapshot lives under `home` (the bundled one is installed on first use).

The review date is `as_of`, else today's date in the regime's time zone (`RegimeProfile.timezone`)
read from `clock`; the result records which. It holds no absolute path, host name or clock
reading beyond that date, so the same package, snapshot and date give byte-identical JSON. Each
source the result rests on is listed with its completeness, demo mark, the date its data reaches
and its staleness at the review date. On demo intelligence (the bundled capture) the
determination is provisional unless `allow_demo_intel` (or the policy) accepts it, or the rule
that decided rests on the declaration alone (`Policy.rests_on_declaration`: CN.0, a purchase the
Measures do not reach).

`Reviewer(snapshot)` holds what one snapshot gives (matchers, the screening index) and reviews
many packages; `review(path)` is the one-call form. The package re-exports both lazily
(`docs/api.md`).
"""

from __future__ import annotations

import dataclasses
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from datetime import UTC, date, datetime
from pathlib import Path
from typing import Any, Final
from zoneinfo import ZoneInfo

from chainreview.components.model import Component, Diagnostic, Location, SkippedComponent
from chainreview.determination.model import (
    Determination,
    IntelRef,
    PolicyRef,
    ScreenedName,
    ScreeningRecord,
    SourceRef,
)
from chainreview.determination.policy import load_policy
from chainreview.determination.rules import (
    apply_overrides,
    cii_part,
    decide,
    facts_of,
    limitations_of,
)
from chainreview.errors import InputError
from chainreview.evidence.declaration import Declaration, load_declaration
from chainreview.evidence.overrides import Override, read_overrides
from chainreview.evidence.product import Product
from chainreview.evidence.supply_chain import SupplyChain
from chainreview.evidence.vex import VexStatement
from chainreview.evidence.yaml_memo import YamlMemo
from chainreview.factors.answers import answer_problems
from chainreview.factors.catalogue import load_profile
from chainreview.factors.intel_port import SnapshotIntel
from chainreview.factors.interface import Evaluator
from chainreview.factors.parties import Screening, screen
from chainreview.factors.registry import assess_all, build_context
from chainreview.factors.registry import evaluators as registered
from chainreview.factors.screening import Screener
from chainreview.findings.coverage import Coverage
from chainreview.findings.model import Finding
from chainreview.findings.scan import Counts, Undecided, matchers_for, scan
from chainreview.findings.suppressed import SuppressionSource
from chainreview.intel.snapshot import Snapshot, source_complete, source_demo
from chainreview.progress import Progress, silent
from chainreview.snapshots import open_snapshot
from chainreview.version import __version__

__all__ = [
    "EARLIEST_REVIEW_DATE",
    "LATEST_REVIEW_DATE",
    "RESULT_SCHEMA_VERSION",
    "STALE_DAYS",
    "Clock",
    "ComponentSources",
    "DeclarationRef",
    "ProductScan",
    "ReviewResult",
    "Reviewer",
    "load_package",
    "review",
]

STALE_DAYS: Final = 30
"""A source whose data is more than this many days older than the review date is stale."""
RESULT_SCHEMA_VERSION: Final = "2.3"
EARLIEST_REVIEW_DATE: Final = date(1970, 1, 1)
LATEST_REVIEW_DATE: Final = date(2999, 12, 31)
"""The review dates accepted: the rules reach years before and after the review date."""

Clock = Callable[[], datetime]
"""Returns the current time (aware); injected so a test or a server controls "today"."""


def _utc_now() -> datetime:
    return datetime.now(UTC)


@dataclass(frozen=True, slots=True, kw_only=True)
class DeclarationRef:
    """Which declaration was reviewed."""

    id: str
    title: str
    date: str
    operator: str


@dataclass(frozen=True, slots=True, kw_only=True)
class ComponentSources:
    """Where in the product's SBOMs a component was read: the evidence pointer of the findings
    and indeterminate items that name it (its `ref`)."""

    ref: str
    sources: tuple[Location, ...]
    """Every SBOM file and JSON pointer (or `line N`) it was read from, several after a merge."""


@dataclass(frozen=True, slots=True, kw_only=True)
class ProductScan:
    """The scan of one product's inventory with its VEX applied."""

    product: str
    name: str
    version: str
    sboms: tuple[str, ...]
    vex: tuple[str, ...]
    counts: Counts | None
    """None when the product has no SBOM."""
    component_sources: tuple[ComponentSources, ...]
    """Where each component a finding or an indeterminate item names was read, by `ref`."""
    coverage: Coverage | None
    """What the scan checked against which source; None when the product has no SBOM."""
    findings: tuple[Finding, ...]
    indeterminate: tuple[Undecided, ...]
    skipped: tuple[SkippedComponent, ...]
    vex_warnings: tuple[Diagnostic, ...]


@dataclass(frozen=True, slots=True, kw_only=True)
class ReviewResult:
    """Everything a review concluded and rests on; `result.json` is its canonical JSON."""

    schema_version: str
    declaration: DeclarationRef
    determination: Determination
    products: tuple[ProductScan, ...]
    supply_chain: SupplyChain
    """The declaration's vendors with their sites, products and systems (since 2.3)."""


class Reviewer:
    """Reviews declaration packages against one open intel snapshot.

    Everything derived from the snapshot (the matchers, the sanctions screening index, the
    plugin versions) is made once, here, so one reviewer reviews many packages without reloading
    anything; `review` is a function of its arguments and the snapshot. It keeps the YAML files
    it read parsed, by the sha256 of their bytes (`YamlMemo`): a changed file is read afresh.
    A reviewer belongs to the thread that opened its snapshot (a server keeps one per worker
    thread).
    """

    def __init__(
        self,
        snapshot: Snapshot,
        *,
        evaluators: Sequence[Evaluator] | None = None,
        clock: Clock = _utc_now,
    ) -> None:
        """`evaluators` replace the registered ones; `clock` tells "today" (the default
        review date)."""
        self._snapshot = snapshot
        self._matchers = matchers_for(snapshot)
        self._screener = Screener.from_snapshot(snapshot)
        self._intel = SnapshotIntel(snapshot)
        self._evaluators = tuple(evaluators) if evaluators is not None else registered()
        self._clock = clock
        self._yaml = YamlMemo()
        plugins = {f"evaluator:{e.name}": e.version for e in self._evaluators}
        plugins.update({f"matcher:{m.name}": m.version for m in self._matchers})
        plugins["chainreview"] = __version__
        self._plugins = dict(sorted(plugins.items()))

    @property
    def snapshot(self) -> Snapshot:
        """The snapshot reviews rest on."""
        return self._snapshot

    def review(
        self,
        package: Declaration | Path | str,
        *,
        regime: str | None = None,
        policy: Path | None = None,
        overrides: Path | None = None,
        suppressions: SuppressionSource | None = None,
        triage: Sequence[VexStatement] = (),
        as_of: date | None = None,
        allow_demo_intel: bool = False,
        progress: Progress = silent,
    ) -> ReviewResult:
        """Review a declaration package: its folder, or as `load_package` read it.

        `regime` replaces the manifest's regime profile; `policy` replaces the regime's shipped
        policy; `overrides` is a reviewer's overrides file; `suppressions` are accepted
        findings, applied to every product's scan; `triage` are a review office's VEX statements,
        applied to every product's scan after its own VEX; `as_of` is the review date (default:
        today in the regime's time zone); `allow_demo_intel` lets a review on the bundled demo
        intelligence be final; `progress` hears of each product's scan steps. Raises
        `InputError` for unreadable or invalid input.
        """
        declared = (
            package
            if isinstance(package, Declaration)
            else load_declaration(Path(package), answer_checks=(answer_problems,), memo=self._yaml)
        )
        if regime is not None:
            declared = dataclasses.replace(declared, regime=regime)
        weighed = cii_part(declared)  # Art. 2: the products serving CII, when some do
        declaration = weighed.declaration
        profile = load_profile(declaration.regime)
        review_date, basis = self._review_date(as_of, profile.timezone)
        chosen = load_policy(policy, declaration.regime)
        if chosen.regime != declaration.regime:
            message = (
                f"policy {chosen.id} is for {chosen.regime}, the review applies "
                f"{declaration.regime}"
            )
            raise InputError(policy.name if policy else chosen.id, message, "/regime")
        read = None if overrides is None else read_overrides(overrides, overrides.name)
        given: tuple[Override, ...] = () if read is None else read.overrides
        scans = self.scan(
            declaration,
            review_date,
            suppressions=suppressions,
            triage=triage,
            progress=progress,
        )
        findings = _merged([s.findings for s in scans])
        ctx = build_context(
            declaration,
            snapshot=self._snapshot,
            intel=self._intel,
            as_of=review_date,
            findings=findings,
            indeterminate=tuple(dict.fromkeys(u for s in scans for u in s.indeterminate)),
            coverage={s.product: s.coverage for s in scans if s.coverage is not None},
            screening=screen(self._screener, declaration.vendors),
        )
        _check_overrides(given, ctx.catalogue.ids)
        assessed, applied = apply_overrides(assess_all(ctx, self._evaluators), given)
        scope = [f for f in ctx.catalogue.ids if profile.mapping(f) is not None]
        decision = decide(
            chosen, assessed, facts_of(declaration, findings, profile), scope, applied
        )
        if (note := weighed.note()) is not None:
            decision = dataclasses.replace(decision, rationale=(*decision.rationale, note))
        manifest = self._snapshot.manifest
        intel = _intel_ref(self._snapshot.hash, manifest, review_date)
        provisional = (
            ()
            if not intel.demo
            or allow_demo_intel
            or chosen.demo_final
            or chosen.rests_on_declaration(decision.rule)
            else (
                "The review rests on demo intelligence (the bundled capture, not current feeds): "
                "this is no final determination. Import or sync current feeds, or review with "
                "allow-demo-intel to accept it.",
            )
        )
        return ReviewResult(
            schema_version=RESULT_SCHEMA_VERSION,
            declaration=_declaration_ref(declared),
            determination=Determination(
                outcome=decision.outcome,
                rule=decision.rule,
                final=not provisional,
                provisional=provisional,
                rationale=decision.rationale,
                deciding=decision.deciding,
                conditions=decision.conditions,
                limitations=limitations_of(a for a in assessed if a.factor_id in scope),
                assessments=assessed,
                overrides=applied,
                regime=declaration.regime,
                policy=PolicyRef(id=chosen.id, version=chosen.version, sha256=chosen.sha256),
                intel=intel,
                screening=_screening_record(ctx.screening, manifest, review_date),
                as_of=review_date.isoformat(),
                as_of_basis=basis,
                plugins=self._plugins,
                inputs={f.path: f.sha256 for f in declared.inputs},
                overrides_sha256=None if read is None else read.sha256,
            ),
            products=scans,
            supply_chain=SupplyChain.of(declared),
        )

    def _review_date(self, as_of: date | None, timezone: str) -> tuple[date, str]:
        """The review date and what it rests on: as given, else today in `timezone`."""
        if as_of is None:
            day, basis = self._clock().astimezone(ZoneInfo(timezone)).date(), f"today in {timezone}"
        else:
            day, basis = as_of, "given"
        if not EARLIEST_REVIEW_DATE <= day <= LATEST_REVIEW_DATE:
            message = (
                f"review date {day.isoformat()} lies outside "
                f"{EARLIEST_REVIEW_DATE.isoformat()} to {LATEST_REVIEW_DATE.isoformat()}"
            )
            raise InputError("--as-of", message)
        return day, basis

    def scan(
        self,
        declaration: Declaration,
        today: date,
        *,
        suppressions: SuppressionSource | None = None,
        triage: Sequence[VexStatement] = (),
        progress: Progress = silent,
    ) -> tuple[ProductScan, ...]:
        """Scan each product's inventory, its VEX documents, `triage` and `suppressions` applied
        (`today` decides nothing but the expiry of suppressions)."""
        return tuple(
            self._scan(product, today, suppressions, triage, progress)
            for product in declaration.products
        )

    def _scan(
        self,
        product: Product,
        today: date,
        suppressions: SuppressionSource | None,
        triage: Sequence[VexStatement],
        progress: Progress,
    ) -> ProductScan:
        """The scan of one product's inventory with its VEX documents applied."""
        report = (
            None
            if product.inventory is None
            else scan(
                product.inventory,
                self._matchers,
                self._snapshot,
                snapshot=self._snapshot.hash,
                vex_files=product.vex_files,
                statements=[s for d in product.vex for s in d.statements],
                triage=triage,
                suppressions=suppressions,
                today=today,
                progress=progress,
            )
        )
        return ProductScan(
            product=product.id,
            name=product.name,
            version=product.version,
            sboms=product.sbom_files,
            vex=product.vex_files,
            counts=None if report is None else report.counts,
            component_sources=()
            if report is None or product.inventory is None
            else _sources_of(product.inventory.components, report.findings, report.indeterminate),
            coverage=None if report is None else report.coverage,
            findings=() if report is None else report.findings,
            indeterminate=() if report is None else report.indeterminate,
            skipped=() if report is None else report.skipped,
            vex_warnings=tuple(w for d in product.vex for w in d.warnings),
        )


def _sources_of(
    components: Sequence[Component], findings: Sequence[Finding], undecided: Sequence[Undecided]
) -> tuple[ComponentSources, ...]:
    """The sources of every component `findings` and `undecided` name, in `ref` order."""
    named = {f.component for f in findings} | {u.component for u in undecided}
    return tuple(
        ComponentSources(ref=c.ref, sources=c.sources)
        for c in sorted((c for c in components if c.ref in named), key=lambda c: c.ref)
    )


def load_package(declaration_dir: Path | str) -> Declaration:
    """Read and check a declaration package, every answer against its question; raises
    `InvalidPackage` listing every problem. Needs no intel snapshot."""
    return load_declaration(Path(declaration_dir), answer_checks=(answer_problems,))


def review(
    package: Declaration | Path | str,
    *,
    regime: str | None = None,
    policy: Path | None = None,
    overrides: Path | None = None,
    as_of: date | None = None,
    home: Path | None = None,
    allow_demo_intel: bool = False,
    clock: Clock = _utc_now,
    progress: Progress = silent,
) -> ReviewResult:
    """Review one package: read it (a package with problems is refused before any snapshot is
    opened), open the current snapshot under `home` (installing the bundled one when there is
    none), review with a `Reviewer`, close. See `Reviewer.review`; `progress` hears of the
    bundled snapshot's install and the scans' steps."""
    declaration = package if isinstance(package, Declaration) else load_package(package)
    with open_snapshot(home, install_bundled=True, progress=progress) as snapshot:
        return Reviewer(snapshot, clock=clock).review(
            declaration,
            regime=regime,
            policy=policy,
            overrides=overrides,
            as_of=as_of,
            allow_demo_intel=allow_demo_intel,
            progress=progress,
        )


def _merged(groups: Sequence[tuple[Finding, ...]]) -> tuple[Finding, ...]:
    """The products' findings, one finding two products share once. One scan's findings are
    distinct already, and hashing a finding hashes all it holds: a lone scan's are kept as
    they are."""
    found = [group for group in groups if group]
    if len(found) <= 1:
        return found[0] if found else ()
    return tuple(dict.fromkeys(f for group in found for f in group))


def _source_ref(source: Mapping[str, Any], review_date: date) -> SourceRef:
    as_of = source.get("as_of") or (str(source["newest"])[:10] if source.get("newest") else None)
    age = None if as_of is None else (review_date - date.fromisoformat(as_of)).days
    return SourceRef(
        name=source["name"],
        kind=source["kind"],
        records=source["records"],
        complete=source_complete(source),
        demo=source_demo(source),
        as_of=as_of,
        age_days=age,
        stale=age is not None and age > STALE_DAYS,
    )


def _intel_ref(digest: str, manifest: Mapping[str, Any], review_date: date) -> IntelRef:
    sources = tuple(_source_ref(s, review_date) for s in manifest["sources"])
    dated = [s.as_of for s in sources if s.as_of]
    warnings = []
    demo = any(s.demo for s in sources)
    if demo:
        warnings.append(
            "The intel snapshot holds demo data (the bundled capture): its advisories and lists "
            "are old and incomplete."
        )
    stale = [s for s in sources if s.stale]
    if stale:
        named = ", ".join(f"{s.name} ({s.as_of}, {s.age_days} days)" for s in stale)
        warnings.append(
            f"Sources older than {STALE_DAYS} days at the review date: {named}; advisories and "
            "designations published since are not considered."
        )
    undated = [s.name for s in sources if s.as_of is None and s.kind != "sanctions"]
    if undated:
        warnings.append(f"Sources that do not say how recent their data is: {', '.join(undated)}.")
    return IntelRef(
        hash=digest,
        newest=max(dated, default=None),
        demo=demo,
        stale_after_days=STALE_DAYS,
        sources=sources,
        warnings=tuple(warnings),
    )


def _screening_record(
    screening: Screening, manifest: Mapping[str, Any], review_date: date
) -> ScreeningRecord:
    """The record that screening happened: lists, their sources, every name and its result."""
    sanctions = [s for s in manifest["sources"] if s["kind"] == "sanctions"]
    used = [
        s
        for s in sanctions
        if any(i == s["name"] or i.startswith(s["name"] + ":") for i in screening.lists)
    ]
    names = tuple(
        ScreenedName(
            name=screened.party.name,
            role=str(screened.party.role),
            country=screened.party.country,
            ref=screened.party.ref.ref,
            hits=tuple(f"{h.hit.list}:{h.hit.uid}" for h in screened.hits),
        )
        for screened in screening.parties
    )
    hits = sum(len(n.hits) for n in names)
    outcome = "not screened" if not screening.lists else f"{hits} hit(s)" if hits else "no hit"
    return ScreeningRecord(
        lists=screening.lists,
        sources=tuple(_source_ref(s, review_date) for s in used),
        names=names,
        outcome=outcome,
    )


def _check_overrides(overrides: Sequence[Override], known: Sequence[str]) -> None:
    for override in overrides:
        if override.factor not in known:
            message = f"{override.factor} is not in the factor catalogue"
            raise InputError(override.file, message, f"{override.pointer}/factor")


def _declaration_ref(declaration: Declaration) -> DeclarationRef:
    return DeclarationRef(
        id=declaration.id,
        title=declaration.title,
        date=declaration.date,
        operator=declaration.operator.name,
    )
