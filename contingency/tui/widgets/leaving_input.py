"""A box typed into on a screen (not in a form), that escape leaves for the screen's own keys."""

from __future__ import annotations

from collections.abc import Callable

from textual.binding import Binding
from textual.widgets import Input


class LeavingInput(Input):
    """escape leaves an input (design/product.md). In a form escape cancels the form; on a screen, a box that
    holds the focus also hides the screen's letter keys from the footer, help and palette, so escape moves to
    `on_leave` (the results, say), keeping what was typed, and a second escape goes back as everywhere."""

    BINDINGS = [Binding("escape", "leave", "Done typing", id="leave-input",
                        tooltip="Leave the box for this screen's keys; what was typed is kept")]

    def __init__(self, *args, on_leave: Callable[[], None] | None = None, **kwargs) -> None:
        super().__init__(*args, **kwargs)
        self._on_leave = on_leave

    def action_leave(self) -> None:
        if self._on_leave is not None:
            self._on_leave()
        else:
            self.screen.set_focus(None)
