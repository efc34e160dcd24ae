"""The matching defects found on labelled real-world data (issue #12), on the syft image SBOMs of
guac-data against the raw advisories of the shared data.

Every expected value is worked out here from the raw files, never from chainreview's matcher:
the SBOMs' JSON (purls split by packageurl-python), golang-vulndb's OSV JSON (SemVer by the
`semver` package), the Debian tracker's DSA/DLA lists and Alpine's secdb (versions by univers'
`DebianVersion` and `AlpineLinuxVersion`), and Canonical's Ubuntu OSV records.

* The Go standard library. The guac SBOMs were written by syft 0.57.0, which records the
  compiler of each Go binary (`syft:metadata:goCompiledVersion`, e.g. `go1.19.1` for vault)
  but no stdlib component yet; syft now adds one per binary, version the compiler's and purl
  without the `go` (anchore/syft, syft/pkg/cataloger/golang/stdlib_package.go: name `stdlib`,
  version `go1.22.2`, purl `packageURL("stdlib", strings.TrimPrefix(version, "go"))`). The
  test adds that component, made from the file's own property, to the real SBOM.
* Debian and Ubuntu packages at their source versions: the bullseye images, as shipped and as
  of Debian 11.0 (util-linux 2.36.1-8, before DSA-5055-1: the issue's example), against the
  tracker and against that DSA as the OSV record osv.dev makes of it.
* Findings name the component as the SBOM does and show the CVE a distro advisory concerns.
* Go pseudo-versions with no tagged base on a binary's own module (kube-apiserver, vault,
  consul, docker compose).
"""

from __future__ import annotations

import json
import re
from collections.abc import Iterator
from dataclasses import dataclass, field, replace
from datetime import date
from pathlib import Path
from typing import Any, Final

import pytest
import semver
from packageurl import PackageURL
from tests.intel.conftest import write_record
from univers.versions import AlpineLinuxVersion, DebianVersion

from chainreview.components.model import Component, Inventory
from chainreview.evidence.merge import merge_documents
from chainreview.evidence.sbom import read_sbom
from chainreview.findings.model import Finding
from chainreview.findings.scan import ScanReport, matchers_for, scan
from chainreview.intel import importer
from chainreview.intel.snapshot import Snapshot, open_current

GUAC: Final = "guac-data-sboms"
CDX: Final = f"{GUAC}/docs/cyclonedx/syft-cyclonedx-docker.io-library"
NGINX: Final = f"{CDX}-nginx.latest.json"
ALPINE: Final = f"{CDX}-alpine.latest.json"
KUBE: Final = f"{GUAC}/docs/spdx/syft-spdx-k8s.gcr.io-kube-apiserver.v1.25.2.json"
GO_IMAGES: Final = tuple(f"{CDX}-{n}.latest.json" for n in ("caddy", "consul", "docker", "vault"))
DEBIAN_IMAGES: Final = (
    *(f"{CDX}-{n}.latest.json" for n in ("debian", "haproxy", "httpd", "nginx", "redis")),
    f"{GUAC}/docs/spdx/spdx_vuln.json",
)
UBUNTU_IMAGES: Final = (
    f"{CDX}-ubuntu.latest.json",
    f"{CDX}-rabbitmq.latest.json",
    f"{GUAC}/top-dh-sboms/kapacitor.json",
)
GO_VULNDB: Final = "golang-vulndb/data/osv"
TRACKER: Final = "debian-security-tracker/data"
SECDB: Final = "alpine-secdb/alpine/v3.16"
UBUNTU_OSV: Final = "ubuntu-osv-vex-samples/tests/unit/providers/ubuntu/test-fixtures"
RELEASES: Final = {"debian-11": "bullseye"}
TODAY: Final = date(2025, 1, 1)
LOW: Final = "low-confidence"


@pytest.fixture(scope="module")
def snapshot(shared_data: Path, tmp_path_factory: pytest.TempPathFactory) -> Iterator[Snapshot]:
    home = tmp_path_factory.mktemp("real-images")
    ubuntu = sorted((shared_data / UBUNTU_OSV).glob("osv*/**/*.json"))
    feeds = [shared_data / GO_VULNDB, shared_data / TRACKER, shared_data / SECDB, *ubuntu]
    importer.import_paths(feeds, home=home, workers=2)
    opened = open_current(home)
    assert opened is not None
    with opened:
        yield opened


# --- the raw files ------------------------------------------------------------------------


@dataclass(frozen=True)
class RawComponent:
    """A component as the SBOM file writes it."""

    ref: str
    name: str
    version: str | None
    purl: str | None
    properties: dict[str, str] = field(default_factory=dict)


def raw_components(shared_data: Path, rel: str) -> list[RawComponent]:
    data = json.loads((shared_data / rel).read_text(encoding="utf-8"))
    if "packages" in data:  # SPDX
        return [
            RawComponent(
                ref=p["SPDXID"],
                name=p["name"],
                version=p.get("versionInfo"),
                purl=next(
                    (
                        r["referenceLocator"]
                        for r in p.get("externalRefs", ())
                        if r["referenceType"] == "purl"
                    ),
                    None,
                ),
            )
            for p in data["packages"]
        ]
    return [
        RawComponent(  # an entry without a bom-ref is named by its place (`#/components/3`)
            ref=c.get("bom-ref") or f"#/components/{index}",
            name=c["name"],
            version=c.get("version"),
            purl=c.get("purl"),
            properties={p["name"]: p.get("value", "") for p in c.get("properties", ())},
        )
        for index, c in enumerate(data["components"])
    ]


def inventory(shared_data: Path, rel: str) -> Inventory:
    return merge_documents([read_sbom(shared_data / rel, rel, validate=False)])


def scanned(snapshot: Snapshot, inv: Inventory) -> ScanReport:
    return scan(inv, matchers_for(snapshot), snapshot, snapshot=snapshot.hash, today=TODAY)


def by_component(report: ScanReport) -> dict[str, list[Finding]]:
    found: dict[str, list[Finding]] = {}
    for finding in report.findings:
        found.setdefault(finding.component, []).append(finding)
    return found


# --- oracles --------------------------------------------------------------------------------


def _semver(version: str) -> tuple[int, semver.Version]:
    """An order key: OSV's `0` below every version (a pre-release of 0.0.0 too), then SemVer."""
    if version == "0":
        return (0, semver.Version(0))
    return (1, semver.Version.parse(version.removeprefix("v")))


def go_verdict(entry: dict[str, Any], version: str) -> str | None:
    """`bounded` or `open` when the entry's SEMVER ranges hold `version` (closed above by a
    later event, or not), else None: the OSV evaluation, written out for golang-vulndb."""
    at = _semver(version)
    for rng in entry.get("ranges", ()):
        if rng["type"] != "SEMVER":
            continue
        events = sorted(
            ((kind, _semver(v)) for event in rng["events"] for kind, v in event.items()),
            key=lambda e: e[1],
        )
        inside = bounded = False
        for kind, here in events:
            if kind == "introduced":
                if here > at:
                    break
                inside = True
            elif kind == "fixed":
                if here > at:
                    bounded = inside
                    break
                inside = False
            elif kind == "last_affected":
                if here >= at:
                    bounded = inside
                    break
                inside = False
        if inside:
            return "bounded" if bounded else "open"
    return None


@pytest.fixture(scope="module")
def go_records(shared_data: Path) -> list[dict[str, Any]]:
    records = []
    for path in sorted((shared_data / GO_VULNDB).glob("*.json")):
        record = json.loads(path.read_text(encoding="utf-8"))
        if not record.get("withdrawn"):
            records.append(record)
    return records


def go_expected(records: list[dict[str, Any]], module: str, version: str) -> dict[str, str]:
    """Advisory id → `bounded`/`open` for every live golang-vulndb record holding the version."""
    found: dict[str, str] = {}
    for record in records:
        for entry in record["affected"]:
            if (entry["package"]["ecosystem"], entry["package"]["name"]) == ("Go", module):
                verdict = go_verdict(entry, version)
                if verdict is not None and found.get(record["id"]) != "open":
                    found[record["id"]] = verdict
    return found


_HEADER = re.compile(r"\[[^]]+\] (D[SL]A-\S+) ")
_CVES = re.compile(r"\s+\{(.*)\}")
_LINE = re.compile(r"\s+\[(\w+)\] - (\S+)(?: (\S+))?")


@dataclass(frozen=True)
class Fix:
    advisory: str
    cves: tuple[str, ...]
    release: str
    package: str
    version: str
    """A version, or the status: `<unfixed>`, `<not-affected>`, `<end-of-life>`, …"""


@pytest.fixture(scope="module")
def tracker(shared_data: Path) -> dict[tuple[str, str], list[Fix]]:
    """(release, source package) → the DSA/DLA lines naming it."""
    fixes: dict[tuple[str, str], list[Fix]] = {}
    for name in ("DSA/list", "DLA/list"):
        advisory, cves = "", ()
        for line in (shared_data / TRACKER / name).read_text(encoding="utf-8").splitlines():
            header = _HEADER.match(line)
            if header:
                advisory, cves = header.group(1), ()
                continue
            listed = _CVES.match(line)
            if listed:
                cves = tuple(listed.group(1).split())
                continue
            fix = _LINE.match(line)
            if fix and advisory:
                release, package, version = fix.groups()
                item = Fix(advisory, cves, release, package, version or "")
                fixes.setdefault((release, package), []).append(item)
    return fixes


def debian_source(purl: PackageURL) -> tuple[str, str]:
    """(source package, version to evaluate): the `upstream=SRC@VER` qualifier's when given,
    else the binary version (syft writes `@VER` only when the versions differ)."""
    upstream = purl.qualifiers.get("upstream") or purl.name
    name, _, version = upstream.partition("@")
    assert purl.version is not None
    return name, version or purl.version


def debian_expected(
    components: list[RawComponent], tracker: dict[tuple[str, str], list[Fix]]
) -> set[tuple[str, str, str]]:
    """(bom-ref, advisory, CVE or the advisory when it lists none) a tracker line affects."""
    found = set()
    for item in components:
        if not item.purl or not item.purl.startswith("pkg:deb/debian/"):
            continue
        purl = PackageURL.from_string(item.purl)
        release = RELEASES[purl.qualifiers["distro"]]
        source, version = debian_source(purl)
        for fix in tracker.get((release, source), ()):
            if fix.version in ("<unfixed>", "<end-of-life>") or (
                not fix.version.startswith("<")
                and DebianVersion(version) < DebianVersion(fix.version)
            ):
                for cve in fix.cves or (fix.advisory,):
                    found.add((item.ref, fix.advisory, cve))
    return found


def distro_pairs(report: ScanReport) -> set[tuple[str, str, str]]:
    """(component, distro advisory, finding id) of the findings holding a distro advisory."""
    return {
        (f.component, e.record, f.id)
        for f in report.findings
        for e in f.evidence
        if e.record.startswith(("DSA-", "DLA-", "Alpine:"))
    }


# --- 1. the Go standard library -----------------------------------------------------------


def _go_binaries(shared_data: Path) -> list[tuple[str, str]]:
    """(SBOM, compiler version) of every Go binary the guac CycloneDX images record."""
    found = {
        (rel, item.properties["syft:metadata:goCompiledVersion"])
        for rel in GO_IMAGES
        for item in raw_components(shared_data, rel)
        if "syft:metadata:goCompiledVersion" in item.properties
    }
    return sorted(found)


def _go_binary_params() -> list[Any]:
    from tests.conftest import SHARED_DATA

    return [
        pytest.param(rel, compiler, id=f"{rel.split('library-')[1].split('.')[0]}-{compiler}")
        for rel, compiler in _go_binaries(SHARED_DATA)
    ]


@pytest.mark.parametrize(("rel", "compiler"), _go_binary_params())
def test_go_standard_library_is_matched_at_its_purl_version(
    shared_data: Path, snapshot: Snapshot, go_records: list[dict[str, Any]], rel: str, compiler: str
) -> None:
    version = compiler.removeprefix("go")  # syft's purl version for the stdlib
    stdlib = Component(
        ref=f"stdlib-{compiler}",
        name="stdlib",
        version=compiler,
        purl=f"pkg:golang/stdlib@{version}",
        ecosystem="Go",
    )
    inv = inventory(shared_data, rel)
    report = scanned(snapshot, replace(inv, components=(*inv.components, stdlib)))
    expected = go_expected(go_records, "stdlib", version)
    assert expected, "the compilers of these images all have stdlib advisories"
    found = by_component(report).get(stdlib.ref, [])
    assert {e.record for f in found for e in f.evidence} == set(expected)
    assert not [i for i in report.indeterminate if i.component == stdlib.ref]
    for finding in found:
        assert (finding.name, finding.version, finding.purl) == ("stdlib", compiler, stdlib.purl)
        for evidence in finding.evidence:
            assert evidence.labels == ("version-from-purl",)
            assert evidence.notes == (
                f"version {compiler!r} does not parse as a Go version: the purl's "
                f"{version!r} was evaluated",
            )


# --- 2. Debian and Ubuntu source versions ---------------------------------------------------


@pytest.mark.parametrize("rel", DEBIAN_IMAGES)
def test_debian_images_against_the_tracker(
    shared_data: Path, snapshot: Snapshot, tracker: dict[tuple[str, str], list[Fix]], rel: str
) -> None:
    raw = raw_components(shared_data, rel)
    report = scanned(snapshot, inventory(shared_data, rel))
    assert distro_pairs(report) == debian_expected(raw, tracker)


def bullseye_release_nginx(shared_data: Path, folder: Path) -> Path:
    """The nginx image as of Debian 11.0: its util-linux binaries at the release's 2.36.1-8
    (the image has 2.36.1-8+deb11u1, which DSA-5055-1 brought), every other byte as shipped."""
    text = (shared_data / NGINX).read_text(encoding="utf-8")
    assert text.count("2.36.1-8+deb11u1") > 10
    path = folder / "nginx-debian-11.0.cdx.json"
    path.write_text(text.replace("2.36.1-8+deb11u1", "2.36.1-8"), encoding="utf-8")
    return path


def test_binary_packages_are_matched_at_their_source_version(
    shared_data: Path,
    snapshot: Snapshot,
    tracker: dict[tuple[str, str], list[Fix]],
    tmp_path: Path,
) -> None:
    path = bullseye_release_nginx(shared_data, tmp_path)
    raw = raw_components(path.parent, path.name)
    inv = merge_documents([read_sbom(path, path.name, validate=False)])
    report = scanned(snapshot, inv)
    expected = debian_expected(raw, tracker)
    assert distro_pairs(report) == expected
    # DSA-5055-1 util-linux {CVE-2021-3995 CVE-2021-3996} [bullseye] - util-linux 2.36.1-8+deb11u1
    util_linux = {
        item.ref: item
        for item in raw
        if item.purl
        and PackageURL.from_string(item.purl)
        .qualifiers.get("upstream", "")
        .startswith("util-linux")
    }
    bsdutils = next(ref for ref, item in util_linux.items() if item.name == "bsdutils")
    assert util_linux[bsdutils].version == "1:2.36.1-8"  # the binary's own epoch
    for ref in util_linux:
        assert {(r, a) for r, a, _ in expected if r == ref} >= {(ref, "DSA-5055-1")}
    found = by_component(report)
    (dsa,) = [f for f in tracker[("bullseye", "util-linux")] if f.advisory == "DSA-5055-1"]
    assert {f.id for f in found[bsdutils]} == set(dsa.cves)  # one finding per CVE
    for finding in found[bsdutils]:
        assert "DSA-5055-1" in finding.aliases
        assert finding.version == "1:2.36.1-8"  # as the SBOM gives it
        (evidence,) = finding.evidence
        assert evidence.decision == "Debian:11 util-linux 2.36.1-8: fixed in 2.36.1-8+deb11u1"
        assert evidence.labels == ()
        assert evidence.notes == (
            "the source package's version given in the purl (util-linux 2.36.1-8) was "
            "evaluated, not the binary package's 1:2.36.1-8",
        )
    libuuid = next(ref for ref, item in util_linux.items() if item.name == "libuuid1")
    for finding in found[libuuid]:  # upstream=util-linux: no source version given
        assert [e.labels for e in finding.evidence] == [("binary-version",)]


def test_osv_debian_record_is_matched_at_the_source_version(
    shared_data: Path, tracker: dict[tuple[str, str], list[Fix]], tmp_path: Path
) -> None:
    """DSA-5055-1 as the OSV record osv.dev makes of a DSA (id, `upstream` CVEs, the fixed
    version as an ECOSYSTEM range of the source package), matched by purl."""
    (dsa,) = [f for f in tracker[("bullseye", "util-linux")] if f.advisory == "DSA-5055-1"]
    record = {
        "id": dsa.advisory,
        "modified": "2022-01-24T00:00:00Z",
        "upstream": list(dsa.cves),
        "affected": [
            {
                "package": {"ecosystem": "Debian:11", "name": dsa.package},
                "ranges": [
                    {
                        "type": "ECOSYSTEM",
                        "events": [{"introduced": "0"}, {"fixed": dsa.version}],
                    }
                ],
            }
        ],
    }
    write_record(tmp_path / "osv", record)
    importer.import_paths([tmp_path / "osv"], home=tmp_path / "home")
    path = bullseye_release_nginx(shared_data, tmp_path)
    raw = raw_components(path.parent, path.name)
    osv_only = open_current(tmp_path / "home")
    assert osv_only is not None
    with osv_only:
        report = scanned(osv_only, merge_documents([read_sbom(path, path.name, validate=False)]))
    expected = set()
    for item in raw:
        if item.purl and item.purl.startswith("pkg:deb/"):
            source, version = debian_source(PackageURL.from_string(item.purl))
            if source == dsa.package and DebianVersion(version) < DebianVersion(dsa.version):
                expected.update((item.ref, cve) for cve in dsa.cves)
    assert any(item.name == "bsdutils" and (item.ref, dsa.cves[0]) in expected for item in raw)
    found = {(f.component, f.id) for f in report.findings}
    assert found == expected
    assert all(dsa.advisory in f.aliases for f in report.findings)


def ubuntu_expected(shared_data: Path, components: list[RawComponent]) -> set[tuple[str, str]]:
    """(bom-ref, upstream CVE) of every live Ubuntu OSV record of the samples affecting a
    component's source package at its source version."""
    records = [
        json.loads(p.read_text(encoding="utf-8"))
        for p in sorted((shared_data / UBUNTU_OSV).glob("osv*/**/*.json"))
    ]
    found = set()
    for item in components:
        if not item.purl or not item.purl.startswith("pkg:deb/ubuntu/"):
            continue
        purl = PackageURL.from_string(item.purl)
        release = purl.qualifiers["distro"].removeprefix("ubuntu-")
        source, version = debian_source(purl)
        for record in records:
            if record.get("withdrawn"):
                continue
            for entry in record["affected"]:
                package = entry["package"]
                if (package["ecosystem"], package["name"]) != (f"Ubuntu:{release}:LTS", source):
                    continue
                if version in entry.get("versions", ()) or _deb_in_ranges(entry, version):
                    found.update((item.ref, cve) for cve in record["upstream"])
    return found


def _deb_in_ranges(entry: dict[str, Any], version: str) -> bool:
    at = DebianVersion(version)
    for rng in entry.get("ranges", ()):
        inside = False
        for event in rng["events"]:
            for kind, v in event.items():
                here = None if v == "0" else DebianVersion(v)
                if kind == "introduced" and (here is None or here <= at):
                    inside = True
                elif kind == "fixed" and here is not None and here <= at:
                    inside = False
        if inside:
            return True
    return False


@pytest.mark.parametrize("rel", UBUNTU_IMAGES)
def test_ubuntu_images_show_the_upstream_cve(
    shared_data: Path, snapshot: Snapshot, rel: str
) -> None:
    raw = raw_components(shared_data, rel)
    report = scanned(snapshot, inventory(shared_data, rel))
    ubuntu = [f for f in report.findings if any(e.record.startswith("UBUNTU-") for e in f.evidence)]
    expected = ubuntu_expected(shared_data, raw)
    # glibc's UBUNTU-CVE-2016-20013 affects 22.04 (ubuntu, kapacitor); for 20.04 (rabbitmq) the
    # samples hold only its Ubuntu Pro entry
    assert bool(expected) is ("20.04" not in json.dumps([c.purl for c in raw]))
    assert {(f.component, f.id) for f in ubuntu} == expected
    for finding in ubuntu:
        assert {e.record for e in finding.evidence} <= set(finding.aliases)


# --- 3. findings name the component as the SBOM does ---------------------------------------


@pytest.mark.parametrize("rel", (NGINX, ALPINE, KUBE, *UBUNTU_IMAGES[:1]))
def test_findings_name_the_component_as_the_sbom_does(
    shared_data: Path, snapshot: Snapshot, rel: str
) -> None:
    raw = {item.ref: item for item in raw_components(shared_data, rel)}
    report = scanned(snapshot, inventory(shared_data, rel))
    assert report.findings
    for finding in report.findings:
        item = raw[finding.component]  # the bom-ref (SPDXID) as written
        assert (finding.name, finding.version) == (item.name, item.version)


def alpine_expected(shared_data: Path, components: list[RawComponent]) -> set[tuple[str, str, str]]:
    """(bom-ref, secdb fix, CVE): per CVE, the lowest release of the origin package that lists
    it decides (a CVE listed under `0` never affects the branch)."""
    fixes: dict[str, dict[str, list[tuple[str, str]]]] = {}
    never: dict[str, set[str]] = {}
    for repo in ("main", "community"):
        data = json.loads((shared_data / SECDB / f"{repo}.json").read_text(encoding="utf-8"))
        for entry in data["packages"]:
            name = entry["pkg"]["name"]
            for version, ids in (entry["pkg"].get("secfixes") or {}).items():
                cves = [c for text in ids for c in re.findall(r"CVE-\d{4}-\d+", text)]
                for cve in cves:
                    if version == "0":
                        never.setdefault(name, set()).add(cve)
                    else:
                        key = f"Alpine:v3.16/{repo}/{name}@{version}"
                        fixes.setdefault(name, {}).setdefault(cve, []).append((version, key))
    found = set()
    for item in components:
        if not item.purl or not item.purl.startswith(("pkg:apk/", "pkg:alpine/")):
            continue
        purl = PackageURL.from_string(item.purl)
        origin = purl.qualifiers.get("upstream") or purl.name
        assert purl.version is not None
        for cve, listed in fixes.get(origin, {}).items():
            version, key = min(listed, key=lambda f: AlpineLinuxVersion(f[0]))
            if cve not in never.get(origin, ()) and AlpineLinuxVersion(
                purl.version
            ) < AlpineLinuxVersion(version):
                found.add((item.ref, key, cve))
    return found


def test_distro_findings_show_the_cve_they_concern(
    shared_data: Path, snapshot: Snapshot, tracker: dict[tuple[str, str], list[Fix]]
) -> None:
    raw = raw_components(shared_data, ALPINE)
    report = scanned(snapshot, inventory(shared_data, ALPINE))
    expected = alpine_expected(shared_data, raw)
    # e.g. libssl1.1 1.1.1q-r0: "1.1.1t-r0": CVE-2022-4304 CVE-2022-4450 CVE-2023-0215 …
    assert any(
        key.endswith("openssl@1.1.1t-r0") and cve == "CVE-2023-0286" for _, key, cve in expected
    )
    assert distro_pairs(report) == expected
    for finding in report.findings:
        assert finding.id.startswith("CVE-")
        assert {e.record for e in finding.evidence} <= set(finding.aliases)
    nginx = scanned(snapshot, inventory(shared_data, NGINX))
    assert {f.id for f in nginx.findings} == {
        cve for _, _, cve in debian_expected(raw_components(shared_data, NGINX), tracker)
    }


# --- 4. Go pseudo-versions with no tagged base -----------------------------------------------


def test_main_module_pseudo_version_matches_are_low_confidence(
    shared_data: Path, snapshot: Snapshot, go_records: list[dict[str, Any]]
) -> None:
    """The kube-apiserver v1.25.2 image: syft names the binary's own module k8s.io/kubernetes
    v0.0.0-20220921142545-5835544ca568."""
    raw = {item.name: item for item in raw_components(shared_data, KUBE)}
    kubernetes = raw["k8s.io/kubernetes"]
    assert kubernetes.version == "v0.0.0-20220921142545-5835544ca568"
    expected = go_expected(go_records, "k8s.io/kubernetes", kubernetes.version)
    # the 28 plain findings of the issue; all but those of ranges open above are bounded
    assert len(expected) == 28 and {"bounded", "open"} == set(expected.values())
    report = scanned(snapshot, inventory(shared_data, KUBE))
    found = by_component(report)
    labelled = {e.record: e.labels == (LOW,) for f in found[kubernetes.ref] for e in f.evidence}
    assert labelled == {advisory: verdict == "bounded" for advisory, verdict in expected.items()}
    for finding in found[kubernetes.ref]:
        for evidence in finding.evidence:
            if evidence.labels:
                (note,) = evidence.notes
                assert note.startswith(
                    "v0.0.0-20220921142545-5835544ca568 is a Go pseudo-version with no tagged "
                    "base, while the advisories of k8s.io/kubernetes name tagged releases only"
                )
    # dependencies at v0.0.0 pseudo-versions that `go` resolved (x/net, x/crypto: their
    # advisories name pseudo-versions too) are not labelled
    others = {f.name for f in report.findings if f.component != kubernetes.ref}
    assert {"golang.org/x/net", "golang.org/x/crypto"} <= others
    assert not [
        f.name
        for f in report.findings
        if f.name in ("golang.org/x/net", "golang.org/x/crypto")
        and any(LOW in e.labels for e in f.evidence)
    ]


@pytest.mark.parametrize("rel", GO_IMAGES)
def test_only_binaries_own_modules_are_labelled(
    shared_data: Path, snapshot: Snapshot, rel: str
) -> None:
    """Whatever is labelled low-confidence in the Go images is the main module of its binary
    (syft's `syft:metadata:mainModule` names it), and its version has no tagged base."""
    raw = {item.ref: item for item in raw_components(shared_data, rel)}
    report = scanned(snapshot, inventory(shared_data, rel))
    labelled = {f.component for f in report.findings if any(LOW in e.labels for e in f.evidence)}
    for ref in labelled:
        item = raw[ref]
        assert item.properties["syft:metadata:mainModule"] == item.name
        assert item.version is not None and item.version.startswith("v0.0.0-")
    mains = {
        item.name
        for item in raw.values()
        if item.properties.get("syft:metadata:mainModule") == item.name
    }
    # the main modules whose golang-vulndb advisories name releases of v1 or later (vault
    # 1.x, consul 1.x, compose 2.x); docker buildx's name only 0.21.3; caddy's image has no
    # main module at a v0.0.0- version
    assert {raw[ref].name for ref in labelled} == mains & {
        "github.com/hashicorp/vault",
        "github.com/hashicorp/consul",
        "github.com/docker/compose/v2",
    }
