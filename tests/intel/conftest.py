"""Intel test helpers; the `corpus` fixture (three real OSV corpora) lives in tests/conftest.py."""

from __future__ import annotations

import json
import shutil
from pathlib import Path

from tests.conftest import Corpus

__all__ = ["Corpus", "copy_records", "write_record"]


def copy_records(source: Path, names: list[str], target: Path) -> Path:
    """Copy the named record files of `source` into `target` (created) and return it."""
    target.mkdir(parents=True, exist_ok=True)
    for name in names:
        shutil.copy(source / name, target / name)
    return target


def write_record(folder: Path, record: dict[str, object], name: str | None = None) -> Path:
    """Write `record` as JSON into `folder` (created) and return the file."""
    folder.mkdir(parents=True, exist_ok=True)
    path = folder / (name or f"{record['id']}.json")
    path.write_text(json.dumps(record))
    return path
