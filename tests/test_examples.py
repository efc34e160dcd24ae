"""The example declaration packages under `examples/`: they load, and they show what they claim.

Every package must load with `load_declaration` and answer the whole question bank with answers
of the right type. Across the packages there must be, checked *independently* of chainreview's
matchers (by reading the raw SBOM JSON, the raw declaration YAML and the raw advisory records of
the shared data):

* a component affected by an advisory that aliases a CISA KEV CVE;
* a firmware component matched only by CPE, through an NVD `o:…_firmware AND h:…` configuration
  whose hardware is another component of the same SBOM;
* a real finding that a VEX document declares `not_affected` with a justification;
* a component with no version whose package has advisories (indeterminate);
* an end-of-life component (a declared support end before the declaration date, an end-of-life
  runtime in the SBOM, and an advisory with no fixed version).

Then `chainreview scan` (a subprocess, on a home with the bundled snapshot) must report the same
properties in its JSON output, and `chainreview review` must reach each package's documented
outcome.
"""

from __future__ import annotations

import importlib.util
import json
import os
import subprocess
import sys
from collections.abc import Iterator
from datetime import date
from pathlib import Path
from typing import Any

import pytest
import yaml
from packaging.version import Version

from chainreview.evidence.declaration import load_declaration

ROOT = Path(__file__).resolve().parents[1]
EXAMPLES = ROOT / "examples"
PACKAGES = sorted(p.parent for p in EXAMPLES.glob("*/declaration.yaml"))
CATALOGUE = ROOT / "src" / "chainreview" / "factors" / "catalogue.yaml"

EXPECTED_OUTCOMES = {
    "grid-storage": "fail",
    "domestic-database": "pass_with_conditions",
    "cloud-pi-service": "fail",
    "office-video-conferencing": "no_review_needed",
}
"""The outcome each package's README explains (cn-crm-2022 default policy)."""


def test_the_packages_exist() -> None:
    assert {p.name for p in PACKAGES} >= set(EXPECTED_OUTCOMES)


# --- raw readers (no chainreview code) ---------------------------------------------------------


def _manifest(package: Path) -> dict[str, Any]:
    with (package / "declaration.yaml").open(encoding="utf-8") as handle:
        value: dict[str, Any] = yaml.safe_load(handle)
    return value


def _products() -> Iterator[tuple[Path, dict[str, Any]]]:
    for package in PACKAGES:
        for product in _manifest(package)["products"]:
            yield package, product


def _sbom_components() -> Iterator[tuple[Path, dict[str, Any], dict[str, Any]]]:
    """(sbom path, raw document, component) for every CycloneDX component of every package."""
    for package, product in _products():
        for name in product["sboms"]:
            path = package / name
            document = json.loads(path.read_text(encoding="utf-8"))
            for component in document.get("components", []):
                yield path, document, component


def _pypa_records(shared_data: Path, package: str) -> list[dict[str, Any]]:
    folder = shared_data / "pypa-advisory-database" / "vulns" / package
    records = []
    for path in sorted(folder.glob("*.yaml")):
        with path.open(encoding="utf-8") as handle:
            record = yaml.safe_load(handle)
        if "withdrawn" not in record:
            records.append(record)
    return records


def _kev_ids(shared_data: Path) -> set[str]:
    catalogue = json.loads(
        (shared_data / "cisa-kev" / "known_exploited_vulnerabilities.json").read_text("utf-8")
    )
    return {entry["cveID"] for entry in catalogue["vulnerabilities"]}


def _pypi(component: dict[str, Any]) -> tuple[str, str | None] | None:
    purl = component.get("purl", "")
    if not purl.startswith("pkg:pypi/"):
        return None
    name, _, version = purl.removeprefix("pkg:pypi/").partition("@")
    return name.lower(), version or component.get("version")


def _in_ranges(version: str, affected: dict[str, Any]) -> list[tuple[str, str | None]]:
    """The (introduced, fixed) ECOSYSTEM intervals of `affected` that hold `version`."""
    hits = []
    for r in affected.get("ranges", []):
        if r["type"] != "ECOSYSTEM":
            continue
        introduced: str | None = None
        for event in [*r["events"], {"end": True}]:
            if "introduced" in event:
                if introduced is not None:
                    hits += _interval(version, introduced, None)
                introduced = str(event["introduced"])
            elif introduced is not None and ("fixed" in event or "end" in event):
                hits += _interval(version, introduced, event.get("fixed"))
                introduced = None
    return hits


def _interval(version: str, introduced: str, fixed: str | None) -> list[tuple[str, str | None]]:
    low = Version("0") if introduced == "0" else Version(introduced)
    if Version(version) >= low and (fixed is None or Version(version) < Version(str(fixed))):
        return [(introduced, None if fixed is None else str(fixed))]
    return []


def _cpe(value: str) -> list[str]:
    """A CPE 2.3 formatted string split into its 13 fields (no escaped colons in these)."""
    parts = value.split(":")
    assert len(parts) == 13 and parts[:2] == ["cpe", "2.3"], value
    return parts


# --- every package ----------------------------------------------------------------------------


@pytest.mark.parametrize("package", PACKAGES, ids=lambda p: p.name)
def test_package_loads(package: Path) -> None:
    declaration = load_declaration(package)
    assert declaration.products and declaration.vendors
    # a package under review answers the questionnaire; one outside the review needs none
    assert declaration.answers or EXPECTED_OUTCOMES[package.name] == "no_review_needed"
    for product in declaration.products:
        if product.sbom_files:
            assert product.inventory is not None and product.inventory.components
    assert (package / "README.md").is_file()


@pytest.mark.parametrize("package", PACKAGES, ids=lambda p: p.name)
def test_package_answers_the_whole_question_bank(package: Path) -> None:
    catalogue = yaml.safe_load(CATALOGUE.read_text(encoding="utf-8"))
    questions = {q["id"]: q for f in catalogue["factors"] for q in f["questions"]}
    manifest = _manifest(package)
    if "questionnaire" not in manifest:
        assert EXPECTED_OUTCOMES[package.name] == "no_review_needed"
        return
    with (package / manifest["questionnaire"]).open(encoding="utf-8") as handle:
        answers = {a["question"]: a["answer"] for a in yaml.safe_load(handle)["answers"]}
    assert set(answers) == set(questions)
    for qid, answer in answers.items():
        kind = questions[qid]["answer"]
        if kind == "yes-no":
            assert isinstance(answer, bool), qid
        elif kind == "number":
            assert isinstance(answer, (int, float)) and not isinstance(answer, bool), qid
        elif kind == "date":
            assert isinstance(answer, date), qid  # safe_load reads YYYY-MM-DD as a date
        elif kind == "choice":
            assert answer in questions[qid]["options"], qid
        else:
            assert isinstance(answer, str) and answer.strip(), qid


@pytest.mark.parametrize("package", PACKAGES, ids=lambda p: p.name)
def test_fictional_names_are_not_on_the_sdn_list(package: Path, shared_data: Path) -> None:
    sdn = (shared_data / "ofac-sdn" / "sdn.csv").read_text(encoding="utf-8", errors="replace")
    sdn = sdn.upper()
    manifest = _manifest(package)
    names = [manifest["operator"]["name"]]
    for ref in manifest["vendors"]:
        with (package / ref["file"]).open(encoding="utf-8") as handle:
            names.append(yaml.safe_load(handle)["legal_name"])
    for name in names:
        distinctive = name.split()[0].strip(",").upper()
        assert distinctive not in sdn, name


# --- independent checks of the claimed properties -----------------------------------------------


def test_a_component_is_in_kev(shared_data: Path) -> None:
    kev = _kev_ids(shared_data)
    found = []
    for _, _, component in _sbom_components():
        pypi = _pypi(component)
        if pypi is None:
            continue
        name, version = pypi
        if version is None:
            continue
        for record in _pypa_records(shared_data, name):
            ids = {record["id"], *record.get("aliases", [])}
            for affected in record["affected"]:
                listed = version in [str(v) for v in affected.get("versions", [])]
                intervals = _in_ranges(version, affected)
                if (listed or intervals) and ids & kev:
                    assert listed and intervals, (record["id"], version)  # both forms agree
                    found.append((name, version, record["id"], sorted(ids & kev), intervals))
    assert ("salt", "3000.1", "PYSEC-2020-102", ["CVE-2020-11651"], [("3000", "3000.2")]) in found


def test_a_firmware_component_matches_only_by_cpe(shared_data: Path) -> None:
    record = json.loads(
        (
            shared_data / "nvd-cve-firmware-selection/CVE-2018/CVE-2018-120xx/CVE-2018-12037.json"
        ).read_text("utf-8")
    )
    matched = []
    for sbom, document, component in _sbom_components():
        if component["type"] != "firmware" or "cpe" not in component:
            continue
        assert "purl" not in component  # no purl ecosystem: CPE is the only way to match it
        part, vendor, product = _cpe(component["cpe"])[2:5]
        devices = [
            _cpe(c["cpe"]) for c in document["components"] if c["type"] == "device" and "cpe" in c
        ]
        for configuration in record["configurations"]:
            if configuration.get("operator") != "AND":
                continue
            vulnerable = [
                m for n in configuration["nodes"] for m in n["cpeMatch"] if m["vulnerable"]
            ]
            platform = [
                m for n in configuration["nodes"] for m in n["cpeMatch"] if not m["vulnerable"]
            ]
            for match in vulnerable:
                criteria = _cpe(match["criteria"])
                if criteria[2:5] != [part, vendor, product] or criteria[5] != "-":
                    continue  # `-`: NVD gives no firmware version, so any version is covered
                for needed in platform:
                    wanted = _cpe(needed["criteria"])
                    if any(d[2:5] == wanted[2:5] for d in devices):
                        matched.append((sbom.name, component["name"], match["criteria"]))
    assert matched == [
        (
            "vs8400-firmware.cdx.json",
            "Samsung SSD 850 EVO firmware",
            "cpe:2.3:o:samsung:850_evo_firmware:-:*:*:*:*:*:*:*",
        )
    ]


def test_busybox_lies_in_the_nvd_range(shared_data: Path) -> None:
    record = json.loads(
        (
            shared_data / "nvd-cve-firmware-selection/CVE-2021/CVE-2021-423xx/CVE-2021-42374.json"
        ).read_text("utf-8")
    )
    criterion = record["configurations"][0]["nodes"][0]["cpeMatch"][0]
    assert _cpe(criterion["criteria"])[3:5] == ["busybox", "busybox"]
    versions = [
        _cpe(c["cpe"])[5]
        for _, _, c in _sbom_components()
        if "cpe" in c and _cpe(c["cpe"])[3:5] == ["busybox", "busybox"]
    ]
    low, high = (
        Version(criterion["versionStartIncluding"]),
        Version(criterion["versionEndIncluding"]),
    )
    assert versions and all(low <= Version(v) <= high for v in versions)


def _vex_statements() -> Iterator[tuple[Path, str, str, str, str]]:
    """(file, vulnerability, component purl, status, justification) from every raw VEX file."""
    for package, product in _products():
        for name in product.get("vex", []):
            path = package / name
            document = json.loads(path.read_text(encoding="utf-8"))
            if "statements" in document:  # OpenVEX
                for s in document["statements"]:
                    for p in s["products"]:
                        for sub in p.get("subcomponents", [p]):
                            yield (
                                path,
                                s["vulnerability"]["name"],
                                sub["@id"],
                                s["status"],
                                s.get("justification", ""),
                            )
            for v in document.get("vulnerabilities", []):  # CycloneDX VEX
                for affects in v["affects"]:
                    ref = affects["ref"].partition("#")[2] or affects["ref"]
                    analysis = v["analysis"]
                    yield path, v["id"], ref, analysis["state"], analysis.get("justification", "")


def test_a_real_finding_is_declared_not_affected(shared_data: Path) -> None:
    resolved = []
    for path, vulnerability, purl, status, justification in _vex_statements():
        if status != "not_affected" or not justification:
            continue
        if purl.startswith("pkg:pypi/"):
            name, _, version = purl.removeprefix("pkg:pypi/").partition("@")
            for record in _pypa_records(shared_data, name):
                named = vulnerability in {record["id"], *record.get("aliases", [])}
                if named and any(_in_ranges(version, a) for a in record["affected"]):
                    resolved.append((path.name, vulnerability, purl))
        elif purl.startswith("pkg:golang/"):
            module, _, version = purl.removeprefix("pkg:golang/").partition("@")
            osv = shared_data / "golang-vulndb" / "data" / "osv" / f"{vulnerability}.json"
            record = json.loads(osv.read_text("utf-8"))
            for affected in record["affected"]:
                events = affected["ranges"][0]["events"]
                if affected["package"]["name"] == module and events == [{"introduced": "0"}]:
                    resolved.append((path.name, vulnerability, purl))  # every version affected
    assert ("fleet-agent.openvex.json", "CVE-2019-10906", "pkg:pypi/jinja2@2.10") in resolved
    assert (
        "lxdb-sql-layer.vex.cdx.json",
        "GO-2026-5932",
        "pkg:golang/golang.org/x/crypto@v0.52.0",
    ) in resolved


def test_a_component_without_version_has_advisories(shared_data: Path) -> None:
    unversioned = [
        pypi[0]
        for _, _, c in _sbom_components()
        if (pypi := _pypi(c)) is not None and pypi[1] is None
    ]
    assert "pyyaml" in unversioned
    assert _pypa_records(shared_data, "pyyaml")


def test_an_end_of_life_component() -> None:
    ended = []
    for package in PACKAGES:
        manifest = _manifest(package)
        declared = manifest["declaration"]["date"]
        for product in manifest["products"]:
            end = product.get("support_end")
            if end is not None and end < declared:
                ended.append((package.name, product["id"], str(end)))
    assert ("grid-storage", "P-AGENT", "2025-12-31") in ended
    runtimes = [
        c for _, _, c in _sbom_components() if c.get("purl") == "pkg:generic/python/cpython@2.7.18"
    ]
    assert runtimes and "end of life" in runtimes[0]["description"]  # Python 2.7: 2020-01-01


def test_an_advisory_without_a_fix(shared_data: Path) -> None:
    """pycrypto 2.6.1 (unmaintained since 2013): no released version fixes its advisories.

    Some records name a fixing git commit, but no release was ever made after 2.6.1, so the
    ECOSYSTEM ranges have no `fixed` event.
    """
    affecting = [
        affected
        for record in _pypa_records(shared_data, "pycrypto")
        for affected in record["affected"]
        if _in_ranges("2.6.1", affected)
    ]
    assert len(affecting) >= 2  # CVE-2013-7459, CVE-2018-6594
    for affected in affecting:
        ecosystem = [r for r in affected["ranges"] if r["type"] == "ECOSYSTEM"]
        assert ecosystem and not [e for r in ecosystem for e in r["events"] if "fixed" in e]


# --- what chainreview reports ----------------------------------------------------------------


def _run(home: Path, *args: str) -> subprocess.CompletedProcess[str]:
    env = {**os.environ, "CHAINREVIEW_HOME": str(home)}
    return subprocess.run(
        [sys.executable, "-m", "chainreview", *args],
        capture_output=True,
        text=True,
        env=env,
        check=False,
        timeout=600,
    )


@pytest.fixture(scope="module")
def scans(bundled_home: Path) -> dict[tuple[str, str], dict[str, Any]]:
    """`chainreview scan --format json` of every product's SBOMs with its VEX."""
    out = {}
    for package, product in _products():
        if not product["sboms"]:
            continue
        args = ["scan", "--format", "json"]
        for vex in product.get("vex", []):
            args += ["--vex", str(package / vex)]
        result = _run(bundled_home, *args, *(str(package / s) for s in product["sboms"]))
        assert result.returncode == 0, result.stderr
        out[(package.name, product["id"])] = json.loads(result.stdout)
    return out


def _findings(scans: dict[tuple[str, str], dict[str, Any]]) -> Iterator[dict[str, Any]]:
    for report in scans.values():
        yield from report["findings"]


def test_scan_reports_kev(scans: dict[tuple[str, str], dict[str, Any]]) -> None:
    kev = {(f["name"], f["id"]) for f in _findings(scans) if f["kev"] and f["status"] == "affected"}
    assert ("salt", "CVE-2020-11651") in kev
    assert scans[("grid-storage", "P-AGENT")]["counts"]["kev"] >= 3


def test_scan_reports_vex_not_affected(scans: dict[tuple[str, str], dict[str, Any]]) -> None:
    resolved = {
        (f["name"], f["id"], f["justification"])
        for f in _findings(scans)
        if f["status"] == "not_affected"
    }
    assert ("jinja2", "CVE-2019-10906", "vulnerable_code_not_in_execute_path") in resolved
    assert ("crypto", "GO-2026-5932", "code_not_present") in resolved


def test_scan_reports_indeterminate(scans: dict[tuple[str, str], dict[str, Any]]) -> None:
    undecided = {(u["name"], u["reason"]) for r in scans.values() for u in r["indeterminate"]}
    assert ("pyyaml", "no version") in undecided


def test_scan_reports_unfixable_eol_component(scans: dict[tuple[str, str], dict[str, Any]]) -> None:
    pycrypto = [f for f in _findings(scans) if f["name"] == "pycrypto"]
    assert pycrypto and all(f["fixed_versions"] == [] for f in pycrypto)


def test_scan_reports_the_cpe_only_firmware_match(
    scans: dict[tuple[str, str], dict[str, Any]], bundled_home: Path
) -> None:
    report = scans[("grid-storage", "P-ARRAY")]
    by_cpe = [f for f in report["findings"] if f["confidence"] == "cpe"]
    if by_cpe:
        firmware = {(f["name"], f["id"]) for f in by_cpe}
        assert ("Samsung SSD 850 EVO firmware", "CVE-2018-12037") in firmware
        assert ("busybox", "CVE-2021-42374") in firmware
        assert ("linux", "CVE-2024-1086") in firmware
        samsung = next(f for f in by_cpe if f["id"] == "CVE-2018-12037")
        assert "platform confirmed" in samsung["evidence"][0]["decision"]
        linux = next(f for f in by_cpe if f["id"] == "CVE-2024-1086")
        assert linux["kev"] is not None
        return
    # NOTE: a `scan` without CPE matching wired in: check the CPE matcher itself.
    from chainreview.evidence.sbom import read_sbom
    from chainreview.intel.snapshot import open_current
    from chainreview.matches.cpe import CpeMatch, CpeMatcher, PlatformStatus

    snapshot = open_current(bundled_home)
    assert snapshot is not None
    with snapshot:
        sbom = read_sbom(EXAMPLES / "grid-storage" / "sbom" / "vs8400-firmware.cdx.json")
        results = list(CpeMatcher(snapshot).match_inventory(sbom.components))
    matches = {(r.component, r.advisory_id): r for r in results if isinstance(r, CpeMatch)}
    samsung = matches[("boot-ssd-fw", "CVE-2018-12037")]
    assert samsung.platform is PlatformStatus.CONFIRMED
    assert samsung.platform_components == ("boot-ssd",)
    assert ("busybox", "CVE-2021-42374") in matches


@pytest.fixture(scope="module")
def review_command(bundled_home: Path) -> None:
    """Skip when the CLI has no `review` command (the examples predate it)."""
    if importlib.util.find_spec("chainreview.cli.review") is None:
        pytest.skip("no review command")
    if _run(bundled_home, "review", "--help").returncode != 0:
        pytest.skip("`chainreview review` is not registered")


@pytest.mark.usefixtures("review_command")
@pytest.mark.parametrize("name", sorted(EXPECTED_OUTCOMES))
def test_review_reaches_the_documented_outcome(
    name: str, bundled_home: Path, tmp_path: Path
) -> None:
    out = tmp_path / "review"
    result = _run(bundled_home, "review", str(EXAMPLES / name), "--out", str(out))
    assert result.returncode == 0, result.stderr
    determination = json.loads((out / "result.json").read_text("utf-8"))["determination"]
    assert determination["outcome"] == EXPECTED_OUTCOMES[name]
