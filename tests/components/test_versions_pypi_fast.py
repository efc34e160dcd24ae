"""The fast paths of the PyPI scheme (plain releases, normal-form pre, post and dev releases)
give `packaging`'s own key."""

from __future__ import annotations

from pathlib import Path

import pytest
from packaging.version import Version

from chainreview.components.versions.pep440 import _pep440_key, parse_pypi

SAMPLES = ["0", "1", "1.0", "1.0.0", "01.2", "2.31.0", "10.0.0.0.1", "0.0.0", "1.2.3.4.5.6", "007"]
NORMAL_FORMS = [
    "1.0a1", "1.0b0", "1.0rc2", "1.0.0rc1", "2.0.post1", "2.0.0.post0", "3.1.dev2", "3.1.0.dev0",
    "1.0a1.post2", "1.0rc1.dev3", "1.0.post1.dev2", "1.0b2.post3.dev4", "0rc0", "01.0a01",
]  # fmt: skip


@pytest.mark.parametrize("version", SAMPLES)
def test_plain_release_keys_equal_the_packaging_route(version: str) -> None:
    assert parse_pypi(version) == _pep440_key(Version(version))


@pytest.mark.parametrize("version", NORMAL_FORMS)
def test_normal_forms_key_as_packaging_does(version: str) -> None:
    assert parse_pypi(version) == _pep440_key(Version(version))


def test_every_plain_release_of_the_pypa_corpus(shared_data: Path) -> None:
    import re

    found = set()
    for path in (shared_data / "pypa-advisory-database" / "vulns").rglob("*.yaml"):
        found.update(re.findall(r"^\s*-\s+['\"]?([0-9][0-9.]*)['\"]?\s*$", path.read_text(), re.M))
    plain = {v for v in found if re.fullmatch(r"[0-9]+(\.[0-9]+)*", v)}
    assert len(plain) > 5_000
    assert [v for v in sorted(plain) if parse_pypi(v) != _pep440_key(Version(v))] == []


def test_every_normal_form_of_the_pypa_corpus(shared_data: Path) -> None:
    import re

    found = set()
    for path in (shared_data / "pypa-advisory-database" / "vulns").rglob("*.yaml"):
        found.update(re.findall(r"^\s*-\s+['\"]?([^'\"\s]+)['\"]?\s*$", path.read_text(), re.M))
    normal = {
        v
        for v in found
        if re.fullmatch(r"[0-9]+(\.[0-9]+)*((a|b|rc)[0-9]+)?(\.post[0-9]+)?(\.dev[0-9]+)?", v)
        and not re.fullmatch(r"[0-9]+(\.[0-9]+)*", v)
    }
    assert len(normal) > 3_000
    assert [v for v in sorted(normal) if parse_pypi(v) != _pep440_key(Version(v))] == []
