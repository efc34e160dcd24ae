"""The exception tree of chainreview.

    ChainreviewError
    ├── InputError            bad input: a file we cannot read as what it claims to be (exit 3)
    │   ├── InvalidPackage    a declaration package with one or more problems, all listed
    │   ├── LimitExceeded     a size, depth or count limit was crossed
    │   └── UnsupportedFormat a recognised format we do not read (e.g. SPDX RDF/XML)
    ├── NetworkError          a download failed: no connection, DNS, a server error; a Dask
    │                         scheduler that cannot be reached (exit 5)
    ├── PolicyFailure         the run worked and a --fail-on policy says no (exit 1)
    ├── NotFound              a case or file the caller named is not in the case database (exit 3)
    ├── StoreError            the case database cannot be used: unreachable, unsupported, or
    │                         newer than this chainreview (exit 6)
    ├── ConflictError         someone else changed the case first (optimistic locking) (exit 7)
    ├── RefusedAction         the case's procedure, its clock or the actor's role does not allow
    │                         the action (exit 8)
    └── (anything else)       an internal error (exit 4, traceback logged)

Only `cli/` turns these into exit codes; only `api/` into HTTP statuses.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass


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


@dataclass(frozen=True, slots=True)
class Problem:
    """One problem of an input: the file, the JSON pointer in it ("" for the whole file), what."""

    file: str
    pointer: str
    message: str

    def __str__(self) -> str:
        where = f"{self.file}: {self.pointer}: " if self.pointer else f"{self.file}: "
        return where + self.message


class InvalidPackage(InputError):
    """A declaration package with problems: all of them, each one line naming file and pointer.

    Its own message is the first problem's line, followed by "(and N more problems)" if any.
    """

    def __init__(self, problems: Iterable[Problem]) -> None:
        self.problems = tuple(problems)
        if not self.problems:
            raise ValueError("InvalidPackage needs at least one problem")
        first, others = self.problems[0], len(self.problems) - 1
        more = f" (and {others} more problem{'s' if others > 1 else ''})" if others else ""
        super().__init__(first.file, first.message + more, first.pointer)


class LimitExceeded(InputError):
    """A size, depth or count limit from `chainreview.limits` was crossed."""


class UnsupportedFormat(InputError):
    """A recognised format, or version of one, that chainreview does not read."""


class NetworkError(ChainreviewError):
    """A download failed on the way, not because of what it brought: no connection, a name that
    does not resolve, a server that keeps failing; or a Dask scheduler that cannot be reached.
    Names the URL (the scheduler's address)."""

    def __init__(self, url: str, message: str) -> None:
        self.url = url
        self.message = message
        super().__init__(f"{url}: {message}")


class PolicyFailure(ChainreviewError):
    """The run succeeded and the `--fail-on` policy says the result fails."""


class NotFound(ChainreviewError):
    """A case, submission, file or condition the caller named is not in the case database."""


class StoreError(ChainreviewError):
    """The case database cannot be used: unreachable, an unsupported backend, or at a schema
    revision newer than this chainreview knows."""


class ConflictError(ChainreviewError):
    """An update named a version of the case that is no longer current: someone else changed
    it first (optimistic locking). Reload the case and decide again."""

    def __init__(self, case_id: str, expected: int, found: int) -> None:
        self.case_id = case_id
        self.expected = expected
        self.found = found
        super().__init__(
            f"case {case_id} was changed by someone else: the update was made on version "
            f"{expected}, the case is now at version {found}; reload it and try again"
        )


class RefusedAction(ChainreviewError):
    """An action on a case that its procedure, its clock or the actor's role does not allow;
    the message names the state and what it allows, or the roles that may act."""
