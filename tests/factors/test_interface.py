"""The assessment policy: the highest raise wins, missing evidence leaves it undetermined below
`high`, and citations come from the loaded regime profile."""

from __future__ import annotations

from chainreview.evidence.overrides import Level
from chainreview.factors import load_profile
from chainreview.factors.interface import (
    ESTABLISHED_FLOOR,
    EvidenceRef,
    FactorAssessment,
    Raise,
    Rule,
    citations,
    conclude,
    missing,
)

RULE_A = Rule(id="T.R1", text="first")
RULE_B = Rule(id="T.R2", text="second")
REF = EvidenceRef(kind="declaration", ref="declaration.yaml#/x", detail="x")


def _conclude(raised: list[Raise], gaps: tuple[str, ...] = ()) -> FactorAssessment:
    return conclude("F99", raised, gaps, citations=(), evaluator="test", version="0")


def test_highest_level_and_its_rule_win() -> None:
    result = _conclude(
        [
            RULE_A.fire(Level.LOW, "a", [REF], "fix a"),
            RULE_B.fire(Level.HIGH, "b", [REF], "fix b"),
            RULE_A.fire(Level.NONE, "fine", [REF], "never listed"),
        ]
    )
    assert (result.level, result.rule) == (Level.HIGH, "T.R2 second")
    assert result.reasons == ("b", "a", "fine")
    assert result.evidence == (REF,)
    assert result.mitigations == ("fix b", "fix a")


def test_missing_evidence_below_the_floor_is_undetermined() -> None:
    gap = missing("a thing")
    result = _conclude([RULE_A.fire(Level.MEDIUM, "a")], (gap, gap))
    assert result.level is Level.UNDETERMINED
    assert result.missing_evidence == ("missing evidence: a thing",)
    assert result.rule.startswith("R0 ")


def test_missing_evidence_at_the_floor_keeps_the_level() -> None:
    result = _conclude([RULE_A.fire(ESTABLISHED_FLOOR, "a")], (missing("more"),))
    assert result.level is ESTABLISHED_FLOOR
    assert result.missing_evidence == ("missing evidence: more",)
    assert result.reasons[0].startswith("at least high")


def test_nothing_raised_and_nothing_missing_is_none() -> None:
    assert _conclude([]).level is Level.NONE
    assert _conclude([], (missing("x"),)).level is Level.UNDETERMINED


def test_citations_are_the_profile_articles_and_clauses() -> None:
    profile = load_profile("cn-crm-2022")
    cited = citations(profile, "F01")
    assert cited[:2] == ("cn-crm-2022 Art. 10 item 1", "cn-crm-2022 Art. 6 [unverified]")
    assert "GB 40050-2021 5.3(c)" in cited
    assert citations(load_profile("us-icts-791"), "F10") != cited
