"""A one-line search box that never makes its screen lay out again as the officer types."""

from __future__ import annotations

from textual.geometry import Size
from textual.reactive import Reactive
from textual.widgets import Input


class SearchInput(Input):
    """Textual's Input records the width of its text as a "virtual size" that asks for a layout of the whole
    screen on every keystroke, so it can scroll sideways. A search box of fixed width scrolls its own text and
    needs no such layout; on the incident screen that layout was a third of the time from key to repainted
    roster (issue 12). A real resize still lays it out as usual."""

    virtual_size: Reactive[Size] = Reactive(Size(0, 0), layout=False)
