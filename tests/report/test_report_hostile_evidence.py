"""Evidence written to attack its reader renders as inert text: proven in Chromium and WeasyPrint.

An example package is given names, descriptions and URLs that carry script, event handler,
`javascript:` URL, CSS, SVG, attribute break-out and template payloads, in the declaration, the
vendor profile and two SBOM components (with no identifier, so the report names them as missing
one). The HTML report is opened in headless Chromium with JavaScript on, and the PDF laid out by
WeasyPrint, while a sentinel HTTP server on 127.0.0.1 counts every request the payloads would make.
Proven: no payload script runs (no marker set on `window`, no dialog; the one script is the
report's own table sorting), the page asks for nothing
but itself, the sentinel is never reached, and each payload is there to read as the text it was
written as (the template payload unevaluated).
"""

from __future__ import annotations

import http.server
import io
import json
import re
import shutil
import subprocess
import threading
from collections.abc import Iterator
from datetime import date
from pathlib import Path
from typing import Any, ClassVar

import pytest
import yaml
from playwright.sync_api import Browser

from chainreview import review, review_formats

ROOT = Path(__file__).resolve().parents[2]
AS_OF = date(2026, 12, 1)


class _Sentinel(http.server.BaseHTTPRequestHandler):
    hits: ClassVar[list[str]] = []

    def do_GET(self) -> None:
        type(self).hits.append(self.path)
        self.send_response(204)
        self.end_headers()

    def log_message(self, format: str, *args: Any) -> None:
        return None


@pytest.fixture(scope="module")
def sentinel() -> Iterator[tuple[str, list[str]]]:
    """A server on 127.0.0.1 that records every path asked of it; its base URL and the record."""
    server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), _Sentinel)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield f"http://127.0.0.1:{server.server_address[1]}", _Sentinel.hits
    finally:
        server.shutdown()
        server.server_close()


def _payloads(base: str) -> dict[str, str]:
    """Each payload by the field it goes into; every one would reach `base` or set
    `window.__xss` if the report let it act."""
    return {
        "title": f"<script>window.__xss='title';fetch('{base}/script')</script>Storage",
        "product": f'<img src="{base}/img" onerror="window.__xss=\'img\'">VS-8400',
        "system": f'<svg onload="window.__xss=\'svg\'"><image href="{base}/svg"/></svg>SCADA',
        "alternative": f"</style><style>body{{background:url({base}/css)}}</style>KL",
        "entity": '"><a href="javascript:window.__xss=\'href\'">Penang</a><b x="',
        "component": f'<iframe src="{base}/iframe"></iframe>agent-lib',
        "template": "{{ 7 * 7 }}{% raw %}",
        "url": "javascript:window.__xss='url'",
    }


@pytest.fixture(scope="module")
def hostile_package(
    tmp_path_factory: pytest.TempPathFactory, sentinel: tuple[str, list[str]]
) -> tuple[Path, dict[str, str]]:
    """grid-storage with the payloads written into its declaration, vendor profile and SBOM."""
    folder = tmp_path_factory.mktemp("hostile") / "grid-storage"
    shutil.copytree(ROOT / "examples" / "grid-storage", folder)
    payloads = _payloads(sentinel[0])

    manifest_path = folder / "declaration.yaml"
    manifest = yaml.safe_load(manifest_path.read_text(encoding="utf-8"))
    manifest["declaration"]["title"] = payloads["title"]
    manifest["products"][0]["name"] = payloads["product"]
    manifest["cii_systems"][0]["name"] = payloads["system"]
    manifest["purchase"]["alternatives"][0]["product"] = payloads["alternative"]
    manifest_path.write_text(yaml.safe_dump(manifest, allow_unicode=True), encoding="utf-8")

    vendor_path = folder / "vendor" / "veltrani.yaml"
    vendor = yaml.safe_load(vendor_path.read_text(encoding="utf-8"))
    vendor["sites"][1]["entity"] = payloads["entity"]
    vendor_path.write_text(yaml.safe_dump(vendor, allow_unicode=True), encoding="utf-8")

    sbom_path = folder / "sbom" / "fleet-agent.cdx.json"
    sbom = json.loads(sbom_path.read_text(encoding="utf-8"))
    sbom["components"] += [  # no purl or CPE: listed by name as missing an identifier
        {
            "type": "library",
            "bom-ref": "hostile-1",
            "name": payloads["component"],
            "version": "1.0",
            "externalReferences": [{"type": "website", "url": payloads["url"]}],
        },
        {"type": "library", "bom-ref": "hostile-2", "name": payloads["template"], "version": "2"},
    ]
    sbom_path.write_text(json.dumps(sbom), encoding="utf-8")
    return folder, payloads


@pytest.fixture(scope="module", params=["en", "zh-CN"])
def hostile_reports(
    request: pytest.FixtureRequest,
    hostile_package: tuple[Path, dict[str, str]],
    bundled_home: Path,
    tmp_path_factory: pytest.TempPathFactory,
    sentinel: tuple[str, list[str]],
) -> dict[str, Path]:
    """The package reviewed, its HTML and PDF reports written to files, in English and in Chinese
    (the Chinese page carries the evidence inside translated sentences); laying out the PDF
    reached the sentinel for nothing."""
    result = review(hostile_package[0], home=bundled_home, as_of=AS_OF)
    out = tmp_path_factory.mktemp("hostile-reports")
    written = {}
    for output in ("html", "pdf"):
        buffer = io.BytesIO()
        review_formats(request.param)[output].write(result, buffer)
        written[output] = out / f"report.{output}"
        written[output].write_bytes(buffer.getvalue())
    assert sentinel[1] == []
    return written


def test_no_payload_acts_in_chromium_and_each_reads_as_text(
    chromium: Browser,
    hostile_reports: dict[str, Path],
    hostile_package: tuple[Path, dict[str, str]],
    sentinel: tuple[str, list[str]],
) -> None:
    hits = sentinel[1]
    page_url = hostile_reports["html"].as_uri()
    context = chromium.new_context(java_script_enabled=True)
    page = context.new_page()
    requested: list[str] = []
    dialogs: list[str] = []
    page.on("request", lambda request: requested.append(request.url))
    page.on("dialog", lambda dialog: (dialogs.append(dialog.message), dialog.dismiss()))
    page.goto(page_url, wait_until="load")
    page.wait_for_timeout(500)  # time for a timer or a late load a payload might start
    marker = page.evaluate("() => window.__xss === undefined ? null : String(window.__xss)")
    shown = page.inner_text("body")
    injected = page.evaluate(
        "() => document.querySelectorAll('script:not(body > script#table-sort), iframe, img,"
        ' image, a[href^="javascript:"], svg:not(figure.chart > svg),'
        " style:not(head style, figure.chart style)').length"
    )
    scripts = page.evaluate("() => document.scripts.length")
    context.close()

    assert marker is None
    assert dialogs == []
    assert requested == [page_url]
    assert hits == []
    assert injected == 0
    assert scripts == 1  # the report's own: the findings tables' sorting
    payloads = hostile_package[1]
    for field in ("title", "product", "system", "entity", "component", "template"):
        assert payloads[field] in shown, field


def test_no_payload_acts_in_the_pdf_and_each_reads_as_text(
    hostile_reports: dict[str, Path],
    hostile_package: tuple[Path, dict[str, str]],
) -> None:
    text = subprocess.run(
        ["pdftotext", "-raw", str(hostile_reports["pdf"]), "-"],
        capture_output=True,
        check=True,
        text=True,
    ).stdout
    squashed = re.sub(r"\s+", "", text)
    payloads = hostile_package[1]
    for field in ("title", "product", "entity", "component", "template"):
        assert re.sub(r"\s+", "", payloads[field]) in squashed, field
