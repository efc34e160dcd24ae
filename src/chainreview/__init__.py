"""chainreview: the cybersecurity review of network products and services bought for critical
information infrastructure, from evidence to a reasoned, reproducible determination."""

from __future__ import annotations

__version__ = "0.1.0"

__all__ = ["__version__"]
