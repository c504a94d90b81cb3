"""What every screen shares: the store banner on top, the footer of keys below."""

from __future__ import annotations

from collections.abc import Mapping
from typing import TYPE_CHECKING, Any, cast

from textual import events, on
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Horizontal, Vertical
from textual.screen import ModalScreen, Screen
from textual.widgets import Button, Checkbox, Footer, Input, Select, Static, TextArea

from contingency.store import Store
from contingency.tui.plain import plain
from contingency.tui.widgets.banner import StoreBanner
from contingency.tui.widgets.fields import Field
from contingency.tui.widgets.keys_footer import KeysFooter

if TYPE_CHECKING:
    from contingency.tui.app import ContingencyApp


class _StoreScreen:
    """The app's store, and the banner that says whose store it is (EXERCISE in words)."""

    HELP = ""

    @property
    def capp(self) -> ContingencyApp:
        return cast("ContingencyApp", self.app)  # type: ignore[attr-defined]

    @property
    def store(self) -> Store:
        return self.capp.store


class AppScreen(_StoreScreen, Screen):
    def compose_chrome(self) -> ComposeResult:
        yield StoreBanner(self.store)

    def compose_footer(self) -> ComposeResult:
        yield KeysFooter()


class Dialog(_StoreScreen, ModalScreen):
    """A modal form. Escape cancels, asking first if anything was typed; the banner and the keys stay in view."""

    BINDINGS = [Binding("escape", "cancel", "Cancel", id="cancel", tooltip="Close without saving")]

    _initial_values: dict[str, Any] | None = None

    def compose_chrome(self) -> ComposeResult:
        yield StoreBanner(self.store)
        yield Footer()

    @on(events.Mount)
    def _remember_initial_values(self) -> None:
        # After the first refresh, so values a form fills in while mounting count as given, not typed.
        self.call_after_refresh(self._take_initial_values)

    def _take_initial_values(self) -> None:
        if self._initial_values is None:
            self._initial_values = self.form_values()

    def form_values(self) -> dict[str, Any]:
        """Everything the officer can change, by widget; a widget with a `form_value` (a picker) counts too."""
        values: dict[str, Any] = {}
        for widget in self.query("*"):
            if isinstance(widget, Input):
                value: Any = widget.value
            elif isinstance(widget, TextArea):
                value = widget.text
            elif isinstance(widget, (Select, Checkbox)):
                value = widget.value
            elif hasattr(widget, "form_value"):
                value = widget.form_value
            else:
                continue
            values[widget.id or f"#{len(values)}"] = value
        return values

    @on(Input.Changed)
    @on(TextArea.Changed)
    @on(Select.Changed)
    @on(Checkbox.Changed)
    def _forget_refusal(self) -> None:
        # "✗ not saved because ..." describes the form as it was; once the officer changes it, the words are stale.
        for refusal in self.query("#dialog-error"):
            if isinstance(refusal, Static):
                refusal.update("")

    def has_typed(self) -> bool:
        return self._initial_values is not None and self.form_values() != self._initial_values

    def action_cancel(self) -> None:
        if not self.has_typed():
            self.dismiss(None)
            return

        def answered(discard: bool | None) -> None:
            if discard:
                self.dismiss(None)

        self.app.push_screen(ConfirmDiscard(), answered)

    def report(self, error: Exception | str, *, steps: Mapping[str, str] | None = None) -> None:
        """An officer-fixable refusal, in plain words, without losing their place."""
        self.notify(plain(error, steps=steps), title="Not saved", severity="error", timeout=10, markup=False)

    def place_error(self, error: Exception | str, fields: Mapping[str, str],
                    *, steps: Mapping[str, str] | None = None) -> None:
        """Show a service's "key: message" beside the field it is about (fields: key -> Field id), else as a
        notice; either way in plain words, with the first field in error brought into view."""
        key, _, rest = str(error).partition(":")
        field_id = fields.get(key.strip())
        if field_id and rest.strip() and self.query(f"#{field_id}"):
            self.query_one(f"#{field_id}", Field).show(plain(rest.strip(), steps=steps, sentence=False))
            self.focus_first_error()
        else:
            self.report(error, steps=steps)

    def focus_first_error(self) -> None:
        """After a refused save, bring the first field in error into view, so a tall form hides nothing."""
        for field in self.query(Field):
            if field.has_error and field.display:
                field.scroll_visible(animate=False)
                if field.control.focusable:
                    field.control.focus(scroll_visible=False)
                return


class ConfirmDiscard(ModalScreen[bool]):
    """Asked before escape throws away what was typed. The safe answer, keep it, is the default."""

    BINDINGS = [
        Binding("y", "answer(True)", "Discard", tooltip="Close the form and lose what was typed"),
        Binding("n,escape", "answer(False)", "Keep editing", tooltip="Back to the form, everything kept"),
        Binding("left,right", "app.focus_previous", show=False),
    ]
    DEFAULT_CSS = """
    ConfirmDiscard { align: center middle; }
    ConfirmDiscard > Vertical {
        width: 52; height: auto; border: thick $warning; background: $surface; padding: 0 1;
    }
    ConfirmDiscard #confirm-question { text-style: bold; margin: 0 0 1 0; }
    ConfirmDiscard Horizontal { height: auto; }
    ConfirmDiscard Button { margin: 0 1 0 0; }
    """

    def compose(self) -> ComposeResult:
        with Vertical():
            yield Static("Discard what you typed?", id="confirm-question")
            yield Static("The form closes and nothing in it is saved.", classes="hint")
            with Horizontal():
                yield Button("No, keep editing (n)", variant="primary", id="keep")
                yield Button("Yes, discard (y)", variant="error", id="discard")
        yield Footer()

    def on_mount(self) -> None:
        self.query_one("#keep", Button).focus()

    @on(Button.Pressed)
    def pressed(self, event: Button.Pressed) -> None:
        self.dismiss(event.button.id == "discard")

    def action_answer(self, discard: bool) -> None:
        self.dismiss(discard)
