"""The second stage of an import: check what the file will become before anything is written.

Shows the header row found (and sheet) and why, what each column will be read as, and the first rows as
they will be stored with every flagged value marked ✗ and its reason. The officer can re-map a column,
ignore one, and save the mapping by name for the provider's next list. Nothing here writes: confirming
hands the mapping back to the import dialog, whose worker imports the file.
"""

from __future__ import annotations

from dataclasses import dataclass

from rich.text import Text
from textual import on
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import VerticalScroll
from textual.screen import ModalScreen
from textual.widgets import DataTable, Footer, Input, OptionList, Static
from textual.widgets.option_list import Option

from contingency.rules.columns import IMPORT_FIELDS
from contingency.services.errors import BadInput
from contingency.services.importer import (
    IGNORE,
    KEEP,
    ImportPreview,
    PreviewColumn,
    preview_table,
    row_lines,
)
from contingency.tui.literal import Literal, cell
from contingency.tui.base import Dialog
from contingency.tui.widgets.fields import Field

# Room for the column table inside the dialog at 80 columns: file header, what it becomes, and why.
HEADER_WIDTH = 22
READS_AS_WIDTH = 26


@dataclass(frozen=True)
class ImportChoice:
    """What the officer confirmed: the whole mapping (every header named), and a name to save it under."""

    mapping: dict[str, str]
    save_as: str | None


def fit(text: str, width: int) -> str:
    """Shortened at a word boundary with "…", never cut mid-word (unless one word is wider than the room)."""
    if len(text) <= width:
        return text
    cut = text[: width - 1].rsplit(" ", 1)[0] if " " in text[: width - 1] else text[: width - 1]
    return cut.rstrip() + "…"


def choice_words(choice: str) -> str:
    if choice == IGNORE:
        return "✗ ignore (not imported)"
    if choice == KEEP:
        return "kept in notes"
    return IMPORT_FIELDS[choice]


class FieldPicker(ModalScreen[str | None]):
    """Which field a column is read into; the choices to ignore it or keep it in notes come first."""

    BINDINGS = [Binding("escape", "dismiss_none", "Back", tooltip="Keep the column as it was")]
    DEFAULT_CSS = """
    FieldPicker { align: center middle; }
    FieldPicker > VerticalScroll { width: 60; max-width: 100%; height: auto; max-height: 90%;
        border: thick $primary; background: $surface; padding: 0 1; }
    FieldPicker OptionList { height: auto; max-height: 16; }
    """

    def __init__(self, header: str, current: str) -> None:
        super().__init__()
        self.header = header
        self.current = current

    def compose(self) -> ComposeResult:
        with VerticalScroll():
            yield Static(f"Read {self.header!r} as (enter chooses, escape goes back)", markup=False)
            choices = [(IGNORE, "✗ ignore: not imported at all"), (KEEP, "kept in notes, as 'header: value'")]
            choices += [(name, f"{label} ({name})") for name, label in IMPORT_FIELDS.items()]
            # The highlight shows where the list starts; the words say which is the column's choice now.
            yield OptionList(*(Option(f"{words}  ← now" if key == self.current else words, id=key)
                               for key, words in choices), id="fields")
        yield Footer()

    def on_mount(self) -> None:
        fields = self.query_one("#fields", OptionList)
        fields.highlighted = fields.get_option_index(self.current)
        fields.focus()

    @on(OptionList.OptionSelected)
    def chosen(self, event: OptionList.OptionSelected) -> None:
        self.dismiss(event.option.id)

    def action_dismiss_none(self) -> None:
        self.dismiss(None)


class ImportPreviewScreen(Dialog):
    """Dismisses with an ImportChoice to import, or None to go back without importing."""

    BINDINGS = [
        Binding("ctrl+s", "confirm", "Import", tooltip="Import the file with this mapping"),
        Binding("escape", "cancel", "Back", tooltip="Back to the form; nothing is imported"),
        Binding("m", "choose", "Field", tooltip="Choose the field the column is read into"),
        Binding("x", "ignore", "Ignore", tooltip="Ignore the column: not imported"),
    ]
    DEFAULT_CSS = """
    ImportPreviewScreen .preview-text { margin: 0 0 1 0; }
    ImportPreviewScreen .preview-hint { color: $text-muted; }
    """
    HELP = ("Check the import before it is written. The header row and the columns are as found; enter or m "
            "chooses the field a column is read into, x ignores it. The rows shown are as they will be stored: "
            "a value marked ✗ will be flagged, for the reason given. Give the mapping a name to offer it for "
            "this provider's next list. ctrl+s imports; escape goes back and imports nothing.")

    def __init__(self, incident_id: int, preview: ImportPreview, base: dict[str, str] | None = None) -> None:
        super().__init__()
        self.incident_id = incident_id
        self.preview = preview
        self.mapping = dict(base or {})  # what the officer (or a saved or given mapping) has said
        self.changed: set[str] = set()  # headers the officer re-mapped here

    def compose(self) -> ComposeResult:
        yield from self.compose_chrome()
        with VerticalScroll(id="dialog"):
            yield Literal(f"Check the import: {self.preview.file_name}", classes="dialog-title")
            yield Static("", id="header-found", classes="preview-text", markup=False)
            yield Static("", id="saved-line", markup=False)
            yield Static("Columns: enter or m chooses the field, x ignores the column",
                         classes="preview-hint", markup=False)
            yield DataTable(id="columns", cursor_type="row", zebra_stripes=True)
            yield Static("First rows as they will be stored (✗ marks a value that will be flagged):",
                         markup=False)
            yield Static("", id="rows", classes="preview-text", markup=False)
            yield Static("", id="counts", classes="preview-text", markup=False)
            yield Field("Save this mapping as (optional)", Input(id="save-name"), id="f-save-name")
            yield Static("", id="dialog-error", markup=False)

    def on_mount(self) -> None:
        # Inline, as the app's stylesheet outranks a screen's defaults: at 80x24 the preview needs the
        # whole screen, and room for several columns at once.
        dialog = self.query_one("#dialog", VerticalScroll)
        dialog.styles.width = "100%"
        dialog.styles.max_height = "100%"
        table = self.query_one("#columns", DataTable)
        table.styles.height = 8
        table.styles.margin = (0, 0, 1, 0)
        table.add_column("Column in file", key="header", width=HEADER_WIDTH)
        table.add_column("Read as", key="reads", width=READS_AS_WIDTH)
        table.add_column("Why", key="how")
        if self.preview.saved_mapping:
            self.query_one("#save-name", Input).value = self.preview.saved_mapping
        self.show()
        table.focus()

    # --- showing ------------------------------------------------------------------------------------

    def show(self) -> None:
        preview = self.preview
        above = ""
        if preview.above_header:
            above = "\nNot read (above the headers): " + "; ".join(
                repr(fit(text, 60)) for text in preview.above_header[:3]) + (
                f" and {len(preview.above_header) - 3} more" if len(preview.above_header) > 3 else "")
        self.query_one("#header-found", Static).update(preview.header_on_screen + above)
        saved = self.query_one("#saved-line", Static)
        saved.update(f"✓ {preview.mapping_line()}" if preview.saved_mapping else "")
        saved.display = bool(preview.saved_mapping)
        table = self.query_one("#columns", DataTable)
        row = table.cursor_row
        table.clear()
        for column in preview.columns:
            table.add_row(cell(fit(column.header or f"(column {column.index + 1})", HEADER_WIDTH)),
                          cell(fit(choice_words(column.choice), READS_AS_WIDTH)), cell(self.why(column)),
                          key=str(column.index))
        if preview.columns:
            table.move_cursor(row=min(row, len(preview.columns) - 1))
        lines: list[str] = []
        for preview_row in preview.rows:
            lines += row_lines(preview_row)
        self.query_one("#rows", Static).update(Text("\n".join(lines) or "(no rows below the headers)"))
        self.query_one("#counts", Static).update(preview.counts_line())

    def why(self, column: PreviewColumn) -> str:
        if column.header in self.changed:
            return "your choice"
        if column.how.startswith("saved mapping"):
            return "saved mapping"
        return column.how

    # --- changing a column ----------------------------------------------------------------------------

    def current_column(self) -> PreviewColumn | None:
        table = self.query_one("#columns", DataTable)
        if not self.preview.columns or table.cursor_row < 0:
            return None
        return self.preview.columns[min(table.cursor_row, len(self.preview.columns) - 1)]

    @on(DataTable.RowSelected, "#columns")
    def action_choose(self) -> None:
        column = self.current_column()
        if column is None:
            return
        if not column.header:
            self.notify("A column with no header cannot be mapped by name; it is kept in notes.",
                        severity="warning")
            return

        def picked(choice: str | None) -> None:
            if choice:
                self.set_choice(column, choice)

        self.app.push_screen(FieldPicker(column.header, column.choice), picked)

    def action_ignore(self) -> None:
        column = self.current_column()
        if column is not None and column.header:
            self.set_choice(column, IGNORE)

    def set_choice(self, column: PreviewColumn, choice: str) -> None:
        if choice == column.choice:
            return
        mapping = {**self.mapping, column.header: choice}
        changed = {column.header}
        if choice not in (IGNORE, KEEP):
            # A field is read from one column: the column that had it gives it up rather than keep it silently.
            for other in self.preview.columns:
                if other.field == choice and other.header and other.header != column.header:
                    mapping[other.header] = KEEP
                    changed.add(other.header)
                    self.notify(f"{other.header!r} is now kept in notes: {IMPORT_FIELDS[choice]} is read from "
                                f"{column.header!r}.", timeout=6)
        assert self.preview.table is not None
        try:
            preview = preview_table(self.store, self.incident_id, self.preview.table,
                                    file_name=self.preview.file_name, mapping=mapping,
                                    saved_mapping=self.preview.saved_mapping,
                                    same_headers=self.preview.same_headers)
        except BadInput as exc:
            self.query_one("#dialog-error", Static).update(f"✗ not changed: {exc}")
            return
        self.query_one("#dialog-error", Static).update("")
        self.mapping, self.preview = mapping, preview
        self.changed |= changed
        self.show()

    # --- leaving ----------------------------------------------------------------------------------------

    def action_confirm(self) -> None:
        name = self.query_one("#save-name", Input).value.strip() or None
        self.dismiss(ImportChoice(self.preview.mapping, name))

    def action_cancel(self) -> None:
        # Nothing has been written; the mapping choices go with the screen, and the form is still there.
        self.dismiss(None)
