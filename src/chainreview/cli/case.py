"""`chainreview case …`: open review cases, take procedure actions on them, see their clocks.

The case service (and the store, SQLAlchemy, the calendars with it) loads inside the commands:
this module is imported whenever the CLI starts. Every command runs as a user of the case
database (`--as-user`, see `chainreview.cli.identity`), in that user's role, and sees only the
cases that role may see.
"""

from __future__ import annotations

from datetime import date
from pathlib import Path
from typing import TYPE_CHECKING, Annotated, Any

import typer

from chainreview import home
from chainreview.cli import output
from chainreview.cli.identity import AsUserOpt, caller, open_cases
from chainreview.cli.output import OutputFormat, print_json, safe_text

if TYPE_CHECKING:
    from chainreview.case.access import Caller
    from chainreview.case.diff import Finding, RoundDiff, Side
    from chainreview.case.outcomes import Outcomes
    from chainreview.case.procedure import Allowed
    from chainreview.case.rounds import Evidence
    from chainreview.case.service import CaseView
    from chainreview.store.db import Store

DEFAULT_REGIME = "cn-crm-2022"
SHOWN = 50
"""Findings of each kind `case diff` lists in its text summary (the counts are complete)."""
REFS = 10
"""Evidence refs of a moved factor level the text summary shows (JSON has them all)."""

app = typer.Typer(
    help="Review cases on the statutory clock: open one, act on it, see its deadlines.",
    no_args_is_help=True,
)

FormatOpt = Annotated[
    OutputFormat, typer.Option("--format", help="table for people, json for machines.")
]
OnOpt = Annotated[
    str | None,
    typer.Option(
        "--on",
        help="The day it happened, YYYY-MM-DD (default: today in the time zone of the case's "
        "regime).",
    ),
]
VersionOpt = Annotated[
    int | None,
    typer.Option(
        "--expect-version",
        help="Refuse (exit 7) if the case changed since this version (see `case show`).",
    ),
]
NoteOpt = Annotated[str | None, typer.Option("--note", help="A note kept with it.")]


TodayOpt = Annotated[
    str | None,
    typer.Option(
        "--today",
        help="The day deadlines are seen from, YYYY-MM-DD (default: today in the time zone of "
        "the case's regime; for `case list`, of cn-crm-2022).",
    ),
]


@app.command("open")
def open_(
    title: Annotated[str, typer.Option("--title", help="What is bought or reviewed.")],
    applicant: Annotated[str, typer.Option("--applicant", help="The operator that declares.")],
    vendor: Annotated[str, typer.Option("--vendor", help="The supplier of the product.")],
    regime: Annotated[str, typer.Option("--regime", help="The regime profile.")] = DEFAULT_REGIME,
    ex_officio: Annotated[
        bool, typer.Option("--ex-officio", help="Opened by the review office itself (Art. 16).")
    ] = False,
    on: OnOpt = None,
    as_user: AsUserOpt = None,
    output_format: FormatOpt = OutputFormat.TABLE,
) -> None:
    """Open a case: on a declaration (applicant, or the office registering it) or ex officio."""
    from chainreview.case.procedure import Opening
    from chainreview.case.service import Opened, open_case

    opened = Opened(
        regime=regime,
        title=title,
        applicant=applicant,
        vendor=vendor,
        opening=Opening.EX_OFFICIO if ex_officio else Opening.DECLARATION,
        on=parse_day(on, "--on", regime),
    )
    with open_cases() as store:
        view = open_case(store, opened, caller=caller(store, as_user), home=home.data_home())
    _show(view, output_format)


@app.command("act")
def act(
    case_id: Annotated[str, typer.Argument(help="The case, e.g. CR-2026-0001.")],
    action: Annotated[
        str,
        typer.Argument(
            help="The procedure action (check, accept, decide-review, request-materials, "
            "supply-materials, extend, recommend, escalate, conclude, …; `case show` lists what "
            "the case allows now)."
        ),
    ],
    on: OnOpt = None,
    days: Annotated[
        int | None, typer.Option("--days", help="For extend: the days added.", min=1)
    ] = None,
    note: NoteOpt = None,
    version: VersionOpt = None,
    as_user: AsUserOpt = None,
    output_format: FormatOpt = OutputFormat.TABLE,
) -> None:
    """Take a procedure action on a case; refused (exit 8) when its state, clock or your role
    does not allow it, naming what does. `advance` is the same command."""
    _take(case_id, action, on, days, note, version, as_user, output_format)


app.command("advance", help="The same as `act`: take a procedure action on a case.")(act)


@app.command("request-materials")
def request_materials(
    case_id: Annotated[str, typer.Argument(help="The case, e.g. CR-2026-0001.")],
    on: OnOpt = None,
    note: Annotated[
        str | None, typer.Option("--note", help="What is asked for (kept with the action).")
    ] = None,
    version: VersionOpt = None,
    as_user: AsUserOpt = None,
    output_format: FormatOpt = OutputFormat.TABLE,
) -> None:
    """Ask the applicant for supplementary materials: the clock stops until they arrive
    (Art. 15). The same as `act CASE request-materials`."""
    _take(case_id, "request-materials", on, None, note, version, as_user, output_format)


@app.command("supply-materials")
def supply_materials(
    case_id: Annotated[str, typer.Argument(help="The case, e.g. CR-2026-0001.")],
    on: OnOpt = None,
    note: NoteOpt = None,
    version: VersionOpt = None,
    as_user: AsUserOpt = None,
    output_format: FormatOpt = OutputFormat.TABLE,
) -> None:
    """Record that the requested materials arrived: the clock runs again from the next working
    day. The same as `act CASE supply-materials`."""
    _take(case_id, "supply-materials", on, None, note, version, as_user, output_format)


@app.command("extend")
def extend(
    case_id: Annotated[str, typer.Argument(help="The case, e.g. CR-2026-0001.")],
    on: OnOpt = None,
    days: Annotated[
        int | None,
        typer.Option("--days", help="Days added (default: what the regime states).", min=1),
    ] = None,
    note: NoteOpt = None,
    version: VersionOpt = None,
    as_user: AsUserOpt = None,
    output_format: FormatOpt = OutputFormat.TABLE,
) -> None:
    """Extend the current state's deadline (a complex case, Arts. 11, 14). The same as
    `act CASE extend`."""
    _take(case_id, "extend", on, days, note, version, as_user, output_format)


def _take(
    case_id: str,
    action: str,
    on: str | None,
    days: int | None,
    note: str | None,
    version: int | None,
    as_user: str | None,
    output_format: OutputFormat,
) -> None:
    from chainreview.case.service import Step, take_action

    with open_cases() as store:
        who = caller(store, as_user)
        day = case_day(store, on, "--on", case_id, who)
        step = Step(action=action, on=day, days=days, note=note)
        view = take_action(
            store,
            case_id,
            step,
            caller=who,
            expected_version=version,
            home=home.data_home(),
        )
    _show(view, output_format)


@app.command("submit")
def submit(
    case_id: Annotated[str, typer.Argument(help="The case, e.g. CR-2026-0001.")],
    package: Annotated[
        Path, typer.Argument(help="The declaration package folder (with declaration.yaml).")
    ],
    as_user: AsUserOpt = None,
    output_format: FormatOpt = OutputFormat.TABLE,
) -> None:
    """Store a declaration package as the case's next submission: checked first (exit 3 and
    nothing stored when it has problems), every file it is read from kept under its sha256."""
    from chainreview.case.rounds import submit_package
    from chainreview.portfolio.kept import keep_records

    with open_cases() as store:
        submitted = submit_package(
            store, case_id, package, caller=caller(store, as_user), keep=keep_records
        )
    if output_format is OutputFormat.JSON:
        print_json(submitted)
        return
    output.stdout.print(
        safe_text(
            f"{case_id} submission {submitted.number}: {len(submitted.files)} files, "
            f"{sum(f.size for f in submitted.files):,} bytes"
        ),
        markup=False,
    )


@app.command("review")
def review_(
    case_id: Annotated[str, typer.Argument(help="The case, e.g. CR-2026-0001.")],
    submission: Annotated[
        int | None,
        typer.Option("--submission", help="The submission to review (default: the latest).", min=1),
    ] = None,
    as_of: Annotated[
        str | None,
        typer.Option("--as-of", help="The review date, YYYY-MM-DD (default: today)."),
    ] = None,
    allow_demo_intel: Annotated[
        bool,
        typer.Option("--allow-demo-intel", help="Let a determination on demo intel be final."),
    ] = False,
    as_user: AsUserOpt = None,
    output_format: FormatOpt = OutputFormat.TABLE,
) -> None:
    """Review a submission on the current intel snapshot and keep it as the case's next round
    (its result.json, and the snapshot, which is then pinned)."""
    import chainreview
    from chainreview.case.rounds import review_round

    with chainreview.open_snapshot(home.data_home(), install_bundled=True) as snapshot:
        reviewer = chainreview.Reviewer(snapshot)
        with open_cases() as store:
            kept = review_round(
                store,
                case_id,
                reviewer,
                as_of=parse_day(as_of, "--as-of"),
                caller=caller(store, as_user),
                submission=submission,
                allow_demo_intel=allow_demo_intel,
            )
    if output_format is OutputFormat.JSON:
        print_json(
            {
                "case": kept.case_id,
                "round": kept.number,
                "submission": kept.submission,
                "snapshot": kept.snapshot_hash,
                "created_at": kept.created_at,
                "created_by": kept.created_by,
            }
        )
        return
    output.stdout.print(
        safe_text(
            f"{case_id} round {kept.number}: submission {kept.submission} reviewed on snapshot "
            f"{kept.snapshot_hash[:12]} (result.json {len(kept.result_json):,} bytes kept)"
        ),
        markup=False,
    )


@app.command("diff")
def diff(
    case_id: Annotated[str, typer.Argument(help="The case, e.g. CR-2026-0001.")],
    first: Annotated[
        int | None,
        typer.Option("--from", help="The earlier round (default: the last but one).", min=1),
    ] = None,
    second: Annotated[
        int | None, typer.Option("--to", help="The later round (default: the last).", min=1)
    ] = None,
    as_user: AsUserOpt = None,
    output_format: FormatOpt = OutputFormat.TABLE,
) -> None:
    """What changed between two review rounds: the outcome, factor levels and why, findings
    added, resolved and changed, conditions, limitations and the inputs whose bytes changed."""
    from chainreview.case.rounds import case_diff

    with open_cases() as store:
        found = case_diff(store, case_id, first, second, caller=caller(store, as_user))
    if output_format is OutputFormat.JSON:
        print_json({"outcome_moved": found.outcome_moved, "empty": found.empty, **_fields(found)})
        return
    for line in _diff_lines(found):
        output.stdout.print(safe_text(line), markup=False)


@app.command("show")
def show(
    case_id: Annotated[str, typer.Argument(help="The case, e.g. CR-2026-0001.")],
    today: TodayOpt = None,
    as_user: AsUserOpt = None,
    output_format: FormatOpt = OutputFormat.TABLE,
) -> None:
    """A case: where it stands, its deadline, what it allows now, its history, its submissions
    and review rounds, and what it came to (opinions, decisions, conditions, risks)."""
    from chainreview.case.outcomes import case_outcomes
    from chainreview.case.rounds import case_evidence
    from chainreview.case.service import view_case

    with open_cases() as store:
        who = caller(store, as_user)
        day = case_day(store, today, "--today", case_id, who)
        view = view_case(store, case_id, caller=who, today=day, home=home.data_home())
        evidence = case_evidence(store, case_id, caller=who)
        outcomes = case_outcomes(store, case_id, caller=who, today=day)
    _show(view, output_format, evidence, outcomes)


@app.command("download")
def download(
    case_id: Annotated[str, typer.Argument(help="The case, e.g. CR-2026-0001.")],
    submission: Annotated[int, typer.Argument(help="The submission's number.", min=1)],
    path: Annotated[str, typer.Argument(help="The file's path in the package.")],
    out: Annotated[
        Path | None,
        typer.Option("--output", "-o", help="Write it here (default: standard output)."),
    ] = None,
    as_user: AsUserOpt = None,
) -> None:
    """One file of a submission, exactly as submitted (the download is audited)."""
    import sys

    from chainreview.case.rounds import download as fetch

    if out is None and sys.stdout.isatty():
        raise typer.BadParameter("write the file somewhere: not to a terminal", param_hint="-o")
    with open_cases() as store:
        content = fetch(store, case_id, submission, path, caller=caller(store, as_user))
    if out is None:
        sys.stdout.buffer.write(content)
        sys.stdout.buffer.flush()
    else:
        out.write_bytes(content)


@app.command("report")
def report(
    case_id: Annotated[str, typer.Argument(help="The case, e.g. CR-2026-0001.")],
    round_number: Annotated[int, typer.Argument(help="The review round's number.", min=1)],
    kind: Annotated[
        str, typer.Option("--format", help="pdf (the report to sign), html, or json (result.json).")
    ] = "pdf",
    lang: Annotated[
        str, typer.Option("--lang", envvar="CHAINREVIEW_LANG", help="en or zh-CN.")
    ] = "en",
    as_of: Annotated[
        str | None,
        typer.Option(
            "--as-of",
            help="Show the statutory clock as of this day (default: the round's review date).",
        ),
    ] = None,
    out: Annotated[
        Path | None,
        typer.Option("--output", "-o", help="Write it here (default: CASE-round-N.report.EXT)."),
    ] = None,
    as_user: AsUserOpt = None,
) -> None:
    """A review round's report, for the office: the round reviewed again on the snapshot it
    used, checked to give its stored result.json byte for byte, then rendered (the same
    report `chainreview review` writes) with the case's statutory clock as of --as-of."""
    from chainreview.case.round_report import REPORT_KINDS, round_report
    from chainreview.cli.files import write_atomically

    if kind not in REPORT_KINDS:
        raise typer.BadParameter(f"one of {', '.join(REPORT_KINDS)}", param_hint="--format")
    day = None if as_of is None else parse_day(as_of, "--as-of")
    with open_cases() as store:
        who = caller(store, as_user)
        made = round_report(
            store,
            case_id,
            round_number,
            home=home.data_home(),
            caller=who,
            kind=kind,
            language=lang,
            as_of=day,
        )
    target = out or Path(f"{case_id}-round-{round_number}.report{made.suffix}")
    write_atomically(target, made.content)
    output.stdout.print(safe_text(f"{case_id} round {round_number}: {target}"), markup=False)


@app.command("exposure")
def exposure(
    vendor: Annotated[str, typer.Argument(help="The vendor, as its cases name it.")],
    as_user: AsUserOpt = None,
    output_format: FormatOpt = OutputFormat.TABLE,
) -> None:
    """Every case of a vendor with its operator, declared products and the CII systems they
    serve: the list for a notice to stop purchasing after a failed review."""
    from chainreview.case.exposure import vendor_exposure

    with open_cases() as store:
        found = vendor_exposure(store, vendor, caller=caller(store, as_user))
    if output_format is OutputFormat.JSON:
        print_json(found)
        return
    lines = [f"{len(found)} case(s) of {vendor}"]
    for item in found:
        systems = {s.id: s for s in item.systems}
        if item.ex_officio:
            lines.append(f"{item.case_id}  {item.state:<18} the office's own review (ex officio)")
            continue
        lines.append(f"{item.case_id}  {item.state:<18} {item.operator}")
        if item.submission is None:
            lines.append("    no declaration submitted")
        for product in item.products:
            where = ", ".join(
                f"{systems[i].name} ({systems[i].criticality or 'criticality not given'})"
                if i in systems
                else i
                for i in product.systems
            )
            count = f"{product.quantity} × " if product.quantity else ""
            version = f" {product.version}" if product.version else ""
            lines.append(f"    {count}{product.name}{version} → {where or 'no CII system named'}")
    for line in lines:
        output.stdout.print(safe_text(line), markup=False)


@app.command("list")
def list_(
    today: TodayOpt = None,
    as_user: AsUserOpt = None,
    output_format: FormatOpt = OutputFormat.TABLE,
) -> None:
    """Every case you may see, with its state and deadline (days left, stopped, overdue,
    provisional) and how many of the conditions you may see are overdue."""
    from chainreview.case.service import list_case_views

    with open_cases() as store:
        views = list_case_views(
            store,
            caller=caller(store, as_user),
            today=parse_day(today, "--today"),
            home=home.data_home(),
        )
    if output_format is OutputFormat.JSON:
        print_json([_plain(v) for v in views])
        return
    for view in views:
        case = view.case
        overdue = view.overdue_conditions
        marks = f"  [{overdue} condition(s) OVERDUE]" if overdue else ""
        output.stdout.print(
            safe_text(f"{case.id}  {case.state:<20} {_deadline(view):<40} {case.title}{marks}"),
            markup=False,
        )


def _show(
    view: CaseView,
    output_format: OutputFormat,
    evidence: Evidence | None = None,
    outcomes: Outcomes | None = None,
) -> None:
    if output_format is OutputFormat.JSON:
        shown = _plain(view)
        if evidence is not None:
            shown.update(submissions=evidence.submissions, rounds=evidence.rounds)
        if outcomes is not None:
            shown.update(outcomes=outcomes)
        print_json(shown)
        return
    case = view.case
    lines = [
        f"{case.id}  {case.title}",
        f"  regime {case.regime}; applicant {case.applicant_org}; vendor {case.vendor_org}"
        + ("; opened ex officio" if case.ex_officio else ""),
        f"  state {case.state} since {view.position.entered}; version {case.version}",
        f"  deadline {_deadline(view)}",
        "  allowed now: "
        + (
            ", ".join(
                f"{a.action} ({', '.join(sorted(r.value for r in a.roles))}"
                + ("; with the decision: `case decide`" if a.with_decision else "")
                + ")"
                for a in _allowed_now(view)
            )
            or "nothing (final)"
        ),
        "  history:",
        *(
            f"    {a.seq:>3}  {a.on}  {a.action:<18} {a.role:<12} by {a.recorded_by}"
            + (f" (+{a.days} days)" if a.days else "")
            + (f" — {a.note}" if a.note else "")
            for a in view.history or ()
        ),
    ]
    if evidence is not None:
        lines += [
            f"  submissions: {len(evidence.submissions)}",
            *(
                f"    {s.number:>3}  {s.submitted_at:%Y-%m-%d %H:%M} UTC by {s.submitted_by}: "
                f"{len(s.files)} files, {sum(f.size for f in s.files):,} bytes"
                for s in evidence.submissions
            ),
            f"  review rounds: {len(evidence.rounds)}",
            *(
                f"    {r.number:>3}  as of {r.as_of}  submission {r.submission}  "
                f"{r.outcome}{'' if r.final else ' (provisional)'}  snapshot "
                f"{r.snapshot_hash[:12]}  by {r.created_by}"
                for r in evidence.rounds
            ),
        ]
    if outcomes is not None:
        from chainreview.cli.case_outcomes import outcome_lines

        lines += outcome_lines(outcomes)
    if view.clock is not None and view.clock.provisional:
        years = ", ".join(str(y) for y in view.clock.uncovered_years)
        lines.append(
            f"  provisional: no holiday arrangement for {years}; weekdays were counted "
            "(`chainreview calendar import`)"
        )
    for line in lines:
        output.stdout.print(safe_text(line), markup=False)


def _fields(value: RoundDiff) -> dict[str, Any]:
    from dataclasses import fields

    return {f.name: getattr(value, f.name) for f in fields(value)}


def _diff_lines(found: RoundDiff) -> list[str]:
    before, after = found.before, found.after
    lines = [
        f"{before.name} -> {after.name}",
        f"  review date {before.as_of} -> {after.as_of}; "
        f"intel {before.intel[:12]} -> {after.intel[:12]}",
        f"  outcome {_decided(before)} -> {_decided(after)}"
        if found.outcome_moved
        else f"  outcome {_decided(after)}, unchanged",
    ]
    if found.empty:
        return [
            *lines,
            "  no difference in findings, factor levels, conditions, limitations or inputs",
        ]
    lines.append(f"  factor levels moved: {len(found.levels_moved)}")
    for move in found.levels_moved:
        lines.append(
            f"    {move.factor} {move.before or 'not assessed'} -> {move.after or 'not assessed'}"
        )
        if move.rule is not None:
            lines.append(f"      rule {move.rule}")
        lines += [f"      why: {reason}" for reason in move.reasons]
        if move.evidence:
            more = len(move.evidence) - REFS
            lines.append(
                f"      evidence: {', '.join(move.evidence[:REFS])}"
                + (f" and {more} more" if more > 0 else "")
            )
    lines.append(
        f"  findings: {len(found.findings_added)} added, {len(found.findings_resolved)} resolved, "
        f"{len(found.findings_changed)} changed"
    )
    for title, listed in (("added", found.findings_added), ("resolved", found.findings_resolved)):
        lines += _first(title, [_finding(f) for f in listed])
    lines += _first(
        "changed",
        [
            _finding(c.finding)
            + ": "
            + "; ".join(f"{m.field} {m.before} -> {m.after}" for m in c.changes)
            for c in found.findings_changed
        ],
    )
    for title, texts in (
        ("conditions added", [c.text for c in found.conditions_added]),
        ("conditions removed", [c.text for c in found.conditions_removed]),
        ("limitations added", [x.text for x in found.limitations_added]),
        ("limitations removed", [x.text for x in found.limitations_removed]),
        (
            "inputs changed",
            [
                f"{i.path} {(i.before or 'absent')[:12]} -> {(i.after or 'absent')[:12]}"
                for i in found.inputs_changed
            ],
        ),
    ):
        lines += _first(title, texts)
    return lines


def _decided(side: Side) -> str:
    return f"{side.outcome} ({side.rule}, {'final' if side.final else 'provisional'})"


def _finding(finding: Finding) -> str:
    marks = [finding.severity, finding.status] + (["KEV"] if finding.kev else [])
    if finding.suppressed is not None:
        marks.append(f"suppressed by {finding.suppressed}")
    return f"{finding.product} {finding.id} {finding.name} {finding.version} ({', '.join(marks)})"


def _first(title: str, texts: list[str]) -> list[str]:
    """A titled list of at most `SHOWN` lines, saying how many more there are."""
    if not texts:
        return []
    lines = [f"  {title}:", *(f"    {text}" for text in texts[:SHOWN])]
    if len(texts) > SHOWN:
        lines.append(f"    … and {len(texts) - SHOWN} more")
    return lines


def _deadline(view: CaseView) -> str:
    clock = view.clock
    if clock is None:
        return "no clock"
    mark = " (provisional)" if clock.provisional else ""
    if clock.due is None:
        return f"stopped since {clock.stopped_since}, {clock.left} days left{mark}"
    if clock.overdue:
        return f"OVERDUE since {clock.due} ({-clock.left} days){mark}"
    return f"due {clock.due}, {clock.left} days left{mark}"


def _allowed(view: CaseView) -> list[str]:
    return [a.action for a in _allowed_now(view)]


def _allowed_now(view: CaseView) -> tuple[Allowed, ...]:
    from chainreview.case.procedure import allowed_actions, load_workflow

    return allowed_actions(load_workflow(view.case.regime), view.position)


def _plain(view: CaseView) -> dict[str, Any]:
    """The view as JSON; the list's views carry no history, and say so by leaving it out."""
    shown = {
        "case": view.case,
        "position": view.position,
        "clock": view.clock,
        "allowed": _allowed(view),
        "history": view.history,
        "today": view.today,
        "overdue_conditions": view.overdue_conditions,
    }
    if view.history is None:
        del shown["history"]
    return shown


def case_day(store: Store, value: str | None, option: str, case_id: str, who: Caller) -> date:
    """The date given, or today in the time zone of the case's regime."""
    if value is not None:
        return parse_day(value, option)
    from datetime import UTC, datetime

    from chainreview.case.service import case_today

    return case_today(store, case_id, caller=who, now=datetime.now(UTC))


def parse_day(value: str | None, option: str, regime: str = DEFAULT_REGIME) -> date:
    """The date given, or today in the regime's time zone (by default cn-crm-2022's: commands
    on one case ask for its regime's, `case_day`)."""
    if value is None:
        from datetime import datetime
        from zoneinfo import ZoneInfo

        from chainreview.factors.catalogue import load_profile

        return datetime.now(ZoneInfo(load_profile(regime).timezone)).date()
    try:
        return date.fromisoformat(value)
    except ValueError:
        raise typer.BadParameter(f"not a date (YYYY-MM-DD): {value!r}", param_hint=option) from None
