"""A labelled form field on one line, with its error shown in words beneath it."""

from __future__ import annotations

from textual import on
from textual.app import ComposeResult
from textual.containers import Horizontal, Vertical
from textual.widget import Widget
from textual.widgets import Checkbox, Input, Label, Select, Static, TextArea

# A compact input on the dialog's own background is invisible when empty; words as well as shade say
# "there is a field here", since colour alone is not a signal.
EMPTY_PLACEHOLDER = "(type here)"


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
    Field Input.-textual-compact, Field TextArea.-textual-compact {
        background: $boost;
    }
    Field Input.-textual-compact:focus, Field TextArea.-textual-compact:focus {
        background: $primary 25%;
    }
    /* The chosen option on one line, ending in "…" rather than breaking a word; the list shows it whole. */
    Field SelectCurrent Static#label {
        text-wrap: nowrap;
        text-overflow: ellipsis;
    }
    Field.-stacked > Horizontal {
        layout: vertical;
    }
    Field.-stacked > Horizontal > Label {
        width: 100%;
    }
    Field.-stacked > .field--message {
        padding: 0;
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

    def __init__(self, label: str, control: Widget, *, hint: str = "", id: str | None = None,
                 stacked: bool = False) -> None:
        """stacked: the label above the control, for choices whose words need the dialog's whole width."""
        super().__init__(id=id, classes="-stacked" if stacked else "")
        self.label = label
        self.control = control
        self.hint = hint
        if hasattr(control, "compact"):
            control.compact = True
        if isinstance(control, (Input, TextArea)) and not control.placeholder:
            control.placeholder = EMPTY_PLACEHOLDER

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

    @property
    def has_error(self) -> bool:
        return self.has_class("-error")

    @on(Input.Changed)
    @on(TextArea.Changed)
    @on(Select.Changed)
    @on(Checkbox.Changed)
    def _forget_old_error(self) -> None:
        # The field hears its control's change before the form does, so an error about the old value goes
        # at once and the form's own check (if any) puts it back only if the new value is still wrong.
        if self.has_error:
            self.show(None)


class TickBox(Checkbox):
    """A checkbox that shows its state in the box itself ("X" ticked, blank not), not by colour alone."""

    @property
    def BUTTON_INNER(self) -> str:  # type: ignore[override]  # noqa: N802 (Textual's name)
        return "X" if self.value else " "
