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

A flag of a product with a case the store holds is recorded on the case (`case.rereview.flag`,
audit-logged). The first run is a baseline: it matches everything and flags nothing. So is an
instance the last run did not match (a product added, a version an SBOM changed to): the
monitor watches advisories, not SBOMs, and a product whose SBOMs changed is listed as such. VEX
statements are not read (an inventory names none), so a VEX expiring is not a reason yet.

The state is written, and the snapshot pinned against garbage collection for the next
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
from typing import TYPE_CHECKING, Any, Final

from chainreview import canonical
from chainreview.intel.changes import changed_packages
from chainreview.intel.interface import IntelError
from chainreview.intel.snapshot import Snapshot, pin, unpin
from chainreview.portfolio.blast import CRITICALITY_ORDER
from chainreview.portfolio.dask_rematch import rematch_on_dask
from chainreview.portfolio.deployments import (
    DeploymentIndex,
    Instance,
    PackageKey,
    Unmonitored,
    index_deployments,
)
from chainreview.portfolio.model import Portfolio
from chainreview.portfolio.monitor_state import (
    MonitorState,
    instances_digests,
    package_results,
    read_state,
    state_path,
    stored_instances,
    write_state,
)
from chainreview.portfolio.rematch import (
    InstanceResult,
    PackageResult,
    PackageWork,
    Seen,
    rematch,
)

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
    "last_inventory",
    "run_monitor",
]

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
    added: tuple[str, ...]
    """Products the last run did not see (a baseline for them, not flagged)."""
    sboms_changed: tuple[str, ...]
    """Products whose SBOMs carry other instances than at the last run (the new ones are a
    baseline, not flagged)."""
    removed: tuple[str, ...]
    """Products the last run saw that the inventory no longer has."""
    unmonitored: tuple[Unmonitored, ...]
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

    `home` holds the state (`monitor/state.json`); `snapshot` must be a file of an intel home
    (`<intel>/snapshots/<hash>.sqlite`), where the last run's snapshot is looked for beside it.
    `inventory` names the inventory as given (kept for the next run); `today` is the run's day;
    with `store`, acceptances and conditions are checked and flags are recorded on cases;
    with `client`, the packages are re-matched on its Dask cluster (`dask_rematch`), with the
    same results as in this process.
    """
    with _locked(home):
        state = read_state(home)
        index = index_deployments(portfolio)
        selection, matched, changed_records = _select(state, snapshot, index)
        known = state.packages if state else {}
        digests = instances_digests(index.products)
        before = state.products if state else {}
        work = _work(index, matched, known, _carried_by_changed(index, digests, before))
        fresh = (
            rematch(work, snapshot.path)
            if client is None
            else rematch_on_dask(work, snapshot.path, client)
        )
        results = _Results(index, fresh, known)
        flagged = _flagged(portfolio, index, _changes(results), state, store, today)
        flagged = _recorded(flagged, snapshot.hash, state, store)
        previous = state.snapshot if state else None
        write_state(
            home,
            snapshot=snapshot.hash,
            ran_on=today,
            inventory=inventory,
            packages=results.kept(),
            products=digests,
        )
        pin(snapshot.path, PIN_HOLDER)
        if previous is not None and previous != snapshot.hash:
            unpin(snapshot.path.with_name(f"{previous}.sqlite"), PIN_HOLDER)
    return MonitorReport(
        operator=portfolio.operator,
        inventory=inventory,
        snapshot=snapshot.hash,
        previous_snapshot=previous,
        previous_run=state.ran_on.isoformat() if state else None,
        ran_on=today.isoformat(),
        selection=selection,
        changed_records=changed_records,
        packages=len(index.packages),
        rematched=tuple(_label(w.package) for w in work),
        instances_rematched=sum(len(w.instances) for w in work),
        flagged=flagged,
        added=tuple(p for p in digests if state and p not in before),
        sboms_changed=tuple(p for p, d in digests.items() if before.get(p, d) != d),
        removed=tuple(sorted(set(before) - set(digests))),
        unmonitored=index.unmonitored,
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


def _select(
    state: MonitorState | None, snapshot: Snapshot, index: DeploymentIndex
) -> tuple[Selection, frozenset[PackageKey], int | None]:
    """How the packages to re-match are chosen, those packages (besides the instances the last
    run never saw), and the records changed when two snapshots were compared."""
    everything = frozenset(index.packages)
    if state is None:
        return Selection.FIRST_RUN, everything, None
    if state.snapshot == snapshot.hash:
        return Selection.SAME_SNAPSHOT, frozenset(), None
    previous = snapshot.path.with_name(f"{state.snapshot}.sqlite")
    if not previous.is_file():
        return Selection.PREVIOUS_GONE, everything, None
    try:
        old = Snapshot(previous)
    except IntelError:  # of another format, or damaged: nothing to compare with
        return Selection.PREVIOUS_GONE, everything, None
    with old:
        changes = changed_packages(old, snapshot)
    if changes.coverage_changed:
        return Selection.COVERAGE_CHANGED, everything, changes.records
    return Selection.CHANGED, everything & changes.packages, changes.records


def _carried_by_changed(
    index: DeploymentIndex, digests: Mapping[str, str], before: Mapping[str, str]
) -> frozenset[PackageKey]:
    """The packages carried by a product the last run did not see, or whose instances
    changed since: only those can have an instance without a result from the last run."""
    return frozenset(
        key
        for product, digest in digests.items()
        if before.get(product) != digest
        for key, _ in index.products[product]
    )


def _work(
    index: DeploymentIndex,
    matched: frozenset[PackageKey],
    known: Mapping[PackageKey, Any],
    changed: frozenset[PackageKey],
) -> tuple[PackageWork, ...]:
    """Per package, the instances to match: all of a changed package's, else those without a
    result from the last run (looked for only in the packages `changed` products carry)."""
    work = []
    for key, instances in index.packages.items():
        if key in matched or key not in known:
            wanted = tuple(instances)
        elif key in changed:
            seen = stored_instances(known[key])
            wanted = tuple(i for i in instances if i not in seen)
        else:
            continue
        if wanted:
            work.append(PackageWork(package=key, instances=wanted))
    return tuple(work)


class _Results:
    """Every deployed instance's result: this run's where it was matched, else the last run's
    (a package's stored results parsed only when one of them is asked for)."""

    def __init__(
        self,
        index: DeploymentIndex,
        fresh: Sequence[PackageResult],
        known: Mapping[PackageKey, Any],
    ) -> None:
        self._index = index
        self._known = known
        self._fresh = {(p.package, r.instance): r for p in fresh for r in p.instances}
        self._stored: dict[PackageKey, dict[Instance, InstanceResult]] = {}
        self.rematched: frozenset[tuple[PackageKey, Instance]] = frozenset(self._fresh)

    def fresh(self) -> Iterator[tuple[PackageKey, InstanceResult]]:
        """The instances matched in this run, with their results."""
        for (key, _), result in self._fresh.items():
            yield key, result

    def stored(self, key: PackageKey, instance: Instance) -> InstanceResult | None:
        """The last run's result of an instance, if it had one."""
        if key not in self._known:
            return None
        stored = self._stored.get(key)
        if stored is None:
            parsed = package_results(self._known[key])
            stored = self._stored[key] = {r.instance: r for r in parsed}
        return stored.get(instance)

    def of(self, key: PackageKey, instance: Instance) -> InstanceResult:
        """The result of one deployed instance: this run's, else the last run's."""
        found = self._fresh.get((key, instance)) or self.stored(key, instance)
        assert found is not None  # every deployed instance was matched now or before
        return found

    def kept(self) -> dict[PackageKey, object]:
        """What the state keeps per deployed package: its results as read when none was
        matched again and it has the same instances, else parsed and updated. (None matched
        again means every instance had a result, `_work`: the same number means no other.)"""
        kept: dict[PackageKey, object] = {}
        for key, instances in self._index.packages.items():
            plain = self._known.get(key)
            if (
                plain is not None
                and not any((key, i) in self.rematched for i in instances)
                and len(plain) == len(instances)
            ):
                kept[key] = plain
            else:
                kept[key] = tuple(self.of(key, i) for i in instances)
        return kept


def _changes(results: _Results) -> dict[tuple[PackageKey, Instance], list[Change]]:
    """What changed for each instance matched in this run that the last run had matched."""
    changed = {}
    for key, now in results.fresh():
        before = results.stored(key, now.instance)
        if before is not None:
            found = _instance_changes(key, before, now)
            if found:
                changed[(key, now.instance)] = found
    return changed


def _flagged(
    portfolio: Portfolio,
    index: DeploymentIndex,
    changes: Mapping[tuple[PackageKey, Instance], list[Change]],
    state: MonitorState | None,
    store: Store | None,
    today: date,
) -> tuple[FlaggedProduct, ...]:
    """The products that need review again (not yet recorded): the changes of the instances
    each carries (through the reverse index), and its case's lapses."""
    by_product: dict[str, list[Change]] = {}
    for (key, instance), changed in sorted(changes.items()):
        for carrier in index.packages[key][instance]:
            by_product.setdefault(carrier, []).extend(changed)
    systems = {s.id: s for s in portfolio.systems}
    flagged: list[FlaggedProduct] = []
    for product in portfolio.products:
        found = by_product.get(product.id, [])
        if state is not None and store is not None and product.case is not None:
            found = [*found, *_lapsed(store, product.case, state.ran_on, today)]
        if found:
            deployed = sorted(
                {systems[d.system] for d in product.deployments},
                key=lambda s: (CRITICALITY_ORDER.index(s.criticality), s.id),
            )
            flagged.append(
                FlaggedProduct(
                    product=product.id,
                    name=product.name,
                    case=product.case,
                    systems=tuple(s.id for s in deployed),
                    changes=tuple(found),
                    recorded=None,
                    note=None,
                )
            )
    flagged.sort(key=lambda f: (_rank(portfolio, f), f.product))
    return tuple(flagged)


def _rank(portfolio: Portfolio, flagged: FlaggedProduct) -> int:
    """The rank of the most critical system the product is deployed in."""
    criticality = {s.id: s.criticality for s in portfolio.systems}
    return min(
        (CRITICALITY_ORDER.index(criticality[s]) for s in flagged.systems),
        default=len(CRITICALITY_ORDER),
    )


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
