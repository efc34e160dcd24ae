"""The case's statutory clock as a chart: one bar per timed period, from the action that
started it to the one that ended it (or the timeline's day), its deadline marked, its clock
stops hatched, the part past the deadline in red; the opening, the decision and the day the
timeline is drawn for as vertical lines. Drawn like the report's other charts
(`report.charts`: matplotlib's SVG, text kept as text, reproducible bytes); the report lists the
same dates in a table beside it.
"""

from __future__ import annotations

from datetime import date, timedelta
from typing import TYPE_CHECKING, Final

from chainreview.report.charts import drawing, svg_element
from chainreview.report.i18n import Localizer, localizer
from chainreview.report.timeline import CaseTimeline, Mark

if TYPE_CHECKING:
    from matplotlib.patches import Rectangle

__all__ = ["timeline_chart"]

_RUNNING: Final = "#93c5fd"
_LATE: Final = "#b91c1c"
_STOPPED: Final = "#e2e8f0"
_EDGE: Final = "#475569"
_AS_OF: Final = "#b91c1c"
_TITLE_WIDTH: Final = 34


def timeline_chart(timeline: CaseTimeline, loc: Localizer | None = None) -> str | None:
    """The chart of `timeline`'s periods in `loc`'s language; None when it has none (no
    state on a clock was reached by its day)."""
    loc = loc or localizer()
    if not timeline.periods:
        return None
    from matplotlib.lines import Line2D
    from matplotlib.patches import Patch

    periods = timeline.periods
    first = min([p.started for p in periods] + [m.on for m in timeline.milestones])
    last = max([timeline.as_of] + [p.due or p.started for p in periods])
    span = max((last - first).days, 10)
    left, right = first - timedelta(days=span * 0.03 + 1), last + timedelta(days=span * 0.08 + 1)

    def x(day: date) -> float:
        return float(day.toordinal() - first.toordinal())

    with drawing(loc) as figure_of:
        rows = len(periods)
        height = 0.42 * rows + 1.15
        figure = figure_of((6.8, height))
        axes = figure.add_axes((0.3, 0.42 / height, 0.68, 0.42 * rows / height))
        axes.set_xlim(x(left), x(right))
        axes.set_ylim(rows - 0.5, -0.5)
        extended = [m.on for m in timeline.milestones if m.mark is Mark.EXTEND]
        for row, period in enumerate(periods):
            end = period.ended or timeline.as_of
            on_time = min(end, period.due) if period.due else end
            axes.add_patch(_bar(x(period.started), x(on_time), row, _RUNNING))
            if period.due is not None and end > period.due:
                axes.add_patch(_bar(x(period.due), x(end), row, _LATE))
            for since, until in period.pauses:
                stop = _bar(x(since), x(until or timeline.as_of), row, _STOPPED)
                stop.set_hatch("////")
                axes.add_patch(stop)
            if period.due is not None:
                axes.plot([x(period.due)], [row], marker="D", color="#0f172a", markersize=4)
                axes.annotate(
                    loc.gettext("due {date}").format(date=loc.date(period.due.isoformat())),
                    (x(period.due), row),
                    xytext=(5, 0),
                    textcoords="offset points",
                    ha="left",
                    va="center",
                    fontsize=5.5,
                    parse_math=False,
                )
            elif period.pauses and period.pauses[-1][1] is None:
                axes.annotate(
                    loc.gettext("stopped: no due date"),
                    (x(timeline.as_of), row),
                    xytext=(4, 0),
                    textcoords="offset points",
                    va="center",
                    fontsize=5.5,
                    parse_math=False,
                )
            for day in extended:
                if period.started < day <= end:
                    axes.plot([x(day)], [row], marker="+", color="#0f172a", markersize=6)
        lines = [(timeline.milestones[0].on, "#64748b", ":")] if timeline.milestones else []
        lines += [(m.on, "#0f172a", "-") for m in timeline.milestones if m.mark is Mark.DECISION]
        lines.append((timeline.as_of, _AS_OF, "--"))
        for day, colour, style in lines:
            axes.axvline(x(day), color=colour, linestyle=style, linewidth=0.8)
        axes.set_yticks(
            list(range(rows)),
            [_row_label(p.title, p.days, p.unit, loc) for p in periods],
            fontsize=6.5,
        )
        ticks = _ticks(left, right)
        axes.set_xticks([x(day) for day in ticks], [day.isoformat() for day in ticks])
        axes.tick_params(axis="x", labelsize=6)
        axes.spines[["top", "right"]].set_visible(False)
        stopped = any(p.pauses for p in periods)
        late = any(p.due is not None and (p.ended or timeline.as_of) > p.due for p in periods)
        decided = any(m.mark is Mark.DECISION for m in timeline.milestones)
        handles = [
            Patch(facecolor=_RUNNING, edgecolor=_EDGE, linewidth=0.4, label=loc.gettext("period")),
            Line2D([], [], marker="D", color="#0f172a", linestyle="", markersize=4,
                   label=loc.gettext("deadline")),
        ]  # fmt: skip
        if stopped:
            handles.append(
                Patch(facecolor=_STOPPED, edgecolor=_EDGE, linewidth=0.4, hatch="////",
                      label=loc.gettext("clock stopped"))
            )  # fmt: skip
        if extended:
            handles.append(
                Line2D([], [], marker="+", color="#0f172a", linestyle="", markersize=6,
                       label=loc.gettext("extended"))
            )  # fmt: skip
        if late:
            handles.append(
                Patch(facecolor=_LATE, edgecolor=_EDGE, linewidth=0.4, label=loc.gettext("late"))
            )
        handles.append(Line2D([], [], color="#64748b", linestyle=":", label=loc.gettext("opened")))
        if decided:
            handles.append(
                Line2D([], [], color="#0f172a", linestyle="-", label=loc.gettext("decision"))
            )
        handles.append(Line2D([], [], color=_AS_OF, linestyle="--", label=loc.gettext("as of")))
        axes.legend(
            handles=handles,
            loc="lower left",
            bbox_to_anchor=(-0.42, 1.02),
            ncols=len(handles),
            frameon=False,
            fontsize=6,
            handlelength=1.6,
        )
        return svg_element(figure, "timeline")


def _bar(start: float, end: float, row: int, colour: str) -> Rectangle:
    """A period's bar (or part of it) on `row`, from `start` to `end`."""
    from matplotlib.patches import Rectangle

    return Rectangle(
        (start, row - 0.22),
        max(end - start, 0.3),
        0.44,
        facecolor=colour,
        edgecolor=_EDGE,
        linewidth=0.4,
    )


def _ticks(first: date, last: date) -> list[date]:
    """At most 7 days to mark on the axis between `first` and `last`: every week for a span
    of up to 45 days, else the first of every month, or of every 2nd, 3rd, 6th or 12th."""
    if (last - first).days <= 45:
        return [first + timedelta(days=7 * n) for n in range((last - first).days // 7 + 1)]
    months = (last.year - first.year) * 12 + last.month - first.month
    step = next(s for s in (1, 2, 3, 6, 12, 24, 60, 120) if months // s < 7)
    found = []
    for n in range(months // step + 2):
        index = first.year * 12 + first.month - 1 + n * step
        day = date(index // 12, index % 12 + 1, 1)
        if first <= day <= last:
            found.append(day)
    return found


def _row_label(title: str, days: int, unit: str, loc: Localizer) -> str:
    """A period's label: its state's title (cut to fit) and the days it allows."""
    words = loc.gettext(title)
    short = words if len(words) <= _TITLE_WIDTH else words[: _TITLE_WIDTH - 1] + "…"
    allowed = (
        loc.gettext("{days} working days")
        if unit == "working-days"
        else loc.gettext("{days} calendar days")
    )
    return f"{short}\n{allowed.format(days=days)}"
