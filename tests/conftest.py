"""Shared fixtures: the path to the big shared data suites, and small committed fixtures."""

from __future__ import annotations

import os
from pathlib import Path

import pytest

FIXTURES = Path(__file__).parent / "fixtures"


@pytest.fixture(scope="session")
def shared_data() -> Path:
    """The folder of public test data (`CHAINREVIEW_SHARED_DATA`); missing is an error, not a skip."""
    default = Path(__file__).resolve().parents[2] / "shared" / "data"
    root = Path(os.environ.get("CHAINREVIEW_SHARED_DATA", default))
    if not (root / "MANIFEST.md").is_file():
        pytest.fail(f"shared data not found at {root}: set CHAINREVIEW_SHARED_DATA")
    return root


@pytest.fixture()
def fixture_path() -> object:
    """Return a function giving the path of a committed fixture, failing loudly if it is missing."""

    def get(name: str) -> Path:
        path = FIXTURES / name
        if not path.exists():
            pytest.fail(f"missing test fixture {path}")
        return path

    return get
