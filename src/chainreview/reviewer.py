"""The main job as a library call: a declaration package in, a reasoned determination out.

`review(declaration_dir)` reads the package (`evidence.declaration`), scans every product's
merged SBOM inventory against the current intel snapshot with its VEX applied (`findings.scan`
with every matcher: OSV by purl, CPE fallback, distro feeds), assesses the catalogue factors
(`factors.registry`), applies the reviewer's overrides and the regime's policy
(`determination`), and returns a `ReviewResult`. No database,
server or network: the intel snapshot lives under `home` (the bundled one is installed on first
use). The review date defaults to the snapshot's newest record, so the same package and snapshot
give the same result on any day; the result holds no absolute path, host name or clock reading.

The package re-exports `review` lazily, so `chainreview.review(path)` works without importing
the pipeline at `import chainreview`.
"""

from __future__ import annotations

import dataclasses
import hashlib
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date
from pathlib import Path, PurePosixPath
from typing import Final

from chainreview import home as chainreview_home
from chainreview.components.model import Diagnostic, SkippedComponent
from chainreview.determination.model import Determination, PolicyRef, SnapshotRef
from chainreview.determination.policy import load_policy
from chainreview.determination.rules import apply_overrides, decide, facts_of
from chainreview.errors import InputError
from chainreview.evidence.declaration import Declaration, load_declaration
from chainreview.evidence.overrides import Override, load_overrides
from chainreview.evidence.product import Product
from chainreview.evidence.vex import VexStatement, read_vex
from chainreview.factors.registry import assess_all, build_context, evaluators
from chainreview.findings.model import Finding
from chainreview.findings.scan import Counts, ScanResult, Undecided, matchers_for, scan
from chainreview.intel.bundled import ensure_snapshot
from chainreview.intel.snapshot import Snapshot, open_current
from chainreview.matches.interface import Matcher
from chainreview.version import __version__

__all__ = [
    "RESULT_SCHEMA_VERSION",
    "STALE_DAYS",
    "DeclarationRef",
    "ProductScan",
    "ReviewResult",
    "review",
]

STALE_DAYS: Final = 30
"""A snapshot whose newest record is more than this many days older than the review is stale."""
RESULT_SCHEMA_VERSION: Final = "1.0"


@dataclass(frozen=True, slots=True, kw_only=True)
class DeclarationRef:
    """Which declaration was reviewed."""

    id: str
    title: str
    date: str
    operator: str


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


def review(
    declaration_dir: Path | str,
    *,
    regime: str | None = None,
    policy: Path | None = None,
    overrides: Path | None = None,
    as_of: date | None = None,
    home: Path | None = None,
) -> ReviewResult:
    """Review the declaration package in `declaration_dir` (see the module doc).

    `regime` replaces the manifest's regime profile; `policy` replaces the regime's shipped
    policy; `overrides` is a reviewer's overrides file; `as_of` is the review date (default: the
    snapshot's newest record). Raises `InputError` for unreadable or invalid input.
    """
    root = Path(declaration_dir)
    declaration = load_declaration(root)
    if regime is not None:
        declaration = dataclasses.replace(declaration, regime=regime)
    data_home = chainreview_home.data_home() if home is None else home
    ensure_snapshot(data_home)
    snapshot = open_current(data_home)
    if snapshot is None:  # ensure_snapshot made one current
        raise InputError(str(data_home), "no intel snapshot")
    with snapshot:
        newest = _newest(snapshot)
        review_date = as_of or newest or date.fromisoformat(declaration.date)
        scans = scan_products(root, declaration, snapshot, review_date)
        findings = tuple(dict.fromkeys(f for s in scans for f in s.findings))
        ctx = build_context(
            declaration,
            snapshot=snapshot,
            as_of=review_date,
            findings=findings,
            indeterminate=tuple(dict.fromkeys(u for s in scans for u in s.indeterminate)),
        )
        assessments = assess_all(ctx)
        snapshot_ref = _snapshot_ref(snapshot.hash, newest, review_date)
    chosen = load_policy(policy, declaration.regime)
    if chosen.regime != declaration.regime:
        message = (
            f"policy {chosen.id} is for {chosen.regime}, the review applies {declaration.regime}"
        )
        raise InputError(policy.name if policy else chosen.id, message, "/regime")
    given: tuple[Override, ...] = (
        () if overrides is None else load_overrides(overrides, overrides.name)
    )
    _check_overrides(given, ctx.catalogue.ids)
    assessed, applied = apply_overrides(assessments, given)
    scope = [f for f in ctx.catalogue.ids if ctx.profile.mapping(f) is not None]
    decision = decide(chosen, assessed, facts_of(declaration, findings), scope, applied)
    rationale = decision.rationale
    if snapshot_ref.warning:
        rationale = (*rationale, snapshot_ref.warning)
    return ReviewResult(
        schema_version=RESULT_SCHEMA_VERSION,
        declaration=_declaration_ref(declaration),
        determination=Determination(
            outcome=decision.outcome,
            rationale=rationale,
            conditions=decision.conditions,
            assessments=assessed,
            overrides=applied,
            regime=declaration.regime,
            policy=PolicyRef(id=chosen.id, version=chosen.version, sha256=chosen.sha256),
            snapshot=snapshot_ref,
            as_of=review_date.isoformat(),
            plugins=_plugins(snapshot),
            inputs={f.path: f.sha256 for f in declaration.inputs},
            overrides_sha256=None
            if overrides is None
            else hashlib.sha256(overrides.read_bytes()).hexdigest(),
        ),
        products=scans,
    )


def _newest(snapshot: Snapshot) -> date | None:
    newest = snapshot.manifest.get("newest")
    try:
        return date.fromisoformat(str(newest)[:10]) if newest else None
    except ValueError:
        return None


def _snapshot_ref(digest: str, newest: date | None, as_of: date) -> SnapshotRef:
    age = None if newest is None else (as_of - newest).days
    stale = age is not None and age > STALE_DAYS
    warning = None
    if newest is None:
        warning = "The intel snapshot does not say how recent its records are."
    elif stale:
        warning = (
            f"The intel snapshot's newest record ({newest.isoformat()}) is {age} days older than "
            "the review date: advisories published since are not considered (import newer feeds)."
        )
    return SnapshotRef(
        hash=digest,
        newest=None if newest is None else newest.isoformat(),
        stale=stale,
        warning=warning,
    )


def scan_products(
    root: Path, declaration: Declaration, snapshot: Snapshot, today: date
) -> tuple[ProductScan, ...]:
    """Scan each product's inventory of the package at `root`, its VEX files applied."""
    matchers = matchers_for(snapshot)
    return tuple(
        _scan(root, product, snapshot, matchers, today) for product in declaration.products
    )


def _scan(
    root: Path,
    product: Product,
    snapshot: Snapshot,
    matchers: Sequence[Matcher[ScanResult]],
    today: date,
) -> ProductScan:
    statements: list[VexStatement] = []
    warnings: list[Diagnostic] = []
    for name in product.vex_files:
        document = read_vex(root / PurePosixPath(name), name)
        statements += document.statements
        warnings += document.warnings
    report = (
        None
        if product.inventory is None
        else scan(
            product.inventory,
            matchers,
            snapshot,
            snapshot=snapshot.hash,
            vex_files=product.vex_files,
            statements=statements,
            today=today,
        )
    )
    return ProductScan(
        product=product.id,
        name=product.name,
        version=product.version,
        sboms=product.sbom_files,
        vex=product.vex_files,
        counts=None if report is None else report.counts,
        findings=() if report is None else report.findings,
        indeterminate=() if report is None else report.indeterminate,
        skipped=() if report is None else report.skipped,
        vex_warnings=tuple(warnings),
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


def _plugins(snapshot: Snapshot) -> dict[str, str]:
    plugins = {f"evaluator:{e.name}": e.version for e in evaluators()}
    plugins.update({f"matcher:{m.name}": m.version for m in matchers_for(snapshot)})
    plugins["chainreview"] = __version__
    return dict(sorted(plugins.items()))
