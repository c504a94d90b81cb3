"""What every screen shares: the store banner on top, the footer of keys below."""

from __future__ import annotations

from collections.abc import Callable, Hashable, Mapping
from typing import TYPE_CHECKING, Any, cast

from textual import events, on
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Horizontal, Vertical
from textual.message import Message
from textual.screen import ModalScreen, Screen
from textual.timer import Timer
from textual.widgets import Button, Checkbox, Footer, Input, Select, Static, TextArea

from contingency.store import Store, StoreError
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

    async def _on_message(self, message: Message) -> None:
        # Textual ends a screen's message loop at the first error out of one of its handlers, leaving a
        # screen that no longer answers; a busy or refusing store is an everyday event, so it is met here.
        try:
            await super()._on_message(message)  # type: ignore[misc]
        except StoreError as error:
            button = message.button if isinstance(message, Button.Pressed) else None
            self.capp.store_refused(error, self, again=button.press if button else None,
                                    attempt=("button", button.id) if button else None)
        else:
            if isinstance(message, Button.Pressed) and isinstance(self, Dialog):
                self.store_free(("button", message.button.id))


class AppScreen(_StoreScreen, Screen):
    def compose_chrome(self) -> ComposeResult:
        yield StoreBanner(self.store)

    def compose_footer(self) -> ComposeResult:
        yield KeysFooter()


# Seconds before each automatic retry of a save that found the store busy; then the officer decides.
BUSY_RETRY_DELAYS = (0.5, 1.0, 2.0)
BUSY_RETRYING = "store is busy (another officer is writing); retrying…"
BUSY_GIVEN_UP = "still busy: press ctrl+s to try again"


class Dialog(_StoreScreen, ModalScreen):
    """A modal form. Escape cancels, asking first if anything was typed; the banner and the keys stay in view."""

    BINDINGS = [Binding("escape", "cancel", "Cancel", id="cancel", tooltip="Close without saving")]
    DEFAULT_CSS = """
    Dialog #dialog-busy { color: $warning; text-style: bold; }
    """

    _initial_values: dict[str, Any] | None = None
    _busy_tries = 0
    _busy_attempt: Hashable = None
    _busy_timer: Timer | None = None

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

    def store_busy(self, again: Callable[[], object], attempt: Hashable) -> None:
        """A save found another process writing: the form stays as typed, and the same save (`again`) is
        tried a few more times before the officer is asked to press ctrl+s."""
        if self._busy_timer is not None:
            self._busy_timer.stop()
            self._busy_timer = None
        self._busy_attempt = attempt
        if self._busy_tries < len(BUSY_RETRY_DELAYS):
            self._show_busy(BUSY_RETRYING)
            self._busy_timer = self.set_timer(BUSY_RETRY_DELAYS[self._busy_tries], again)
            self._busy_tries += 1
        else:
            self._show_busy(BUSY_GIVEN_UP)
            self._busy_tries = 0  # the officer's next ctrl+s earns a fresh round of retries

    def store_free(self, attempt: Hashable) -> None:
        """The save that found the store busy has now run (saved, or refused for a reason of its own)."""
        if attempt is None or attempt != self._busy_attempt:
            return
        if self._busy_timer is not None:
            self._busy_timer.stop()
            self._busy_timer = None
        self._busy_tries, self._busy_attempt = 0, None
        self.query("#dialog-busy").remove()

    def _show_busy(self, text: str) -> None:
        for notice in self.query("#dialog-busy"):
            if isinstance(notice, Static):
                notice.update(text)
                return
        forms = self.query("#dialog")
        if not forms:
            self.notify(text, title="Not saved yet", severity="warning")
            return
        notice = Static(text, id="dialog-busy", markup=False)
        forms.first().mount(notice, before=0)
        notice.scroll_visible(animate=False)

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
