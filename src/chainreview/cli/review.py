"""`chainreview review`: review a declaration package; write `result.json`, `report.html` (and
`report.pdf` with `--pdf`).

The pipeline runs in `chainreview.reviewer`; this command only parses options, prints the
one-screen summary (or the JSON) and maps the outcome to the exit code per `--fail-on`.
Heavy imports happen inside the command.
"""

from __future__ import annotations

from datetime import date
from enum import StrEnum
from pathlib import Path
from typing import TYPE_CHECKING, Annotated, Final

import typer

from chainreview.cli.output import OutputFormat

if TYPE_CHECKING:
    from chainreview.reviewer import ReviewResult

RESULT_FILE: Final = "result.json"
REPORT_FILE: Final = "report.html"
DECIDING_SHOWN: Final = 4
"""Sentences of the rationale the summary prints: those that decide the outcome (the rule's
and at most three that made it hold, as the report's first page), the rest left to the report."""
PDF_FILE: Final = "report.pdf"
VEX_FOLDER: Final = "vex"


class ReviewFailOn(StrEnum):
    """The outcomes that make `review` exit 1."""

    NEVER = "never"
    FAIL = "fail"
    REFER = "refer"
    """`fail` or `refer_to_special_review`."""
    CONDITIONS = "conditions"
    """`fail`, `refer_to_special_review` or `pass_with_conditions`."""

    def trips(self, outcome: str) -> bool:
        """Whether `outcome` (an `Outcome` value) meets this threshold."""
        order = ("fail", "refer_to_special_review", "pass_with_conditions")
        reach = {"never": 0, "fail": 1, "refer": 2, "conditions": 3}[self.value]
        return outcome in order[:reach]


DeclarationArg = Annotated[
    Path, typer.Argument(help="The declaration package folder (with declaration.yaml).")
]


def _regimes() -> str:
    """The regime profiles shipped (file names of the package's profiles; nothing imported)."""
    from importlib import resources

    folder = resources.files("chainreview") / "factors" / "profiles"  # imports no factor code
    names = sorted(
        p.name.removesuffix(".yaml") for p in folder.iterdir() if p.name.endswith(".yaml")
    )
    return ", ".join(names)


RegimeOpt = Annotated[
    str | None,
    typer.Option(
        "--regime",
        help=f"Regime profile (one of {_regimes()}); default: the manifest's.",
    ),
]
PolicyOpt = Annotated[
    Path | None, typer.Option("--policy", help="Policy YAML replacing the regime's shipped one.")
]
OverridesOpt = Annotated[
    Path | None, typer.Option("--overrides", help="Reviewer overrides file (levels, reasons).")
]
AsOfOpt = Annotated[
    str | None,
    typer.Option(
        "--as-of",
        help="Review date YYYY-MM-DD; default: today in the regime's time zone (Asia/Shanghai "
        "for cn-crm-2022). The same package, intel and date give the same result.",
    ),
]
AllowDemoOpt = Annotated[
    bool,
    typer.Option(
        "--allow-demo-intel",
        help="Accept a final determination on the bundled demo intelligence (otherwise the "
        "outcome is given as provisional).",
    ),
]
OutOpt = Annotated[
    Path | None,
    typer.Option(
        "--out",
        "--output",
        "-o",
        help="Folder for result.json and report.html; default: review-<id>.",
    ),
]


class ReportLanguage(StrEnum):
    """The languages of the report and the summary (`chainreview.formats.LANGUAGES`)."""

    EN = "en"
    ZH_CN = "zh-CN"


LangOpt = Annotated[
    ReportLanguage,
    typer.Option(
        "--lang",
        envvar="CHAINREVIEW_LANG",
        help="Language of report.html, report.pdf and the summary: en or zh-CN (result.json is "
        "the same in both).",
    ),
]


class VexFormat(StrEnum):
    """The VEX formats of a review's triage (`chainreview.formats.VEX_FORMATS`)."""

    CYCLONEDX_VEX = "cyclonedx-vex"
    OPENVEX = "openvex"
    CSAF_VEX = "csaf-vex"


VexOpt = Annotated[
    list[VexFormat] | None,
    typer.Option(
        "--vex",
        help="Also write each product's triage as VEX in this format (repeat for several): "
        "vex/<product><suffix>, what an operator sends back to the vendor. Products without an "
        "SBOM or a finding have none.",
        show_default=False,
    ),
]
PdfOpt = Annotated[
    bool,
    typer.Option("--pdf", help="Also write report.pdf: the report on A4, ready to sign."),
]
AllOpt = Annotated[
    bool,
    typer.Option(
        "--all",
        help="List every finding and evidence reference in report.html (default: the 1,000 most "
        "urgent findings of each product and the first 1,000 references of each factor).",
    ),
]
ForceOpt = Annotated[
    bool,
    typer.Option("--force", help="Replace a result already in the folder (refused otherwise)."),
]
FormatOpt = Annotated[
    OutputFormat,
    typer.Option("--format", envvar="CHAINREVIEW_REVIEW_FORMAT", help="table (summary) or json."),
]
FailOnOpt = Annotated[
    ReviewFailOn,
    typer.Option(
        "--fail-on",
        envvar="CHAINREVIEW_REVIEW_FAIL_ON",
        help="Exit 1 on this outcome or worse: fail, refer (or fail), conditions (or worse).",
    ),
]


def review(
    declaration_dir: DeclarationArg,
    regime: RegimeOpt = None,
    policy: PolicyOpt = None,
    overrides: OverridesOpt = None,
    as_of: AsOfOpt = None,
    out: OutOpt = None,
    force: ForceOpt = False,
    output_format: FormatOpt = OutputFormat.TABLE,
    fail_on: FailOnOpt = ReviewFailOn.NEVER,
    allow_demo_intel: AllowDemoOpt = False,
    pdf: PdfOpt = False,
    vex: VexOpt = None,
    lang: LangOpt = ReportLanguage.EN,
    every_row: AllOpt = False,
) -> None:
    """Review a declaration package: factors, outcome, conditions; offline, reproducible.

    The result states what it rests on: what each product's scan checked against which source,
    every source's date and completeness, the sanctions screening, and the limitations of the
    review's own data. On the bundled demo intelligence the outcome is provisional.
    """
    import io
    import sys

    from chainreview import collector, home
    from chainreview.cli.files import write_atomically
    from chainreview.cli.output import notice
    from chainreview.cli.progress import bars
    from chainreview.errors import PolicyFailure
    from chainreview.formats import VEX_FORMATS, review_formats
    from chainreview.intel.snapshot import current_hash
    from chainreview.reviewer import load_package
    from chainreview.reviewer import review as run_review

    review_date = parse_as_of(as_of)
    formats = review_formats(lang.value, every_row=every_row)
    # a run of long-lived objects, reading to the files written: see `chainreview.collector`
    with collector.paused():
        package = load_package(declaration_dir)  # a package with problems needs no snapshot
        folder = out if out is not None else Path(f"review-{package.id}")
        if (folder / RESULT_FILE).exists() and not force:
            raise typer.BadParameter(f"{folder} holds a result already: give --force to replace it")
        if current_hash(home.data_home()) is None:
            notice("no intel snapshot yet; installing the bundled one (once, a few seconds)")
        with bars() as progress:
            result = run_review(
                package,
                regime=regime,
                policy=policy,
                overrides=overrides,
                as_of=review_date,
                allow_demo_intel=allow_demo_intel,
                progress=progress,
            )
            folder.mkdir(parents=True, exist_ok=True)
            files = [(RESULT_FILE, "json"), (REPORT_FILE, "html")]
            files += [(PDF_FILE, "pdf")] if pdf else []
            for done, (name, output) in enumerate(files):
                progress("Writing", done, len(files))  # the PDF takes a second or two
                buffer = io.BytesIO()
                formats[output].write(result, buffer)
                write_atomically(folder / name, buffer.getvalue())
            progress("Writing", len(files), len(files))
            written = [name for name, _ in files]
            if vex:
                from chainreview.report.vex_triage import triage_of_review

                triaged = triage_of_review(result, package)
                for chosen in dict.fromkeys(vex):
                    writer = VEX_FORMATS[chosen.value]
                    for product in triaged:
                        name = f"{VEX_FOLDER}/{product.product}{writer.suffix}"
                        buffer = io.BytesIO()
                        writer.write(product.triage, buffer)
                        (folder / VEX_FOLDER).mkdir(exist_ok=True)
                        write_atomically(folder / name, buffer.getvalue())
                        written.append(name)
    if output_format is OutputFormat.JSON:
        formats["json"].write(result, sys.stdout.buffer)
        sys.stdout.flush()
    else:
        _summary(result, folder, written, lang.value)
    outcome = result.determination.outcome
    if fail_on.trips(outcome.value):
        raise PolicyFailure(f"outcome {outcome.value} meets --fail-on {fail_on.value}")


def parse_as_of(value: str | None) -> date | None:
    """An `--as-of` date as given (None: not given); a usage error when it is not YYYY-MM-DD."""
    if value is None:
        return None
    try:
        return date.fromisoformat(value)
    except ValueError as exc:
        raise typer.BadParameter(
            f"{value!r} is not a date (YYYY-MM-DD)", param_hint="--as-of"
        ) from exc


def _summary(result: ReviewResult, folder: Path, written: list[str], language: str) -> None:
    from rich.table import Table

    from chainreview.cli.output import safe_text, stdout
    from chainreview.determination.rules import lead_reason
    from chainreview.report.html import outcome_title
    from chainreview.report.i18n import localizer

    loc = localizer(language)
    _, tr = loc.gettext, loc.sentence
    d = result.determination
    stdout.print(
        _(
            "[bold]{id}[/] {title} — regime {regime}, policy {policy} {version}, "
            "review date {date} ({basis})"
        ).format(
            id=safe_text(result.declaration.id),
            title=safe_text(result.declaration.title),
            regime=d.regime,
            policy=d.policy.id,
            version=d.policy.version,
            date=loc.date(d.as_of),
            basis=tr(loc.word("basis", d.as_of_basis)),
        )
    )
    for reason in d.provisional:
        stdout.print(
            _("[bold yellow]PROVISIONAL:[/] {reason}").format(reason=safe_text(tr(reason)))
        )
    rule = _(" (rule {rule})").format(rule=d.rule) if d.rule != "default" else ""
    final = "" if d.final else _(" [yellow](provisional)[/]")
    outcome = outcome_title(d.outcome, loc)
    stdout.print(
        _("Outcome: [bold reverse] {outcome} [/]{rule}{final}").format(
            outcome=outcome, rule=rule, final=final
        )
    )
    for warning in d.intel.warnings if d.intel else ():
        stdout.print(_("[yellow]warning:[/] {warning}").format(warning=safe_text(tr(warning))))
    for scan in result.products:
        if scan.coverage is None:
            stdout.print(
                _("Coverage: {product}: no SBOM, nothing checked").format(
                    product=safe_text(scan.product)
                )
            )
            continue
        c = scan.coverage
        stdout.print(
            _(
                "Coverage: {product}: {components} components; {checked} checked, {partial} only "
                "against partial selections, {unchecked} not checked"
            ).format(
                product=safe_text(scan.product),
                components=loc.number(c.components - len(c.roots)),
                checked=loc.number(c.checked),
                partial=loc.number(c.partial),
                unchecked=loc.number(c.not_checked),
            )
        )
    screening = d.screening
    lists = _(", ").join(
        _("{name} ({date})").format(
            name=s.name, date=loc.date(s.as_of) if s.as_of else _("undated")
        )
        for s in screening.sources
    )
    stdout.print(
        _("Screening: {names} name(s) against {lists}: {outcome}").format(
            names=loc.number(len(screening.names)),
            lists=lists or _("no list"),
            outcome=tr(loc.word("screening", screening.outcome)),
        )
    )
    table = Table(show_header=True, box=None, pad_edge=False)
    for column, header in (("factor", _("factor")), ("level", _("level")), ("why", _("why"))):
        table.add_column(header, overflow="ellipsis", no_wrap=column != "why")
    for a in d.assessments:
        style = {"critical": "bold red", "high": "red", "undetermined": "yellow"}.get(a.level, "")
        level = loc.word("level", a.level.value) + (
            _(" (≥ {level})").format(level=loc.word("level", a.floor.value))
            if a.level == "undetermined" and a.floor != "none"
            else ""
        )
        table.add_row(
            a.factor_id, f"[{style}]{level}[/]" if style else level, safe_text(tr(lead_reason(a)))
        )
    stdout.print(table)
    shown = d.rationale[: min(max(d.deciding, 1), DECIDING_SHOWN)]
    for sentence in shown:
        stdout.print(f"• {safe_text(tr(sentence))}")
    if len(d.rationale) > len(shown):
        more = len(d.rationale) - len(shown)
        stdout.print(
            "  "
            + loc.ngettext(
                "({n} more reason in the report)", "({n} more reasons in the report)", more
            ).format(n=more)
        )
    if d.conditions:
        parties = [loc.word("party", p) for p in sorted({c.party.value for c in d.conditions})]
        stdout.print(
            loc.ngettext(
                "{n} condition for the {parties}; see the report.",
                "{n} conditions for the {parties}; see the report.",
                len(d.conditions),
            ).format(n=len(d.conditions), parties=_(" and ").join(parties))
        )
    if d.limitations:
        stdout.print(
            loc.ngettext(
                "{n} limitation of the review's own data; see the report.",
                "{n} limitations of the review's own data; see the report.",
                len(d.limitations),
            ).format(n=len(d.limitations))
        )
    paths = [str(folder / name) for name in written]
    stdout.print(
        _("Wrote {files} and {last}").format(files=_(", ").join(paths[:-1]), last=paths[-1])
    )
