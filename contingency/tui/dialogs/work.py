"""A dialog whose job may take a while: generating letters, importing a list, writing claim documents.

The job runs in a thread with its own store connection, so the screen keeps painting. A progress line
counts the items; escape stops the job between items (what was finished is kept and logged) and a
second escape closes. When the job is done the form gives way to its result and a Done button, so
nothing invites running it twice.
"""

from __future__ import annotations

import threading
from collections.abc import Callable
from typing import Any

from textual.app import ComposeResult
from textual.widgets import Button, Static
from textual.worker import Worker, WorkerState

from contingency.services.errors import BadInput
from contingency.services.progress import Cancelled
from contingency.store import Store
from contingency.tui.base import Dialog
from contingency.tui.widgets.work import ProgressLine, Reporter, WorkProgress, did_not_finish, own_store

Job = Callable[[Store, Reporter], Any]


class WorkDialog(Dialog):
    """Subclasses compose a ProgressLine (#work), a result Static (#work-result) and a Button (#run);
    they call `start` with the job, and get `finished`, `failed` or `stopped` back on the UI thread."""

    RUNNING = "Working… (escape stops)"

    def __init__(self) -> None:
        super().__init__()
        self.state = "form"  # form -> running -> done (or back to form)
        self.worker: Worker | None = None
        self._stop = threading.Event()

    def start(self, label: str, job: Job) -> None:
        store = self.store
        self._stop = threading.Event()
        reporter = Reporter(self, "dialog", self._stop)

        def run() -> Any:
            with own_store(store) as mine:
                return job(mine, reporter)

        self.state = "running"
        button = self.query_one("#run", Button)
        button.label = self.RUNNING
        button.disabled = True
        self.query_one("#work", ProgressLine).begin(label)
        self.refresh_bindings()
        self.worker = self.run_worker(run, thread=True, exit_on_error=False, group="dialog-work")

    def on_work_progress(self, message: WorkProgress) -> None:
        message.stop()
        if self.state == "running":
            self.query_one("#work", ProgressLine).advance(message.done, message.total)

    def on_worker_state_changed(self, event: Worker.StateChanged) -> None:
        if event.worker is not self.worker or event.state not in (
                WorkerState.SUCCESS, WorkerState.ERROR, WorkerState.CANCELLED):
            return
        self.query_one("#work", ProgressLine).end()
        button = self.query_one("#run", Button)
        button.disabled = False
        error = event.worker.error
        if event.state is WorkerState.SUCCESS:
            self.state = "done"
            button.label = "Done (enter or escape)"
            self.finished(event.worker.result)
            button.focus()
        elif isinstance(error, Cancelled) or event.state is WorkerState.CANCELLED:
            self.state = "done" if getattr(error, "done", 0) else "form"
            button.label = "Done (enter or escape)" if self.state == "done" else self.button_label()
            self.stopped(str(error) if error else "stopped")
        else:
            self.state = "form"
            button.label = self.button_label()
            if isinstance(error, BadInput):
                self.failed(str(error))
            else:
                self.failed(did_not_finish(self, error))
        self.refresh_bindings()

    # --- for subclasses -------------------------------------------------------------------------------

    def compose_work(self) -> ComposeResult:
        """The progress line, the result and the run button, below a subclass's fields."""
        yield ProgressLine(id="work")
        yield Static("", id="work-result", markup=False)
        yield Button(self.button_label(), variant="primary", id="run")

    def ready_to_run(self) -> bool:
        """Whether the run button starts the job: once done it closes the dialog; while running it waits."""
        if self.state == "done":
            self.dismiss(True)
            return False
        return self.state != "running"

    def button_label(self) -> str:
        return "Run (ctrl+s)"

    def finished(self, result: Any) -> None:
        """What the job did, in the officer's words; subclasses say more (files written, rows imported)."""
        self.query_one("#work-result", Static).update(f"✓ done: {result}" if result is not None else "✓ done")

    def failed(self, message: str) -> None:
        self.query_one("#work-result", Static).update(f"✗ {message}")

    def stopped(self, message: str) -> None:
        self.query_one("#work-result", Static).update(f"Stopped: {message}")

    # --- keys -------------------------------------------------------------------------------------------

    def action_cancel(self) -> None:
        if self.state == "running":
            self._stop.set()
            self.query_one("#work", ProgressLine).stopping()
            return
        if self.state == "done":
            self.dismiss(True)
            return
        super().action_cancel()  # a half-filled form asks before it is thrown away
