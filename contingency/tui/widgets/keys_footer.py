"""The footer of keys, most important first, that leaves a key out whole rather than cut its label.

At 80 columns Textual's footer ran out of room mid-word ("n Ad▏") and the incident's own keys were
never seen. Here the order comes from contingency.tui.commands (sections, then what works on this
section, then the screen, then help), a screen's grouped keys read as one ("1-7 Sections"), and
whatever does not fit is dropped entire: help and the command palette still list it.

It is one widget that paints one line, styled as Textual's compact footer is. Textual's footer is a widget
per key, mounted again whenever the focus moves: on opening a screen that was two more layouts of the whole
screen, one after the other, a good part of the time to open it (issue 12). Here a change of keys is a
repaint of this line. tests/test_keys_footer.py checks it paints what Textual's footer paints, cell by cell.
"""

from __future__ import annotations

from dataclasses import dataclass

from rich.cells import cell_len
from rich.segment import Segment
from rich.style import Style
from textual import events
from textual.strip import Strip
from textual.widget import Widget

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


def _width(pieces: list[tuple[str, Style]]) -> int:
    return sum(cell_len(text) for text, _style in pieces)


def _joined(pieces: list[tuple[str, Style]]) -> list[Segment]:
    """One segment for each run of one style (the background between keys is one run, as Textual paints it)."""
    segments: list[Segment] = []
    for text, style in pieces:
        if not text:
            continue
        if segments and segments[-1].style == style:
            segments[-1] = Segment(segments[-1].text + text, style)
        else:
            segments.append(Segment(text, style))
    return segments


@dataclass(frozen=True)
class FooterItem:
    """One key as the footer shows it."""

    key: str  # the binding's key, pressed when the item is clicked
    shown: str  # as the officer reads it: "1-7", "/", "^p"
    label: str
    disabled: bool
    tooltip: str
    palette: bool = False  # the command palette's key, kept at the right-hand end

    @property
    def width(self) -> int:
        return cell_len(self.shown) + (cell_len(self.label) + 1 if self.label else 0)


class KeysFooter(Widget):
    """A compact footer: keys ordered by importance, each label whole or not at all."""

    ALLOW_SELECT = False
    COMPONENT_CLASSES = {"footer-key--key", "footer-key--description", "footer-key--hover", "footer-key--edge"}
    # The colours of Textual's compact footer and its keys (textual.widgets._footer), as component classes.
    DEFAULT_CSS = """
    KeysFooter {
        dock: bottom;
        height: 1;
        color: $footer-foreground;
        background: $footer-background;
        & > .footer-key--key { color: $footer-key-foreground; background: $footer-key-background; text-style: bold; }
        & > .footer-key--description { color: $footer-description-foreground; background: $footer-description-background; }
        & > .footer-key--hover { color: $footer-key-foreground; background: $block-hover-background; }
        & > .footer-key--edge { color: $foreground 20%; }
    }
    """

    # The palette key at the right-hand end: its edge, "^p", a space, "palette", a margin.
    PALETTE_WIDTH = 12

    def __init__(self) -> None:
        super().__init__()
        self.items: tuple[FooterItem, ...] = ()
        self._spans: list[tuple[int, int, FooterItem]] = []  # where each item was painted: x from, x to
        self._hover: FooterItem | None = None

    def on_mount(self) -> None:
        self.screen.bindings_updated_signal.subscribe(self, self._bindings_changed)
        self.items = self._items()

    def on_unmount(self) -> None:
        self.screen.bindings_updated_signal.unsubscribe(self)

    def _bindings_changed(self, _screen) -> None:
        # Textual says the bindings changed whenever the focus moves, which is most keystrokes: repaint only
        # when what the footer shows has changed.
        items = self._items()
        if items != self.items:
            self.items = items
            self.refresh()

    def on_resize(self, _event: events.Resize) -> None:
        self._bindings_changed(self.screen)

    def _items(self) -> tuple[FooterItem, ...]:
        """Every key that fits, most important first, and the palette's key last."""
        app = self.app
        palette_shown = app.ENABLE_COMMAND_PALETTE
        room = app.size.width - (self.PALETTE_WIDTH if palette_shown else 0)
        items = []
        for key, label, action, enabled in footer_items(screen_actions(self.screen), app.get_key_display):
            if action.action == "command_palette":
                continue  # at the right-hand end below, always in view
            item = FooterItem(action.binding.key, key, label, not enabled, action.tooltip or "")
            if item.width + 1 > room:
                continue  # a shorter key further on may still fit; this one is in help and the palette
            room -= item.width + 1
            items.append(item)
        if palette_shown:
            found = self.screen.active_bindings.get(app.COMMAND_PALETTE_BINDING)
            if found is not None:
                _node, binding, enabled, _tooltip = found
                items.append(FooterItem(binding.key, app.get_key_display(binding), binding.description,
                                        not enabled, binding.tooltip or binding.description, palette=True))
        return tuple(items)

    def render_line(self, y: int) -> Strip:
        """The one line, segment by segment: keys and labels in their styles, and between them the footer's
        bare background (no foreground), as Textual's footer paints it."""
        width = self.size.width
        if y:
            return Strip.blank(width)
        base = self.rich_style
        blank = Style(bgcolor=base.bgcolor)
        pieces: list[tuple[str, Style]] = []
        self._spans = []
        for item in self.items:
            if item.palette:
                # As Textual docks it: on the right, after an edge (a "vkey" border), a margin after it.
                at = _width(pieces)
                pieces.append((" " * max(width - item.width - 2 - at, 0), blank))
                pieces.append(("▏", self.get_component_rich_style("footer-key--edge")))
            self._paint(pieces, item, base)
            pieces.append((" ", blank))  # the margin after each key
        pieces.append((" " * max(width - _width(pieces), 0), blank))
        return Strip(_joined(pieces)).crop_extend(0, width, blank)

    def _paint(self, pieces: list[tuple[str, Style]], item: FooterItem, base: Style) -> None:
        start = _width(pieces)
        under = self.get_component_rich_style("footer-key--hover") if item == self._hover else base
        if item.disabled:
            under += Style(dim=True)
        pieces.append((item.shown, under + self.get_component_rich_style("footer-key--key", partial=True)))
        if item.label:
            pieces.append((" " + item.label,
                           under + self.get_component_rich_style("footer-key--description", partial=True)))
        self._spans.append((start, _width(pieces), item))

    def _item_at(self, x: int) -> FooterItem | None:
        return next((item for start, end, item in self._spans if start <= x < end), None)

    def on_mouse_move(self, event: events.MouseMove) -> None:
        item = self._item_at(event.x)
        if item != self._hover:
            self._hover = item
            self.tooltip = item.tooltip if item is not None and item.tooltip else None
            self.refresh()

    def on_leave(self, _event: events.Leave) -> None:
        if self._hover is not None:
            self._hover = None
            self.tooltip = None
            self.refresh()

    def on_mouse_down(self, event: events.MouseDown) -> None:
        item = self._item_at(event.x)
        if item is None:
            return
        if item.disabled:
            self.app.bell()
        else:
            self.app.simulate_key(item.key)
