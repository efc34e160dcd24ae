"""Helpers of the factor-evaluator tests: edit a package's YAML, build review contexts.

Variants are made the way a user would: copy `tests/fixtures/declarations/minimal/` (the
`package` fixture) and edit its YAML (`edit_yaml`), then load it with the real reader.
`make_context` builds the review context at the declaration's date.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from datetime import date
from pathlib import Path
from typing import Any

import yaml

from chainreview.evidence.declaration import load_declaration
from chainreview.factors import load_catalogue, load_profile
from chainreview.factors.interface import FactorAssessment, NameScreener, ReviewContext
from chainreview.factors.parties import screen

MINIMAL = Path(__file__).resolve().parents[1] / "fixtures" / "declarations" / "minimal"
AS_OF = date(2026, 3, 2)
"""The minimal declaration's date."""


def edit_yaml(path: Path, change: Callable[[Any], None]) -> None:
    """Apply `change` to the parsed YAML at `path` and write it back."""
    value = yaml.safe_load(path.read_text(encoding="utf-8"))
    change(value)
    path.write_text(yaml.safe_dump(value, allow_unicode=True, sort_keys=False), encoding="utf-8")


def make_context(
    package: Path,
    *,
    screener: NameScreener | None = None,
    regime: str = "cn-crm-2022",
    as_of: date = AS_OF,
) -> ReviewContext:
    """The review context of the package at `package` (its vendors screened by `screener`)."""
    declaration = load_declaration(package)
    return ReviewContext(
        declaration=declaration,
        profile=load_profile(regime),
        catalogue=load_catalogue(),
        intel=None,
        screening=screen(screener, declaration.vendors),
        as_of=as_of,
    )


def by_id(assessments: Iterable[FactorAssessment]) -> dict[str, FactorAssessment]:
    """Assessments keyed by factor id."""
    return {a.factor_id: a for a in assessments}


def gaps(assessment: FactorAssessment) -> tuple[str, ...]:
    """The assessment's missing evidence as the "missing evidence: …" lines a reviewer reads."""
    return tuple(str(gap) for gap in assessment.missing_evidence)


def limits(assessment: FactorAssessment) -> tuple[str, ...]:
    """The assessment's limitations as the "not assessed: …" lines a reviewer reads."""
    return tuple(str(item) for item in assessment.limitations)


def measures(assessment: FactorAssessment) -> tuple[str, ...]:
    """The texts of what would lower the assessment's level."""
    return tuple(m.text for m in assessment.mitigations)
