"""Progress display for long work: Rich bars on standard error on a terminal, nothing when
output is redirected, under `-q` or in CI; cleared when the work ends."""

from __future__ import annotations

import os
import sys
from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from typing import TYPE_CHECKING, Any, TypeVar

from chainreview.cli import output
from chainreview.progress import Progress, silent

if TYPE_CHECKING:
    from rich.console import Console
    from rich.progress import ProgressColumn

__all__ = ["bars", "progress_over"]

_T = TypeVar("_T")


def _columns() -> tuple[ProgressColumn, ...]:
    from rich.progress import BarColumn, MofNCompleteColumn, TextColumn, TimeElapsedColumn

    return (
        TextColumn("{task.description}"),
        BarColumn(),
        MofNCompleteColumn(),
        TimeElapsedColumn(),
    )


def _drawn(console: Console) -> bool:
    return console.is_terminal and not output.quiet() and not os.environ.get("CI")


def progress_over(items: Sequence[_T], description: str, console: Console) -> Iterator[_T]:
    """Yield `items`, showing a transient progress bar when there are several and a terminal."""
    if len(items) < 2 or not _drawn(console):
        yield from items
        return
    from rich.progress import Progress as Bars

    with Bars(*_columns(), console=console, transient=True) as drawn:
        task = drawn.add_task(description, total=len(items))
        for item in items:
            yield item
            drawn.advance(task)


@contextmanager
def bars() -> Iterator[Progress]:
    """A `Progress` that draws one bar per kind of step (`what`), or `silent` when redirected
    (decided without making the Rich console when standard error is not a terminal at all, so
    a redirected run never imports Rich for it)."""
    if not sys.stderr.isatty() or not _drawn(output.stderr):
        yield silent
        return
    from rich.progress import Progress as Bars

    with Bars(*_columns(), console=output.stderr, transient=True) as drawn:
        tasks: dict[str, Any] = {}

        def advance(what: str, done: int, total: int) -> None:
            if what not in tasks:
                tasks[what] = drawn.add_task(output.safe_text(what), total=total)
            drawn.update(tasks[what], completed=done, total=total)

        yield advance
