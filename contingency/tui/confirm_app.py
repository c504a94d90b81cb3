"""A yes-or-no question asked before the app opens, when the answer decides which store it opens on.

`contingency demo --fresh` asks here before deleting the exercise's work; no is the default, so
escape, `n` or closing keeps everything.
"""

from __future__ import annotations

from textual.app import App, ComposeResult
from textual.binding import Binding
from textual.containers import Horizontal, Vertical
from textual.widgets import Button, Footer, Static


class ConfirmApp(App[bool]):
    CSS = """
    Screen { align: center middle; }
    #confirm { width: 72; max-width: 100%; height: auto; border: heavy $warning; padding: 1 2; }
    #confirm-title { text-style: bold; }
    #confirm-buttons { height: auto; margin-top: 1; }
    #confirm-buttons Button { margin-right: 2; }
    """
    BINDINGS = [
        Binding("y", "answer(True)", "Yes", id="yes"),
        Binding("n", "answer(False)", "No", id="no"),
        Binding("escape", "answer(False)", "No", show=False),
    ]

    def __init__(self, title: str, question: str, *, yes: str, no: str) -> None:
        super().__init__()
        self.heading, self.question, self.yes_label, self.no_label = title, question, yes, no

    def compose(self) -> ComposeResult:
        with Vertical(id="confirm"):
            yield Static(self.heading, id="confirm-title", markup=False)
            yield Static(self.question, id="confirm-question", markup=False)
            with Horizontal(id="confirm-buttons"):
                yield Button(f"{self.no_label} (n)", id="no", variant="primary")
                yield Button(f"{self.yes_label} (y)", id="yes", variant="error")
        yield Footer()

    def on_mount(self) -> None:
        self.query_one("#no", Button).focus()

    def on_button_pressed(self, event: Button.Pressed) -> None:
        self.exit(event.button.id == "yes")

    def action_answer(self, yes: bool) -> None:
        self.exit(yes)
