"""The footer paints, cell by cell, what Textual's compact footer of FooterKey widgets paints for the same keys,
and works as it does: a click presses the key, a greyed-out key is dim and only rings the bell."""

from __future__ import annotations

from textual.app import App, ComposeResult
from textual.binding import Binding
from textual.screen import Screen
from textual.widgets import Footer, Static
from textual.widgets._footer import FooterKey

from contingency.tui.widgets.keys_footer import KeysFooter

SECTIONS = Binding.Group("Sections")


class Keys(Screen):
    BINDINGS = [
        Binding("1", "pressed('1')", "One", group=SECTIONS),
        Binding("2", "pressed('2')", "Two", group=SECTIONS),
        Binding("3", "pressed('3')", "Three", group=SECTIONS),
        Binding("n", "pressed('n')", "Add person", tooltip="Add a person by hand"),
        Binding("d", "pressed('d')", "Decision"),
        Binding("x", "greyed", "Greyed out"),
        Binding("z", "pressed('z')", "A label far too long to fit in what is left of eighty columns"),
        Binding("q", "pressed('q')", "Quit"),
    ]

    def __init__(self, footer) -> None:
        super().__init__()
        self.footer = footer
        self.pressed: list[str] = []

    def compose(self) -> ComposeResult:
        yield Static("keys")
        yield self.footer

    def action_pressed(self, key: str) -> None:
        self.pressed.append(key)

    def check_action(self, action: str, parameters) -> bool | None:
        return None if action == "greyed" else True  # None: Textual's "shown, but greyed out"


class TextualFooter(Footer):
    """Textual's own footer, composed of FooterKey widgets for the keys our footer chose."""

    def __init__(self, items) -> None:
        super().__init__(compact=True)
        self.items = items

    def compose(self) -> ComposeResult:
        for item in self.items:
            key = FooterKey(item.key, item.shown, item.label, "", disabled=item.disabled, tooltip=item.tooltip,
                            classes="-command-palette" if item.palette else "")
            yield key if item.palette else key.data_bind(compact=Footer.compact)


class KeysApp(App[None]):
    def __init__(self, footer) -> None:
        super().__init__()
        self.footer = footer

    def on_mount(self) -> None:
        self.push_screen(Keys(self.footer))


def cells(app: App) -> list[tuple[str, object]]:
    """The bottom line as (character, style) per cell (less the mouse's bookkeeping, which is not painted)."""
    line = app.screen._compositor.render_strips()[-1]
    return [(char, segment.style.clear_meta_and_links()) for segment in line for char in segment.text]


async def test_it_paints_what_textuals_footer_paints_for_the_same_keys():
    ours = KeysApp(KeysFooter())
    async with ours.run_test(size=(80, 24)) as pilot:
        await pilot.pause()
        footer = ours.screen.query_one(KeysFooter)
        items = footer.items
        painted = cells(ours)
    shown = [(item.shown, item.label) for item in items]
    assert shown[0] == ("1-3", "Sections") and ("n", "Add person") in shown and shown[-1] == ("^p", "palette")
    assert not any(label.startswith("A label far too long") for _key, label in shown)  # left out whole, not cut
    assert next(item for item in items if item.label == "Greyed out").disabled

    theirs = KeysApp(TextualFooter(items))
    async with theirs.run_test(size=(80, 24)) as pilot:
        await pilot.pause()
        expected = cells(theirs)
    assert "".join(char for char, _style in painted) == "".join(char for char, _style in expected)
    assert painted == expected


async def test_a_click_presses_its_key_and_a_greyed_out_key_only_rings():
    app = KeysApp(KeysFooter())
    async with app.run_test(size=(80, 24)) as pilot:
        await pilot.pause()
        footer = app.screen.query_one(KeysFooter)
        where = {item.label: (start, item) for start, _end, item in footer._spans}
        bells = []
        app.bell = lambda: bells.append(1)  # type: ignore[method-assign]
        await pilot.click(KeysFooter, offset=(where["Decision"][0], 0))
        await pilot.click(KeysFooter, offset=(where["Greyed out"][0] + 1, 0))
        await pilot.pause()
        assert app.screen.pressed == ["d"] and bells == [1]
        await pilot.hover(KeysFooter, offset=(where["Add person"][0] + 2, 0))
        await pilot.pause()
        assert footer.tooltip == "Add a person by hand"
        line = cells(app)
        # Greyed out: Textual paints the dim key in a colour between the key's and the background's.
        assert line[where["Greyed out"][0]][1].color != line[where["Decision"][0]][1].color


async def test_it_fits_a_narrow_screen_and_keeps_the_palette_key_in_view():
    app = KeysApp(KeysFooter())
    async with app.run_test(size=(40, 10)) as pilot:
        await pilot.pause()
        text = "".join(char for char, _style in cells(app))
    assert text.startswith("1-3 Sections n Add person") and text.rstrip().endswith("▏^p palette")
    assert len(text) == 40
