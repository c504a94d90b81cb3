"""Import the provider's list from the TUI; the summary says what happened to every row."""

from __future__ import annotations

from pathlib import Path

from textual import on
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import VerticalScroll
from textual.widgets import Button, Input, Static

from contingency.services.errors import BadInput
from contingency.services.importer import import_file, load_mapping
from contingency.tui.screens.base import Dialog
from contingency.tui.widgets.fields import Field


class ImportDialog(Dialog):
    BINDINGS = [Binding("ctrl+s", "run", "Import", id="run-import", priority=True, tooltip="Import the file")]

    def __init__(self, incident_id: int) -> None:
        super().__init__()
        self.incident_id = incident_id
        self.done = False

    def compose(self) -> ComposeResult:
        yield from self.compose_chrome()
        with VerticalScroll(id="dialog"):
            yield Static("Import the provider's list", classes="dialog-title")
            yield Static("CSV or XLSX. Nobody is dropped: bad values become flags to fix.", classes="hint")
            yield Field("File", Input(placeholder="/path/to/residents.xlsx", id="path"), id="f-path")
            yield Field("Column mapping (optional: file or saved name)", Input(id="mapping"), id="f-mapping")
            yield Field("Sheet (optional, XLSX)", Input(id="sheet"))
            yield Static("", id="import-summary", markup=False)
            yield Button("Import (ctrl+s)", variant="primary", id="run")

    def on_mount(self) -> None:
        self.query_one("#path", Input).focus()

    @on(Button.Pressed, "#run")
    @on(Input.Submitted, "#path")
    def action_run(self) -> None:
        if self.done:
            self.dismiss(True)
            return
        path = Path(self.query_one("#path", Input).value.strip()).expanduser()
        try:
            mapping = load_mapping(self.store, self.query_one("#mapping", Input).value.strip() or None)
            summary = import_file(self.store, self.incident_id, path, mapping=mapping,
                                  sheet=self.query_one("#sheet", Input).value.strip() or None)
        except BadInput as exc:
            self.query_one("#f-path", Field).show(str(exc))
            return
        self.done = True
        self.query_one("#import-summary", Static).update(summary.sentence())
        self.query_one("#run", Button).label = "Done (ctrl+s or escape)"

    def action_cancel(self) -> None:
        self.dismiss(self.done or None)
