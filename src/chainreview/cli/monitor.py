"""`chainreview monitor run`: what changed for a portfolio since the last run, for cron and CI.

The monitor library (the SBOM readers, the matcher, the store) loads inside the command: this
module is imported whenever the CLI starts, so it must stay cheap.
"""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING, Annotated, Final

import typer

from chainreview.cli import output
from chainreview.cli.identity import AsUserOpt
from chainreview.cli.output import OutputFormat, print_json, safe_text

if TYPE_CHECKING:
    from chainreview.portfolio.monitor import MonitorReport
    from chainreview.store.db import Store

app = typer.Typer(
    help="The re-review monitor: after a new intel snapshot, which deployed products need "
    "review again, and why.",
    no_args_is_help=True,
)


@app.command()
def run(
    inventory: Annotated[
        Path | None,
        typer.Option(
            "--inventory",
            help="The operator's inventory (YAML or CSV, docs/portfolio.md), or a declaration "
            "package's folder; remembered (as an absolute path) for the next run. Default: the "
            "one the last run read.",
            show_default=False,
        ),
    ] = None,
    cases: Annotated[
        bool,
        typer.Option(
            "--cases",
            help="Monitor the declarations in the case database instead (the latest submission "
            "of each case you may see; withdrawn and refused purchases left out); remembered "
            "for the next run.",
        ),
    ] = False,
    operator: Annotated[
        str | None,
        typer.Option(
            "--operator",
            help="With --cases: only this operator's declarations.",
            show_default=False,
        ),
    ] = None,
    as_user: AsUserOpt = None,
    output_format: Annotated[
        OutputFormat, typer.Option("--format", help="table for people, json for machines.")
    ] = OutputFormat.TABLE,
    scheduler: Annotated[
        str | None,
        typer.Option(
            "--scheduler",
            help="Re-match on Dask: tcp://HOST:PORT (a running scheduler whose workers see "
            "$CHAINREVIEW_HOME at the same path), or local[:N] (N worker processes started for "
            "the run; N defaults to the CPU count). Default: in this process.",
            show_default=False,
        ),
    ] = None,
) -> None:
    """Compare the current intel snapshot with the one the last run used, re-match only the
    deployed packages whose advisories changed, and say which products need review again and
    why: a finding newly in CISA KEV, newly critical, new of any other severity, an advisory
    whose version cannot be placed, or (with a case database) a risk acceptance expired or a
    condition overdue on the product's case, where the flag is also recorded.

    The first run is the baseline: it flags nothing. A run with no new snapshot reports
    nothing new. Exit 0 when nothing needs re-review, 1 when something does (for cron and CI),
    3 when there is no inventory or no intel snapshot. The state is kept in
    $CHAINREVIEW_HOME/monitor/state.sqlite; the case database is CHAINREVIEW_DATABASE_URL, else
    $CHAINREVIEW_HOME/cases.sqlite when it exists (no case database: flags are only printed).
    """
    from contextlib import nullcontext
    from datetime import UTC, datetime

    from chainreview import collector, home
    from chainreview.cli.portfolio import read_stored
    from chainreview.errors import InputError, PolicyFailure
    from chainreview.portfolio.monitor import last_inventory, run_monitor
    from chainreview.portfolio.scheduler import dask_client, parse_scheduler
    from chainreview.portfolio.sources import load_portfolio
    from chainreview.portfolio.stored import source_name, stored_source
    from chainreview.snapshots import open_snapshot

    try:
        named_scheduler = parse_scheduler(scheduler) if scheduler is not None else None
    except ValueError as exc:
        raise typer.BadParameter(str(exc), param_hint="--scheduler") from exc
    if inventory is not None and cases:
        raise typer.BadParameter("give --inventory or --cases, not both")
    if operator is not None and not cases:
        raise typer.BadParameter("--operator goes with --cases")
    data_home = home.data_home()
    if cases:
        named: str | None = source_name(operator)
    elif inventory is not None:
        named = str(inventory.resolve())
    else:
        named = last_inventory(data_home)
    if named is None:
        raise InputError(
            str(data_home / "monitor"),
            "no earlier run: name the inventory with --inventory FILE, or give --cases",
        )
    from_store, wanted = stored_source(named)
    with collector.paused():  # a run of long-lived objects: see `chainreview.collector`
        if from_store:
            portfolio = read_stored(wanted, as_user).portfolio
        else:
            portfolio = load_portfolio(Path(named))
        store = _store(data_home)
        scheduled = nullcontext() if named_scheduler is None else dask_client(named_scheduler)
        try:
            with scheduled as client, open_snapshot(data_home) as snapshot:
                if client is not None and named_scheduler is not None and named_scheduler.workers:
                    from chainreview.cli.local_workers import pause_collectors

                    pause_collectors(client)  # workers started for this run, as this process
                report = run_monitor(
                    portfolio,
                    snapshot,
                    home=data_home,
                    inventory=named,
                    today=datetime.now(UTC).date(),
                    store=store,
                    client=client,
                )
        finally:
            if store is not None:
                store.close()
    if output_format is OutputFormat.JSON:
        print_json(report)
    else:
        _print(report)
    if report.needs_rereview:
        raise PolicyFailure(f"{len(report.flagged)} product(s) need re-review")


def _store(data_home: Path) -> Store | None:
    """The case database when one is named or exists, else None."""
    import os

    from chainreview.cli.audit import DATABASE_ENV
    from chainreview.store.db import open_store
    from chainreview.store.engines import FILE_NAME

    url = os.environ.get(DATABASE_ENV) or None
    if url is None and not (data_home / FILE_NAME).is_file():
        return None
    return open_store(url, home=data_home)


_WHY: Final = {
    "previous-snapshot-gone": "; the last run's snapshot is gone: every package matched again",
    "coverage-changed": "; the OSV sources changed: every package matched again",
    "alias-group-too-large": "; an alias group too large to follow changed: every package "
    "matched again",
}
"""What the text says of a run that matched everything again (`monitor.Selection` values)."""


def _print(report: MonitorReport) -> None:
    lines = [f"Monitor of {report.operator} ({report.inventory}) on {report.ran_on}"]
    if report.previous_snapshot is None:
        lines.append(
            f"first run: baseline of {report.packages:,} package(s) on intel snapshot "
            f"{report.snapshot}; nothing is flagged on a first run"
        )
    elif report.previous_snapshot == report.snapshot:
        lines.append(f"no new intel snapshot since {report.previous_run} ({report.snapshot})")
    else:
        changed = f", {report.changed_records:,} records changed" if report.changed_records else ""
        lines.append(
            f"intel snapshot {report.previous_snapshot[:12]} ({report.previous_run}) → "
            f"{report.snapshot[:12]}{changed}{_WHY.get(report.selection.value, '')}"
        )
    lines.append(
        f"re-matched {len(report.rematched):,} of {report.packages:,} package(s) "
        f"({report.instances_rematched:,} version(s))"
        + (": " + ", ".join(report.rematched[:10]) if report.rematched else "")
        + (" …" if len(report.rematched) > 10 else "")
    )
    if report.flagged:
        lines.append(f"{len(report.flagged)} product(s) need re-review:")
    for item in report.flagged:
        case = f", case {item.case}" if item.case else ""
        lines.append(f"  {item.product}  {item.name} (in {', '.join(item.systems)}{case})")
        for change in item.changes:
            where = f" in {change.purl}" if change.purl else ""
            lines.append(f"      {change.reason}: {change.subject}{where}: {change.detail}")
            if change.vex_status:
                lines.append(f"        its VEX: {change.vex_status} ({change.vex_source})")
        if item.recorded is not None:
            lines.append(f"      recorded on {item.case} as re-review flag {item.recorded}")
        elif item.note:
            lines.append(f"      {item.note}")
    if not report.flagged and report.previous_snapshot is not None:
        lines.append("nothing needs re-review")
    if report.settled:
        lines.append(f"{len(report.settled)} change(s) settled by the product's own VEX:")
    for settled in report.settled:
        change = settled.change
        lines.append(
            f"  {settled.product}  {change.subject} in {change.purl}: {change.vex_status} "
            f"({change.vex_source})"
        )
    if report.added:
        lines.append(f"new to the monitor (baseline, not flagged): {', '.join(report.added)}")
    if report.sboms_changed:
        lines.append(
            "SBOMs changed since the last run (their new versions a baseline, not flagged): "
            + ", ".join(report.sboms_changed)
        )
    if report.removed:
        lines.append(f"no longer in the inventory: {', '.join(report.removed)}")
    no_sbom = [gap.product for gap in report.unmonitored if gap.no_sbom]
    if no_sbom:
        lines.append(f"not monitored, no SBOM: {', '.join(no_sbom)}")
    outside = [gap for gap in report.unmonitored if not gap.no_sbom]
    if outside:
        lines.append(
            f"not checked by any source: {sum(g.components for g in outside):,} component(s) "
            f"in {len(outside):,} product(s) (no advisory source for their CPE, their "
            "distribution or their purl, or no identifier; --format json names the products); "
            "not known to be unaffected"
        )
    for line in lines:
        output.stdout.print(safe_text(line), markup=False)
