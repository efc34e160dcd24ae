"""Findings: what we assert about a product's components, each citing its evidence."""

from __future__ import annotations

from chainreview.findings.model import Finding, Level, Severity, Status

__all__ = ["Finding", "Level", "Severity", "Status"]
