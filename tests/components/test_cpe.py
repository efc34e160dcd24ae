"""Tests for chainreview.components.cpe: NISTIR 7695 forms; every CPE in the real data parses."""

from __future__ import annotations

import json
import re
from collections.abc import Iterator
from pathlib import Path

import pytest

from chainreview.components.cpe import ANY, NA, Cpe, InvalidCpe, parse_cpe
from chainreview.limits import MAX_STRING_CHARS

# a CPE inside a decoded JSON string: up to whitespace, quote, '<' or an unescaped ','
_CPE_RE = re.compile(r"cpe:(?:2\.3:|/)(?:\\\S|[^\s\"<>,\\])*")


@pytest.mark.parametrize(
    ("text", "canonical"),
    [
        (
            "cpe:2.3:a:busybox:busybox:1.29.3:*:*:*:*:*:*:*",
            "cpe:2.3:a:busybox:busybox:1.29.3:*:*:*:*:*:*:*",
        ),
        (
            "CPE:2.3:A:Oracle:MySQL:5.0.*:-:*:*:*:*:*:*",
            "cpe:2.3:a:oracle:mysql:5.0.*:-:*:*:*:*:*:*",
        ),
        (
            r"cpe:2.3:a:oracle\,-inc-:tomcat-websocket-api:1.1.fr:*:*:*:*:*:*:*",
            r"cpe:2.3:a:oracle\,-inc-:tomcat-websocket-api:1.1.fr:*:*:*:*:*:*:*",
        ),
        (
            r"cpe:2.3:a:bash:bash:1\:2.11-5ubuntu1:*:*:*:*:*:*:*",
            r"cpe:2.3:a:bash:bash:1\:2.11-5ubuntu1:*:*:*:*:*:*:*",
        ),
        ("cpe:/a:busybox:busybox:1.29.3", "cpe:2.3:a:busybox:busybox:1.29.3:*:*:*:*:*:*:*"),
        (
            "cpe:/o:redhat:enterprise_linux:7::server",
            "cpe:2.3:o:redhat:enterprise_linux:7:*:server:*:*:*:*:*",
        ),
        (
            "cpe:/a:hp:insight_diagnostics:7.4.0.1570:-:~~online~win2003~x64~",
            "cpe:2.3:a:hp:insight_diagnostics:7.4.0.1570:-:*:*:online:win2003:x64:*",
        ),
        (
            "cpe:/a:foo%5cbar:big%24money_2010",
            r"cpe:2.3:a:foo\\bar:big\$money_2010:*:*:*:*:*:*:*:*",
        ),
        (
            "cpe:/a:microsoft:internet_explorer:8.%02:sp%01",
            "cpe:2.3:a:microsoft:internet_explorer:8.*:sp?:*:*:*:*:*:*",
        ),
        ("cpe:/h:tp-link:archer_c5", "cpe:2.3:h:tp-link:archer_c5:*:*:*:*:*:*:*:*"),
    ],
)
def test_parse_and_canonical(text: str, canonical: str) -> None:
    cpe = parse_cpe(text)
    assert str(cpe) == canonical
    assert parse_cpe(canonical) == cpe


def test_any_and_na_are_distinct() -> None:
    cpe = parse_cpe("cpe:2.3:o:linux:linux_kernel:6.8:rc1:-:*:*:*:*:*")
    assert (cpe.part, cpe.vendor, cpe.product) == ("o", "linux", "linux_kernel")
    assert (cpe.version, cpe.update) == ("6.8", "rc1")
    assert cpe.edition == NA
    assert cpe.language == ANY
    assert cpe == Cpe("o", "linux", "linux_kernel", "6.8", "rc1", NA)


def test_uri_and_formatted_forms_compare_equal() -> None:
    assert parse_cpe("cpe:/a:OpenSSL:OpenSSL:3.0.6") == parse_cpe(
        "cpe:2.3:a:openssl:openssl:3.0.6:*:*:*:*:*:*:*"
    )


@pytest.mark.parametrize(
    ("text", "fragment"),
    [
        ("busybox 1.29.3", "not a CPE"),
        ("cpe:2.2:a:busybox:busybox", "not a CPE"),
        ("cpe:2.3:a:busybox:busybox", "11 attributes, got 3"),
        ("cpe:2.3:a:v:p:1:*:*:*:*:*:*:*:*", "11 attributes, got 12"),
        ("cpe:2.3:x:v:p:1:*:*:*:*:*:*:*", "part must be"),
        ("cpe:2.3:a:big vendor:p:1:*:*:*:*:*:*:*", "invalid vendor"),
        ("cpe:2.3:a:v:p::*:*:*:*:*:*:*", "invalid version"),
        ("cpe:2.3:a:v:p:1*2:*:*:*:*:*:*:*", "invalid version"),
        (r"cpe:2.3:a:v:p:\a:*:*:*:*:*:*:*", "invalid version"),
        ("cpe:2.3:a:v:p:1:*:*:*:*:*:*:é", "invalid other"),
        ("cpe:/a:v:p:1:2:3:4:5", "at most 7 components"),
        ("cpe:/a:v:p:1::~a~b", "5 '~' fields"),
    ],
)
def test_rejects_with_one_line_message(text: str, fragment: str) -> None:
    with pytest.raises(InvalidCpe) as raised:
        parse_cpe(text)
    assert fragment in str(raised.value)
    assert "\n" not in str(raised.value)


def test_length_limit() -> None:
    with pytest.raises(InvalidCpe, match="longer than"):
        parse_cpe("cpe:2.3:a:" + "v" * MAX_STRING_CHARS)


# --- real data ----------------------------------------------------------------------------------


def _strings(node: object) -> Iterator[str]:
    if isinstance(node, str):
        yield node
    elif isinstance(node, dict):
        for value in node.values():
            yield from _strings(value)
    elif isinstance(node, list):
        for item in node:
            yield from _strings(item)


def _cpes_in(folder: Path) -> set[str]:
    found: set[str] = set()
    for path in folder.rglob("*.json"):
        for text in _strings(json.loads(path.read_text())):
            found.update(_CPE_RE.findall(text))
    return found


@pytest.mark.parametrize(
    ("folder", "at_least"),
    [
        ("nvd-cve-firmware-selection", 30),
        ("osv-dev-vulnfeeds-nvd", 300),
        ("osv-dev-testdata", 50),
        ("cyclonedx-buildroot-testdata", 20),
        ("guac-data-sboms", 5_000),
    ],
)
def test_every_real_cpe_parses(shared_data: Path, folder: str, at_least: int) -> None:
    cpes = _cpes_in(shared_data / folder)
    assert len(cpes) >= at_least
    for text in cpes:
        cpe = parse_cpe(text)
        assert parse_cpe(str(cpe)) == cpe, text


def _cpe_fields(node: object) -> Iterator[str]:
    if isinstance(node, dict):
        for key, value in node.items():
            if key in ("cpe-id", "cpeid") and isinstance(value, str):
                yield value
            else:
                yield from _cpe_fields(value)
    elif isinstance(node, list):
        for item in node:
            yield from _cpe_fields(item)


def test_buildroot_cpe_fields(shared_data: Path) -> None:
    """Buildroot writes `cpe-id` (make show-info) and `cpeid` (pkg-stats) per package."""
    folder = shared_data / "cyclonedx-buildroot-testdata"
    ids = [
        text
        for path in folder.rglob("*.json")
        for text in _cpe_fields(json.loads(path.read_text()))
    ]
    assert len(ids) >= 46
    products = {parse_cpe(text).product for text in ids}
    assert {"busybox", "glibc", "openssl"} <= products
