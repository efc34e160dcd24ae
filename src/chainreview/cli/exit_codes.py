"""The exit codes every chainreview command uses (also documented in docs/cli.md)."""

from __future__ import annotations

from enum import IntEnum


class ExitCode(IntEnum):
    """Process exit status."""

    OK = 0
    """The command did its job."""
    POLICY_FAILURE = 1
    """The job ran and the result fails the `--fail-on` policy."""
    USAGE = 2
    """Wrong command-line usage."""
    BAD_INPUT = 3
    """An input file cannot be used (or has warnings under `--strict`), or a case or file the
    command names is not in the case database."""
    INTERNAL = 4
    """A bug: one line on screen, the traceback in the log under `$CHAINREVIEW_HOME`."""
    NETWORK = 5
    """A download failed: no connection, a name that does not resolve, a failing server; or the
    Dask scheduler a re-match was sent to cannot be reached."""
    STORE = 6
    """The case database cannot be used: unreachable, unsupported, or newer than this
    chainreview."""
    CONFLICT = 7
    """Someone else changed the case first: reload it and try again."""
    REFUSED = 8
    """The case's procedure does not allow that action now, or not in that role."""
