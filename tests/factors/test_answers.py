"""Questionnaire answers checked against the factor catalogue's question types.

Each case writes the answer as a declarant would type it in YAML (unquoted `yes` included) into a
copy of the minimal package; the expected lines are written out here. Question types, from
`factors/catalogue.yaml`: F05.Q1 yes-no, F01.Q2 text, F09.Q1 choice, F04.Q1 date, F05.Q2 number.
"""

from __future__ import annotations

from pathlib import Path

import pytest

from chainreview.errors import InvalidPackage
from chainreview.evidence.declaration import load_declaration
from chainreview.evidence.questionnaire import QuestionnaireAnswer
from chainreview.factors.answers import answer_problems

EXAMPLES = Path(__file__).resolve().parents[2] / "examples"


def _answers(package: Path, *lines: str) -> None:
    """Replace the package's answers with `question: answer` lines written as YAML text."""
    body = "".join(
        f"  - question: {question}\n    answer: {answer}\n"
        for question, answer in (line.split(": ", 1) for line in lines)
    )
    (package / "questionnaire.yaml").write_text(f"answers:\n{body}", encoding="utf-8")


def _problem_lines(package: Path) -> list[str]:
    with pytest.raises(InvalidPackage) as caught:
        load_declaration(package, answer_checks=[answer_problems])
    return [str(problem) for problem in caught.value.problems]


WRONG = [
    # (answer as written in YAML, the line reported for /answers/0)
    (
        'F05.Q1: "yes"',
        "/answer: F05.Q1 expects yes or no (true or false), got the text 'yes' "
        "(write true or false, without quotes)",
    ),
    ("F05.Q1: 1", "/answer: F05.Q1 expects yes or no (true or false), got the number 1"),
    (
        "F01.Q2: no",
        "/answer: F01.Q2 expects a text that is not empty, got the boolean false "
        "(YAML reads an unquoted yes, no, on or off as a boolean: quote it)",
    ),
    (
        "F01.Q2: 1.10",
        "/answer: F01.Q2 expects a text that is not empty, got the number 1.1 "
        "(YAML reads an unquoted number as a number: quote it)",
    ),
    ('F01.Q2: "  "', "/answer: F01.Q2 expects a text that is not empty, got the text '  '"),
    (
        "F09.Q1: overseas",
        "/answer: F09.Q1 expects one of 'in-country', 'abroad', 'both', 'unknown', "
        "got the text 'overseas'",
    ),
    (
        "F09.Q1: yes",
        "/answer: F09.Q1 expects one of 'in-country', 'abroad', 'both', 'unknown', "
        "got the boolean true (YAML reads an unquoted yes, no, on or off as a boolean)",
    ),
    (
        "F04.Q1: 2030-02-30",
        "/answer: F04.Q1 expects a date (YYYY-MM-DD), got the text '2030-02-30'",
    ),
    (
        "F04.Q1: end of 2030",
        "/answer: F04.Q1 expects a date (YYYY-MM-DD), got the text 'end of 2030'",
    ),
    ('F04.Q1: "20301231"', "/answer: F04.Q1 expects a date (YYYY-MM-DD), got the text '20301231'"),
    (
        "F04.Q1: 2030-W01-1",
        "/answer: F04.Q1 expects a date (YYYY-MM-DD), got the text '2030-W01-1'",
    ),
    ("F04.Q1: 2030", "/answer: F04.Q1 expects a date (YYYY-MM-DD), got the number 2030"),
    ("F05.Q2: 12 months", "/answer: F05.Q2 expects a number, got the text '12 months'"),
    ('F05.Q2: "12"', "/answer: F05.Q2 expects a number, got the text '12'"),
    (
        "F05.Q2: yes",
        "/answer: F05.Q2 expects a number, got the boolean true "
        "(YAML reads an unquoted yes, no, on or off as a boolean)",
    ),
    ("F05.Q2: .nan", "/answer: F05.Q2 expects a number, got the number nan"),
    (
        "F05.Q9: true",
        "/question: F05.Q9 is not a question of the factor catalogue "
        "(asked: F05.Q1, F05.Q2, F05.Q3)",
    ),
]


@pytest.mark.parametrize(("written", "line"), WRONG, ids=[case[0] for case in WRONG])
def test_a_wrong_answer_names_question_file_and_pointer(
    package: Path, written: str, line: str
) -> None:
    _answers(package, written)
    assert _problem_lines(package) == [f"questionnaire.yaml: /answers/0{line}"]


RIGHT = [
    "F05.Q1: yes",  # YAML 1.1: an unquoted yes is true
    "F05.Q1: false",
    "F01.Q2: Vendor diagnostic shell on port 2222",
    'F01.Q2: "1.10"',
    "F09.Q1: in-country",
    "F04.Q1: 2030-12-31",  # dates are kept as the strings written
    'F04.Q1: "2028-02-29"',
    "F05.Q2: 0",
    "F05.Q2: 4.5",
    "F05.Q2: -1",
]


@pytest.mark.parametrize("written", RIGHT)
def test_an_answer_of_the_right_type_is_accepted(package: Path, written: str) -> None:
    _answers(package, written)
    (answer,) = load_declaration(package, answer_checks=[answer_problems]).answers
    assert answer.question == written.split(":")[0]


def test_every_wrong_answer_is_reported_with_the_other_problems(package: Path) -> None:
    _answers(package, "F05.Q1: true", "F05.Q2: 12 months", "F20.Q7: no", 'F13.Q2: "March 2026"')
    manifest = (package / "declaration.yaml").read_text(encoding="utf-8")
    manifest = manifest.replace("category: mass-storage-device", "category: toaster")
    (package / "declaration.yaml").write_text(manifest, encoding="utf-8")
    lines = _problem_lines(package)
    assert lines[0].startswith("declaration.yaml: /products/0/category: 'toaster' is not one of")
    assert lines[1:] == [
        "questionnaire.yaml: /answers/1/answer: F05.Q2 expects a number, got the text '12 months'",
        "questionnaire.yaml: /answers/2/question: F20.Q7 is not a question of the factor "
        "catalogue (asked: F20.Q1, F20.Q2)",
        "questionnaire.yaml: /answers/3/answer: F13.Q2 expects a date (YYYY-MM-DD), "
        "got the text 'March 2026'",
    ]


def test_problems_follow_the_answers_given() -> None:
    answers = [
        QuestionnaireAnswer(question="F06.Q2", answer="two", file="a.yaml", pointer="/answers/4"),
        QuestionnaireAnswer(question="F06.Q1", answer=True, file="a.yaml", pointer="/answers/5"),
        QuestionnaireAnswer(question="F03.Q3", answer="no", file="b.yaml", pointer="/answers/0"),
    ]
    assert [str(problem) for problem in answer_problems(answers)] == [
        "a.yaml: /answers/4/answer: F06.Q2 expects a number, got the text 'two'",
        "b.yaml: /answers/0/answer: F03.Q3 expects yes or no (true or false), got the text 'no' "
        "(write true or false, without quotes)",
    ]


@pytest.mark.parametrize("name", ["grid-storage", "domestic-database", "cloud-pi-service"])
def test_the_examples_answer_every_question_with_the_right_type(name: str) -> None:
    declaration = load_declaration(EXAMPLES / name, answer_checks=[answer_problems])
    assert declaration.answers
