"""Slow jobs off the UI thread: a progress line with a count, and what a thread needs to report to it.

A job runs in a Textual thread worker with its own store connection (a SQLite connection belongs to
the thread that opened it), reports through a message (posting is thread-safe), and stops between
items when the officer asks or the widget that started it goes away.
"""

from __future__ import annotations

import threading
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from typing import Any, TypeVar

from textual.app import ComposeResult
from textual.containers import Horizontal
from textual.message import Message
from textual.message_pump import MessagePump
from textual.widget import Widget
from textual.widgets import ProgressBar, Static
from textual.worker import NoActiveWorker, get_current_worker

from contingency.store import Store, open_store


@contextmanager
def own_store(store: Store) -> Iterator[Store]:
    """The same store file, officer and clock, on a connection for this thread only."""
    if store.path is None:
        raise RuntimeError("a background job needs a store on disk")
    mine = open_store(store.path, officer=store.officer, clock=store.clock)
    try:
        yield mine
    finally:
        mine.close()


T = TypeVar("T")


def read_in_background(widget: Widget, read: Callable[[Store], T], then: Callable[[T], Any], *, group: str) -> None:
    """`read` in a thread worker on a connection of its own, then `then(result)` back on the UI thread, so a
    read of the whole roster never holds up a keystroke (issue 12). Only the latest read of its group answers
    (one asked earlier and finishing late is dropped), and only while the widget is still on screen. A read
    that fails ends its worker in ERROR, for the widget's Worker.StateChanged handler to say so."""
    asked = getattr(widget, "_latest_reads", {}).get(group, 0) + 1
    widget._latest_reads = {**getattr(widget, "_latest_reads", {}), group: asked}  # type: ignore[attr-defined]
    store = widget.app.store  # type: ignore[attr-defined]

    def answered(result: T) -> None:
        if widget._latest_reads.get(group) == asked and widget.is_attached:  # type: ignore[attr-defined]
            then(result)

    def run() -> None:
        with own_store(store) as mine:
            result = read(mine)
        widget.app.call_from_thread(answered, result)

    widget.run_worker(run, thread=True, exclusive=True, group=group, exit_on_error=False)


class WorkProgress(Message):
    """How far a background job has got: `done` of `total` (None while the total is not yet known)."""

    def __init__(self, job: str, done: int, total: int | None) -> None:
        super().__init__()
        self.job = job
        self.done = done
        self.total = total


class Reporter:
    """The thread's side: a progress callback and a cancel check to hand to a service."""

    INTERVAL = 0.1  # seconds between repaints; 50,000 updates would flood the screen for nothing

    def __init__(self, target: MessagePump, job: str, stop: threading.Event | None = None) -> None:
        self.target = target
        self.job = job
        self.stop = stop or threading.Event()
        self._last = 0.0

    def progress(self, done: int, total: int) -> None:
        now = time.monotonic()
        if done in (0, total) or now - self._last >= self.INTERVAL:
            self._last = now
            self.target.post_message(WorkProgress(self.job, done, total))

    def cancelled(self) -> bool:
        if self.stop.is_set():
            return True
        try:
            return get_current_worker().is_cancelled
        except NoActiveWorker:  # called outside a worker (a test calling the job directly)
            return False


class ProgressLine(Horizontal):
    """'Working out who to tell… 1,250/20,000' with a bar, and how to stop; hidden when idle."""

    DEFAULT_CSS = """
    ProgressLine { height: 1; display: none; padding: 0 1; }
    ProgressLine.-working { display: block; }
    ProgressLine #work-label { width: auto; max-width: 60%; }
    ProgressLine ProgressBar { width: auto; margin-left: 1; }
    ProgressLine #work-stop { width: 1fr; margin-left: 1; color: $text-muted; }
    """

    def compose(self) -> ComposeResult:
        yield Static("", id="work-label", markup=False)
        yield ProgressBar(total=None, show_eta=False, show_percentage=False, id="work-bar")
        yield Static("", id="work-stop", markup=False)

    def begin(self, label: str, total: int | None = None, stop_hint: str = "escape stops") -> None:
        self._label = label
        self.add_class("-working")
        self.query_one("#work-stop", Static).update(stop_hint)
        self.advance(0, total)

    def advance(self, done: int, total: int | None) -> None:
        bar = self.query_one("#work-bar", ProgressBar)
        bar.update(total=total, progress=done)
        count = f" {done:,}/{total:,}" if total is not None else ""
        self.query_one("#work-label", Static).update(f"{self._label}{count}")

    def stopping(self) -> None:
        self.query_one("#work-stop", Static).update("stopping after this one…")

    def end(self) -> None:
        self.remove_class("-working")

    @property
    def working(self) -> bool:
        return self.has_class("-working")


def did_not_finish(node: MessagePump, error: BaseException | None) -> str:
    """The officer's line for a job that failed unexpectedly; the traceback goes to the app's log (textual
    console) so whoever supports the app can see where, not only what."""
    if error is not None:
        import traceback

        node.log.error("".join(traceback.format_exception(error)))
    return f"it did not finish: {error}"
