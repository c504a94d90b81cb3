"""Import the provider's list from the TUI; the summary says what happened to every row."""

from __future__ import annotations

from pathlib import Path

from textual import on
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Vertical, VerticalScroll
from textual.widgets import Button, Input, Static

from contingency.services.errors import BadInput
from contingency.services.importer import ImportSummary, import_file, load_mapping
from contingency.tui.screens.work_dialog import WorkDialog
from contingency.tui.widgets.fields import Field


class ImportDialog(WorkDialog):
    BINDINGS = [Binding("ctrl+s", "run", "Import", id="run-import", priority=True, tooltip="Import the file")]
    HELP = ("Reads the provider's CSV or XLSX into the roster. Nobody is dropped: bad values become flags to fix, "
            "and a row with nothing to identify a person is kept with its reason in FILE.rejects.csv beside the "
            "file (readable by you only). Escape stops the import before it lands; then nothing is imported.")
    RUNNING = "Importing… (escape stops)"

    def __init__(self, incident_id: int) -> None:
        super().__init__()
        self.incident_id = incident_id

    @property
    def done(self) -> bool:
        return self.state == "done"

    def button_label(self) -> str:
        return "Import (ctrl+s)"

    def compose(self) -> ComposeResult:
        yield from self.compose_chrome()
        with VerticalScroll(id="dialog"):
            yield Static("Import the provider's list", classes="dialog-title")
            with Vertical(id="import-form"):
                yield Static("CSV or XLSX. Nobody is dropped: bad values become flags to fix.", classes="hint")
                yield Field("File", Input(placeholder="/path/to/residents.xlsx", id="path"), id="f-path")
                yield Field("Column mapping (optional: file or saved name)", Input(id="mapping"), id="f-mapping")
                yield Field("Sheet (optional, XLSX)", Input(id="sheet"))
            yield from self.compose_work()

    def on_mount(self) -> None:
        self.query_one("#path", Input).focus()

    @on(Button.Pressed, "#run")
    @on(Input.Submitted, "#path")
    def action_run(self) -> None:
        if not self.ready_to_run():
            return
        path = Path(self.query_one("#path", Input).value.strip()).expanduser()
        try:
            mapping = load_mapping(self.store, self.query_one("#mapping", Input).value.strip() or None)
        except BadInput as exc:
            self.query_one("#f-mapping", Field).show(str(exc))
            return
        sheet = self.query_one("#sheet", Input).value.strip() or None
        incident_id = self.incident_id
        self.query_one("#f-path", Field).show(None)
        self.query_one("#work-result", Static).update("")

        def job(store, reporter):
            return import_file(store, incident_id, path, mapping=mapping, sheet=sheet,
                               progress=reporter.progress, cancelled=reporter.cancelled)

        self.start(f"Importing {path.name}…", job)

    def finished(self, summary: ImportSummary) -> None:
        # The form goes: importing the same file twice is never what was meant.
        self.query_one("#import-form", Vertical).display = False
        self.query_one("#work-result", Static).update(
            f"✓ {summary.imported} imported, {summary.merged} merged, {len(summary.rejected)} rejected\n"
            f"{summary.sentence()}")
        self.notify(f"{summary.file_name}: {summary.imported} imported, {summary.merged} merged, "
                    f"{len(summary.rejected)} rejected", title="Imported")

    def failed(self, message: str) -> None:
        self.query_one("#f-path", Field).show(message)
