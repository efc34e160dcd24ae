"""How long work tells its caller how far it is, without printing anything itself.

A `Progress` is called with what is being done, how much of it is done and how much there is
(`"Matching", 1, 3`); the CLI draws it as a bar on a terminal, a server may log or stream it.
The library calls it at each step and never depends on what it does.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import TypeAlias

__all__ = ["Progress", "silent"]

Progress: TypeAlias = Callable[[str, int, int], None]
"""`(what, done, total)`: `done` of `total` steps of `what` are done."""


def silent(what: str, done: int, total: int) -> None:
    """The `Progress` of a caller that asked for none."""
