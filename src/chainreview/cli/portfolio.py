"""`chainreview portfolio …`: blast radius, concentration and what-if over an operator's inventory.

The portfolio library (the SBOM readers, rustworkx, the intel snapshot) loads inside the
commands: this module is imported whenever the CLI starts, so it must stay cheap.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Annotated

import typer

from chainreview.cli import output
from chainreview.cli.identity import AsUserOpt
from chainreview.cli.output import OutputFormat, print_json, safe_text

if TYPE_CHECKING:
    from chainreview.portfolio.blast import BlastRadius
    from chainreview.portfolio.build import PortfolioGraph
    from chainreview.portfolio.concentration import Concentration, Share
    from chainreview.portfolio.graph import Node
    from chainreview.portfolio.model import Portfolio
    from chainreview.portfolio.stored import StoredPortfolio
    from chainreview.portfolio.what_if import VendorFailure

SHOWN = 10
"""Exposures per system, and items per line, the text output shows (JSON lists them all)."""
UNCHECKED_SHOWN = 20
"""Groups of unchecked components the text output lists."""

app = typer.Typer(
    help="An operator's portfolio: which CII systems a component, advisory, vendor or country "
    "reaches, how concentrated each function's suppliers are, and what a vendor failing costs.",
    no_args_is_help=True,
)

FormatOpt = Annotated[
    OutputFormat, typer.Option("--format", help="table for people, json for machines.")
]
InventoryArg = Annotated[
    Path | None,
    typer.Argument(
        help="The operator's inventory (YAML or CSV, docs/portfolio.md), or a declaration "
        "package's folder; or give --cases instead.",
        show_default=False,
    ),
]
CasesOpt = Annotated[
    bool,
    typer.Option(
        "--cases",
        help="Read the declarations in the case database instead: the latest submission of each "
        "case you may see (withdrawn and refused purchases left out).",
    ),
]
OperatorOpt = Annotated[
    str | None,
    typer.Option(
        "--operator",
        help="With --cases: only this operator's declarations (needed when the database holds "
        "several operators').",
        show_default=False,
    ),
]


@dataclass(frozen=True, slots=True)
class _Read:
    """A portfolio as a command read it, and what the JSON says it rests on."""

    portfolio: Portfolio
    basis: dict[str, object]


def _read(inventory: Path | None, cases: bool, operator: str | None, as_user: str | None) -> _Read:
    """The portfolio of the inventory (or package) named, or of the case database's
    declarations; the left-out cases are told on stderr."""
    if (inventory is None) == (not cases):
        raise typer.BadParameter("give an inventory file or package folder, or --cases")
    if inventory is not None:
        if operator is not None:
            raise typer.BadParameter("--operator goes with --cases")
        from chainreview.portfolio.sources import load_portfolio

        portfolio = load_portfolio(inventory)
        return _Read(portfolio, {"operator": portfolio.operator, "inventory": portfolio.source})
    found = read_stored(operator, as_user)
    return _Read(found.portfolio, found.basis())


def read_stored(operator: str | None, as_user: str | None) -> StoredPortfolio:
    """The portfolio of the case database's declarations the user may see (`operator`'s
    only, when named); the left-out cases are told on stderr."""
    from chainreview.cli.identity import caller, open_cases
    from chainreview.cli.output import notice
    from chainreview.portfolio.stored import stored_portfolio

    with open_cases() as store:
        found = stored_portfolio(store, caller=caller(store, as_user), operator=operator)
    for left in found.left_out:
        notice(f"left out {left.case_id}: {left.reason}")
    return found


@app.command("blast-radius")
def blast_radius(
    inventory: InventoryArg = None,
    advisory: Annotated[
        str | None,
        typer.Option("--advisory", help="An advisory id the intel snapshot holds (CVE, GHSA…)."),
    ] = None,
    component: Annotated[
        str | None,
        typer.Option(
            "--component", help="A purl; without a version, every version of the package."
        ),
    ] = None,
    vendor: Annotated[
        str | None,
        typer.Option(
            "--vendor",
            help="A vendor's id or name, or the name of a supplier the SBOMs name for their "
            "components (any case).",
        ),
    ] = None,
    country: Annotated[
        str | None,
        typer.Option("--country", help="A country code: vendors incorporated there, sites there."),
    ] = None,
    cases: CasesOpt = False,
    operator: OperatorOpt = None,
    as_user: AsUserOpt = None,
    output_format: FormatOpt = OutputFormat.TABLE,
) -> None:
    """Every CII system a component, an advisory, a vendor or a country reaches, ranked by
    criticality, each with the path that connects it.

    Give exactly one of --advisory, --component, --vendor, --country. An advisory is matched on
    the current intel snapshot (the bundled one is installed first when there is none); one the
    snapshot does not hold is refused (exit 3). Components no source covers, and products
    without an SBOM, are listed as not checked, never as unaffected.
    """
    asked = {
        "--advisory": advisory,
        "--component": component,
        "--vendor": vendor,
        "--country": country,
    }
    given = [name for name, value in asked.items() if value is not None]
    if len(given) != 1:
        raise typer.BadParameter(
            "give exactly one of --advisory, --component, --vendor, --country"
            + (f" (got {', '.join(given)})" if given else "")
        )
    from chainreview import collector
    from chainreview.portfolio import blast
    from chainreview.portfolio.build import build_graph

    with collector.paused():  # a run of long-lived objects: see `chainreview.collector`
        read = _read(inventory, cases, operator, as_user)
        portfolio = read.portfolio
        graph = build_graph(portfolio)
        try:
            if advisory is not None:
                found = _advisory(graph, advisory)
            elif component is not None:
                found = blast.of_component(graph, component)
            elif vendor is not None:
                found = blast.of_vendor(graph, vendor)
            else:
                assert country is not None
                found = blast.of_country(graph, country)
        except ValueError as exc:  # a purl or country code that is not one
            raise typer.BadParameter(str(exc)) from exc
    if output_format is OutputFormat.JSON:
        print_json({**read.basis, **_plain(found)})
        return
    _print_radius(portfolio, found)


def _advisory(graph: PortfolioGraph, advisory: str) -> BlastRadius:
    """The advisory's blast radius on the current snapshot (installed first when none)."""
    from chainreview import home
    from chainreview.cli.output import detail, notice
    from chainreview.cli.progress import bars
    from chainreview.intel.snapshot import current_hash
    from chainreview.portfolio.advisory import of_advisory
    from chainreview.scanner import Scanner
    from chainreview.snapshots import open_snapshot

    data_home = home.data_home()
    if current_hash(data_home) is None:
        notice("no intel snapshot yet; installing the bundled one (once, a few seconds)")
    with (
        bars() as progress,
        open_snapshot(data_home, install_bundled=True, progress=progress) as snapshot,
    ):
        detail(f"intel snapshot {snapshot.hash}")
        return of_advisory(graph, Scanner(snapshot), advisory, progress=progress)


def _plain(found: BlastRadius) -> dict[str, object]:
    from dataclasses import fields

    return {field.name: getattr(found, field.name) for field in fields(found)}


def _path(path: tuple[Node, ...]) -> str:
    return " ← ".join(node.label for node in path)


def _print_radius(portfolio: Portfolio, found: BlastRadius) -> None:
    question = f"{found.question.kind} {found.question.value}"
    lines = [f"Blast radius of {question} in {portfolio.operator} ({portfolio.source})"]
    if not found.matched:
        lines.append(f"nothing in the portfolio matches {question}")
    exposures = sum(len(s.exposures) for s in found.systems)
    lines.append(
        f"{len(found.systems)} system(s) reached ({sum(s.cii for s in found.systems)} CII), "
        f"through {exposures} deployed product(s)"
    )
    for system in found.systems:
        cii = "" if system.cii else ", not CII"
        lines.append(
            f"{system.criticality:<9} {system.id}  {system.name} (function: {system.function}{cii})"
        )
        lines += [
            f"    {exposure.quantity} × {exposure.product}: {_path(exposure.path)}"
            for exposure in system.exposures[:SHOWN]
        ]
        if len(system.exposures) > SHOWN:
            more = len(system.exposures) - SHOWN
            lines.append(f"    … and {more:,} more: --format json lists them all")
    if found.unchecked:
        components = sum(len(u.components) for u in found.unchecked)
        products = len({u.product for u in found.unchecked})
        lines.append(
            f"Not checked: {components:,} component(s) in {products:,} product(s), and products "
            "without an SBOM — not known to be unaffected:"
        )
        for item in found.unchecked[:UNCHECKED_SHOWN]:
            count = f"{len(item.components):,} component(s)" if item.components else "all"
            lines.append(
                f"    {item.product}: {count}, {item.target} ({item.state}): {item.reason}"
            )
        if len(found.unchecked) > UNCHECKED_SHOWN:
            more = len(found.unchecked) - UNCHECKED_SHOWN
            lines.append(f"    … and {more:,} more: --format json lists them all")
    if found.snapshot:
        lines.append(f"intel snapshot {found.snapshot}")
    for line in lines:
        output.stdout.print(safe_text(line), markup=False)


@app.command()
def concentration(
    inventory: InventoryArg = None,
    cases: CasesOpt = False,
    operator: OperatorOpt = None,
    as_user: AsUserOpt = None,
    output_format: FormatOpt = OutputFormat.TABLE,
) -> None:
    """Per function the systems serve: each vendor's and country's share of the units deployed,
    their Herfindahl–Hirschman index, and the single-source products and components."""
    from chainreview import collector
    from chainreview.portfolio.concentration import measure_concentration

    with collector.paused():  # a run of long-lived objects: see `chainreview.collector`
        read = _read(inventory, cases, operator, as_user)
        portfolio = read.portfolio
        found = measure_concentration(portfolio)
    if output_format is OutputFormat.JSON:
        print_json({**read.basis, "concentration": found})
        return
    _print_concentration(portfolio, found)


def _shares(shares: tuple[Share, ...]) -> str:
    shown = [f"{s.name} {s.share:.1%} ({s.quantity:,})" for s in shares[:SHOWN]]
    more = f", … and {len(shares) - SHOWN} more" if len(shares) > SHOWN else ""
    return ", ".join(shown) + more


def _print_concentration(portfolio: Portfolio, found: Concentration) -> None:
    from chainreview.concentration import HIGHLY_CONCENTRATED

    lines = [f"Concentration in {portfolio.operator} ({portfolio.source}), per function"]
    for f in found.functions:
        flags = [
            *(["single source"] if f.single_source else []),
            *(["vendors highly concentrated"] if f.vendors_concentrated else []),
            *(["countries highly concentrated"] if f.countries_concentrated else []),
        ]
        lines.append(
            f"{f.function}: {f.quantity:,} units of {len(f.products)} product(s) in "
            f"{len(f.systems)} system(s)" + (f" — {', '.join(flags)}" if flags else "")
        )
        lines.append(f"    vendors   HHI {f.vendor_hhi:.4f}: {_shares(f.vendors)}")
        lines.append(f"    countries HHI {f.country_hhi:.4f}: {_shares(f.countries)}")
        if f.unknown_components:
            lines.append(
                "    shared components not established: no SBOM for "
                + ", ".join(f.unknown_components[:SHOWN])
            )
    lines.append(f"(highly concentrated: HHI above {HIGHLY_CONCENTRATED})")
    lines.append(f"Single-source products: {len(found.single_source_products)}")
    lines += [
        f"    {item.product} ({item.vendor}): sole vendor of {item.function} in "
        + ", ".join(item.systems)
        for item in found.single_source_products
    ]
    lines.append(f"Single-source components: {len(found.single_source_components)}")
    lines += [
        f"    {part.package}: in every product of {part.function} "
        f"({', '.join(part.products[:SHOWN])})"
        for part in found.single_source_components
    ]
    for line in lines:
        output.stdout.print(safe_text(line), markup=False)


@app.command("what-if")
def what_if(
    vendor: Annotated[
        str, typer.Option("--vendor", help="A vendor's id or name (any case).", show_default=False)
    ],
    inventory: InventoryArg = None,
    fails: Annotated[
        bool, typer.Option("--fails", help="The vendor fails: the operator stops buying from it.")
    ] = False,
    cases: CasesOpt = False,
    operator: OperatorOpt = None,
    as_user: AsUserOpt = None,
    output_format: FormatOpt = OutputFormat.TABLE,
) -> None:
    """What the portfolio loses when a vendor fails (a review fails it): every system that loses
    units, ranked by criticality; per function the alternatives known and the concentration
    after; what remains single-source.

    --fails is required (the one scenario so far). An unknown vendor is exit 3, naming the
    vendors the portfolio holds.
    """
    if not fails:
        raise typer.BadParameter("give --fails: what-if asks what happens when the vendor fails")
    from chainreview import collector
    from chainreview.portfolio.what_if import vendor_fails

    with collector.paused():  # a run of long-lived objects: see `chainreview.collector`
        read = _read(inventory, cases, operator, as_user)
        portfolio = read.portfolio
        found = vendor_fails(portfolio, vendor)
    if output_format is OutputFormat.JSON:
        print_json({**read.basis, "what_if": found})
        return
    _print_failure(portfolio, found)


def _print_failure(portfolio: Portfolio, found: VendorFailure) -> None:
    vendor = found.vendor
    lines = [
        f"What if {vendor.id} ({vendor.name}, {vendor.country}) fails, in "
        f"{portfolio.operator} ({portfolio.source})",
        f"{len(found.systems)} system(s) lose units ({sum(s.cii for s in found.systems)} CII)",
    ]
    for system in found.systems:
        lines.append(
            f"{system.criticality:<9} {system.id}  {system.name}: loses {system.lost:,} of "
            f"{system.quantity:,} units ({system.share:.1%})"
        )
        lines += [
            f"    {item.quantity:,} × {item.product} {item.name} ({item.function})"
            for item in system.products[:SHOWN]
        ]
        if len(system.products) > SHOWN:
            lines.append(f"    … and {len(system.products) - SHOWN:,} more: --format json")
        lines += [
            f"    {f.function}: {f.lost:,} of {f.quantity:,} units lost ({f.share:.1%})"
            for f in system.functions
        ]
    lines.append("Per function the vendor serves:")
    for f in found.functions:
        after = "no vendor left" if f.hhi_after is None else f"HHI after {f.hhi_after:.4f}"
        sole = ", becomes single-source" if f.function in found.becomes_single_source else ""
        lines.append(
            f"{f.function}: loses {f.lost:,} of {f.quantity:,} units ({f.share:.1%}); "
            f"HHI before {f.hhi_before:.4f}, {after}{sole}"
        )
        if not f.alternative_known:
            lines.append("    no qualified alternative known")
        if f.remaining:
            lines.append(f"    deployed alternatives: {_shares(f.remaining)}")
        if f.qualified:
            lines.append(f"    qualified alternatives named: {', '.join(f.qualified[:SHOWN])}")
    lines.append(f"Single-source products afterwards: {len(found.single_source_products)}")
    lines += [
        f"    {item.product} ({item.vendor}): sole vendor of {item.function} in "
        + ", ".join(item.systems)
        for item in found.single_source_products
    ]
    for line in lines:
        output.stdout.print(safe_text(line), markup=False)
