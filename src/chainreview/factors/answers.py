"""Questionnaire answers against the factor catalogue: unknown questions, answers of the wrong type.

The evidence layer reads answers without knowing the catalogue. The review hands
`answer_problems` to `load_declaration` (`answer_checks`), so an answer the catalogue cannot use is
reported with the package's other problems, never left "for the reviewer" by `questions.concern`.
Each problem names the answers file, the JSON pointer, the question and what its type expects:

    questionnaire.yaml: /answers/3/answer: F05.Q2 expects a number, got the text '12 months'
"""

from __future__ import annotations

import math
import re
from collections.abc import Iterable
from datetime import date

from chainreview import raw
from chainreview.errors import Problem
from chainreview.evidence.questionnaire import QuestionnaireAnswer
from chainreview.factors.catalogue import AnswerType, Catalogue, Question, load_catalogue

__all__ = ["answer_problems"]

_DATE = re.compile(r"[0-9]{4}-[0-9]{2}-[0-9]{2}")


def answer_problems(
    answers: Iterable[QuestionnaireAnswer], catalogue: Catalogue | None = None
) -> tuple[Problem, ...]:
    """The problems of `answers` against `catalogue` (default: the packaged one), in order."""
    questions = {q.id: q for f in (catalogue or load_catalogue()).factors for q in f.questions}
    problems = []
    for answer in answers:
        question = questions.get(answer.question)
        if question is None:
            asked = [q for q in questions if q.startswith(answer.question.split(".")[0] + ".")]
            message = f"{answer.question} is not a question of the factor catalogue"
            message += f" (asked: {', '.join(asked)})" if asked else ""
            problems.append(Problem(answer.file, f"{answer.pointer}/question", message))
            continue
        expected = _expected(question, answer.answer)
        if expected is not None:
            message = f"{question.id} expects {expected}, got {_shown(answer.answer)}"
            message += _hint(question.answer, answer.answer)
            problems.append(Problem(answer.file, f"{answer.pointer}/answer", message))
    return tuple(problems)


def _expected(question: Question, value: bool | str | float | int) -> str | None:
    """What `question` expects, when `value` is not that; None when it fits."""
    match question.answer:
        case AnswerType.YES_NO:
            fits = isinstance(value, bool)
            expected = "yes or no (true or false)"
        case AnswerType.TEXT:
            fits = isinstance(value, str) and bool(value.strip())
            expected = "a text that is not empty"
        case AnswerType.CHOICE:
            fits = isinstance(value, str) and value in question.options
            expected = "one of " + ", ".join(repr(option) for option in question.options)
        case AnswerType.DATE:
            fits = isinstance(value, str) and _is_date(value)
            expected = "a date (YYYY-MM-DD)"
        case AnswerType.NUMBER:
            fits = not isinstance(value, bool | str) and math.isfinite(value)
            expected = "a number"
    return None if fits else expected


def _is_date(value: str) -> bool:
    """Whether `value` is a calendar date written YYYY-MM-DD."""
    try:
        date.fromisoformat(value)
    except ValueError:
        return False
    return _DATE.fullmatch(value) is not None


def _shown(value: bool | str | float | int) -> str:
    """`value` as the problem names it: its kind, then the value."""
    if isinstance(value, bool):
        return f"the boolean {str(value).lower()}"
    if isinstance(value, str):
        return f"the text {raw.preview(value)}"
    return f"the number {value}"


def _hint(expected: AnswerType, value: bool | str | float | int) -> str:
    """How YAML may have turned what was meant into `value`, when it likely did."""
    if isinstance(value, bool) and expected is not AnswerType.YES_NO:
        advice = ": quote it" if expected is AnswerType.TEXT else ""
        return f" (YAML reads an unquoted yes, no, on or off as a boolean{advice})"
    if isinstance(value, str) and expected is AnswerType.YES_NO:
        return " (write true or false, without quotes)"
    if isinstance(value, int | float) and expected is AnswerType.TEXT:
        return " (YAML reads an unquoted number as a number: quote it)"
    return ""
