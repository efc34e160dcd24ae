"""The CPE fallback matcher on real NVD configurations and real firmware bills of materials.

Snapshot: the NVD per-CVE selection (folder), the legacy 1.1 feed (141 AND configurations) and
the API 2.0 records of osv.dev's test data. Components: Buildroot packages (name and version
from `manifest.csv`, vendor and product from `cpe_data_pp.json`), plus firmware and hardware
CPEs written as an SBOM of a device would. Each pin cites the configuration that decides it.
"""

from __future__ import annotations

import csv
import itertools
import json
from collections.abc import Iterator
from pathlib import Path

import pytest

from chainreview.components.cpe import parse_cpe
from chainreview.components.model import Component, ComponentType
from chainreview.components.versions import compare
from chainreview.intel import importer
from chainreview.intel.snapshot import Snapshot, open_current
from chainreview.matches.cpe import (
    NO_IDENTIFIER,
    CpeMatch,
    CpeMatcher,
    PlatformStatus,
    VersionBasis,
)
from chainreview.matches.model import Confidence, Indeterminate

BUILDROOT = "cyclonedx-buildroot-testdata/tests/_data"
NVD_INPUTS = (
    "nvd-cve-firmware-selection",
    "osv-dev-vulnfeeds-nvd/vulnfeeds/test_data/nvdcve-1.1-test-data.json",
    "osv-dev-vulnfeeds-nvd/vulnfeeds/test_data/nvdcve-2.0",
)


@pytest.fixture(scope="module")
def snap(shared_data: Path, tmp_path_factory: pytest.TempPathFactory) -> Iterator[Snapshot]:
    home = tmp_path_factory.mktemp("cpe-home")
    importer.import_paths([shared_data / name for name in NVD_INPUTS], home=home)
    current = open_current(home)
    assert current is not None
    with current:
        yield current


@pytest.fixture(scope="module")
def buildroot(shared_data: Path) -> dict[str, Component]:
    """Buildroot packages as firmware components: `show-info` CPEs, and the `legal-info`
    manifest's packages given the same vendor:product at their own version."""
    info = json.loads((shared_data / BUILDROOT / "cpe_data_pp.json").read_text())
    components = {
        f"pp:{name}": Component(
            ref=f"pp:{name}", name=name, version=item["version"], cpe=item["cpe-id"]
        )
        for name, item in info.items()
        if item.get("cpe-id")
    }
    cpes = {n.removeprefix("host-"): item["cpe-id"] for n, item in info.items() if "cpe-id" in item}
    cpes["libopenssl"] = info["host-libopenssl"]["cpe-id"]
    with (shared_data / BUILDROOT / "manifest.csv").open(newline="") as handle:
        for row in csv.DictReader(handle):
            name, version = row["PACKAGE"], row["VERSION"]
            if name in cpes and name != "linux":
                cpe = parse_cpe(cpes[name])
                text = f"cpe:2.3:{cpe.part}:{cpe.vendor}:{cpe.product}:{version}:*:*:*:*:*:*:*"
                components[f"manifest:{name}"] = Component(
                    ref=f"manifest:{name}", name=name, version=version, cpe=text
                )
    return components


def device(ref: str, cpe: str | None, version: str | None = None, **extra: object) -> Component:
    """A firmware or device component; a short CPE 2.3 string is padded with ANY."""
    if cpe and cpe.startswith("cpe:2.3:"):
        cpe += ":*" * (13 - len(cpe.split(":")))
    kind = ComponentType.DEVICE if cpe and cpe.startswith("cpe:2.3:h:") else ComponentType.FIRMWARE
    return Component(ref=ref, name=ref, version=version, type=kind, cpe=cpe, **extra)  # type: ignore[arg-type]


def run(
    snap: Snapshot, *components: Component
) -> tuple[dict[tuple[str, str], CpeMatch], list[Indeterminate]]:
    results = list(CpeMatcher(snap).match_inventory(components))
    matches = {(r.component, r.advisory_id): r for r in results if isinstance(r, CpeMatch)}
    return matches, [r for r in results if isinstance(r, Indeterminate)]


# --- matches --------------------------------------------------------------------------------


def test_buildroot_busybox_1_29_3_is_in_both_busybox_ranges(
    snap: Snapshot, buildroot: dict[str, Component]
) -> None:
    busybox = buildroot["manifest:busybox"]
    assert busybox.cpe == "cpe:2.3:a:busybox:busybox:1.29.3:*:*:*:*:*:*:*"
    matches, undecided = run(snap, busybox)
    # CVE-2021-42374 configurations[0]: busybox:* versionStartIncluding 1.27.0,
    # versionEndIncluding 1.33.1
    first = matches[("manifest:busybox", "CVE-2021-42374")]
    assert (first.basis, first.bounds) == (VersionBasis.RANGE, (">= 1.27.0", "<= 1.33.1"))
    assert first.platform is PlatformStatus.NOT_REQUIRED and not first.wildcard
    assert first.confidence is Confidence.CPE and first.configuration == 0
    assert str(first.evidence) == "nvd:CVE-2021-42374: /configurations/0/nodes/0/cpe_matches/0"
    # CVE-2018-1000500 (API 2.0 page): busybox:* versionEndExcluding 1.32.0
    assert matches[("manifest:busybox", "CVE-2018-1000500")].bounds == ("< 1.32.0",)
    assert len(matches) == 2 and not undecided


@pytest.mark.parametrize(
    ("cpe", "cve", "bounds"),
    [
        # CVE-2021-3448 configurations[0]: thekelleys:dnsmasq:* versionEndExcluding 2.85
        ("cpe:2.3:a:thekelleys:dnsmasq:2.80", "CVE-2021-3448", ("< 2.85",)),
        # CVE-2018-15599 configurations[1]: dropbear_ssh:* versionEndIncluding 2018.76 (inclusive)
        ("cpe:2.3:a:dropbear_ssh_project:dropbear_ssh:2018.76", "CVE-2018-15599", ("<= 2018.76",)),
        # CVE-2022-3602 configurations[0]: openssl:* versionStartIncluding 3.0.0, EndExcluding 3.0.7
        ("cpe:2.3:a:openssl:openssl:3.0.6", "CVE-2022-3602", (">= 3.0.0", "< 3.0.7")),
        # CVE-2022-30790 configurations[0]: denx:u-boot:2022.01 (an exact version)
        ("cpe:2.3:a:denx:u-boot:2022.01", "CVE-2022-30790", ("= 2022.01",)),
        # CVE-2024-1086 configurations[0] node 0 match 1: linux_kernel:* from 6.1 before 6.1.76
        ("cpe:2.3:o:linux:linux_kernel:6.1.50", "CVE-2024-1086", (">= 6.1", "< 6.1.76")),
        # CVE-2024-1086 configurations[0] node 0 match 4: linux_kernel:6.8:rc1 (update kept)
        ("cpe:2.3:o:linux:linux_kernel:6.8:rc1", "CVE-2024-1086", ("= 6.8-rc1",)),
    ],
)
def test_plain_matches(snap: Snapshot, cpe: str, cve: str, bounds: tuple[str, ...]) -> None:
    matches, _ = run(snap, device("c", cpe))
    found = matches[("c", cve)]
    assert found.bounds == bounds and found.platform is PlatformStatus.NOT_REQUIRED


def test_router_firmware_with_its_hardware_is_confirmed(snap: Snapshot) -> None:
    firmware = device("fw", "cpe:2.3:o:tp-link:archer_ax21_firmware:1.1.3:*:*:*:*:*:*:*")
    router = device("hw", "cpe:2.3:h:tp-link:archer_ax21:-:*:*:*:*:*:*:*")
    matches, _ = run(snap, firmware, router)
    # CVE-2023-1389 configurations[0] AND: o:archer_ax21_firmware:* versionEndExcluding 1.1.4
    # (vulnerable) with h:tp-link:archer_ax21:- (vulnerable: false, the platform)
    found = matches[("fw", "CVE-2023-1389")]
    assert found.platform is PlatformStatus.CONFIRMED and found.platform_components == ("hw",)
    assert found.platform_criteria == ("cpe:2.3:h:tp-link:archer_ax21:-:*:*:*:*:*:*:*",)
    # the hardware is never the vulnerable part: nothing is reported for it
    assert [key for key in matches if key[0] == "hw"] == []


def test_router_firmware_alone_is_platform_unconfirmed(snap: Snapshot) -> None:
    matches, _ = run(snap, device("fw", "cpe:2.3:o:tp-link:archer_ax21_firmware:1.1.3"))
    # CVE-2023-1389 configurations[0] AND: no h:tp-link:archer_ax21 in the inventory
    found = matches[("fw", "CVE-2023-1389")]
    assert found.platform is PlatformStatus.UNCONFIRMED and found.platform_components == ()


def test_ssd_firmware_with_na_version(snap: Snapshot) -> None:
    firmware = device("evo-fw", "cpe:2.3:o:samsung:840_evo_firmware:*", "EXT0DB6Q")
    ssd = device("evo", "cpe:2.3:h:samsung:840_evo:-")
    mx300 = device("mx300-fw", "cpe:2.3:o:micron:crucial_mx300_firmware:*", "M0CR021")
    matches, _ = run(snap, firmware, ssd, mx300)
    # CVE-2018-12037 configurations[0]: o:samsung:840_evo_firmware:- AND h:samsung:840_evo:-
    evo = matches[("evo-fw", "CVE-2018-12037")]
    assert (evo.configuration, evo.basis) == (0, VersionBasis.NOT_APPLICABLE) and evo.wildcard
    assert evo.platform is PlatformStatus.CONFIRMED and evo.platform_components == ("evo",)
    # configurations[6]: o:micron:crucial_mx300_firmware:- AND h:micron:crucial_mx300:- (absent)
    mx = matches[("mx300-fw", "CVE-2018-12037")]
    assert (mx.configuration, mx.platform) == (6, PlatformStatus.UNCONFIRMED)


def test_legacy_feed_firmware_hardware_pairs(snap: Snapshot) -> None:
    tenda = device("tenda", "cpe:2.3:o:tenda:ax1803_firmware:1.0.0.1")
    tenda_hw = device("tenda-hw", "cpe:2.3:h:tenda:ax1803:-")
    h3c = device("h3c", "cpe:2.3:o:h3c:gr-1200w_firmware:minigrw1a0v100r005")
    h3c_hw = device("h3c-hw", "cpe:2.3:h:h3c:gr-1200w:-")
    toto = device("toto", "cpe:2.3:o:totolink:a7000r_firmware:9.1.0u.6115_b20201022")
    toto_hw = device("toto-hw", "cpe:2.3:h:totolink:a7000r:-")
    matches, _ = run(snap, tenda, tenda_hw, h3c, h3c_hw, toto, toto_hw)
    # CVE-2022-37817 … -37824: AND of o:tenda:ax1803_firmware:1.0.0.1 and h:tenda:ax1803:-
    tenda_cves = sorted(cve for ref, cve in matches if ref == "tenda")
    assert tenda_cves == [f"CVE-2022-{n}" for n in range(37817, 37825)]
    assert all(matches[("tenda", c)].platform is PlatformStatus.CONFIRMED for c in tenda_cves)
    assert matches[("tenda", "CVE-2022-37817")].basis is VersionBasis.EXACT
    # CVE-2022-37073: o:h3c:gr-1200w_firmware:* versionEndIncluding minigrw1a0v100r006 AND
    # h:h3c:gr-1200w:-
    confirmed = matches[("h3c", "CVE-2022-37073")]
    assert confirmed.bounds == ("<= minigrw1a0v100r006",)
    assert confirmed.platform is PlatformStatus.CONFIRMED
    # CVE-2022-37074: the same firmware range, but the platform NVD wrote is h:h3c:gr-120w:-
    assert matches[("h3c", "CVE-2022-37074")].platform is PlatformStatus.UNCONFIRMED
    # CVE-2022-37084: o:totolink:a7000r_firmware:9.1.0u.6115_b20201022 AND h:totolink:a7000r:-
    assert matches[("toto", "CVE-2022-37084")].platform is PlatformStatus.CONFIRMED


def test_wildcard_is_labelled_and_needs_a_version(snap: Snapshot) -> None:
    product = "cpe:2.3:a:f-secure:elements_endpoint_protection:*"
    windows = device("windows", "cpe:2.3:o:microsoft:windows:-")
    matches, undecided = run(snap, device("epp", product, "22.1"), windows)
    # CVE-2022-28883 configurations[0]: f-secure:elements_endpoint_protection:* with no bound
    # AND (o:microsoft:windows:- OR o:apple:macos:-)
    found = matches[("epp", "CVE-2022-28883")]
    assert found.basis is VersionBasis.WILDCARD and found.wildcard and found.bounds == ()
    assert found.platform is PlatformStatus.CONFIRMED and found.platform_components == ("windows",)
    # without a version the wildcard decides nothing: indeterminate, not silently affected
    matches, undecided = run(snap, device("epp", product))
    assert not matches
    assert [(u.reason, "CVE-2022-28883" in u.advisory_ids) for u in undecided] == [
        ("no version", True)
    ]


# --- non-matches ----------------------------------------------------------------------------


def test_buildroot_packages_outside_the_ranges(
    snap: Snapshot, buildroot: dict[str, Component]
) -> None:
    chosen = [buildroot[k] for k in ("pp:busybox", "pp:host-libopenssl", "manifest:libopenssl")]
    assert [c.version for c in chosen] == ["1.36.1", "3.3.2", "1.1.1i"]
    matches, undecided = run(snap, *chosen)
    # busybox 1.36.1: above CVE-2021-42374's versionEndIncluding 1.33.1 and CVE-2018-1000500's
    # versionEndExcluding 1.32.0; openssl 3.3.2 and 1.1.1i: outside CVE-2022-3602's
    # [3.0.0, 3.0.7)
    assert matches == {} and undecided == []


@pytest.mark.parametrize(
    ("cpe", "cve"),
    [
        # CVE-2021-42374 configurations[0]: versionStartIncluding 1.27.0 leaves 1.26.2 out
        ("cpe:2.3:a:busybox:busybox:1.26.2", "CVE-2021-42374"),
        # CVE-2021-3448 configurations[0]: versionEndExcluding 2.85 leaves 2.85 out
        ("cpe:2.3:a:thekelleys:dnsmasq:2.85", "CVE-2021-3448"),
        # CVE-2022-3602 configurations[0]: versionEndExcluding 3.0.7
        ("cpe:2.3:a:openssl:openssl:3.0.7", "CVE-2022-3602"),
        # CVE-2023-1389 configurations[0]: versionEndExcluding 1.1.4
        ("cpe:2.3:o:tp-link:archer_ax21_firmware:1.1.4", "CVE-2023-1389"),
        # CVE-2022-30790 configurations[0]: only u-boot 2022.01
        ("cpe:2.3:a:denx:u-boot:2022.04", "CVE-2022-30790"),
        # CVE-2024-1086 configurations[0]: 6.8 final is in no range and is not 6.8:rc1
        ("cpe:2.3:o:linux:linux_kernel:6.8", "CVE-2024-1086"),
        # CVE-2024-1086 configurations[0]: versionEndExcluding 6.1.76
        ("cpe:2.3:o:linux:linux_kernel:6.1.76", "CVE-2024-1086"),
        # vendor honoured: CVE-2021-42374 names busybox:busybox, not busybox_project:busybox
        ("cpe:2.3:a:busybox_project:busybox:1.29.3", "CVE-2021-42374"),
        # part honoured: Buildroot's linux-headers is a:linux:linux_kernel, NVD's kernel is o:
        ("cpe:2.3:a:linux:linux_kernel:6.1.50", "CVE-2024-1086"),
        # CVE-2018-12037: h:samsung:840_evo is vulnerable: false, never the vulnerable part
        ("cpe:2.3:h:samsung:840_evo:-", "CVE-2018-12037"),
    ],
)
def test_non_matches(snap: Snapshot, cpe: str, cve: str) -> None:
    matches, _ = run(snap, device("c", cpe))
    assert ("c", cve) not in matches


def test_components_with_a_purl_ecosystem_are_left_to_the_osv_matcher(snap: Snapshot) -> None:
    dnsmasq = device("c", "cpe:2.3:a:thekelleys:dnsmasq:2.80", ecosystem="Debian:11")
    assert run(snap, dnsmasq) == ({}, [])


# --- indeterminate --------------------------------------------------------------------------


def test_indeterminate_reasons(snap: Snapshot, buildroot: dict[str, Component]) -> None:
    kernel = buildroot["pp:linux"]
    assert kernel.cpe == "cpe:2.3:o:linux:linux_kernel:custom:*:*:*:*:*:*:*"
    no_version = device("bb", "cpe:2.3:a:busybox:busybox:*")
    no_cpe = device("blob", None, "1.0")
    bad_cpe = device("bad", "cpe:/x:oops")
    matches, undecided = run(snap, kernel, no_version, no_cpe, bad_cpe)
    by_ref = {u.component: u for u in undecided}
    # Buildroot's kernel version `custom` cannot be ordered against CVE-2024-1086's bounds
    assert by_ref["pp:linux"].reason.startswith("version 'custom' cannot be ordered")
    assert "CVE-2024-1086" in by_ref["pp:linux"].advisory_ids
    assert ("pp:linux", "CVE-2024-1086") not in matches
    assert by_ref["bb"].reason == "no version"
    assert by_ref["bb"].advisory_ids == ("CVE-2018-1000500", "CVE-2021-42374")
    assert by_ref["blob"].reason == NO_IDENTIFIER and by_ref["blob"].advisory_ids == ()
    assert by_ref["bad"].reason.startswith("CPE does not parse")


# --- the CPE version order ------------------------------------------------------------------


def test_generic_version_order() -> None:
    ordered = ["6.1", "6.1.50", "6.1.76", "6.8-rc1", "6.8", "6.8a", "6.8.1", "2018.76"]
    assert all(compare("CPE", a, b) < 0 for a, b in itertools.pairwise(ordered))
    assert compare("CPE", "2.0", "2.0.0") == 0 and compare("CPE", "v1.2", "1.2") == 0
    assert compare("CPE", "1.1.1", "1.1.1k") < 0 < compare("CPE", "1.1.2", "1.1.1k")
    assert compare("CPE", "minigrw1a0v100r005", "minigrw1a0v100r006") < 0
