"""Absent data is never "no risk": a review on a snapshot without OFAC data.

`scan_home` (conftest) holds the bundled OSV corpora and CISA KEV but no sanctions list. The
factors that read sanctions screening (F05 supplier on a list, F07 entity screening, F11
designations, F20 restricted-equipment lists; REGIMES §4 "signals") must then be `undetermined`
with a limitation ("not assessed: …") naming the OFAC lists, never `none` (factors/interface.py:
below `high`, a limitation of the review's data leaves the factor undetermined) and never a
condition on the purchase. The same package on
`bundled_home` (with OFAC SDN) is screened against OFAC, so no OFAC line appears there.
"""

from __future__ import annotations

from datetime import date
from pathlib import Path

import pytest

from chainreview.determination.model import Determination
from chainreview.factors.interface import FactorAssessment
from chainreview.levels import Level
from chainreview.reviewer import review

PACKAGE = Path(__file__).resolve().parents[1] / "examples" / "domestic-database"
AS_OF = date(2026, 12, 1)
SCREENING = ("F05", "F07", "F11", "F20")


def _by_factor(determination: Determination) -> dict[str, FactorAssessment]:
    return {a.factor_id: a for a in determination.assessments}


def _ofac_lines(assessment: FactorAssessment) -> list[str]:
    return [str(m) for m in assessment.limitations if "OFAC" in m.what]


@pytest.fixture(scope="module")
def without_ofac(scan_home: Path) -> dict[str, FactorAssessment]:
    return _by_factor(review(PACKAGE, home=scan_home, as_of=AS_OF).determination)


@pytest.fixture(scope="module")
def with_ofac(bundled_home: Path) -> dict[str, FactorAssessment]:
    return _by_factor(review(PACKAGE, home=bundled_home, as_of=AS_OF).determination)


@pytest.mark.parametrize("factor", SCREENING)
def test_screening_factor_is_undetermined_without_ofac(
    factor: str, without_ofac: dict[str, FactorAssessment]
) -> None:
    assessment = without_ofac[factor]
    assert assessment.level is Level.UNDETERMINED
    lines = _ofac_lines(assessment)
    assert lines and all(line.startswith("not assessed: ") for line in lines)
    assert not any("OFAC" in gap.what for gap in assessment.missing_evidence)
    assert any("SDN" in line for line in lines)


@pytest.mark.parametrize("factor", SCREENING)
def test_ofac_is_not_missing_when_the_snapshot_has_it(
    factor: str,
    with_ofac: dict[str, FactorAssessment],
    without_ofac: dict[str, FactorAssessment],
) -> None:
    assert _ofac_lines(with_ofac[factor]) == []
    # the other lists (CSL, EU, UK, UEL) are still missing from the bundled snapshot: the level
    # stays undetermined, with fewer gaps than without OFAC
    assert with_ofac[factor].level is Level.UNDETERMINED
    assert len(with_ofac[factor].limitations) < len(without_ofac[factor].limitations)


def test_missing_sanctions_data_moves_nothing_else(
    with_ofac: dict[str, FactorAssessment], without_ofac: dict[str, FactorAssessment]
) -> None:
    # F15 lists "sanctions/enforcement-list hits (F07)" among its signals, so it may move too.
    # F18 reads what the scans could not check, and `scan_home` imports the Go and RustSec
    # corpora as partial selections (the bundled snapshot marks them whole): it may move, but
    # for that reason only, never for a sanctions list
    unaffected = set(with_ofac) - set(SCREENING) - {"F15", "F18"}
    assert {f: without_ofac[f].level for f in unaffected} == {
        f: with_ofac[f].level for f in unaffected
    }
    assert all("partial selection" in m.what for m in without_ofac["F18"].limitations)
    assert with_ofac["F18"].limitations == ()
