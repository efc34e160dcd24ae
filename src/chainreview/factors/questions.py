"""Questionnaire answers as evidence: find an answer, judge it against its question's concern.

The declaration keeps answers keyed by question id (`F07.Q1`); the catalogue's question bank says
which answer raises concern. `concern` applies that criterion; an answer of the wrong type for its
question (a text where a yes-no is expected) is not judged at all (None), never read as benign.
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import date, timedelta

from chainreview.evidence.declaration import Declaration
from chainreview.evidence.questionnaire import QuestionnaireAnswer
from chainreview.factors.catalogue import AnswerType, Factor, Question
from chainreview.factors.interface import (
    EvidenceRef,
    Gap,
    Mitigation,
    Party,
    Raise,
    ReviewContext,
    Rule,
    missing,
)
from chainreview.levels import Level

__all__ = ["answer_for", "answer_ref", "concern", "on_concern", "summarise", "unanswered"]


def answer_for(declaration: Declaration, question_id: str) -> QuestionnaireAnswer | None:
    """The declaration's answer to `question_id`, or None."""
    return next((a for a in declaration.answers if a.question == question_id), None)


def answer_ref(answer: QuestionnaireAnswer) -> EvidenceRef:
    """The evidence reference of an answer: its file and pointer, and the answer given."""
    return EvidenceRef(
        kind="questionnaire",
        ref=f"{answer.file}#{answer.pointer}",
        detail=f"{answer.question} = {answer.answer!r}",
    )


def concern(question: Question, answer: QuestionnaireAnswer, as_of: date) -> bool | None:
    """Whether `answer` raises the concern `question` defines; None when it cannot be judged."""
    value, rule = answer.answer, question.concern
    match question.answer:
        case AnswerType.YES_NO if isinstance(value, bool) and rule.when is not None:
            return value is rule.when
        case AnswerType.CHOICE if isinstance(value, str) and value in question.options:
            return value in rule.when_any
        case AnswerType.NUMBER if isinstance(value, int | float) and not isinstance(value, bool):
            return (rule.above is not None and value > rule.above) or (
                rule.below is not None and value < rule.below
            )
        case AnswerType.DATE if isinstance(value, str):
            return _date_concern(value, rule.within_days, rule.older_than_days, as_of)
    return None


def _date_concern(
    value: str, within_days: int | None, older_than_days: int | None, as_of: date
) -> bool | None:
    try:
        when = date.fromisoformat(value)
    except ValueError:
        return None
    return (within_days is not None and when < as_of + timedelta(days=within_days)) or (
        older_than_days is not None and when < as_of - timedelta(days=older_than_days)
    )


def summarise(
    declaration: Declaration, factor: Factor, as_of: date
) -> tuple[tuple[str, ...], tuple[EvidenceRef, ...], tuple[Gap, ...]]:
    """Reasons, evidence and missing evidence summarising the answers to `factor`'s questions."""
    reasons: list[str] = []
    evidence: list[EvidenceRef] = []
    gaps: list[Gap] = []
    for question in factor.questions:
        answer = answer_for(declaration, question.id)
        if answer is None:
            gaps.append(unanswered(question.id, question.text))
            continue
        evidence.append(answer_ref(answer))
        judged = concern(question, answer, as_of)
        verdict = {True: "raises concern", False: "no concern", None: "for the reviewer"}[judged]
        reasons.append(f"{question.id} answered {answer.answer!r}: {verdict}")
    return tuple(reasons), tuple(evidence), tuple(gaps)


def unanswered(question_id: str, text: str) -> Gap:
    """The gap of a question without an answer (the applicant submits the questionnaire)."""
    return missing(f"answer to {question_id} ({text})", Party.OPERATOR)


def on_concern(
    ctx: ReviewContext,
    rule: Rule,
    question_id: str,
    level: Level,
    mitigation: Mitigation | Sequence[Mitigation] | None = None,
) -> Raise | None:
    """`rule` fired at `level` when the answer to `question_id` raises its concern, else None."""
    answer = answer_for(ctx.declaration, question_id)
    question = next(
        q for q in ctx.catalogue.factor(question_id.split(".")[0]).questions if q.id == question_id
    )
    if answer is None or not concern(question, answer, ctx.as_of):
        return None
    reason = f"{question_id}: {question.text} Answer: {answer.answer!r}"
    return rule.fire(level, reason, [answer_ref(answer)], mitigation)
