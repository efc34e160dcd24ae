"""Each feed reader's `sniff` claims its own files and no other reader's."""

from __future__ import annotations

from pathlib import Path
from types import ModuleType

import pytest

from chainreview.intel import alpine, debian, eol, epss, kev, nvd, sanctions

SYNTHETIC = Path(__file__).parent.parent / "fixtures" / "synthetic"

SAMPLES: dict[ModuleType, tuple[str, ...]] = {
    kev: (
        "cisa-kev/known_exploited_vulnerabilities.json",
        "cisa-kev/known_exploited_vulnerabilities.csv",
    ),
    nvd: (
        "nvd-cve-firmware-selection/CVE-2022/CVE-2022-36xx/CVE-2022-3602.json",
        "osv-dev-vulnfeeds-nvd/vulnfeeds/test_data/nvdcve-2.0/CVE-2023-4863.json",
        "osv-dev-vulnfeeds-nvd/vulnfeeds/test_data/nvdcve-1.1-test-data.json",
        "osv-dev-testdata/vulnfeeds/conversion/nvd/testdata/test.json",
    ),
    sanctions: (
        "ofac-sdn/sdn.csv",
        "synthetic:csl_consolidated.json",
        "synthetic:csl_consolidated.csv",
    ),
    alpine: ("alpine-secdb/alpine/v3.16/main.json", "alpine-secdb/alpine/edge/community.json"),
    debian: ("debian-security-tracker/data/DSA/list", "debian-security-tracker/data/DLA/list"),
    epss: ("synthetic:epss_scores-2023-03-09.csv", "synthetic:epss_scores-2023-03-09.csv.gz"),
    eol: ("synthetic:python.json", "synthetic:nodejs-v1.json"),
}

OTHER_FILES = (
    "osv-schema/validation/schema.json",
    "golang-vulndb/data/osv/GO-2020-0001.json",
    "cyclonedx-bom-examples/SBOM/juice-shop/v11.1.2/bom.json",
    "debian-security-tracker/data/embedded-code-copies",
    "MANIFEST.md",
)


def resolve(shared_data: Path, name: str) -> Path:
    synthetic = name.removeprefix("synthetic:")
    path = SYNTHETIC / synthetic if synthetic != name else shared_data / name
    assert path.is_file(), path
    return path


@pytest.mark.parametrize("module", list(SAMPLES), ids=lambda m: m.__name__.rsplit(".", 1)[-1])
def test_sniff_claims_own_files_only(shared_data: Path, module: ModuleType) -> None:
    for owner, names in SAMPLES.items():
        for name in names:
            assert module.sniff(resolve(shared_data, name)) is (owner is module), (module, name)
    for name in OTHER_FILES:
        assert module.sniff(resolve(shared_data, name)) is False, (module, name)


def test_sniff_is_false_for_missing_and_empty_files(tmp_path: Path) -> None:
    empty = tmp_path / "empty"
    empty.write_bytes(b"")
    for module in SAMPLES:
        assert module.sniff(tmp_path / "missing") is False
        assert module.sniff(empty) is False
