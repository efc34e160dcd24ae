"""F07, F08, F11, F20 and the screening-based F05 on a real OFAC SDN snapshot, and without one.

The snapshots are built by the real importer in temporary homes, once per session: one from the
shared `ofac-sdn/sdn.csv`, one from CISA KEV only (a snapshot with no sanctions feed).
"""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from factor_kit import AS_OF, by_id, edit_yaml, gaps, limits, make_context

from chainreview.evidence.declaration import load_declaration
from chainreview.factors.interface import FactorAssessment
from chainreview.factors.jurisdiction import JurisdictionEvaluator, effective_shares
from chainreview.factors.parties import parties
from chainreview.factors.registry import build_context
from chainreview.factors.screening import Screener
from chainreview.factors.supply import SupplyEvaluator
from chainreview.intel import importer
from chainreview.intel.snapshot import Snapshot, open_current
from chainreview.levels import Level

LISTED_VENDOR = "CUBIT SEMICONDUCTOR LIMITED"
"""A real OFAC SDN entity (ent_num 47593, RUSSIA-EO14024)."""
LISTED_SITE = "Corebai Microelectronics (Beijing) Co., Ltd."
"""A spelling of the real SDN entity COREBAI MICROELECTRONICS BEIJING COMPANY LIMITED (48019)."""


def _snapshot(home: Path, feed: Path) -> Iterator[Snapshot]:
    importer.import_paths([feed], home=home)
    snapshot = open_current(home)
    assert snapshot is not None
    yield snapshot
    snapshot.close()


@pytest.fixture(scope="session")
def sdn_snapshot(shared_data: Path, tmp_path_factory: pytest.TempPathFactory) -> Iterator[Snapshot]:
    """A snapshot holding the OFAC SDN list."""
    yield from _snapshot(tmp_path_factory.mktemp("sdn-home"), shared_data / "ofac-sdn" / "sdn.csv")


@pytest.fixture(scope="session")
def kev_snapshot(shared_data: Path, tmp_path_factory: pytest.TempPathFactory) -> Iterator[Snapshot]:
    """A snapshot with no sanctions feed."""
    feed = shared_data / "cisa-kev" / "known_exploited_vulnerabilities.json"
    yield from _snapshot(tmp_path_factory.mktemp("kev-home"), feed)


@pytest.fixture(scope="session")
def sdn_screener(sdn_snapshot: Snapshot) -> Screener:
    """The screener over the SDN snapshot, built once (it indexes every list name)."""
    screener = Screener.from_snapshot(sdn_snapshot)
    assert screener is not None
    return screener


def test_context_screens_with_the_snapshot_lists(
    package: Path, sdn_snapshot: Snapshot, kev_snapshot: Snapshot
) -> None:
    declaration = load_declaration(package)
    with_lists = build_context(declaration, snapshot=sdn_snapshot, as_of=AS_OF)
    assert with_lists.screening.lists == ("ofac-sdn",)
    # every name of the vendor profile is screened once, hits or not
    assert [p.party.name for p in with_lists.screening.parties] == [
        p.name for p in parties(declaration.vendors[0])
    ]
    for snapshot in (kev_snapshot, None):
        screening = build_context(declaration, snapshot=snapshot, as_of=AS_OF).screening
        assert (screening.lists, screening.parties) == ((), ())


def _assess(package: Path, source: Screener | Snapshot) -> dict[str, FactorAssessment]:
    if isinstance(source, Screener):
        ctx = make_context(package, screener=source)
    else:
        ctx = build_context(load_declaration(package), snapshot=source, as_of=AS_OF)
    return by_id([*JurisdictionEvaluator().assess(ctx), *SupplyEvaluator().assess(ctx)])


def _vendor(package: Path, change: Any) -> None:
    edit_yaml(package / "vendor" / "northwind.yaml", change)


def test_listed_vendor_is_critical_even_with_lists_missing(
    package: Path, sdn_screener: Screener
) -> None:
    _vendor(package, lambda v: v.update(legal_name=LISTED_VENDOR, other_names=[]))
    _vendor(package, lambda v: v["ownership"][0].update(owns=LISTED_VENDOR))
    result = _assess(package, sdn_screener)
    f07 = result["F07"]
    assert (f07.level, f07.rule.split()[0]) == (Level.CRITICAL, "F07.R1")
    hit = next(e for e in f07.evidence if e.kind == "sanctions")
    assert hit.ref == "ofac-sdn:47593"
    assert "RUSSIA-EO14024" in hit.detail
    assert any("China Unreliable Entity List" in m for m in limits(f07))
    assert not any("OFAC SDN" in m for m in limits(f07))
    f05 = result["F05"]
    assert (f05.level, f05.rule.split()[0]) == (Level.HIGH, "F05.R1")
    assert f05.reasons[0].startswith("at least high")
    f20 = result["F20"]  # an SDN designation under RUSSIA-EO14024 is no restricted-equipment list
    assert f20.level is Level.UNDETERMINED
    assert (
        "not assessed: FCC Covered List match (no feed: the list is not in the intel data)"
        in limits(f20)
    )


def test_listed_site_entity_is_high(package: Path, sdn_screener: Screener) -> None:
    _vendor(package, lambda v: v["sites"][1].update(entity=LISTED_SITE, country="CN"))
    result = _assess(package, sdn_screener)
    f07 = result["F07"]
    assert (f07.level, f07.rule.split()[0]) == (Level.HIGH, "F07.R2")
    assert f07.evidence[0].ref == "vendor/northwind.yaml#/sites/1/entity"
    assert f07.evidence[1].ref == "ofac-sdn:48019"
    assert result["F05"].level is Level.UNDETERMINED  # medium for a site hit; lists still missing


def test_unlisted_vendor_stays_undetermined_for_the_lists_not_held(
    package: Path, sdn_screener: Screener
) -> None:
    f07 = _assess(package, sdn_screener)["F07"]
    assert f07.level is Level.UNDETERMINED
    assert not any(e.kind == "sanctions" for e in f07.evidence)
    assert "northwind: under US law, exposed to its export controls and sanctions" in f07.reasons


def test_no_sanctions_feed_names_every_list_missing(package: Path, kev_snapshot: Snapshot) -> None:
    result = _assess(package, kev_snapshot)
    for factor_id in ("F05", "F07", "F11", "F20"):
        assessment = result[factor_id]
        assert assessment.level is Level.UNDETERMINED, factor_id
        # a list the snapshot lacks limits the review; it is nothing the applicant can supply
        assert (
            "not assessed: screening against the OFAC SDN list "
            "(no sanctions feed in the intel snapshot)" in limits(assessment)
        )
        assert not any("screening" in gap for gap in gaps(assessment))


def test_effective_shares_multiply_down_the_chain(package: Path) -> None:
    vendor = load_declaration(package).vendors[0]
    assert effective_shares(vendor) == {
        "Northwind Holdings LLC": 62.5,
        "Gulf Strategic Investment Fund": pytest.approx(11.25),
    }


def test_minority_state_link_is_medium_and_control_is_high(
    package: Path, kev_snapshot: Snapshot
) -> None:
    f08 = _assess(package, kev_snapshot)["F08"]
    assert (f08.level, f08.rule.split()[0]) == (Level.MEDIUM, "F08.R1")
    assert any("holds 11.25% effectively" in r for r in f08.reasons)
    _vendor(package, lambda v: v["ownership"][1].update(share_percent=60))
    f08 = _assess(package, kev_snapshot)["F08"]
    assert f08.level is Level.HIGH
    assert f08.evidence[0].ref == "vendor/northwind.yaml#/ownership/1"


def test_foreign_listing_needs_its_evidence(package: Path, kev_snapshot: Snapshot) -> None:
    assert any("listed on NASDAQ (US)" in r for r in _assess(package, kev_snapshot)["F11"].reasons)
    _vendor(package, lambda v: v.pop("listings"))
    f11 = _assess(package, kev_snapshot)["F11"]
    assert "missing evidence: the listing venues of northwind and its parents (F11.Q1)" in gaps(f11)
