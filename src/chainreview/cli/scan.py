"""`chainreview scan`: match SBOMs against the current intel snapshot and report findings.

The scan itself is `chainreview.scanner.Scanner`; this command parses options, writes the
chosen format (`chainreview.formats`, or the terminal table here) and maps `--fail-on` to the
exit code. Imports of readers, matchers and renderers happen inside the command, so the scan
path loads only what it uses (no schema validators; Rich only for the table).

The table leads with what decides: counts by severity (KEV and unknown first), then the most
severe findings (`TOP_ROWS`), then the coverage; `--all` lists every finding, one plain line
each, which stays fast for tens of thousands.
"""

from __future__ import annotations

import sys
from collections.abc import Iterator
from contextlib import contextmanager
from enum import StrEnum
from pathlib import Path
from typing import TYPE_CHECKING, Annotated, BinaryIO, Final

import typer

from chainreview.cli.review import parse_as_of
from chainreview.findings.policy import FailOn

if TYPE_CHECKING:
    from rich.console import Console

    from chainreview.findings.model import EvidenceRef, Finding
    from chainreview.findings.scan import ScanReport
    from chainreview.intel.snapshot import Snapshot
    from chainreview.progress import Progress
    from chainreview.scanner import Scan

TOP_ROWS: Final = 50
"""Findings the table shows unless `--all`: the most severe first."""


class ScanFormat(StrEnum):
    """How `scan` prints its result."""

    TABLE = "table"
    JSON = "json"
    SARIF = "sarif"
    CYCLONEDX_VEX = "cyclonedx-vex"
    OPENVEX = "openvex"
    CSAF_VEX = "csaf-vex"


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
    typer.Option(
        "--format",
        envvar="CHAINREVIEW_SCAN_FORMAT",
        help="table, json, sarif, or the triage as VEX: cyclonedx-vex (CycloneDX 1.6 VEX and "
        "VDR), openvex (OpenVEX 0.2.0) or csaf-vex (CSAF 2.0).",
    ),
]
AsOfOpt = Annotated[
    str | None,
    typer.Option(
        "--as-of",
        help="The scan's date (YYYY-MM-DD; default today): ignore entries expire against it, "
        "and VEX output is dated by it.",
        show_default=False,
    ),
]
OutputOpt = Annotated[
    Path | None,
    typer.Option(
        "--output",
        "-o",
        help="Write the report to this file (replaced whole, never half-written) instead of "
        "standard output.",
    ),
]
AllOpt = Annotated[
    bool,
    typer.Option("--all", help=f"Table: list every finding, not only the {TOP_ROWS} most severe."),
]
FailOnOpt = Annotated[
    list[FailOn] | None,
    typer.Option(
        "--fail-on",
        envvar="CHAINREVIEW_SCAN_FAIL_ON",
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
    output: OutputOpt = None,
    list_all: AllOpt = False,
    fail_on: FailOnOpt = None,
    as_of: AsOfOpt = None,
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
    from chainreview.cli.output import detail, notice
    from chainreview.cli.progress import bars
    from chainreview.errors import PolicyFailure
    from chainreview.findings.policy import tripping, uncovered
    from chainreview.formats import SCAN_FORMATS
    from chainreview.scanner import Scanner

    today = parse_as_of(as_of)
    # a run of long-lived objects, reading to output: see `chainreview.collector`
    with collector.paused():
        with bars() as progress, _open_snapshot(home.data_home(), progress) as snapshot:
            detail(f"intel snapshot {snapshot.hash}")
            result = Scanner(snapshot).scan(
                sboms, vex=vex or (), ignore=ignore, today=today, progress=progress
            )
        writer = SCAN_FORMATS.get(output_format.value)
        with _destination(output) as stream:
            if writer is None:
                _print_table(result, stream, list_all=list_all)
            else:
                writer.write(result, stream)
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
            notice(
                f"warning: {unchecked} component(s) were not fully checked (see the coverage); "
                "--fail-on uncovered makes that fail the scan"
            )


@contextmanager
def _destination(output: Path | None) -> Iterator[BinaryIO]:
    """Standard output, or `output` written whole on success (never half a file)."""
    if output is None:
        yield sys.stdout.buffer
        sys.stdout.flush()
        return
    import io

    from chainreview.cli.files import write_atomically

    buffer = io.BytesIO()
    yield buffer
    write_atomically(output, buffer.getvalue())


def _label(name: str, version: str | None) -> str:
    return f"{name} {version}" if version else name


def _open_snapshot(data_home: Path, progress: Progress) -> Snapshot:
    """The current snapshot; when there is none, the bundled one installed first (a notice on
    standard error). Only without a bundle is the missing snapshot an error (exit 3)."""
    from chainreview.cli.output import notice
    from chainreview.intel.snapshot import current_hash
    from chainreview.snapshots import open_snapshot

    if current_hash(data_home) is None:
        notice("no intel snapshot yet; installing the bundled one (once, a few seconds)")
    return open_snapshot(data_home, install_bundled=True, progress=progress)


def _ordered(findings: tuple[Finding, ...]) -> list[Finding]:
    """Active findings first, in KEV first, then by severity (unknown with critical), by id."""
    from chainreview.findings.model import SEVERITY_RANK

    return sorted(
        findings,
        key=lambda f: (not f.active, f.kev is None, SEVERITY_RANK[f.severity.level], f.id),
    )


def _print_table(scan: Scan, stream: BinaryIO, *, list_all: bool) -> None:
    """The summary, the most severe findings (or all, one plain line each), the coverage."""
    import io

    from rich.console import Console
    from rich.table import Table

    from chainreview.cli.output import plain_text, safe_text, stdout

    text = io.TextIOWrapper(stream, encoding="utf-8", write_through=True)
    out = (
        stdout
        if stream is sys.stdout.buffer
        else Console(file=text, width=100_000, highlight=False, emoji=False, soft_wrap=True)
    )  # a file gets what a pipe gets: no colour, no cut lines
    report = scan.report
    names = {c.ref: _label(c.name, c.version) for c in scan.inventory.components}
    counts = report.counts
    out.print(
        f"[bold]{counts.components}[/] components, [bold]{counts.findings}[/] findings "
        f"({counts.active} active, {counts.suppressed} suppressed, {counts.kev} in KEV), "
        f"{counts.indeterminate} indeterminate — intel snapshot {report.snapshot[:12]}"
    )
    if counts.active:
        by_severity = ", ".join(
            f"{counts.by_severity[level]} {level}"
            for level in ("critical", "unknown", "high", "medium", "low", "none")
            if counts.by_severity.get(level)
        )
        out.print(f"Active findings: {counts.kev} in KEV; {by_severity}")
    ordered = _ordered(report.findings)
    if list_all:  # written plainly: Rich would parse each of maybe 100,000 lines
        out.file.flush()
        text.writelines(
            "  ".join(plain_text(cell) for cell in _cells(f) if cell) + "\n" for f in ordered
        )
    elif ordered:
        shown = ordered[:TOP_ROWS]
        more = len(ordered) - len(shown)
        title = "Findings" + (
            f" (the {len(shown)} most severe of {len(ordered)}; --all lists every one)"
            if more
            else ""
        )
        table = Table(title=title, title_justify="left")
        for column in ("component", "id", "severity", "KEV", "fixed in", "status", "evidence"):
            table.add_column(column)
        for f in shown:
            table.add_row(*(safe_text(cell) for cell in _cells(f)))
        out.print(table)
    for item in report.indeterminate:
        what = " ".join(part for part in (item.name, item.version) if part)
        ids = f" ({', '.join(item.advisory_ids)})" if item.advisory_ids else ""
        out.print("[yellow]indeterminate[/] " + safe_text(f"{what}: {item.reason}{ids}"))
    for ref in report.expired_suppressions:
        out.print(f"[yellow]expired ignore entry[/] {safe_text(ref.id)} (expired {ref.expires})")
    for ref in report.unused_suppressions:
        out.print(f"[yellow]unused ignore entry[/] {safe_text(ref.id)}")
    _print_coverage(report, names, out)
    text.detach()


def _cells(f: Finding) -> tuple[str, ...]:
    return (
        f"{f.name} {f.version}",
        f.id,
        f.severity.level.value,
        f.kev.due_date if f.kev else "",
        ", ".join(f.fixed_versions),
        f.status.value + (" (suppressed)" if f.suppressed else ""),
        "; ".join(_evidence_cell(e) for e in f.evidence),
    )


_STATE_STYLE: Final = {"not_checked": "bold red", "partial": "yellow", "checked": "green"}
_EXAMPLES: Final = 3
"""Components named per coverage group on the terminal (`--format json` lists all)."""


def _print_coverage(report: ScanReport, names: dict[str, str], out: Console) -> None:
    """The coverage block: totals, then one line per group, gaps first."""
    from chainreview.cli.output import safe_text

    c = report.coverage
    roots = f" ({len(c.roots)} root: the product itself, not counted)" if c.roots else ""
    out.print(
        f"\n[bold]Coverage[/]: {c.components} components{roots}; {c.checked} checked, "
        f"{c.partial} checked only against partial selections, {c.not_checked} not checked"
    )
    for group in c.groups:
        shown = [names.get(ref, ref) for ref in group.components[:_EXAMPLES]]
        more = len(group.components) - len(shown)
        examples = ", ".join(shown) + (f" and {more} more" if more > 0 else "")
        state = group.state.value.replace("_", " ")
        out.print(
            f"  [{_STATE_STYLE[group.state.value]}]{state}[/] "
            + safe_text(f"{group.target} ({len(group.components)}: {examples}): {group.reason}")
        )
    if c.demo:
        out.print(
            "[bold yellow]Demo intelligence:[/] the findings rest on the bundled capture, not "
            "current feeds (chainreview intel sync, or intel import --complete of feed files)."
        )


def _evidence_cell(ref: EvidenceRef) -> str:
    """`CVE-2023-1389 [cpe, platform-unconfirmed]`: the record, its confidence unless by purl,
    and its labels."""
    from chainreview.matches.model import Confidence

    tags = [*([ref.confidence.value] if ref.confidence is not Confidence.PURL else []), *ref.labels]
    return f"{ref.record} [{', '.join(tags)}]" if tags else ref.record
