"""Progress display for long work: a Rich bar on a terminal, nothing when output is redirected."""

from __future__ import annotations

from collections.abc import Iterator, Sequence
from typing import TYPE_CHECKING, TypeVar

if TYPE_CHECKING:
    from rich.console import Console

_T = TypeVar("_T")


def progress_over(items: Sequence[_T], description: str, console: Console) -> Iterator[_T]:
    """Yield `items`, showing a transient progress bar when there are several and a terminal."""
    if len(items) < 2 or not console.is_terminal:
        yield from items
        return
    from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeElapsedColumn

    columns = (
        TextColumn("{task.description}"),
        BarColumn(),
        MofNCompleteColumn(),
        TimeElapsedColumn(),
    )
    with Progress(*columns, console=console, transient=True) as progress:
        task = progress.add_task(description, total=len(items))
        for item in items:
            yield item
            progress.advance(task)
