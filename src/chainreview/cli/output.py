"""Output helpers shared by the command groups: the format choice and the consoles.

The Rich consoles `stdout` and `stderr` are made on first use (PEP 562 module `__getattr__`), so
a command that prints JSON never imports Rich; the canonical JSON writer loads when first used.
"""

from __future__ import annotations

import sys
from enum import StrEnum
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from rich.console import Console

    stdout: Console
    stderr: Console


class OutputFormat(StrEnum):
    """How a reporting command prints its result."""

    TABLE = "table"
    JSON = "json"


def __getattr__(name: str) -> Console:
    """Make the `stdout` or `stderr` console on first use, then keep it as a module global."""
    if name not in ("stdout", "stderr"):
        raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
    return _console(name)


def _console(name: str) -> Console:
    found: Console | None = globals().get(name)
    if found is None:
        from rich.console import Console

        found = globals()[name] = Console(stderr=name == "stderr", highlight=False, soft_wrap=True)
    return found


def print_json(value: Any) -> None:
    """Write `value` to standard output as canonical JSON."""
    from chainreview import canonical

    sys.stdout.buffer.write(canonical.dumps(value))
    sys.stdout.flush()


def error_line(message: str) -> None:
    """Print one red error line on standard error."""
    _console("stderr").print(f"[bold red]error:[/] {message}", markup=True, highlight=False)
