"""The re-review monitor: after a new intel snapshot, which deployed products need review again,
and why (DESIGN §6; docs/portfolio.md).

`run_monitor` compares the current snapshot with the one its last run matched against
(`monitor_state`). Only the deployed packages whose advisories changed between the two
(`intel.changes.changed_packages`), and instances the last run never saw (a product added, an
SBOM changed), are re-matched (`rematch.rematch`, a pure function over a partition of
packages); every other package keeps its last results. Each instance matched again is compared
with its last result, finding by finding (an alias in common is the same finding), and what
changed is carried through the reverse index to every product carrying the instance. A product
is flagged for re-review when, for one of its instances:

* `new-kev`: a finding is listed in CISA KEV that was not (new, or newly listed);
* `new-critical`: a finding is critical that was not (new, or raised to critical);
* `new-finding`: a new finding of another severity (`unknown` included);
* `new-undetermined`: an advisory now applies whose ranges cannot place its version, so the
  product can no longer be said to be unaffected;

or, with a case store, when a risk acceptance on its case expired, or a condition became
overdue, since the last run's day (`acceptance-expired`, `condition-overdue`:
`case.rereview`).

A product's components the OSV matcher does not decide alone (CPE-only components, OS
packages) are matched per product as a review matches them, on every run with a new snapshot
(`_outside`); those no source checks are counted as not checked.

A product's own VEX statements (a declaration package's) are applied to its changes as a
review applies them: its components of the changed instances are scanned with them
(`Scanner.scan_inventory`); a change whose finding they make inactive (`not_affected`, `fixed`)
is no reason, and is listed as settled with the statement; one they leave active carries the
status they give it.

A flag of a product with a case the store holds is recorded on the case (`case.rereview.flag`,
audit-logged). The first run is a baseline: it matches everything and flags nothing. So is an
instance the last run did not match (a product added, a version an SBOM changed to): the
monitor watches advisories, not SBOMs, and a product whose SBOMs changed is listed as such.
A product whose SBOM files are those of the last run (`monitor_state.sbom_fingerprint`) is not
read again: its instances are those the state keeps, so a run costs what changed.

The state is committed, and the snapshot pinned against garbage collection for the next
comparison, only once the run is complete; runs under one home take turns (a lock file).
"""

from __future__ import annotations

import fcntl
from collections.abc import Iterator, Mapping, Sequence
from contextlib import contextmanager
from dataclasses import dataclass, replace
from datetime import date
from enum import StrEnum
from pathlib import Path
from typing import TYPE_CHECKING, Final

import orjson

from chainreview import canonical
from chainreview.components.model import Component, Inventory
from chainreview.findings.coverage import CoverageState
from chainreview.findings.model import Finding
from chainreview.intel.changes import changed_packages
from chainreview.intel.interface import IntelError
from chainreview.intel.snapshot import Snapshot, pin, unpin
from chainreview.matches.distro import distro_of, os_component
from chainreview.portfolio.blast import CRITICALITY_ORDER
from chainreview.portfolio.dask_rematch import rematch_on_dask
from chainreview.portfolio.deployments import (
    Carried,
    Instance,
    PackageKey,
    Unmonitored,
    index_deployments,
    instance_of,
)
from chainreview.portfolio.model import DeployedProduct, Portfolio
from chainreview.portfolio.monitor_state import (
    Away,
    KeptInstance,
    MonitorState,
    ProductInstances,
    StateFile,
    encoded,
    encoded_outside,
    instances_digests,
    open_state,
    read_state,
    sbom_fingerprint,
    state_path,
)
from chainreview.portfolio.rematch import (
    InstanceResult,
    PackageResult,
    PackageWork,
    Seen,
    instance_results,
    rematch,
)
from chainreview.scanner import Scanner

if TYPE_CHECKING:
    from distributed import Client

    from chainreview.store.db import Store

__all__ = [
    "PIN_HOLDER",
    "Change",
    "FlaggedProduct",
    "MonitorReport",
    "Reason",
    "Selection",
    "Settled",
    "last_inventory",
    "run_monitor",
]

_NOT_CHECKED: Final = CoverageState.NOT_CHECKED.value

PIN_HOLDER: Final = "chainreview monitor"
"""Who the snapshot of the last run is pinned for (`intel.snapshot.pin`)."""


class Reason(StrEnum):
    """Why a product needs review again (module doc)."""

    NEW_KEV = "new-kev"
    NEW_CRITICAL = "new-critical"
    NEW_FINDING = "new-finding"
    NEW_UNDETERMINED = "new-undetermined"
    ACCEPTANCE_EXPIRED = "acceptance-expired"
    CONDITION_OVERDUE = "condition-overdue"


class Selection(StrEnum):
    """How the run chose the packages it re-matched."""

    FIRST_RUN = "first-run"
    """No earlier run: every deployed package (the baseline)."""
    CHANGED = "changed"
    """The packages whose advisories changed since the last run's snapshot."""
    SAME_SNAPSHOT = "same-snapshot"
    """The snapshot is the last run's: nothing changed."""
    PREVIOUS_GONE = "previous-snapshot-gone"
    """The last run's snapshot is no longer there (or no longer opens) to compare with: every
    deployed package."""
    COVERAGE_CHANGED = "coverage-changed"
    """The OSV sources or their whole-feed marks changed: every deployed package."""
    GROUP_TOO_LARGE = "alias-group-too-large"
    """A changed record's alias group has more ids than the snapshot diff walks
    (`intel.changes.MAX_GROUP`): every deployed package."""


@dataclass(frozen=True, slots=True, kw_only=True)
class Change:
    """One reason a product needs review again."""

    reason: Reason
    subject: str
    """The finding's display id, the advisory's id, or `acceptance N` / `condition N`."""
    package: str | None
    """`ecosystem/name` of the package concerned (None for a case's acceptance or condition)."""
    purl: str | None
    severity: str | None
    kev: str | None
    detail: str
    vex_status: str | None = None
    """The status the product's own VEX statements give the finding, when one applies
    (`affected` or `under_investigation` on a flag, `not_affected` or `fixed` when settled)."""
    vex_source: str | None = None
    """Where that statement is (`file: pointer`)."""


@dataclass(frozen=True, slots=True, kw_only=True)
class Settled:
    """A change the product's own VEX statements settle, as a review applies them: not a
    reason to review it again, and said so."""

    product: str
    change: Change


@dataclass(frozen=True, slots=True, kw_only=True)
class FlaggedProduct:
    """A product that needs review again, and why."""

    product: str
    name: str
    case: str | None
    systems: tuple[str, ...]
    """The systems it is deployed in, most critical first."""
    changes: tuple[Change, ...]
    recorded: int | None
    """The flag's id on the case, when recorded there."""
    note: str | None
    """Why it was not recorded on a case, when it has one."""


@dataclass(frozen=True, slots=True, kw_only=True)
class MonitorReport:
    """What changed since the last run (module doc)."""

    operator: str
    inventory: str
    snapshot: str
    previous_snapshot: str | None
    previous_run: str | None
    """The last run's day (ISO), None before the first."""
    ran_on: str
    selection: Selection
    changed_records: int | None
    """OSV, NVD and KEV records that differ between the two snapshots, when compared."""
    packages: int
    """Distinct packages deployed and monitored."""
    rematched: tuple[str, ...]
    """`ecosystem/name` of the packages matched in this run."""
    instances_rematched: int
    flagged: tuple[FlaggedProduct, ...]
    """Ranked by the most critical system each is deployed in, then id."""
    settled: tuple[Settled, ...]
    """Changes that would have flagged a product, settled by its own VEX statements."""
    added: tuple[str, ...]
    """Products the last run did not see (a baseline for them, not flagged)."""
    sboms_changed: tuple[str, ...]
    """Products whose SBOMs carry other instances than at the last run (the new ones are a
    baseline, not flagged)."""
    removed: tuple[str, ...]
    """Products the last run saw that the inventory no longer has."""
    unmonitored: tuple[Unmonitored, ...]
    """Products without an SBOM, and products with components outside the OSV matcher that no
    source checks (`_outside`): not known to be unaffected."""
    needs_rereview: bool


def last_inventory(home: Path) -> str | None:
    """The inventory the last run read, as it was given, or None before the first run."""
    state = read_state(home)
    return None if state is None else state.inventory


def run_monitor(
    portfolio: Portfolio,
    snapshot: Snapshot,
    *,
    home: Path,
    inventory: str,
    today: date,
    store: Store | None = None,
    client: Client | None = None,
) -> MonitorReport:
    """Compare `snapshot` with the last run's and report what changed (module doc).

    `home` holds the state (`monitor/state.sqlite`); `snapshot` must be a file of an intel home
    (`<intel>/snapshots/<hash>.sqlite`), where the last run's snapshot is looked for beside it.
    `inventory` names the inventory as given (kept for the next run); `today` is the run's day;
    with `store`, acceptances and conditions are checked and flags are recorded on cases;
    with `client`, the packages are re-matched on its Dask cluster (`dask_rematch`), with the
    same results as in this process.
    """
    with _locked(home), open_state(home) as kept:
        state = kept.last
        survey = _survey(portfolio, kept)
        before = dict(kept.products)
        kept.relink(survey.read, survey.removed)
        deployed = kept.packages()
        selection, matched, changed_records = _select(state, snapshot, deployed)
        rows = kept.instances(matched)
        work = _work(rows)
        fresh = (
            rematch(work, snapshot.path)
            if client is None
            else rematch_on_dask(work, snapshot.path, client)
        )
        now = {row.number: result for row, result in zip(rows, _in_order(fresh), strict=True)}
        written = {number: encoded(result) for number, result in now.items()}
        differ = [row for row in rows if row.kept != written[row.number]]
        changes = _changes(kept, differ, now)
        carriers = kept.carriers({row.number for row, _ in changes})
        by_product = _by_product(carriers, changes)
        outside = _outside(
            portfolio,
            kept,
            snapshot,
            rescan=selection is not Selection.SAME_SNAPSHOT,
            today=today,
        )
        for product, found in outside.changes.items():
            by_product.setdefault(product, []).extend(found)
        settled = _settled_by_vex(portfolio, snapshot, by_product, today)
        flagged = _flagged(portfolio, by_product, state, store, today)
        flagged = _recorded(flagged, snapshot.hash, state, store)
        previous = state.snapshot if state else None
        kept.record({row.number: written[row.number] for row in differ})
        kept.record_outside(outside.written)
        kept.commit(snapshot=snapshot.hash, ran_on=today, inventory=inventory)
        pin(snapshot.path, PIN_HOLDER)
        if previous is not None and previous != snapshot.hash:
            unpin(snapshot.path.with_name(f"{previous}.sqlite"), PIN_HOLDER)
    digests = {p: k.digest for p, k in kept.products.items()}
    return MonitorReport(
        operator=portfolio.operator,
        inventory=inventory,
        snapshot=snapshot.hash,
        previous_snapshot=previous,
        previous_run=state.ran_on.isoformat() if state else None,
        ran_on=today.isoformat(),
        selection=selection,
        changed_records=changed_records,
        packages=len(deployed),
        rematched=tuple(_label(w.package) for w in work),
        instances_rematched=len(rows),
        flagged=flagged,
        settled=settled,
        added=tuple(p for p in survey.monitored if state and p not in before),
        sboms_changed=tuple(
            p for p in survey.monitored if p in before and before[p].digest != digests[p]
        ),
        removed=survey.removed,
        unmonitored=tuple(
            sorted(
                [
                    *(Unmonitored(product=p, no_sbom=True, components=0) for p in survey.no_sbom),
                    *(
                        Unmonitored(product=p, no_sbom=False, components=n)
                        for p, n in outside.not_checked.items()
                        if n
                    ),
                ],
                key=lambda u: u.product,
            )
        ),
        needs_rereview=bool(flagged),
    )


@contextmanager
def _locked(home: Path) -> Iterator[None]:
    path = state_path(home).with_name("lock")
    path.parent.mkdir(parents=True, exist_ok=True)
    with path.open("a") as handle:
        fcntl.flock(handle, fcntl.LOCK_EX)
        try:
            yield
        finally:
            fcntl.flock(handle, fcntl.LOCK_UN)


@dataclass(frozen=True, slots=True, kw_only=True)
class _Survey:
    """The portfolio's products against those the state keeps."""

    monitored: tuple[str, ...]
    """The products with an SBOM, in the portfolio's order."""
    read: dict[str, ProductInstances]
    """The products whose components were read in this run: new, or their SBOM files differ
    from the last run's (or do not carry their digests)."""
    removed: tuple[str, ...]
    """The products the last run saw with an SBOM that the portfolio no longer has (sorted)."""
    no_sbom: tuple[str, ...]


def _survey(portfolio: Portfolio, kept: StateFile) -> _Survey:
    """Which products to read again (`state.sbom_fingerprint`): only those are indexed."""
    no_sbom: list[str] = []
    monitored: list[str] = []
    fingerprints: dict[str, str | None] = {}
    again: list[DeployedProduct] = []
    for product in portfolio.products:
        if product.inventory is None:
            no_sbom.append(product.id)
            continue
        monitored.append(product.id)
        fingerprint = sbom_fingerprint(product.inventory)
        last = kept.products.get(product.id)
        if fingerprint is None or last is None or last.fingerprint != fingerprint:
            fingerprints[product.id] = fingerprint
            again.append(product)
    index = index_deployments(replace(portfolio, products=tuple(again)))
    by_id = {p.id: p for p in again}
    digests = instances_digests(index.products)
    return _Survey(
        monitored=tuple(monitored),
        read={
            product: ProductInstances(
                fingerprint=fingerprint,
                digest=digests[product],
                outside=len(index.outside.get(product, ())),
                carried=index.products[product],
                away=_away(by_id[product], index.outside.get(product, ())),
            )
            for product, fingerprint in fingerprints.items()
        },
        removed=tuple(sorted(set(kept.products) - set(monitored))),
        no_sbom=tuple(no_sbom),
    )


def _away(product: DeployedProduct, at: tuple[int, ...]) -> Away:
    assert product.inventory is not None  # an indexed product has one
    system = os_component(product.inventory) if at else None
    return Away(
        at=at,
        release=distro_of(product.inventory) if system else None,
        os_at=None if system is None else product.inventory.components.index(system),
    )


def _select(
    state: MonitorState | None, snapshot: Snapshot, deployed: frozenset[PackageKey]
) -> tuple[Selection, frozenset[PackageKey] | None, int | None]:
    """How the packages to re-match are chosen, those packages (None: all; besides the
    instances never matched), and the records changed when two snapshots were compared."""
    if state is None:
        return Selection.FIRST_RUN, None, None
    if state.snapshot == snapshot.hash:
        return Selection.SAME_SNAPSHOT, frozenset(), None
    previous = snapshot.path.with_name(f"{state.snapshot}.sqlite")
    if not previous.is_file():
        return Selection.PREVIOUS_GONE, None, None
    try:
        old = Snapshot(previous)
    except IntelError:  # of another format, or damaged: nothing to compare with
        return Selection.PREVIOUS_GONE, None, None
    with old:
        changes = changed_packages(old, snapshot)
    if changes.coverage_changed:
        return Selection.COVERAGE_CHANGED, None, changes.records
    if changes.group_too_large:
        return Selection.GROUP_TOO_LARGE, None, changes.records
    return Selection.CHANGED, deployed & changes.packages, changes.records


def _work(rows: Sequence[KeptInstance]) -> tuple[PackageWork, ...]:
    """The instances to match, by package (`rows` come by package and instance)."""
    work: dict[PackageKey, list[Instance]] = {}
    for row in rows:
        work.setdefault(row.package, []).append(row.instance)
    return tuple(PackageWork(package=k, instances=tuple(i)) for k, i in work.items())


def _in_order(fresh: Sequence[PackageResult]) -> Iterator[InstanceResult]:
    for package in fresh:
        yield from package.instances


def _changes(
    kept: StateFile, rows: Sequence[KeptInstance], now: Mapping[int, InstanceResult]
) -> list[tuple[KeptInstance, list[Change]]]:
    """What changed for each instance matched in this run that the last run had matched
    (`rows`: those whose result differs from the last run's)."""
    changed = []
    for row in rows:
        before = kept.last_result(row)
        if before is not None:
            found = _instance_changes(row.package, before, now[row.number])
            if found:
                changed.append((row, found))
    return changed


_Where = Carried | str
"""What a change is of: an instance (the products' components carrying it), or the ref of one
component of the product outside the OSV matcher."""


def _where(component: Component) -> _Where:
    return instance_of(component) or component.ref


def _by_product(
    carriers: Mapping[int, tuple[str, ...]],
    changes: Sequence[tuple[KeptInstance, list[Change]]],
) -> dict[str, list[tuple[_Where, Change]]]:
    """The changes of each product, through the reverse index (by package and instance)."""
    by_product: dict[str, list[tuple[_Where, Change]]] = {}
    for row, changed in changes:
        for carrier in carriers[row.number]:
            by_product.setdefault(carrier, []).extend(
                ((row.package, row.instance), c) for c in changed
            )
    return by_product


@dataclass(frozen=True, slots=True, kw_only=True)
class _Outside:
    """The products' components outside the OSV matcher, matched."""

    changes: dict[str, list[tuple[_Where, Change]]]
    written: dict[str, bytes]
    """Per product scanned in this run, its results to keep (`encoded_outside`)."""
    not_checked: dict[str, int]
    """Per product, how many of those components no source checks."""


def _outside(
    portfolio: Portfolio,
    kept: StateFile,
    snapshot: Snapshot,
    *,
    rescan: bool,
    today: date,
) -> _Outside:
    """Match each product's components the OSV matcher does not decide alone (CPE-only
    components, OS packages, components without an identifier) as a review matches them, with
    the review's matchers (`Scanner.scan_inventory`). The distro matcher reads a package's
    release from its purl, else from its product's operating-system component
    (`matches.distro.distro_of`): the products are scanned together per release, one scan each
    with that release's operating-system component first, every component renamed by its
    product so that each result is its own. Their advisories are not compared between
    snapshots (NVD configurations and distro feeds reach them, not the OSV packages), so with a
    new snapshot (`rescan`) every such product is scanned again; otherwise only one with a
    component never scanned. Each component's result is kept under what names it
    (`_outside_key`: its ref, identifiers and version, and the product's release), so a
    component an SBOM changed is a baseline, not a flag, as an instance is."""
    products = {p.id: p for p in portfolio.products}
    changes: dict[str, list[tuple[_Where, Change]]] = {}
    written: dict[str, bytes] = {}
    results: dict[str, dict[str, InstanceResult]] = {}
    scans: dict[str | None, list[tuple[str, Component]]] = {}
    contexts: dict[str | None, Component] = {}
    keys: dict[str, dict[str, str]] = {}
    for product_id, (away, plain) in kept.outside().items():
        inventory = products[product_id].inventory
        assert inventory is not None  # a monitored product has one
        mine = [inventory.components[n] for n in away.at]
        keys[product_id] = {c.ref: _outside_key(c, away.release) for c in mine}
        instances = {keys[product_id][c.ref]: _outside_instance(c) for c in mine}
        before = {} if plain is None else kept.outside_results(plain, instances)
        results[product_id] = before
        if rescan or len(before) < len(instances):
            scans.setdefault(away.release, []).extend((product_id, c) for c in mine)
            if away.os_at is not None:
                contexts.setdefault(away.release, inventory.components[away.os_at])
    if scans:
        scanner = Scanner(snapshot)
        for release, components in sorted(scans.items(), key=lambda item: item[0] or ""):
            named = {f"{n}:{c.ref}": (p, c) for n, (p, c) in enumerate(components)}
            context = contexts.get(release)
            scanned = (
                *(() if context is None else (replace(context, ref="release"),)),
                *(replace(c, ref=ref) for ref, (_, c) in named.items()),
            )
            report = scanner.scan_inventory(
                Inventory(
                    documents=(),
                    components=scanned,
                    services=(),
                    edges=(),
                    skipped=(),
                    warnings=(),
                    duplicates=(),
                ),
                today=today,
            )
            found = instance_results(
                report, {ref: _outside_instance(c) for ref, (_, c) in named.items()}
            )
            fresh_of: dict[str, dict[str, InstanceResult]] = {}
            for ref, (product_id, component) in named.items():
                key = keys[product_id][component.ref]
                fresh = fresh_of.setdefault(product_id, {})[key] = found[ref]
                earlier = results[product_id].get(key)  # the kept one until the loop is done
                if earlier is not None and encoded(earlier) != encoded(fresh):
                    changes.setdefault(product_id, []).extend(
                        (component.ref, change)
                        for change in _instance_changes(_outside_label(component), earlier, fresh)
                    )
            for product_id, fresh_results in fresh_of.items():
                results[product_id] = fresh_results
                written[product_id] = encoded_outside(fresh_results)
    not_checked = {
        product_id: sum(1 for r in now_kept.values() if r.coverage == _NOT_CHECKED)
        for product_id, now_kept in results.items()
    }
    return _Outside(changes=changes, written=written, not_checked=not_checked)


def _outside_key(component: Component, release: str | None) -> str:
    return orjson.dumps(
        [component.ref, component.purl, component.cpe, component.name, component.version, release]
    ).decode()


def _outside_instance(component: Component) -> Instance:
    """What a change of the component names it by: its purl, else its CPE, else its ref."""
    return Instance(
        purl=component.purl or component.cpe or component.ref, version=component.version
    )


def _outside_label(component: Component) -> PackageKey:
    """`(purl type, name)`, `("cpe", name)` or `("component", name)`: the change's package."""
    if component.purl:
        return (component.purl[4:].partition("/")[0].lower(), component.name)
    return ("cpe" if component.cpe else "component", component.name)


def _settled_by_vex(
    portfolio: Portfolio,
    snapshot: Snapshot,
    by_product: dict[str, list[tuple[_Where, Change]]],
    today: date,
) -> tuple[Settled, ...]:
    """Apply each changed product's own VEX statements to its changes, as a review does: its
    components of the changed instances are scanned with its statements
    (`Scanner.scan_inventory`, `findings.vex_status.apply_vex`). A change whose finding is no
    longer active on any of those components (`not_affected`, `fixed`) is taken out of
    `by_product` and returned as settled; one that stays active keeps the status a statement
    gave it. A finding the scan does not find again is left as it was."""
    settled: list[Settled] = []
    scanner: Scanner | None = None
    for product in portfolio.products:
        items = by_product.get(product.id)
        if not items or not product.vex or product.inventory is None:
            continue
        wanted = {where for where, _ in items}
        components = tuple(c for c in product.inventory.components if _where(c) in wanted)
        scanner = scanner or Scanner(snapshot)
        report = scanner.scan_inventory(
            replace(product.inventory, documents=(), components=components, edges=()),
            statements=product.vex,
            today=today,
        )
        findings: dict[tuple[_Where, str], list[Finding]] = {}
        places = {c.ref: _where(c) for c in components}
        for finding in report.findings:
            findings.setdefault((places[finding.component], finding.id), []).append(finding)
        kept = []
        for where, change in items:
            found = findings.get((where, change.subject), [])
            active = [f for f in found if f.active]
            decided = next((f for f in active or found if f.status_source), None)
            if decided is not None:
                change = replace(
                    change, vex_status=decided.status.value, vex_source=decided.status_source
                )
            if found and not active:
                settled.append(Settled(product=product.id, change=change))
            else:
                kept.append((where, change))
        by_product[product.id] = kept
    return tuple(settled)


def _flagged(
    portfolio: Portfolio,
    by_product: Mapping[str, list[tuple[_Where, Change]]],
    state: MonitorState | None,
    store: Store | None,
    today: date,
) -> tuple[FlaggedProduct, ...]:
    """The products that need review again (not yet recorded): the changes of the instances
    each carries, and its case's lapses."""
    systems = {s.id: s for s in portfolio.systems}
    flagged: list[tuple[int, FlaggedProduct]] = []
    for product in portfolio.products:
        found = [change for _, change in by_product.get(product.id, ())]
        if state is not None and store is not None and product.case is not None:
            found = [*found, *_lapsed(store, product.case, state.ran_on, today)]
        if found:
            deployed = sorted(
                {systems[d.system] for d in product.deployments},
                key=lambda s: (CRITICALITY_ORDER.index(s.criticality), s.id),
            )
            rank = (  # of the most critical system it is deployed in
                CRITICALITY_ORDER.index(deployed[0].criticality)
                if deployed
                else len(CRITICALITY_ORDER)
            )
            flagged.append(
                (
                    rank,
                    FlaggedProduct(
                        product=product.id,
                        name=product.name,
                        case=product.case,
                        systems=tuple(s.id for s in deployed),
                        changes=tuple(found),
                        recorded=None,
                        note=None,
                    ),
                )
            )
    flagged.sort(key=lambda ranked: (ranked[0], ranked[1].product))
    return tuple(f for _, f in flagged)


def _instance_changes(key: PackageKey, old: InstanceResult, new: InstanceResult) -> list[Change]:
    """The changes of an instance's findings that call for re-review (module doc)."""
    before = {alias: seen for seen in old.findings for alias in seen.aliases}
    package, purl = _label(key), new.instance.purl
    changes: list[Change] = []
    for seen in new.findings:
        earlier = next((before[a] for a in seen.aliases if a in before), None)
        why = _why(earlier, seen)
        if why is not None:
            changes.append(
                Change(
                    reason=why[0],
                    subject=seen.id,
                    package=package,
                    purl=purl,
                    severity=seen.severity,
                    kev=seen.kev,
                    detail=why[1],
                )
            )
    changes += [
        Change(
            reason=Reason.NEW_UNDETERMINED,
            subject=advisory,
            package=package,
            purl=purl,
            severity=None,
            kev=None,
            detail=f"{advisory} applies to {package}, but the version deployed cannot be "
            "placed in its ranges",
        )
        for advisory in new.undetermined
        if advisory not in old.undetermined
    ]
    return changes


def _why(earlier: Seen | None, now: Seen) -> tuple[Reason, str] | None:
    """Why a finding calls for re-review, given the same finding in the last run (if any)."""
    if earlier is None:
        if now.kev is not None:
            return Reason.NEW_KEV, f"new finding ({now.severity}), {now.kev} in CISA KEV"
        if now.severity == "critical":
            return Reason.NEW_CRITICAL, "new critical finding"
        return Reason.NEW_FINDING, f"new finding ({now.severity})"
    if now.kev is not None and earlier.kev is None:
        return Reason.NEW_KEV, f"{now.kev} now in CISA KEV"
    if now.severity == "critical" and earlier.severity != "critical":
        return Reason.NEW_CRITICAL, f"severity raised from {earlier.severity} to critical"
    return None


def _lapsed(store: Store, case_id: str, since: date, today: date) -> list[Change]:
    from chainreview.case.rereview import lapses  # the store loads only when needed

    return [
        Change(
            reason=Reason(lapse.kind),
            subject=f"{lapse.kind.split('-')[0]} {lapse.id}",
            package=None,
            purl=None,
            severity=None,
            kev=None,
            detail=lapse.detail,
        )
        for lapse in lapses(store, case_id, since, today)
    ]


def _recorded(
    flagged: tuple[FlaggedProduct, ...],
    snapshot: str,
    state: MonitorState | None,
    store: Store | None,
) -> tuple[FlaggedProduct, ...]:
    """The flagged products, each recorded on its case when the store holds it."""
    if not any(f.case for f in flagged):
        return flagged
    from chainreview.case.rereview import flag, has_case  # the store loads only when needed
    from chainreview.store.records import NewFlag

    done = []
    for item in flagged:
        if item.case is None:
            done.append(item)
        elif store is None:
            done.append(replace(item, note="no case store given: not recorded on the case"))
        elif not has_case(store, item.case):
            done.append(replace(item, note=f"case {item.case} is not in the case store"))
        else:
            new = NewFlag(
                product=item.product,
                snapshot=snapshot,
                previous=state.snapshot if state else None,
                reasons=canonical.dumps(item.changes).decode(),
            )
            done.append(replace(item, recorded=flag(store, item.case, new).id))
    return tuple(done)


def _label(key: PackageKey) -> str:
    return f"{key[0]}/{key[1]}"
