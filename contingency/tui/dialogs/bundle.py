"""Write the incident bundle from the incident screen: everything a council keeps for audit, or only what
concerns one council's or ICB's people, in a thread."""

from __future__ import annotations

from pathlib import Path

from textual import on
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import VerticalScroll
from textual.widgets import Button, Input, Static

from contingency.services import bundle as service
from contingency.tui.dialogs.work import WorkDialog
from contingency.tui.widgets.fields import Field


class BundleDialog(WorkDialog):
    BINDINGS = [Binding("ctrl+s", "run", "Write bundle", id="run-bundle",
                        tooltip="Write the incident bundle: a folder and a zip")]
    HELP = ("The incident bundle, for audit and a cold debrief: a JSON file per table with a README of its "
            "fields, CSVs of the roster, costs and claims, every letter and pack with its SHA-256, and the log's "
            "entries with its chain head and the result of verifying it. 'For' la:CODE or icb:CODE writes only "
            "what concerns that body's people, for handing to it. The files are readable by you only.")
    RUNNING = "Writing… (escape stops)"

    def __init__(self, incident_id: int) -> None:
        super().__init__()
        self.incident_id = incident_id

    def button_label(self) -> str:
        return "Write bundle (ctrl+s)"

    def compose(self) -> ComposeResult:
        yield from self.compose_chrome()
        with VerticalScroll(id="dialog"):
            yield Static("Incident bundle", classes="dialog-title")
            yield Static("A folder and a zip. Letters and packs are looked for where the app writes them.",
                         classes="hint")
            yield Field("Folder", Input(service.default_folder(self.incident_id), id="folder"), id="f-folder")
            yield Field("For (optional)", Input(id="for", placeholder="everything; or la:Bradford, icb:QWO"),
                        id="f-for")
            yield Field("Other letter folders", Input(id="letters", placeholder="optional, with commas"),
                        id="f-letters")
            yield from self.compose_work()

    def on_mount(self) -> None:
        self.query_one("#folder", Input).focus()

    @on(Button.Pressed, "#run")
    @on(Input.Submitted)
    def action_run(self) -> None:
        if not self.ready_to_run():
            return
        folder = Path(self.query_one("#folder", Input).value.strip() or service.default_folder(self.incident_id))
        for_body = self.query_one("#for", Input).value.strip() or None
        letters = [Path(t.strip()) for t in self.query_one("#letters", Input).value.split(",") if t.strip()]
        incident_id = self.incident_id
        for field in ("#f-folder", "#f-for"):
            self.query_one(field, Field).show(None)
        self.query_one("#work-result", Static).update("")

        def job(store, reporter):
            return service.export(store, incident_id, folder, for_body=for_body, letter_dirs=letters,
                                  progress=reporter.progress, cancelled=reporter.cancelled)

        self.start("Reading the incident, then writing the bundle…", job)

    def finished(self, result: service.BundleResult) -> None:
        log = "verified" if result.verified else f"FAILED: {result.problem}"
        lines = [f"✓ Wrote {len(result.files)} files to {result.folder}", f"and {result.zip_path.name} beside it",
                 f"log {log}; chain head {result.head}"]
        if result.for_ref:
            lines.append(f"Only what concerns {result.for_ref}: {result.people} people")
        for document in result.flagged:
            words = "HASH DIFFERS from the store's record" if document.status == "hash-differs" else "not found"
            lines.append(f"⚠ {document.name}: {words}")
        self.query_one("#work-result", Static).update("\n".join(lines))
        self.query_one("#dialog", VerticalScroll).scroll_end(animate=False)

    def failed(self, message: str) -> None:
        field = "#f-for" if message.startswith("for ") or "nobody on incident" in message else "#f-folder"
        self.query_one(field, Field).show(message)
