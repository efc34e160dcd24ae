"""Shared fixtures: the path to the big shared data suites, real intel snapshots, and the
headless Chromium the report and web tests share.

`CHAINREVIEW_SHARED_DATA` names the folder of public test data (default: `../shared/data` beside
the repository). It is set here before any test module is imported, so modules that parametrise
over its files at collection time read the same folder; a missing folder stops the whole run.
"""

from __future__ import annotations

import os
import shutil
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING

import pytest

from chainreview.intel import importer
from chainreview.intel.importer import ImportResult

if TYPE_CHECKING:
    from playwright.sync_api import Browser

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


CORPORA = ("pypa-advisory-database", "golang-vulndb/data/osv", "rustsec-advisory-db-osv/crates")
"""The three real OSV corpora of the shared data."""
KEV = "cisa-kev/known_exploited_vulnerabilities.json"


@dataclass(frozen=True)
class Corpus:
    """The three corpora imported into `home`."""

    home: Path
    result: ImportResult


@pytest.fixture(scope="session")
def corpus(shared_data: Path, tmp_path_factory: pytest.TempPathFactory) -> Corpus:
    """Import the three corpora into a fresh home, once per session (two workers)."""
    home = tmp_path_factory.mktemp("corpus-home")
    result = importer.import_paths([shared_data / c for c in CORPORA], home=home, workers=2)
    return Corpus(home=home, result=result)


@pytest.fixture(scope="session")
def scan_home(corpus: Corpus, shared_data: Path, tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A home whose current snapshot holds the three OSV corpora plus CISA KEV (read-only)."""
    home = tmp_path_factory.mktemp("scan-home")
    shutil.copytree(corpus.home / "intel", home / "intel", dirs_exist_ok=True)
    importer.import_paths([shared_data / KEV], home=home)
    return home


@pytest.fixture(scope="session")
def bundled_home(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A `CHAINREVIEW_HOME` with the bundled intel snapshot, installed once per session."""
    from chainreview.intel.bundled import ensure_snapshot

    home = tmp_path_factory.getbasetemp() / "bundled-home"
    ensure_snapshot(home)
    return home


@pytest.fixture(scope="session")
def pypa_until_cutoff(shared_data: Path, tmp_path_factory: pytest.TempPathFactory) -> Path:
    """The PyPA advisories modified up to `monitor_kit.CUTOFF`, copied once per session."""
    from monitor_kit import copy_until

    folder = tmp_path_factory.mktemp("pypa-until-cutoff")
    copy_until(shared_data, folder)
    return folder


@pytest.fixture(scope="session")
def chromium() -> Iterator[Browser]:
    """Headless Chromium, the machine's own (Debian's `chromium`, installed by `.ci/run`; another
    through `CHAINREVIEW_CHROMIUM`), driven by Playwright: one for the whole session, which the
    report and the web tests share (Playwright's sync API runs one instance per thread)."""
    from playwright.sync_api import sync_playwright

    executable = os.environ.get("CHAINREVIEW_CHROMIUM", "/usr/bin/chromium")
    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=executable, args=["--no-sandbox"])
        try:
            yield browser
        finally:
            browser.close()
