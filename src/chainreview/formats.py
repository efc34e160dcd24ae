"""The output formats of a scan, a review and the declaration materials, behind one interface.

A `Writer` writes one result to a binary stream. `SCAN_FORMATS` holds the machine formats of a scan
(canonical JSON, SARIF 2.1.0, and its triage as CycloneDX 1.6 VEX/VDR, OpenVEX 0.2.0 and CSAF 2.0
VEX), `REVIEW_FORMATS` those of a review (`result.json`, the HTML and the PDF report),
`MATERIALS_FORMATS` those of the Art. 8 declaration materials, `VEX_FORMATS` the VEX documents
of a triage (a scan's, or each product's of a review), each by its name; the CLI adds its
terminal table and looks a format up by name, with no branch per format. `review_formats(language)`
and `materials_formats(language)` give the same with the HTML and PDF in another language
(`zh-CN`); the JSON is the same bytes in every language. Every writer is a function of its result
alone: the same result gives the same bytes. A writer imports what it needs when it first writes
(the JSON of a scan loads neither the templates nor the review; only the PDF loads WeasyPrint).
"""

from __future__ import annotations

import functools
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from typing import TYPE_CHECKING, BinaryIO, Final, Generic, TypeVar

from chainreview import canonical
from chainreview.errors import InputError

if TYPE_CHECKING:
    from chainreview.report.materials import Materials
    from chainreview.report.vex_triage import Triage
    from chainreview.reviewer import ReviewResult
    from chainreview.scanner import Scan

__all__ = [
    "LANGUAGES",
    "MATERIALS_FORMATS",
    "REVIEW_FORMATS",
    "SCAN_FORMATS",
    "VEX_FORMATS",
    "Writer",
    "materials_formats",
    "review_formats",
]

LANGUAGES: Final = ("en", "zh-CN")
"""The languages of the human report (`chainreview.report.i18n.Language`), English first."""

Result = TypeVar("Result")


@dataclass(frozen=True, slots=True)
class Writer(Generic[Result]):
    """One output format: its name, what a file of it is called, and how it is written."""

    name: str
    suffix: str
    """File name suffix, e.g. `.json`."""
    media_type: str
    write: Callable[[Result, BinaryIO], None]
    """Write one result to a binary stream."""


def _scan_json(scan: Scan, stream: BinaryIO) -> None:
    from chainreview.findings.model import Finding

    canonical.dump(scan.report, stream, native=(Finding,))


def _scan_sarif(scan: Scan, stream: BinaryIO) -> None:
    from chainreview.report.sarif import to_sarif

    components = {c.ref: c for c in scan.inventory.components}
    stream.write(canonical.dumps(to_sarif(scan.report, components)))


def _triage_cyclonedx_vex(triage: Triage, stream: BinaryIO) -> None:
    from chainreview.report.vex_cyclonedx_out import to_cyclonedx

    stream.write(canonical.dumps(to_cyclonedx(triage)))


def _triage_openvex(triage: Triage, stream: BinaryIO) -> None:
    from chainreview.report.vex_openvex_out import to_openvex

    stream.write(canonical.dumps(to_openvex(triage)))


def _triage_csaf_vex(triage: Triage, stream: BinaryIO) -> None:
    from chainreview.report.vex_csaf_out import to_csaf

    stream.write(canonical.dumps(to_csaf(triage)))


VEX_FORMATS: Final[Mapping[str, Writer[Triage]]] = {
    "cyclonedx-vex": Writer(
        "cyclonedx-vex", ".cdx.json", "application/vnd.cyclonedx+json", _triage_cyclonedx_vex
    ),
    "openvex": Writer("openvex", ".openvex.json", "application/json", _triage_openvex),
    "csaf-vex": Writer("csaf-vex", ".csaf.json", "application/json", _triage_csaf_vex),
}
"""The VEX documents of a triage: of a scan (`SCAN_FORMATS`), or of each product of a review
(`report.vex_triage.triage_of_review`)."""


def _scan_vex(name: str) -> Writer[Scan]:
    """The scan format that writes `triage_of_scan` of a scan as VEX format `name`."""
    vex = VEX_FORMATS[name]

    def write(scan: Scan, stream: BinaryIO) -> None:
        from chainreview.report.vex_triage import triage_of_scan

        vex.write(triage_of_scan(scan), stream)

    return Writer(name, vex.suffix, vex.media_type, write)


def _review_json(result: ReviewResult, stream: BinaryIO) -> None:
    stream.write(canonical.dumps(result))


def _review_html(
    result: ReviewResult, stream: BinaryIO, language: str = "en", every_row: bool = False
) -> None:
    from chainreview.report.html import HTML_FINDING_ROWS, render_html

    rows = None if every_row else HTML_FINDING_ROWS
    stream.write(render_html(result, language, rows=rows).encode("utf-8"))


def _review_pdf(result: ReviewResult, stream: BinaryIO, language: str = "en") -> None:
    from chainreview.report.pdf import render_pdf

    stream.write(render_pdf(result, language))


def _materials_json(materials: Materials, stream: BinaryIO) -> None:
    stream.write(canonical.dumps(materials))


def _materials_html(materials: Materials, stream: BinaryIO, language: str = "en") -> None:
    from chainreview.report.materials_render import render_materials_html

    stream.write(render_materials_html(materials, language).encode("utf-8"))


def _materials_pdf(materials: Materials, stream: BinaryIO, language: str = "en") -> None:
    from chainreview.report.materials_render import render_materials_pdf

    stream.write(render_materials_pdf(materials, language))


SCAN_FORMATS: Final[Mapping[str, Writer[Scan]]] = {
    "json": Writer("json", ".json", "application/json", _scan_json),
    "sarif": Writer("sarif", ".sarif", "application/sarif+json", _scan_sarif),
    **{name: _scan_vex(name) for name in VEX_FORMATS},
}


def _check_language(language: str) -> None:
    if language not in LANGUAGES:
        raise InputError("--lang", f"{language!r} is no report language ({', '.join(LANGUAGES)})")


def review_formats(
    language: str = "en", *, every_row: bool = False
) -> Mapping[str, Writer[ReviewResult]]:
    """The review formats, the HTML and PDF report in `language` (one of `LANGUAGES`); the
    HTML with every finding and evidence reference when `every_row` (default: the
    `report.html.HTML_FINDING_ROWS` most urgent of each product and first of each factor)."""
    _check_language(language)
    html = functools.partial(_review_html, language=language, every_row=every_row)
    pdf = functools.partial(_review_pdf, language=language)
    return {
        "json": Writer("json", ".json", "application/json", _review_json),
        "html": Writer("html", ".html", "text/html; charset=utf-8", html),
        "pdf": Writer("pdf", ".pdf", "application/pdf", pdf),
    }


REVIEW_FORMATS: Final[Mapping[str, Writer[ReviewResult]]] = review_formats()


def materials_formats(language: str = "en") -> Mapping[str, Writer[Materials]]:
    """The materials formats, the HTML and PDF in `language` (one of `LANGUAGES`)."""
    _check_language(language)
    html = functools.partial(_materials_html, language=language)
    pdf = functools.partial(_materials_pdf, language=language)
    return {
        "json": Writer("json", ".json", "application/json", _materials_json),
        "html": Writer("html", ".html", "text/html; charset=utf-8", html),
        "pdf": Writer("pdf", ".pdf", "application/pdf", pdf),
    }


MATERIALS_FORMATS: Final[Mapping[str, Writer[Materials]]] = materials_formats()
