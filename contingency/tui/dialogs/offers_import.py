"""Import a list of offers of beds and care hours (a brokerage team's spreadsheet) from the placements screen."""

from __future__ import annotations

from pathlib import Path

from textual import on
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import VerticalScroll
from textual.widgets import Button, Input, Static

from contingency.services.placements import VacancyImport, import_vacancies
from contingency.tui.dialogs.work import WorkDialog
from contingency.tui.widgets.fields import Field


class OffersImportDialog(WorkDialog):
    BINDINGS = [Binding("ctrl+s", "run", "Import", id="run-offers-import", tooltip="Import the offers in the file")]
    HELP = ("Reads a CSV or XLSX list of offers: a column naming the provider (or home) is needed; postcode, type, "
            "beds, weekly rate, available from, held until, gender, contact and notes are read when present. "
            "A row that cannot be read is kept with its reason and listed here; the rest are imported. Escape "
            "stops it before anything lands.")
    RUNNING = "Importing… (escape stops)"

    def __init__(self, incident_id: int) -> None:
        super().__init__()
        self.incident_id = incident_id

    def button_label(self) -> str:
        return "Import (ctrl+s)"

    def compose(self) -> ComposeResult:
        yield from self.compose_chrome()
        with VerticalScroll(id="dialog"):
            yield Static("Import offers of beds or care hours", classes="dialog-title")
            yield Static("CSV or XLSX, one offer a row, with a Provider (or Home) column.", classes="hint")
            yield Field("File", Input(placeholder="/path/to/offers.xlsx", id="path"), id="f-path")
            yield Field("Sheet (optional, XLSX)", Input(id="sheet"), id="f-sheet")
            yield Field("Header row (optional)", Input(id="header-row", restrict=r"\d*"), id="f-header-row")
            yield from self.compose_work()

    def on_mount(self) -> None:
        self.query_one("#path", Input).focus()

    @on(Button.Pressed, "#run")
    @on(Input.Submitted)
    def action_run(self) -> None:
        if not self.ready_to_run():
            return
        text = self.query_one("#path", Input).value.strip()
        if not text:
            self.query_one("#f-path", Field).show("type the path of the offers list, e.g. ~/offers.xlsx")
            return
        path = Path(text).expanduser()
        sheet = self.query_one("#sheet", Input).value.strip() or None
        row_text = self.query_one("#header-row", Input).value.strip()
        header_row = int(row_text) if row_text else None
        incident_id = self.incident_id
        self.query_one("#f-path", Field).show(None)
        self.query_one("#work-result", Static).update("")

        def job(store, reporter):
            return import_vacancies(store, path, incident_id=incident_id, sheet=sheet, header_row=header_row,
                                    progress=reporter.progress, cancelled=reporter.cancelled)

        self.start(f"Reading {path.name}…", job)

    def finished(self, result: VacancyImport) -> None:
        self.query_one("#work-result", Static).update(f"✓ {result.sentence()}")
        self.query_one("#dialog", VerticalScroll).scroll_end(animate=False)

    def failed(self, message: str) -> None:
        self.query_one("#f-path", Field).show(message)
