"""The level of a factor assessment: the scale factors, overrides, policies and determinations
share."""

from __future__ import annotations

from enum import StrEnum

__all__ = ["Level"]


class Level(StrEnum):
    """The level of a factor assessment, from no risk to critical, or undetermined."""

    NONE = "none"
    LOW = "low"
    MEDIUM = "medium"
    HIGH = "high"
    CRITICAL = "critical"
    UNDETERMINED = "undetermined"
