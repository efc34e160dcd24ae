"""Shared fixtures: the path to the big shared data suites.

`CHAINREVIEW_SHARED_DATA` names the folder of public test data (default: `../shared/data` beside
the repository). It is set here before any test module is imported, so modules that parametrise
over its files at collection time read the same folder; a missing folder stops the whole run.
"""

from __future__ import annotations

import os
from pathlib import Path

import pytest

os.environ.setdefault(
    "CHAINREVIEW_SHARED_DATA", str(Path(__file__).resolve().parents[2] / "shared" / "data")
)
SHARED_DATA = Path(os.environ["CHAINREVIEW_SHARED_DATA"])


def pytest_sessionstart(session: pytest.Session) -> None:
    """Fail loudly, before collection, when the shared data is missing."""
    if not (SHARED_DATA / "MANIFEST.md").is_file():
        raise pytest.UsageError(
            f"shared data not found at {SHARED_DATA}: set CHAINREVIEW_SHARED_DATA"
        )


@pytest.fixture(scope="session")
def shared_data() -> Path:
    """The folder of public test data (`CHAINREVIEW_SHARED_DATA`)."""
    return SHARED_DATA
