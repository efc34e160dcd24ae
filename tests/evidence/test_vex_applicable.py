"""Which VEX statement applies to a finding (`applicable`), and which wins among several."""

from __future__ import annotations

import os
from pathlib import Path

import pytest

from chainreview.components.model import Component, Location
from chainreview.components.purl import parse_purl
from chainreview.evidence.vex import (
    VexStatement,
    VexStatus,
    applicable,
    read_vex,
    vulnerability_key,
)

DATA = Path(os.environ["CHAINREVIEW_SHARED_DATA"])
HERE = Location(file="test.vex.json", pointer="/statements/0")


def _statement(
    *products: str,
    vulnerability: str = "CVE-2024-0001",
    aliases: tuple[str, ...] = (),
    subcomponents: tuple[str, ...] = (),
    status: VexStatus = VexStatus.NOT_AFFECTED,
    timestamp: str | None = None,
) -> VexStatement:
    return VexStatement(
        vulnerability=vulnerability,
        aliases=aliases,
        products=products,
        subcomponents=subcomponents,
        status=status,
        timestamp=timestamp,
        location=HERE,
    )


def _component(purl: str | None = None, *, ref: str = "c1", cpe: str | None = None) -> Component:
    canonical = str(parse_purl(purl)) if purl else None
    version = parse_purl(purl).version if purl else None
    return Component(ref=ref, name="x", version=version, purl=canonical, cpe=cpe)


LODASH = _component("pkg:npm/lodash@4.17.20")
IDS = {"CVE-2024-0001"}


@pytest.mark.parametrize(
    ("product", "applies"),
    [
        ("pkg:npm/lodash@4.17.20", True),
        ("pkg:npm/lodash", True),  # unversioned: every version
        ("pkg:npm/lodash@4.17.21", False),
        ("pkg:npm/underscore@4.17.20", False),
        ("pkg:pypi/lodash@4.17.20", False),
        ("pkg:npm/lodash@4.17.20#lib", False),  # a stated subpath must match
        ("c1", True),  # the component's bom-ref
        ("c2", False),
        ("urn:cdx:3e671687-395b-41f5-a30f-a58921a69b79/1#c1", True),  # BOM-Link
        ("urn:cdx:3e671687-395b-41f5-a30f-a58921a69b79/1#c2", False),
        ("urn:cdx:3e671687-395b-41f5-a30f-a58921a69b79/1#pkg:npm/lodash@4.17.20", True),
        ("pkg:npm/@1.0", False),  # an invalid purl matches nothing
    ],
)
def test_products(product: str, applies: bool) -> None:
    found = applicable([_statement(product)], IDS, LODASH)
    assert (found is not None) is applies


def test_bom_link_fragment_is_percent_decoded() -> None:
    component = _component("pkg:npm/a@1", ref="pkg:npm/a@1?x=y")
    link = "urn:cdx:3e671687-395b-41f5-a30f-a58921a69b79/1#pkg%3Anpm%2Fa%401%3Fx%3Dy"
    assert applicable([_statement(link)], IDS, component) is not None


def test_version_falls_back_to_the_component_version() -> None:
    component = Component(ref="c", name="a", version="1.0.0", purl="pkg:npm/a")
    assert applicable([_statement("pkg:npm/a@1.0.0")], IDS, component) is not None
    assert applicable([_statement("pkg:npm/a@2.0.0")], IDS, component) is None


@pytest.mark.parametrize(
    ("product", "applies"),
    [
        ("pkg:apk/wolfi/git@2.39.0-r1?arch=x86_64", True),
        ("pkg:apk/wolfi/git@2.39.0-r1?arch=armv7", False),
        ("pkg:apk/wolfi/git@2.39.0-r1", True),  # component qualifiers the statement omits
        ("pkg:apk/wolfi/git@2.39.0-r1?arch=x86_64&distro=wolfi-1", False),  # absent on component
    ],
)
def test_qualifiers(product: str, applies: bool) -> None:
    component = _component("pkg:apk/wolfi/git@2.39.0-r1?arch=x86_64&upstream=git")
    assert (applicable([_statement(product)], IDS, component) is not None) is applies


def test_distro_qualifier_compares_releases() -> None:
    component = _component("pkg:deb/ubuntu/libc6@2.35-0ubuntu3.13?arch=amd64&distro=ubuntu-22.04")
    jammy = "pkg:deb/ubuntu/libc6@2.35-0ubuntu3.13?arch=amd64&distro=jammy"
    noble = "pkg:deb/ubuntu/libc6@2.35-0ubuntu3.13?arch=amd64&distro=noble"
    assert applicable([_statement(jammy)], IDS, component) is not None
    assert applicable([_statement(noble)], IDS, component) is None


@pytest.mark.parametrize(
    ("product", "applies"),
    [
        ("cpe:2.3:a:busybox:busybox:1.36.1:*:*:*:*:*:*:*", True),
        ("cpe:2.3:a:busybox:busybox:*:*:*:*:*:*:*:*", True),
        ("cpe:/a:busybox:busybox", True),
        ("cpe:2.3:a:busybox:busybox:1.35.0:*:*:*:*:*:*:*", False),
        ("cpe:2.3:a:other:busybox:1.36.1:*:*:*:*:*:*:*", False),
        ("cpe:2.3:a:*:busybox:1.36.1:*:*:*:*:*:*:*", False),  # vendor honoured, never ANY
    ],
)
def test_cpes(product: str, applies: bool) -> None:
    component = _component(cpe="cpe:2.3:a:busybox:busybox:1.36.1:*:*:*:*:*:*:*")
    assert (applicable([_statement(product)], IDS, component) is not None) is applies


def test_alias_and_case_insensitive_ids() -> None:
    statement = _statement("c1", vulnerability="GHSA-jfh8-c2jp-5v3q", aliases=("CVE-2021-44228",))
    assert applicable([statement], {"cve-2021-44228"}, LODASH) is statement
    assert applicable([statement], {"ghsa-JFH8-c2jp-5v3q"}, LODASH) is statement
    assert applicable([statement], {"CVE-2021-45046"}, LODASH) is None
    other = _statement("c1", vulnerability="RHSA-2020:1358")
    assert applicable([other], {"rhsa-2020:1358"}, LODASH) is None  # other ids compare exactly
    assert vulnerability_key(" cve-2021-1 ") == "CVE-2021-1"


def test_subcomponents_decide_when_present() -> None:
    image = (
        "pkg:oci/alpine@sha256%3A124c7d2707904eea7431fffe91522a01e5a861a624ee31d03372cc1d138a3126"
    )
    statement = _statement(image, subcomponents=("pkg:apk/alpine/libssl3@3.0.8-r3",))
    libssl = _component("pkg:apk/alpine/libssl3@3.0.8-r3?arch=x86_64")
    assert applicable([statement], IDS, libssl) is statement
    assert applicable([statement], IDS, _component(image)) is None  # the image itself is not
    assert applicable([statement], IDS, _component("pkg:apk/alpine/busybox@1.36")) is None


def test_most_recent_wins() -> None:
    old = _statement("pkg:npm/lodash@4.17.20", timestamp="2024-01-01T00:00:00Z")
    new = _statement(
        "pkg:npm/lodash", status=VexStatus.AFFECTED, timestamp="2024-01-01T01:00:00+00:30"
    )
    assert applicable([old, new], IDS, LODASH) is new
    assert applicable([new, old], IDS, LODASH) is new
    undated = _statement("pkg:npm/lodash@4.17.20", status=VexStatus.FIXED)
    assert applicable([old, undated], IDS, LODASH) is old  # no timestamp ranks oldest


def test_then_most_specific_then_later() -> None:
    moment = "2024-01-01T00:00:00Z"
    versioned = _statement("pkg:npm/lodash@4.17.20", timestamp=moment)
    unversioned = _statement("pkg:npm/lodash", status=VexStatus.AFFECTED, timestamp=moment)
    assert applicable([versioned, unversioned], IDS, LODASH) is versioned
    assert applicable([unversioned, versioned], IDS, LODASH) is versioned
    first = _statement("c1", timestamp=moment)
    second = _statement("c1", status=VexStatus.FIXED, timestamp=moment)
    assert applicable([first, second], IDS, LODASH) is second


def test_nothing_applies() -> None:
    assert applicable([], IDS, LODASH) is None
    assert applicable([_statement()], IDS, LODASH) is None  # no products: applies to nothing


def test_real_openvex_history() -> None:
    """vexctl's two documents on bash 1.0.0: the later `fixed` wins over `under_investigation`."""
    folder = DATA / "openvex-vexctl-examples/examples/openvex"
    statements = [
        s
        for name in ("document2.vex.json", "document1.vex.json")
        for s in read_vex(folder / name, name).statements
    ]
    bash = _component("pkg:apk/wolfi/bash@1.0.0?arch=x86_64")
    found = applicable(statements, ["CVE-1234-5678"], bash)
    assert found is not None and found.status is VexStatus.FIXED


def test_real_canonical_statement_applies_to_a_syft_component() -> None:
    relative = (
        "ubuntu-osv-vex-samples/tests/unit/providers/ubuntu/test-fixtures/vex/cve/2016/"
        "CVE-2016-20013.json"
    )
    statements = read_vex(DATA / relative, relative).statements
    libc6 = "pkg:deb/ubuntu/libc6@{}?arch=amd64&upstream=glibc&distro=ubuntu-22.04"
    found = applicable(statements, ["CVE-2016-20013"], _component(libc6.format("2.35-0ubuntu3.13")))
    assert found is not None and found.status is VexStatus.AFFECTED
    older = _component(libc6.format("2.35-0ubuntu3.1"))  # the statement pins 3.13
    assert applicable(statements, ["CVE-2016-20013"], older) is None
