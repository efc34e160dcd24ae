"""Leaving the process without the interpreter's teardown, where a command allows it.

After a large scan the heap holds millions of objects; at exit Python frees every one of them
and tears its modules down, which takes a twentieth of the whole run and serves nothing once
the output is written. A command whose work is done and whose files are closed may `allow` a
quick exit; `leave` then runs the `atexit` handlers (temporary folders, logging) and flushes the
standard streams as a normal exit would, and ends the process with the same code without the
teardown. Commands run in-process (tests, `typer.testing.CliRunner`) never reach `leave`: only
`cli.app.main`, the program's entry point, calls it.
"""

from __future__ import annotations

import atexit
import os
import sys

__all__ = ["allow", "leave"]

_allowed = [False]


def allow() -> None:
    """Let `leave` end the process quickly: the calling command has written all its output
    and closed its files."""
    _allowed[0] = True


def leave(code: object) -> None:
    """End the process now with `code` (a `SystemExit` code) if a command allowed it; return
    otherwise (and for codes that are messages, which the interpreter prints itself)."""
    if not _allowed[0] or not (code is None or isinstance(code, int)):
        return
    atexit._run_exitfuncs()
    for stream in (sys.stdout, sys.stderr):
        try:
            stream.flush()
        except (OSError, ValueError):
            return  # a closed or broken stream: the normal exit reports it
    os._exit(code or 0)
