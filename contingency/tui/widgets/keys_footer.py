"""The footer of keys, most important first, that leaves a key out whole rather than cut its label.

At 80 columns Textual's footer ran out of room mid-word ("n Ad▏") and the incident's own keys were
never seen. Here the order comes from contingency.tui.commands (sections, then what works on this
section, then the screen, then help), a screen's grouped keys read as one ("1-7 Sections"), and
whatever does not fit is dropped entire: help and the command palette still list it.
"""

from __future__ import annotations

from rich.cells import cell_len
from textual.app import ComposeResult
from textual.events import Resize
from textual.widgets import Footer
from textual.widgets._footer import FooterKey

from contingency.tui.commands import KeyAction, screen_actions


def _keys_shown(keys: list[str]) -> str:
    """1, 2 ... 7 read as 1-7; anything else side by side ([])."""
    if len(keys) > 2 and all(k.isdigit() and len(k) == 1 for k in keys):
        numbers = sorted(int(k) for k in keys)
        if numbers == list(range(numbers[0], numbers[-1] + 1)):
            return f"{numbers[0]}-{numbers[-1]}"
    return "".join(keys)


def footer_items(actions: list[KeyAction], display) -> list[tuple[str, str, KeyAction, bool]]:
    """(key shown, label, first action, enabled) in order, one item per group of keys."""
    items: list[tuple[str, str, KeyAction, bool]] = []
    groups: dict[object, int] = {}
    members: dict[int, list[str]] = {}
    for action in actions:
        if not action.shown:
            continue
        group = action.binding.group
        key = display(action.binding)
        if group is not None and group in groups:
            index = groups[group]
            members[index].append(key)
            _shown, label, first, enabled = items[index]
            items[index] = (_keys_shown(members[index]), label, first, enabled or action.enabled)
            continue
        if group is not None:
            groups[group] = len(items)
            members[len(items)] = [key]
        items.append((key, group.description if group is not None else action.description, action,
                      action.enabled))
    return items


class KeysFooter(Footer):
    """A compact footer: keys ordered by importance, each label whole or not at all."""

    # The palette key docked on the right, in compact style: its border, "^p", a space, "palette", a margin.
    PALETTE_WIDTH = 12

    def __init__(self) -> None:
        super().__init__(compact=True)
        self._width = 0

    def _items(self) -> list[tuple[str, str, str, str, bool, str, str]]:
        """(binding key, key shown, label, action, disabled, tooltip, classes) of every key that fits."""
        if not self._bindings_ready:
            return []
        room = self.app.size.width - (self.PALETTE_WIDTH if self.show_command_palette
                                      and self.app.ENABLE_COMMAND_PALETTE else 0)
        items = []
        for key, label, action, enabled in footer_items(screen_actions(self.screen), self.app.get_key_display):
            if action.action == "command_palette":
                continue  # docked on the right below, always in view
            width = cell_len(key) + (cell_len(label) + 1 if label else 0) + 1
            if width > room:
                continue  # a shorter key further on may still fit; this one is in help and the palette
            room -= width
            items.append((action.binding.key, key, label, action.action, not enabled, action.tooltip or "", ""))
        if self.show_command_palette and self.app.ENABLE_COMMAND_PALETTE:
            try:
                _node, binding, enabled, _tooltip = self.screen.active_bindings[self.app.COMMAND_PALETTE_BINDING]
            except KeyError:
                return items
            items.append((binding.key, self.app.get_key_display(binding), binding.description, binding.action,
                          not enabled, binding.tooltip or binding.description, "-command-palette"))
        return items

    def compose(self) -> ComposeResult:
        self._width = self.app.size.width
        self._composed = self._items()
        for binding_key, key, label, action, disabled, tooltip, classes in self._composed:
            footer_key = FooterKey(binding_key, key, label, action, disabled=disabled, tooltip=tooltip,
                                   classes=classes)
            yield footer_key if classes else footer_key.data_bind(compact=Footer.compact)

    async def recompose(self) -> None:
        # Textual recomposes the footer whenever the focus or a binding changes, which is most keystrokes;
        # mounting a dozen keys again is a good part of opening a screen (issue 12). Only when what it would
        # show has changed.
        if self.children and self._items() == getattr(self, "_composed", None):
            return
        await super().recompose()

    def on_resize(self, event: Resize) -> None:
        if self._bindings_ready and self.app.size.width != self._width:
            self.call_after_refresh(self.recompose)
