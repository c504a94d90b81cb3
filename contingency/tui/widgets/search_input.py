"""A one-line search box that never makes its screen lay out again, and whose results keep up with the keys."""

from __future__ import annotations

from collections.abc import Callable

from textual.geometry import Size
from textual.reactive import Reactive

from contingency.tui.widgets.leaving_input import LeavingInput


class SearchInput(LeavingInput):
    """Textual's Input records the width of its text as a "virtual size" that asks for a layout of the whole
    screen on every keystroke, so it can scroll sideways. A search box of fixed width scrolls its own text and
    needs no such layout; on the incident screen that layout was a third of the time from key to repainted
    roster (issue 12). A real resize still lays it out as usual.

    `on_change` is called with the new text as soon as it changes, inside the keystroke. Input.Changed (still
    posted) arrives only after the screen has painted the typed character, and the screen paints at most once
    a frame, so results shown from the message reach the screen a frame later: 17 ms or more a keystroke.
    Called here, the character and the results it finds are painted together.

    escape leaves the box for `on_leave`, keeping the search (LeavingInput)."""

    virtual_size: Reactive[Size] = Reactive(Size(0, 0), layout=False)

    def __init__(self, *args, on_change: Callable[[str], None] | None = None, **kwargs) -> None:
        super().__init__(*args, **kwargs)
        self._on_change = on_change
        self._seen = self.value

    def _watch_value(self, value: str) -> None:
        super()._watch_value(value)
        if self._on_change is not None and value != self._seen:
            self._seen = value
            self._on_change(value)
