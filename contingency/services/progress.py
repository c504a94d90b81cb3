"""Long jobs say how far they have got and stop when asked, without knowing who is watching.

The TUI runs them in a thread and passes a callback and a cancel check; the CLI passes neither. A job
stops only between items, so what it has finished is whole (and logged) and nothing is half-written.
"""

from __future__ import annotations

from collections.abc import Callable

Progress = Callable[[int, int], None]  # (done, total)
CancelCheck = Callable[[], bool]


class Cancelled(Exception):
    """The officer stopped the job; `done` items were finished (and kept) before it stopped."""

    def __init__(self, message: str = "stopped", done: int = 0) -> None:
        super().__init__(message)
        self.done = done


def tick(progress: Progress | None, cancelled: CancelCheck | None, *, message: str = "stopped",
         ) -> Callable[[int, int], None]:
    """One callback for an all-or-nothing loop (an import, bringing the register up to date): reports (done,
    total) and raises Cancelled if the officer asked to stop. The loop's transaction is rolled back, so the
    items counted so far were not kept: Cancelled says none were done, and the form stays ready to run again."""

    def step(done: int, total: int) -> None:
        if cancelled is not None and cancelled():
            raise Cancelled(message, done=0)
        if progress is not None:
            progress(done, total)

    return step
