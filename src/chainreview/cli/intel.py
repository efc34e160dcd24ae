"""`chainreview intel …`: import feeds into an offline snapshot; show what the snapshot holds."""

from __future__ import annotations

import os
from collections.abc import Iterator, Mapping
from contextlib import contextmanager
from pathlib import Path
from typing import Annotated, Any

import typer
from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeElapsedColumn
from rich.table import Table

from chainreview import home
from chainreview.cli.output import OutputFormat, print_json, stderr, stdout
from chainreview.intel import importer, snapshot
from chainreview.intel.interface import FeedKind

app = typer.Typer(
    help="Vulnerability and screening intelligence: import feeds offline, inspect the snapshot.",
    no_args_is_help=True,
)

_SHOWN: int = 20
"""Warnings and rejections listed on the terminal; `--format json` lists all."""

PathsArg = Annotated[
    list[Path],
    typer.Argument(
        help="Feed files or folders: OSV folders of JSON/YAML or an osv.dev all.zip, KEV, NVD, …",
        show_default=False,
    ),
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


@app.command("import")
def import_(
    paths: PathsArg,
    source: SourceOpt = None,
    workers: WorkersOpt = 1,
    output_format: FormatOpt = OutputFormat.TABLE,
) -> None:
    """Import feeds into a new snapshot; it becomes current only when complete.

    Sources not named here are carried over from the current snapshot. A record that breaks the
    schema in one part keeps the rest (warning); an input with no usable record, or an unsafe
    archive, fails the import (exit 3) and leaves the current snapshot as it was.
    """
    with _progress() as progress:
        result = importer.import_paths(
            paths, home=home.data_home(), kind=source, workers=workers, progress=progress
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
    table = Table(title="Imported", title_justify="left")
    for column in ("source", "kind", "records", "withdrawn", "warnings", "rejected"):
        table.add_column(column, justify="left" if column in ("source", "kind") else "right")
    for s in result.sources:
        table.add_row(
            s.name,
            s.kind.value,
            str(s.records),
            str(s.withdrawn),
            str(len(s.warnings)),
            str(len(s.rejected)),
        )
    stdout.print(table)
    for title, items in (
        ("Warnings", [w for s in result.sources for w in s.warnings]),
        ("Rejected", [r for s in result.sources for r in s.rejected]),
    ):
        if items:
            stdout.print(f"\n[bold yellow]{title} ({len(items)})[/]")
            for item in items[:_SHOWN]:
                stdout.print(f"  {item}", markup=False)
            if len(items) > _SHOWN:
                stdout.print(f"  … {len(items) - _SHOWN} more (--format json lists all)")
    change = "unchanged" if result.previous == result.hash else f"was {result.previous or 'none'}"
    stdout.print(f"\nSnapshot [bold]{result.hash}[/] is current ({change}).")


@app.command()
def status(output_format: FormatOpt = OutputFormat.TABLE) -> None:
    """Show the current snapshot: hash, sources, counts per feed and ecosystem, what is missing."""
    current = snapshot.open_current(home.data_home())
    if current is None:
        if output_format is OutputFormat.JSON:
            print_json({"current": None, "missing_feeds": [kind.value for kind in FeedKind]})
        else:
            stdout.print("No intel snapshot yet: run `chainreview intel import PATH…`.")
        return
    with current:
        manifest = dict(current.manifest)
    if output_format is OutputFormat.JSON:
        print_json({"current": manifest["hash"], **manifest})
        return
    _print_status(manifest)


def _print_status(manifest: Mapping[str, Any]) -> None:
    stdout.print(f"Current snapshot [bold]{manifest['hash']}[/]")
    stdout.print(f"Imported {manifest['imported_at']}; newest record {manifest['newest']}")
    sources = Table(title="Sources", title_justify="left")
    for column in ("source", "kind", "records", "withdrawn", "newest", "licence"):
        sources.add_column(
            column, justify="right" if column in ("records", "withdrawn") else "left"
        )
    for s in manifest["sources"]:
        sources.add_row(
            s["name"],
            s["kind"],
            str(s["records"]),
            str(s["withdrawn"]),
            s["newest"] or "",
            s["licence"],
        )
    stdout.print(sources)
    for title, counts in (
        ("Records per feed", manifest["feeds"]),
        ("Advisories per ecosystem", manifest["ecosystems"]),
    ):
        table = Table(title=title, title_justify="left")
        table.add_column("name")
        table.add_column("count", justify="right")
        for name, count in counts.items():
            table.add_row(name, str(count))
        stdout.print(table)
    missing = manifest["missing_feeds"]
    stdout.print(f"Feeds the snapshot lacks: {', '.join(missing) if missing else 'none'}")
    stdout.print("\n[bold]Attribution[/]")
    for s in manifest["sources"]:
        if s["attribution"]:
            stdout.print(f"  {s['name']}: {s['attribution']}", markup=False)


@contextmanager
def _progress() -> Iterator[importer.Progress | None]:
    """A Rich progress bar on a terminal (one task per input), nothing when redirected."""
    if not stderr.is_terminal or os.environ.get("CI"):
        yield None
        return
    columns = (
        TextColumn("{task.description}"),
        BarColumn(),
        MofNCompleteColumn(),
        TimeElapsedColumn(),
    )
    with Progress(*columns, console=stderr, transient=True) as bar:
        tasks: dict[str, Any] = {}

        def advance(display: str, done: int, total: int) -> None:
            if display not in tasks:
                tasks[display] = bar.add_task(f"Reading {display}", total=total)
            bar.update(tasks[display], completed=done, total=total)

        yield advance
