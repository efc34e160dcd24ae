"""chainreview: the cybersecurity review of network products and services bought for critical
information infrastructure, from evidence to a reasoned, reproducible determination.

`chainreview.review(declaration_dir)` runs the whole review as a library call (see
`chainreview.reviewer`); it is imported on first use so that `import chainreview` stays cheap.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from chainreview.version import __version__

__all__ = ["__version__", "review"]

if TYPE_CHECKING:
    from chainreview.reviewer import review
else:

    def __getattr__(name: str) -> Any:
        """Import `review` on first use."""
        if name == "review":
            from chainreview.reviewer import review

            return review
        raise AttributeError(f"module 'chainreview' has no attribute {name!r}")
