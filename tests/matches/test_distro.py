"""Distro-aware matching of real container SBOMs against Alpine secdb and Debian DSA/DLA lists.

Snapshot: secdb v3.16 and v3.17 (folders) and the tracker's `data/` folder (DSA and DLA lists).
SBOMs: syft CycloneDX of the alpine (3.16.2) and nginx (Debian 11) images from guac-data, and
osv-scanner's postgres-stretch fixture (Debian 9). Each pin quotes the feed line that decides it.
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import replace
from pathlib import Path

import pytest

from chainreview.components.model import Component, ComponentType, Inventory
from chainreview.components.purl import build_purl, parse_purl
from chainreview.evidence.merge import merge_documents
from chainreview.evidence.sbom import read_sbom
from chainreview.intel import importer
from chainreview.intel.snapshot import Snapshot, open_current
from chainreview.matches.distro import DistroMatch, DistroMatcher, distro_of
from chainreview.matches.model import Indeterminate

GUAC = "guac-data-sboms/docs/cyclonedx"
ALPINE_SBOM = f"{GUAC}/syft-cyclonedx-docker.io-library-alpine.latest.json"
NGINX_SBOM = f"{GUAC}/syft-cyclonedx-docker.io-library-nginx.latest.json"
INSECURE = "osv-scanner-fixtures/cmd/osv-scanner/scan/source/testdata/sbom-insecure"
STRETCH_SBOM = f"{INSECURE}/postgres-stretch.cdx.xml"
FEEDS = ("alpine-secdb/alpine/v3.16", "alpine-secdb/alpine/v3.17", "debian-security-tracker/data")


@pytest.fixture(scope="module")
def snap(shared_data: Path, tmp_path_factory: pytest.TempPathFactory) -> Iterator[Snapshot]:
    home = tmp_path_factory.mktemp("distro-home")
    importer.import_paths([shared_data / name for name in FEEDS], home=home)
    current = open_current(home)
    assert current is not None
    with current:
        yield current


def inventory(shared_data: Path, name: str) -> Inventory:
    return merge_documents([read_sbom(shared_data / name)])


def findings(snap: Snapshot, inv: Inventory) -> dict[tuple[str, str], DistroMatch]:
    """(package name@version, advisory id) → match."""
    names = {c.ref: f"{c.name}@{c.version}" for c in inv.components}
    return {
        (names[r.component], r.advisory_id): r
        for r in DistroMatcher(snap).match_inventory(inv)
        if isinstance(r, DistroMatch)
    }


def advisories(found: dict[tuple[str, str], DistroMatch], package: str) -> set[str]:
    return {advisory for name, advisory in found if name == package}


# --- Alpine 3.16 ----------------------------------------------------------------------------


def test_alpine_image(shared_data: Path, snap: Snapshot) -> None:
    inv = inventory(shared_data, ALPINE_SBOM)
    assert distro_of(inv) == "Alpine:v3.16"
    found = findings(snap, inv)
    # v3.16/main.json busybox secfixes "1.35.0-r18": ["CVE-2023-42366"] — installed r17
    busybox = found[("busybox@1.35.0-r17", "Alpine:v3.16/main/busybox@1.35.0-r18")]
    assert busybox.cve_ids == ("CVE-2023-42366",) and busybox.fixed_version == "1.35.0-r18"
    assert busybox.package == "busybox" and busybox.ecosystem_from == "purl"
    # ssl_client is built from busybox (purl upstream=busybox): the same fix applies
    assert ("ssl_client@1.35.0-r17", "Alpine:v3.16/main/busybox@1.35.0-r18") in found
    # openssl secfixes "1.1.1t-r0": CVE-2022-4304 CVE-2022-4450 CVE-2023-0215 CVE-2023-0286
    for binary in ("libssl1.1@1.1.1q-r0", "libcrypto1.1@1.1.1q-r0"):
        openssl = found[(binary, "Alpine:v3.16/main/openssl@1.1.1t-r0")]
        assert openssl.cve_ids == (
            "CVE-2022-4304",
            "CVE-2022-4450",
            "CVE-2023-0215",
            "CVE-2023-0286",
        )
    busybox_fixes = advisories(found, "busybox@1.35.0-r17")
    # busybox "1.35.0-r15": ["CVE-2022-30065"] — r17 already has it
    assert "Alpine:v3.16/main/busybox@1.35.0-r15" not in busybox_fixes
    # busybox "0": ["CVE-2021-42373", "CVE-2021-42376", "CVE-2021-42377"] — never affected
    assert not any("CVE-2021-42373" in m.cve_ids for m in found.values())
    # openssl "1.1.1q-r0": ["CVE-2022-2097"] — the installed release is the fixed one
    assert "Alpine:v3.16/main/openssl@1.1.1q-r0" not in advisories(found, "libssl1.1@1.1.1q-r0")
    # openssl "0": ["CVE-2022-1292", "CVE-2022-2068", "CVE-2023-4807"] — never affected
    assert not any("CVE-2022-1292" in m.cve_ids for m in found.values())
    # zlib "1.2.12-r2": ["CVE-2022-37434"] and "0": ["CVE-2023-45853"] — 1.2.12-r3 has neither
    assert advisories(found, "zlib@1.2.12-r3") == set()
    # musl: every secfix ("1.2.2_pre2-r0" the newest) is older than 1.2.3-r0
    assert advisories(found, "musl@1.2.3-r0") == set()


def test_alpine_release_from_the_os_component(shared_data: Path, snap: Snapshot) -> None:
    inv = inventory(shared_data, ALPINE_SBOM)
    stripped = tuple(_without_distro(c) for c in inv.components)
    assert all(c.ecosystem in (None, "Alpine") for c in stripped)
    with_os = replace(inv, components=stripped)
    expected = {key: m.advisory_id for key, m in findings(snap, inv).items()}
    fallback = findings(snap, with_os)
    assert {key: m.advisory_id for key, m in fallback.items()} == expected
    assert {m.ecosystem_from for m in fallback.values()} == {"operating-system"}
    # no operating-system component either: indeterminate, not guessed
    bare = replace(with_os, components=tuple(c for c in stripped if c.name != "alpine"))
    results = list(DistroMatcher(snap).match_inventory(bare))
    assert results and all(isinstance(r, Indeterminate) for r in results)
    assert all(r.reason.startswith("no distro release") for r in results)  # type: ignore[union-attr]


def _without_distro(component: Component) -> Component:
    if not component.purl:
        return component
    purl = parse_purl(component.purl)
    qualifiers = {k: v for k, v in purl.qualifiers if k != "distro"}
    bare = build_purl(purl.type, purl.namespace, purl.name, purl.version, qualifiers)
    return replace(component, purl=str(bare), ecosystem="Alpine")


# --- Debian 11 and 9 ------------------------------------------------------------------------


def test_debian_bullseye_image(shared_data: Path, snap: Snapshot) -> None:
    inv = inventory(shared_data, NGINX_SBOM)
    assert distro_of(inv) == "Debian:11"
    found = findings(snap, inv)
    # DSA-5330-1 curl {CVE-2022-32221 CVE-2022-43552} [bullseye] - curl 7.74.0-1.3+deb11u5
    for binary in ("curl@7.74.0-1.3+deb11u3", "libcurl4@7.74.0-1.3+deb11u3"):
        curl = found[(binary, "DSA-5330-1")]
        assert curl.cve_ids == ("CVE-2022-32221", "CVE-2022-43552")
        assert curl.fixed_version == "7.74.0-1.3+deb11u5" and curl.ecosystem == "Debian:11"
    # DSA-5343-1 openssl [bullseye] - openssl 1.1.1n-0+deb11u4 (libssl1.1 is built from openssl)
    assert found[("libssl1.1@1.1.1n-0+deb11u3", "DSA-5343-1")].fixed_version == "1.1.1n-0+deb11u4"
    # DSA-5286-1 krb5 {CVE-2022-42898} [bullseye] - krb5 1.18.3-6+deb11u3
    assert found[("libkrb5-3@1.18.3-6+deb11u2", "DSA-5286-1")].cve_ids == ("CVE-2022-42898",)
    openssl = advisories(found, "libssl1.1@1.1.1n-0+deb11u3")
    # DSA-5169-1 [bullseye] - openssl 1.1.1n-0+deb11u3: the installed version is the fix
    assert "DSA-5169-1" not in openssl
    # DSA-5139-1 [bullseye] - openssl 1.1.1n-0+deb11u2: older than installed
    assert "DSA-5139-1" not in openssl
    # DSA-5103-1 [bullseye] - openssl 1.1.1k-1+deb11u2: older still
    assert "DSA-5103-1" not in openssl


def test_debian_stretch_fixture(shared_data: Path, snap: Snapshot) -> None:
    inv = inventory(shared_data, STRETCH_SBOM)
    assert distro_of(inv) == "Debian:9"
    found = findings(snap, inv)
    # DLA-3022-1 dpkg {CVE-2022-1664} [stretch] - dpkg 1.18.26
    assert found[("dpkg@1.18.25", "DLA-3022-1")].cve_ids == ("CVE-2022-1664",)
    # DLA-3008-1 openssl {CVE-2022-1292} [stretch] - openssl 1.1.0l-1~deb9u6
    dla = found[("libssl1.1@1.1.0l-1~deb9u5", "DLA-3008-1")]
    assert (dla.fixed_version, dla.ecosystem) == ("1.1.0l-1~deb9u6", "Debian:9")
    # DLA-3012-1 libxml2 {CVE-2022-29824}
    assert ("libxml2@2.9.4+dfsg1-2.2+deb9u6", "DLA-3012-1") in found
    # no bullseye line applies to stretch: DSA-5343-1 ([bullseye] - openssl …) is not matched
    assert "DSA-5343-1" not in advisories(found, "libssl1.1@1.1.0l-1~deb9u5")


# --- tracker statuses -----------------------------------------------------------------------


def deb(ref: str, name: str, version: str, ecosystem: str) -> Component:
    return Component(
        ref=ref,
        name=name,
        version=version,
        purl=f"pkg:deb/debian/{name}@{version}",
        ecosystem=ecosystem,
    )


def test_tracker_statuses(snap: Snapshot) -> None:
    packages = [
        # DSA-2275-1 openoffice.org: [lenny] - openoffice.org <not-affected>
        deb("ooo", "openoffice.org", "1:2.4.1+dfsg-1+lenny12", "Debian:5"),
        # DSA-3699-1 virtualbox: [jessie] - virtualbox <end-of-life>
        deb("vbox", "virtualbox", "4.3.36-dfsg-1+deb8u1", "Debian:8"),
        # DSA-880-1 phpmyadmin: [woody] - phpmyadmin <unfixed>
        deb("pma", "phpmyadmin", "2.2.6-1", "Debian:3.0"),
    ]
    results = list(DistroMatcher(snap).match_components(packages, None))
    found = {(r.component, r.advisory_id): r for r in results if isinstance(r, DistroMatch)}
    assert ("ooo", "DSA-2275-1") not in found
    vbox = found[("vbox", "DSA-3699-1")]
    assert (vbox.status, vbox.fixed_version) == ("end-of-life", None)
    pma = found[("pma", "DSA-880-1")]
    assert (pma.status, pma.fixed_version) == ("unfixed", None)
    assert pma.cve_ids == ("CVE-2005-2869", "CVE-2005-3300", "CVE-2005-3301", "CVE-2005-3787")


def test_non_os_packages_are_not_matched(snap: Snapshot) -> None:
    wheel = Component(
        ref="w", name="curl", version="1.0", purl="pkg:pypi/curl@1.0", ecosystem="PyPI"
    )
    firmware = Component(ref="f", name="busybox", version="1.35.0", type=ComponentType.FIRMWARE)
    assert list(DistroMatcher(snap).match_components([wheel, firmware], "Alpine:v3.16")) == []
