"""Fixtures of the report tests: the official VEX schemas of the shared data (`vex_checks`), and a
headless Chromium."""

from __future__ import annotations

import os
from collections.abc import Iterator
from pathlib import Path

import pytest
from jsonschema.protocols import Validator
from playwright.sync_api import Browser
from vex_checks import validators


@pytest.fixture(scope="session")
def schema_validators(shared_data: Path) -> dict[str, Validator]:
    """`validators` of the shared data."""
    return validators(shared_data)


@pytest.fixture(scope="session")
def chromium() -> Iterator[Browser]:
    """Headless Chromium, the machine's own (Debian's `chromium`, installed by `.ci/run`; another
    through `CHAINREVIEW_CHROMIUM`), driven by Playwright."""
    from playwright.sync_api import sync_playwright

    executable = os.environ.get("CHAINREVIEW_CHROMIUM", "/usr/bin/chromium")
    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=executable, args=["--no-sandbox"])
        try:
            yield browser
        finally:
            browser.close()
