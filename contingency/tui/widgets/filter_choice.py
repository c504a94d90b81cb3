"""A one-line filter: its prompt or the choice made, opened into a short list to pick from.

Textual's Select is five widgets, its list of options made and styled up front; the roster has five filters,
which made them a third of the incident screen's widgets and of the time to open it (issue 12). This is one
widget until the officer opens it.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence

from rich.text import Text
from textual import on
from textual.app import ComposeResult
from textual.binding import Binding
from textual.message import Message
from textual.screen import ModalScreen
from textual.widgets import OptionList, Static
from textual.widgets.option_list import Option

ANY = "any"  # the option that clears the filter


class FilterChoice(Static, can_focus=True):
    DEFAULT_CSS = """
    FilterChoice { width: 12; height: 1; background: $surface; color: $text-muted; text-wrap: nowrap;
                   text-overflow: ellipsis; }
    FilterChoice.-chosen { color: $text; text-style: bold; }
    FilterChoice:focus { background: $block-cursor-background; color: $block-cursor-foreground; }
    """
    BINDINGS = [Binding("enter,space,down", "choose", "Choose", show=False,
                        tooltip="Open the list of choices for this filter")]

    class Changed(Message):
        """The officer picked a choice (None: any)."""

        def __init__(self, choice: FilterChoice, value: str | None) -> None:
            super().__init__()
            self.choice = choice
            self.value = value

        @property
        def control(self) -> FilterChoice:
            return self.choice

    def __init__(self, options: Sequence[tuple[str, str]], *, prompt: str, id: str | None = None,
                 load: Callable[[], Sequence[tuple[str, str]]] | None = None) -> None:
        """`load`, if given, reads the options afresh each time the list is opened: for options that cost a
        read of the whole roster, paid only by the officer who opens that filter (issue 12)."""
        super().__init__(f"{prompt} ▾", markup=False, id=id)
        self.options = list(options)
        self.prompt = prompt
        self.load = load
        self.value: str | None = None

    def _show(self) -> None:
        label = next((label for label, value in self.options if value == self.value), None)
        # The arrow says it opens; bold and the choice's own words (not colour alone) say a filter is set. Its
        # size is fixed: no layout of the screen for a new label.
        self.update(f"{label or self.prompt} ▾", layout=False)
        self.set_class(label is not None, "-chosen")

    def set_options(self, options: Sequence[tuple[str, str]]) -> None:
        self.options = list(options)
        if self.value not in {value for _label, value in self.options}:
            self.value = None
        self._show()

    def clear(self) -> None:
        """Back to any, quietly: whoever clears the filters shows the result once for all of them."""
        self.value = None
        self._show()

    def action_choose(self) -> None:
        if self.load is not None:
            before = self.value
            self.set_options(self.load())
            if self.value != before:  # the choice made is no longer offered: its filter is off now
                self.post_message(self.Changed(self, self.value))

        def picked(result: tuple[str | None] | None) -> None:
            if result is None:
                return  # escape: as it was
            (self.value,) = result
            self._show()
            self.post_message(self.Changed(self, self.value))

        self.app.push_screen(ChoicePicker(self.prompt, self.options, self.value), picked)

    def on_click(self) -> None:
        self.action_choose()


class ChoicePicker(ModalScreen[tuple[str | None] | None]):
    """The list a FilterChoice opens: enter picks, escape leaves the filter as it was."""

    DEFAULT_CSS = """
    ChoicePicker { align: center middle; }
    ChoicePicker OptionList { width: 40; max-height: 16; border: round $accent; }
    """
    BINDINGS = [Binding("escape", "cancel", "Cancel", tooltip="Close the list; the filter stays as it was")]

    def __init__(self, prompt: str, options: Sequence[tuple[str, str]], current: str | None) -> None:
        super().__init__()
        self.prompt = prompt
        self.values: list[str | None] = [None, *(value for _label, value in options)]
        self.labels = [f"{ANY} {prompt}", *(label for label, _value in options)]
        self.current = current

    def compose(self) -> ComposeResult:
        options = OptionList(*(Option(Text(label)) for label in self.labels), id="choices")  # never markup
        options.border_title = self.prompt
        yield options

    def on_mount(self) -> None:
        options = self.query_one(OptionList)
        options.highlighted = self.values.index(self.current) if self.current in self.values else 0
        options.focus()

    @on(OptionList.OptionSelected)
    def _picked(self, event: OptionList.OptionSelected) -> None:
        self.dismiss((self.values[event.option_index],))

    def action_cancel(self) -> None:
        self.dismiss(None)
