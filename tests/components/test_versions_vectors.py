"""Conformance: every comparison line of the osv-scalibr version vectors (`a < b`, `a = b`,
`a > b`; lines starting `# ` or `// ` are comments), checked both ways round.

Known divergences are data below, each with the reason; they are strict xfails and are
documented in docs/version-divergences.md.
"""

from __future__ import annotations

from pathlib import Path

import pytest

from chainreview.components.versions import compare

_VECTORS = "osv-scalibr-version-vectors/semantic/testdata"
_OPS = {"<": -1, "=": 0, ">": 1}

FILES: dict[str, str] = {
    "alpine-versions.txt": "Alpine",
    "alpine-versions-generated.txt": "Alpine",
    "cran-versions.txt": "CRAN",
    "cran-versions-generated.txt": "CRAN",
    "debian-versions.txt": "Debian",
    "debian-versions-generated.txt": "Debian",
    "hackage-versions.txt": "Hackage",
    "maven-versions.txt": "Maven",
    "maven-versions-generated.txt": "Maven",
    "nuget-versions.txt": "NuGet",
    "packagist-versions.txt": "Packagist",
    "packagist-versions-generated.txt": "Packagist",
    "pub-versions.txt": "Pub",
    "pypi-versions.txt": "PyPI",
    "pypi-versions-generated.txt": "PyPI",
    "redhat-versions.txt": "Red Hat",
    "rubygems-versions.txt": "RubyGems",
    "rubygems-versions-generated.txt": "RubyGems",
    "semver-versions.txt": "npm",
}
"""Each vector file and the ecosystem osv-scalibr runs it under."""

SEMVER_ALSO = ("SEMVER", "crates.io", "Go", "Hex")
"""semver-versions.txt is also run under these, as osv-scalibr does for crates.io, Go and Hex."""

_MAVEN_3_8_CYCLE = (
    "maven-artifact 3.8.6 (the generator's ComparableVersion) is not transitive when a `.0` "
    "before a `.qualifier` meets a `-` sublist: it puts '2.9.0.RC3 < 2.9.0 < 2.9.0-1 < "
    "2.9.0.RC1' in this very file, a cycle with RC1 < RC3.  Maven 3.9 (MNG-7644, 'treat .X as "
    "-X') orders these pairs the other way, as our total order does."
)

DIVERGENCES: dict[tuple[str, str], str] = {
    ("maven-versions-generated.txt", "2.9.0-1 < 2.9.0.RC1"): _MAVEN_3_8_CYCLE,
    ("maven-versions-generated.txt", "1.0.0-gradle-rework-beta3 < 1.0.0.RC7-3"): _MAVEN_3_8_CYCLE,
    ("maven-versions-generated.txt", "1.1.0-01-glassfish < 1.1.0.Beta1"): _MAVEN_3_8_CYCLE,
    ("packagist-versions.txt", "1.2.3.# = 1.2.3.1"): (
        "PHP version_compare is not transitive for '#': the same file asserts "
        "'1.2.3.# = 1.2.3', and version_compare gives 1.2.3 < 1.2.3.1; no sort key can make "
        "'#' equal both.  Composer's VersionParser refuses '#' versions."
    ),
}
"""(file, line) -> why we differ.  Only these lines may fail."""


def _lines(data: Path, name: str) -> list[tuple[int, str]]:
    path = data / _VECTORS / name
    out = []
    for number, line in enumerate(path.read_text(encoding="utf-8").splitlines(), 1):
        if line and not line.startswith(("# ", "// ")):
            out.append((number, line))
    return out


def _holds(ecosystem: str, line: str) -> bool:
    """Whether `compare` agrees with the line, both ways round."""
    a, op, b = line.split(" ")
    expected = _OPS[op]
    return compare(ecosystem, a, b) == expected and compare(ecosystem, b, a) == -expected


@pytest.mark.parametrize(("name", "ecosystem"), FILES.items())
def test_vector_file(shared_data: Path, name: str, ecosystem: str) -> None:
    """Every line holds except the listed divergences, and each of those still diverges."""
    lines = _lines(shared_data, name)
    assert lines, f"{name} has no comparison lines"
    failing = {line for _, line in lines if not _holds(ecosystem, line)}
    listed = {line for file, line in DIVERGENCES if file == name}
    assert failing - listed == set(), f"{ecosystem}: unexpected divergences"
    assert listed - failing == set(), f"{ecosystem}: listed divergences now pass; unlist them"


@pytest.mark.parametrize("ecosystem", SEMVER_ALSO)
def test_semver_vectors_other_ecosystems(shared_data: Path, ecosystem: str) -> None:
    lines = _lines(shared_data, "semver-versions.txt")
    assert [line for _, line in lines if not _holds(ecosystem, line)] == []


def test_vector_files_present(shared_data: Path) -> None:
    folder = shared_data / _VECTORS
    on_disk = {p.name for p in folder.glob("*-versions*.txt")}
    assert on_disk == set(FILES), "a vector file is missing or not mapped to an ecosystem"


def test_divergences_within_budget(shared_data: Path) -> None:
    """Zero for the core schemes is the goal; never more than 2% of any file."""
    for name in FILES:
        listed = sum(1 for file, _ in DIVERGENCES if file == name)
        assert listed <= 0.02 * len(_lines(shared_data, name)), name
    lines = {(name, line) for name in FILES for _, line in _lines(shared_data, name)}
    assert set(DIVERGENCES) <= lines, "a listed divergence is not a line of its file"
