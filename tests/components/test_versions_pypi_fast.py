"""The plain-release fast path of the PyPI scheme gives `packaging`'s own key."""

from __future__ import annotations

from pathlib import Path

import pytest
from packaging.version import Version

from chainreview.components.versions.pep440 import _pep440_key, parse_pypi

SAMPLES = ["0", "1", "1.0", "1.0.0", "01.2", "2.31.0", "10.0.0.0.1", "0.0.0", "1.2.3.4.5.6", "007"]


@pytest.mark.parametrize("version", SAMPLES)
def test_plain_release_keys_equal_the_packaging_route(version: str) -> None:
    assert parse_pypi(version) == _pep440_key(Version(version))


def test_every_plain_release_of_the_pypa_corpus(shared_data: Path) -> None:
    import re

    found = set()
    for path in (shared_data / "pypa-advisory-database" / "vulns").rglob("*.yaml"):
        found.update(re.findall(r"^\s*-\s+['\"]?([0-9][0-9.]*)['\"]?\s*$", path.read_text(), re.M))
    plain = {v for v in found if re.fullmatch(r"[0-9]+(\.[0-9]+)*", v)}
    assert len(plain) > 5_000
    assert [v for v in sorted(plain) if parse_pypi(v) != _pep440_key(Version(v))] == []
