"""`chainreview case opinion|decide|conditions|condition|accept-risk|approve-risk`: what a case
comes to (member units' opinions, the decision, the conditions it sets and how they are
followed, risk acceptances), registered on the `case` group by `register`.

The case library loads inside the commands, as in `chainreview.cli.case`; these only parse and
print.
"""

from __future__ import annotations

import json
from dataclasses import fields
from datetime import date
from enum import StrEnum
from typing import TYPE_CHECKING, Annotated, Any

import typer

from chainreview.cli import output
from chainreview.cli.case import FormatOpt, OnOpt, TodayOpt, case_day, parse_day
from chainreview.cli.identity import AsUserOpt, caller, open_cases
from chainreview.cli.output import OutputFormat, print_json, safe_text

if TYPE_CHECKING:
    from chainreview.case.conditions import Settled
    from chainreview.case.outcomes import Outcomes, TrackedCondition
    from chainreview.store.records import AcceptanceRecord

CaseArg = Annotated[str, typer.Argument(help="The case, e.g. CR-2026-0001.")]
VersionOpt = Annotated[
    int | None,
    typer.Option(
        "--expect-version",
        help="Refuse (exit 7) if the case changed since this version (see `case show`).",
    ),
]
OwnerOpt = Annotated[str, typer.Option("--owner", help="Who answers for the risk accepted.")]
ReasonOpt = Annotated[str, typer.Option("--reason", help="Why the risk is accepted.")]
ExpiresOpt = Annotated[
    str, typer.Option("--expires", help="The last day it counts, YYYY-MM-DD.", show_default=False)
]


class StanceChoice(StrEnum):
    """A member unit's position (`chainreview.case.opinions.Stance`)."""

    CONCUR = "concur"
    DISSENT = "dissent"


class OutcomeChoice(StrEnum):
    """A decision's outcome (`chainreview.case.decisions.Outcome`)."""

    PASS = "pass"
    PASS_WITH_CONDITIONS = "pass-with-conditions"
    FAIL = "fail"


class PartyChoice(StrEnum):
    """Who a condition binds (`chainreview.case.outcomes.Party`)."""

    APPLICANT = "applicant"
    VENDOR = "vendor"


class ConditionChange(StrEnum):
    """What happens to a condition."""

    MET = "met"
    WAIVE = "waive"
    BREACH = "breach"


def opinion(
    case_id: CaseArg,
    position: Annotated[StanceChoice, typer.Option("--position", help="The unit's position.")],
    text: Annotated[str, typer.Option("--text", help="The opinion and its reasons.")],
    as_user: AsUserOpt = None,
    output_format: FormatOpt = OutputFormat.TABLE,
) -> None:
    """Give your member unit's opinion on a case put to member units (Art. 12(1))."""
    from chainreview.case.opinions import Stance, give_opinion

    with open_cases() as store:
        given = give_opinion(
            store, case_id, Stance(position.value), text, caller=caller(store, as_user)
        )
    if output_format is OutputFormat.JSON:
        print_json(given)
        return
    _lines([f"{case_id} opinion {given.id} of {given.unit}: {given.position}"])


def decide(
    case_id: CaseArg,
    outcome: Annotated[OutcomeChoice, typer.Option("--outcome", help="What the review concludes.")],
    reason: Annotated[str, typer.Option("--reason", help="The reason for the decision.")],
    condition: Annotated[
        list[str] | None,
        typer.Option("--condition", help="A condition to add (repeat; each with --party, --due)."),
    ] = None,
    party: Annotated[
        list[PartyChoice] | None,
        typer.Option("--party", help="Who the --condition of the same place binds."),
    ] = None,
    due: Annotated[
        list[str] | None,
        typer.Option("--due", help="When it is due, YYYY-MM-DD, or - for no date."),
    ] = None,
    term: Annotated[
        list[str] | None,
        typer.Option(
            "--term",
            help="TERM=YYYY-MM-DD: the day a round term falls on (before-contract, "
            "before-go-live, …); within-days counts from before-contract.",
        ),
    ] = None,
    no_round_conditions: Annotated[
        bool,
        typer.Option(
            "--no-round-conditions", help="Do not take over the latest review round's conditions."
        ),
    ] = False,
    on: OnOpt = None,
    version: VersionOpt = None,
    as_user: AsUserOpt = None,
    output_format: FormatOpt = OutputFormat.TABLE,
) -> None:
    """Record the decision on a case and conclude it (one step; `act conclude` is refused). A
    pass with conditions takes over the latest review round's conditions, plus those given."""
    from chainreview.case.decisions import Decided, Outcome, Required, decide
    from chainreview.case.outcomes import Party

    texts, parties, dues = condition or [], party or [], due or []
    if not len(texts) == len(parties) == len(dues):
        raise typer.BadParameter(
            "give each --condition with its --party and --due (- for no date)",
            param_hint="--condition",
        )
    added = tuple(
        Required(text=t, party=Party(p.value), due=None if d == "-" else parse_day(d, "--due"))
        for t, p, d in zip(texts, parties, dues, strict=True)
    )
    dates = _terms(term or [])
    with open_cases() as store:
        who = caller(store, as_user)
        decided = Decided(
            outcome=Outcome(outcome.value),
            reason=reason,
            on=case_day(store, on, "--on", case_id, who),
            conditions=added,
            from_round=not no_round_conditions,
            dates=dates,
        )
        ruling = decide(store, case_id, decided, caller=who, expected_version=version)
    if output_format is OutputFormat.JSON:
        print_json(
            {"decision": ruling.decision, "conditions": ruling.conditions, "state": ruling.state}
        )
        return
    made = ruling.decision
    lines = [f"{case_id} decided {made.outcome} by {made.decided_by}; now {ruling.state}"]
    lines += [
        f"  condition {c.id}: {c.party}, due {c.due or 'no date'}"
        + (f" ({c.term}, round {c.from_round})" if c.term else "")
        + f": {c.text}"
        for c in ruling.conditions
    ]
    _lines(lines)


def order_measures(
    case_id: CaseArg,
    measure: Annotated[str, typer.Option("--measure", help="What the party is to do.")],
    party: Annotated[PartyChoice, typer.Option("--party", help="Who is to do it.")],
    due: Annotated[
        str | None, typer.Option("--due", help="By when, YYYY-MM-DD (default: no date).")
    ] = None,
    on: OnOpt = None,
    as_user: AsUserOpt = None,
    output_format: FormatOpt = OutputFormat.TABLE,
) -> None:
    """Order a party to take interim risk measures while the case is under review (cn-crm-2022
    Art. 16(2)); tracked like a condition (`case conditions`, `case condition … met`)."""
    from chainreview.case.decisions import Required
    from chainreview.case.interim import order_measures as order
    from chainreview.case.outcomes import Party

    by = None if due is None else parse_day(due, "--due")
    with open_cases() as store:
        who = caller(store, as_user)
        day = case_day(store, on, "--on", case_id, who)
        required = Required(text=measure, party=Party(party.value), due=by)
        ordered = order(store, case_id, required, on=day, caller=who)
    if output_format is OutputFormat.JSON:
        print_json(_condition(ordered))
        return
    _lines([f"{case_id} interim measure ordered on {day}:", _condition_line(ordered)])


def conditions(
    case_id: CaseArg,
    today: TodayOpt = None,
    as_user: AsUserOpt = None,
    output_format: FormatOpt = OutputFormat.TABLE,
) -> None:
    """The case's conditions you may see, each open, overdue, met, waived or breached on the
    day (a party sees those that bind it)."""
    from chainreview.case.outcomes import case_outcomes

    with open_cases() as store:
        who = caller(store, as_user)
        found = case_outcomes(
            store, case_id, caller=who, today=case_day(store, today, "--today", case_id, who)
        )
    if output_format is OutputFormat.JSON:
        print_json({"today": found.today, "conditions": [_condition(c) for c in found.conditions]})
        return
    _lines([f"{case_id}: {len(found.conditions)} condition(s) on {found.today}"])
    _lines([_condition_line(c) for c in found.conditions])


def condition(
    case_id: CaseArg,
    condition_id: Annotated[int, typer.Argument(help="The condition's id (`case conditions`).")],
    change: Annotated[ConditionChange, typer.Argument(help="met, waive or breach.")],
    note: Annotated[
        str | None,
        typer.Option("--note", help="met: the evidence it was met on; breach: how it was broken."),
    ] = None,
    submission: Annotated[
        int | None,
        typer.Option("--submission", help="met: the submission that shows it.", min=1),
    ] = None,
    reason: Annotated[str | None, typer.Option("--reason", help="waive: why.")] = None,
    owner: Annotated[
        str | None, typer.Option("--owner", help="waive: who answers for the risk.")
    ] = None,
    expires: Annotated[
        str | None, typer.Option("--expires", help="waive: the last day it counts.")
    ] = None,
    on: OnOpt = None,
    version: Annotated[
        int | None,
        typer.Option(
            "--expect-version",
            help="breach: refuse (exit 7) if the case changed since this version.",
        ),
    ] = None,
    as_user: AsUserOpt = None,
    output_format: FormatOpt = OutputFormat.TABLE,
) -> None:
    """Record a condition met (with the evidence), propose to waive it (a risk acceptance, in
    force once another approver approves it), or record it breached, which reopens the case."""
    options: dict[str, object] = {
        "--note": note,
        "--submission": submission,
        "--reason": reason,
        "--owner": owner,
        "--expires": expires,
        "--expect-version": version,
    }
    fitting = {
        ConditionChange.MET: {"--note", "--submission"},
        ConditionChange.WAIVE: {"--reason", "--owner", "--expires"},
        ConditionChange.BREACH: {"--note", "--expect-version"},
    }[change]
    given = [name for name, value in options.items() if value is not None and name not in fitting]
    if given:
        raise typer.BadParameter(f"{', '.join(given)} does not go with {change.value}")
    with open_cases() as store:
        who = caller(store, as_user)
        day = case_day(store, on, "--on", case_id, who)
        if change is ConditionChange.WAIVE:
            from chainreview.case.acceptances import Kind, Proposal, propose

            if reason is None or owner is None or expires is None:
                raise typer.BadParameter("waive needs --reason, --owner and --expires")
            proposal = Proposal(
                kind=Kind.CONDITION,
                owner=owner,
                reason=reason,
                expires=parse_day(expires, "--expires"),
                on=day,
                condition=condition_id,
            )
            _proposed(propose(store, case_id, proposal, caller=who), output_format)
            return
        if note is None:
            raise typer.BadParameter(f"{change.value} needs --note", param_hint="--note")
        from chainreview.case.conditions import mark_breached, mark_met

        if change is ConditionChange.MET:
            settled = mark_met(
                store, case_id, condition_id, note=note, on=day, caller=who, submission=submission
            )
        else:
            settled = mark_breached(
                store,
                case_id,
                condition_id,
                note=note,
                on=day,
                caller=who,
                expected_version=version,
            )
    _settled(case_id, settled, output_format)


def accept_risk(
    case_id: CaseArg,
    owner: OwnerOpt,
    reason: ReasonOpt,
    expires: ExpiresOpt,
    factor: Annotated[
        str | None, typer.Option("--factor", help="A factor whose level is overridden (F01–F20).")
    ] = None,
    level: Annotated[
        str | None, typer.Option("--level", help="With --factor: the level it is set to.")
    ] = None,
    finding: Annotated[
        str | None, typer.Option("--finding", help="A finding accepted (its id).")
    ] = None,
    on: OnOpt = None,
    as_user: AsUserOpt = None,
    output_format: FormatOpt = OutputFormat.TABLE,
) -> None:
    """Propose to accept a risk: a factor's level overridden or a finding accepted (waive a
    condition with `case condition … waive`); in force once another approver approves it."""
    from chainreview.case.acceptances import Kind, Proposal, propose
    from chainreview.levels import Level

    if (factor is None) == (finding is None):
        raise typer.BadParameter("give --factor (with --level) or --finding", param_hint="--factor")
    if (level is None) != (factor is None):
        raise typer.BadParameter("--level goes with --factor", param_hint="--level")
    try:
        chosen = None if level is None else Level(level)
    except ValueError:
        known = ", ".join(item.value for item in Level)
        raise typer.BadParameter(f"not a level ({known})", param_hint="--level") from None
    last_day = parse_day(expires, "--expires")
    with open_cases() as store:
        who = caller(store, as_user)
        proposal = Proposal(
            kind=Kind.FACTOR if factor is not None else Kind.FINDING,
            owner=owner,
            reason=reason,
            expires=last_day,
            on=case_day(store, on, "--on", case_id, who),
            subject=factor if factor is not None else finding,
            level=chosen,
        )
        proposed = propose(store, case_id, proposal, caller=who)
    _proposed(proposed, output_format)


def approve_risk(
    acceptance_id: Annotated[int, typer.Argument(help="The risk acceptance's id.")],
    on: OnOpt = None,
    as_user: AsUserOpt = None,
    output_format: FormatOpt = OutputFormat.TABLE,
) -> None:
    """Approve a risk acceptance another user proposed (an approver; never your own)."""
    from chainreview.case.acceptances import approve

    with open_cases() as store:
        approved = approve(
            store, acceptance_id, caller=caller(store, as_user), on=parse_day(on, "--on")
        )
    if output_format is OutputFormat.JSON:
        print_json(approved)
        return
    _lines(
        [
            f"risk acceptance {approved.id} on {approved.case_id} approved by "
            f"{approved.approved_by} (proposed by {approved.proposed_by}); in force until "
            f"{approved.expires}"
        ]
    )


def register(app: typer.Typer) -> None:
    """Add these commands to the `case` group."""
    app.command("opinion")(opinion)
    app.command("decide")(decide)
    app.command("order-measures")(order_measures)
    app.command("conditions")(conditions)
    app.command("condition")(condition)
    app.command("accept-risk")(accept_risk)
    app.command("approve-risk")(approve_risk)


def outcome_lines(found: Outcomes) -> list[str]:
    """What `case show` prints of a case's outcome: opinions, decisions, conditions, risks."""
    lines = [f"  opinions: {len(found.opinions)}"] if found.opinions else []
    lines += [
        f"    {o.id:>3}  {o.unit}: {o.position} ({o.given_at:%Y-%m-%d} by {o.given_by})"
        for o in found.opinions
    ]
    lines += [
        f"  decision {d.id}: {d.outcome} ({d.decided_at:%Y-%m-%d} by {d.decided_by}): {d.reason}"
        for d in found.decisions
    ]
    if found.conditions:
        lines.append(f"  conditions on {found.today}: {len(found.conditions)}")
        lines += [f"  {_condition_line(c)}" for c in found.conditions]
    if found.acceptances:
        lines.append(f"  risk acceptances: {len(found.acceptances)}")
        lines += [f"    {a.id:>3}  {effect}: {_acceptance(a)}" for a, effect in found.acceptances]
    if found.flags:
        lines.append(f"  re-review flags (monitor): {len(found.flags)}")
        lines += [
            f"    {f.id:>3}  {f.flagged_at:%Y-%m-%d} {f.product} (snapshot {f.snapshot[:12]}): "
            + "; ".join(f"{c['subject']}: {c['detail']}" for c in json.loads(f.reasons))
            for f in found.flags
        ]
    return lines


def _terms(given: list[str]) -> dict[str, date]:
    dates: dict[str, date] = {}
    for item in given:
        name, sep, day = item.partition("=")
        if not sep:
            raise typer.BadParameter(f"not TERM=YYYY-MM-DD: {item!r}", param_hint="--term")
        dates[name.strip()] = parse_day(day.strip(), "--term")
    return dates


def _condition(tracked: TrackedCondition) -> dict[str, Any]:
    record = tracked.condition
    return {
        **{f.name: getattr(record, f.name) for f in fields(record)},
        "standing": tracked.standing,
        "waiver": tracked.waiver,
        "waived_until": tracked.waived_until,
    }


def _condition_line(tracked: TrackedCondition) -> str:
    c = tracked.condition
    standing = tracked.standing.value
    if tracked.standing == "overdue":
        standing = standing.upper()
    elif tracked.waiver is not None:
        standing += f" until {tracked.waived_until} (risk acceptance {tracked.waiver})"
    term = f" ({c.term})" if c.term else ""
    note = f" [{c.reason}]" if c.reason else ""
    return f"  {c.id:>3}  {standing}; {c.party}, due {c.due or 'no date'}{term}: {c.text}{note}"


def _acceptance(found: AcceptanceRecord) -> str:
    covers = {
        "condition": f"condition {found.condition_id}",
        "factor": f"factor {found.subject} at {found.level}",
        "finding": f"finding {found.subject}",
    }[found.kind]
    approved = f"approved by {found.approved_by}" if found.approved_by else "not approved"
    return (
        f"{covers}, owner {found.owner}, until {found.expires}; proposed by "
        f"{found.proposed_by}, {approved}"
    )


def _proposed(proposed: AcceptanceRecord, output_format: OutputFormat) -> None:
    if output_format is OutputFormat.JSON:
        print_json(proposed)
        return
    _lines(
        [
            f"risk acceptance {proposed.id} on {proposed.case_id}: {_acceptance(proposed)}; in "
            f"force once another approver approves it (case approve-risk {proposed.id})"
        ]
    )


def _settled(case_id: str, settled: Settled, output_format: OutputFormat) -> None:
    if output_format is OutputFormat.JSON:
        print_json({"condition": _condition(settled.condition), "state": settled.state})
        return
    tracked = settled.condition
    _lines(
        [f"{case_id} condition {tracked.condition.id}: {tracked.standing}; case {settled.state}"]
    )


def _lines(lines: list[str]) -> None:
    for line in lines:
        output.stdout.print(safe_text(line), markup=False)
