"""The exception tree of chainreview.

    ChainreviewError
    ├── InputError            bad input: a file we cannot read as what it claims to be (exit 3)
    │   ├── LimitExceeded     a size, depth or count limit was crossed
    │   └── UnsupportedFormat a recognised format we do not read (e.g. SPDX 3.0)
    ├── PolicyFailure         the run worked and a --fail-on policy says no (exit 1)
    └── (anything else)       an internal error (exit 4, traceback logged)

Only `cli/` turns these into exit codes; only `api/` into HTTP statuses.
"""

from __future__ import annotations


class ChainreviewError(Exception):
    """Root of every error chainreview raises on purpose."""


class InputError(ChainreviewError):
    """Input that cannot be read: names the file and the location inside it."""

    def __init__(self, path: str, message: str, location: str = "") -> None:
        self.path = path
        self.location = location
        self.message = message
        where = f"{path}: {location}: " if location else f"{path}: "
        super().__init__(where + message)


class LimitExceeded(InputError):
    """A size, depth or count limit from `chainreview.limits` was crossed."""


class UnsupportedFormat(InputError):
    """A recognised format, or version of one, that chainreview does not read."""


class PolicyFailure(ChainreviewError):
    """The run succeeded and the `--fail-on` policy says the result fails."""
