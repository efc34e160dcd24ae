"""The snapshot diff's alias walk is bounded (`intel.changes.MAX_GROUP`): a hostile chain of
records, each naming the next one's CVE, makes one alias group of 2N + 1 ids (N records, N + 1
CVEs). Changing the chain's first record reaches every package of a chain within the bound, and
past it names none and says any package may have changed, which the monitor answers by matching
every deployed package again.

The records are made here (a hostile feed has no real sample); the counts are by hand: a chain
of 127 records is 255 ids, of 128 records 257, and the bound is 256.
"""

from __future__ import annotations

import json
from datetime import date
from pathlib import Path

import pytest

from chainreview.components.model import Component, Inventory
from chainreview.evidence.declaration import Criticality
from chainreview.intel import importer
from chainreview.intel.changes import MAX_GROUP, changed_packages
from chainreview.intel.snapshot import Snapshot, snapshot_path
from chainreview.matches import aliases
from chainreview.portfolio.model import DeployedProduct, Deployment, Portfolio, System, Vendor
from chainreview.portfolio.monitor import run_monitor


def chain(folder: Path, records: int, *, modified: str) -> None:
    """`records` OSV records HOSTILE-n, each of package chain-n 1.0 and naming CVE-2099-n and
    CVE-2099-(n+1); and LONE-1 of package lone 1.0, alone in its group. HOSTILE-0 is modified
    on `modified`, every other record on 2024-01-01."""
    folder.mkdir(parents=True)
    for n in [*range(records), None]:
        ident = "LONE-1" if n is None else f"HOSTILE-{n}"
        record = {
            "schema_version": "1.6.0",
            "id": ident,
            "modified": f"{modified if n == 0 else '2024-01-01'}T00:00:00Z",
            "aliases": [] if n is None else [f"CVE-2099-{n}", f"CVE-2099-{n + 1}"],
            "summary": f"record {ident}",
            "affected": [
                {
                    "package": {"ecosystem": "PyPI", "name": "lone" if n is None else f"chain-{n}"},
                    "versions": ["1.0"],
                }
            ],
        }
        (folder / f"{ident}.json").write_text(json.dumps(record), encoding="utf-8")


def two_snapshots(root: Path, records: int) -> tuple[Path, str, str]:
    """A home with the chain imported, then again with HOSTILE-0 modified: (home, old, new)."""
    home = root / "home"
    chain(root / "old", records, modified="2024-01-01")
    chain(root / "new", records, modified="2024-02-01")
    old = importer.import_paths([root / "old"], home=home, complete=True).hash
    new = importer.import_paths([root / "new"], home=home, complete=True).hash
    return home, old, new


def test_the_bound_is_a_findings_walk() -> None:
    assert MAX_GROUP == aliases.MAX_GROUP == 256


@pytest.mark.parametrize(("records", "too_large"), [(10, False), (127, False), (128, True)])
def test_a_chain_within_the_bound_is_walked_whole_and_one_past_it_is_not(
    tmp_path: Path, records: int, too_large: bool
) -> None:
    home, old, new = two_snapshots(tmp_path, records)
    with Snapshot(snapshot_path(home, old)) as before, Snapshot(snapshot_path(home, new)) as after:
        changes = changed_packages(before, after)
    assert changes.records == 1  # HOSTILE-0 only
    assert changes.group_too_large is too_large
    expected = set() if too_large else {("PyPI", f"chain-{n}") for n in range(records)}
    assert changes.packages == expected  # never lone: its group did not change
    assert not changes.coverage_changed


def test_a_group_past_the_bound_rematches_every_deployed_package(tmp_path: Path) -> None:
    """chain-5 and lone are deployed: within the bound only chain-5 is matched again; past it
    both are, and the run says why."""
    parts = tuple(
        Component(ref=purl, name=name, version="1.0", purl=purl, ecosystem="PyPI")
        for name, purl in (("chain-5", "pkg:pypi/chain-5@1.0"), ("lone", "pkg:pypi/lone@1.0"))
    )
    portfolio = Portfolio(
        operator="Hand-built",
        source="test",
        systems=(System(id="S", name="S", criticality=Criticality.HIGH, function="f"),),
        vendors=(Vendor(id="v", name="V", country="DE"),),
        products=(
            DeployedProduct(
                id="P",
                name="P",
                vendor="v",
                deployments=(Deployment(system="S", quantity=1, function="f"),),
                inventory=Inventory(
                    documents=(),
                    components=parts,
                    services=(),
                    edges=(),
                    skipped=(),
                    warnings=(),
                    duplicates=(),
                ),
            ),
        ),
    )
    rematched = {}
    for records in (10, 128):
        home, old, new = two_snapshots(tmp_path / str(records), records)
        reports = []
        for snapshot in (old, new):
            with Snapshot(snapshot_path(home, snapshot)) as opened:
                reports.append(
                    run_monitor(
                        portfolio, opened, home=home, inventory="test", today=date(2027, 1, 1)
                    )
                )
        rematched[records] = (reports[1].selection.value, reports[1].rematched)
    assert rematched == {
        10: ("changed", ("PyPI/chain-5",)),
        128: ("alias-group-too-large", ("PyPI/chain-5", "PyPI/lone")),
    }
