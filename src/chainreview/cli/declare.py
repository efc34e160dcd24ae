"""`chainreview declare`: draft the Art. 8 declaration materials of a declaration package.

The package is reviewed under `cn-crm-2022` (`chainreview.reviewer`) and the materials are built
from it (`chainreview.report.materials`); this command only parses options, writes the files
and prints how much the applicant still has to supply. Heavy imports happen inside the command.
"""

from __future__ import annotations

from enum import StrEnum
from pathlib import Path
from typing import TYPE_CHECKING, Annotated, Final

import typer

from chainreview.cli.review import (
    AllowDemoOpt,
    AsOfOpt,
    DeclarationArg,
    ReportLanguage,
    parse_as_of,
)

if TYPE_CHECKING:
    from chainreview.report.materials import Materials

STEM: Final = "materials"
"""The files written are `materials.json`, `materials.html`, `materials.pdf`."""


class MaterialsFormat(StrEnum):
    """A file the command writes."""

    JSON = "json"
    HTML = "html"
    PDF = "pdf"


DEFAULT_FORMATS: Final = (MaterialsFormat.JSON, MaterialsFormat.HTML)

OutOpt = Annotated[
    Path | None,
    typer.Option(
        "--out", "--output", "-o", help="Folder for the materials; default: materials-<id>."
    ),
]
ForceOpt = Annotated[
    bool,
    typer.Option("--force", help="Replace materials already in the folder (refused otherwise)."),
]
LangOpt = Annotated[
    ReportLanguage,
    typer.Option(
        "--lang",
        envvar="CHAINREVIEW_LANG",
        help="Language of materials.html, materials.pdf and the summary: en or zh-CN "
        "(materials.json is the same in both).",
    ),
]
FormatsOpt = Annotated[
    list[MaterialsFormat] | None,
    typer.Option(
        "--format",
        help="A file to write: json, html or pdf (repeat for several); default: json and html.",
    ),
]


def declare(
    declaration_dir: DeclarationArg,
    out: OutOpt = None,
    formats: FormatsOpt = None,
    as_of: AsOfOpt = None,
    force: ForceOpt = False,
    allow_demo_intel: AllowDemoOpt = False,
    lang: LangOpt = ReportLanguage.EN,
) -> None:
    """Draft the Art. 8 declaration materials: the declaration form and the analysis report.

    The form is filled from the package and the analysis (one section per item of Art. 10) from
    its review under the Cybersecurity Review Measures; nothing is guessed: what the package
    does not give, and the evidence the review found missing, are marked to be supplied.
    """
    import io

    from chainreview import collector, home
    from chainreview.cli.files import write_atomically
    from chainreview.cli.output import notice
    from chainreview.cli.progress import bars
    from chainreview.formats import materials_formats
    from chainreview.intel.snapshot import current_hash
    from chainreview.report.materials import MATERIALS_REGIME, build_materials
    from chainreview.reviewer import load_package, review

    review_date = parse_as_of(as_of)
    chosen = list(dict.fromkeys(formats or DEFAULT_FORMATS))
    writers = materials_formats(lang.value)
    with collector.paused():
        package = load_package(declaration_dir)
        folder = out if out is not None else Path(f"{STEM}-{package.id}")
        names = [f"{STEM}{writers[f.value].suffix}" for f in chosen]
        taken = [name for name in names if (folder / name).exists()]
        if taken and not force:
            raise typer.BadParameter(f"{folder} holds {taken[0]} already: give --force to replace")
        if current_hash(home.data_home()) is None:
            notice("no intel snapshot yet; installing the bundled one (once, a few seconds)")
        with bars() as progress:
            result = review(
                package,
                regime=MATERIALS_REGIME,
                as_of=review_date,
                allow_demo_intel=allow_demo_intel,
                progress=progress,
            )
            materials = build_materials(package, result)
            folder.mkdir(parents=True, exist_ok=True)
            for done, (name, chosen_format) in enumerate(zip(names, chosen, strict=True)):
                progress("Writing", done, len(names))
                buffer = io.BytesIO()
                writers[chosen_format.value].write(materials, buffer)
                write_atomically(folder / name, buffer.getvalue())
            progress("Writing", len(names), len(names))
    _summary(materials, [folder / name for name in names], lang.value)


def _summary(materials: Materials, written: list[Path], language: str) -> None:
    from chainreview.cli.output import safe_text, stdout
    from chainreview.factors.interface import Party
    from chainreview.report.i18n import localizer
    from chainreview.report.materials import SupplySource

    loc = localizer(language)
    _ = loc.gettext
    a = materials.analysis
    stdout.print(
        _("[bold]{id}[/] {title}: Art. 8 declaration materials (draft), review date {date}").format(
            id=safe_text(materials.declaration.id),
            title=safe_text(materials.declaration.title),
            date=loc.date(a.as_of),
        )
    )
    items = materials.to_supply
    if not items:
        stdout.print(_("Nothing left to supply: every field of the form is filled."))
    else:
        counts = {source: sum(t.source is source for t in items) for source in SupplySource}
        stdout.print(
            _(
                "[bold yellow]{items} item(s) still to be supplied by the applicant[/]: {fields} "
                "field(s) of the form, {documents} Art. 8 document(s), {evidence} piece(s) of "
                "evidence the review found missing ({vendor} to be obtained from the vendor); "
                "each is marked in the materials."
            ).format(
                items=len(items),
                fields=counts[SupplySource.FORM],
                documents=counts[SupplySource.ART8],
                evidence=counts[SupplySource.REVIEW],
                vendor=sum(t.party is Party.VENDOR for t in items),
            )
        )
    if not a.final:
        stdout.print(_("The analysis rests on a provisional review (see its basis in Part 2)."))
    stdout.print(_("Wrote {files}").format(files=_(", ").join(str(path) for path in written)))
