"""Coverage: what a scan checked against which source, on real SBOMs and real feeds.

The expected figures come from the raw SBOM JSON, read here with `json` and a regular expression
over the purl strings (not with chainreview's purl parser or routing), and from which feeds each
test imports and how it marks them: distinct purls per purl type (and per Alpine/Debian release
named by the `distro` qualifier), the components without a purl, the SBOM's root.
"""

from __future__ import annotations

import json
import re
import shutil
from collections import Counter
from pathlib import Path

import pytest
from tests.conftest import Corpus

from chainreview.evidence.merge import merge_documents
from chainreview.evidence.sbom import read_sbom
from chainreview.findings.coverage import Coverage, CoverageState, Route, coverage
from chainreview.findings.policy import uncovered
from chainreview.intel import importer
from chainreview.intel.interface import FeedKind
from chainreview.intel.snapshot import open_current

SYFT = "guac-data-sboms/docs/cyclonedx"
CONSUL = f"{SYFT}/syft-cyclonedx-docker.io-library-consul.latest.json"
PYTHON = f"{SYFT}/syft-cyclonedx-docker.io-library-python.latest.json"
BONITA = "guac-data-sboms/top-dh-sboms/bonita.json"
PYPA = "pypa-advisory-database/vulns"
ALPINE_315 = "alpine-secdb/alpine/v3.15"
FIRMWARE = Path(__file__).parents[2] / "examples/grid-storage/sbom/vs8400-firmware.cdx.json"
_ECOSYSTEMS = {"golang": "Go", "pypi": "PyPI", "maven": "Maven"}


def _purls(path: Path) -> tuple[list[str], int]:
    """The distinct purl strings of a CycloneDX or SPDX JSON file, and its entries without one."""
    doc = json.loads(path.read_text(encoding="utf-8"))
    entries = doc.get("components") or doc.get("packages") or []
    found: list[str] = []
    without = 0
    for entry in entries:
        refs = [
            r["referenceLocator"]
            for r in entry.get("externalRefs", ())
            if r.get("referenceType") == "purl"
        ]
        purl = entry.get("purl") or (refs[0] if refs else None)
        if purl is None:
            without += 1
        elif purl not in found:
            found.append(purl)
    return found, without


def _expected_targets(purls: list[str]) -> Counter[str]:
    """Components per OSV ecosystem or distribution release, by the purl strings alone."""
    counted: Counter[str] = Counter()
    for purl in purls:
        kind = re.match(r"pkg:/*([a-z]+)/", purl)
        assert kind is not None, purl
        release = re.search(r"distro=(alpine|debian)-(\d+)(?:\.(\d+))?", purl)
        if kind.group(1) in ("alpine", "apk"):
            assert release is not None
            counted[f"Alpine:v{release.group(2)}.{release.group(3)}"] += 1
        elif kind.group(1) == "deb":
            assert release is not None
            counted[f"Debian:{release.group(2)}"] += 1
        else:
            counted[_ECOSYSTEMS[kind.group(1)]] += 1
    return counted


def _scan_coverage(path: Path, home: Path) -> Coverage:
    inventory = merge_documents([read_sbom(path, path.name)])
    snapshot = open_current(home)
    assert snapshot is not None
    with snapshot:
        return coverage(inventory, snapshot)


def _by_target(found: Coverage) -> dict[str, tuple[CoverageState, int]]:
    return {g.target: (g.state, len(g.components)) for g in found.groups}


@pytest.fixture(scope="module")
def go_partial_alpine_whole(
    corpus: Corpus, shared_data: Path, tmp_path_factory: pytest.TempPathFactory
) -> Path:
    """The OSV corpora (Go among them) imported without --complete; Alpine 3.15's secdb marked
    whole."""
    home = tmp_path_factory.mktemp("coverage-go-alpine")
    shutil.copytree(corpus.home / "intel", home / "intel")
    importer.import_paths(
        [shared_data / ALPINE_315], home=home, kind=FeedKind.DISTRO, complete=True
    )
    return home


def test_a_go_and_alpine_image_partial_go_checked_alpine(
    shared_data: Path, go_partial_alpine_whole: Path
) -> None:
    purls, without = _purls(shared_data / CONSUL)
    expected = _expected_targets(purls)
    assert expected == {"Go": expected["Go"], "Alpine:v3.15": expected["Alpine:v3.15"]}
    found = _scan_coverage(shared_data / CONSUL, go_partial_alpine_whole)
    assert _by_target(found) == {
        "no identifier": (CoverageState.NOT_CHECKED, without),  # syft's OS component
        "Go": (CoverageState.PARTIAL, expected["Go"]),
        "Alpine:v3.15": (CoverageState.CHECKED, expected["Alpine:v3.15"]),
    }
    root = json.loads((shared_data / CONSUL).read_text())["metadata"]["component"]["bom-ref"]
    assert found.roots == (root,)  # the image itself, counted apart
    assert found.components == len(purls) + without + 1
    assert (found.checked, found.partial, found.not_checked) == (
        expected["Alpine:v3.15"],
        expected["Go"],
        without,
    )
    sources = {s.name: (s.complete, s.demo) for s in found.sources}
    assert sources == {
        "osv:Go": (False, False),
        "alpine:v3.15/community": (True, False),
        "alpine:v3.15/main": (True, False),
    }
    assert not found.demo and not found.complete


def test_maven_is_not_checked_without_maven_advisories(
    shared_data: Path, go_partial_alpine_whole: Path
) -> None:
    purls, without = _purls(shared_data / BONITA)
    expected = _expected_targets(purls)
    assert without == 0
    found = _scan_coverage(shared_data / BONITA, go_partial_alpine_whole)
    groups = _by_target(found)
    assert groups == {
        "Maven": (CoverageState.NOT_CHECKED, expected["Maven"]),
        "Alpine:v3.15": (CoverageState.CHECKED, expected["Alpine:v3.15"]),
    }
    (maven,) = [g for g in found.groups if g.target == "Maven"]
    assert maven.reason == "no advisories for Maven in the intel snapshot"
    assert maven.route is Route.ECOSYSTEM and maven.sources == ()
    assert uncovered(found) == (maven,)


def test_debian_packages_without_debian_advisories_are_not_checked(
    shared_data: Path, tmp_path: Path
) -> None:
    importer.import_paths([shared_data / PYPA], home=tmp_path, workers=2, complete=True)
    purls, without = _purls(shared_data / PYTHON)
    expected = _expected_targets(purls)
    found = _scan_coverage(shared_data / PYTHON, tmp_path)
    assert _by_target(found) == {
        "Debian:11": (CoverageState.NOT_CHECKED, expected["Debian:11"]),
        "no identifier": (CoverageState.NOT_CHECKED, without),
        "PyPI": (CoverageState.CHECKED, expected["PyPI"]),
    }
    (pypi,) = [g for g in found.groups if g.target == "PyPI"]
    assert pypi.reason.startswith("checked against osv:PyPI [whole feed; data as of ")


def test_the_root_is_never_counted_and_cpe_components_rest_on_nvd(bundled_home: Path) -> None:
    doc = json.loads(FIRMWARE.read_text(encoding="utf-8"))
    root = doc["metadata"]["component"]["bom-ref"]
    entries = [doc["metadata"]["component"], *doc["components"]]
    with_cpe = [e["bom-ref"] for e in entries if e["bom-ref"] != root and "cpe" in e]
    bare = [e["bom-ref"] for e in entries if e["bom-ref"] != root and "cpe" not in e]
    found = _scan_coverage(FIRMWARE, bundled_home)
    assert found.roots == (root,)
    assert found.components == len(entries)
    groups = {g.target: g for g in found.groups}
    assert set(groups) == {"NVD", "no identifier"}
    # the bundle holds nine NVD records: a partial selection, never "checked"
    assert groups["NVD"].state is CoverageState.PARTIAL
    assert list(groups["NVD"].components) == with_cpe
    assert list(groups["no identifier"].components) == bare
    assert groups["NVD"].reason.startswith("NVD present only as a partial selection (nvd [")
    assert found.demo and found.checked == 0
