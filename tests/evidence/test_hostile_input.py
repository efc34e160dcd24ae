"""Hostile input through `read_sbom`, on every path: CycloneDX JSON and XML, SPDX JSON, YAML and
tag-value.

Each input either gives the clear error (an `InputError` subclass, so the CLI prints one line and
no traceback, whose message is one short line starting with the file's display name) or, for
garbage purls and over-long values, a warning with the component kept. Inputs are generated in
`tmp_path` and sized so that correct code answers at once while a quadratic or exponential
blow-up would hang the test; memory is measured with `tracemalloc` where an attack aims at it.
"""

from __future__ import annotations

import json
import os
import random
import threading
import tracemalloc
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest
import yaml

from chainreview import limits
from chainreview.errors import InputError, LimitExceeded, UnsupportedFormat
from chainreview.evidence.overrides import read_overrides
from chainreview.evidence.sbom import read_sbom
from chainreview.evidence.vex import read_vex
from chainreview.findings.suppressions import load_ignore_file

PEAK_LIMIT = 50 * 1024 * 1024
"""Most memory (bytes, as `tracemalloc` counts it) one hostile parse may allocate."""
MARKER = "chainreview-secret-3c1f9a"
"""Content of a local file the XXE inputs try to pull in; it must never show up anywhere."""
CDX_NS = "http://cyclonedx.org/schema/bom/1.6"


# --- documents of each kind --------------------------------------------------------------------


def cdx_json(components: list[dict[str, Any]], **top: Any) -> bytes:
    doc = {"bomFormat": "CycloneDX", "specVersion": "1.6", "version": 1, **top}
    doc["components"] = components
    return json.dumps(doc).encode()


def cdx_xml(inner: str, namespace: str = CDX_NS, prolog: str = "") -> bytes:
    head = '<?xml version="1.0" encoding="UTF-8"?>\n' + prolog
    return f'{head}<bom xmlns="{namespace}" version="1">{inner}</bom>'.encode()


def xml_component(name: str, purl: str | None = None, inner: str = "") -> str:
    purl_element = "" if purl is None else f"<purl>{_escape(purl)}</purl>"
    return f'<component type="library"><name>{name}</name>{purl_element}{inner}</component>'


def _escape(text: str) -> str:
    return text.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")


def spdx_doc(packages: list[dict[str, Any]], version: str = "SPDX-2.3") -> dict[str, Any]:
    return {
        "spdxVersion": version,
        "SPDXID": "SPDXRef-DOCUMENT",
        "dataLicense": "CC0-1.0",
        "name": "hostile",
        "documentNamespace": "https://example.com/hostile",
        "creationInfo": {"created": "2024-01-01T00:00:00Z", "creators": ["Tool: test"]},
        "packages": packages,
    }


def package(index: int, **fields: Any) -> dict[str, Any]:
    return {
        "SPDXID": f"SPDXRef-p{index}",
        "name": f"p{index}",
        "downloadLocation": "NOASSERTION",
        **fields,
    }


def purl_ref(purl: str) -> dict[str, str]:
    return {
        "referenceCategory": "PACKAGE-MANAGER",
        "referenceType": "purl",
        "referenceLocator": purl,
    }


def spdx_json(packages: list[dict[str, Any]], version: str = "SPDX-2.3") -> bytes:
    return json.dumps(spdx_doc(packages, version)).encode()


def spdx_yaml(packages: list[dict[str, Any]], version: str = "SPDX-2.3") -> bytes:
    return yaml.safe_dump(spdx_doc(packages, version), allow_unicode=True, width=10**9).encode()


def spdx_tv(packages: list[list[str]], version: str = "SPDX-2.3") -> bytes:
    """A tag-value document; each package is its lines after `PackageName`/`SPDXID`."""
    lines = [
        f"SPDXVersion: {version}",
        "DataLicense: CC0-1.0",
        "SPDXID: SPDXRef-DOCUMENT",
        "DocumentName: hostile",
        "DocumentNamespace: https://example.com/hostile",
        "Creator: Tool: test",
        "Created: 2024-01-01T00:00:00Z",
    ]
    for index, extra in enumerate(packages):
        lines += [f"PackageName: p{index}", f"SPDXID: SPDXRef-p{index}", *extra]
        lines.append("PackageDownloadLocation: NOASSERTION")
    return ("\n".join(lines) + "\n").encode()


# --- helpers -----------------------------------------------------------------------------------


def write(tmp_path: Path, name: str, data: bytes) -> Path:
    path = tmp_path / name
    path.write_bytes(data)
    return path


def refused(
    path: Path, display: str | None = None, kind: type[InputError] = InputError
) -> InputError:
    """Read `path`, expecting the clear error of class `kind`; return it."""
    shown = display or path.name
    with pytest.raises(kind) as caught:
        read_sbom(path, shown)
    assert_clear(caught.value, shown)
    return caught.value


def assert_clear(error: InputError, display: str) -> None:
    text = str(error)
    assert "\n" not in text and "\r" not in text, text
    assert text.startswith(f"{display}: "), text
    assert len(text) <= len(display) + 300, f"{len(text)} characters: {text[:400]}"


def peak_of(action: Callable[[], object]) -> int:
    """Peak bytes allocated (per `tracemalloc`) while `action` runs, exceptions included."""
    tracemalloc.start()
    try:
        action()
    except InputError:
        pass
    finally:
        peak = tracemalloc.get_traced_memory()[1]
        tracemalloc.stop()
    return peak


def secret_file(tmp_path: Path) -> Path:
    path = tmp_path / "secret.txt"
    path.write_text(f"{MARKER}\nroot:x:0:0:root:/root:/bin/sh\n")
    return path


def _leaks(text: str) -> bool:
    passwd = Path("/etc/passwd")
    lines = passwd.read_text().splitlines()[:1] if passwd.is_file() else []
    return MARKER in text or any(line and line in text for line in lines)


# --- XML entities: billion laughs and XXE -------------------------------------------------------

LAUGHS = (
    '<!DOCTYPE bom [\n<!ENTITY lol0 "lol">\n'
    + "".join(f'<!ENTITY lol{i} "{f"&lol{i - 1};" * 10}">\n' for i in range(1, 10))
    + "]>\n"
)
"""Nine levels of ten-fold entities: 10⁹ `lol`s (3 GB) if expanded."""


def _xml_in(encoding: str, body: str) -> bytes:
    """`body` behind an XML declaration saying `encoding`, encoded that way."""
    declared = {"utf-16-le": "UTF-16", "utf-16": "UTF-16", "utf-7": "UTF-7"}.get(encoding, "UTF-8")
    declaration = f'<?xml version="1.0" encoding="{declared}"?>\n'
    if encoding == "utf-7":  # the declaration itself must be ASCII for a parser to find it
        return declaration.encode() + body.encode("utf-7")
    return (declaration + body).encode(encoding)


@pytest.mark.parametrize("encoding", ["utf-8", "utf-16-le", "utf-16", "utf-7"])
def test_xml_billion_laughs_is_refused_in_bounded_memory(tmp_path: Path, encoding: str) -> None:
    body = (
        LAUGHS + f'<bom xmlns="{CDX_NS}"><components>{xml_component("&lol9;")}</components></bom>'
    )
    path = write(tmp_path, "laughs.xml", _xml_in(encoding, body))
    refused(path)
    assert peak_of(lambda: read_sbom(path, "laughs.xml")) < PEAK_LIMIT


@pytest.mark.parametrize("encoding", ["utf-8", "utf-16-le", "utf-16", "utf-7"])
@pytest.mark.parametrize(
    "attack",
    [
        '<!DOCTYPE bom [<!ENTITY xxe SYSTEM "file://{secret}">]>\n',
        '<!DOCTYPE bom [<!ENTITY % p SYSTEM "file://{secret}"> %p;]>\n',
        '<!DOCTYPE bom SYSTEM "file://{secret}">\n',
        '<!DOCTYPE bom [<!ENTITY xxe SYSTEM "file:///etc/passwd">]>\n',
    ],
)
def test_xml_external_entities_never_read_the_file(
    tmp_path: Path, encoding: str, attack: str
) -> None:
    secret = secret_file(tmp_path)
    inner = f"<components>{xml_component('&xxe;', inner='<description>&xxe;</description>')}"
    body = attack.format(secret=secret) + f'<bom xmlns="{CDX_NS}">{inner}</components></bom>'
    path = write(tmp_path, "xxe.xml", _xml_in(encoding, body))
    error = refused(path)
    assert not _leaks(str(error))
    assert not _leaks(repr(error.__cause__))


def test_xinclude_is_not_processed(tmp_path: Path) -> None:
    secret = secret_file(tmp_path)
    include = (
        f'<xi:include xmlns:xi="http://www.w3.org/2001/XInclude" href="{secret}" parse="text"/>'
    )
    inner = xml_component("app", inner=f"<description>{include}</description>")
    document = read_sbom(write(tmp_path, "xi.xml", cdx_xml(f"<components>{inner}</components>")))
    assert [c.name for c in document.components] == ["app"]
    assert not _leaks(repr(document))


@pytest.mark.parametrize("kind", ["cyclonedx", "spdx"])
def test_schema_pointer_in_the_document_is_never_followed(tmp_path: Path, kind: str) -> None:
    secret = secret_file(tmp_path)
    if kind == "cyclonedx":
        data = cdx_json([{"type": "library", "name": "a"}], **{"$schema": f"file://{secret}"})
    else:
        doc = spdx_doc([package(0)])
        doc["$schema"] = f"file://{secret}"
        data = json.dumps(doc).encode()
    document = read_sbom(write(tmp_path, "schema-ref.json", data))
    assert len(document.components) == 1
    assert not _leaks(repr(document))


# --- YAML: alias and merge bombs, tags ----------------------------------------------------------


def test_yaml_alias_bomb_is_refused_in_bounded_memory(tmp_path: Path) -> None:
    lines = ["spdxVersion: SPDX-2.3", "a0: &a0 [lol, lol, lol, lol, lol, lol, lol, lol, lol, lol]"]
    lines += [f"a{i}: &a{i} [{', '.join([f'*a{i - 1}'] * 10)}]" for i in range(1, 10)]
    lines.append("packages: [{SPDXID: SPDXRef-x, name: *a9}]")
    path = write(tmp_path, "aliases.yaml", "\n".join(lines).encode())
    refused(path, kind=LimitExceeded)
    assert peak_of(lambda: read_sbom(path, "aliases.yaml")) < PEAK_LIMIT


def test_yaml_merge_key_bomb_is_refused_in_bounded_memory(tmp_path: Path) -> None:
    """Each mapping merges the previous one twice: PyYAML would copy 2⁶⁰ pairs."""
    lines = ["spdxVersion: SPDX-2.3", "m0: &m0 {a: 1, b: 2}"]
    lines += [f"m{i}: &m{i} {{<<: [*m{i - 1}, *m{i - 1}], k{i}: {i}}}" for i in range(1, 60)]
    path = write(tmp_path, "merges.yaml", "\n".join(lines).encode())
    refused(path, kind=LimitExceeded)
    assert peak_of(lambda: read_sbom(path, "merges.yaml")) < PEAK_LIMIT


def test_yaml_merge_of_one_big_mapping_many_times_is_refused(tmp_path: Path) -> None:
    big = ", ".join(f"k{i}: {i}" for i in range(2000))
    many = ", ".join(["*big"] * 2000)  # 4 million pairs to copy
    data = f"spdxVersion: SPDX-2.3\nbig: &big {{{big}}}\nx: {{<<: [{many}]}}\n".encode()
    refused(write(tmp_path, "merge-wide.yaml", data), kind=LimitExceeded)


def test_yaml_recursive_alias_is_refused(tmp_path: Path) -> None:
    data = b"spdxVersion: SPDX-2.3\npackages: &p [*p]\n"
    refused(write(tmp_path, "cycle.yaml", data))


def test_yaml_python_tags_are_not_executed(tmp_path: Path) -> None:
    touched = tmp_path / "touched"
    data = (
        "spdxVersion: SPDX-2.3\n"
        f"name: !!python/object/apply:pathlib.Path.touch [!!python/object/apply:pathlib.Path "
        f"['{touched}']]\n"
    ).encode()
    refused(write(tmp_path, "tags.yaml", data))
    assert not touched.exists()


# --- deep nesting ------------------------------------------------------------------------------


def _nested_json_components(depth: int) -> list[dict[str, Any]]:
    entry: dict[str, Any] = {"type": "library", "name": f"c{depth}"}
    for level in range(depth - 1, 0, -1):
        entry = {"type": "library", "name": f"c{level}", "components": [entry]}
    return [entry]


def _nested_xml_components(depth: int) -> str:
    opening = [
        f'<component type="library"><name>c{level}</name><components>'
        for level in range(1, depth + 1)
    ]
    return "<components>" + "".join(opening) + "</components></component>" * depth + "</components>"


def _deep(kind: str, depth: int) -> bytes:
    """`depth` levels of JSON/YAML containers, or of XML elements, in a document of `kind`."""
    if kind == "cyclonedx-json":
        opening = "".join(
            f'{{"type": "library", "name": "c{i}", "components": [' for i in range(depth)
        )
        text = cdx_json([{"type": "library", "name": "DEEP"}]).decode()
        return text.replace('{"type": "library", "name": "DEEP"}', opening + "]}" * depth).encode()
    if kind == "cyclonedx-xml":  # a component is two elements deep: <component><components>
        return cdx_xml(_nested_xml_components(depth // 2))
    if kind == "spdx-json":
        text = json.dumps(spdx_doc([package(0, comment="DEEP")]))
        return text.replace('"DEEP"', "[" * depth + "]" * depth).encode()
    if kind == "spdx-yaml-flow":
        return b"spdxVersion: SPDX-2.3\nx: " + b"{a: " * depth + b"1" + b"}" * depth + b"\n"
    assert kind == "spdx-yaml-block"
    return b"spdxVersion: SPDX-2.3\nx:\n" + b"".join(b"  " * i + b"- \n" for i in range(1, depth))


DEEP_KINDS = ["cyclonedx-json", "cyclonedx-xml", "spdx-json", "spdx-yaml-flow", "spdx-yaml-block"]


@pytest.mark.parametrize("kind", DEEP_KINDS)
def test_200_levels_deep_is_refused(tmp_path: Path, kind: str) -> None:
    error = refused(write(tmp_path, "deep", _deep(kind, 200)), kind=LimitExceeded)
    assert "deeper than" in str(error)


@pytest.mark.parametrize("kind", ["cyclonedx-json", "cyclonedx-xml", "spdx-json", "spdx-yaml-flow"])
def test_absurdly_deep_is_refused_without_crashing(tmp_path: Path, kind: str) -> None:
    refused(write(tmp_path, "deeper", _deep(kind, 50_000)))


@pytest.mark.parametrize("kind", ["cyclonedx-json", "cyclonedx-xml"])
def test_nesting_within_the_limit_reads_every_level(tmp_path: Path, kind: str) -> None:
    if kind == "cyclonedx-json":
        data = cdx_json(_nested_json_components(30))
    else:
        data = cdx_xml(_nested_xml_components(30))
    document = read_sbom(write(tmp_path, "nested", data))
    assert [c.name for c in document.components] == [f"c{i}" for i in range(1, 31)]
    assert len(document.edges) == 29  # each level contains the next


# --- size limits ---------------------------------------------------------------------------------


def test_file_over_the_size_limit_is_refused_before_it_is_read(tmp_path: Path) -> None:
    """A sparse file one byte over the real limit: no disk, no memory, a clear refusal."""
    path = tmp_path / "huge.json"
    with path.open("wb") as handle:
        handle.write(b'{"bomFormat": "CycloneDX", "specVersion": "1.6", "components": [')
        handle.truncate(limits.MAX_SBOM_BYTES + 1)
    error = refused(path, kind=LimitExceeded)
    assert f"{limits.MAX_SBOM_BYTES:,}" in str(error)
    assert peak_of(lambda: read_sbom(path, "huge.json")) < PEAK_LIMIT


def test_reading_a_small_file_never_allocates_the_size_limit(shared_data: Path) -> None:
    path = shared_data / "spdx-examples/software/example1/spdx2.2/example1.spdx"
    assert peak_of(lambda: read_sbom(path, "example1.spdx")) < 10 * 1024 * 1024


@pytest.mark.parametrize(
    "relative",
    [
        "cyclonedx-bom-examples/SBOM/laravel-7.12.0/bom.1.4.json",
        "cyclonedx-bom-examples/SBOM/laravel-7.12.0/bom.1.4.xml",
        "spdx-spec/v2.3.1/examples/SPDXJSONExample-v2.3.spdx.json",
        "spdx-spec/v2.3.1/examples/SPDXYAMLExample-2.3.spdx.yaml",
        "spdx-spec/v2.3.1/examples/SPDXTagExample-v2.3.spdx",
    ],
)
def test_size_limit_is_read_when_reading(
    shared_data: Path, monkeypatch: pytest.MonkeyPatch, relative: str
) -> None:
    path = shared_data / relative
    monkeypatch.setattr(limits, "MAX_SBOM_BYTES", path.stat().st_size - 1)
    refused(path, "bom", kind=LimitExceeded)
    monkeypatch.setattr(limits, "MAX_SBOM_BYTES", path.stat().st_size)
    assert read_sbom(path, "bom").components


@pytest.mark.skipif(not hasattr(os, "mkfifo"), reason="needs named pipes")
@pytest.mark.parametrize("size", [500, 50_000])
def test_pipe_whose_size_stat_cannot_tell_is_capped_while_reading(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, size: int
) -> None:
    monkeypatch.setattr(limits, "MAX_SBOM_BYTES", 10_000)
    data = cdx_json([{"type": "library", "name": "a", "description": "x" * size}])
    fifo = tmp_path / "pipe"
    os.mkfifo(fifo)

    def feed() -> None:
        try:
            with fifo.open("wb") as handle:
                handle.write(data)
        except BrokenPipeError:
            pass  # the reader stopped at the limit

    writer = threading.Thread(target=feed, daemon=True)
    writer.start()
    try:
        if len(data) > 10_000:
            refused(fifo, "pipe", kind=LimitExceeded)
        else:
            assert [c.name for c in read_sbom(fifo, "pipe").components] == ["a"]
    finally:
        writer.join(timeout=5)


@pytest.mark.skipif(not hasattr(os, "mkfifo"), reason="needs named pipes")
def test_a_fifo_nobody_writes_to_is_refused_after_the_idle_wait(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(limits, "PIPE_IDLE_SECONDS", 0.3)
    fifo = tmp_path / "pipe"
    os.mkfifo(fifo)
    caught: list[BaseException] = []

    def read() -> None:
        try:
            read_sbom(fifo, "pipe")
        except BaseException as exc:
            caught.append(exc)

    reader = threading.Thread(target=read, daemon=True)  # a hang must fail, not stall the run
    reader.start()
    reader.join(timeout=5)
    if reader.is_alive():  # release the blocked reader: open the FIFO for writing, then close
        os.close(os.open(fifo, os.O_WRONLY | os.O_NONBLOCK))
        pytest.fail("reading a FIFO nobody writes to did not end within 5 s")
    (error,) = caught
    assert isinstance(error, InputError)
    assert_clear(error, "pipe")
    assert "nothing was written to the pipe for 0.3 s" in str(error)


def test_a_device_is_refused_before_reading() -> None:
    error = refused(Path("/dev/zero"), "zero")
    assert "not a regular file (a character device)" in str(error)


def _over_components(kind: str, count: int) -> bytes:
    if kind == "cyclonedx-json":
        nested = [{"type": "library", "name": "inner"}]
        return cdx_json(
            [{"type": "library", "name": f"c{i}", "components": nested} for i in range(count // 2)]
            + [{"type": "library", "name": "odd"}] * (count % 2)
        )
    if kind == "cyclonedx-xml":
        entries = "".join(xml_component(f"c{i}") for i in range(count))
        return cdx_xml(f"<components>{entries}</components>")
    if kind == "spdx-json":
        return spdx_json([package(i) for i in range(count)])
    if kind == "spdx-yaml":
        return spdx_yaml([package(i) for i in range(count)])
    return spdx_tv([[] for _ in range(count)])


ALL_KINDS = ["cyclonedx-json", "cyclonedx-xml", "spdx-json", "spdx-yaml", "spdx-tag-value"]


@pytest.mark.parametrize("kind", ALL_KINDS)
def test_component_limit(tmp_path: Path, monkeypatch: pytest.MonkeyPatch, kind: str) -> None:
    monkeypatch.setattr(limits, "MAX_COMPONENTS", 10)
    assert len(read_sbom(write(tmp_path, "ten", _over_components(kind, 10))).components) == 10
    error = refused(write(tmp_path, "eleven", _over_components(kind, 11)), kind=LimitExceeded)
    assert "10" in str(error)


# --- encodings, control characters, broken and foreign documents --------------------------------


def _with_bad_utf8(kind: str) -> bytes:
    """A document of `kind` with one byte 0xFF (never valid UTF-8) inside a string."""
    mark = "BADBYTE"
    if kind == "cyclonedx-json":
        data = cdx_json([{"type": "library", "name": f"a{mark}"}])
    elif kind == "cyclonedx-xml":
        data = cdx_xml(f"<components>{xml_component(f'a{mark}')}</components>")
    elif kind == "spdx-json":
        data = spdx_json([package(0, description=f"d{mark}")])
    elif kind == "spdx-yaml":
        data = spdx_yaml([package(0, description=f"d{mark}")])
    else:
        data = spdx_tv([[f"PackageDescription: d{mark}"]])
    return data.replace(mark.encode(), b"\xff")


@pytest.mark.parametrize("kind", ALL_KINDS)
def test_invalid_utf8_is_refused_naming_where(tmp_path: Path, kind: str) -> None:
    data = _with_bad_utf8(kind)
    assert b"\xff" in data
    error = refused(write(tmp_path, "bad-utf8", data))
    assert "UTF-8" in str(error) or "encoding" in str(error)


@pytest.mark.parametrize(
    ("name", "data", "kind"),
    [
        ("empty.json", b"", InputError),
        ("blank.json", b" \n\t\r\n" * 1000, InputError),
        ("array.json", b'[{"bomFormat": "CycloneDX"}]', InputError),
        ("string.json", b'"CycloneDX"', InputError),
        ("number.json", b"1.6", InputError),
        ("null.json", b"null", InputError),
        ("nul-bytes.json", b"\x00" * 64, InputError),
        ("nul-in.json", b'{"bomFormat": "CycloneDX",\x00 "specVersion": "1.6"}', InputError),
        ("nul-in.xml", b'<bom xmlns="' + CDX_NS.encode() + b'">\x00</bom>', InputError),
        ("nul-in.spdx", b"SPDXVersion: SPDX-2.3\nPackageName: a\x00b\n", InputError),
        ("bomformat.json", b'{"bomFormat": "Foo", "specVersion": "1.6"}', InputError),
        ("spec-9.json", b'{"bomFormat": "CycloneDX", "specVersion": "9.9"}', UnsupportedFormat),
        ("spec-1.1.json", b'{"bomFormat": "CycloneDX", "specVersion": "1.1"}', UnsupportedFormat),
        ("spec-9.xml", b'<bom xmlns="http://cyclonedx.org/schema/bom/9.9"/>', UnsupportedFormat),
        ("spdx-9.json", b'{"spdxVersion": "SPDX-9.9"}', UnsupportedFormat),
        ("spdx-9.yaml", b"spdxVersion: SPDX-9.9\n", UnsupportedFormat),
        ("spdx-9.spdx", b"SPDXVersion: SPDX-9.9\n", UnsupportedFormat),
        ("spdx-3.spdx", b"SPDXVersion: SPDX-3.0\n", UnsupportedFormat),
        (
            "spdx-4.json",
            b'{"@context": "https://spdx.org/rdf/4.0/spdx-context.jsonld"}',
            UnsupportedFormat,
        ),
        (
            "spdx-3-graph.json",
            b'{"@context": "https://spdx.org/rdf/3.0.1/x", "@graph": 1}',
            InputError,
        ),
        ("cdx.yaml", b"bomFormat: CycloneDX\nspecVersion: '1.6'\n", UnsupportedFormat),
        (
            "doctype.xml",
            b'<?xml version="1.0"?>\n<!DOCTYPE bom>\n<bom xmlns="' + CDX_NS.encode() + b'"/>',
            InputError,
        ),
        ("other.xml", b"<project><name>x</name></project>", InputError),
        ("binary.bin", bytes(range(256)) * 64, InputError),
    ],
    ids=lambda value: value if isinstance(value, str) else "",
)
def test_broken_or_foreign_input_is_refused_clearly(
    tmp_path: Path, name: str, data: bytes, kind: type[InputError]
) -> None:
    refused(write(tmp_path, name, data), kind=kind)


@pytest.mark.parametrize("kind", ALL_KINDS)
def test_truncated_document_is_refused(tmp_path: Path, kind: str) -> None:
    whole = _over_components(kind, 6)
    if kind == "spdx-yaml":  # block YAML cut short is often still YAML; flow YAML is not
        whole = yaml.safe_dump(spdx_doc([package(i) for i in range(6)]), default_flow_style=True)
        whole = whole.encode()
    cut = whole[: len(whole) * 2 // 3]
    if kind == "spdx-tag-value":
        cut = whole + b"PackageComment: <text>never closed\n"
    refused(write(tmp_path, "cut", cut))


# --- garbage purls: a warning, the component kept ------------------------------------------------


def _garbage_purls() -> list[str]:
    rng = random.Random(20240601)
    random_chars = "".join(chr(rng.randrange(0x20, 0x2FFF)) for _ in range(300))
    random_chars = "".join(c for c in random_chars if not 0xD800 <= ord(c) <= 0xDFFF)
    return [
        random_chars,
        "pkg:" + random_chars,
        "pkg:",
        "pkg:/",
        "pkg:npm/",
        "pkg:💥/ünïcödé@\u202e1.0",
        "pkg:npm/a?=&&=#",
        "pkg:" + "a" * 60_000,
        "pkg:npm/" + "x" * 100_000,  # over the per-string limit: dropped with a limit warning
    ]


GARBAGE = _garbage_purls()


def _with_purls(kind: str, purls: list[str]) -> bytes:
    if kind == "cyclonedx-json":
        return cdx_json(
            [{"type": "library", "name": f"c{i}", "purl": p} for i, p in enumerate(purls)]
        )
    if kind == "cyclonedx-xml":
        entries = "".join(xml_component(f"c{i}", p) for i, p in enumerate(purls))
        return cdx_xml(f"<components>{entries}</components>")
    packages = [package(i, externalRefs=[purl_ref(p)]) for i, p in enumerate(purls)]
    if kind == "spdx-json":
        return spdx_json(packages)
    if kind == "spdx-yaml":
        return spdx_yaml(packages)
    return spdx_tv([[f"ExternalRef: PACKAGE-MANAGER purl {p.replace(' ', '%20')}"] for p in purls])


@pytest.mark.parametrize("kind", ALL_KINDS)
def test_garbage_purls_warn_and_keep_the_component(tmp_path: Path, kind: str) -> None:
    good = "pkg:pypi/requests@2.31.0"
    purls = [good, *GARBAGE]
    document = read_sbom(write(tmp_path, "purls", _with_purls(kind, purls)), "purls")

    assert len(document.components) == len(purls)  # every component kept
    assert document.components[0].purl == good
    assert document.components[0].ecosystem == "PyPI"
    assert all(c.purl is None for c in document.components[1:])
    flagged = [w for w in document.warnings if w.code in ("purl", "limit")]
    assert len(flagged) >= len(GARBAGE)
    for warning in document.warnings:
        assert warning.location.file == "purls"
        assert "\n" not in warning.message and len(warning.message) < 500


# --- long values and slow paths ---------------------------------------------------------------

TEN_MB = 10_000_000
"""10 MB: also the longest text node libxml2 accepts without XML_PARSE_HUGE."""


@pytest.mark.parametrize("kind", ["cyclonedx-json", "cyclonedx-xml", "spdx-json", "spdx-tag-value"])
def test_ten_megabyte_string_value(tmp_path: Path, kind: str) -> None:
    """A 10 MB name skips its component with a reason; a 10 MB description is dropped."""
    huge = "x" * TEN_MB
    if kind == "cyclonedx-json":
        data = cdx_json(
            [
                {"type": "library", "name": huge},
                {"type": "library", "name": "ok", "description": huge},
            ]
        )
    elif kind == "cyclonedx-xml":
        entries = xml_component(huge) + xml_component(
            "ok", inner=f"<description>{huge}</description>"
        )
        data = cdx_xml(f"<components>{entries}</components>")
    elif kind == "spdx-json":
        data = spdx_json([package(0, name=huge), package(1, name="ok", description=huge)])
    else:
        data = spdx_tv([[]]).replace(b"PackageName: p0", b"PackageName: " + huge.encode())
        data += b"PackageName: ok\nSPDXID: SPDXRef-ok\nPackageDescription: " + huge.encode() + b"\n"
    document = read_sbom(write(tmp_path, "long", data), "long")
    assert [c.name for c in document.components] == ["ok"]
    assert document.components[0].description is None
    assert len(document.skipped) == 1
    assert any(w.code == "limit" for w in document.warnings)
    assert all(len(w.message) < 500 for w in document.warnings)
    assert all(len(s.reason) < 500 for s in document.skipped)


def test_xml_text_over_the_parser_limit_is_refused(tmp_path: Path) -> None:
    entries = xml_component("ok", inner=f"<description>{'x' * (TEN_MB + 1)}</description>")
    error = refused(write(tmp_path, "long.xml", cdx_xml(f"<components>{entries}</components>")))
    assert "too long" in str(error)


def test_long_yaml_string_value(tmp_path: Path) -> None:
    """10 MB values, as for the other formats: libyaml reads them in well under a second."""
    data = spdx_yaml([package(0, name="HUGE"), package(1, name="ok", description="HUGE")])
    data = data.replace(b"HUGE", b"x" * TEN_MB)
    document = read_sbom(write(tmp_path, "long.yaml", data), "long.yaml")
    assert [c.name for c in document.components] == ["ok"]
    assert document.components[0].description is None


HUGE_VALUES: dict[str, Callable[[], bytes]] = {
    "bomformat.json": lambda: b'{"bomFormat": "' + b"F" * TEN_MB + b'"}',
    "spec.json": lambda: b'{"bomFormat": "CycloneDX", "specVersion": "' + b"9" * TEN_MB + b'"}',
    "spdx.json": lambda: b'{"spdxVersion": "SPDX-' + b"9" * TEN_MB + b'"}',
    "spdx-bad.json": lambda: b'{"spdxVersion": "' + b"x" * TEN_MB + b'"}',
    "spdx.spdx": lambda: b"SPDXVersion: SPDX-" + b"9" * 60_000 + b"\n",
    "root.xml": lambda: b"<" + b"r" * 40_000 + b"/>",
    "namespace.xml": lambda: (
        b'<bom xmlns="http://cyclonedx.org/schema/bom/1.' + b"9" * 60_000 + b'"/>'
    ),
    "line.spdx": lambda: b"SPDXVersion: SPDX-2.3\n" + b"no colon " * 1_000_000 + b"\n",
}


@pytest.mark.parametrize("name", sorted(HUGE_VALUES))
def test_error_about_a_huge_value_stays_short(tmp_path: Path, name: str) -> None:
    refused(write(tmp_path, name, HUGE_VALUES[name]()))


def test_spaces_inside_a_tag_value_line_are_linear(tmp_path: Path) -> None:
    """`PackageName: a<60k spaces>b`: the old lazy line pattern took many seconds on this."""
    name = "a" + " " * 60_000 + "b"
    data = spdx_tv([[]]).replace(b"PackageName: p0", b"PackageName: " + name.encode())
    document = read_sbom(write(tmp_path, "spaces.spdx", data), "spaces.spdx")
    assert [c.name for c in document.components] == [name]


def test_spaces_inside_an_spdx_supplier_are_linear(tmp_path: Path) -> None:
    """A supplier of 60k spaces between words: the old trailing-email pattern was quadratic."""
    supplier = "Organization: a" + " " * 60_000 + "b"
    packages = [package(i, supplier=supplier) for i in range(20)]
    document = read_sbom(write(tmp_path, "supplier.json", spdx_json(packages)), "supplier.json")
    assert len(document.components) == 20
    assert all(c.supplier and c.supplier.startswith("a") for c in document.components)


def test_many_blank_lines_before_garbage_are_linear(tmp_path: Path) -> None:
    """Blank lines fed the old tag-value version pattern a quadratic search."""
    refused(write(tmp_path, "blank-then-junk", b"\n" * 65_536 + b"junk: [unclosed\n"))


def test_a_directory_is_refused_by_every_reader(tmp_path: Path) -> None:
    """Linux opens a folder read-only; Python's file object then raised IsADirectoryError."""
    for read in (read_sbom, read_vex, load_ignore_file, read_overrides):
        with pytest.raises(InputError) as caught:
            read(tmp_path, "folder")
        assert str(caught.value) == "folder: is a directory, not a file"
