"""`chainreview scan`: match SBOMs against the current intel snapshot and report findings.

Imports of readers, matchers and renderers happen inside the command, so the scan path loads
only what it uses (no schema validators; Rich tables only for `--format table`).
"""

from __future__ import annotations

import sys
from enum import StrEnum
from pathlib import Path
from typing import TYPE_CHECKING, Annotated, Final

import typer

from chainreview.findings.policy import FailOn

if TYPE_CHECKING:
    from chainreview.findings.model import EvidenceRef
    from chainreview.findings.scan import ScanReport
    from chainreview.intel.snapshot import Snapshot
    from chainreview.scanner import Scan


class ScanFormat(StrEnum):
    """How `scan` prints its result."""

    TABLE = "table"
    JSON = "json"
    SARIF = "sarif"


SbomsArg = Annotated[
    list[Path],
    typer.Argument(
        help="SBOM files of one product (CycloneDX JSON/XML, SPDX JSON/YAML/tag-value).",
        show_default=False,
    ),
]
VexOpt = Annotated[
    list[Path] | None,
    typer.Option("--vex", help="VEX document (CycloneDX, OpenVEX, CSAF); repeatable."),
]
IgnoreOpt = Annotated[
    Path | None,
    typer.Option("--ignore", help="Ignore file: accepted findings with a reason and an expiry."),
]
FormatOpt = Annotated[
    ScanFormat,
    typer.Option("--format", envvar="CHAINREVIEW_FORMAT", help="table, json or sarif."),
]
FailOnOpt = Annotated[
    list[FailOn] | None,
    typer.Option(
        "--fail-on",
        envvar="CHAINREVIEW_FAIL_ON",
        help=(
            "Exit 1 when an active finding meets this: kev (in CISA KEV), a severity or worse, "
            "or any; or, with uncovered, when some component was not checked or only against "
            "partial selections of a feed. Repeatable (any one trips). Unknown severity meets "
            "every severity threshold: it is never read as low."
        ),
        show_default=False,
    ),
]


def scan(
    sboms: SbomsArg,
    vex: VexOpt = None,
    ignore: IgnoreOpt = None,
    output_format: FormatOpt = ScanFormat.TABLE,
    fail_on: FailOnOpt = None,
) -> None:
    """Find known vulnerabilities in the components of SBOMs, offline, from the intel snapshot.

    Matching is by purl against OSV (exact OSV range semantics), by CPE against NVD for
    firmware and devices without a purl ecosystem (confidence `cpe`), and against the Alpine
    and Debian advisories for OS packages. VEX statements set a finding's status and ignore
    entries suppress it, but neither removes it from the output. Every output states the
    coverage: which components were checked against which source, which only against partial
    selections, which not at all and why. With no intel snapshot yet, the bundled one (demo data)
    is installed first (once, a few seconds).
    """
    from chainreview import collector, home
    from chainreview.cli import quick_exit
    from chainreview.errors import PolicyFailure
    from chainreview.findings.policy import tripping, uncovered
    from chainreview.formats import SCAN_FORMATS
    from chainreview.scanner import Scanner

    # a run of long-lived objects, reading to output: see `chainreview.collector`
    with collector.paused():
        with _open_snapshot(home.data_home()) as snapshot:
            result = Scanner(snapshot).scan(sboms, vex=vex or (), ignore=ignore)
        writer = SCAN_FORMATS.get(output_format.value)
        if writer is None:
            _print_table(result)
        else:
            writer.write(result, sys.stdout.buffer)
        sys.stdout.flush()
        quick_exit.allow()  # all written, the snapshot closed: no teardown needed at exit
        report = result.report
        thresholds = [t for t in fail_on or () if t is not FailOn.NEVER]
        gaps = uncovered(report.coverage)
        unchecked = sum(len(g.components) for g in gaps)
        failing = tuple(dict.fromkeys(f for t in thresholds for f in tripping(report.findings, t)))
        reasons = []
        if failing:
            first = failing[0]
            reasons.append(
                f"{len(failing)} active finding(s) meet --fail-on "
                f"{', '.join(t.value for t in thresholds if t is not FailOn.UNCOVERED)} "
                f"(first: {first.id} in {first.name} {first.version})"
            )
        if gaps and FailOn.UNCOVERED in thresholds:
            reasons.append(
                f"{unchecked} component(s) not fully checked meet --fail-on uncovered "
                f"(first: {gaps[0].target}: {gaps[0].reason})"
            )
        if reasons:
            raise PolicyFailure("; ".join(reasons))
        if gaps and thresholds and output_format is not ScanFormat.TABLE:
            typer.echo(
                f"chainreview: warning: {unchecked} component(s) were not fully checked (see "
                "the coverage); --fail-on uncovered makes that fail the scan",
                err=True,
            )


def _label(name: str, version: str | None) -> str:
    return f"{name} {version}" if version else name


def _open_snapshot(data_home: Path) -> Snapshot:
    """The current snapshot; when there is none, the bundled one installed first (a notice on
    standard error). Only without a bundle is the missing snapshot an error (exit 3)."""
    from chainreview.errors import InputError
    from chainreview.intel import bundled
    from chainreview.intel.snapshot import Snapshot, intel_dir, open_current, snapshot_path

    snapshot = open_current(data_home)
    if snapshot is not None:
        return snapshot
    if not bundled.resource(bundled.ARCHIVE).is_file():
        raise InputError(
            str(intel_dir(data_home)),
            "no intel snapshot and no bundled one: run `chainreview intel import PATH…` first",
        )
    typer.echo(
        "chainreview: no intel snapshot yet; installing the bundled one (once, a few seconds)",
        err=True,
    )
    return Snapshot(snapshot_path(data_home, bundled.ensure_snapshot(data_home)))


def _print_table(scan: Scan) -> None:
    """The terminal table: the findings by component, the coverage after them."""
    from rich.table import Table

    from chainreview.cli.output import safe_text, stdout
    from chainreview.findings.model import SEVERITY_RANK

    report = scan.report
    names = {c.ref: _label(c.name, c.version) for c in scan.inventory.components}
    counts = report.counts
    stdout.print(
        f"[bold]{counts.components}[/] components, [bold]{counts.findings}[/] findings "
        f"({counts.active} active, {counts.suppressed} suppressed, {counts.kev} in KEV), "
        f"{counts.indeterminate} indeterminate — intel snapshot {report.snapshot[:12]}"
    )
    by_component: dict[str, list[int]] = {}
    for index, finding in enumerate(report.findings):
        by_component.setdefault(finding.component, []).append(index)
    if by_component:
        table = Table(title="Findings", title_justify="left")
        for column in ("component", "id", "severity", "KEV", "fixed in", "status", "evidence"):
            table.add_column(column)
        for indexes in by_component.values():
            group = sorted(
                (report.findings[i] for i in indexes),
                key=lambda f: (SEVERITY_RANK[f.severity.level], f.id),
            )
            for position, f in enumerate(group):
                cells = (
                    f"{f.name} {f.version}" if position == 0 else "",
                    f.id,
                    f.severity.level.value,
                    f.kev.due_date if f.kev else "",
                    ", ".join(f.fixed_versions),
                    f.status.value + (" (suppressed)" if f.suppressed else ""),
                    "; ".join(_evidence_cell(e) for e in f.evidence),
                )
                table.add_row(*(safe_text(cell) for cell in cells))
            table.add_section()
        stdout.print(table)
    for item in report.indeterminate:
        what = " ".join(part for part in (item.name, item.version) if part)
        ids = f" ({', '.join(item.advisory_ids)})" if item.advisory_ids else ""
        stdout.print("[yellow]indeterminate[/] " + safe_text(f"{what}: {item.reason}{ids}"))
    for ref in report.expired_suppressions:
        stdout.print(f"[yellow]expired ignore entry[/] {safe_text(ref.id)} (expired {ref.expires})")
    for ref in report.unused_suppressions:
        stdout.print(f"[yellow]unused ignore entry[/] {safe_text(ref.id)}")
    _print_coverage(report, names)


_STATE_STYLE: Final = {"not_checked": "bold red", "partial": "yellow", "checked": "green"}
_EXAMPLES: Final = 3
"""Components named per coverage group on the terminal (`--format json` lists all)."""


def _print_coverage(report: ScanReport, names: dict[str, str]) -> None:
    """The coverage block: totals, then one line per group, gaps first."""

    from chainreview.cli.output import safe_text, stdout

    c = report.coverage
    roots = f" ({len(c.roots)} root: the product itself, not counted)" if c.roots else ""
    stdout.print(
        f"\n[bold]Coverage[/]: {c.components} components{roots}; {c.checked} checked, "
        f"{c.partial} checked only against partial selections, {c.not_checked} not checked"
    )
    for group in c.groups:
        shown = [names.get(ref, ref) for ref in group.components[:_EXAMPLES]]
        more = len(group.components) - len(shown)
        examples = ", ".join(shown) + (f" and {more} more" if more > 0 else "")
        state = group.state.value.replace("_", " ")
        stdout.print(
            f"  [{_STATE_STYLE[group.state.value]}]{state}[/] "
            + safe_text(f"{group.target} ({len(group.components)}: {examples}): {group.reason}")
        )
    if c.demo:
        stdout.print(
            "[bold yellow]Demo intelligence:[/] the findings rest on the bundled capture, not "
            "current feeds (chainreview intel sync, or intel import --complete of feed files)."
        )


def _evidence_cell(ref: EvidenceRef) -> str:
    """`CVE-2023-1389 [cpe, platform-unconfirmed]`: the record, its confidence unless by purl,
    and its labels."""
    from chainreview.matches.model import Confidence

    tags = [*([ref.confidence.value] if ref.confidence is not Confidence.PURL else []), *ref.labels]
    return f"{ref.record} [{', '.join(tags)}]" if tags else ref.record
