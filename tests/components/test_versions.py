"""The `chainreview.components.versions` API: ecosystem selection, invalid input, caching and
ordering properties (total order consistent with `compare`), on versions taken from the vectors.
"""

from __future__ import annotations

import itertools
import os
import re
from pathlib import Path

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from chainreview.components.versions import (
    MAX_VERSION_CHARS,
    InvalidVersion,
    compare,
    sort_key,
    supported,
)

_DATA = Path(os.environ["CHAINREVIEW_SHARED_DATA"])
_VECTORS = _DATA / "osv-scalibr-version-vectors/semantic/testdata"

SCHEME_FILES = {
    "Alpine": "alpine-versions",
    "CRAN": "cran-versions",
    "Debian": "debian-versions",
    "Hackage": "hackage-versions",
    "Maven": "maven-versions",
    "NuGet": "nuget-versions",
    "Packagist": "packagist-versions",
    "Pub": "pub-versions",
    "PyPI": "pypi-versions",
    "Red Hat": "redhat-versions",
    "RubyGems": "rubygems-versions",
    "npm": "semver-versions",
}


def _versions(prefix: str) -> list[str]:
    found: set[str] = set()
    for path in sorted(_VECTORS.glob(f"{prefix}*.txt")):
        for line in path.read_text(encoding="utf-8").splitlines():
            if line and not line.startswith(("# ", "// ")):
                a, _, b = line.split(" ")
                found.update((a, b))
    return sorted(found)


VERSIONS = {eco: _versions(prefix) for eco, prefix in SCHEME_FILES.items()}


def test_vector_versions_loaded(shared_data: Path) -> None:
    assert all(len(v) > 10 for v in VERSIONS.values()), "vector files missing"


@pytest.mark.parametrize(
    ("ecosystem", "a", "b", "expected"),
    [
        ("Debian:12", "1.0~rc1-1", "1.0-1", -1),
        ("Ubuntu:22.04:LTS", "2.35-0ubuntu3.1", "2.35-0ubuntu3", 1),
        ("Ubuntu:Pro:18.04:LTS", "1:1.0", "2.0", 1),
        ("Alpine:v3.16", "1.2.3-r1", "1.2.3_rc1-r5", 1),
        ("Wolfi", "1.0-r0", "1.0-r1", -1),
        ("Red Hat:enterprise_linux:9::appstream", "1:2.0-1.el9", "2.1-1.el9", 1),
        ("Rocky Linux:9", "1.0~beta", "1.0", -1),
        ("Go", "v1.2.3+incompatible", "1.2.3", 0),
        ("SEMVER", "v1.0.0-rc.1", "1.0.0", -1),
        ("crates.io", "0.10.0", "0.9.9", 1),
        ("Pub", "1.0.0+2", "1.0.0+10", -1),
        ("PyPI", "1.0.post1", "1.0", 1),
        ("PyPI", "0.9-ivysaur", "0.9-eevee", 1),
        ("PyPI", "0.9-ivysaur", "0.1", -1),
        ("Maven", "1.0-SNAPSHOT", "1.0", -1),
        ("GHC", "9.4.7", "9.10.1", -1),
        ("Bioconductor", "3.18-1", "3.18", 1),
    ],
)
def test_compare_with_ecosystem_suffixes(ecosystem: str, a: str, b: str, expected: int) -> None:
    assert compare(ecosystem, a, b) == expected
    assert compare(ecosystem, b, a) == -expected


def test_supported() -> None:
    assert supported("Debian:11")
    assert supported("SEMVER")
    assert supported("Red Hat:enterprise_linux:8::baseos")
    assert not supported("Linux")
    assert not supported("pypi")  # OSV ecosystem names are case-sensitive
    with pytest.raises(InvalidVersion, match="no version ordering for ecosystem 'GIT'"):
        sort_key("GIT", "abc")


@pytest.mark.parametrize(
    ("ecosystem", "version", "message"),
    [
        ("npm", "1.0.0.beta", "not a valid SemVer version"),
        ("npm", "latest", "not a valid SemVer version"),
        ("Go", "v1.2.3-", "not a valid SemVer version"),
        ("Pub", "1.0.0+", "not a valid SemVer version"),
        ("NuGet", "1.2.3.4.5", "not a valid NuGet version"),
        ("RubyGems", "a.b", "not a valid RubyGems version"),
        ("Debian", "1.2.3-not-a-debian:version!@#$", "not a valid Debian version"),
        ("Debian", "1:", "not a valid Debian version"),
        ("CRAN", "1.0a", "not a valid CRAN version"),
        ("Hackage", "1.0-tag", "not a valid Hackage version"),
        ("Packagist", "...", "not a valid Packagist version"),
        ("PyPI", "...", "not a valid PEP 440 or legacy version"),
        ("PyPI", "1.0 beta", "whitespace or control characters"),
        ("Maven", "1.0\n", "whitespace or control characters"),
        ("Alpine", "", "empty version"),
        ("Red Hat", "\x00", "whitespace or control characters"),
    ],
)
def test_invalid_versions(ecosystem: str, version: str, message: str) -> None:
    with pytest.raises(InvalidVersion, match=re.escape(message)) as info:
        sort_key(ecosystem, version)
    assert "\n" not in str(info.value)


@pytest.mark.parametrize("ecosystem", sorted(SCHEME_FILES))
def test_overlong_versions_refused(ecosystem: str) -> None:
    sort_key(ecosystem, "1" * MAX_VERSION_CHARS)
    with pytest.raises(InvalidVersion, match="longer than 256"):
        sort_key(ecosystem, "1" * (MAX_VERSION_CHARS + 1))


def test_pypi_legacy_sorts_before_pep440() -> None:
    assert compare("PyPI", "2019.12.304-advent", "0.0.1") == -1
    assert compare("PyPI", "1.0-foo", "1.0-bar") == 1
    assert sort_key("PyPI", "1.0") == sort_key("PyPI", "1.0.0")
    assert hash(sort_key("PyPI", "1.0")) == hash(sort_key("PyPI", "1.0.0"))


def test_sort_key_is_cached() -> None:
    sort_key.cache_clear()
    first = sort_key("npm", "1.2.3")
    assert sort_key("npm", "1.2.3") is first
    assert sort_key.cache_info().hits == 1


def _scheme_and_versions(count: int) -> st.SearchStrategy[tuple[str, list[str]]]:
    return st.sampled_from(sorted(VERSIONS)).flatmap(
        lambda eco: st.tuples(
            st.just(eco),
            st.lists(st.sampled_from(VERSIONS[eco]), min_size=count, max_size=count),
        )
    )


@settings(max_examples=3000, deadline=None)
@given(_scheme_and_versions(3))
def test_total_order_consistent_with_compare(case: tuple[str, list[str]]) -> None:
    eco, (a, b, c) = case
    ab, bc, ac = compare(eco, a, b), compare(eco, b, c), compare(eco, a, c)
    assert compare(eco, b, a) == -ab  # antisymmetry
    if ab <= 0 and bc <= 0:  # transitivity
        assert ac <= 0
        assert ac == 0 or ab < 0 or bc < 0
    if ab >= 0 and bc >= 0:
        assert ac >= 0
    key_a, key_b = sort_key(eco, a), sort_key(eco, b)
    assert (key_a < key_b) == (ab < 0)
    assert (key_a == key_b) == (ab == 0)
    if ab == 0:
        assert hash(key_a) == hash(key_b)


@settings(max_examples=300, deadline=None)
@given(_scheme_and_versions(20))
def test_sorting_by_key_agrees_with_pairwise_compare(case: tuple[str, list[str]]) -> None:
    eco, versions = case
    ordered = sorted(versions, key=lambda v: sort_key(eco, v))
    assert all(compare(eco, x, y) <= 0 for x, y in itertools.pairwise(ordered))
