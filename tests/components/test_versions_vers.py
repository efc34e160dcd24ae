"""Conformance against the `vers` test suites: the `*version_cmp*` comparison/equality files of
package-url/vers-spec and aboutcode-org/univers (plus univers' `deb_version_python_pkg_test`),
and the pypi / npm range-containment files, through a tiny test-local `vers:` evaluator.

vers schemes without an OSV ecosystem here are left out: alpm, conan, datetime, gentoo,
lexicographic, nginx, openssl.
"""

from __future__ import annotations

import itertools
import json
import os
from pathlib import Path
from urllib.parse import unquote

import pytest

from chainreview.components.versions import compare, sort_key

_DATA = Path(os.environ["CHAINREVIEW_SHARED_DATA"])
_CMP_GLOBS = (
    "vers-spec/tests/*version_cmp*.json",
    "univers-testdata/tests/data/schema/*version_cmp*.json",
    "univers-testdata/tests/data/schema/deb_version_python_pkg_test.json",
)
_CONTAINMENT_GLOBS = (
    "vers-spec/tests/*pypi*containment*.json",
    "vers-spec/tests/*npm*containment*.json",
    "univers-testdata/tests/data/schema/range/pypi_range_containment.json",
)

VERS_TO_OSV = {
    "apk": "Alpine",
    "alpine": "Alpine",
    "cargo": "crates.io",
    "composer": "Packagist",
    "cran": "CRAN",
    "deb": "Debian",
    "gem": "RubyGems",
    "golang": "Go",
    "hackage": "Hackage",
    "hex": "Hex",
    "maven": "Maven",
    "npm": "npm",
    "nuget": "NuGet",
    "pub": "Pub",
    "pypi": "PyPI",
    "rpm": "Red Hat",
    "semver": "SEMVER",
}
LEFT_OUT = {"alpm", "conan", "datetime", "gentoo", "lexicographic", "nginx", "openssl"}


def _tests(path: Path) -> list[dict[str, object]]:
    data = json.loads(path.read_text(encoding="utf-8"))
    tests = data["tests"] if isinstance(data, dict) else data
    assert isinstance(tests, list)
    return tests


def _files(globs: tuple[str, ...]) -> list[Path]:
    return sorted(p for pattern in globs for p in _DATA.glob(pattern))


def _cases(globs: tuple[str, ...]) -> list[object]:
    """One case per test of each file, leaving out tests of schemes in `LEFT_OUT`."""
    return [
        pytest.param(test, id=f"{path.name}:{index}")
        for path in _files(globs)
        for index, test in enumerate(_tests(path))
        if test["input"].get("input_scheme") not in LEFT_OUT  # type: ignore[attr-defined]
    ]


def _scheme(test: dict[str, object]) -> str:
    scheme = test["input"]["input_scheme"]  # type: ignore[index]
    assert isinstance(scheme, str)
    return scheme


@pytest.mark.parametrize("test", _cases(_CMP_GLOBS))
def test_version_cmp(test: dict[str, object]) -> None:
    ecosystem = VERS_TO_OSV[_scheme(test)]
    versions: list[str] = test["input"]["versions"]  # type: ignore[index]
    expected = test["expected_output"]
    if test["test_type"] == "equality":
        assert all(compare(ecosystem, versions[0], v) == 0 for v in versions) is expected
        return
    ordered = sorted(versions, key=lambda v: sort_key(ecosystem, v))
    assert isinstance(expected, list)
    # expected outputs may be normalised spellings (NuGet lower-cases): compare by order
    assert [compare(ecosystem, a, b) for a, b in zip(ordered, expected, strict=True)] == [0] * len(
        expected
    )


def test_cmp_files_present(shared_data: Path) -> None:
    assert len(_files(_CMP_GLOBS)) == 16
    assert len(_files(_CONTAINMENT_GLOBS)) >= 3
    seen = {_scheme(t) for p in _files(_CMP_GLOBS) for t in _tests(p)}
    assert seen <= set(VERS_TO_OSV) | LEFT_OUT


# --- a tiny vers evaluator (vers-spec docs/specification/how-to-parse.md) --------------------

_COMPARATORS = (">=", "<=", "!=", "<", ">")


def _parse_vers(vers: str) -> tuple[str, list[tuple[str, str]]]:
    scheme, _, spec = vers.partition(":")
    assert scheme == "vers"
    vers_type, _, constraints = spec.partition("/")
    if constraints == "*":
        return vers_type, [("*", "")]
    out = []
    for item in constraints.split("|"):
        op = next((c for c in _COMPARATORS if item.startswith(c)), "=")
        out.append((op, unquote(item[len(op) :] if op != "=" else item)))
    return vers_type, out


def contains(vers: str, version: str) -> bool:
    """The spec's containment check, on top of `compare`."""
    vers_type, constraints = _parse_vers(vers)
    if constraints == [("*", "")]:
        return True
    eco = VERS_TO_OSV[vers_type]
    constraints.sort(key=lambda item: sort_key(eco, item[1]))
    for op, v in constraints:
        if compare(eco, version, v) == 0:
            return op in ("=", "<=", ">=")
    ranges = [(op, v) for op, v in constraints if op not in ("=", "!=")]
    if not ranges:
        return False
    first_op, first_v = ranges[0]
    if first_op in ("<", "<=") and compare(eco, version, first_v) < 0:
        return True
    last_op, last_v = ranges[-1]
    if last_op in (">", ">=") and compare(eco, version, last_v) > 0:
        return True
    for (op, v), (next_op, next_v) in itertools.pairwise(ranges):
        if (
            op in (">", ">=")
            and next_op in ("<", "<=")
            and compare(eco, version, v) > 0
            and compare(eco, version, next_v) < 0
        ):
            return True
    return False


@pytest.mark.parametrize("test", _cases(_CONTAINMENT_GLOBS))
def test_containment(test: dict[str, object]) -> None:
    data = test["input"]
    assert isinstance(data, dict)
    vers_type = data["vers"].split(":", 1)[1].split("/", 1)[0]
    if vers_type not in VERS_TO_OSV:
        assert data["vers"].endswith("/*")  # univers' npm file names the nginx type
    assert contains(data["vers"], data["version"]) is test["expected_output"]
