"""FixedTable paints exactly what Textual's DataTable paints (issue 12): the same characters in the same styles, line
by line, for plain cells (its own quick path), cropped ones, the cursor row, zebra stripes, and the cells it hands
back to DataTable (styled text, a column sized by its content)."""

from __future__ import annotations

from rich.segment import Segment
from rich.text import Text
from textual.app import App, ComposeResult
from textual.containers import Horizontal
from textual.widgets import DataTable

from contingency.tui.widgets.fixed_table import FixedTable

ROWS = [
    ("RED", "Dorothy Drillsworth", "28/05/1958", "existing s.18", ""),
    ("—", "A name far too long for its column to hold", "", "s.48", "ordinary residence unknown"),
    ("AMBER", "Ünïcödé Ñame 名前", "01/01/1940", "s.48 + s.49", "not rated"),
]


class Both(App[None]):
    def __init__(self, styled: bool = False, auto: bool = False) -> None:
        super().__init__()
        self.styled, self.auto = styled, auto

    def compose(self) -> ComposeResult:
        with Horizontal():
            yield DataTable(id="theirs", cursor_type="row", zebra_stripes=True)
            yield FixedTable(id="ours", cursor_type="row", zebra_stripes=True)

    def on_mount(self) -> None:
        for table in self.query(DataTable):
            table.styles.width = 40
            table.add_column("RAG", width=5)
            table.add_column("Name", width=None if self.auto else 12)
            table.add_column("Born", width=10)
            table.add_column("Basis", width=13)
            table.add_column("Flags", width=20)
            for n, row in enumerate(ROWS):
                cells = [Text(value) for value in row]
                if self.styled and n == 0:
                    cells[0] = Text(row[0], style="bold red")
                table.add_row(*cells, key=str(n))


def lines(table: DataTable) -> list[list[Segment]]:
    return [[(segment.text, segment.style) for segment in table.render_line(y)] for y in range(len(ROWS) + 1)]


async def _compare(app: Both) -> None:
    async with app.run_test(size=(100, 10)) as pilot:
        app.set_focus(None)  # the focused table paints its cursor differently: compare them alike
        await pilot.pause()
        theirs, ours = app.query_one("#theirs", DataTable), app.query_one("#ours", FixedTable)
        assert lines(ours) == lines(theirs)
        assert ours.virtual_size == theirs.virtual_size
        for table in (theirs, ours):
            table.move_cursor(row=1)
        await pilot.pause()
        assert lines(ours) == lines(theirs)


async def test_plain_cells_paint_as_the_datatable_paints_them(monkeypatch):
    slow_rows = []
    datatable_way = DataTable._render_cell

    def watched(table, row_index, *args, **kwargs):
        if isinstance(table, FixedTable):
            slow_rows.append(row_index)
        return datatable_way(table, row_index, *args, **kwargs)

    monkeypatch.setattr(DataTable, "_render_cell", watched)
    await _compare(Both())
    assert set(slow_rows) == {-1}  # only the header went the DataTable's way: the quick path did paint the rows


async def test_styled_cells_and_content_sized_columns_go_the_datatable_way():
    await _compare(Both(styled=True))
    await _compare(Both(auto=True))
