"""`chainreview intel …`: import or sync feeds into an offline snapshot; show what it holds.

The importer, the syncer and Rich load inside the commands: this module is imported whenever
the CLI starts (Typer builds every command), so it must stay cheap for `chainreview scan`.
"""

from __future__ import annotations

import os
from collections.abc import Mapping
from pathlib import Path
from typing import TYPE_CHECKING, Annotated, Any

import typer

from chainreview import home
from chainreview.cli import output
from chainreview.cli.exit_codes import ExitCode
from chainreview.cli.output import OutputFormat, error_line, print_json, safe_text
from chainreview.cli.progress import bars
from chainreview.errors import NetworkError
from chainreview.intel import sources
from chainreview.intel.interface import FeedKind

if TYPE_CHECKING:
    from rich.progress import Progress as Bars
    from rich.progress import TaskID

    from chainreview.intel import importer
    from chainreview.progress import Progress

app = typer.Typer(
    help="Vulnerability and screening intelligence: import feeds offline, inspect the snapshot.",
    no_args_is_help=True,
)

_SHOWN: int = 20
"""Warnings and rejections listed on the terminal; `--format json` lists all."""
_IMPORTS_SHOWN: int = 5
"""Latest imports whose changes `intel status` lists; `--format json` lists all kept."""


@app.callback()
def _intel() -> None:
    """Vulnerability and screening intelligence: import feeds offline, inspect the snapshot."""
    from chainreview.intel import snapshot

    snapshot.clean_stale(home.data_home())  # what a killed import or install left behind


PathsArg = Annotated[
    list[Path] | None,
    typer.Argument(
        help="Feed files or folders: OSV folders of JSON/YAML or an osv.dev all.zip, KEV, NVD, …",
        show_default=False,
    ),
]
BundledOpt = Annotated[
    bool,
    typer.Option("--bundled", help="Import the feeds bundled with chainreview instead of PATHs."),
]
SourceOpt = Annotated[
    FeedKind | None,
    typer.Option("--source", help="The feed kind of every PATH (default: detected from content)."),
]
WorkersOpt = Annotated[
    int,
    typer.Option("--workers", min=1, help="Processes that parse and check OSV records."),
]
FormatOpt = Annotated[
    OutputFormat, typer.Option("--format", help="table for people, json for machines.")
]
ReplaceOpt = Annotated[
    bool,
    typer.Option(
        "--replace",
        help="Replace each source the import gives even when that removes more than 5% of its "
        "records (without it, such a source is merged: the records the import lacks are kept).",
    ),
]
CompleteOpt = Annotated[
    bool,
    typer.Option(
        "--complete",
        help="The PATHs hold the whole feed of each source they give (an ecosystem's entire "
        "advisory database, the whole KEV catalogue). Without it each source is recorded as a "
        "partial selection, and a component checked only against a partial source is reported "
        "as not fully checked, never as clean.",
    ),
]


@app.command("import")
def import_(
    paths: PathsArg = None,
    bundled_: BundledOpt = False,
    source: SourceOpt = None,
    workers: WorkersOpt = 1,
    complete: CompleteOpt = False,
    replace: ReplaceOpt = False,
    output_format: FormatOpt = OutputFormat.TABLE,
) -> None:
    """Import feeds into a new snapshot; it becomes current only when complete.

    Sources not named here are carried over from the current snapshot. A source the import
    would shrink by more than 5% is merged unless --replace. A record that breaks the schema in
    one part keeps the rest (warning); an input with no usable record, or an unsafe archive,
    fails the import (exit 3) and leaves the current snapshot as it was. `--bundled` imports the
    advisories shipped with chainreview (PyPI, Go, crates.io, KEV, OFAC SDN, a few NVD records;
    see `docs/intel.md`).
    """
    from chainreview import collector
    from chainreview.intel import bundled, importer

    if bundled_ == bool(paths):
        raise typer.BadParameter("give PATHs or --bundled (not both)")
    if bundled_ and complete:
        raise typer.BadParameter("--complete applies to PATHs, not --bundled (a demo capture)")
    if bundled_:
        with collector.paused(), bars() as bar:  # see `chainreview.collector`
            digest = bundled.install(
                home.data_home(), workers=workers, progress=bar, replace=replace
            )
        if output_format is OutputFormat.JSON:
            print_json({"hash": digest, "bundled": bundled.manifest()})
        else:
            output.stdout.print(f"Bundled snapshot [bold]{digest}[/] is current.")
        return
    with collector.paused(), bars() as bar:
        result = importer.import_paths(
            paths or [],
            home=home.data_home(),
            kind=source,
            workers=workers,
            progress=_reading(bar),
            complete=complete,
            replace=replace,
        )
    if output_format is OutputFormat.JSON:
        print_json(
            {
                "hash": result.hash,
                "previous": result.previous,
                "sources": result.sources,
                "manifest": result.manifest,
            }
        )
        return
    _print_import(result, complete)


def _print_import(result: importer.ImportResult, complete: bool) -> None:
    from rich.table import Table

    from chainreview.intel import snapshot

    table = Table(title="Imported", title_justify="left")
    words = ("source", "kind", "feed", "import")
    numbers = ("records", "withdrawn", "added", "changed", "removed", "warnings", "rejected")
    for column in (*words[:3], *numbers[:2], words[3], *numbers[2:]):
        table.add_column(column, justify="left" if column in words else "right")
    for s in result.sources:
        counts = s.change
        table.add_row(
            safe_text(s.name),
            s.kind.value,
            "complete" if s.complete else "partial",
            f"{s.records:,}",
            f"{s.withdrawn:,}",
            counts.mode.value,
            f"{counts.added:,}",
            f"{counts.changed:,}",
            f"{counts.removed:,}",
            str(len(s.warnings)),
            str(len(s.rejected)),
        )
    output.stdout.print(table)
    for s in result.sources:
        if s.change.mode is snapshot.ImportMode.MERGED:
            output.stdout.print(
                f"[bold yellow]{safe_text(s.name)} merged, not replaced:[/] replacing it would "
                f"have removed {s.change.kept:,} of its records (more than "
                f"{snapshot.MAX_SHRINK:.0%}); they were kept beside the {s.records:,} imported. "
                "Import with --replace to replace the source."
            )
    for title, items in (
        ("Warnings", [w for s in result.sources for w in s.warnings]),
        ("Rejected", [r for s in result.sources for r in s.rejected]),
    ):
        if items:
            output.stdout.print(f"\n[bold yellow]{title} ({len(items)})[/]")
            for item in items[:_SHOWN]:
                output.stdout.print(f"  {safe_text(item)}")
            if len(items) > _SHOWN:
                output.stdout.print(f"  … {len(items) - _SHOWN} more (--format json lists all)")
    change = "unchanged" if result.previous == result.hash else f"was {result.previous or 'none'}"
    output.stdout.print(f"\nSnapshot [bold]{result.hash}[/] is current ({change}).")
    if not complete:
        output.stdout.print(
            "Recorded as partial selections: components checked only against them are not "
            "reported as clean. If these files hold whole feeds, import them with --complete."
        )


@app.command()
def status(output_format: FormatOpt = OutputFormat.TABLE) -> None:
    """Show the current snapshot: hash, sources, counts per feed and ecosystem, what is missing."""
    from chainreview.intel import bundled, snapshot

    current = snapshot.open_current(home.data_home())
    if current is None:
        if output_format is OutputFormat.JSON:
            print_json({"current": None, "missing_feeds": [kind.value for kind in FeedKind]})
        else:
            output.stdout.print(
                "No intel snapshot yet. Get one with `chainreview intel import --bundled` (the "
                "advisories shipped with chainreview; scans install it on first use), "
                "`chainreview intel sync` (download the official feeds) or "
                "`chainreview intel import PATH…` (files you have)."
            )
        return
    with current:
        manifest = dict(current.manifest)
    is_bundled = bundled.installed_hash(home.data_home()) == manifest["hash"]
    if output_format is OutputFormat.JSON:
        lacks = bundled.manifest()["lacks"] if is_bundled else None
        print_json(
            {"current": manifest["hash"], "bundled": is_bundled, "bundle_lacks": lacks, **manifest}
        )
        return
    _print_status(manifest)
    if is_bundled:
        output.stdout.print("\n[bold]This is the bundled snapshot.[/] It lacks:")
        for gap in bundled.manifest()["lacks"]:
            output.stdout.print(f"  {gap['feed']}: {gap['what']} (get: {gap['get']})", markup=False)


def _print_status(manifest: Mapping[str, Any]) -> None:
    from rich.table import Table

    from chainreview.intel import snapshot

    output.stdout.print(f"Current snapshot [bold]{manifest['hash']}[/]")
    output.stdout.print(f"Imported {manifest['imported_at']}; data as of {manifest['newest']}")
    if manifest.get("demo"):
        output.stdout.print(
            "[bold yellow]Demo intelligence:[/] this snapshot holds the bundled capture, for "
            "trying the tool; reviews on it are provisional (import or sync current feeds)."
        )
    sources = Table(title="Sources", title_justify="left")
    for column in ("source", "kind", "feed", "records", "withdrawn", "as of", "licence"):
        sources.add_column(
            column, justify="right" if column in ("records", "withdrawn") else "left"
        )
    for s in manifest["sources"]:
        feed = "complete" if snapshot.source_complete(s) else "partial"
        sources.add_row(
            safe_text(s["name"]),
            s["kind"],
            feed + (", demo" if snapshot.source_demo(s) else ""),
            str(s["records"]),
            str(s["withdrawn"]),
            s.get("as_of") or s["newest"] or "",
            safe_text(s["licence"]),
        )
    output.stdout.print(sources)
    for title, counts in (
        ("Records per feed", manifest["feeds"]),
        ("Advisories per ecosystem", manifest["ecosystems"]),
    ):
        table = Table(title=title, title_justify="left")
        table.add_column("name")
        table.add_column("count", justify="right")
        for name, count in counts.items():
            table.add_row(safe_text(name), str(count))
        output.stdout.print(table)
    missing = manifest["missing_feeds"]
    output.stdout.print(f"Feeds the snapshot lacks: {', '.join(missing) if missing else 'none'}")
    _print_imports(manifest.get("imports") or [])
    output.stdout.print("\n[bold]Attribution[/]")
    for s in manifest["sources"]:
        if s["attribution"]:
            output.stdout.print(f"  {safe_text(s['name'])}: {safe_text(s['attribution'])}")


def _print_imports(imports: list[dict[str, Any]]) -> None:
    """The latest imports and what each changed, per source."""
    from rich.table import Table

    if not imports:
        return
    table = Table(title="Latest imports", title_justify="left")
    for column in ("imported at", "source", "import", "records", "added", "changed", "removed"):
        numeric = column in ("records", "added", "changed", "removed")
        table.add_column(column, justify="right" if numeric else "left")
    for entry in reversed(imports[-_IMPORTS_SHOWN:]):
        for s in entry["sources"]:
            removed = f"{s['removed']:,}" + (f" (kept {s['kept']:,})" if s["kept"] else "")
            table.add_row(
                entry["imported_at"],
                safe_text(s["name"]),
                s["mode"],
                f"{s['records']:,}",
                f"{s['added']:,}",
                f"{s['changed']:,}",
                removed,
            )
    output.stdout.print(table)


NamesOpt = Annotated[
    list[str] | None,
    typer.Option(
        "--only",
        metavar="NAME",
        help="Sync only these sources (repeat or comma-separate): "
        + ", ".join(s.name for s in sources.SOURCES)
        + ". Default: all.",
        show_default=False,
    ),
]
EcosystemOpt = Annotated[
    list[str] | None,
    typer.Option(
        "--ecosystem",
        help="OSV ecosystems to fetch (repeat or comma-separate; default: "
        + ", ".join(sources.DEFAULT_ECOSYSTEMS)
        + ").",
        show_default=False,
    ),
]
BranchOpt = Annotated[
    list[str] | None,
    typer.Option(
        "--alpine-branch",
        help="Alpine secdb branches to fetch (default: "
        + ", ".join(sources.DEFAULT_ALPINE_BRANCHES)
        + ").",
        show_default=False,
    ),
]
BaseUrlOpt = Annotated[
    list[str] | None,
    typer.Option(
        "--base-url",
        metavar="NAME=URL",
        help="Fetch source NAME from URL instead of its official location (repeatable). See "
        f"also $CHAINREVIEW_HOME/{sources.CONFIG_FILE} and ${sources.MIRROR_ENV}.",
        show_default=False,
    ),
]
ApiKeyOpt = Annotated[
    str | None,
    typer.Option(
        "--nvd-api-key",
        envvar="NVD_API_KEY",
        help="NVD API key: 50 requests per 30 s instead of 5.",
        show_default=False,
    ),
]


@app.command()
def sync(
    only: NamesOpt = None,
    ecosystem: EcosystemOpt = None,
    alpine_branch: BranchOpt = None,
    base_url: BaseUrlOpt = None,
    nvd_api_key: ApiKeyOpt = None,
    workers: WorkersOpt = 1,
    replace: ReplaceOpt = False,
    output_format: FormatOpt = OutputFormat.TABLE,
) -> None:
    """Download the official feeds, verify them, and import them as one new snapshot.

    Downloads resume where they stopped and are reused when unchanged; the NVD is fetched in
    full once, then only what changed. Any failure leaves the current snapshot as it was: a
    download that fails exits 5 (an unreachable host at once, without retries), a corrupt or
    unexpected file or an import error exits 3.
    """
    from rich.table import Table

    from chainreview import collector
    from chainreview.intel import snapshot
    from chainreview.intel import sync as syncing

    overrides = dict(sources.parse_override(item) for item in base_url or ())
    plan = syncing.Plan(
        only=_listed(only),
        ecosystems=_listed(ecosystem) or sources.DEFAULT_ECOSYSTEMS,
        alpine_branches=_listed(alpine_branch) or sources.DEFAULT_ALPINE_BRANCHES,
        base_urls=overrides,
        nvd_api_key=nvd_api_key or None,
        workers=workers,
        replace=replace,
    )
    try:
        with collector.paused(), _SyncBars() as observer:  # see `chainreview.collector`
            result = syncing.sync(home.data_home(), plan, observer=observer)
    except NetworkError as exc:
        error_line(str(exc))
        raise typer.Exit(ExitCode.NETWORK) from exc
    if output_format is OutputFormat.JSON:
        imported = result.imported
        print_json(
            {
                "fetched": [
                    {
                        "source": f.source,
                        "url": f.url,
                        "path": str(f.path),
                        "size": f.size,
                        "outcome": f.outcome.value,
                    }
                    for f in result.fetched
                ],
                "hash": snapshot.current_hash(home.data_home()),
                "imported": None
                if imported is None
                else {
                    "hash": imported.hash,
                    "previous": imported.previous,
                    "sources": imported.sources,
                },
            }
        )
        return
    table = Table(title="Fetched", title_justify="left")
    for column in ("source", "file", "outcome", "bytes"):
        table.add_column(column, justify="right" if column == "bytes" else "left")
    for item in result.fetched:
        table.add_row(item.source, safe_text(item.url), item.outcome.value, f"{item.size:,}")
    output.stdout.print(table)
    if result.imported is None:
        output.stdout.print("Nothing changed; the current snapshot already holds these files.")
    else:
        change = result.imported.previous or "none"
        output.stdout.print(f"Snapshot [bold]{result.imported.hash}[/] is current (was {change}).")


def _listed(values: list[str] | None) -> tuple[str, ...]:
    """Repeated and comma-separated option values, in order, without blanks."""
    return tuple(v.strip() for value in values or () for v in value.split(",") if v.strip())


class _SyncBars:
    """`SyncObserver` for the terminal: Rich bars per download; notes always go to stderr."""

    def __init__(self) -> None:
        self._bar: Bars | None = None
        self._tasks: dict[str, TaskID] = {}

    def __enter__(self) -> _SyncBars:
        if output.stderr.is_terminal and not os.environ.get("CI"):
            from rich.progress import (
                BarColumn,
                DownloadColumn,
                Progress,
                TextColumn,
                TimeElapsedColumn,
                TransferSpeedColumn,
            )

            self._bar = Progress(
                TextColumn("{task.description}"),
                BarColumn(),
                DownloadColumn(),
                TransferSpeedColumn(),
                TimeElapsedColumn(),
                console=output.stderr,
                transient=True,
            )
            self._bar.start()
        return self

    def __exit__(self, *_exc: object) -> None:
        if self._bar is not None:
            self._bar.stop()

    def _update(self, label: str, done: int, total: int | None) -> None:
        if self._bar is None:
            return
        if label not in self._tasks:
            self._tasks[label] = self._bar.add_task(label, total=total)
        self._bar.update(self._tasks[label], completed=done, total=total)

    def transfer(self, label: str, done: int, total: int | None) -> None:
        """Advance the bar of one download."""
        self._update(label, done, total)

    def note(self, message: str) -> None:
        """Print a retry, a wait or a reuse on stderr."""
        output.stderr.print(message, markup=False, highlight=False)

    def reading(self, display: str, done: int, total: int) -> None:
        """Advance the bar of one input being imported."""
        self._update(f"Reading {display}", done, total)


def _reading(bar: Progress) -> Progress:
    """The import's progress (input name, files done, files) drawn as "Reading <input>" bars."""
    return lambda display, done, total: bar(f"Reading {display}", done, total)
