"""Tests of the factor catalogue and regime profiles against REGIMES.md, parsed here on its own.

The expected ids, titles, regime keys, article mappings, standard clauses, deadlines and
certification thresholds all come from the markdown tables (§1.4, §1.8, §4, §7.3, §7.9) or from
the issue's own list, never from the YAML under test.
"""

from __future__ import annotations

import copy
import json
import re
from pathlib import Path
from typing import Any

import pytest

from chainreview import raw
from chainreview.errors import InputError
from chainreview.evidence.declaration import load_declaration
from chainreview.evidence.product import SecurityProductCategory
from chainreview.factors.catalogue import (
    AnswerType,
    Catalogue,
    DayUnit,
    RegimeProfile,
    load_catalogue,
    load_profile,
    parse_catalogue,
    parse_profile,
    profile_ids,
)

SRC = Path(__file__).parents[2] / "src" / "chainreview"
MINIMAL = Path(__file__).parents[1] / "fixtures" / "declarations" / "minimal"
REGIME_KEYS = ("CN", "US", "FCC", "EU5G", "NIST", "CRA")
PROFILE_KEYS = {"us-icts-791": {"US", "FCC"}, "eu-5g-toolbox": {"EU5G"}, "nist-800-161": {"NIST"}}


# --- REGIMES.md, read on its own ------------------------------------------------------------------


@pytest.fixture(scope="module")
def regimes(shared_data: Path) -> str:
    return (shared_data.parent / "docs" / "REGIMES.md").read_text(encoding="utf-8")


def _section(text: str, start: str, end: str) -> str:
    return text[text.index(start) : text.index(end, text.index(start))]


def _rows(section: str, first_cell: str) -> list[list[str]]:
    """Cells of the table rows of `section` whose first cell matches the regex `first_cell`."""
    rows = []
    for line in section.splitlines():
        cells = [cell.strip() for cell in line.strip().strip("|").split(" | ")]
        if line.startswith("|") and re.fullmatch(first_cell, cells[0]):
            rows.append(cells)
    return rows


@pytest.fixture(scope="module")
def factor_rows(regimes: str) -> dict[str, list[str]]:
    """§4: factor id → [title, regimes, evidence, signals]."""
    section = _section(regimes, "## 4. Merged factor catalogue", "## 5.")
    return {cells[0]: cells[1:] for cells in _rows(section, r"F\d\d")}


@pytest.fixture(scope="module")
def catalogue() -> Catalogue:
    return load_catalogue()


@pytest.fixture(scope="module")
def cn() -> RegimeProfile:
    return load_profile("cn-crm-2022")


# --- the catalogue --------------------------------------------------------------------------------


def test_catalogue_has_exactly_the_factors_of_regimes_section_4(
    catalogue: Catalogue, factor_rows: dict[str, list[str]]
) -> None:
    assert list(factor_rows) == [f"F{n:02d}" for n in range(1, 21)]
    assert catalogue.ids == tuple(factor_rows)
    for factor in catalogue.factors:
        assert factor.title == factor_rows[factor.id][0]


def test_catalogue_sources_name_the_regimes_of_section_4(
    catalogue: Catalogue, factor_rows: dict[str, list[str]]
) -> None:
    for factor in catalogue.factors:
        column = factor_rows[factor.id][1]
        expected = set(re.findall(r"\b(" + "|".join(REGIME_KEYS) + r")\b", column))
        assert {ref.regime for ref in factor.sources} == expected, factor.id
        marked = {ref.ref for ref in factor.sources if ref.unverified}
        assert all(f"{ref}*" in column or f"{ref}†" in column for ref in marked), factor.id


def test_question_and_signal_ids_are_unique_and_prefixed(catalogue: Catalogue) -> None:
    questions = [q.id for f in catalogue.factors for q in f.questions]
    signals = [s.id for f in catalogue.factors for s in f.signals]
    assert len(set(questions)) == len(questions)
    assert len(set(signals)) == len(signals)
    for factor in catalogue.factors:
        assert factor.questions, factor.id
        for number, question in enumerate(factor.questions, 1):
            assert question.id == f"{factor.id}.Q{number}"
        for number, signal in enumerate(factor.signals, 1):
            assert signal.id == f"{factor.id}.S{number}"


def test_every_question_says_which_answer_raises_concern(catalogue: Catalogue) -> None:
    for factor in catalogue.factors:
        for question in factor.questions:
            concern = question.concern
            match question.answer:
                case AnswerType.YES_NO:
                    assert concern.when is not None, question.id
                case AnswerType.CHOICE:
                    assert concern.when_any and set(concern.when_any) <= set(question.options)
                case AnswerType.NUMBER:
                    assert concern.above is not None or concern.below is not None, question.id
                case AnswerType.DATE:
                    assert (concern.within_days, concern.older_than_days) != (None, None)
                case AnswerType.TEXT:
                    assert concern.note, question.id


def test_declaration_schema_knows_exactly_the_catalogue_ids(catalogue: Catalogue) -> None:
    schema = json.loads((SRC / "schemas/declaration.schema.json").read_text("utf-8"))
    assert tuple(schema["$defs"]["factor_id"]["enum"]) == catalogue.ids
    pattern = re.compile(schema["$defs"]["question_id"]["pattern"])
    for factor in catalogue.factors:
        assert all(pattern.search(q.id) for q in factor.questions)
    assert not pattern.search("F21.Q1")
    assert not pattern.search("F00.Q1")


def test_fixture_answers_fit_the_question_bank(catalogue: Catalogue) -> None:
    questions = {q.id: q for f in catalogue.factors for q in f.questions}
    kinds = {
        AnswerType.YES_NO: (bool,),
        AnswerType.NUMBER: (int, float),
        AnswerType.TEXT: (str,),
        AnswerType.DATE: (str,),
        AnswerType.CHOICE: (str,),
    }
    for answer in load_declaration(MINIMAL).answers:
        question = questions[answer.question]
        assert isinstance(answer.answer, kinds[question.answer]), answer.question
        if question.answer is AnswerType.NUMBER:
            assert not isinstance(answer.answer, bool)


def test_manual_factors_have_only_the_questionnaire(catalogue: Catalogue) -> None:
    manual = [f.id for f in catalogue.factors if f.manual]
    assert manual == ["F13"]


# --- the profiles ---------------------------------------------------------------------------------


def test_the_four_profiles_ship() -> None:
    assert profile_ids() == ("cn-crm-2022", "eu-5g-toolbox", "nist-800-161", "us-icts-791")
    schema = json.loads((SRC / "schemas/declaration.schema.json").read_text("utf-8"))
    regime = schema["properties"]["declaration"]["properties"]["regime"]
    assert sorted(regime["enum"]) == list(profile_ids())
    assert regime["default"] == "cn-crm-2022"


@pytest.mark.parametrize("regime", ["cn-crm-2022", "us-icts-791", "eu-5g-toolbox", "nist-800-161"])
def test_every_factor_is_mapped_or_out_of_scope_once(regime: str, catalogue: Catalogue) -> None:
    profile = load_profile(regime)
    mapped = [m.factor for m in profile.factors]
    excluded = [o.factor for o in profile.out_of_scope]
    assert sorted(mapped + excluded) == sorted(catalogue.ids)
    assert all(o.reason for o in profile.out_of_scope)
    for mapping in profile.factors:
        assert mapping.articles, mapping.factor


@pytest.mark.parametrize(("regime", "keys"), sorted(PROFILE_KEYS.items()))
def test_other_profiles_map_the_factors_section_4_gives_them(
    regime: str, keys: set[str], factor_rows: dict[str, list[str]]
) -> None:
    expected = {
        factor_id
        for factor_id, cells in factor_rows.items()
        if keys & set(re.findall(r"\b(" + "|".join(REGIME_KEYS) + r")\b", cells[1]))
    }
    assert {m.factor for m in load_profile(regime).factors} == expected


def test_cn_profile_cites_article_10_items_1_to_7_and_article_6(cn: RegimeProfile) -> None:
    used = {(a.article, a.item) for m in cn.factors for a in m.articles}
    for item in range(1, 8):
        assert ("Art. 10", str(item)) in used
    assert ("Art. 6", None) in used
    assert cn.factors and not cn.out_of_scope


def test_cn_article_10_text_is_the_original(cn: RegimeProfile, regimes: str) -> None:
    section = _section(regimes, "### 1.8 Article 10", "### 1.9")
    originals = {cells[0]: cells[2] for cells in _rows(section, r"A10\.\d")}
    assert len(originals) == 7
    articles = {a.id: a for a in cn.articles}
    for article_id, original in originals.items():
        assert articles[article_id].original == original


def test_cn_mapping_keeps_the_cn_references_of_section_4(
    cn: RegimeProfile, factor_rows: dict[str, list[str]]
) -> None:
    for factor_id, cells in factor_rows.items():
        cn_part = next((p for p in cells[1].split("; ") if p.startswith("CN")), "")
        mapping = cn.mapping(factor_id)
        assert mapping is not None
        ids = {a.id for a in mapping.articles}
        articles = {a.article for a in mapping.articles}
        for item in re.findall(r"A10\.\d", cn_part):
            assert item in ids, (factor_id, item)
        for number in re.findall(r"Art\. (\d+)", cn_part):
            assert f"Art. {number}" in articles, (factor_id, number)


def _clauses(cn: RegimeProfile, factor_id: str) -> set[tuple[str, str]]:
    mapping = cn.mapping(factor_id)
    assert mapping is not None
    return {(s.standard, s.clause) for s in mapping.standards}


def test_gb_40050_clauses_of_section_7_9_sit_on_their_factors(
    cn: RegimeProfile, regimes: str
) -> None:
    section = _section(regimes, "### 7.9 Mapping", "Sources (standards)")
    checked = 0
    for item, factors, _signal in _rows(section, r"(GB|36637|CSL|CII).*"):
        factor_ids = re.findall(r"F\d\d", factors)
        for part in item.split("; "):
            if part.startswith("GB 40050 "):
                for clause in part.removeprefix("GB 40050 ").split(", "):
                    for factor_id in factor_ids:
                        assert ("GB 40050-2021", clause) in _clauses(cn, factor_id)
                        checked += 1
            elif number := re.search(r"\b(\d{5})\b", part):
                for factor_id in factor_ids:
                    standards = {s for s, _ in _clauses(cn, factor_id)}
                    assert any(number[1] in s for s in standards), (factor_id, part)
                    checked += 1
    assert checked >= 20


@pytest.mark.parametrize(
    ("factor_id", "standard", "clause"),
    [
        ("F02", "GB 40050-2021", "5.3(a)"),
        ("F01", "GB 40050-2021", "5.3(c)"),
        ("F14", "GB 40050-2021", "5.4(a)"),
        ("F02", "GB 40050-2021", "6.1(f)"),
        ("F12", "GB 40050-2021", "6.1(f)"),
        ("F14", "GB 40050-2021", "6.2(d)(e)"),
    ],
)
def test_issue_clauses_sit_on_their_factors(
    cn: RegimeProfile, factor_id: str, standard: str, clause: str
) -> None:
    assert (standard, clause) in _clauses(cn, factor_id)


def test_sbom_completeness_standard_is_cited_on_transparency(cn: RegimeProfile) -> None:
    assert any(standard == "GB/T 43698-2024" for standard, _ in _clauses(cn, "F12"))


def test_cn_deadlines_follow_section_1_4(cn: RegimeProfile, regimes: str) -> None:
    section = _section(regimes, "### 1.4 Procedure", "### 1.5")
    expected = {}
    for cells in _rows(section, r"\d[ab]? .*"):
        deadline, article = cells[2], cells[3]
        if found := re.search(r"\*\*(\d+) WD\*\*", deadline):
            extension = re.search(r"\+(\d+) WD", deadline)
            expected[article] = (int(found[1]), int(extension[1]) if extension else None)
    assert len(expected) == 4
    for article, (days, extension) in expected.items():
        steps = [
            s for s in cn.procedure.steps if article in re.findall(r"\d+(?:\(\d\))?", s.article)
        ]
        assert len(steps) == 1, article
        deadline = steps[0].deadline
        assert deadline is not None
        assert (deadline.days, deadline.unit) == (days, DayUnit.WORKING_DAYS)
        assert deadline.extension_days == extension
    assert cn.procedure.calendar == "cn-working-days"
    assert [stop.article for stop in cn.procedure.clock_stops] == ["Art. 15"]


def test_cn_certification_thresholds_follow_section_7_3(cn: RegimeProfile, regimes: str) -> None:
    section = _section(regimes, "### 7.3 Catalogue", "### 7.4")
    rows = _rows(section, r"\S+ .*")[1:]  # the header row is the first match
    assert cn.certification is not None
    scopes = cn.certification.equipment
    assert len(scopes) == len(rows) == 4
    for scope, (device, thresholds) in zip(scopes, rows, strict=True):
        assert scope.name == device
        texts = thresholds.split("; ")
        assert [t.text for t in scope.thresholds] == texts
        for threshold, text in zip(scope.thresholds, texts, strict=True):
            sign, number, ten_thousands = re.search(r"([≥≤]) ([\d.]+)(万)?", text).groups()
            value = float(number) * (10_000 if ten_thousands else 1)
            assert (threshold.at_least if sign == "≥" else threshold.at_most) == value
    assert set(cn.certification.security_products) == set(SecurityProductCategory)
    assert cn.certification.thresholds_cumulative == "unverified"


def test_only_cn_carries_a_certification_rule() -> None:
    for regime in profile_ids():
        assert (load_profile(regime).certification is not None) == (regime == "cn-crm-2022")


# --- broken catalogue and profiles ------------------------------------------------------------


def _packaged(*parts: str) -> Any:
    path = SRC.joinpath("factors", *parts)
    return raw.load_yaml(path.read_bytes(), path.name)


def test_unknown_profile_is_refused() -> None:
    with pytest.raises(InputError, match=r"unknown regime profile 'xx-1' \(known: cn-crm-2022"):
        load_profile("xx-1")


def _broken_catalogue(change: Any) -> str:
    value = copy.deepcopy(_packaged("catalogue.yaml"))
    change(value)
    with pytest.raises(InputError) as caught:
        parse_catalogue(value, "catalogue.yaml")
    return str(caught.value)


def test_question_id_of_another_factor_is_refused() -> None:
    def change(value: Any) -> None:
        value["factors"][6]["questions"][0]["id"] = "F08.Q9"

    assert _broken_catalogue(change) == (
        "catalogue.yaml: /factors/6/questions/0/id: "
        "question id 'F08.Q9' does not start with its factor id F07."
    )


def test_repeated_question_id_is_refused() -> None:
    def change(value: Any) -> None:
        value["factors"][0]["questions"][1]["id"] = "F01.Q1"

    message = "question id 'F01.Q1' appears more than once"
    assert _broken_catalogue(change) == f"catalogue.yaml: /factors/0/questions/1/id: {message}"


def test_repeated_factor_is_refused() -> None:
    def change(value: Any) -> None:
        value["factors"].append(copy.deepcopy(value["factors"][0]))

    assert _broken_catalogue(change).startswith("catalogue.yaml: /factors/20/id: factor id 'F01'")


def test_choice_concern_outside_the_options_is_refused() -> None:
    def change(value: Any) -> None:
        value["factors"][8]["questions"][0]["concern"]["when_any"] = ["offshore"]

    assert _broken_catalogue(change).startswith(
        "catalogue.yaml: /factors/8/questions/0/concern/when_any/0: 'offshore' is not one of"
    )


def test_text_question_with_a_yes_no_concern_is_refused() -> None:
    def change(value: Any) -> None:
        value["factors"][0]["questions"][1]["concern"] = {"when": True}

    assert _broken_catalogue(change).startswith("catalogue.yaml: /factors/0/questions/1/concern")


def _broken_profile(change: Any, catalogue: Catalogue) -> str:
    value = copy.deepcopy(_packaged("profiles", "cn-crm-2022.yaml"))
    change(value)
    with pytest.raises(InputError) as caught:
        parse_profile(value, "cn-crm-2022.yaml", catalogue)
    return str(caught.value)


@pytest.mark.parametrize(
    ("case", "expected"),
    [
        (
            "unknown factor",
            "cn-crm-2022.yaml: /factors/0/factor: factor F21 is not in the catalogue",
        ),
        ("unmapped factor", "cn-crm-2022.yaml: /factors: factors F05 are neither mapped nor out"),
        ("unknown article", "cn-crm-2022.yaml: /factors/0/articles/0: unknown article 'A10.8'"),
        ("mapped twice", "cn-crm-2022.yaml: /out_of_scope/0/factor: factor F01 is mapped or"),
        ("unknown step", "cn-crm-2022.yaml: /procedure/steps/1/follows/0: follows unknown step"),
        ("unknown field", "cn-crm-2022.yaml: /certification/equipment/0/thresholds/0/field: "),
        ("unknown kind", "cn-crm-2022.yaml: /certification/equipment/0/kind: 'hub' is not"),
        ("invalid date", "cn-crm-2022.yaml: /legal_source/in_force: '2022-02-30' is not a valid"),
    ],
)
def test_broken_profile_names_file_and_pointer(
    case: str, expected: str, catalogue: Catalogue
) -> None:
    def change(value: Any) -> None:
        match case:
            case "unknown factor":
                value["factors"][0]["factor"] = "F21"
            case "unmapped factor":
                value["factors"] = [m for m in value["factors"] if m["factor"] != "F05"]
            case "unknown article":
                value["factors"][0]["articles"][0] = "A10.8"
            case "mapped twice":
                value["out_of_scope"] = [{"factor": "F01", "reason": "test"}]
            case "unknown step":
                value["procedure"]["steps"][1]["follows"] = ["lodging"]
            case "unknown field":
                value["certification"]["equipment"][0]["thresholds"][0]["field"] = "ports"
            case "unknown kind":
                value["certification"]["equipment"][0]["kind"] = "hub"
            case "invalid date":
                value["legal_source"]["in_force"] = "2022-02-30"

    assert _broken_profile(change, catalogue).startswith(expected)
