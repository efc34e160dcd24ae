"""Fixtures of the report tests: the official VEX schemas of the shared data (`vex_checks`); the
headless Chromium is the whole suite's (`tests/conftest.py`)."""

from __future__ import annotations

from pathlib import Path

import pytest
from jsonschema.protocols import Validator
from vex_checks import validators


@pytest.fixture(scope="session")
def schema_validators(shared_data: Path) -> dict[str, Validator]:
    """`validators` of the shared data."""
    return validators(shared_data)
