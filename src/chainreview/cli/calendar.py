"""`chainreview calendar …`: the working-day calendar statutory deadlines are counted on.

The calendar and its libraries load inside the commands: this module is imported whenever the
CLI starts (Typer builds every command), so it must stay cheap.
"""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING, Annotated

import typer

from chainreview import home
from chainreview.cli import output
from chainreview.cli.output import OutputFormat, print_json, safe_text

if TYPE_CHECKING:
    from chainreview.case.workdays import Day

app = typer.Typer(
    help="The working-day calendar of statutory deadlines: show a year, import an arrangement.",
    no_args_is_help=True,
)

_CALENDAR = "cn-working-days"

FormatOpt = Annotated[
    OutputFormat, typer.Option("--format", help="table for people, json for machines.")
]


@app.command("import")
def import_(
    file: Annotated[
        Path,
        typer.Argument(
            help="The State Council's holiday arrangement for one year (YAML or JSON; see "
            "docs/cases.md and examples/calendars/).",
            show_default=False,
        ),
    ],
    replace: Annotated[
        bool,
        typer.Option(
            "--replace",
            help="Import even when a library or an earlier import already decides the year; "
            "the imported arrangement then decides it.",
        ),
    ] = False,
    output_format: FormatOpt = OutputFormat.TABLE,
) -> None:
    """Import a year's holiday arrangement: its days off and the weekend days worked (调休).

    A year no library covers is counted Monday to Friday, provisionally, until its arrangement
    is imported. The file is checked strictly (exit 3 on any problem, nothing stored).
    """
    from chainreview.case import workdays

    arrangement = workdays.import_arrangement(file, home.data_home(), replace=replace)
    if output_format is OutputFormat.JSON:
        notice = arrangement.notice
        print_json(
            {
                "calendar": _CALENDAR,
                "year": arrangement.year,
                "notice": {
                    "title": notice.title,
                    "number": notice.number,
                    "date": notice.date.isoformat(),
                    "url": notice.url,
                },
                "holidays": [day.isoformat() for day in arrangement.holidays],
                "workdays": [day.isoformat() for day in arrangement.workdays],
                "source": arrangement.source,
                "replaced": arrangement.replaced,
                "stored": str(arrangement.stored),
            }
        )
        return
    out = output.stdout
    out.print(
        f"Imported the arrangement for [bold]{arrangement.year}[/]: "
        f"{len(arrangement.holidays)} days off, {len(arrangement.workdays)} weekend days worked."
    )
    out.print(f"  notice: {safe_text(arrangement.notice.title)} ({arrangement.notice.date})")
    out.print(f"  source: {safe_text(arrangement.source)}")
    if arrangement.replaced:
        out.print(f"  It decides {arrangement.year} instead of {safe_text(arrangement.replaced)}.")


@app.command()
def show(
    year: Annotated[int, typer.Argument(help="The year to show.", show_default=False)],
    output_format: FormatOpt = OutputFormat.TABLE,
) -> None:
    """Show the days of a year that differ from Monday to Friday, and what decided them.

    A year without an arrangement is shown as provisional, with a warning.
    """
    from chainreview.case import workdays

    calendar = workdays.load_calendar(_CALENDAR, home.data_home())
    days = calendar.year(year)
    differing = [day for day in days if day.workday != (day.day.weekday() < 5)]
    sources = sorted({day.source for day in days})
    warning = workdays.warning(day.day.year for day in days if day.provisional)
    if output_format is OutputFormat.JSON:
        print_json(
            {
                "calendar": _CALENDAR,
                "year": year,
                "provisional": warning is not None,
                "warning": warning,
                "sources": sources,
                "workdays": sum(day.workday for day in days),
                "days": [_plain(day) for day in differing],
            }
        )
    else:
        _print_year(year, days, differing, sources, provisional=warning is not None)
    if warning:
        output.notice(f"warning: {warning}")


def _plain(day: Day) -> dict[str, object]:
    return {
        "date": day.day.isoformat(),
        "weekday": f"{day.day:%A}",
        "workday": day.workday,
        "source": day.source,
        "provisional": day.provisional,
    }


def _print_year(
    year: int, days: tuple[Day, ...], differing: list[Day], sources: list[str], provisional: bool
) -> None:
    from rich.table import Table

    title = f"{_CALENDAR} {year}" + (" [bold yellow](provisional)[/]" if provisional else "")
    table = Table(title=title, title_justify="left")
    for column in ("date", "weekday", "day", "source"):
        table.add_column(column)
    for day in differing:
        kind = "worked (调休上班)" if day.workday else "off"
        table.add_row(day.day.isoformat(), f"{day.day:%A}", kind, safe_text(day.source))
    out = output.stdout
    if differing:
        out.print(table)
    else:
        out.print(f"{title}: no day differs from Monday to Friday.")
    decided = ", ".join(safe_text(source) for source in sources)
    out.print(f"{sum(day.workday for day in days)} working days; decided by: {decided}")
