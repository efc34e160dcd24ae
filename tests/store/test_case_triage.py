"""Triage in review rounds, on both backends: the office's VEX status of a finding starts the next
round, which applies it after the package's own VEX. Expected values come from an independent
path: the same package with the same statements written into an OpenVEX document the package
names (the vendor's route), reviewed by `chainreview.review`; and by hand from the example's
README (grid-storage fails on CN.1 for its four KEV findings)."""

from __future__ import annotations

import json
import shutil
import sqlite3
from collections.abc import Iterator
from datetime import date
from pathlib import Path
from typing import Any

import pytest
import yaml
from outcomes_kit import GRID, REVIEWER, SUPPLIER_A, SUPPLIER_B, in_review

import chainreview
from chainreview.case.rounds import rerender, review_round, submit_package
from chainreview.case.triage import Triage, current_findings, triage_finding
from chainreview.errors import InputError, NotFound, RefusedAction
from chainreview.findings.model import Status
from chainreview.reviewer import Reviewer
from chainreview.store import triages
from chainreview.store.db import Store

EXAMPLE = Path(__file__).parents[2] / "examples" / "grid-storage"
AS_OF = date(2026, 11, 30)
KEV = {
    "CVE-2024-1086": "linux-kernel",
    "CVE-2020-11651": "pkg:pypi/salt@3000.1",
    "CVE-2020-11652": "pkg:pypi/salt@3000.1",
    "CVE-2020-16846": "pkg:pypi/salt@3000.1",
}
"""The four KEV findings the README names, and their components (the first round lists them)."""
JUSTIFIED = "vulnerable_code_not_in_execute_path"
NOTE = "The vulnerable code is not reached in this deployment."


@pytest.fixture(scope="module")
def reviewer(bundled_home: Path) -> Iterator[Reviewer]:
    with chainreview.open_snapshot(bundled_home) as snapshot:
        yield Reviewer(snapshot)


def _triage(vulnerability: str, status: Status = Status.NOT_AFFECTED) -> Triage:
    justification = JUSTIFIED if status is Status.NOT_AFFECTED else None
    return Triage(
        vulnerability=vulnerability,
        component=KEV[vulnerability],
        status=status,
        justification=justification,
        note=NOTE,
    )


def _vendors_route(tmp_path: Path, bundled_home: Path, triaged: list[str]) -> dict[str, Any]:
    """The package with the same statements in an OpenVEX document of the product that carries
    each component, reviewed by `chainreview.review`."""
    package = tmp_path / "with-vex"
    shutil.copytree(EXAMPLE, package)
    manifest = yaml.safe_load((package / "declaration.yaml").read_text(encoding="utf-8"))
    statements = [
        {
            "vulnerability": {"name": v},
            "products": [{"@id": KEV[v]}],
            "status": "not_affected",
            "justification": JUSTIFIED,
            "impact_statement": NOTE,
            "timestamp": "2026-11-30T00:00:00Z",
        }
        for v in triaged
    ]
    document = {
        "@context": "https://openvex.dev/ns/v0.2.0",
        "@id": "https://example.invalid/vex/office",
        "author": "review office",
        "timestamp": "2026-11-30T00:00:00Z",
        "version": 1,
        "statements": statements,
    }
    (package / "vex" / "office.openvex.json").write_text(json.dumps(document), encoding="utf-8")
    for product in manifest["products"]:
        product["vex"] = [*product.get("vex", []), "vex/office.openvex.json"]
    (package / "declaration.yaml").write_text(yaml.safe_dump(manifest), encoding="utf-8")
    result = chainreview.review(package, as_of=AS_OF, home=bundled_home)
    determination = result.determination
    return {
        "outcome": determination.outcome.value,
        "rule": determination.rule,
        "levels": {a.factor_id: a.level.value for a in determination.assessments},
    }


def test_a_triage_starts_a_round_that_applies_it(
    store: Store, reviewer: Reviewer, tmp_path: Path, bundled_home: Path
) -> None:
    case_id = in_review(store)
    submit_package(store, case_id, EXAMPLE, caller=GRID)
    first = review_round(store, case_id, reviewer, as_of=AS_OF, caller=REVIEWER)
    seen = current_findings(store, case_id, caller=REVIEWER)
    assert (seen.round, seen.outcome) == (first.number, "fail")
    kev = {(f.id, f.component) for f in seen.findings if f.kev}
    assert kev == set(KEV.items())

    made, second = triage_finding(
        store, case_id, _triage("CVE-2024-1086"), reviewer, caller=REVIEWER, as_of=AS_OF
    )
    assert (made.round, second.number, second.submission) == (1, 2, first.submission)
    after = current_findings(store, case_id, caller=REVIEWER)
    kernel = next(f for f in after.findings if f.id == "CVE-2024-1086")
    assert (kernel.status, kernel.justification, kernel.active) == (
        "not_affected",
        JUSTIFIED,
        False,
    )
    day = made.triaged_at.date().isoformat()
    assert kernel.status_source == f"office triage {made.id} (li, {day})"
    # The kernel's CVE made F02 critical (README); not affected, F02 falls back.
    assert (seen.levels["F02"], after.levels["F02"]) == ("critical", "high")
    oracle = _vendors_route(tmp_path, bundled_home, ["CVE-2024-1086"])
    assert (after.outcome, after.levels) == (oracle["outcome"], oracle["levels"])

    for vulnerability in ("CVE-2020-11651", "CVE-2020-11652", "CVE-2020-16846"):
        triage_finding(
            store, case_id, _triage(vulnerability), reviewer, caller=REVIEWER, as_of=AS_OF
        )
    last = current_findings(store, case_id, caller=REVIEWER)
    assert last.round == 5
    assert not [f for f in last.findings if f.kev and f.active]
    whole = _vendors_route(tmp_path / "all", bundled_home, list(KEV))
    assert whole["rule"] != "CN.1"  # no active KEV finding is left for CN.1
    assert (last.outcome, last.levels) == (whole["outcome"], whole["levels"])

    # Rendered again, each round applies the triages it cites and no other.
    for number in (1, 2, 5):
        kept = next(r for r in _rounds(store, case_id) if r[0] == number)[1]
        assert rerender(store, case_id, number, reviewer, caller=REVIEWER) == kept


def test_a_later_triage_of_a_finding_supersedes_the_earlier(
    store: Store, reviewer: Reviewer
) -> None:
    case_id = in_review(store)
    submit_package(store, case_id, EXAMPLE, caller=GRID)
    review_round(store, case_id, reviewer, as_of=AS_OF, caller=REVIEWER)
    triage_finding(store, case_id, _triage("CVE-2024-1086"), reviewer, caller=REVIEWER, as_of=AS_OF)
    again, _ = triage_finding(
        store,
        case_id,
        _triage("CVE-2024-1086", Status.AFFECTED),
        reviewer,
        caller=REVIEWER,
        as_of=AS_OF,
    )
    kernel = next(
        f
        for f in current_findings(store, case_id, caller=REVIEWER).findings
        if f.id == "CVE-2024-1086"
    )
    assert (kernel.status, kernel.active) == ("affected", True)
    assert kernel.status_source is not None and kernel.status_source.startswith(
        f"office triage {again.id} ("
    )


def test_triage_is_refused_where_it_should_be(store: Store, reviewer: Reviewer) -> None:
    case_id = in_review(store)
    with pytest.raises(NotFound, match=f"case {case_id} has no review round yet"):
        current_findings(store, case_id, caller=REVIEWER)
    submit_package(store, case_id, EXAMPLE, caller=GRID)
    review_round(store, case_id, reviewer, as_of=AS_OF, caller=REVIEWER)
    kernel = _triage("CVE-2024-1086")
    with pytest.raises(RefusedAction, match="triaging a finding is for reviewer"):
        triage_finding(store, case_id, kernel, reviewer, caller=GRID, as_of=AS_OF)
    with pytest.raises(NotFound, match=f"no case {case_id}"):
        triage_finding(store, case_id, kernel, reviewer, caller=SUPPLIER_B, as_of=AS_OF)
    with pytest.raises(NotFound, match=f"no case {case_id}"):
        current_findings(store, case_id, caller=SUPPLIER_B)
    # The vendor sees the case, not the operator's submission nor its rounds.
    with pytest.raises(NotFound, match="no review round yet"):
        current_findings(store, case_id, caller=SUPPLIER_A)
    unknown = Triage(
        vulnerability="CVE-2024-1086",
        component="pkg:pypi/salt@3000.1",
        status=Status.NOT_AFFECTED,
        justification=JUSTIFIED,
        note=NOTE,
    )
    with pytest.raises(NotFound, match=r"round 1 of case .* has no finding CVE-2024-1086 in pkg"):
        triage_finding(store, case_id, unknown, reviewer, caller=REVIEWER, as_of=AS_OF)
    for status, justification, problem in (
        (Status.NOT_AFFECTED, None, "not_affected takes one of the justifications"),
        (Status.NOT_AFFECTED, "code_not_reachable", "not_affected takes one of the"),
        (Status.FIXED, JUSTIFIED, "fixed takes no justification"),
    ):
        wrong = Triage(
            vulnerability="CVE-2024-1086",
            component="linux-kernel",
            status=status,
            justification=justification,
            note=NOTE,
        )
        with pytest.raises(InputError, match=problem):
            triage_finding(store, case_id, wrong, reviewer, caller=REVIEWER, as_of=AS_OF)
    assert len(_rounds(store, case_id)) == 1  # nothing refused started a round


def _rounds(store: Store, case_id: str) -> list[tuple[int, bytes]]:
    from chainreview.store import rounds

    with store.transaction("test") as tx:
        return [(r.number, r.result_json) for r in rounds.list_rounds(tx, case_id)]


def test_a_triage_whose_review_fails_records_neither(
    store: Store, reviewer: Reviewer, bundled_home: Path
) -> None:
    case_id = in_review(store)
    submit_package(store, case_id, EXAMPLE, caller=GRID)
    review_round(store, case_id, reviewer, as_of=AS_OF, caller=REVIEWER)
    with chainreview.open_snapshot(bundled_home) as snapshot:
        closed = Reviewer(snapshot)
    with pytest.raises(sqlite3.ProgrammingError, match="closed database"):  # the review fails
        triage_finding(
            store, case_id, _triage("CVE-2024-1086"), closed, caller=REVIEWER, as_of=AS_OF
        )
    assert len(_rounds(store, case_id)) == 1
    with store.transaction("test") as tx:
        assert triages.list_triages(tx, case_id) == ()
    # the same triage on an open snapshot is recorded with its round
    triage_finding(store, case_id, _triage("CVE-2024-1086"), reviewer, caller=REVIEWER, as_of=AS_OF)
    with store.transaction("test") as tx:
        assert [t.vulnerability for t in triages.list_triages(tx, case_id)] == ["CVE-2024-1086"]
    assert [n for n, _ in _rounds(store, case_id)] == [1, 2]
