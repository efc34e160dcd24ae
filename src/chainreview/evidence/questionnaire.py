"""Questionnaire answers of a declaration package: what no file can show, keyed by question id.

The answers file is validated against `$defs/questionnaire` of the declaration schema by
`chainreview.evidence.declaration`, which builds an answer of every entry the schema accepts.
Question ids are checked there only for their form (`F07.Q1`); whether the catalogue has the
question, and whether the answer fits its type, is checked by `chainreview.factors.answers`, which
the review hands to the loader.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass
from typing import Any


@dataclass(frozen=True, slots=True, kw_only=True)
class EvidenceRef:
    """Where an answer can be checked: a package file, an outside reference, or both."""

    file: str | None = None
    """Package-relative path (its digest is among the declaration's inputs)."""
    reference: str | None = None
    """An outside reference, e.g. "contract §4.2"."""


@dataclass(frozen=True, slots=True, kw_only=True)
class QuestionnaireAnswer:
    """The answer to one question of the factor catalogue's question bank."""

    question: str
    """Question id, e.g. `F07.Q1`."""
    answer: bool | str | float | int
    """true/false, text, a number, an ISO 8601 date or a choice option."""
    evidence: tuple[EvidenceRef, ...] = ()
    answered_by: str | None = None
    date: str | None = None
    """ISO 8601 date of the answer."""
    file: str = ""
    """Package-relative path of the answers file."""
    pointer: str = ""
    """JSON pointer of the answer in that file."""


ANSWER_FIELDS = ("question", "answer", "evidence", "answered_by", "date")
"""The fields of an answers-file entry that `answer_from` reads."""


def answer_from(
    item: Mapping[str, Any], file: str, pointer: str, document: Callable[[str, str], str]
) -> QuestionnaireAnswer:
    """Build the answer of a schema-valid entry at `pointer` of the answers file `file`.

    `document(path, pointer)` returns the package-relative path of a referenced file.
    """
    return QuestionnaireAnswer(
        question=item["question"],
        answer=item["answer"],
        evidence=tuple(
            _evidence(ref, f"{pointer}/evidence/{number}", document)
            for number, ref in enumerate(item.get("evidence", ()))
        ),
        answered_by=item.get("answered_by"),
        date=item.get("date"),
        file=file,
        pointer=pointer,
    )


def _evidence(
    ref: Mapping[str, Any], pointer: str, document: Callable[[str, str], str]
) -> EvidenceRef:
    path = ref.get("file")
    return EvidenceRef(
        file=None if path is None else document(path, f"{pointer}/file"),
        reference=ref.get("reference"),
    )
