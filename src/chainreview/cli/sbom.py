"""`chainreview sbom …`: look at SBOM evidence before a review uses it.

Readers, validators and Rich load inside the command: this module is imported whenever the CLI
starts (Typer builds every command), so it must stay cheap for `chainreview scan`.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from pathlib import Path
from typing import TYPE_CHECKING, Annotated, Final, TypeVar

import typer

from chainreview.cli import output
from chainreview.cli.output import OutputFormat, print_json, safe_text

if TYPE_CHECKING:
    from rich.table import Table

    from chainreview.components.model import Inventory, MergedDuplicate
    from chainreview.evidence.summary import Coverage, InventorySummary

_T = TypeVar("_T")

app = typer.Typer(
    help="Read and check SBOM evidence (CycloneDX 1.2–1.7, SPDX 2.2/2.3).", no_args_is_help=True
)


FilesArg = Annotated[
    list[Path],
    typer.Argument(
        help="SBOM files of one product (CycloneDX JSON/XML, SPDX JSON/YAML/tag-value).",
        show_default=False,
    ),
]
StrictOpt = Annotated[
    bool,
    typer.Option("--strict", help="Treat any warning (schema, bad purl, …) as bad input: exit 3."),
]
NoValidateOpt = Annotated[
    bool,
    typer.Option("--no-validate", help="Skip schema validation (structural problems still warn)."),
]
FormatOpt = Annotated[
    OutputFormat, typer.Option("--format", help="table for people, json for machines.")
]


@app.command()
def inspect(
    files: FilesArg,
    strict: StrictOpt = False,
    no_validate: NoValidateOpt = False,
    output_format: FormatOpt = OutputFormat.TABLE,
) -> None:
    """Read SBOMs of one product, merge them, and report counts, graph, NTIA coverage, warnings.

    The format is recognised from the content, not the file name. Schema violations and bad purls
    are warnings (kept and shown); only input that cannot be read at all is refused (exit 3).
    The tables show the first 100 entries of each list; --format json has them all.
    """
    from chainreview import collector
    from chainreview.cli.progress import progress_over
    from chainreview.errors import InputError
    from chainreview.evidence.merge import merge_documents
    from chainreview.evidence.sbom import read_sbom
    from chainreview.evidence.summary import summarise

    # a run of long-lived objects: see `chainreview.collector`
    with collector.paused():
        documents = [
            read_sbom(path, str(path), validate=not no_validate)
            for path in progress_over(files, "Reading SBOMs", output.stderr)
        ]
        inventory = merge_documents(documents)
        summary = summarise(inventory)
    if output_format is OutputFormat.JSON:
        print_json(_json_report(inventory, summary))
    else:
        _print_tables(inventory, summary)
    if strict and inventory.warnings:
        first = inventory.warnings[0]
        raise InputError(
            first.location.file,
            f"{len(inventory.warnings)} warning(s) under --strict; first: {first.message}",
            first.location.pointer,
        )


def _json_report(inventory: Inventory, summary: InventorySummary) -> dict[str, object]:
    return {
        "summary": summary,
        "ntia_ratios": {
            name: round(getattr(summary.ntia, name).ratio, 4)
            for name in summary.ntia.__dataclass_fields__
        },
        "documents_metadata": [
            {"file": d.file, "metadata": d.metadata, "signature": d.signature}
            for d in inventory.documents
        ],
        "services": inventory.services,
        "warnings": inventory.warnings,
        "skipped": inventory.skipped,
        "duplicates": inventory.duplicates,
    }


def _print_tables(inventory: Inventory, summary: InventorySummary) -> None:
    from rich.table import Table

    files = Table(title="Documents", title_justify="left")
    for column in (
        "file",
        "format",
        "components",
        "services",
        "files",
        "skipped",
        "warnings",
        "signature",
    ):
        files.add_column(
            column,
            justify="right"
            if column in ("components", "services", "files", "skipped", "warnings")
            else "left",
        )
    for d in summary.documents:
        files.add_row(
            safe_text(d.file),
            safe_text(f"{d.format} {d.spec_version} ({d.encoding})"),
            str(d.components),
            str(d.services),
            str(d.files),
            str(d.skipped),
            str(d.warnings),
            safe_text(d.signature),
        )
    output.stdout.print(files)
    output.stdout.print(
        f"\n[bold]{summary.components}[/] components after merging, "
        f"{len(inventory.duplicates)} duplicate(s) folded, {summary.services} service(s)"
    )
    output.stdout.print(_counts_table("Components by ecosystem", summary.by_ecosystem))
    output.stdout.print(_counts_table("Components by type", summary.by_type))
    g = summary.graph
    output.stdout.print(
        f"Dependency graph: {g.nodes} nodes, {g.edges} edges{_kinds(g.edges_by_kind)}, "
        f"{g.roots} root(s), {g.isolated} isolated, max depth {g.max_depth}"
    )
    output.stdout.print(_ntia_table(summary))
    if inventory.services:
        _print_services(inventory)
    _print_list(
        "[bold]Skipped entries",
        inventory.skipped,
        lambda skipped: f"{safe_text(skipped.location)}: {safe_text(skipped.reason)}",
    )
    _print_list("[bold]Merged duplicates", inventory.duplicates, _duplicate_line)
    _print_list(
        "[bold yellow]Warnings",
        inventory.warnings,
        lambda warning: safe_text(f"[{warning.code}] {warning}"),
    )


def _print_list(title: str, items: Sequence[_T], line: Callable[[_T], str]) -> None:
    """A titled list, its first `_LISTED` entries one per line."""
    if not items:
        return
    output.stdout.print(f"\n{title} ({len(items)})[/]")
    shown, more = _first(items)
    for item in shown:
        output.stdout.print(f"  {line(item)}")
    _print_more(more)


def _duplicate_line(duplicate: MergedDuplicate) -> str:
    merged = _joined(duplicate.merged_refs, ", ")
    return f"{safe_text(duplicate.ref)} ← {merged} ({safe_text(duplicate.reason)})"


_LISTED: Final = 100
"""Entries of a list (skipped, merged duplicates, warnings, services, counts) that the tables
show; the rest are counted, and `--format json` lists them all (printing 100,000 lines
through Rich took most of a minute)."""
_LISTED_IN_CELL: Final = 10
"""Items shown in one cell or line (merged refs, endpoints, data flows)."""


def _first(items: Sequence[_T], limit: int = _LISTED) -> tuple[Sequence[_T], int]:
    """The first `limit` items and how many more there are."""
    return items[:limit], max(0, len(items) - limit)


def _print_more(more: int) -> None:
    if more:
        output.stdout.print(f"  … and {more:,} more: --format json lists them all")


def _joined(values: Sequence[str], separator: str) -> str:
    """The first `_LISTED_IN_CELL` values, safe to print, joined; the rest counted."""
    shown, more = _first(values, _LISTED_IN_CELL)
    return separator.join([*map(safe_text, shown), *([f"… {more:,} more"] if more else [])])


def _kinds(edges_by_kind: dict[str, int]) -> str:
    if not edges_by_kind:
        return ""
    return " (" + ", ".join(f"{safe_text(kind)} {n}" for kind, n in edges_by_kind.items()) + ")"


def _counts_table(title: str, counts: dict[str, int]) -> Table:
    from rich.table import Table

    table = Table(title=title, title_justify="left")
    table.add_column("name")
    table.add_column("count", justify="right")
    items = list(counts.items())
    shown, more = _first(items)
    for name, count in shown:
        table.add_row(safe_text(name), str(count))
    if more:
        table.add_row(f"… and {more:,} more", str(sum(n for _, n in items[_LISTED:])))
    return table


def _ntia_table(summary: InventorySummary) -> Table:
    from rich.table import Table

    table = Table(title="NTIA minimum elements", title_justify="left")
    for column in ("element", "covered", "of", "share"):
        table.add_column(column, justify="left" if column == "element" else "right")
    for name in summary.ntia.__dataclass_fields__:
        cov: Coverage = getattr(summary.ntia, name)
        table.add_row(name.replace("_", " "), str(cov.covered), str(cov.total), f"{cov.ratio:.0%}")
    return table


def _print_services(inventory: Inventory) -> None:
    from rich.table import Table

    table = Table(title="Services", title_justify="left")
    for column in ("name", "provider", "endpoints", "trust zone", "crosses boundary", "data flows"):
        table.add_column(column)
    shown, more = _first(inventory.services)
    for s in shown:
        flows = [f"{f.flow} {f.classification}".strip() for f in s.data]
        boundary = (
            ""
            if s.crosses_trust_boundary is None
            else ("yes" if s.crosses_trust_boundary else "no")
        )
        table.add_row(
            safe_text(s.name),
            safe_text(s.provider or ""),
            _joined(s.endpoints, "\n"),
            safe_text(s.trust_zone or ""),
            boundary,
            _joined(flows, "; "),
        )
    output.stdout.print(table)
    _print_more(more)
