"""The assessment policy: the highest raise wins and stays as the floor, missing evidence or a
limitation leaves the factor undetermined below `high`, and citations come from the loaded regime
profile."""

from __future__ import annotations

from chainreview.factors import load_profile
from chainreview.factors.interface import (
    ESTABLISHED_FLOOR,
    Due,
    EvidenceRef,
    FactorAssessment,
    Gap,
    Limitation,
    Mitigation,
    Party,
    Raise,
    Rule,
    citations,
    conclude,
    limitation,
    missing,
)
from chainreview.levels import Level

RULE_A = Rule(id="T.R1", text="first")
RULE_B = Rule(id="T.R2", text="second")
REF = EvidenceRef(kind="declaration", ref="declaration.yaml#/x", detail="x")


def _conclude(raised: list[Raise], gaps: tuple[Gap | Limitation, ...] = ()) -> FactorAssessment:
    return conclude("F99", raised, gaps, citations=(), evaluator="test", version="0")


def _measure(text: str) -> Mitigation:
    return Mitigation(text=text, party=Party.VENDOR, due=Due.BEFORE_GO_LIVE, verification="test")


def test_highest_level_and_its_rule_win() -> None:
    result = _conclude(
        [
            RULE_A.fire(Level.LOW, "a", [REF], _measure("fix a")),
            RULE_B.fire(Level.HIGH, "b", [REF], _measure("fix b")),
            RULE_A.fire(Level.NONE, "fine", [REF], _measure("never listed")),
        ]
    )
    assert (result.level, result.floor, result.rule) == (Level.HIGH, Level.HIGH, "T.R2 second")
    assert result.reasons == ("b", "a", "fine")
    assert result.evidence == (REF,)
    assert [m.text for m in result.mitigations] == ["fix b", "fix a"]
    assert not result.unmitigated


def test_a_high_raise_without_a_mitigation_is_unmitigated() -> None:
    assert not _conclude([RULE_A.fire(Level.MEDIUM, "a")]).unmitigated  # high and above count
    high = _conclude(
        [RULE_A.fire(Level.HIGH, "a"), RULE_B.fire(Level.HIGH, "b", [], _measure("fix b"))]
    )
    assert high.unmitigated  # one high raise that nothing lowers is enough


def test_missing_evidence_below_the_floor_is_undetermined_at_least_the_floor() -> None:
    gap = missing("a thing")
    result = _conclude([RULE_A.fire(Level.MEDIUM, "a")], (gap, gap))
    assert (result.level, result.floor) == (Level.UNDETERMINED, Level.MEDIUM)
    assert result.missing_evidence == (Gap(what="a thing", party=Party.VENDOR),)
    assert str(result.missing_evidence[0]) == "missing evidence: a thing"
    assert result.rule.startswith("R0 ")
    assert result.reasons[0] == (
        "undetermined: evidence is missing; what is known already makes it at least medium"
    )


def test_a_limitation_leaves_the_factor_undetermined_apart_from_the_gaps() -> None:
    result = _conclude([], (limitation("a feed"), missing("a file", Party.OPERATOR)))
    assert (result.level, result.floor) == (Level.UNDETERMINED, Level.NONE)
    assert result.limitations == (Limitation(what="a feed"),)
    assert result.missing_evidence == (Gap(what="a file", party=Party.OPERATOR),)
    assert result.reasons == ("undetermined: evidence is missing; nothing known so far raises it",)


def test_missing_evidence_at_the_floor_keeps_the_level() -> None:
    result = _conclude([RULE_A.fire(ESTABLISHED_FLOOR, "a")], (missing("more"),))
    assert result.level is ESTABLISHED_FLOOR
    assert [str(g) for g in result.missing_evidence] == ["missing evidence: more"]
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
