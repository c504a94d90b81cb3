"""A DataTable of fixed column widths and one-line rows, filled and painted without measuring every cell.

Textual's DataTable measures every cell of every new row (to size columns that have no width) and renders
each cell through Rich's padding and line-splitting, which is most of the time from a keystroke in the
roster's search to its repainted page (issue 12). When every column has a width and every row is one line
of plain text, both come down to arithmetic; anything else (a styled cell, a column sized by its content,
a taller row) goes the DataTable's own way. tests/test_fixed_table.py checks the two agree, line by line.
"""

from __future__ import annotations

from collections.abc import Iterable

from rich.cells import cell_len, set_cell_size
from rich.segment import Segment
from rich.style import Style
from rich.text import Text
from textual.geometry import Size
from textual.widgets import DataTable
from textual.widgets.data_table import RowKey


class FixedTable(DataTable):
    def _all_fixed(self) -> bool:
        return not self._labelled_row_exists and all(not column.auto_width for column in self.columns.values())

    def _update_dimensions(self, new_rows: Iterable[RowKey]) -> None:
        rows = list(new_rows)
        if not self._all_fixed() or any(self.rows[key].auto_height or self.rows[key].label is not None
                                        for key in rows if key in self.rows):
            super()._update_dimensions(rows)
            return
        # As DataTable's own, less measuring cells whose width is already fixed.
        width = sum(column.get_render_width(self) for column in self.columns.values()) + self._row_label_column_width
        header_height = self.header_height if self.show_header else 0
        self.virtual_size = Size(width, self._total_row_height + header_height)

    def _render_cell(self, row_index: int, column_index: int, base_style: Style, width: int,
                     cursor: bool = False, hover: bool = False):
        if row_index < 0 or column_index < 0:
            return super()._render_cell(row_index, column_index, base_style, width, cursor, hover)
        row_key = self._row_locations.get_key(row_index)
        column_key = self._column_locations.get_key(column_index)
        cache_key = (row_key, column_key, base_style, cursor, hover, self._show_hover_cursor, self._update_count,
                     self._pseudo_class_state)
        found = self._cell_render_cache.get(cache_key)
        if found is not None:
            return found
        row = self.rows.get(row_key)
        value = self.get_cell(row_key, column_key) if row is not None and row.height == 1 else None
        if not (isinstance(value, Text) and not value.spans and not value.style and "\n" not in value.plain):
            return super()._render_cell(row_index, column_index, base_style, width, cursor, hover)
        fixed = row_index < self.fixed_rows or column_index < self.fixed_columns
        component_style, post_style = self._get_styles_to_render_cell(
            False, False, fixed, hover, cursor, self.show_cursor, self._show_hover_cursor,
            self.cursor_foreground_priority == "css", self.cursor_background_priority == "css")
        # As DataTable's Styled(Padding(cell)): the cell's meta, its component style, then the post style.
        style = base_style + Style.from_meta({"row": row_index, "column": column_index}) + component_style
        if post_style:
            style += post_style
        pad = " " * self.cell_padding
        inner = max(width - 2 * self.cell_padding, 0)
        text = value.plain if cell_len(value.plain) == inner else set_cell_size(value.plain, inner)
        lines = [[Segment(pad + text + pad, style)]]
        self._cell_render_cache[cache_key] = lines
        return lines
