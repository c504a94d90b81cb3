"""Write the after-action report from the facilitator's screen (exercises.md §4), in a thread."""

from __future__ import annotations

from pathlib import Path

from textual import on
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import VerticalScroll
from textual.widgets import Button, Input, Static

from contingency.services.exercise_report import ReportResult, write
from contingency.services.exercises import exercise_folder
from contingency.tui.dialogs.work import WorkDialog
from contingency.tui.widgets.fields import Field


class ReportDialog(WorkDialog):
    BINDINGS = [Binding("ctrl+s", "run", "Write report", id="run-report",
                        tooltip="Write the after-action report as Markdown and PDF")]
    HELP = ("The after-action report as it stands now, marked EXERCISE: the scenario and objectives with their "
            "ratings, every expectation's state with the evidence, the timeline, the measures, the hot debrief "
            "and the improvement plan. It can be written again at any time; nothing is written to the store.")
    RUNNING = "Writing… (escape stops)"

    def button_label(self) -> str:
        return "Write report (ctrl+s)"

    def compose(self) -> ComposeResult:
        yield from self.compose_chrome()
        with VerticalScroll(id="dialog"):
            yield Static("EXERCISE after-action report", classes="dialog-title")
            yield Static("Markdown and PDF, readable by you only.", classes="hint")
            yield Field("Folder", Input(str(exercise_folder(self.store.path)), id="folder"), id="f-folder")
            yield from self.compose_work()

    def on_mount(self) -> None:
        self.query_one("#folder", Input).focus()

    @on(Button.Pressed, "#run")
    @on(Input.Submitted, "#folder")
    def action_run(self) -> None:
        if not self.ready_to_run():
            return
        text = self.query_one("#folder", Input).value.strip()
        folder = Path(text) if text else exercise_folder(self.store.path)
        self.query_one("#f-folder", Field).show(None)
        self.query_one("#work-result", Static).update("")

        def job(store, reporter):
            return write(store, folder, progress=reporter.progress, cancelled=reporter.cancelled)

        self.start("Scoring the exercise, then writing the report…", job)

    def finished(self, result: ReportResult) -> None:
        ratings = ", ".join(f"{o.id} {o.rating.value if o.rating else 'not yet judged'}"
                            for o in result.gathered.result.objectives)
        shown = "\n".join(f"• {path}" for path in result.paths)
        self.query_one("#work-result", Static).update(f"✓ Wrote the report:\n{shown}\nObjectives: {ratings}")
        self.query_one("#dialog", VerticalScroll).scroll_end(animate=False)

    def failed(self, message: str) -> None:
        self.query_one("#f-folder", Field).show(message)
