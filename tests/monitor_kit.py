"""Two real intel snapshots for the monitor's tests: the PyPA advisories modified up to
`CUTOFF`, then every PyPA advisory and the CISA KEV catalogue (two imports into the same home,
as an operator's daily sync would make them)."""

from __future__ import annotations

import shutil
from pathlib import Path
from typing import Any, Final

import yaml

from chainreview.intel import importer

CUTOFF: Final = "2023-09-30"
"""The first snapshot holds the advisories last modified on or before this day."""
PYPA: Final = "pypa-advisory-database/vulns"
KEV: Final = "cisa-kev/known_exploited_vulnerabilities.json"
INVENTORY: Final = Path(__file__).parent / "portfolio" / "data" / "monitor" / "inventory.yaml"


def advisory(shared_data: Path, package: str, advisory_id: str) -> dict[str, Any]:
    """One PyPA advisory file, read as YAML (the tests' own reading, not chainreview's)."""
    path = shared_data / PYPA / package / f"{advisory_id}.yaml"
    value: dict[str, Any] = yaml.safe_load(path.read_text(encoding="utf-8"))
    return value


def modified_on(record: dict[str, Any]) -> str:
    """The day an advisory was last modified (YAML reads the time as a datetime)."""
    return str(record["modified"])[:10]


def copy_until(shared_data: Path, target: Path) -> int:
    """Copy the PyPA advisories modified on or before `CUTOFF` to `target`; how many."""
    source = shared_data / PYPA
    copied = 0
    for path in sorted(source.rglob("*.yaml")):
        if modified_on(yaml.safe_load(path.read_text(encoding="utf-8"))) <= CUTOFF:
            destination = target / path.relative_to(source)
            destination.parent.mkdir(parents=True, exist_ok=True)
            shutil.copyfile(path, destination)
            copied += 1
    return copied


def import_first(home: Path, until_cutoff: Path) -> str:
    """Make the first snapshot current in `home`; its hash."""
    return importer.import_paths([until_cutoff], home=home, complete=True).hash


def import_second(home: Path, shared_data: Path) -> str:
    """Import every PyPA advisory, then the KEV catalogue, into `home`; the last hash."""
    importer.import_paths([shared_data / PYPA], home=home, complete=True)
    return importer.import_paths([shared_data / KEV], home=home, complete=True).hash
