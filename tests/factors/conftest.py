"""Factor-evaluator fixtures: a writable copy of the minimal declaration package."""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest
from factor_kit import MINIMAL


@pytest.fixture
def package(tmp_path: Path) -> Path:
    """A writable copy of the minimal declaration package."""
    target = tmp_path / "package"
    shutil.copytree(MINIMAL, target)
    for path in target.rglob("*"):
        path.chmod(0o644 if path.is_file() else 0o755)
    return target
