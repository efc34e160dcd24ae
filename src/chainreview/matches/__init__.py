"""Matching: components × intel snapshot → matches with evidence, or indeterminate verdicts."""

from __future__ import annotations

from chainreview.matches.interface import Matcher, MatchError
from chainreview.matches.model import Confidence, Decision, Indeterminate, Match, MatchResult

__all__ = [
    "Confidence",
    "Decision",
    "Indeterminate",
    "Match",
    "MatchError",
    "MatchResult",
    "Matcher",
]
