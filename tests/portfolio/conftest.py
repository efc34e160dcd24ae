"""The hand-built portfolio of `data/` (YAML and CSV say the same), its graph, and an intel
snapshot of one made-up advisory to ask about it."""

from __future__ import annotations

import json
from collections.abc import Iterator
from pathlib import Path

import pytest

from chainreview.intel import importer
from chainreview.intel.snapshot import Snapshot, open_current
from chainreview.portfolio.build import PortfolioGraph, build_graph
from chainreview.portfolio.inventory_file import read_inventory
from chainreview.portfolio.model import Portfolio

DATA = Path(__file__).parent / "data"
ADVISORY = {
    "id": "GHSA-cccc-dddd-eeee",
    "modified": "2099-01-01T00:00:00Z",
    "aliases": ["CVE-2099-0001"],
    "summary": "cryptolib reads keys it should not (made-up test data)",
    "affected": [
        {
            "package": {"ecosystem": "PyPI", "name": "cryptolib"},
            "ranges": [{"type": "ECOSYSTEM", "events": [{"introduced": "0"}, {"fixed": "1.5.0"}]}],
        }
    ],
}
"""Affects cryptolib below 1.5.0: 1.0.0 (fw.cdx.json) and 1.2.0 (sw.cdx.json), not 2.0.0
(db.cdx.json)."""


@pytest.fixture(params=["inventory.yaml", "inventory.csv"])
def portfolio(request: pytest.FixtureRequest) -> Portfolio:
    """The hand-built portfolio, read from each format."""
    return read_inventory(DATA / request.param)


@pytest.fixture
def graph(portfolio: Portfolio) -> PortfolioGraph:
    return build_graph(portfolio)


@pytest.fixture(scope="session")
def advisory_snapshot(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Snapshot]:
    """A snapshot holding `ADVISORY` alone, as the whole PyPI feed (no Go advisories)."""
    root = tmp_path_factory.mktemp("advisory")
    (root / "osv").mkdir()
    (root / "osv" / "GHSA-cccc-dddd-eeee.json").write_text(json.dumps(ADVISORY))
    importer.import_paths([root / "osv"], home=root / "home", complete=True)
    opened = open_current(root / "home")
    assert opened is not None
    with opened:
        yield opened
