"""Write claim documents (letter, schedule, CSV) in a thread, with a count, stoppable between claims."""

from __future__ import annotations

from pathlib import Path

from textual import on
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import VerticalScroll
from textual.widgets import Button, Input, Select, Static

from contingency.ledger import Claim
from contingency.services import claim_documents as documents
from contingency.services.errors import BadInput
from contingency.tui.dialogs.work import WorkDialog
from contingency.tui.widgets.fields import Field


def default_folder(incident_id: int) -> str:
    return f"~/contingency-claims/INC{incident_id}"


class ClaimDocumentsDialog(WorkDialog):
    BINDINGS = [Binding("ctrl+s", "run", "Write", id="run-documents",
                        tooltip="Write the documents to the folder")]
    HELP = ("Letter and schedule as PDF and DOCX, and a CSV for finance (pence and pounds), for each claim, each "
            "file's SHA-256 logged. The files are readable by you only. Escape stops between claims.")
    RUNNING = "Writing… (escape stops)"

    def __init__(self, incident_id: int, claim: Claim | None) -> None:
        super().__init__()
        self.incident_id = incident_id
        self.claim = claim
        self.folder = Path(default_folder(incident_id))

    def button_label(self) -> str:
        return "Write (ctrl+s)"

    def compose(self) -> ComposeResult:
        yield from self.compose_chrome()
        scope = [(f"This claim: {self.claim.reference}", "one")] if self.claim else []
        hint = "Letter and schedule as PDF and DOCX, and a CSV for finance (pence and pounds), for each claim."
        if self.store.is_exercise:
            hint += " Every file says EXERCISE – NOT A REAL INCIDENT."
        with VerticalScroll(id="dialog"):
            yield Static("Claim documents", classes="dialog-title")
            yield Static(hint, classes="hint", markup=False)
            yield Field("Folder", Input(default_folder(self.incident_id), id="folder"), id="f-folder")
            yield Field("Which", Select([*scope, ("Every claim not written off", "all")], allow_blank=False,
                                        id="scope"))
            yield from self.compose_work()

    def on_mount(self) -> None:
        self.query_one("#folder", Input).focus()

    @on(Button.Pressed, "#run")
    @on(Input.Submitted, "#folder")
    def action_run(self) -> None:
        if not self.ready_to_run():
            return
        self.folder = Path(self.query_one("#folder", Input).value.strip() or default_folder(self.incident_id))
        refs = [self.claim.reference] if self.claim and self.query_one("#scope", Select).value == "one" else None
        incident_id, folder = self.incident_id, self.folder
        self.query_one("#f-folder", Field).show(None)

        def job(store, reporter):
            files = documents.export(store, incident_id, folder, refs, progress=reporter.progress,
                                     cancelled=reporter.cancelled)
            if not files:
                raise BadInput("there are no claims to write yet: b builds them")
            return files

        self.start("Writing claim documents…", job)

    def finished(self, files: list[documents.ClaimFile]) -> None:
        self.query_one("#work-result", Static).update(
            f"✓ {documents.summary(files)} written to {files[0].path.parent}")

    def failed(self, message: str) -> None:
        self.query_one("#f-folder", Field).show(message)
