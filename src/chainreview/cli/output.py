"""Output helpers shared by the command groups: the format choice and the consoles."""

from __future__ import annotations

import sys
from enum import StrEnum
from typing import Any

from rich.console import Console

from chainreview import canonical

stdout = Console(highlight=False, soft_wrap=True)
stderr = Console(stderr=True, highlight=False, soft_wrap=True)


class OutputFormat(StrEnum):
    """How a reporting command prints its result."""

    TABLE = "table"
    JSON = "json"


def print_json(value: Any) -> None:
    """Write `value` to standard output as canonical JSON."""
    sys.stdout.buffer.write(canonical.dumps(canonical.to_plain(value)))
    sys.stdout.flush()


def error_line(message: str) -> None:
    """Print one red error line on standard error."""
    stderr.print(f"[bold red]error:[/] {message}", markup=True, highlight=False)
