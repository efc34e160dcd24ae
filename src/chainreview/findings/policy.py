"""`--fail-on`: which active findings make a scan fail (exit 1).

`unknown` severity trips every severity threshold (`critical`, `high`, `medium`) as well as
`any`: an advisory nobody scored (all Go advisories, most PYSEC ones) may be as bad as the worst,
and reading it as "below the threshold" is reading it as low, which DESIGN §4 rules out. A user
who accepts an unscored advisory says so with a VEX statement or an ignore entry with a reason.
Only *active* findings count (not suppressed, status `affected` or `under_investigation`);
indeterminate components never trip a severity threshold but are reported.

`uncovered` trips on coverage instead of findings: some component (the SBOMs' roots aside) was
not checked, or checked only against partial selections (`findings.coverage`), so "no finding"
would be read as "clean" where nobody looked. Thresholds combine: the scan fails when any trips.
"""

from __future__ import annotations

from collections.abc import Iterable
from enum import StrEnum
from typing import Final, assert_never

from chainreview.findings.coverage import Coverage, CoverageGroup, CoverageState
from chainreview.findings.model import Finding, Level

__all__ = ["FailOn", "tripping", "uncovered"]


class FailOn(StrEnum):
    """The `--fail-on` threshold."""

    NEVER = "never"
    KEV = "kev"
    CRITICAL = "critical"
    HIGH = "high"
    MEDIUM = "medium"
    ANY = "any"
    UNCOVERED = "uncovered"
    """Not a finding threshold: components not checked, or checked only in part."""

    def levels(self) -> frozenset[Level] | None:
        """Severity levels that trip this threshold (None: not a severity threshold)."""
        match self:
            case FailOn.NEVER | FailOn.KEV | FailOn.UNCOVERED:
                return None
            case FailOn.CRITICAL:
                return _CRITICAL
            case FailOn.HIGH:
                return _CRITICAL | {Level.HIGH}
            case FailOn.MEDIUM:
                return _CRITICAL | {Level.HIGH, Level.MEDIUM}
            case FailOn.ANY:
                return frozenset(Level)
            case _:
                assert_never(self)


_CRITICAL: Final = frozenset({Level.CRITICAL, Level.UNKNOWN})


def tripping(findings: Iterable[Finding], fail_on: FailOn) -> tuple[Finding, ...]:
    """The active findings that meet `fail_on` (empty: the scan passes)."""
    if fail_on in (FailOn.NEVER, FailOn.UNCOVERED):
        return ()
    active = [f for f in findings if f.active]
    if fail_on is FailOn.KEV:
        return tuple(f for f in active if f.kev is not None)
    levels = fail_on.levels() or frozenset()
    return tuple(f for f in active if f.severity.level in levels)


def uncovered(coverage: Coverage) -> tuple[CoverageGroup, ...]:
    """The groups of components not checked or checked only in part (empty: all covered)."""
    return tuple(g for g in coverage.groups if g.state is not CoverageState.CHECKED)
