"""The examples' READMEs say what a review of each package gives; those statements are read
from the READMEs here (not copied into the test) and checked against a review of the package as
the README runs it (`chainreview review examples/NAME`: default policy, today's date, the bundled
intelligence): the outcome and rule of the index table and of each package's first lines, every
"Fnn is LEVEL" (or "Fnn, Fmm and Fkk are LEVEL", "(Fnn LEVEL)") statement, and the counts of
conditions and active findings where a README gives them."""

from __future__ import annotations

import re
from pathlib import Path

import pytest

from chainreview.reviewer import ReviewResult, review

EXAMPLES = Path(__file__).resolve().parents[1] / "examples"
PACKAGES = sorted(p.parent.name for p in EXAMPLES.glob("*/declaration.yaml"))
TITLES = {
    "No review needed": "no_review_needed",
    "Pass": "pass",
    "Pass with conditions": "pass_with_conditions",
    "Refer to special review": "refer_to_special_review",
    "Fail": "fail",
}
NUMBERS = {
    word: n
    for n, word in enumerate(
        "zero one two three four five six seven eight nine ten eleven twelve".split()  # noqa: SIM905
    )
}
LEVEL = r"(none|low|medium|high|critical|undetermined)"
FACTORS = r"(F\d\d(?:(?:, | and |, and )F\d\d)*)"


@pytest.fixture(scope="module")
def results(bundled_home: Path) -> dict[str, ReviewResult]:
    return {name: review(EXAMPLES / name, home=bundled_home) for name in PACKAGES}


def _readme(name: str) -> str:
    return (EXAMPLES / name / "README.md").read_text(encoding="utf-8")


def test_the_index_lists_every_package_with_its_outcome_and_rule(
    results: dict[str, ReviewResult],
) -> None:
    index = (EXAMPLES / "README.md").read_text(encoding="utf-8")
    rows: dict[str, tuple[str, str]] = {}
    for line in index.splitlines():
        if (row := re.match(r"\| \[`([\w-]+)/`\]", line)) is None:
            continue
        outcome = line.rstrip(" |").rsplit("|", 1)[-1]  # the last column
        title = re.search(r"\*\*([^*]+)\*\*", outcome)
        rule = re.search(r"CN\.\d+", outcome)
        assert title is not None and rule is not None, line
        rows[row.group(1)] = (title.group(1), rule.group(0))
    assert sorted(rows) == PACKAGES
    for name, (title, rule) in rows.items():
        d = results[name].determination
        assert (d.outcome.value, d.rule) == (TITLES[title], rule), name


@pytest.mark.parametrize("name", PACKAGES)
def test_each_readme_states_the_outcome_the_review_gives(
    name: str, results: dict[str, ReviewResult]
) -> None:
    ((title, rule),) = re.findall(r"# outcome: ([A-Za-z ]+?) \(rule (CN\.\d+)", _readme(name))
    d = results[name].determination
    assert (d.outcome.value, d.rule) == (TITLES[title], rule)


@pytest.mark.parametrize("name", PACKAGES)
def test_each_readme_states_the_levels_the_review_gives(
    name: str, results: dict[str, ReviewResult]
) -> None:
    text = re.sub(r"\s+", " ", _readme(name))
    levels = {a.factor_id: a.level.value for a in results[name].determination.assessments}
    claims = [
        (factor, level)
        for group, level in re.findall(FACTORS + r" (?:is|are) " + LEVEL + r"\b", text)
        for factor in re.findall(r"F\d\d", group)
    ]
    claims += re.findall(r"\((F\d\d) " + LEVEL + r"\)", text)
    for factor, level in claims:
        assert levels[factor] == level, (factor, level)


@pytest.mark.parametrize("name", PACKAGES)
def test_counts_a_readme_gives_are_the_reviews(name: str, results: dict[str, ReviewResult]) -> None:
    text = re.sub(r"\s+", " ", _readme(name))
    result = results[name]
    for word in re.findall(r"passes on (\w+) conditions", text):
        assert NUMBERS[word] == len(result.determination.conditions), word
    for word in re.findall(r"There are (\w+) active findings", text):
        active = sum(p.counts.active for p in result.products if p.counts is not None)
        assert NUMBERS[word] == active, word
