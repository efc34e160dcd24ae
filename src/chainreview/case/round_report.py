"""A review round's report, for the office: the round reviewed again on the snapshot it used
(`rounds.round_result`, checked to give its stored `result.json` byte for byte) and rendered
as PDF or HTML with the case's statutory clock as of one day (`case.timeline`), or the
`result.json` itself. The day is the caller's, by default the round's review date, so the same
round and day give the same bytes whenever they are asked for. `round_vex` gives the triage of
one product of the round as a VEX document (what an operator sends back to the vendor), as
`chainreview review --vex-out` writes it.
"""

from __future__ import annotations

import io
from dataclasses import dataclass
from datetime import date
from pathlib import Path

from chainreview.case.access import Caller
from chainreview.case.rounds import result_json, round_result, round_review
from chainreview.case.timeline import case_timeline
from chainreview.errors import InputError
from chainreview.formats import VEX_FORMATS, review_formats
from chainreview.report.i18n import Language
from chainreview.store.db import Store

__all__ = ["REPORT_KINDS", "RoundReport", "round_report", "round_vex"]

REPORT_KINDS: tuple[str, ...] = ("pdf", "html", "json")


@dataclass(frozen=True, slots=True, kw_only=True)
class RoundReport:
    """A round's report as bytes, with what to call and serve it as."""

    content: bytes
    suffix: str
    media_type: str
    as_of: date
    """The day the statutory clock is shown as of."""


def round_report(
    store: Store,
    case_id: str,
    number: int,
    *,
    home: Path,
    caller: Caller,
    kind: str = "pdf",
    language: str = "en",
    as_of: date | None = None,
) -> RoundReport:
    """Round `number`'s report as `kind` (`pdf`, `html` or `json`) in `language`, its
    statutory clock as of `as_of` (default: the round's review date); for the office."""
    writer = review_formats(language).get(kind)
    if writer is None or kind not in REPORT_KINDS:
        raise InputError("--format", f"{kind!r} is no report format ({', '.join(REPORT_KINDS)})")
    result = round_result(store, case_id, number, home=home, caller=caller)
    day = as_of or date.fromisoformat(result.determination.as_of)
    if kind == "json":
        content = result_json(result)
    else:
        from chainreview.report.html import render_html
        from chainreview.report.pdf import render_pdf

        timeline = case_timeline(store, case_id, caller=caller, as_of=day, home=home)
        if kind == "pdf":
            content = render_pdf(result, Language(language), timeline=timeline)
        else:
            content = render_html(result, Language(language), timeline=timeline).encode("utf-8")
    return RoundReport(
        content=content, suffix=writer.suffix, media_type=writer.media_type, as_of=day
    )


def round_vex(
    store: Store,
    case_id: str,
    number: int,
    *,
    product: str,
    kind: str,
    home: Path,
    caller: Caller,
) -> RoundReport:
    """The triage of `product` in round `number` as the VEX format `kind` (`cyclonedx-vex`,
    `openvex`, `csaf-vex`); for the office. `InputError` naming the products that have one
    when `product` has none (no SBOM, or no finding: nothing to state)."""
    writer = VEX_FORMATS.get(kind)
    if writer is None:
        raise InputError("--format", f"{kind!r} is no VEX format ({', '.join(VEX_FORMATS)})")
    reviewed = round_review(store, case_id, number, home=home, caller=caller)
    from chainreview.report.vex_triage import triage_of_review

    triaged = {t.product: t.triage for t in triage_of_review(reviewed.result, reviewed.package)}
    if product not in triaged:
        stated = ", ".join(triaged) or "none"
        raise InputError(
            "product",
            f"round {number} of case {case_id} states no triage of {product!r} "
            f"(products with findings: {stated})",
        )
    buffer = io.BytesIO()
    writer.write(triaged[product], buffer)
    as_of = date.fromisoformat(reviewed.result.determination.as_of)
    return RoundReport(
        content=buffer.getvalue(), suffix=writer.suffix, media_type=writer.media_type, as_of=as_of
    )
