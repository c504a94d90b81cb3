"""Write the shift handover pack from the incident screen: the officer's note, then the pack in a thread."""

from __future__ import annotations

from pathlib import Path

from textual import on
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import VerticalScroll
from textual.widgets import Button, Input, Static, TextArea

from contingency.rules.notifications import EXERCISE_MARK
from contingency.services import handover as service
from contingency.tui.dialogs.work import WorkDialog
from contingency.tui.widgets.fields import Field


class HandoverDialog(WorkDialog):
    BINDINGS = [Binding("ctrl+s", "run", "Write pack", id="run-handover",
                        tooltip="Write the handover pack and complete the handover step")]
    HELP = ("The handover pack as Markdown, PDF and DOCX, as at now: page 1 the summary (counts, and names only "
            "of the people at risk), the tables in annexes, the log's chain head in the footer. Your note is the "
            "only free text. Writing it completes the playbook's handover step with the files' SHA-256, and the "
            "next pack's 'since last handover' starts here. The files are readable by you only.")
    RUNNING = "Writing… (escape stops)"

    def __init__(self, incident_id: int) -> None:
        super().__init__()
        self.incident_id = incident_id

    def button_label(self) -> str:
        return "Write pack (ctrl+s)"

    def compose(self) -> ComposeResult:
        yield from self.compose_chrome()
        with VerticalScroll(id="dialog"):
            yield Static("Handover pack", classes="dialog-title")
            if self.store.is_exercise:
                yield Static(f"Every page will say {EXERCISE_MARK}.", classes="hint", markup=False)
            yield Field("Your note for the day team (optional)", TextArea(id="note"), id="f-note")
            yield Field("Folder", Input(service.default_folder(self.incident_id), id="folder"), id="f-folder")
            yield from self.compose_work()

    def on_mount(self) -> None:
        self.query_one("#note", TextArea).focus()

    @on(Button.Pressed, "#run")
    @on(Input.Submitted, "#folder")
    def action_run(self) -> None:
        if not self.ready_to_run():
            return
        note = self.query_one("#note", TextArea).text
        folder = Path(self.query_one("#folder", Input).value.strip() or service.default_folder(self.incident_id))
        incident_id = self.incident_id
        self.query_one("#f-folder", Field).show(None)
        self.query_one("#work-result", Static).update("")

        def job(store, reporter):
            return service.generate(store, incident_id, folder, note=note, progress=reporter.progress,
                                    cancelled=reporter.cancelled)

        self.start("Reading the incident, then writing the pack…", job)

    def finished(self, result: service.PackResult) -> None:
        shown = "\n".join(f"• {path.name}" for path in result.paths)
        self.query_one("#work-result", Static).update(
            f"✓ Wrote the pack to {result.paths[0].parent}:\n{shown}\n{result.step}; log {result.pack.log_head}")
        self.query_one("#dialog", VerticalScroll).scroll_end(animate=False)

    def failed(self, message: str) -> None:
        self.query_one("#f-folder", Field).show(message)
