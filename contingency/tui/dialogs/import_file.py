"""Import the provider's list from the TUI, in two stages: check, then import.

The form names the file; ctrl+s reads it and shows what the import would do (ImportPreviewScreen):
the header row found, each column's field, the first rows as they will be stored and their flags.
Confirming there imports the file in a worker with that mapping and header row; the summary says what
happened to every row.
"""

from __future__ import annotations

from pathlib import Path

from textual import on
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Vertical, VerticalScroll
from textual.widgets import Button, Input, Static
from textual.worker import Worker, WorkerState

from contingency.services.errors import BadInput
from contingency.services.importer import (
    ImportSummary,
    import_file,
    load_mapping,
    preview_file,
    save_mapping,
)
from contingency.tui.dialogs.import_preview import ImportChoice, ImportPreviewScreen
from contingency.tui.dialogs.work import WorkDialog
from contingency.tui.widgets.fields import Field
from contingency.tui.widgets.work import ProgressLine, did_not_finish, own_store


class ImportDialog(WorkDialog):
    BINDINGS = [Binding("ctrl+s", "run", "Check file", id="run-import",
                        tooltip="Read the file and show what the import will do, before importing")]
    HELP = ("Reads the provider's CSV or XLSX into the roster, in two steps: ctrl+s shows the header row found, "
            "each column's field and the first rows as they will be stored, with their flags; ctrl+s there "
            "imports. Nobody is dropped: bad values become flags to fix, and a row with nothing to identify a "
            "person is kept with its reason in FILE.rejects.csv beside the file (readable by you only). Escape "
            "stops the import before it lands; then nothing is imported.")
    RUNNING = "Importing… (escape stops)"

    def __init__(self, incident_id: int) -> None:
        super().__init__()
        self.incident_id = incident_id
        self.saved_as: str | None = None
        self._checking: Worker | None = None
        self._check_args: tuple = ()

    @property
    def done(self) -> bool:
        return self.state == "done"

    def button_label(self) -> str:
        return "Check the file (ctrl+s)"

    def compose(self) -> ComposeResult:
        yield from self.compose_chrome()
        with VerticalScroll(id="dialog"):
            yield Static("Import the provider's list", classes="dialog-title")
            with Vertical(id="import-form"):
                yield Static("CSV or XLSX. You see what it will import before it does.", classes="hint")
                yield Field("File", Input(placeholder="/path/to/residents.xlsx", id="path"), id="f-path")
                yield Field("Column mapping (optional: file or saved name)", Input(id="mapping"), id="f-mapping")
                yield Field("Sheet (optional, XLSX)", Input(id="sheet"), id="f-sheet")
                yield Field("Header row (optional)", Input(id="header-row", restrict=r"\d*"), id="f-header-row")
            yield from self.compose_work()

    def on_mount(self) -> None:
        self.query_one("#path", Input).focus()

    @on(Button.Pressed, "#run")
    @on(Input.Submitted, "#path")
    def action_run(self) -> None:
        if not self.ready_to_run():
            return
        path = Path(self.query_one("#path", Input).value.strip()).expanduser()
        spec = self.query_one("#mapping", Input).value.strip() or None
        try:
            mapping = load_mapping(self.store, spec)
        except BadInput as exc:
            self.query_one("#f-mapping", Field).show(str(exc))
            return
        self.query_one("#f-mapping", Field).show(None)
        sheet = self.query_one("#sheet", Input).value.strip() or None
        row_text = self.query_one("#header-row", Input).value.strip()
        header_row = int(row_text) if row_text else None
        self.query_one("#f-path", Field).show(None)
        self.query_one("#work-result", Static).update("")
        if self._checking is not None and self._checking.is_running:
            return
        store, incident_id = self.store, self.incident_id

        def check():
            # Reading a large workbook takes a while: in a thread on its own connection, like the import.
            with own_store(store) as mine:
                # A saved mapping is offered only when the officer named none: one they named is what they meant.
                return preview_file(mine, incident_id, path, mapping=mapping, sheet=sheet, header_row=header_row,
                                    use_saved=spec is None)

        self._check_args = (path, mapping, sheet)
        self.query_one("#work", ProgressLine).begin(f"Reading {path.name}…", stop_hint="")
        self._checking = self.run_worker(check, thread=True, exit_on_error=False, group="import-check")

    @on(Worker.StateChanged)
    def _checked(self, event: Worker.StateChanged) -> None:
        if event.worker is not self._checking or event.state not in (
                WorkerState.SUCCESS, WorkerState.ERROR, WorkerState.CANCELLED):
            return
        self.query_one("#work", ProgressLine).end()
        if event.state is not WorkerState.SUCCESS:
            error = event.worker.error
            if error is not None:
                self.query_one("#f-path", Field).show(
                    str(error) if isinstance(error, BadInput) else did_not_finish(self, error))
            return
        preview = event.worker.result
        path, mapping, _sheet = self._check_args
        base = preview.mapping if preview.saved_mapping else mapping

        def confirmed(choice: ImportChoice | None) -> None:
            if choice is None:
                self.query_one("#path", Input).focus()
                return
            self.import_with(path, choice, sheet=preview.sheet, header_row=preview.header_row)

        self.app.push_screen(ImportPreviewScreen(self.incident_id, preview, base), confirmed)

    def import_with(self, path: Path, choice: ImportChoice, *, sheet: str | None, header_row: int) -> None:
        incident_id = self.incident_id
        self.saved_as = choice.save_as

        def job(store, reporter):
            if choice.save_as:
                save_mapping(store, choice.save_as, choice.mapping)
            # The header row and sheet the officer checked, not found afresh: the same rows as the preview.
            return import_file(store, incident_id, path, mapping=choice.mapping, sheet=sheet,
                               header_row=header_row, progress=reporter.progress, cancelled=reporter.cancelled)

        self.start(f"Importing {path.name}…", job)

    def finished(self, summary: ImportSummary) -> None:
        # The form goes: importing the same file twice is never what was meant.
        self.query_one("#import-form", Vertical).display = False
        saved = f"\nmapping saved as {self.saved_as!r}, offered for lists with the same headers" if self.saved_as else ""
        self.query_one("#work-result", Static).update(
            f"✓ {summary.imported} imported, {summary.merged} merged, {len(summary.rejected)} rejected\n"
            f"{summary.sentence()}{saved}")
        self.notify(f"{summary.file_name}: {summary.imported} imported, {summary.merged} merged, "
                    f"{len(summary.rejected)} rejected", title="Imported")

    def failed(self, message: str) -> None:
        self.query_one("#f-path", Field).show(message)
