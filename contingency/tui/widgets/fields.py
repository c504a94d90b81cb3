"""A labelled form field on one line, with its error shown in words beneath it."""

from __future__ import annotations

from textual.app import ComposeResult
from textual.containers import Horizontal, Vertical
from textual.widget import Widget
from textual.widgets import Label, Static


class Field(Vertical):
    DEFAULT_CSS = """
    Field {
        height: auto;
    }
    Field > Horizontal {
        height: auto;
    }
    Field > Horizontal > Label {
        width: 26;
        color: $text-muted;
        padding: 0 1 0 0;
    }
    Field > Horizontal > * {
        width: 1fr;
    }
    Field TextArea {
        height: 4;
    }
    Field > .field--message {
        height: auto;
        padding: 0 0 0 26;
        color: $text-muted;
    }
    Field.-error > .field--message {
        color: $error;
        text-style: bold;
    }
    """

    def __init__(self, label: str, control: Widget, *, hint: str = "", id: str | None = None) -> None:
        super().__init__(id=id)
        self.label = label
        self.control = control
        self.hint = hint
        if hasattr(control, "compact"):
            control.compact = True

    def compose(self) -> ComposeResult:
        with Horizontal():
            yield Label(self.label)
            yield self.control
        message = Static(self.hint, classes="field--message", markup=False)
        message.display = bool(self.hint)
        yield message

    def show(self, error: str | None, ok_text: str | None = None) -> None:
        """Show an error ("✗ ...") or, when fine, the hint or a confirmation ("✓ ...")."""
        message = self.query_one(".field--message", Static)
        self.set_class(bool(error), "-error")
        text = f"✗ {error}" if error else (f"✓ {ok_text}" if ok_text else self.hint)
        message.update(text)
        message.display = bool(text)
