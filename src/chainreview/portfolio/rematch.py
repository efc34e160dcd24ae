"""Re-matching a partition of packages: a pure function, so that it can run anywhere.

`rematch(work, snapshot)` takes packages, each with the instances the portfolio carries, and
the file of an intel snapshot; it opens the snapshot, scans one inventory of those instances
with the scanner's own matchers (`Scanner.scan_inventory`: the very matching and findings a
review runs, never a second matcher) and returns, per package, a frozen result per instance. It
reads nothing else and keeps nothing, so partitions of packages may run in any order, in any
process, with equal results (a later slice runs them on Dask, partitioned by package).

An instance's result keeps what the monitor's reasons read: each finding's alias group, display
id, severity level and KEV entry, the advisories whose versions could not be placed, and
whether its ecosystem was checked against a whole feed (`coverage`). The versions of a package
mostly share their findings: an equal finding is one `Seen` object however many instances have
it (124,016 findings of 30,417 instances were 2,031 distinct in the benchmark's portfolio),
which saves building them, their memory, and their pickling when results travel (`dask_rematch`).
"""

from __future__ import annotations

from collections.abc import Iterator, Mapping, Sequence
from dataclasses import dataclass
from datetime import date
from pathlib import Path
from typing import Final

from chainreview.components.model import Component, Inventory
from chainreview.findings.coverage import CoverageState
from chainreview.findings.model import Finding
from chainreview.findings.scan import ScanReport
from chainreview.intel.snapshot import Snapshot
from chainreview.portfolio.deployments import Instance, PackageKey
from chainreview.scanner import Scanner

__all__ = [
    "InstanceResult",
    "PackageResult",
    "PackageWork",
    "Seen",
    "instance_results",
    "rematch",
]

_NO_SUPPRESSIONS: Final = date(1970, 1, 1)
"""The scan's day: it only decides when ignore entries expire, and the monitor gives none."""


@dataclass(frozen=True, slots=True, kw_only=True)
class PackageWork:
    """One package to re-match, with the instances of it to evaluate."""

    package: PackageKey
    instances: tuple[Instance, ...]


@dataclass(frozen=True, slots=True, kw_only=True)
class Seen:
    """A finding as the monitor compares it."""

    id: str
    """Display id of the alias group."""
    aliases: tuple[str, ...]
    severity: str
    """Severity level (`critical` … `unknown`)."""
    kev: str | None
    """The CVE of the group listed in CISA KEV, if any."""


@dataclass(frozen=True, slots=True, kw_only=True)
class InstanceResult:
    """What one instance matched."""

    instance: Instance
    coverage: str
    """`checked`, `partial` or `not_checked` (`findings.coverage`)."""
    findings: tuple[Seen, ...]
    undetermined: tuple[str, ...]
    """Advisories whose versions could not be placed for it (sorted ids)."""


@dataclass(frozen=True, slots=True, kw_only=True)
class PackageResult:
    """One package re-matched: a result per instance, in the order given."""

    package: PackageKey
    instances: tuple[InstanceResult, ...]


def rematch(work: Sequence[PackageWork], snapshot: Path) -> tuple[PackageResult, ...]:
    """Match every instance of `work` against the snapshot in file `snapshot` (module doc);
    results in the order of `work`."""
    components: list[Component] = []
    for item in work:
        ecosystem, name = item.package
        components += [
            Component(
                ref=str(len(components) + n),
                name=name,
                version=instance.version,
                purl=instance.purl,
                ecosystem=ecosystem,
            )
            for n, instance in enumerate(item.instances)
        ]
    inventory = Inventory(
        documents=(),
        components=tuple(components),
        services=(),
        edges=(),
        skipped=(),
        warnings=(),
        duplicates=(),
    )
    with Snapshot(snapshot) as opened:
        report = Scanner(opened).scan_inventory(inventory, today=_NO_SUPPRESSIONS)
    made = instance_results(
        report, {c.ref: i for c, i in zip(components, _instances(work), strict=True)}
    )
    refs = iter(components)
    return tuple(
        PackageResult(
            package=item.package,
            instances=tuple(made[next(refs).ref] for _ in item.instances),
        )
        for item in work
    )


def instance_results(
    report: ScanReport, instances: Mapping[str, Instance]
) -> dict[str, InstanceResult]:
    """The result of each component of a scan (by ref) that `instances` names, as that
    instance's: its findings, the advisories that could not place its version, its coverage
    (`not_checked` for a component no coverage group names)."""
    found: dict[str, list[Seen]] = {}
    made: dict[tuple[object, ...], Seen] = {}  # one object per distinct finding (module doc)
    for finding in report.findings:
        if finding.component in instances:
            found.setdefault(finding.component, []).append(_seen(finding, made))
    undetermined: dict[str, set[str]] = {}
    for undecided in report.indeterminate:
        undetermined.setdefault(undecided.component, set()).update(undecided.advisory_ids)
    coverage = {ref: g.state.value for g in report.coverage.groups for ref in g.components}
    return {
        ref: InstanceResult(
            instance=instance,
            coverage=coverage.get(ref, CoverageState.NOT_CHECKED.value),
            findings=tuple(sorted(found.get(ref, ()), key=lambda s: s.id)),
            undetermined=tuple(sorted(undetermined.get(ref, ()))),
        )
        for ref, instance in instances.items()
    }


def _instances(work: Sequence[PackageWork]) -> Iterator[Instance]:
    for item in work:
        yield from item.instances


def _seen(finding: Finding, made: dict[tuple[object, ...], Seen]) -> Seen:
    """`finding` as the monitor compares it: the object `made` holds for an equal one, else a
    new one, kept there."""
    kev = finding.kev.cve if finding.kev is not None else None
    key = (finding.id, finding.aliases, finding.severity.level.value, kev)
    seen = made.get(key)
    if seen is None:
        seen = made[key] = Seen(id=key[0], aliases=finding.aliases, severity=key[2], kev=kev)
    return seen
