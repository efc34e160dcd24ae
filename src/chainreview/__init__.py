"""chainreview: the cybersecurity review of network products and services bought for critical
information infrastructure, from evidence to a reasoned, reproducible determination.

The library the CLI, the service and the workers share (`docs/api.md`):

* `open_snapshot(home, install_bundled=False)`: the current intel snapshot, read-only;
* `Scanner(snapshot).scan(sboms, vex=…, ignore=…)`: one product's SBOMs scanned, a `Scan`;
* `load_package(declaration_dir)`: a declaration package read and checked (every problem listed
  at once), no snapshot needed;
* `Reviewer(snapshot).review(package, …)`: one declaration package (its folder or as read)
  reviewed, a `ReviewResult`; one reviewer reviews many packages;
* `review(package, …)`: the one-call form (reads the package, then opens the snapshot,
  installing the bundled one when there is none);
* `SCAN_FORMATS`, `REVIEW_FORMATS`: the writers of each output format, by name;
  `review_formats(language)` those of a review with the report in `en` or `zh-CN`.

Names load on first use, so that `import chainreview` stays cheap.
"""

from __future__ import annotations

import importlib
from typing import TYPE_CHECKING, Any, Final

from chainreview.version import __version__

__all__ = [
    "REVIEW_FORMATS",
    "SCAN_FORMATS",
    "ReviewResult",
    "Reviewer",
    "Scan",
    "Scanner",
    "__version__",
    "load_package",
    "open_snapshot",
    "review",
    "review_formats",
]

_HOMES: Final = {
    "REVIEW_FORMATS": "chainreview.formats",
    "SCAN_FORMATS": "chainreview.formats",
    "ReviewResult": "chainreview.reviewer",
    "Reviewer": "chainreview.reviewer",
    "Scan": "chainreview.scanner",
    "Scanner": "chainreview.scanner",
    "load_package": "chainreview.reviewer",
    "open_snapshot": "chainreview.snapshots",
    "review": "chainreview.reviewer",
    "review_formats": "chainreview.formats",
}
"""Where each public name lives."""

if TYPE_CHECKING:
    from chainreview.formats import REVIEW_FORMATS, SCAN_FORMATS, review_formats
    from chainreview.reviewer import Reviewer, ReviewResult, load_package, review
    from chainreview.scanner import Scan, Scanner
    from chainreview.snapshots import open_snapshot
else:

    def __getattr__(name: str) -> Any:
        """Import a public name on first use."""
        home = _HOMES.get(name)
        if home is None:
            raise AttributeError(f"module 'chainreview' has no attribute {name!r}")
        return getattr(importlib.import_module(home), name)
