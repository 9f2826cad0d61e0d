"""Progress for long work, on the terminal (rich), or nothing when not asked for."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from contextlib import contextmanager

from rich.console import Console
from rich.progress import (BarColumn, MofNCompleteColumn, Progress, TextColumn,
                           TimeElapsedColumn)


class Steps:
    """``note`` says what is being done; ``bar`` counts through a known amount of it."""

    def __init__(self, console: Console | None = None, *, quiet: bool = False):
        self.console = console or Console(stderr=True)
        self.quiet = quiet

    def note(self, words: str) -> None:
        if not self.quiet:
            self.console.print(words)

    @contextmanager
    def bar(self, words: str, total: int) -> Iterator[Callable[[int], None]]:
        if self.quiet:
            yield lambda n: None
            return
        with Progress(TextColumn("{task.description}"), BarColumn(), MofNCompleteColumn(),
                      TimeElapsedColumn(), console=self.console, transient=False) as progress:
            task = progress.add_task(words, total=total)
            yield lambda n: progress.advance(task, n)


QUIET = Steps(quiet=True)
