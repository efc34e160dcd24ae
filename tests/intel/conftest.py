"""Intel fixtures: the three real OSV corpora imported once per session; record helpers."""

from __future__ import annotations

import json
import shutil
from dataclasses import dataclass
from pathlib import Path

import pytest

from chainreview.intel import importer
from chainreview.intel.importer import ImportResult

CORPORA = ("pypa-advisory-database", "golang-vulndb/data/osv", "rustsec-advisory-db-osv/crates")
"""The three real OSV corpora of the shared data."""


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
